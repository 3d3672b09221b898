//! What a report shows, composed from the `recommend` and `check` reports: totals, reductions
//! per account and team, risk classes held, findings by severity and rule, coverage over
//! time, alerts, and per principal its permissions by service, its proposal and its findings.
//! Every number is computed here, once; renderers only lay it out.

use super::check::CheckReport;
use super::recommend::{RecommendReport, Skipped};
use crate::catalog::AwsCatalog;
use crate::model::time::iso_day;
use crate::model::timeline::CoverageLine;
use crate::model::{Severity, Window};
use crate::propose::{Counts, Kept, PolicyChange, Proposal, Removed, SafetyCheck};
use crate::rules::{Finding, RuleSet};
use crate::usage::RaisedAlert;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The report's data.
#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    /// The window, when usage evidence was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowView>,
    /// Totals over every principal.
    pub totals: Totals,
    /// Per principal, sorted by id.
    pub principals: Vec<PrincipalView>,
    /// Reduction per account.
    pub accounts: Vec<Reduction>,
    /// Reduction per team (principals without an owner under `(no owner)`).
    pub teams: Vec<Reduction>,
    /// Risk classes, and who holds them.
    pub risks: Vec<RiskView>,
    /// Findings per severity, most severe first (every severity, zero included).
    pub severities: Vec<SeverityCount>,
    /// Findings per rule, most first.
    pub rules: Vec<RuleCount>,
    /// Every finding, sorted by severity, rule and principal.
    pub findings: Vec<FindingView>,
    /// The logs' coverage per scope and location.
    pub coverage: Vec<CoverageLine>,
    /// Alerts raised in the window, newest first.
    pub alerts: Vec<RaisedAlert>,
    /// What to know about the evidence as a whole.
    pub warnings: Vec<String>,
    /// Inputs that could not be used (`file:line:column: what is wrong`): the report is
    /// incomplete without them.
    pub inputs_not_read: Vec<String>,
    /// Principals left out of the recommendations, and why.
    pub skipped: Vec<Skipped>,
}

/// The window, as dates.
#[derive(Debug, Clone, Serialize)]
pub struct WindowView {
    /// First day.
    pub first: String,
    /// Last day.
    pub last: String,
    /// Days.
    pub days: i64,
}

impl WindowView {
    fn new(w: &Window) -> WindowView {
        WindowView {
            first: iso_day(w.first),
            last: iso_day(w.last),
            days: w.last - w.first + 1,
        }
    }
}

/// Totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Principals shown.
    pub principals: usize,
    /// Principals with a proposal that changes something.
    pub proposals: usize,
    /// Of those, the ones both safety checks passed.
    pub safe: usize,
    /// Permissions granted, summed over principals.
    pub granted: usize,
    /// Of those, used in the window.
    pub used: usize,
    /// What the proposals grant.
    pub proposed: usize,
    /// Findings.
    pub findings: usize,
}

impl Totals {
    /// Share of the granted permissions the proposals remove, in percent.
    pub fn reduction_percent(&self) -> f64 {
        percent(self.granted, self.proposed)
    }
}

fn percent(granted: usize, proposed: usize) -> f64 {
    if granted == 0 {
        return 0.0;
    }
    100.0 * granted.saturating_sub(proposed) as f64 / granted as f64
}

/// What the proposals of a group of principals (an account, a team) remove.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reduction {
    /// Account id or team name.
    pub name: String,
    /// Principals.
    pub principals: usize,
    /// Permissions granted, summed.
    pub granted: usize,
    /// Used in the window, summed.
    pub used: usize,
    /// What the proposals grant, summed.
    pub proposed: usize,
    /// Share removed, in percent.
    pub reduction_percent: f64,
}

/// A risk class and its holders.
#[derive(Debug, Clone, Serialize)]
pub struct RiskView {
    /// Class id (`privilege-escalation`).
    pub id: String,
    /// What it means.
    pub description: String,
    /// Principals holding some permission of the class, most held first.
    pub holders: Vec<RiskHolder>,
}

/// A principal holding permissions of a risk class.
#[derive(Debug, Clone, Serialize)]
pub struct RiskHolder {
    /// Principal id.
    pub principal: String,
    /// Permissions of the class held.
    pub held: usize,
    /// Of those, used in the window.
    pub used: usize,
}

