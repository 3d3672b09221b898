use crate::cli::SimulateArgs;
use crate::{diagnostics, exit, render};
use whittle_engine::aws::policy::{
    simulate, DocumentKind, PolicyRole, Request, RequestContext, SimulationInput,
};
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::ingest::policy_json::{self, PolicyFile};

pub fn run(a: SimulateArgs) -> miette::Result<u8> {
    let mut files: Vec<(PolicyFile, PolicyRole)> = Vec::new();
    let mut errors = Vec::new();
    let inputs = a
        .policies
        .iter()
        .map(|p| (p, PolicyRole::Identity))
        .chain(a.boundary.iter().map(|p| (p, PolicyRole::Boundary)));
    for (path, role) in inputs {
        match policy_json::load(path, DocumentKind::Identity) {
            Ok(f) => files.push((f, role)),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        diagnostics::input_errors(&errors);
        return Ok(exit::INPUT_ERROR);
    }
    let mut context = RequestContext::default();
    context.complete = a.complete_context;
    for (k, v) in &a.context {
        context.insert(k, v);
    }
    let catalog = AwsCatalog::embedded();
    let known = catalog
        .lookup(&a.action)
        .map(|id| catalog.action(id).name.clone());
    let req = Request {
        action: a.action.clone(),
        resource: a.resource.clone(),
        context,
    };
    let sims: Vec<SimulationInput> = files
        .iter()
        .map(|(f, role)| SimulationInput {
            name: &f.source.path,
            role: *role,
            document: &f.document,
        })
        .collect();
    let result = simulate(&req, &sims);
    let suggestions = if known.is_none() {
        catalog.suggest(&a.action, 3)
    } else {
        Vec::new()
    };
    let sources: Vec<_> = files.iter().map(|(f, _)| &f.source).collect();
    render::simulation(
        a.format,
        &req,
        known.as_deref(),
        &suggestions,
        &result,
        &sources,
    )?;
    Ok(exit::CLEAN)
}
