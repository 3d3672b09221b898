//! The `check` job: a rule set over snapshots, with usage evidence from a store when one is
//! given. What `whittle check` and `whittle watch` both run, in one call.

use super::JobError;
use crate::catalog::AwsCatalog;
use crate::ingest::aws_authz;
use crate::model::time::Epoch;
use crate::model::Severity;
use crate::model::Window;
use crate::rules::{self, CheckInput, Finding, RuleDiagnostic, RuleSet};
use crate::source::InputError;
use crate::usage::{load_facts, Store};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    /// What a change declares: plain policy documents, Terraform plans, CloudFormation templates
    /// (files, or directories to walk). Validated, and checked against the rules.
    pub paths: Vec<PathBuf>,
    /// Entitlement snapshots: AWS `get-account-authorization-details` JSON, GCP IAM policies and
    /// Azure role assignments (told apart by content).
    pub snapshots: Vec<PathBuf>,
    /// The same kind of inputs as `paths`, as they were before the change (the base branch):
    /// what the access diff compares with, instead of a plan's own before-state.
    pub baseline: Vec<PathBuf>,
    /// Rule directories (`@builtin` for the packs embedded in the binary).
    pub rules: Vec<PathBuf>,
    /// Usage store with the audit-log evidence, if any.
    pub db: Option<PathBuf>,
    /// "Now": the end of the observation window.
    pub now: Epoch,
    /// Window length in days (default: the rules' `window-days`).
    pub window_days: Option<u32>,
    /// Which findings to report.
    pub filter: FindingFilter,
}

/// Which findings a check reports (all by default).
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// Principals whose ARN, or name, matches this pattern (`*`, `?`).
    pub principal: Option<String>,
    /// Rules whose id matches one of these patterns.
    pub rules: Vec<String>,
    /// At or above this severity.
    pub min_severity: Option<Severity>,
    /// Other ids of the principal `principal` names: the Azure object ids of the assignments
    /// whose principal name (UPN) it matches. Filled in by [`check`] from the snapshots.
    pub aliases: Vec<String>,
}

impl FindingFilter {
    /// True when `f` is to be reported.
    pub fn keeps(&self, f: &Finding) -> bool {
        let principal = self.principal.as_deref().is_none_or(|pat| {
            let name = f.principal.rsplit('/').next().unwrap_or(&f.principal);
            // a GCP member by its email: `user:alice@example.com`, `deleted:user:…?uid=…`
            let email = f
                .principal
                .rsplit_once(':')
                .map(|(_, e)| e.split_once("?uid=").map_or(e, |(e, _)| e));
            crate::glob::matches(pat, &f.principal, false)
                || crate::glob::matches(pat, name, false)
                || email.is_some_and(|e| crate::glob::matches(pat, e, false))
                || self.aliases.contains(&f.principal)
        });
        let rule = self.rules.is_empty()
            || self
                .rules
                .iter()
                .any(|pat| crate::glob::matches(pat, &f.rule, false));
        let severity = self.min_severity.is_none_or(|min| f.severity >= min);
        principal && rule && severity
    }
}

/// What a check found.
pub struct CheckReport {
    /// The rule set, when it loaded without errors (nothing was evaluated otherwise).
    pub rules: Option<RuleSet>,
    /// Problems in the rules: while loading, and while evaluating (a rule that errored, an
    /// exemption that matched nothing, an expired keep entry).
    pub rule_diagnostics: Vec<RuleDiagnostic>,
    /// Snapshot input that could not be used (the rest was checked).
    pub input_errors: Vec<InputError>,
    /// Snapshot input used with a caveat.
    pub input_warnings: Vec<InputError>,
    /// Findings the filter keeps, sorted by severity, rule, principal and grant.
    pub findings: Vec<Finding>,
    /// Findings the filter left out.
    pub filtered_out: usize,
    /// The observation window, when usage evidence was read.
    pub window: Option<Window>,
    /// Per principal the change touches, the access it adds and removes (empty when nothing says
    /// what existed before: no plan before-state and no `--baseline`).
    pub access_diff: Vec<crate::access_diff::AccessDiff>,
}

impl CheckReport {
    /// True when some input could not be used: the rules are invalid or a snapshot was bad.
    pub fn input_failed(&self) -> bool {
        self.rules.is_none() || !self.input_errors.is_empty()
    }
}

