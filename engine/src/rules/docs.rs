//! What `whittle rules explain ID` shows: any rule of a rule set — a Cedar guardrail, a TOML
//! `[[unused]]` rule, a risk class, a combination, or one of whittle's own rules — with what it
//! flags, why, how to fix it, where it is written, and the tests that exercise it.

use super::toml_rules::Severity;
use super::RuleSet;
use serde::Serialize;

/// What kind of rule an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    /// A Cedar `forbid` policy.
    Guardrail,
    /// A TOML `[[unused]]` rule.
    Unused,
    /// A TOML `[[risk]]` class that rules refer to.
    RiskClass,
    /// A TOML `[[combination]]`.
    Combination,
    /// A rule whittle itself applies (`whittle-expired-exemption`, `whittle-rule-error`).
    Builtin,
    /// A built-in policy check (`policy-unknown-action`), run on every document a change declares.
    Validation,
}

/// A rule's documentation.
#[derive(Debug, Clone, Serialize)]
pub struct RuleDoc {
    /// The id.
    pub id: String,
    /// What kind of rule.
    pub kind: RuleKind,
    /// Severity of its findings (none for risk classes and combinations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// What it flags.
    pub message: String,
    /// Why it matters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// `file:line`, when written in a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The rule as written.
    pub text: String,
    /// Tests that exercise it: (name, `file:line`).
    pub tests: Vec<(String, String)>,
}

const UNUSED_WHY: &str = "a permission nobody used while the logs could have seen its use is attack surface: removing it breaks nothing the logs have seen. Only permissions whose non-use the logs vouch for are reported: the account has logs on at least `min-coverage-days` days of the window, the service's data events are logged for data-event permissions, and permissions that never appear in logs (iam:PassRole) are never reported";

impl RuleSet {
    /// Every id `explain` knows, sorted.
    pub fn rule_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .guardrails
            .rules
            .iter()
            .map(|r| r.id.as_str())
            .chain(self.lp.unused.iter().map(|(u, _)| u.id.as_str()))
            .chain(self.lp.risks.iter().map(|(r, _)| r.id.as_str()))
            .chain(self.lp.combinations.iter().map(|(c, _)| c.id.as_str()))
            .chain(["whittle-expired-exemption", "whittle-rule-error"])
            .chain(crate::aws::validate::checks::ALL.iter().map(|c| c.id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The documentation of rule `id`, if the set has one by that id.
    pub fn explain(&self, id: &str) -> Option<RuleDoc> {
        let tests = || -> Vec<(String, String)> {
            self.tests
                .iter()
                .filter(|t| t.covers(id))
                .map(|t| (t.name.clone(), t.location.clone()))
                .collect()
        };
        if let Some(r) = self.guardrails.rules.iter().find(|r| r.id == id) {
            return Some(RuleDoc {
                id: r.id.clone(),
                kind: RuleKind::Guardrail,
                severity: Some(r.severity),
                message: r.message.clone(),
                why: r.why.clone(),
                remediation: r.remediation.clone(),
                location: Some(format!("{}:{}", r.file, r.line)),
                text: r.text.clone(),
                tests: tests(),
            });
        }
        if let Some((u, src)) = self.lp.unused.iter().find(|(u, _)| u.id == id) {
            let mut scope = Vec::new();
            if let Some(r) = &u.risk {
                scope.push(format!("in risk class `{r}`"));
            }
            if !u.access_levels.is_empty() {
                scope.push(format!("at access level {}", u.access_levels.join(" or ")));
            }
            let scope = if scope.is_empty() {
                String::new()
            } else {
                format!(" ({})", scope.join(", "))
            };
            let s = &self.lp.settings;
            return Some(RuleDoc {
                id: u.id.clone(),
                kind: RuleKind::Unused,
                severity: Some(u.severity),
                message: format!(
                    "held permissions{scope} not used in the last {} days, within a {}-day window the logs cover on at least {} days",
                    u.after_days, s.window_days, s.min_coverage_days
                ),
                why: Some(UNUSED_WHY.into()),
                remediation: Some(
                    "remove them, or add a `[[keep]]` entry with the reason and an expiry date"
                        .into(),
                ),
                location: Some(format!("{}:{}", src.file, src.line)),
                text: src.text.clone(),
                tests: tests(),
            });
        }
        if let Some((r, src)) = self.lp.risks.iter().find(|(r, _)| r.id == id) {
            return Some(RuleDoc {
                id: r.id.clone(),
                kind: RuleKind::RiskClass,
                severity: None,
                message: r.description.clone(),
                why: Some(format!(
                    "rules refer to it as `Iam::Risk::\"{}\"`; {} permission pattern(s)",
                    r.id,
                    r.actions.len()
                )),
                remediation: None,
                location: Some(format!("{}:{}", src.file, src.line)),
                text: src.text.clone(),
                tests: tests(),
            });
        }
        if let Some((c, src)) = self.lp.combinations.iter().find(|(c, _)| c.id == id) {
            return Some(RuleDoc {
                id: c.id.clone(),
                kind: RuleKind::Combination,
                severity: None,
                message: c.description.clone(),
                why: Some(format!(
                    "a principal holding all of {} carries `{}` in `principal.combinations`",
                    c.actions.join(", "),
                    c.id
                )),
                remediation: None,
                location: Some(format!("{}:{}", src.file, src.line)),
                text: src.text.clone(),
                tests: tests(),
            });
        }
        if let Some(c) = crate::aws::validate::checks::find(id) {
            return Some(RuleDoc {
                id: c.id.to_string(),
                kind: RuleKind::Validation,
                severity: Some(c.severity),
                message: c.message.into(),
                why: Some(c.why.into()),
                remediation: Some(c.remediation.into()),
                location: None,
                text: String::new(),
                tests: Vec::new(),
            });
        }
        let (message, why, remediation) = match id {
            "whittle-expired-exemption" => (
                "an `[[exemption]]` whose `expires` date has passed",
                "an exemption is a reviewed, time-boxed exception; once it expires the finding it covered is reported again, and the stale exemption itself is a finding so that it is renewed or removed in review",
                "renew it with a new reason and date, or remove it and fix the finding",
            ),
            "whittle-rule-error" => (
                "a rule that failed while evaluating and was skipped",
                "Cedar skips a policy whose evaluation errors (a missing attribute, an overflow): a guardrail that silently stops working must not pass unnoticed",
                "fix the rule; guard optional attributes with `has`",
            ),
            _ => return None,
        };
        Some(RuleDoc {
            id: id.to_string(),
            kind: RuleKind::Builtin,
            severity: Some(if id == "whittle-rule-error" {
                Severity::High
            } else {
                Severity::Medium
            }),
            message: message.into(),
            why: Some(why.into()),
            remediation: Some(remediation.into()),
            location: None,
            text: String::new(),
            tests: Vec::new(),
        })
    }
}
