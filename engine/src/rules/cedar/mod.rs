//! Cedar guardrails: `forbid` policies over the `hold` model (DESIGN.md §5). Loaded per file,
//! re-keyed by `@id`, strictly validated against the generated schema, and linted: permission
//! literals must exist in the catalog, risk literals must be declared.

mod asked;

pub use asked::Asks;

use super::diags::{Problem, RuleDiagnostic};
use super::toml_rules::Severity;
use crate::catalog::{ActionSet, AwsCatalog};
use crate::source::SourceFile;
use asked::asked_permissions;
use cedar_policy::{
    Effect, EntityUid, Policy, PolicyId, PolicySet, ResourceConstraint, Schema, ValidationMode,
    Validator,
};
use miette::Diagnostic;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

const SCHEMA_TEMPLATE: &str = include_str!("schema.cedarschema");

/// The guardrail schema, with `Iam::Service` generated from the catalog.
pub fn schema_text(catalog: &AwsCatalog) -> String {
    let services: Vec<String> = catalog
        .services()
        .iter()
        .map(|s| format!("\"aws:{}\"", s.prefix))
        .collect();
    SCHEMA_TEMPLATE.replace("@@SERVICES@@", &services.join(", "))
}

/// One guardrail, with what reports need.
#[derive(Debug, Clone, Serialize)]
pub struct GuardRule {
    /// `@id`.
    pub id: String,
    /// `@severity`.
    pub severity: Severity,
    /// `@message`: what it flags.
    pub message: String,
    /// `@why`: why it matters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// `@remediation`: how to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// File it is defined in.
    pub file: String,
    /// 1-based line of the policy.
    pub line: usize,
    /// The policy text.
    pub text: String,
    /// Catalog actions its resource scope can match (`None`: any).
    #[serde(skip)]
    pub scope: Option<ActionSet>,
    /// What it is asked about (alert rules: events, not holdings).
    pub asks: Asks,
    /// The permissions its conditions ask `context.permissions` about (GCP and Azure rules).
    #[serde(skip)]
    pub asked: BTreeSet<String>,
}

impl GuardRule {
    /// An alert rule (`action == Guard::Action::"use"`): asked about events, not holdings.
    pub fn is_alert(&self) -> bool {
        self.asks == Asks::Events
    }
}

/// Loaded, validated guardrails.
pub struct Guardrails {
    /// The schema policies are validated against and requests are built with.
    pub schema: Schema,
    /// The rules, in id order.
    pub rules: Vec<GuardRule>,
    /// Forbid policies keyed by `@id`.
    pub policies: Vec<Policy>,
}

/// Policies parsed from files, before validation.
#[derive(Default)]
pub struct CedarSources {
    parsed: Vec<(Policy, SourceFile)>,
}

impl CedarSources {
    /// Parses one `.cedar` file; syntax errors go to `diags` (all of them, with spans).
    pub fn add_file(&mut self, file: &SourceFile, diags: &mut Vec<RuleDiagnostic>) {
        match PolicySet::from_str(&file.text) {
            Ok(set) => {
                for t in set.templates() {
                    let span = t
                        .annotation("id")
                        .and_then(|id| find_literal(&file.text, id));
                    diags.push(RuleDiagnostic::error(
                        file,
                        span,
                        format!("template `{}`: templates are not supported in rule packs", t.id()),
                        Some("write the rule with concrete entities instead of `?principal`/`?resource`".into()),
                    ).with(Problem::Template));
                }
                for p in set.policies() {
                    self.parsed.push((p.clone(), file.clone()));
                }
            }
            Err(errors) => {
                for e in errors.iter() {
                    let span = e
                        .labels()
                        .and_then(|mut l| l.next())
                        .map(|l| l.offset()..l.offset() + l.len());
                    let help = e.help().map(|h| h.to_string());
                    diags.push(
                        RuleDiagnostic::error(file, span, e.to_string(), help)
                            .with(Problem::CedarSyntax),
                    );
                }
            }
        }
    }