/// Findings of one severity.
#[derive(Debug, Clone, Serialize)]
pub struct SeverityCount {
    /// Severity.
    pub severity: Severity,
    /// Findings.
    pub count: usize,
}

/// Findings of one rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCount {
    /// Rule id.
    pub rule: String,
    /// Its severity (the highest of its findings).
    pub severity: Severity,
    /// Findings.
    pub count: usize,
    /// Why it matters, from the rule's documentation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// How to fix it (its first finding's remediation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
}

/// A finding, with its rule's reasons.
#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// Why the rule matters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Where the grant is, `file:line:column`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// One principal.
#[derive(Debug, Clone, Serialize)]
pub struct PrincipalView {
    /// Principal id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind (`user`, `role`, …), when the snapshot says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Account (or project, subscription).
    pub account: String,
    /// Team, from its tags or the rules' `[[owner]]` entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Why no proposal was made, when none was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The proposal, when one was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<ProposalView>,
    /// Indices into [`ReportData::findings`].
    pub findings: Vec<usize>,
    /// Risk classes it holds some permission of.
    pub risks: Vec<String>,
}

/// A proposal, for people.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalView {
    /// Granted, used, proposed.
    pub counts: Counts,
    /// Share of the granted permissions removed, in percent.
    pub reduction_percent: f64,
    /// True when some policy changes.
    pub changes: bool,
    /// True when no call was seen in the window and coverage vouches for it.
    pub inactive: bool,
    /// Its permissions by service: used services first.
    pub services: Vec<ServiceView>,
    /// Every policy it holds, with the diff.
    pub policies: Vec<PolicyChange>,
    /// What is removed, with the evidence.
    pub removed: Vec<Removed>,
    /// What is kept though unused, and why.
    pub kept: Vec<Kept>,
    /// No new access.
    pub no_new_access: SafetyCheck,
    /// No breakage.
    pub no_breakage: SafetyCheck,
    /// Where each grant comes from.
    pub grants: Vec<GrantView>,
}

/// A principal's permissions of one service.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceView {
    /// Service prefix.
    pub service: String,
    /// Permissions granted.
    pub granted: usize,
    /// The ones used in the window.
    pub used: Vec<String>,
    /// Permissions the proposal removes.
    pub removed: usize,
    /// Permissions kept though unused.
    pub kept: usize,
}

/// A grant and the statement it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct GrantView {
    /// Policy name.
    pub policy: String,
    /// Inline, customer- or AWS-managed.
    pub policy_kind: crate::model::PolicyKind,
    /// The group it is held through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_group: Option<String>,
    /// Statement index.
    pub statement: usize,
    /// Statement Sid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `file:line:column`.
    pub at: String,
    /// `Action` (or `NotAction`, prefixed `not `) as written.
    pub actions: Vec<String>,
    /// True for `NotAction`.
    pub not_action: bool,
    /// Resources.
    pub resources: String,
    /// Permissions it grants.
    pub permissions: usize,
    /// True when it depends on request context.
    pub conditional: bool,
}

/// Team name for principals nothing names an owner of.
pub const NO_OWNER: &str = "(no owner)";

