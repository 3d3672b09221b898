//! Rule tests as data: `[[test]]` tables in a rule set's TOML files, each a small inline
//! inventory (principals with policy documents and usage) and the findings expected.
//!
//! ```toml
//! [[test]]
//! name = "PassRole on * is flagged"
//! rules = ["aws-passrole-star"]          # only these rules' findings are compared
//! usage-known = false                     # whether the inline usage covers the window
//! [[test.principal]]
//! arn = "arn:aws:iam::111122223333:role/ci"
//! policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}'
//! tags = { team = "platform" }
//! used = { "s3:GetObject" = "2026-11-01" }
//! [[test.expect]]
//! rule = "aws-passrole-star"
//! principal = "arn:aws:iam::111122223333:role/ci"
//! permission = "iam:PassRole"
//! ```

use super::diags::RuleDiagnostic;
use super::eval::{evaluate, CheckInput};
use super::RuleSet;
use crate::aws::policy::{DocumentKind, PolicyDocument};
use crate::catalog::AwsCatalog;
use crate::model::{Inventory, Policy, PolicyKind, Principal, PrincipalKind, Provider};
use crate::source::SourceFile;
use crate::usage::UsageFacts;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Deserialize)]
struct TestsOnly {
    #[serde(default)]
    test: Vec<toml::Spanned<TestCaseSpec>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TestCaseSpec {
    name: String,
    rules: Vec<String>,
    #[serde(default)]
    usage_known: bool,
    #[serde(default = "default_now")]
    now: String,
    #[serde(default)]
    principal: Vec<TestPrincipal>,
    #[serde(default)]
    expect: Vec<Expect>,
}

fn default_now() -> String {
    "2026-11-25".into()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TestPrincipal {
    arn: String,
    #[serde(default)]
    policy: Vec<String>,
    #[serde(default)]
    boundary: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    used: BTreeMap<String, String>,
}

/// One expected finding.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Expect {
    rule: String,
    principal: String,
    #[serde(default)]
    permission: Option<String>,
}

/// A parsed rule test.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// Name.
    pub name: String,
    /// Where it is.
    pub location: String,
    spec: TestCaseSpec,
}

impl TestCase {
    /// True when the test exercises rule `id`.
    pub fn covers(&self, id: &str) -> bool {
        self.spec.rules.iter().any(|r| r == id)
    }
}

/// The result of one test.
#[derive(Debug, Clone, Serialize)]
pub struct TestOutcome {
    /// Test name.
    pub name: String,
    /// File:line.
    pub location: String,
    /// Passed?
    pub passed: bool,
    /// Expected findings that did not occur.
    pub missing: Vec<String>,
    /// Findings that were not expected.
    pub unexpected: Vec<String>,
}

pub(super) fn parse_tests(file: &SourceFile, diags: &mut Vec<RuleDiagnostic>) -> Vec<TestCase> {
    match toml::from_str::<TestsOnly>(&file.text) {
        Ok(t) => t
            .test
            .into_iter()
            .map(|s| {
                let line = file.line_of(s.span().start);
                let spec = s.into_inner();
                TestCase {
                    name: spec.name.clone(),
                    location: format!("{}:{line}", file.path),
                    spec,
                }
            })
            .collect(),
        Err(e) => {
            // Syntax errors are already reported by the rules parser; report test-shape errors only.
            if e.span().is_some() && toml::from_str::<toml::Value>(&file.text).is_ok() {
                diags.push(RuleDiagnostic::error(
                    file,
                    e.span(),
                    format!("in `[[test]]`: {}", e.message()),
                    None,
                ));
            }
            Vec::new()
        }
    }
}

fn parse_day(s: &str) -> Option<i64> {
    crate::ingest::cloudtrail::parse_time(&format!("{s}T00:00:00Z"))
        .or_else(|| crate::ingest::cloudtrail::parse_time(s))
}