    /// Re-keys by `@id`, checks annotations, validates and lints.
    pub fn finish(
        self,
        catalog: &AwsCatalog,
        risk_ids: &BTreeSet<String>,
        risk_actions: &BTreeMap<String, ActionSet>,
        diags: &mut Vec<RuleDiagnostic>,
    ) -> Option<Guardrails> {
        let schema = match Schema::from_cedarschema_str(&schema_text(catalog)) {
            Ok((s, _)) => s,
            Err(e) => {
                diags.push(
                    RuleDiagnostic::general(
                        super::diags::Level::Error,
                        "<built-in schema>",
                        e.to_string(),
                    )
                    .with(Problem::Evaluation),
                );
                return None;
            }
        };
        let mut seen: BTreeMap<String, (String, usize)> = BTreeMap::new();
        let mut rules = Vec::new();
        let mut policies = Vec::new();
        for (p, file) in self.parsed {
            let span = policy_span(&file.text, &p);
            let start = span.start;
            let line = file.line_of(start);
            // problems of the policy as a whole point at all of it
            let at = Some(span.clone());
            if p.effect() != Effect::Forbid {
                diags.push(RuleDiagnostic::error(
                    &file,
                    find_in(&file.text, &span, "permit (")
                        .or_else(|| find_in(&file.text, &span, "permit("))
                        .map(|r| r.start..r.start + "permit".len())
                        .or(at),
                    "rules must be `forbid` policies: each one names what must never be held"
                        .into(),
                    Some(
                        "whittle adds the baseline `permit`; a finding is a `forbid` that matches"
                            .into(),
                    ),
                ).with(Problem::NotForbid));
                continue;
            }
            let Some(id) = p.annotation("id").map(str::to_string) else {
                diags.push(RuleDiagnostic::error(&file, at.clone(), "rule has no `@id(\"...\")`".into(), Some("ids are stable, kebab-case, named for what they flag: `@id(\"aws-passrole-star\")`".into())).with(Problem::MissingAnnotation));
                continue;
            };
            let at = find_in(&file.text, &span, &format!("@id(\"{id}\")")).or(at.clone());
            if let Some((f, l)) = seen.get(&id) {
                diags.push(
                    RuleDiagnostic::error(
                        &file,
                        at.clone(),
                        format!("duplicate rule id `{id}` (first defined at {f}:{l})"),
                        None,
                    )
                    .with(Problem::DuplicateId),
                );
                continue;
            }
            seen.insert(id.clone(), (file.path.to_string(), line));
            let severity = match p.annotation("severity") {
                Some(s) => match Severity::parse(s) {
                    Some(s) => s,
                    None => {
                        diags.push(
                            RuleDiagnostic::error(
                                &file,
                                find_in(&file.text, &span, &format!("\"{s}\"")).or(at.clone()),
                                format!("unknown severity `{s}` in rule `{id}`"),
                                Some("one of: info, low, medium, high, critical".into()),
                            )
                            .with(Problem::UnknownSeverity),
                        );
                        continue;
                    }
                },
                None => {
                    diags.push(
                        RuleDiagnostic::error(
                            &file,
                            at.clone(),
                            format!("rule `{id}` has no `@severity`"),
                            Some("one of: info, low, medium, high, critical".into()),
                        )
                        .with(Problem::MissingAnnotation),
                    );
                    continue;
                }
            };
            let Some(message) = p.annotation("message").map(str::to_string) else {
                diags.push(
                    RuleDiagnostic::error(
                        &file,
                        at.clone(),
                        format!("rule `{id}` has no `@message`"),
                        Some("say what the rule flags, in one line".into()),
                    )
                    .with(Problem::MissingAnnotation),
                );
                continue;
            };
            // Permission and risk literals must exist.
            let mut bad_literal = false;
            for uid in p.entity_literals() {
                let ty = uid.type_name().to_string();
                let eid = uid.id().unescaped().to_string();
                if ty == "Iam::Permission" {
                    match catalog.lookup(&eid) {
                        Some(a) if catalog.action(a).name == eid => {}
                        Some(a) => {
                            bad_literal = true;
                            diags.push(
                                RuleDiagnostic::error(
                                    &file,
                                    find_in(&file.text, &span, &format!("\"{eid}\""))
                                        .or(at.clone()),
                                    format!(
                                        "`{eid}` in rule `{id}` must be written in catalog casing"
                                    ),
                                    Some(format!("write `{}`", catalog.action(a).name)),
                                )
                                .with(Problem::PermissionCasing),
                            );
                        }
                        None => {
                            bad_literal = true;
                            let hints = catalog.suggest(&eid, 3);
                            diags.push(
                                RuleDiagnostic::error(
                                    &file,
                                    find_in(&file.text, &span, &format!("\"{eid}\""))
                                        .or(at.clone()),
                                    format!(
                                        "`{eid}` in rule `{id}` is not an action in the catalog"
                                    ),
                                    crate::catalog::did_you_mean(&hints),
                                )
                                .with(Problem::UnknownPermission),
                            );
                        }
                    }
                } else if ty == "Iam::Risk" && !risk_ids.contains(&eid) {
                    bad_literal = true;
                    diags.push(
                        RuleDiagnostic::error(
                            &file,
                            find_in(&file.text, &span, &format!("\"{eid}\"")).or(at.clone()),
                            format!("risk class `{eid}` in rule `{id}` is not declared"),
                            Some(format!(
                                "declared: {}",
                                risk_ids
                                    .iter()
                                    .map(|r| format!("`{r}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                        )
                        .with(Problem::UnknownRisk),
                    );
                }
            }
            if bad_literal {
                continue;
            }
            let scope = match p.resource_constraint() {
                ResourceConstraint::Eq(uid)
                | ResourceConstraint::In(uid)
                | ResourceConstraint::IsIn(_, uid) => Some(scope_of(&uid, catalog, risk_actions)),
                ResourceConstraint::Any | ResourceConstraint::Is(_) => None,
            };
            rules.push(GuardRule {
                id: id.clone(),
                severity,
                message,
                why: p.annotation("why").map(str::to_string),
                remediation: p.annotation("remediation").map(str::to_string),
                file: file.path.to_string(),
                line,
                text: p.to_string(),
                scope,
                asks: Asks::of(&p),
                asked: asked_permissions(&p),
            });
            let keyed = p.new_id(PolicyId::new(&id));
            policies.push((keyed, file, span.clone()));
        }
        // Strict validation, all rules at once.
        let mut set = PolicySet::new();
        for (p, _, _) in &policies {
            let _ = set.add(p.clone());
        }
        let result = Validator::new(schema.clone()).validate(&set, ValidationMode::Strict);
        let mut invalid = BTreeSet::new();
        for e in result.validation_errors() {
            let id = e.policy_id().to_string();
            if let Some((_, file, whole)) =
                policies.iter().find(|(p, _, _)| p.id().to_string() == id)
            {
                let span = e
                    .labels()
                    .and_then(|mut l| l.next())
                    .map(|l| l.offset()..l.offset() + l.len())
                    .filter(|s| s.end <= file.text.len())
                    .or(Some(whole.clone()));
                diags.push(
                    RuleDiagnostic::error(
                        file,
                        span,
                        format!("rule `{id}`: {e}"),
                        e.help().map(|h| {
                            // Cedar lists every valid enum value (over 450 services): keep the hint readable
                            let h = h.to_string();
                            match h.char_indices().nth(240) {
                                Some((i, _)) => {
                                    format!("{}… (see `whittle rules schema`)", &h[..i])
                                }
                                None => h,
                            }
                        }),
                    )
                    .with(Problem::CedarValidation),
                );
            }
            invalid.insert(id);
        }
        for w in result.validation_warnings() {
            let id = w.policy_id().to_string();
            if let Some((_, file, whole)) =
                policies.iter().find(|(p, _, _)| p.id().to_string() == id)
            {
                diags.push(
                    RuleDiagnostic::warning(
                        file,
                        Some(whole.clone()),
                        format!("rule `{id}`: {w}"),
                        None,
                    )
                    .with(Problem::CedarValidation),
                );
            }
        }
        rules.retain(|r| !invalid.contains(&r.id));
        let mut policies: Vec<Policy> = policies
            .into_iter()
            .map(|(p, _, _)| p)
            .filter(|p| !invalid.contains(&p.id().to_string()))
            .collect();
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        policies.sort_by_key(|p| p.id().to_string());
        Some(Guardrails {
            schema,
            rules,
            policies,
        })
    }
}

/// The catalog actions a resource scope entity covers.
fn scope_of(
    uid: &EntityUid,
    catalog: &AwsCatalog,
    risk_actions: &BTreeMap<String, ActionSet>,
) -> ActionSet {
    let eid = uid.id().unescaped();
    match uid.type_name().to_string().as_str() {
        "Iam::Permission" => catalog.expand(eid),
        "Iam::Service" => match eid.strip_prefix("aws:").and_then(|p| catalog.service(p)) {
            Some(svc) => {
                let mut s = catalog.empty_set();
                for a in catalog.service_actions(svc) {
                    s.insert(a);
                }
                s
            }
            None => catalog.empty_set(),
        },
        "Iam::AccessLevel" => {
            let mut s = catalog.empty_set();
            for svc in catalog.services() {
                for a in catalog.service_actions(svc) {
                    if catalog.action(a).access_level.as_str() == eid {
                        s.insert(a);
                    }
                }
            }
            s
        }
        "Iam::Risk" => risk_actions
            .get(eid)
            .cloned()
            .unwrap_or_else(|| catalog.empty_set()),
        _ => catalog.full_set(),
    }
}

/// Byte ranges of the policies in a `.cedar` file, in source order: each runs to its top-level
/// `;` (strings and comments are skipped). `PolicySet::from_str` names policies `policy0`,
/// `policy1`, … in the same order, so a policy's text is `spans[N]`.
fn policy_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let b = text.as_bytes();
    let (mut spans, mut start, mut i) = (Vec::new(), None, 0);
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                start.get_or_insert(i);
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b';' => {
                if let Some(s) = start.take() {
                    spans.push(s..i + 1);
                }
            }
            c if !c.is_ascii_whitespace() => {
                start.get_or_insert(i);
            }
            _ => {}
        }
        i += 1;
    }
    spans
}

/// The span of a parsed policy in its file.
fn policy_span(text: &str, p: &Policy) -> std::ops::Range<usize> {
    let n: Option<usize> = p
        .id()
        .to_string()
        .strip_prefix("policy")
        .and_then(|n| n.parse().ok());
    n.and_then(|n| policy_spans(text).get(n).cloned())
        .unwrap_or(0..text.len().min(1))
}

/// `needle` inside the policy's own text, as a file span.
fn find_in(
    text: &str,
    within: &std::ops::Range<usize>,
    needle: &str,
) -> Option<std::ops::Range<usize>> {
    text[within.clone()]
        .find(needle)
        .map(|i| within.start + i..within.start + i + needle.len())
}

fn find_literal(text: &str, eid: &str) -> Option<std::ops::Range<usize>> {
    let needle = format!("\"{eid}\"");
    text.find(&needle).map(|i| i..i + needle.len())
}
