//! Rule tests as data: `[[test]]` tables in a rule set's TOML files, each a small inline
//! inventory (principals with policy documents and usage), what the logs covered, and the
//! findings expected. The usage facts are built by [`UsageFacts::build`], exactly as `check`
//! builds them from a store.
//!
//! ```toml
//! [[test]]
//! name = "PassRole on * is flagged"
//! rules = ["aws-passrole-star"]          # only these rules' findings are compared
//! usage-known = true                      # shorthand: the logs cover the whole window
//! [[test.logs]]                           # or precisely: what the logs of an account cover
//! account = "111122223333"
//! from = "2026-08-27"                     # default: the window
//! to = "2026-11-24"
//! gaps = ["2026-09-01..2026-09-05"]
//! data-events = ["s3"]                    # services whose data events are logged ("*": all)
//! [[test.principal]]
//! arn = "arn:aws:iam::111122223333:role/ci"
//! policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}'
//! tags = { team = "platform" }
//! used = { "s3:GetObject" = "2026-11-01" }
//! [[test.resource]]                       # a resource policy (bucket, key, queue, …)
//! arn = "arn:aws:s3:::reports"
//! account = "111122223333"                # its account, when the ARN names none
//! policy = '{"Version":"2012-10-17","Statement":[ … ]}'
//! scp = ['{ … }']                         # SCPs attached to every account of the test (top level)
//! [[test.expect]]
//! rule = "aws-passrole-star"
//! principal = "arn:aws:iam::111122223333:role/ci"
//! permission = "iam:PassRole"
//! ```
//!
//! GCP and Azure tests give the snapshot files inline, as the exports write them, and expect
//! findings on member strings (`user:alice@example.com`) or principal object ids:
//!
//! ```toml
//! [[test]]
//! name = "Owner on a project is flagged"
//! rules = ["gcp-basic-role-on-project-or-above"]
//! gcp = ['{"resource": "projects/shop", "policy": {"bindings": [{"role": "roles/owner", "members": ["user:alice@example.com"]}]}}']
//! [[test.expect]]
//! rule = "gcp-basic-role-on-project-or-above"
//! principal = "user:alice@example.com"
//! ```

use super::diags::{Problem, RuleDiagnostic};
use super::eval::{evaluate, CheckInput};
use super::RuleSet;
use crate::aws::arn::IamPrincipal;
use crate::aws::policy::{DocumentKind, PolicyDocument};
use crate::aws::{Inventory, Policy};
use crate::catalog::AwsCatalog;
use crate::model::time::{day_of, parse_date, Day, Epoch};
use crate::model::{
    CoverageCell, LogClass, PolicyKind, Principal, Provider, UsageFacts, UsageRecord, Window,
};
use crate::source::SourceFile;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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
    #[serde(default)]
    logs: Vec<TestLogs>,
    #[serde(default = "default_now")]
    now: String,
    #[serde(default)]
    principal: Vec<TestPrincipal>,
    #[serde(default)]
    resource: Vec<TestResource>,
    /// SCP documents attached to every account of the test (the root allows everything).
    #[serde(default)]
    scp: Vec<String>,
    /// GCP snapshot files, inline: IAM policies (`{"resource": …, "policy": …}`), Asset
    /// Inventory items, custom roles, deny policies.
    #[serde(default)]
    gcp: Vec<String>,
    /// Azure snapshot files, inline: role assignments, role definitions, deny assignments.
    #[serde(default)]
    azure: Vec<String>,
    /// Events alert rules are asked about (`[[test.event]]`).
    #[serde(default)]
    event: Vec<super::test_events::TestEvent>,
    #[serde(default)]
    expect: Vec<Expect>,
}

/// A resource-based policy in a test.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TestResource {
    arn: String,
    policy: String,
    #[serde(default)]
    account: Option<String>,
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

/// What the logs of one account cover, in a test.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TestLogs {
    account: String,
    #[serde(default = "default_region")]
    region: String,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    gaps: Vec<String>,
    #[serde(default)]
    data_events: Vec<String>,
}

fn default_region() -> String {
    "us-east-1".into()
}

