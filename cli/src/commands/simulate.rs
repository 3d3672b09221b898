use crate::cli::SimulateArgs;
use crate::{diagnostics, exit, render};
use whittle_engine::SimulateRequest;

pub fn run(a: SimulateArgs) -> miette::Result<u8> {
    let req = SimulateRequest {
        policies: a.policies.clone(),
        boundary: a.boundary.clone(),
        session_policy: a.session_policy.clone(),
        resource_policy: a.resource_policy.clone(),
        endpoint_policy: a.endpoint_policy.clone(),
        scps: a.scps.clone(),
        rcps: a.rcps.clone(),
        principal: a.principal.clone(),
        anonymous: a.anonymous,
        resource_account: a.resource_account.clone(),
        management_account: a.management_account,
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
    diagnostics::load_problems(&[], &r.warnings);
    let suggestions: Vec<&str> = r.suggestions.iter().map(String::as_str).collect();
    render::simulation(
        a.format,
        &r.request,
        r.known_action.as_deref(),
        &suggestions,
        &r.simulation,
        &r.blocked_by,
        r.witness.as_deref(),
        &r.sources(),
    )?;
    Ok(exit::CLEAN)
}