impl ReportData {
    /// Composes the report from what was run: the recommendations, the findings, or both.
    pub fn compose(
        recommended: Option<&RecommendReport>,
        checked: Option<&CheckReport>,
        alerts: Vec<RaisedAlert>,
    ) -> ReportData {
        let catalog = AwsCatalog::embedded();
        let rules: Option<&RuleSet> = recommended
            .and_then(|r| r.rules.as_ref())
            .or_else(|| checked.and_then(|c| c.rules.as_ref()));
        let findings = finding_views(checked, rules);

        // principals: those recommend considered, then any only findings name
        let mut principals: BTreeMap<String, PrincipalView> = BTreeMap::new();
        if let Some(r) = recommended {
            for p in &r.principals {
                principals.insert(
                    p.id.clone(),
                    PrincipalView {
                        id: p.id.clone(),
                        name: p.name.clone(),
                        kind: Some(p.kind.as_str().to_string()),
                        account: p.account.clone(),
                        team: p.owner.as_ref().and_then(|o| o.team.clone()),
                        skipped: None,
                        proposal: None,
                        findings: Vec::new(),
                        risks: Vec::new(),
                    },
                );
            }
            for s in &r.skipped {
                if let Some(v) = principals.get_mut(&s.principal) {
                    v.skipped = Some(s.reason.clone());
                }
            }
        }
        for (i, f) in findings.iter().enumerate() {
            let p = &f.finding.principal;
            let view = principals
                .entry(p.clone())
                .or_insert_with(|| PrincipalView {
                    id: p.clone(),
                    name: p.rsplit('/').next().unwrap_or(p).to_string(),
                    kind: None,
                    account: account_of(p, f.finding.granted_by.as_ref()),
                    team: None,
                    skipped: None,
                    proposal: None,
                    findings: Vec::new(),
                    risks: Vec::new(),
                });
            if view.team.is_none() {
                view.team = f.finding.owner.as_ref().and_then(|o| o.team.clone());
            }
            view.findings.push(i);
        }

        let mut risks: Vec<RiskView> = rules
            .map(|set| {
                set.lp
                    .risks
                    .iter()
                    .map(|(r, _)| RiskView {
                        id: r.id.clone(),
                        description: r.description.clone(),
                        holders: Vec::new(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        if let Some(r) = recommended {
            for p in &r.proposals {
                let Some(view) = principals.get_mut(&p.principal) else {
                    continue;
                };
                for risk in &mut risks {
                    let Some(set) = rules.and_then(|s| s.risk_actions.get(&risk.id)) else {
                        continue;
                    };
                    let held = p.held.intersection(set);
                    if held.is_empty() {
                        continue;
                    }
                    view.risks.push(risk.id.clone());
                    risk.holders.push(RiskHolder {
                        principal: p.principal.clone(),
                        held: held.len(),
                        used: held.intersection(&p.used).len(),
                    });
                }
                view.proposal = Some(proposal_view(catalog, p));
            }
        }
        for risk in &mut risks {
            risk.holders
                .sort_by(|a, b| b.held.cmp(&a.held).then(a.principal.cmp(&b.principal)));
        }
        let principals: Vec<PrincipalView> = principals.into_values().collect();

        let mut totals = Totals {
            principals: principals.len(),
            findings: findings.len(),
            ..Totals::default()
        };
        for p in principals.iter().filter_map(|p| p.proposal.as_ref()) {
            totals.granted += p.counts.granted;
            totals.used += p.counts.used;
            totals.proposed += p.counts.proposed;
            if p.changes {
                totals.proposals += 1;
                if p.no_new_access.passed && p.no_breakage.passed {
                    totals.safe += 1;
                }
            }
        }
        let accounts = reductions(&principals, |p| Some(p.account.clone()));
        let teams = reductions(&principals, |p| {
            Some(p.team.clone().unwrap_or_else(|| NO_OWNER.to_string()))
        });
        let (severities, rule_counts) = finding_counts(&findings);
        let window = recommended
            .map(|r| r.window)
            .or_else(|| checked.and_then(|c| c.window));
        ReportData {
            window: window.as_ref().map(WindowView::new),
            totals,
            principals,
            accounts,
            teams,
            risks,
            severities,
            rules: rule_counts,
            findings,
            coverage: recommended.map(|r| r.coverage.clone()).unwrap_or_default(),
            alerts,
            warnings: recommended.map(|r| r.warnings.clone()).unwrap_or_default(),
            // both jobs read the same snapshots: check's errors, else recommend's
            inputs_not_read: checked
                .map(|c| &c.input_errors)
                .or(recommended.map(|r| &r.input_errors))
                .map(|errors| errors.iter().map(ToString::to_string).collect())
                .unwrap_or_default(),
            skipped: recommended.map(|r| r.skipped.clone()).unwrap_or_default(),
        }
    }
}

/// The account a finding's principal is in: an ARN's account; for a GCP member or an Azure
/// principal, the scope of the binding or assignment (`projects/p`, `/subscriptions/…`).
fn account_of(id: &str, granted_by: Option<&crate::model::Origin>) -> String {
    match crate::aws::arn::Arn::parse(id) {
        Some(a) => a.account.to_string(),
        None => granted_by
            .filter(|o| o.policy_kind == crate::model::PolicyKind::RoleBinding)
            .map(|o| o.policy.clone())
            .unwrap_or_default(),
    }
}

fn finding_views(checked: Option<&CheckReport>, rules: Option<&RuleSet>) -> Vec<FindingView> {
    let mut why: BTreeMap<&str, Option<String>> = BTreeMap::new();
    checked
        .map(|c| c.findings.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|f| {
            let why = why
                .entry(f.rule.as_str())
                .or_insert_with(|| rules.and_then(|s| s.explain(&f.rule)).and_then(|d| d.why))
                .clone();
            FindingView {
                at: f.granted_by.as_ref().map(|o| o.location.to_string()),
                finding: f.clone(),
                why,
            }
        })
        .collect()
}

fn finding_counts(findings: &[FindingView]) -> (Vec<SeverityCount>, Vec<RuleCount>) {
    let severities = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ]
    .into_iter()
    .map(|s| SeverityCount {
        severity: s,
        count: findings.iter().filter(|f| f.finding.severity == s).count(),
    })
    .collect();
    let mut by_rule: BTreeMap<&str, RuleCount> = BTreeMap::new();
    for f in findings {
        let c = by_rule
            .entry(f.finding.rule.as_str())
            .or_insert_with(|| RuleCount {
                rule: f.finding.rule.clone(),
                severity: f.finding.severity,
                count: 0,
                why: f.why.clone(),
                remediation: f.finding.remediation.clone(),
            });
        c.count += 1;
        c.severity = c.severity.max(f.finding.severity);
    }
    let mut rules: Vec<RuleCount> = by_rule.into_values().collect();
    rules.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.severity.cmp(&a.severity))
            .then(a.rule.cmp(&b.rule))
    });
    (severities, rules)
}

fn reductions(
    principals: &[PrincipalView],
    key: impl Fn(&PrincipalView) -> Option<String>,
) -> Vec<Reduction> {
    let mut groups: BTreeMap<String, Reduction> = BTreeMap::new();
    for p in principals {
        let (Some(name), Some(proposal)) = (key(p), &p.proposal) else {
            continue;
        };
        let g = groups.entry(name.clone()).or_insert_with(|| Reduction {
            name,
            principals: 0,
            granted: 0,
            used: 0,
            proposed: 0,
            reduction_percent: 0.0,
        });
        g.principals += 1;
        g.granted += proposal.counts.granted;
        g.used += proposal.counts.used;
        g.proposed += proposal.counts.proposed;
    }
    let mut out: Vec<Reduction> = groups
        .into_values()
        .map(|mut g| {
            g.reduction_percent = percent(g.granted, g.proposed);
            g
        })
        .collect();
    out.sort_by(|a, b| {
        let removed = |r: &Reduction| r.granted.saturating_sub(r.proposed);
        removed(b).cmp(&removed(a)).then(a.name.cmp(&b.name))
    });
    out
}

fn proposal_view(catalog: &AwsCatalog, p: &Proposal) -> ProposalView {
    ProposalView {
        counts: p.counts,
        reduction_percent: p.counts.reduction_percent(),
        changes: p.changes(),
        inactive: p.inactive,
        services: services(catalog, p),
        policies: p.policies.clone(),
        removed: p.removed.clone(),
        kept: p.kept.clone(),
        no_new_access: p.no_new_access.clone(),
        no_breakage: p.no_breakage.clone(),
        grants: p.grants.iter().map(grant_view).collect(),
    }
}

/// The principal's permissions by service: services with use first (most used first), then
/// the rest by permissions granted.
fn services(catalog: &AwsCatalog, p: &Proposal) -> Vec<ServiceView> {
    let mut by: BTreeMap<&str, ServiceView> = BTreeMap::new();
    for id in p.held.iter() {
        let prefix = catalog.service_of(id).prefix.as_str();
        let s = by.entry(prefix).or_insert_with(|| ServiceView {
            service: prefix.to_string(),
            granted: 0,
            used: Vec::new(),
            removed: 0,
            kept: 0,
        });
        s.granted += 1;
        if p.used.contains(id) {
            s.used.push(catalog.action(id).name.clone());
        }
    }
    for r in &p.removed {
        if let Some(s) = by.get_mut(r.service.as_str()) {
            s.removed += r.permissions.len();
        }
    }
    let kept: BTreeSet<&str> = p
        .kept
        .iter()
        .flat_map(|k| k.permissions.iter().map(String::as_str))
        .collect();
    for name in kept {
        let prefix = name.split(':').next().unwrap_or(name);
        if let Some(s) = by.get_mut(prefix) {
            s.kept += 1;
        }
    }
    let mut out: Vec<ServiceView> = by.into_values().collect();
    out.sort_by(|a, b| {
        b.used
            .len()
            .cmp(&a.used.len())
            .then(b.granted.cmp(&a.granted))
            .then(a.service.cmp(&b.service))
    });
    out
}

fn grant_view(g: &crate::model::Grant) -> GrantView {
    let o = &g.origin;
    GrantView {
        policy: o.policy_name.clone(),
        policy_kind: o.policy_kind,
        via_group: o.via_group.clone(),
        statement: o.statement,
        sid: o.sid.clone(),
        at: o.location.to_string(),
        actions: g.action_spec.patterns().to_vec(),
        not_action: matches!(g.action_spec, crate::model::Actions::NotAction(_)),
        resources: g.resources.to_string(),
        permissions: g.actions.len(),
        conditional: g.conditional,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Evidence;

    fn finding(rule: &str, severity: Severity, principal: &str) -> FindingView {
        FindingView {
            finding: Finding {
                rule: rule.into(),
                severity,
                message: String::new(),
                remediation: None,
                principal: principal.into(),
                permissions: Vec::new(),
                granted_by: None,
                evidence: Evidence::none(),
                rule_location: String::new(),
                notes: Vec::new(),
                owner: None,
            },
            why: None,
            at: None,
        }
    }

    fn principal(
        id: &str,
        account: &str,
        team: Option<&str>,
        counts: Option<(usize, usize, usize)>,
    ) -> PrincipalView {
        let check = SafetyCheck {
            passed: true,
            checked: 0,
            counterexample: None,
        };
        PrincipalView {
            id: id.into(),
            name: id.into(),
            kind: None,
            account: account.into(),
            team: team.map(Into::into),
            skipped: None,
            proposal: counts.map(|(granted, used, proposed)| ProposalView {
                counts: Counts {
                    granted,
                    used,
                    proposed,
                },
                reduction_percent: 0.0,
                changes: true,
                inactive: false,
                services: Vec::new(),
                policies: Vec::new(),
                removed: Vec::new(),
                kept: Vec::new(),
                no_new_access: check.clone(),
                no_breakage: check.clone(),
                grants: Vec::new(),
            }),
            findings: Vec::new(),
            risks: Vec::new(),
        }
    }

    #[test]
    fn reductions_sum_each_group_and_rank_by_what_is_removed() {
        let ps = [
            principal("a", "111", Some("payments"), Some((100, 5, 10))),
            principal("b", "111", None, Some((50, 50, 50))),
            principal("c", "222", Some("payments"), Some((1000, 1, 1))),
            principal("d", "222", Some("data"), None), // no proposal: counts nothing
        ];
        let by_account = reductions(&ps, |p| Some(p.account.clone()));
        assert_eq!(
            by_account
                .iter()
                .map(|r| (r.name.as_str(), r.principals, r.granted, r.used, r.proposed))
                .collect::<Vec<_>>(),
            [("222", 1, 1000, 1, 1), ("111", 2, 150, 55, 60)]
        );
        assert!((by_account[1].reduction_percent - 60.0).abs() < 1e-9);
        let by_team = reductions(&ps, |p| {
            Some(p.team.clone().unwrap_or_else(|| NO_OWNER.to_string()))
        });
        assert_eq!(
            by_team
                .iter()
                .map(|r| (r.name.as_str(), r.granted))
                .collect::<Vec<_>>(),
            [("payments", 1100), (NO_OWNER, 50)]
        );
    }

    #[test]
    fn finding_counts_list_every_severity_and_rank_rules_by_count() {
        let fs = [
            finding("r1", Severity::High, "a"),
            finding("r2", Severity::Medium, "a"),
            finding("r2", Severity::Critical, "b"),
            finding("r2", Severity::Medium, "c"),
        ];
        let (severities, rules) = finding_counts(&fs);
        assert_eq!(
            severities
                .iter()
                .map(|s| (s.severity, s.count))
                .collect::<Vec<_>>(),
            [
                (Severity::Critical, 1),
                (Severity::High, 1),
                (Severity::Medium, 2),
                (Severity::Low, 0),
                (Severity::Info, 0)
            ]
        );
        assert_eq!(
            rules
                .iter()
                .map(|r| (r.rule.as_str(), r.count, r.severity))
                .collect::<Vec<_>>(),
            [("r2", 3, Severity::Critical), ("r1", 1, Severity::High)],
            "a rule's severity is its most severe finding's"
        );
    }
}