/// One expected finding.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Expect {
    rule: String,
    principal: String,
    #[serde(default)]
    permission: Option<String>,
    /// For an alert rule: the id of the event that must trigger it.
    #[serde(default)]
    event: Option<String>,
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
                diags.push(
                    RuleDiagnostic::error(
                        file,
                        e.span(),
                        format!("in `[[test]]`: {}", e.message()),
                        None,
                    )
                    .with(Problem::Test),
                );
            }
            Vec::new()
        }
    }
}

fn date(s: &str, what: &str) -> Result<Epoch, String> {
    parse_date(s).ok_or_else(|| format!("`{what} = {s}` is not a date (YYYY-MM-DD)"))
}

/// `2026-09-01` or `2026-09-01..2026-09-05` → the days.
fn day_range(s: &str) -> Result<(Day, Day), String> {
    let (a, b) = s.split_once("..").unwrap_or((s, s));
    let (a, b) = (day_of(date(a, "gaps")?), day_of(date(b, "gaps")?));
    if b < a {
        return Err(format!("gap `{s}` ends before it starts"));
    }
    Ok((a, b))
}

/// The coverage cells a test's `[[test.logs]]` describe (or `usage-known = true`: every day of
/// the window in every account of the test, data events of every service logged).
fn coverage_cells(
    spec: &TestCaseSpec,
    window: &Window,
    catalog: &AwsCatalog,
) -> Result<Vec<CoverageCell>, String> {
    let mut logs = spec.logs.clone();
    if spec.usage_known {
        let accounts: BTreeSet<String> = spec
            .principal
            .iter()
            .filter_map(|p| IamPrincipal::parse(&p.arn).ok())
            .map(|p| p.account.to_string())
            .collect();
        for account in accounts {
            if !logs.iter().any(|l| l.account == account) {
                logs.push(TestLogs {
                    account,
                    region: default_region(),
                    from: None,
                    to: None,
                    gaps: Vec::new(),
                    data_events: vec!["*".into()],
                });
            }
        }
    }
    let mut cells = Vec::new();
    for l in &logs {
        let first = match &l.from {
            Some(d) => day_of(date(d, "from")?),
            None => window.first,
        };
        let last = match &l.to {
            Some(d) => day_of(date(d, "to")?),
            None => window.last,
        };
        let gaps = l
            .gaps
            .iter()
            .map(|g| day_range(g))
            .collect::<Result<Vec<_>, _>>()?;
        let days: Vec<Day> = (first..=last)
            .filter(|d| !gaps.iter().any(|(a, b)| (a..=b).contains(&d)))
            .collect();
        let cell = |service: &str, class: LogClass, day: Day| CoverageCell {
            provider: Provider::Aws,
            scope: l.account.clone(),
            location: l.region.clone(),
            service: service.to_string(),
            class,
            day,
        };
        cells.extend(days.iter().map(|&d| cell("*", LogClass::Management, d)));
        // data events are logged from the first to the last day: one cell at each end says so
        let services: Vec<&str> = if l.data_events.iter().any(|d| d == "*") {
            catalog
                .services()
                .iter()
                .map(|s| s.prefix.as_str())
                .collect()
        } else {
            l.data_events.iter().map(String::as_str).collect()
        };
        for svc in services {
            if catalog.service(svc).is_none() {
                return Err(format!(
                    "`data-events`: `{svc}` is not a service in the catalog"
                ));
            }
            if let (Some(&a), Some(&b)) = (days.first(), days.last()) {
                cells.push(cell(svc, LogClass::Data, a));
                cells.push(cell(svc, LogClass::Data, b));
            }
        }
    }
    Ok(cells)
}

