//! The `generate` job: a policy from observed usage alone, for a new role or to replace a
//! hand-written one — no snapshot needed.

use super::recommend::{observations, Evidence};
use super::JobError;
use crate::aws::policy::PolicyDocument;
use crate::catalog::AwsCatalog;
use crate::model::time::Epoch;
use crate::model::{Coverage, CoverageMode, Logging, Question, ResourceMode, Window};
use crate::propose::{generate as write_policy, SafetyCheck};
use crate::usage::{IngestReport, Progress, Store};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// What to generate a policy for.
pub struct GenerateRequest<'p> {
    /// The usage store.
    pub db: Option<PathBuf>,
    /// Logs to ingest into a temporary store instead (when not empty).
    pub logs: Vec<PathBuf>,
    /// The principal's ARN, as the logs attribute it (assumed-role sessions to their role).
    pub principal: String,
    /// Window length in days.
    pub window_days: u32,
    /// End of the window.
    pub now: Epoch,
    /// How far to narrow resources.
    pub resources: ResourceMode,
    /// Told about the temporary ingest's progress.
    pub progress: &'p dyn Progress,
}

/// The generated policy.
pub struct GenerateReport {
    /// The policy.
    pub document: PolicyDocument,
    /// Every call seen in the window is allowed by it.
    pub all_calls_allowed: SafetyCheck,
    /// Permissions in it.
    pub permissions: usize,
    /// What the logs cannot show, so the policy cannot hold (data events not logged, permissions
    /// never logged): the user adds them if the principal needs them.
    pub warnings: Vec<String>,
    /// The window.
    pub window: Window,
    /// The temporary ingest, when logs were given.
    pub ingest: Option<IngestReport>,
}

/// Runs the job.
pub fn generate(req: &GenerateRequest<'_>) -> Result<GenerateReport, JobError> {
    let catalog = AwsCatalog::embedded();
    let window = Window::ending(req.now, req.window_days);
    let mut evidence = Evidence::open(req.db.as_ref(), &req.logs, req.progress, req.now)?;
    let store = Store::open_read_only(&evidence.path)?;
    let mut by_principal = observations(&store, Some(&req.principal))?;
    let Some(seen) = by_principal.remove(&req.principal) else {
        return Err(super::usage::no_usage(&store, &req.principal)?);
    };
    let (document, check) = write_policy(catalog, &seen, window, req.resources);
    let mut warnings = Vec::new();
    let in_window: Vec<_> = seen
        .iter()
        .filter(|o| o.last_seen >= window.since && o.last_seen <= window.now)
        .collect();
    if in_window.is_empty() {
        warnings.push(format!(
            "no allowed call of `{}` in the window {}..{}: the policy is empty",
            req.principal,
            crate::model::time::iso_day(window.first),
            crate::model::time::iso_day(window.last)
        ));
    }
    // what the logs could not show
    let cells = store.coverage(window.first, window.last)?;
    let coverage = Coverage::new(&cells, CoverageMode::PerScope);
    let account = crate::aws::arn::Arn::parse(&req.principal)
        .map(|a| a.account.to_string())
        .unwrap_or_default();
    let used_services: BTreeSet<&str> = in_window
        .iter()
        .filter_map(|o| o.permission.split_once(':').map(|(s, _)| s))
        .collect();
    let mut unlogged = Vec::new();
    let has_data_events = |prefix: &str| {
        catalog.service(prefix).is_some_and(|svc| {
            catalog
                .service_actions(svc)
                .any(|a| catalog.logging(a) == Logging::Logged(crate::model::LogClass::Data))
        })
    };
    for service in used_services.iter().filter(|s| has_data_events(s)) {
        let v = coverage.vouch(&Question {
            provider: crate::model::Provider::Aws,
            scope: &account,
            location: None,
            service,
            logging: Logging::Logged(crate::model::LogClass::Data),
            first: window.first,
            last: window.last,
        });
        if v.data_events == Some(crate::model::DataEvents::NotLogged) {
            unlogged.push(*service);
        }
    }
    if !unlogged.is_empty() {
        warnings.push(format!(
            "the trail records no data events for {}: data-plane permissions the principal used there are not in the policy",
            unlogged.join(", ")
        ));
    }
    warnings.push(
        "permissions that never appear in logs (iam:PassRole, sts:TagSession, rds-db:connect, …) cannot be generated: add them if the principal needs them".into(),
    );
    let permissions = document
        .statements
        .iter()
        .map(|s| s.action.patterns().len())
        .sum();
    Ok(GenerateReport {
        document,
        all_calls_allowed: check,
        permissions,
        warnings,
        window,
        ingest: evidence.ingest.take(),
    })
}
