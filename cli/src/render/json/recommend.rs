//! `recommend --format json`: per principal the current and proposed documents, the diff of
//! each changed policy, every removed permission with its evidence, what is kept and why, and
//! both safety checks. `docs/recommend.md` describes every field.

use super::policy_kind;
use serde::Serialize;
use serde_json::value::RawValue;
use whittle_engine::aws::policy::{to_json, PolicyDocument};
use whittle_engine::model::time::{iso, iso_day};
use whittle_engine::propose::{Counterexample, KeptBecause, PolicyStatus, Proposal, SafetyCheck};
use whittle_engine::RecommendReport;

/// The document.
#[derive(Serialize)]
pub struct Recommend {
    window: Window,
    min_coverage_days: u32,
    resources: &'static str,
    warnings: Vec<String>,
    errors: Vec<String>,
    skipped: Vec<Skipped>,
    summary: Summary,
    principals: Vec<Principal>,
    /// With `--credential-report`: active credentials unused past the threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    credentials: Option<Credentials>,
}

#[derive(Serialize)]
struct Credentials {
    unused_days: u32,
    users: usize,
    unused: Vec<UnusedCredential>,
}

#[derive(Serialize)]
struct UnusedCredential {
    principal: String,
    user: String,
    credential: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_used: Option<String>,
    never_used: bool,
    days: i64,
}

#[derive(Serialize)]
struct Window {
    first_day: String,
    last_day: String,
    days: i64,
}

#[derive(Serialize)]
struct Skipped {
    principal: String,
    reason: String,
}

#[derive(Serialize)]
struct Summary {
    principals: usize,
    with_changes: usize,
    withheld: usize,
    inactive: usize,
    granted: usize,
    used: usize,
    proposed: usize,
    reduction_percent: f64,
}

#[derive(Serialize)]
struct Counts {
    granted: usize,
    used: usize,
    proposed: usize,
    reduction_percent: f64,
}

#[derive(Serialize)]
struct Principal {
    principal: String,
    name: String,
    /// `changes`, `no-change` or `withheld` (a safety check failed: nothing is proposed).
    verdict: &'static str,
    inactive: bool,
    counts: Counts,
    safety: Safety,
    policies: Vec<Policy>,
    /// The complete replacement, in as many documents as the size quota needs.
    replacement: Vec<Box<RawValue>>,
    removed: Vec<Removed>,
    kept: Vec<Kept>,
    not_granted: Vec<NotGranted>,
}

#[derive(Serialize)]
struct Safety {
    no_new_access: Check,
    no_breakage: Check,
}

#[derive(Serialize)]
struct Check {
    passed: bool,
    checked: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    counterexample: Option<Counter>,
}

#[derive(Serialize)]
struct Counter {
    action: String,
    resource: String,
    current: String,
    proposed: String,
    detail: String,
}

#[derive(Serialize)]
struct Policy {
    id: String,
    name: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    via_group: Option<String>,
    /// `unchanged`, `changed` or `removed`.
    status: &'static str,
    unused: bool,
    current: Box<RawValue>,
    proposed: Option<Box<RawValue>>,
    diff: String,
}

#[derive(Serialize)]
struct Removed {
    service: String,
    reason: &'static str,
    coverage: String,
    permissions: Vec<String>,
    earlier_use: Vec<EarlierUse>,
}

#[derive(Serialize)]
struct EarlierUse {
    permission: String,
    last_seen: String,
    count: u64,
}

#[derive(Serialize)]
struct Kept {
    /// `keep` or `not-observable`.
    reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<String>,
    permissions: Vec<String>,
}

#[derive(Serialize)]
struct NotGranted {
    permission: String,
    resource: String,
    last_seen: String,
}

/// A policy document as JSON, keeping its statement and condition order.
fn raw(doc: &PolicyDocument) -> Box<RawValue> {
    let compact = compact(&to_json(doc));
    RawValue::from_string(compact).unwrap_or_else(|_| {
        RawValue::from_string("null".into()).unwrap_or_else(|_| unreachable!("null is JSON"))
    })
}

/// `text` without whitespace outside strings.
fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if !c.is_whitespace() {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

fn check(c: &SafetyCheck) -> Check {
    Check {
        passed: c.passed,
        checked: c.checked,
        counterexample: c.counterexample.as_ref().map(|c: &Counterexample| Counter {
            action: c.action.clone(),
            resource: c.resource.clone(),
            current: c.current.clone(),
            proposed: c.proposed.clone(),
            detail: c.detail.clone(),
        }),
    }
}

fn verdict(p: &Proposal) -> &'static str {
    if !p.safe() {
        "withheld"
    } else if p.changes() {
        "changes"
    } else {
        "no-change"
    }
}