fn build(case: &TestCase) -> Result<(Inventory, UsageFacts, i64), String> {
    let mut inv = Inventory::default();
    let mut usage = UsageFacts {
        usage_known: case.spec.usage_known,
        coverage_days: 365,
        ..Default::default()
    };
    for (i, tp) in case.spec.principal.iter().enumerate() {
        let kind = if tp.arn.contains(":user/") {
            PrincipalKind::User
        } else {
            PrincipalKind::Role
        };
        let name = tp.arn.rsplit('/').next().unwrap_or(&tp.arn).to_string();
        let account = tp.arn.split(':').nth(4).unwrap_or_default().to_string();
        let mut p = Principal {
            id: tp.arn.clone(),
            provider: Provider::Aws,
            kind,
            account,
            name,
            path: "/".into(),
            tags: tp.tags.clone(),
            groups: Vec::new(),
            policies: Vec::new(),
            boundary: None,
            trust_policy: None,
            created: None,
            last_used: None,
            location: SourceFile::from_text(&case.location, "")
                .location(format!("test.principal[{i}]"), None),
        };
        let docs = tp
            .policy
            .iter()
            .enumerate()
            .map(|(j, d)| (format!("{}#test-policy-{j}", tp.arn), d, false))
            .chain(
                tp.boundary
                    .iter()
                    .map(|d| (format!("{}#test-boundary", tp.arn), d, true)),
            );
        for (id, text, is_boundary) in docs {
            let document = PolicyDocument::parse(text, DocumentKind::Identity).map_err(|e| {
                format!(
                    "principal `{}`: policy: {} at `{}`",
                    tp.arn, e.message, e.json_path
                )
            })?;
            inv.policies.insert(
                id.clone(),
                Policy {
                    id: id.clone(),
                    name: id.rsplit('#').next().unwrap_or_default().to_string(),
                    kind: PolicyKind::Inline,
                    document,
                    location: SourceFile::from_text(&case.location, "").location("", None),
                },
            );
            if is_boundary {
                p.boundary = Some(id);
            } else {
                p.policies.push(id);
            }
        }
        let mut used = HashMap::new();
        for (action, day) in &tp.used {
            used.insert(
                action.clone(),
                parse_day(day).ok_or_else(|| format!("`{day}` is not a date"))?,
            );
        }
        usage.last_used.insert(tp.arn.clone(), used);
        inv.principals.push(p);
    }
    inv.principals.sort_by(|a, b| a.id.cmp(&b.id));
    let now = parse_day(&case.spec.now)
        .ok_or_else(|| format!("`now = {}` is not a date", case.spec.now))?;
    Ok((inv, usage, now))
}

/// Runs every test case of `rules`.
pub fn run_tests(rules: &RuleSet, catalog: &AwsCatalog) -> Vec<TestOutcome> {
    rules
        .tests
        .iter()
        .map(|case| {
            let outcome = |missing: Vec<String>, unexpected: Vec<String>| TestOutcome {
                name: case.name.clone(),
                location: case.location.clone(),
                passed: missing.is_empty() && unexpected.is_empty(),
                missing,
                unexpected,
            };
            let (inv, usage, now) = match build(case) {
                Ok(b) => b,
                Err(e) => return outcome(vec![format!("fixture error: {e}")], Vec::new()),
            };
            let unknown: Vec<String> = case
                .spec
                .rules
                .iter()
                .filter(|r| {
                    !rules.guardrails.rules.iter().any(|g| &g.id == *r)
                        && !rules.lp.unused.iter().any(|(u, _)| &u.id == *r)
                })
                .map(|r| format!("unknown rule `{r}`"))
                .collect();
            if !unknown.is_empty() {
                return outcome(unknown, Vec::new());
            }
            let input = CheckInput {
                inventory: &inv,
                catalog,
                usage: Some(&usage),
                now,
            };
            let (findings, _) = evaluate(rules, &input);
            let under_test: BTreeSet<&str> = case.spec.rules.iter().map(String::as_str).collect();
            let mut actual: BTreeSet<(String, String, String)> = BTreeSet::new();
            for f in findings
                .iter()
                .filter(|f| under_test.contains(f.rule.as_str()))
            {
                for p in &f.permissions {
                    actual.insert((f.rule.clone(), f.principal.clone(), p.clone()));
                }
                if f.permissions.is_empty() {
                    actual.insert((f.rule.clone(), f.principal.clone(), String::new()));
                }
            }
            // An expectation names a (rule, principal) and optionally one permission that must be
            // among its findings; a finding for a (rule, principal) no expectation names is unexpected.
            let mut missing = Vec::new();
            for e in &case.spec.expect {
                let hit = actual.iter().any(|(r, p, perm)| {
                    *r == e.rule
                        && *p == e.principal
                        && e.permission.as_ref().is_none_or(|x| x == perm)
                });
                if !hit {
                    missing.push(format!(
                        "{} on {}{}",
                        e.rule,
                        e.principal,
                        e.permission
                            .as_ref()
                            .map(|p| format!(" ({p})"))
                            .unwrap_or_default()
                    ));
                }
            }
            let expected_pairs: BTreeSet<(&str, &str)> = case
                .spec
                .expect
                .iter()
                .map(|e| (e.rule.as_str(), e.principal.as_str()))
                .collect();
            let mut unexpected = Vec::new();
            let mut reported = BTreeSet::new();
            for (r, p, perm) in &actual {
                if !expected_pairs.contains(&(r.as_str(), p.as_str())) && reported.insert((r, p)) {
                    let n = actual
                        .iter()
                        .filter(|(r2, p2, _)| r2 == r && p2 == p)
                        .count();
                    unexpected.push(format!(
                        "{r} on {p} ({perm}{})",
                        if n > 1 {
                            format!(" and {} more", n - 1)
                        } else {
                            String::new()
                        }
                    ));
                }
            }
            outcome(missing, unexpected)
        })
        .collect()
}