/// The GCP and Azure snapshots a test gives inline (`None` when it gives none); a file that does
/// not read is a fixture error.
fn cloud_snapshots(
    case: &TestCase,
) -> Result<(Option<crate::gcp::Snapshot>, Option<crate::azure::Snapshot>), String> {
    let fail = |errors: &[crate::source::InputError]| match errors.first() {
        Some(e) => Err(format!("{e}")),
        None => Ok(()),
    };
    let mut gcp = None;
    if !case.spec.gcp.is_empty() {
        let mut report = crate::ingest::gcp_iam::LoadReport::default();
        for (i, text) in case.spec.gcp.iter().enumerate() {
            let src = SourceFile::from_text(&format!("{} gcp[{i}]", case.location), text);
            crate::ingest::gcp_iam::read_text(&src, &mut report);
        }
        fail(&report.errors)?;
        gcp = Some(report.snapshot);
    }
    let mut azure = None;
    if !case.spec.azure.is_empty() {
        let mut report = crate::ingest::azure_rbac::LoadReport::default();
        for (i, text) in case.spec.azure.iter().enumerate() {
            let src = SourceFile::from_text(&format!("{} azure[{i}]", case.location), text);
            crate::ingest::azure_rbac::read_source(&src, &mut report);
        }
        fail(&report.errors)?;
        azure = Some(report.snapshot);
    }
    Ok((gcp, azure))
}