/// Loads the rules, the snapshots and the usage facts, and evaluates.
pub fn check(req: &CheckRequest) -> Result<CheckReport, JobError> {
    let catalog = AwsCatalog::embedded();
    let (set, mut rule_diagnostics) = rules::load(&req.rules, catalog);
    let mut report = CheckReport {
        rules: None,
        rule_diagnostics: Vec::new(),
        input_errors: Vec::new(),
        input_warnings: Vec::new(),
        findings: Vec::new(),
        filtered_out: 0,
        window: None,
        access_diff: Vec::new(),
    };
    let Some(set) = set.filter(|_| !rule_diagnostics.iter().any(|d| d.is_error())) else {
        report.rule_diagnostics = rule_diagnostics;
        return Ok(report);
    };
    // GCP and Azure snapshots are recognised by content, the rest read as AWS
    let files = crate::ingest::recognize::by_cloud(&req.snapshots);
    let gcp = (!files.gcp.is_empty()).then(|| crate::ingest::gcp_iam::load_files(&files.gcp));
    let azure =
        (!files.azure.is_empty()).then(|| crate::ingest::azure_rbac::load_files(&files.azure));
    let mut loaded = aws_authz::load_files(&files.aws);
    let mut filter = req.filter.clone();
    if let (Some(pat), Some(a)) = (&filter.principal, &azure) {
        // an Azure principal by its UPN or display name: findings name its object id
        filter.aliases = a
            .snapshot
            .assignments
            .iter()
            .filter(|x| {
                x.principal_name
                    .as_deref()
                    .is_some_and(|n| crate::glob::matches(pat, n, true))
            })
            .map(|x| x.principal_id.to_ascii_lowercase())
            .collect();
    }
    if let Some(g) = &gcp {
        loaded.errors.extend(g.errors.iter().cloned());
        loaded.warnings.extend(g.warnings.iter().cloned());
    }
    if let Some(a) = &azure {
        loaded.errors.extend(a.errors.iter().cloned());
        loaded.warnings.extend(a.warnings.iter().cloned());
    }
    let mut change = crate::ingest::change::load(&req.paths);
    if !req.baseline.is_empty() {
        let base = crate::ingest::change::load(&req.baseline);
        loaded.errors.extend(base.errors);
        loaded.warnings.extend(base.warnings);
        change.before = Some(base.inventory);
    }
    adopt_stand_ins(&mut change, &loaded.inventory);
    let mut validation = validate_change(catalog, &change);
    // before: the snapshots with the change's before-state over them
    let before = change.before.as_ref().map(|b| {
        let mut inv = loaded.inventory.clone();
        merge(&mut inv, b);
        crate::aws::known_managed::fill_in(&mut inv);
        inv
    });
    merge(&mut loaded.inventory, &change.inventory);
    crate::aws::known_managed::fill_in(&mut loaded.inventory);
    validation.extend(attached_not_read(&loaded.inventory, &change));
    let settings = &set.lp.settings;
    let facts = match &req.db {
        Some(db) if !db.exists() => return Err(JobError::NoStore { path: db.clone() }),
        Some(db) => {
            let window = Window::ending(req.now, req.window_days.unwrap_or(settings.window_days));
            report.window = Some(window);
            Some(load_facts(
                &Store::open_read_only(db)?,
                window,
                settings.coverage,
            )?)
        }
        None => None,
    };
    let (findings, more) = rules::evaluate(
        &set,
        &CheckInput {
            inventory: &loaded.inventory,
            catalog,
            usage: facts.as_ref(),
            now: req.now,
            planned: &change.planned,
            gcp: gcp.as_ref().map(|g| &g.snapshot),
            azure: azure.as_ref().map(|a| &a.snapshot),
        },
    );
    // with a change to check, the snapshots and what a plan keeps unchanged are context: the
    // findings are those of the principals and resources the change touches
    let touched = |f: &Finding| {
        change.planned.contains(&f.principal)
            || f.granted_by
                .as_ref()
                .is_some_and(|o| change.planned.contains(&o.policy))
    };
    let unchanged = |f: &Finding| !req.paths.is_empty() && !touched(f);
    let mut findings: Vec<Finding> = findings.into_iter().filter(|f| !unchanged(f)).collect();
    findings.extend(validation);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.principal.cmp(&b.principal))
    });
    if let Some(before) = &before {
        report.access_diff = crate::access_diff::access_diff(
            catalog,
            before,
            &loaded.inventory,
            &change.planned,
            facts.as_ref(),
        );
    }
    rule_diagnostics.extend(more);
    report.rule_diagnostics = rule_diagnostics;
    report.input_errors = loaded.errors;
    report.input_errors.extend(change.errors);
    report.input_warnings = loaded.warnings;
    report.input_warnings.extend(change.warnings);
    let total = findings.len();
    report.findings = findings.into_iter().filter(|f| filter.keeps(f)).collect();
    report.filtered_out = total - report.findings.len();
    report.rules = Some(set);
    Ok(report)
}

