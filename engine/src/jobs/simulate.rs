//! `simulate`: one request against policy files — allowed, denied or conditional, and why.

use crate::aws::policy::{
    self, DocumentKind, PolicyRole, Request, RequestContext, Simulation, SimulationInput,
};
use crate::catalog::AwsCatalog;
use crate::ingest::policy_json::{self, PolicyFile};
use crate::source::{InputError, SourceFile};
use std::path::PathBuf;

/// The request and the policies to decide it with.
pub struct SimulateRequest {
    /// Identity policy files.
    pub policies: Vec<PathBuf>,
    /// Permission boundary file.
    pub boundary: Option<PathBuf>,
    /// Action as given.
    pub action: String,
    /// Resource ARN.
    pub resource: String,
    /// Context keys and values.
    pub context: Vec<(String, String)>,
    /// Context keys not given are absent (not unknown).
    pub complete_context: bool,
}

/// The decision.
pub struct SimulateReport {
    /// The request as simulated.
    pub request: Request,
    /// The action in catalog casing, when the catalog knows it.
    pub known_action: Option<String>,
    /// Close catalog names, when it does not.
    pub suggestions: Vec<String>,
    /// The outcome and the statements that decided it.
    pub simulation: Simulation,
    /// The policy files read.
    pub files: Vec<PolicyFile>,
}

impl SimulateReport {
    /// The files' sources, for locating statements.
    pub fn sources(&self) -> Vec<&SourceFile> {
        self.files.iter().map(|f| &f.source).collect()
    }
}

/// Reads the policies and decides the request; policy files that cannot be used are the error.
pub fn simulate(req: &SimulateRequest) -> Result<SimulateReport, Vec<InputError>> {
    let mut files = Vec::new();
    let mut roles = Vec::new();
    let mut errors = Vec::new();
    let inputs = req
        .policies
        .iter()
        .map(|p| (p, PolicyRole::Identity))
        .chain(req.boundary.iter().map(|p| (p, PolicyRole::Boundary)));
    for (path, role) in inputs {
        match policy_json::load(path, DocumentKind::Identity) {
            Ok(f) => {
                files.push(f);
                roles.push(role);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut context = RequestContext::default();
    context.complete = req.complete_context;
    for (k, v) in &req.context {
        context.insert(k, v);
    }
    let catalog = AwsCatalog::embedded();
    let known_action = catalog
        .lookup(&req.action)
        .map(|id| catalog.action(id).name.clone());
    let suggestions = if known_action.is_none() {
        catalog
            .suggest(&req.action, 3)
            .into_iter()
            .map(str::to_string)
            .collect()
    } else {
        Vec::new()
    };
    let request = Request {
        action: req.action.clone(),
        resource: req.resource.clone(),
        context,
    };
    let inputs: Vec<SimulationInput> = files
        .iter()
        .zip(&roles)
        .map(|(f, role)| SimulationInput {
            name: &f.source.path,
            role: *role,
            document: &f.document,
        })
        .collect();
    let simulation = policy::simulate(&request, &inputs);
    Ok(SimulateReport {
        request,
        known_action,
        suggestions,
        simulation,
        files,
    })
}
