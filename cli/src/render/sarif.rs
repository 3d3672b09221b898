//! SARIF 2.1.0 for code scanning, from a typed model: one result per finding, located at the
//! granting statement (or at the rule, for rule-level findings), one reporting descriptor per rule.

use super::json as wire;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use std::collections::BTreeMap;
use whittle_engine::model::PolicyKind;
use whittle_engine::rules::{Finding, RuleSet, Severity};
use whittle_engine::InputError;

/// A SARIF log.
#[derive(Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
    properties: RunProperties,
}

/// The catalog the run's answers come from, as every JSON output names it.
#[derive(Serialize)]
struct RunProperties {
    #[serde(rename = "whittle/catalog")]
    catalog: wire::CatalogRef,
}

/// Whether the run could read all its input: a failed run must not look like a clean one (an
/// upload of zero results would close every open alert).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<NotificationLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationLocation {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

fn text(s: impl Into<String>) -> Text {
    Text { text: s.into() }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: String,
    name: String,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_configuration: Option<Configuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<RuleProperties>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    tags: [&'static str; 3],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    /// `%SRCROOT%` for a path relative to where whittle ran (the repository, in CI).
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

/// An artifact location for a path as given: repository-relative paths are relative to
/// `%SRCROOT%`; absolute ones are `file://` URIs. A path is not a URI: every byte outside the
/// unreserved set and `/` is percent-encoded (spaces, `#`, `%`, non-ASCII, and `:`, which in a
/// first segment would read as a scheme).
fn artifact(path: &str) -> ArtifactLocation {
    const PATH: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b'/');
    let encoded = |p: &str| utf8_percent_encode(p, PATH).to_string();
    if std::path::Path::new(path).is_absolute() {
        ArtifactLocation {
            uri: format!("file://{}", encoded(path)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: encoded(path.trim_start_matches("./")),
            uri_base_id: Some("%SRCROOT%"),
        }
    }
}

/// A rule id as a name (`policy-unknown-action` → `PolicyUnknownAction`).
fn rule_name(id: &str) -> String {
    id.split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

const DOCS: &str = "https://github.com/whittle-dev/whittle/blob/main/docs";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct ResultProperties {
    permissions: Vec<String>,
    evidence: wire::Evidence,
    /// Who answers for the principal (tags or `[[owner]]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<whittle_engine::model::Owner>,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` scale (0–10).
fn score(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

const TAGS: [&str; 3] = ["security", "iam", "least-privilege"];

/// The SARIF log of a check; `input_errors` make it a failed run, `input_warnings` (what was
/// read but not checked) are warning notifications of a successful one.
pub fn log(
    findings: &[Finding],
    set: &RuleSet,
    input_errors: &[InputError],
    input_warnings: &[InputError],
) -> Log {
    let mut rules: Vec<ReportingDescriptor> = set
        .guardrails
        .rules
        .iter()
        // alert rules raise alerts at ingest, never findings of a check
        .filter(|r| !r.is_alert())
        .map(|r| ReportingDescriptor {
            id: r.id.clone(),
            name: rule_name(&r.id),
            help_uri: r
                .file
                .starts_with("@builtin")
                .then(|| format!("{DOCS}/rules.md")),
            short_description: text(&r.message),
            full_description: Some(text(r.why.clone().unwrap_or_else(|| r.message.clone()))),
            help: Some(text(r.remediation.clone().unwrap_or_default())),
            default_configuration: Some(Configuration {
                level: level(r.severity),
            }),
            properties: Some(RuleProperties {
                security_severity: score(r.severity),
                tags: TAGS,
            }),
        })
        .collect();
    for id in set
        .lp
        .unused
        .iter()
        .map(|(u, _)| u.id.as_str())
        .chain(["whittle-expired-exemption", "whittle-rule-error"])
        .chain(
            whittle_engine::aws::validate::checks::ALL
                .iter()
                .map(|c| c.id),
        )
    {
        if let Some(doc) = set.explain(id) {
            let help_uri = match doc.kind {
                whittle_engine::rules::RuleKind::Validation => {
                    Some(format!("{DOCS}/validation.md"))
                }
                whittle_engine::rules::RuleKind::Builtin => Some(format!("{DOCS}/rules.md")),
                _ => None,
            };
            rules.push(ReportingDescriptor {
                name: rule_name(&doc.id),
                help_uri,
                id: doc.id,
                short_description: text(&doc.message),
                full_description: doc.why.map(text),
                help: doc.remediation.map(text),
                default_configuration: doc.severity.map(|s| Configuration { level: level(s) }),
                properties: doc.severity.map(|s| RuleProperties {
                    security_severity: score(s),
                    tags: TAGS,
                }),
            });
        }
    }
    let results = findings
        .iter()
        .map(|f| {
            let (uri, line, column) = match &f.granted_by {
                Some(o) => (
                    o.location.file.to_string(),
                    o.location.line.unwrap_or(1),
                    o.location.column,
                ),
                None => {
                    let mut parts = f.rule_location.rsplitn(2, ':');
                    let line = parts.next().and_then(|l| l.parse().ok()).unwrap_or(1);
                    (parts.next().unwrap_or_default().to_string(), line, None)
                }
            };
            let grant = f
                .granted_by
                .as_ref()
                .map(|o| match o.policy_kind {
                    // a role binding is one role at one scope
                    PolicyKind::RoleBinding => format!("{}#{}", o.policy, o.policy_name),
                    _ => format!("{}#{}", o.policy, o.statement),
                })
                .unwrap_or_default();
            let role = f
                .granted_by
                .as_ref()
                .filter(|o| o.policy_kind == PolicyKind::RoleBinding)
                .map(|o| format!(" (role `{}` at `{}`)", o.policy_name, o.policy))
                .unwrap_or_default();
            SarifResult {
                rule_id: f.rule.clone(),
                level: level(f.severity),
                message: text(
                    if f.rule_location == whittle_engine::aws::validate::RULE_LOCATION {
                        f.message.clone()
                    } else if f.permissions.is_empty() {
                        format!("{}: {}{role}", f.message, f.principal)
                    } else {
                        format!(
                            "{}: {} holds {}{role}",
                            f.message,
                            f.principal,
                            super::text::permissions(&f.permissions)
                        )
                    },
                ),
                locations: vec![Location {
                    physical_location: PhysicalLocation {
                        artifact_location: artifact(&uri),
                        region: Region {
                            start_line: line,
                            start_column: column,
                        },
                    },
                    logical_locations: vec![LogicalLocation {
                        fully_qualified_name: f.principal.clone(),
                        kind: "principal",
                    }],
                }],
                partial_fingerprints: BTreeMap::from([(
                    "whittle/v1",
                    format!("{}|{}|{grant}", f.rule, f.principal),
                )]),
                properties: ResultProperties {
                    permissions: f.permissions.clone(),
                    evidence: wire::Evidence::from(&f.evidence),
                    owner: f.owner.clone(),
                },
            }
        })
        .collect();
    Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "whittle",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://github.com/whittle-dev/whittle",
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: input_errors.is_empty(),
                tool_execution_notifications: input_errors
                    .iter()
                    .map(|e| ("error", e))
                    .chain(input_warnings.iter().map(|e| ("warning", e)))
                    .map(|(level, e)| Notification {
                        level,
                        message: text(e.to_string()),
                        locations: vec![NotificationLocation {
                            physical_location: PhysicalLocation {
                                artifact_location: artifact(&e.file),
                                region: Region {
                                    start_line: e.line.unwrap_or(1),
                                    start_column: e.column,
                                },
                            },
                        }],
                    })
                    .collect(),
            }],
            results,
            properties: RunProperties {
                catalog: wire::CatalogRef::of(whittle_engine::catalog::AwsCatalog::embedded()),
            },
        }],
    }
}
