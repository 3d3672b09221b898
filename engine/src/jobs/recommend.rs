//! The `recommend` job: for every principal of the snapshots, the smallest replacement for the
//! policies it holds, from its usage in the window, with the evidence and both safety checks.

use super::usage::{ingest, IngestRequest};
use super::JobError;
use crate::catalog::AwsCatalog;
use crate::ingest::aws_authz;
use crate::model::time::Epoch;
use crate::model::{PrincipalKind, ResourceMode, Window};
use crate::propose::{
    propose, unused_credentials, KeepEntry, Observation, Proposal, ProposeInput, UnusedCredential,
};
use crate::rules::{self, RuleDiagnostic, RuleSet};
use crate::source::InputError;
use crate::usage::{IngestReport, Progress, Store};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

/// What a recommendation (and a report) reads: the snapshots, the usage evidence, the rules
/// and the window.
#[derive(Debug, Clone)]
pub struct EvidenceRequest {
    /// Entitlement snapshots.
    pub snapshots: Vec<PathBuf>,
    /// The usage store to read.
    pub db: Option<PathBuf>,
    /// Logs to ingest into a temporary store instead (when not empty).
    pub logs: Vec<PathBuf>,
    /// Rule directories.
    pub rules: Vec<PathBuf>,
    /// Window length in days (default: the rules' `window-days`).
    pub window_days: Option<u32>,
    /// End of the window.
    pub now: Epoch,
}

/// What to recommend for.
pub struct RecommendRequest<'p> {
    /// Snapshots, usage evidence, rules and window.
    pub evidence: EvidenceRequest,
    /// Only principals whose ARN or name matches this pattern.
    pub principal: Option<String>,
    /// How far to narrow resources (default: the rules' `resources`).
    pub resources: Option<ResourceMode>,
    /// An IAM credential report: adds passwords and access keys unused past the rules'
    /// `credentials-unused-days`.
    pub credential_report: Option<PathBuf>,
    /// Told about the temporary ingest's progress.
    pub progress: &'p dyn Progress,
}

/// A principal left out, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    /// Principal id.
    pub principal: String,
    /// Why.
    pub reason: String,
}

/// Who a principal is, for people: its account, kind and owner.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PrincipalInfo {
    /// Principal id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind (`user`, `role`, …).
    pub kind: crate::model::PrincipalKind,
    /// Account.
    pub account: String,
    /// Team and contact, from its tags or the rules' `[[owner]]` entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<crate::model::Owner>,
}

/// What `recommend` found.
pub struct RecommendReport {
    /// The rule set (`None` when it did not load; nothing was proposed then).
    pub rules: Option<RuleSet>,
    /// Problems in the rules.
    pub rule_diagnostics: Vec<RuleDiagnostic>,
    /// Snapshot input that could not be used.
    pub input_errors: Vec<InputError>,
    /// Snapshot input used with a caveat.
    pub input_warnings: Vec<InputError>,
    /// The temporary ingest, when `--logs` was given.
    pub ingest: Option<IngestReport>,
    /// One proposal per principal, sorted by principal.
    pub proposals: Vec<Proposal>,
    /// Principals left out.
    pub skipped: Vec<Skipped>,
    /// Things to know about the evidence as a whole (accounts without logs, principals in the
    /// logs but not in the snapshots, a window without logs).
    pub warnings: Vec<String>,
    /// The window.
    pub window: Window,
    /// Coverage days needed before absence of use is evidence.
    pub min_coverage_days: u32,
    /// How resources were narrowed.
    pub resources: ResourceMode,
    /// Active credentials unused past the threshold (with `--credential-report`).
    pub credentials: Vec<UnusedCredential>,
    /// The threshold, in days.
    pub credentials_unused_days: u32,
    /// Users the credential report listed, when one was given.
    pub credential_report_users: Option<usize>,
    /// Every principal considered (proposed for or skipped), with its account and owner.
    pub principals: Vec<PrincipalInfo>,
    /// The logs' coverage of the window, per scope and location.
    pub coverage: Vec<crate::model::timeline::CoverageLine>,
}

impl RecommendReport {
    /// True when some input could not be used.
    pub fn input_failed(&self) -> bool {
        self.rules.is_none() || !self.input_errors.is_empty()
    }
}

/// Why AWS does not let the principal's policies be changed, if it does not.
fn immutable(p: &crate::model::Principal) -> Option<&'static str> {
    if p.path.starts_with("/aws-service-role/") {
        Some("service-linked role: AWS defines its permissions")
    } else if p.path.starts_with("/aws-reserved/") {
        Some("AWS-reserved role (IAM Identity Center): change its permission set instead")
    } else {
        None
    }
}