/// The built-in policy checks on every document the change declares, and the findings of those
/// that did not parse.
fn validate_change(catalog: &AwsCatalog, change: &crate::ingest::change::Change) -> Vec<Finding> {
    use crate::aws::validate::{Subject, Validator};
    let validator = Validator::new(catalog);
    let mut out = change.invalid.clone();
    let inv = &change.inventory;
    for d in &change.documents {
        let policy = if d.resource {
            inv.resource_policies.get(&d.policy)
        } else {
            inv.policies.get(&d.policy)
        };
        let Some(policy) = policy else { continue };
        let text = change
            .files
            .get(&policy.location.file)
            .map(|f| f.text.as_ref());
        out.extend(validator.validate(&Subject {
            doc: &policy.document,
            kind: d.kind,
            policy: (&policy.id, &policy.name, policy.kind),
            location: &policy.location,
            text,
            holder: &d.holder,
        }));
    }
    out
}

/// Managed policies the change attaches to its principals whose documents no input holds.
fn attached_not_read(
    inv: &crate::aws::Inventory,
    change: &crate::ingest::change::Change,
) -> Vec<Finding> {
    use crate::aws::validate::{checks::ATTACHED_NOT_READ as C, RULE_LOCATION};
    let mut out = Vec::new();
    for id in &change.planned {
        let Some(p) = inv.principal(id) else { continue };
        for policy in p.policies.iter().filter(|x| !inv.policies.contains_key(*x)) {
            out.push(Finding {
                rule: C.id.to_string(),
                severity: C.severity,
                message: format!(
                    "`{policy}` is attached, but its document is not among the inputs: not checked"
                ),
                remediation: Some(C.remediation.to_string()),
                principal: p.id.clone(),
                permissions: Vec::new(),
                granted_by: Some(crate::model::Origin {
                    policy: policy.clone(),
                    policy_name: policy.rsplit('/').next().unwrap_or(policy).to_string(),
                    policy_kind: if policy.starts_with("arn:aws:iam::aws:policy/") {
                        crate::model::PolicyKind::AwsManaged
                    } else {
                        crate::model::PolicyKind::CustomerManaged
                    },
                    via_group: None,
                    statement: 0,
                    sid: None,
                    location: p.location.clone(),
                }),
                evidence: crate::model::Evidence::none(),
                rule_location: RULE_LOCATION.to_string(),
                notes: Vec::new(),
                owner: None,
            });
        }
    }
    out
}

/// A principal the change only refers to by name (`role = "app-runner"`) is the snapshots'
/// principal of that kind and name, when there is exactly one: what the change attaches is added
/// to what it already holds, and findings and the access diff speak of its ARN.
fn adopt_stand_ins(change: &mut crate::ingest::change::Change, snapshot: &crate::aws::Inventory) {
    let mut renamed = BTreeMap::new();
    for id in &change.stand_ins {
        let Some(stand_in) = change.inventory.principal(id) else {
            continue;
        };
        let matches: Vec<&crate::model::Principal> = snapshot
            .principals
            .iter()
            .filter(|p| p.kind == stand_in.kind && p.name == stand_in.name)
            .collect();
        if let [known] = matches.as_slice() {
            renamed.insert(id.clone(), (*known).clone());
        }
    }
    if renamed.is_empty() {
        return;
    }
    let adopt = |inv: &mut crate::aws::Inventory| {
        for p in &mut inv.principals {
            if let Some(known) = renamed.get(&p.id) {
                let mut merged = known.clone();
                merged.policies.extend(p.policies.iter().cloned());
                merged.groups.extend(p.groups.iter().cloned());
                *p = merged;
            }
        }
        inv.principals.sort_by(|a, b| a.id.cmp(&b.id));
    };
    adopt(&mut change.inventory);
    if let Some(before) = change.before.as_mut() {
        adopt(before);
    }
    for (old, known) in &renamed {
        if change.planned.remove(old) {
            change.planned.insert(known.id.clone());
        }
    }
}

/// Adds what a change declares to the snapshots' inventory (the change's version wins).
fn merge(inv: &mut crate::aws::Inventory, c: &crate::aws::Inventory) {
    inv.principals.retain(|p| c.principal(&p.id).is_none());
    inv.principals.extend(c.principals.iter().cloned());
    inv.principals.sort_by(|a, b| a.id.cmp(&b.id));
    for (k, v) in &c.policies {
        inv.policies.insert(k.clone(), v.clone());
    }
    for (k, v) in &c.resource_policies {
        inv.resource_policies.insert(k.clone(), v.clone());
    }
}
