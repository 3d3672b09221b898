use crate::cli::SimulateArgs;
use crate::{diagnostics, exit, render};
use whittle_engine::SimulateRequest;

pub fn run(a: SimulateArgs) -> miette::Result<u8> {
    let req = SimulateRequest {
        policies: a.policies.clone(),
        boundary: a.boundary.clone(),
        action: a.action.clone(),
        resource: a.resource.clone(),
        context: a.context.clone(),
        complete_context: a.complete_context,
    };
    let r = match whittle_engine::simulate(&req) {
        Ok(r) => r,
        Err(errors) => {
            diagnostics::input_errors(&errors);
            return Ok(exit::INPUT_ERROR);
        }
    };
    let suggestions: Vec<&str> = r.suggestions.iter().map(String::as_str).collect();
    render::simulation(
        a.format,
        &r.request,
        r.known_action.as_deref(),
        &suggestions,
        &r.simulation,
        &r.sources(),
    )?;
    Ok(exit::CLEAN)
}