fn principal(p: &Proposal) -> Principal {
    Principal {
        principal: p.principal.clone(),
        name: p.name.clone(),
        verdict: verdict(p),
        inactive: p.inactive,
        counts: Counts {
            granted: p.counts.granted,
            used: p.counts.used,
            proposed: p.counts.proposed,
            reduction_percent: round1(p.counts.reduction_percent()),
        },
        safety: Safety {
            no_new_access: check(&p.no_new_access),
            no_breakage: check(&p.no_breakage),
        },
        policies: p
            .policies
            .iter()
            .map(|c| Policy {
                id: c.id.clone(),
                name: c.name.clone(),
                kind: policy_kind(c.kind),
                via_group: c.via_group.clone(),
                status: match c.status {
                    PolicyStatus::Unchanged => "unchanged",
                    PolicyStatus::Changed => "changed",
                    PolicyStatus::Removed => "removed",
                },
                unused: c.unused,
                current: raw(&c.current),
                proposed: c.proposed.as_ref().map(raw),
                diff: c.diff.clone(),
            })
            .collect(),
        replacement: if p.safe() {
            p.replacement.iter().map(raw).collect()
        } else {
            Vec::new()
        },
        removed: p
            .removed
            .iter()
            .map(|r| Removed {
                service: r.service.clone(),
                reason: "unused-in-window",
                coverage: r.coverage.clone(),
                permissions: r.permissions.clone(),
                earlier_use: r
                    .earlier_use
                    .iter()
                    .map(|e| EarlierUse {
                        permission: e.permission.clone(),
                        last_seen: iso(e.last_seen),
                        count: e.count,
                    })
                    .collect(),
            })
            .collect(),
        kept: p
            .kept
            .iter()
            .map(|k| match &k.because {
                KeptBecause::Keep { justification, at } => Kept {
                    reason: "keep",
                    justification: Some(justification.clone()),
                    at: Some(at.clone()),
                    coverage: None,
                    permissions: k.permissions.clone(),
                },
                KeptBecause::NotObservable { coverage } => Kept {
                    reason: "not-observable",
                    justification: None,
                    at: None,
                    coverage: Some(coverage.clone()),
                    permissions: k.permissions.clone(),
                },
            })
            .collect(),
        not_granted: p
            .not_granted
            .iter()
            .map(|g| NotGranted {
                permission: g.permission.clone(),
                resource: g.resource.clone(),
                last_seen: iso(g.last_seen),
            })
            .collect(),
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl Recommend {
    /// The document of a `recommend` report.
    pub fn new(r: &RecommendReport) -> Self {
        let granted: usize = r.proposals.iter().map(|p| p.counts.granted).sum();
        let used: usize = r.proposals.iter().map(|p| p.counts.used).sum();
        let proposed: usize = r.proposals.iter().map(|p| p.counts.proposed).sum();
        Recommend {
            window: Window {
                first_day: iso_day(r.window.first),
                last_day: iso_day(r.window.last),
                days: r.window.last - r.window.first + 1,
            },
            min_coverage_days: r.min_coverage_days,
            resources: r.resources.as_str(),
            warnings: r.warnings.clone(),
            errors: r.input_errors.iter().map(ToString::to_string).collect(),
            skipped: r
                .skipped
                .iter()
                .map(|s| Skipped {
                    principal: s.principal.clone(),
                    reason: s.reason.clone(),
                })
                .collect(),
            summary: Summary {
                principals: r.proposals.len(),
                with_changes: r.proposals.iter().filter(|p| p.changes()).count(),
                withheld: r.proposals.iter().filter(|p| !p.safe()).count(),
                inactive: r.proposals.iter().filter(|p| p.inactive).count(),
                granted,
                used,
                proposed,
                reduction_percent: round1(if granted == 0 {
                    0.0
                } else {
                    100.0 * granted.saturating_sub(proposed) as f64 / granted as f64
                }),
            },
            principals: r.proposals.iter().map(principal).collect(),
            credentials: r.credential_report_users.map(|users| Credentials {
                unused_days: r.credentials_unused_days,
                users,
                unused: r
                    .credentials
                    .iter()
                    .map(|u| UnusedCredential {
                        principal: u.credential.principal.clone(),
                        user: u.credential.user.clone(),
                        credential: u.credential.kind.as_str(),
                        since: u.credential.since.map(iso),
                        last_used: u.credential.last_used.map(iso),
                        never_used: u.never_used,
                        days: u.days,
                    })
                    .collect(),
            }),
        }
    }
}