fn build(
    case: &TestCase,
    rules: &RuleSet,
    catalog: &AwsCatalog,
) -> Result<(Inventory, UsageFacts, Epoch), String> {
    let now = date(&case.spec.now, "now")?;
    let settings = &rules.lp.settings;
    let window = Window::ending(now, settings.window_days);
    let mut inv = Inventory::default();
    let mut records = Vec::new();
    for (i, tp) in case.spec.principal.iter().enumerate() {
        let arn = IamPrincipal::parse(&tp.arn).map_err(|e| format!("principal: {e}"))?;
        let location = SourceFile::from_text(&case.location, "")
            .location(format!("test.principal[{i}]"), None);
        let mut p = Principal {
            path: arn.path.clone(),
            tags: tp.tags.clone(),
            ..Principal::aws(&tp.arn, arn.kind, arn.account, arn.name, location)
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
        for (action, day) in &tp.used {
            let permission = match catalog.lookup(action) {
                Some(id) => catalog.action(id).name.clone(),
                None => {
                    return Err(format!(
                        "`used`: `{action}` is not an action in the catalog"
                    ))
                }
            };
            records.push(UsageRecord {
                principal: tp.arn.clone(),
                permission,
                resource: "*".into(),
                last_seen: date(day, "used")?,
            });
        }
        inv.principals.push(p);
    }
    inv.principals.sort_by(|a, b| a.id.cmp(&b.id));
    let here = || SourceFile::from_text(&case.location, "").location("", None);
    for r in &case.spec.resource {
        let document = PolicyDocument::parse(&r.policy, DocumentKind::Resource).map_err(|e| {
            format!(
                "resource `{}`: policy: {} at `{}`",
                r.arn, e.message, e.json_path
            )
        })?;
        inv.resource_policies.insert(
            r.arn.clone(),
            Policy {
                id: r.arn.clone(),
                name: r.arn.clone(),
                kind: PolicyKind::ResourceBased,
                document,
                location: here(),
            },
        );
        if let Some(a) = &r.account {
            inv.resource_owners.insert(r.arn.clone(), a.clone());
        }
    }
    if !case.spec.scp.is_empty() {
        inv.organization = Some(test_organization(&case.spec.scp, &inv, here())?);
    }
    let cells = coverage_cells(&case.spec, &window, catalog)?;
    let facts = UsageFacts::build(window, records, &cells, settings.coverage);
    Ok((inv, facts, now))
}

/// An organisation whose root holds every account of `inv`, `FullAWSAccess` attached everywhere
/// (as AWS does by default) and the `scps` attached to every account.
fn test_organization(
    scps: &[String],
    inv: &Inventory,
    location: crate::source::Location,
) -> Result<crate::model::Organization<PolicyDocument>, String> {
    use crate::model::{OrgPolicy, OrgPolicyKind, Organization};
    let accounts: BTreeSet<String> = inv.principals.iter().map(|p| p.scope.clone()).collect();
    let root = "r-test".to_string();
    let mut parents = BTreeMap::from([(root.clone(), None)]);
    for a in &accounts {
        parents.insert(a.clone(), Some(root.clone()));
    }
    let full =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let mut policies = Vec::new();
    let everywhere: Vec<String> = parents.keys().cloned().collect();
    for (i, (text, targets)) in std::iter::once((full, everywhere))
        .chain(
            scps.iter()
                .map(|t| (t.as_str(), accounts.iter().cloned().collect())),
        )
        .enumerate()
    {
        let document = PolicyDocument::parse(text, DocumentKind::Identity)
            .map_err(|e| format!("scp: {} at `{}`", e.message, e.json_path))?;
        let name = if i == 0 {
            "FullAWSAccess".to_string()
        } else {
            format!("test-scp-{}", i - 1)
        };
        policies.push(OrgPolicy {
            id: format!("p-{name}"),
            name,
            kind: OrgPolicyKind::ServiceControl,
            document,
            targets,
            location: location.clone(),
        });
    }
    Ok(Organization {
        id: "o-test".into(),
        management_account: None,
        parents,
        names: BTreeMap::new(),
        policies,
    })
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
            let built = build(case, rules, catalog)
                .and_then(|b| cloud_snapshots(case).map(|clouds| (b, clouds)));
            let ((inv, usage, now), (gcp, azure)) = match built {
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
            let planned = BTreeSet::new();
            let input = CheckInput {
                planned: &planned,
                gcp: gcp.as_ref(),
                azure: azure.as_ref(),
                inventory: &inv,
                catalog,
                usage: Some(&usage),
                now,
            };
            let (findings, _) = evaluate(rules, &input);
            let under_test: BTreeSet<&str> = case.spec.rules.iter().map(String::as_str).collect();
            // (rule, principal, permission, triggering event: alerts only)
            let mut actual: BTreeSet<(String, String, String, String)> = BTreeSet::new();
            for f in findings
                .iter()
                .filter(|f| under_test.contains(f.rule.as_str()))
            {
                for p in &f.permissions {
                    actual.insert((
                        f.rule.clone(),
                        f.principal.clone(),
                        p.clone(),
                        String::new(),
                    ));
                }
                if f.permissions.is_empty() {
                    actual.insert((
                        f.rule.clone(),
                        f.principal.clone(),
                        String::new(),
                        String::new(),
                    ));
                }
            }
            if !case.spec.event.is_empty() {
                let events = match super::test_events::use_events(
                    &case.spec.event,
                    now,
                    catalog,
                    &rules.lp.owners(),
                ) {
                    Ok(e) => e,
                    Err(e) => return outcome(vec![format!("fixture error: {e}")], Vec::new()),
                };
                let (alerts, diags) = super::alerts::evaluate_use(rules, &events, catalog, now);
                if let Some(d) = diags.iter().find(|d| d.is_error()) {
                    return outcome(vec![format!("evaluation error: {d}")], Vec::new());
                }
                for a in alerts
                    .iter()
                    .filter(|a| under_test.contains(a.finding.rule.as_str()))
                {
                    actual.insert((
                        a.finding.rule.clone(),
                        a.finding.principal.clone(),
                        a.event.permission.clone().unwrap_or_default(),
                        a.event.event_id.clone(),
                    ));
                }
            }
            // An expectation names a (rule, principal) and optionally one permission that must be
            // among its findings; a finding for a (rule, principal) no expectation names is unexpected.
            let mut missing = Vec::new();
            for e in &case.spec.expect {
                let hit = actual.iter().any(|(r, p, perm, event)| {
                    *r == e.rule
                        && *p == e.principal
                        && e.permission.as_ref().is_none_or(|x| x == perm)
                        && e.event.as_ref().is_none_or(|x| x == event)
                });
                if !hit {
                    missing.push(format!(
                        "{} on {}{}{}",
                        e.rule,
                        e.principal,
                        e.permission
                            .as_ref()
                            .map(|p| format!(" ({p})"))
                            .unwrap_or_default(),
                        e.event
                            .as_ref()
                            .map(|x| format!(" by event {x}"))
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
            for (r, p, perm, event) in &actual {
                if !expected_pairs.contains(&(r.as_str(), p.as_str())) && reported.insert((r, p)) {
                    let n = actual
                        .iter()
                        .filter(|(r2, p2, _, _)| r2 == r && p2 == p)
                        .count();
                    let what = if event.is_empty() {
                        perm.clone()
                    } else {
                        format!("event {event}")
                    };
                    unexpected.push(format!(
                        "{r} on {p} ({what}{})",
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