fn matches_principal(pattern: &str, p: &crate::model::Principal) -> bool {
    crate::glob::matches(pattern, &p.id, false) || crate::glob::matches(pattern, &p.name, false)
}

/// A store that exists for one run and is deleted with its side files when dropped.
struct TempStore(PathBuf);

impl Drop for TempStore {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", ".lock"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// The usage evidence of a run: the store given, or a temporary one made from logs.
pub(super) struct Evidence {
    pub path: PathBuf,
    pub ingest: Option<IngestReport>,
    _temp: Option<TempStore>,
}

impl Evidence {
    pub fn open(
        db: Option<&PathBuf>,
        logs: &[PathBuf],
        progress: &dyn Progress,
        now: Epoch,
    ) -> Result<Evidence, JobError> {
        if logs.is_empty() {
            let db = db.cloned().ok_or_else(|| JobError::NoStore {
                path: PathBuf::from("(none given)"),
            })?;
            if !db.exists() {
                return Err(JobError::NoStore { path: db });
            }
            return Ok(Evidence {
                path: db,
                ingest: None,
                _temp: None,
            });
        }
        let path = std::env::temp_dir().join(format!(
            "whittle-evidence-{}-{}.db",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        let temp = TempStore(path.clone());
        let report = ingest(&IngestRequest {
            paths: logs.to_vec(),
            db: path.clone(),
            commit_every: 10_000,
            progress,
            now,
            wait: false,
            rules: Vec::new(),
            settle: None,
            snapshots: Vec::new(),
            aggregate: false,
        })?
        .report;
        Ok(Evidence {
            path,
            ingest: Some(report),
            _temp: Some(temp),
        })
    }
}

/// The allowed usage the store holds, by principal (only `principal`'s when given).
pub(super) fn observations(
    store: &Store,
    principal: Option<&str>,
) -> Result<HashMap<String, Vec<Observation>>, JobError> {
    let mut out: HashMap<String, Vec<Observation>> = HashMap::new();
    for row in store.allowed_usage(principal)? {
        let (Some(last_seen), true) = (row.last_seen, row.count > 0) else {
            continue;
        };
        out.entry(row.principal).or_default().push(Observation {
            permission: row.permission,
            resource: row.resource,
            first_seen: row.first_seen,
            last_seen,
            count: row.count,
        });
    }
    Ok(out)
}

/// Runs the job.
pub fn recommend(request: &RecommendRequest<'_>) -> Result<RecommendReport, JobError> {
    let req = &request.evidence;
    let catalog = AwsCatalog::embedded();
    let (set, mut rule_diagnostics) = rules::load(&req.rules, catalog);
    let settings = set
        .as_ref()
        .map(|s| s.lp.settings.clone())
        .unwrap_or_default();
    let window = Window::ending(req.now, req.window_days.unwrap_or(settings.window_days));
    let mut report = RecommendReport {
        rules: None,
        rule_diagnostics: Vec::new(),
        input_errors: Vec::new(),
        input_warnings: Vec::new(),
        ingest: None,
        proposals: Vec::new(),
        skipped: Vec::new(),
        warnings: Vec::new(),
        window,
        min_coverage_days: settings.min_coverage_days,
        resources: request.resources.unwrap_or(settings.resources),
        credentials: Vec::new(),
        credentials_unused_days: settings.credentials_unused_days,
        credential_report_users: None,
        principals: Vec::new(),
        coverage: Vec::new(),
    };
    let Some(set) = set.filter(|_| !rule_diagnostics.iter().any(|d| d.is_error())) else {
        report.rule_diagnostics = rule_diagnostics;
        return Ok(report);
    };

    // the evidence: a store given, or one made from the logs for this run
    let mut evidence = Evidence::open(req.db.as_ref(), &req.logs, request.progress, req.now)?;
    report.ingest = evidence.ingest.take();
    let db = evidence.path.clone();
    let store = Store::open_read_only(&db)?;
    let cells = store.coverage(window.first, window.last)?;
    let coverage = crate::model::Coverage::new(&cells, settings.coverage);
    report.coverage = crate::model::timeline::timeline(&cells, window.first, window.last);
    // who the logs know (each principal's rows are read by the worker that proposes for it)
    let in_logs: Vec<String> = store.principals()?.into_iter().map(|(id, _)| id).collect();

    let loaded = aws_authz::load_files(&req.snapshots);
    let inventory = &loaded.inventory;
    let (keeps, expired) = rules::active_keeps(&set, req.now);
    rule_diagnostics.extend(expired);

    // warnings about the evidence as a whole
    let accounts: BTreeSet<&str> = inventory
        .principals
        .iter()
        .map(|p| p.scope.as_str())
        .collect();
    let logged: BTreeSet<&str> = cells.iter().map(|c| c.scope.as_str()).collect();
    let window_days = window.last - window.first + 1;
    if window_days < i64::from(settings.min_coverage_days) {
        report.warnings.push(format!(
            "the window ({window_days} days) is shorter than the rules' min-coverage-days ({}): absence of use is no evidence, nothing is removed",
            settings.min_coverage_days
        ));
    }
    if cells.is_empty() {
        report.warnings.push(format!(
            "the logs cover no day of the window {}..{}: nothing is removed",
            crate::model::time::iso_day(window.first),
            crate::model::time::iso_day(window.last)
        ));
    } else {
        for a in accounts.iter().filter(|a| !logged.contains(*a)) {
            report.warnings.push(format!(
                "no logs for account {a} in the window: nothing is removed from its principals"
            ));
        }
    }
    let unknown: Vec<&String> = in_logs
        .iter()
        .filter(|id| inventory.principal(id).is_none())
        .filter(|id| {
            accounts
                .iter()
                .any(|a| crate::aws::arn::Arn::parse(id).is_some_and(|x| x.account == *a))
        })
        .collect();
    if !unknown.is_empty() {
        let mut shown: Vec<&str> = unknown.iter().map(|s| s.as_str()).collect();
        shown.sort();
        let more = shown.len().saturating_sub(5);
        shown.truncate(5);
        report.warnings.push(format!(
            "{} principal(s) in the logs are not in the snapshots (deleted since, or a snapshot is missing): {}{}",
            unknown.len(),
            shown.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() }
        ));
    }

    let chosen: Vec<&crate::model::Principal> = inventory
        .principals
        .iter()
        .filter(|p| p.kind != PrincipalKind::Group)
        .filter(|p| {
            request
                .principal
                .as_deref()
                .is_none_or(|pat| matches_principal(pat, p))
        })
        .collect();
    let owners = set.lp.owners();
    report.principals = chosen
        .iter()
        .map(|p| PrincipalInfo {
            id: p.id.clone(),
            name: p.name.clone(),
            kind: p.kind,
            account: p.scope.clone(),
            owner: owners.of(&p.id, &p.tags),
        })
        .collect();
    for p in &chosen {
        if let Some(why) = immutable(p) {
            report.skipped.push(Skipped {
                principal: p.id.clone(),
                reason: why.into(),
            });
        }
    }
    let resources = report.resources;
    let proposals: Result<Vec<Proposal>, JobError> = chosen
        .par_iter()
        .filter(|p| immutable(p).is_none())
        .map_init(
            // a resolver and a store connection per worker: each reads its principals' rows
            || {
                (
                    crate::effective::Resolver::new(catalog, inventory),
                    Store::open_read_only(&db),
                )
            },
            |(resolver, worker_store), p| {
                let worker_store = worker_store.as_ref().map_err(Clone::clone)?;
                let seen = observations(worker_store, Some(&p.id))?
                    .remove(&p.id)
                    .unwrap_or_default();
                let effective = resolver.resolve(p);
                let keep: Vec<KeepEntry> = keeps
                    .iter()
                    .filter(|(k, _)| crate::glob::matches(&k.principal, &p.id, false))
                    .map(|(k, src)| KeepEntry {
                        actions: k.actions.clone(),
                        reason: k.reason.clone(),
                        at: format!("{}:{}", src.file, src.line),
                    })
                    .collect();
                Ok(propose(&ProposeInput {
                    catalog,
                    inventory,
                    principal: p,
                    effective: &effective,
                    observations: &seen,
                    coverage: &coverage,
                    window,
                    min_coverage_days: settings.min_coverage_days,
                    resources,
                    keep: &keep,
                }))
            },
        )
        .collect();
    report.proposals = proposals?;
    report.rule_diagnostics = rule_diagnostics;
    report.input_errors = loaded.errors;
    if let Some(path) = &request.credential_report {
        let creds = crate::ingest::credential_report::load(path);
        report.credential_report_users = Some(creds.users);
        report.credentials = unused_credentials(
            &creds.credentials,
            req.now,
            settings.credentials_unused_days,
        );
        report.input_errors.extend(creds.errors);
    }
    report.input_warnings = loaded.warnings;
    report.rules = Some(set);
    Ok(report)
}
