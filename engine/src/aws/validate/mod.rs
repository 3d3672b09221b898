//! Policy validation: what AWS would reject in a policy document, and what it would accept but
//! not do as meant — unknown actions, resources of the wrong type, condition keys no action
//! supports, `Allow` with `NotAction`, trust policies open to anyone. Each check has a stable id
//! and its words in [`checks`]; findings point at the statement, and inside it at the offending
//! value where the text is at hand.

pub mod checks;
mod global_keys;

/// The `rule_location` of validation findings: what tells them from rule findings.
pub const RULE_LOCATION: &str = "built-in policy validation";

use super::arn::Arn;
use super::policy::{
    ActionSpec, DocError, DocumentKind, Effect, PolicyDocument, PrincipalSpec, ResourceSpec,
    Statement,
};
use crate::catalog::{AccessLevel, ActionId, AwsCatalog};
use crate::model::{Evidence, Finding, Origin, PolicyKind};
use crate::source::Location;
use checks::Check;
use std::collections::{BTreeMap, BTreeSet};

/// A document to validate, with what findings need to say where it is.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The document.
    pub doc: &'a PolicyDocument,
    /// Which policy type it is.
    pub kind: DocumentKind,
    /// The policy's id, name and kind, for the findings' origin.
    pub policy: (&'a str, &'a str, PolicyKind),
    /// Where the document is.
    pub location: &'a Location,
    /// The text the statements' spans point into (the file), when at hand.
    pub text: Option<&'a str>,
    /// Who holds or would hold it (a principal ARN, a Terraform address), empty when nobody.
    pub holder: &'a str,
}

/// Runs the checks over many documents, remembering what it worked out about actions and ARN
/// formats (a change declares hundreds of documents naming the same few actions).
pub struct Validator<'c> {
    catalog: &'c AwsCatalog,
    expanded:
        std::cell::RefCell<rustc_hash::FxHashMap<String, std::rc::Rc<crate::catalog::ActionSet>>>,
    /// (action, resource pattern) → whether the pattern can name one of the action's resource types.
    fits: std::cell::RefCell<rustc_hash::FxHashMap<(ActionId, String), bool>>,
}

impl<'c> Validator<'c> {
    /// A validator over `catalog`.
    pub fn new(catalog: &'c AwsCatalog) -> Self {
        Validator {
            catalog,
            expanded: Default::default(),
            fits: Default::default(),
        }
    }

    /// The actions `pattern` names.
    fn expand(&self, pattern: &str) -> std::rc::Rc<crate::catalog::ActionSet> {
        if let Some(s) = self.expanded.borrow().get(pattern) {
            return s.clone();
        }
        let set = std::rc::Rc::new(self.catalog.expand(pattern));
        self.expanded
            .borrow_mut()
            .insert(pattern.to_string(), set.clone());
        set
    }

    /// Every finding of the built-in checks on one document.
    pub fn validate(&self, s: &Subject<'_>) -> Vec<Finding> {
        validate_with(self, s)
    }
}

/// Every finding of the built-in checks on one document.
pub fn validate(catalog: &AwsCatalog, s: &Subject<'_>) -> Vec<Finding> {
    Validator::new(catalog).validate(s)
}

fn validate_with(v: &Validator<'_>, s: &Subject<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let doc = s.doc;
    // elements, ids, version
    let mut sids: BTreeMap<&str, usize> = BTreeMap::new();
    let mut variables_flagged = false;
    for st in &doc.statements {
        if let Some(problem) = misplaced(st, s.kind) {
            out.push(finding(
                &checks::MISPLACED_ELEMENT,
                problem,
                s,
                Some(st),
                None,
            ));
        }
        if let Some(sid) = st.sid.as_deref().filter(|s| !s.is_empty()) {
            let iam = matches!(s.kind, DocumentKind::Identity | DocumentKind::Trust);
            if iam && !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
                let msg =
                    format!("`Sid` `{sid}` has characters other than ASCII letters and digits");
                out.push(finding(&checks::INVALID_SID, msg, s, Some(st), Some(sid)));
            }
            if let Some(first) = sids.insert(sid, st.index) {
                let msg = format!("`Sid` `{sid}` is also the id of statement {first}");
                out.push(finding(&checks::DUPLICATE_SID, msg, s, Some(st), Some(sid)));
            }
        }
        if !doc.version.supports_variables() && !variables_flagged && uses_variables(st) {
            variables_flagged = true;
            let msg = "policy variables (`${…}`) in a document without `\"Version\": \"2012-10-17\"` are read literally".to_string();
            out.push(finding(
                &checks::VARIABLES_NEED_VERSION,
                msg,
                s,
                Some(st),
                Some("${"),
            ));
        }
        if st.effect == Effect::Allow {
            if matches!(st.action, ActionSpec::NotAction(_)) {
                let msg =
                    "`Allow` with `NotAction` grants every other action, including future ones"
                        .to_string();
                out.push(finding(
                    &checks::ALLOW_NOT_ACTION,
                    msg,
                    s,
                    Some(st),
                    Some("NotAction"),
                ));
            }
            if matches!(st.resource, Some(ResourceSpec::NotResource(_))) {
                let msg = "`Allow` with `NotResource` grants the actions on every other resource"
                    .to_string();
                out.push(finding(
                    &checks::ALLOW_NOT_RESOURCE,
                    msg,
                    s,
                    Some(st),
                    Some("NotResource"),
                ));
            }
            if s.kind == DocumentKind::Trust && st.conditions.is_empty() && names_anyone(st) {
                let msg = "the trust policy lets any principal assume the role, without conditions"
                    .to_string();
                out.push(finding(
                    &checks::TRUST_ANY_PRINCIPAL,
                    msg,
                    s,
                    Some(st),
                    Some("Principal"),
                ));
            }
            if s.kind == DocumentKind::Trust {
                if let Some(provider) = federated_without_subject(st) {
                    let msg = format!("any identity `{provider}` issues a token to can assume the role: no condition on the token's subject (`…:sub`)");
                    out.push(finding(
                        &checks::TRUST_ANY_PRINCIPAL,
                        msg,
                        s,
                        Some(st),
                        Some("Federated"),
                    ));
                }
            }
        }
        actions(v, s, st, &mut out);
        resources(s, st, &mut out);
        conditions(v, s, st, &mut out);
    }
    redundant(v, s, &mut out);
    out
}

/// The finding for a document that could not be parsed: `policy-syntax`, or
/// `policy-unknown-condition-operator` when that is what AWS would reject.
pub fn syntax(
    e: &DocError,
    policy: (&str, &str, PolicyKind),
    location: &Location,
    text: Option<&str>,
    holder: &str,
) -> Finding {
    let empty = PolicyDocument {
        version: super::policy::PolicyVersion::Unspecified,
        id: None,
        statements: Vec::new(),
    };
    let s = &Subject {
        doc: &empty,
        kind: DocumentKind::AsGiven,
        policy,
        location,
        text,
        holder,
    };
    let check = if e.message.starts_with("unknown condition operator") {
        &checks::UNKNOWN_CONDITION_OPERATOR
    } else {
        &checks::SYNTAX
    };
    let mut f = finding(
        check,
        format!("at `{}`: {}", e.json_path, e.message),
        s,
        None,
        None,
    );
    if let (Some(at), Some(origin)) = (e.offset.filter(|_| text.is_some()), f.granted_by.as_mut()) {
        origin.location.span = Some(at..at + 1);
        origin.location.line = s.text.map(|t| line_of(t, at));
        origin.location.column = s.text.map(|t| crate::source::column_of(t, at));
        origin.location.json_path = format!("{}.{}", s.location.json_path, e.json_path)
            .trim_start_matches('.')
            .to_string();
    }
    f
}

fn misplaced(st: &Statement, kind: DocumentKind) -> Option<String> {
    match kind {
        DocumentKind::Identity if st.principal.is_some() => {
            Some("`Principal` or `NotPrincipal` does not belong in an identity policy".into())
        }
        DocumentKind::Resource | DocumentKind::Trust if st.principal.is_none() => Some(
            "a resource or trust policy statement needs a `Principal` or `NotPrincipal`".into(),
        ),
        DocumentKind::Identity | DocumentKind::Resource if st.resource.is_none() => {
            Some("the statement needs a `Resource` or `NotResource`".into())
        }
        DocumentKind::Trust if st.resource.is_some() => {
            Some("`Resource` does not belong in a trust policy".into())
        }
        _ => None,
    }
}

fn uses_variables(st: &Statement) -> bool {
    st.resource
        .as_ref()
        .is_some_and(|r| r.patterns().iter().any(|p| p.contains("${")))
        || st
            .conditions
            .iter()
            .any(|c| c.values.iter().any(|v| v.contains("${")))
}

/// The web identity provider a statement trusts without pinning the token's subject (for
/// GitHub Actions, the repository and branch): every identity of that provider may assume.
fn federated_without_subject(st: &Statement) -> Option<&str> {
    let Some(PrincipalSpec::Principal(m)) = &st.principal else {
        return None;
    };
    let provider = m.get("Federated")?.first()?;
    let web = match &st.action {
        ActionSpec::Action(p) => p
            .iter()
            .any(|a| a.eq_ignore_ascii_case("sts:AssumeRoleWithWebIdentity")),
        ActionSpec::NotAction(_) => true,
    };
    let pinned = st
        .conditions
        .iter()
        .any(|c| c.key.to_ascii_lowercase().ends_with(":sub"));
    (web && !pinned).then_some(provider.as_str())
}

fn names_anyone(st: &Statement) -> bool {
    match &st.principal {
        Some(PrincipalSpec::NotPrincipal(_)) => true,
        Some(PrincipalSpec::Principal(m)) => m.values().flatten().any(|v| v == "*"),
        None => false,
    }
}

/// Unknown services and actions; permission-management wildcards; write actions on `*`;
/// resources on actions that take only `*`; resources of the wrong type.
fn actions(v: &Validator<'_>, s: &Subject<'_>, st: &Statement, out: &mut Vec<Finding>) {
    let catalog = v.catalog;
    let resources: Vec<&str> = match &st.resource {
        Some(ResourceSpec::Resource(p)) => p.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    };
    let star = resources.contains(&"*");
    let mut on_star_write = Vec::new();
    let mut unscopable = Vec::new();
    for pattern in st.action.patterns() {
        if pattern == "*" {
            if st.effect == Effect::Allow && matches!(st.action, ActionSpec::Action(_)) {
                let msg = "`Action: *` grants every permission-management action".to_string();
                let f = finding(
                    &checks::PERMISSIONS_MANAGEMENT_WILDCARD,
                    msg,
                    s,
                    Some(st),
                    Some("\"*\""),
                );
                out.push(f);
            }
            continue;
        }
        let prefix = pattern.split(':').next().unwrap_or_default();
        if !pattern.contains(':')
            || (!crate::glob::has_wildcard(prefix) && catalog.service(prefix).is_none())
        {
            let msg = format!("`{pattern}`: no AWS service has the prefix `{prefix}`");
            out.push(finding(
                &checks::UNKNOWN_SERVICE,
                msg,
                s,
                Some(st),
                Some(pattern),
            ));
            continue;
        }
        let set = v.expand(pattern);
        if set.is_empty() {
            let close = catalog.suggest(pattern, 3);
            let hint = crate::catalog::did_you_mean(&close)
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            let msg = format!("`{pattern}` matches no action of `{prefix}`{hint}");
            out.push(finding(
                &checks::UNKNOWN_ACTION,
                msg,
                s,
                Some(st),
                Some(pattern),
            ));
            continue;
        }
        let wildcard = crate::glob::has_wildcard(pattern);
        if st.effect == Effect::Allow && matches!(st.action, ActionSpec::Action(_)) {
            let managed: Vec<ActionId> = set
                .iter()
                .filter(|a| catalog.action(*a).access_level == AccessLevel::PermissionsManagement)
                .collect();
            if wildcard && !managed.is_empty() {
                let msg = format!(
                    "`{pattern}` grants {} permission-management action(s)",
                    managed.len()
                );
                let mut f = finding(
                    &checks::PERMISSIONS_MANAGEMENT_WILDCARD,
                    msg,
                    s,
                    Some(st),
                    Some(pattern),
                );
                f.permissions = managed
                    .iter()
                    .map(|a| catalog.action(*a).name.clone())
                    .collect();
                out.push(f);
            }
        }
        if wildcard || !matches!(st.action, ActionSpec::Action(_)) {
            continue; // the per-action checks below are for actions named exactly
        }
        let Some(id) = set.iter().next() else {
            continue;
        };
        let action = catalog.action(id);
        let writes = matches!(
            action.access_level,
            AccessLevel::Write | AccessLevel::PermissionsManagement
        );
        // `*`, or a pattern that names every resource of one of the action's types
        // (`arn:aws:s3:::*` for object actions)
        let everything = star
            || resources.iter().any(|r| {
                // every resource of one of its types
                type_globs(v, id, Some("aws"))
                    .iter()
                    .any(|f| crate::glob::matches(r, f, false))
            });
        if st.effect == Effect::Allow
            && everything
            && writes
            && !action.resource_types.is_empty()
            && st.conditions.is_empty()
        {
            on_star_write.push(id);
        }
        let specific: Vec<&str> = resources.iter().copied().filter(|r| *r != "*").collect();
        if action.resource_types.is_empty() && !star && !specific.is_empty() {
            unscopable.push(id);
        }
        if !action.resource_types.is_empty() && !specific.is_empty() {
            let service = catalog.service(action.prefix());
            let formats: Vec<String> = action
                .resource_types
                .iter()
                .filter_map(|t| {
                    service?
                        .resources
                        .iter()
                        .find(|(n, _)| *n == t.name)
                        .map(|(_, f)| glob_of(f))
                })
                .collect();
            if formats.len() == action.resource_types.len() {
                let wrong: Vec<&str> = specific
                    .iter()
                    .copied()
                    .filter(|r| r.starts_with("arn:"))
                    .filter(|r| {
                        let key = (id, (*r).to_string());
                        if let Some(&fits) = v.fits.borrow().get(&key) {
                            return !fits;
                        }
                        let g = glob_of(r);
                        let fits = formats
                            .iter()
                            .any(|f| crate::glob::common_witness(f, &g).is_some());
                        v.fits.borrow_mut().insert(key, fits);
                        !fits
                    })
                    .collect();
                if wrong.len() == specific.len() {
                    let msg = format!(
                        "`{}` acts on {}; {} matches none of them",
                        action.name,
                        action
                            .resource_types
                            .iter()
                            .map(|t| format!("`{}`", t.name))
                            .collect::<Vec<_>>()
                            .join(", "),
                        wrong
                            .iter()
                            .map(|r| format!("`{r}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    let mut f = finding(
                        &checks::RESOURCE_TYPE_MISMATCH,
                        msg,
                        s,
                        Some(st),
                        Some(wrong[0]),
                    );
                    f.permissions = vec![action.name.clone()];
                    out.push(f);
                }
            }
        }
    }
    if !on_star_write.is_empty() {
        let msg = format!(
            "{} write or permission-management action(s) on `*`, though they support resource-level scoping",
            on_star_write.len()
        );
        let mut f = finding(
            &checks::RESOURCE_STAR_ON_WRITE,
            msg,
            s,
            Some(st),
            Some("\"*\""),
        );
        f.permissions = on_star_write
            .iter()
            .map(|a| catalog.action(*a).name.clone())
            .collect();
        out.push(f);
    }
    if !unscopable.is_empty() {
        let msg = format!(
            "{} action(s) supporting only `Resource: \"*\"` named with specific resources: this statement never grants them",
            unscopable.len()
        );
        let mut f = finding(
            &checks::RESOURCE_ON_UNSCOPABLE_ACTION,
            msg,
            s,
            Some(st),
            None,
        );
        f.permissions = unscopable
            .iter()
            .map(|a| catalog.action(*a).name.clone())
            .collect();
        out.push(f);
    }
}

/// The ARN formats of action `id`'s resource types as globs, `${Partition}` set to
/// `partition` when given; empty when a type's format is not in the catalog.
fn type_globs(v: &Validator<'_>, id: ActionId, partition: Option<&str>) -> Vec<String> {
    let action = v.catalog.action(id);
    let Some(service) = v.catalog.service(action.prefix()) else {
        return Vec::new();
    };
    let globs: Vec<String> = action
        .resource_types
        .iter()
        .filter_map(|t| service.resources.iter().find(|(n, _)| *n == t.name))
        .map(|(_, f)| match partition {
            Some(p) => glob_of(&f.replace("${Partition}", p)),
            None => glob_of(f),
        })
        .collect();
    if globs.len() == action.resource_types.len() {
        globs
    } else {
        Vec::new()
    }
}

/// An ARN format or pattern as a glob: `${…}` placeholders and variables match anything.
fn glob_of(arn: &str) -> String {
    let mut out = String::with_capacity(arn.len());
    let mut rest = arn;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        out.push('*');
        rest = rest[i..].find('}').map_or("", |j| &rest[i + j + 1..]);
    }
    out.push_str(rest);
    out
}

/// Resources that are neither `*` nor ARNs.
fn resources(s: &Subject<'_>, st: &Statement, out: &mut Vec<Finding>) {
    let Some(r) = &st.resource else { return };
    for p in r.patterns() {
        if p == "*" {
            continue;
        }
        // `{Name}`: a value an IaC template leaves to the deployment
        if p.contains('{') && !p.contains("${") {
            continue;
        }
        let ok = Arn::parse(p).is_some_and(|a| !a.service.is_empty());
        if !ok {
            let msg =
                format!("`{p}` is not an ARN (`arn:partition:service:region:account:resource`)");
            out.push(finding(&checks::MALFORMED_ARN, msg, s, Some(st), Some(p)));
        }
    }
}

/// Condition keys no action of the statement supports; operators that do not fit the key's type
/// or the values.
fn conditions(v: &Validator<'_>, s: &Subject<'_>, st: &Statement, out: &mut Vec<Finding>) {
    let catalog = v.catalog;
    let acts: Vec<ActionId> = match &st.action {
        ActionSpec::Action(p) => {
            let mut set = catalog.empty_set();
            for x in p {
                set.union_with(&v.expand(x));
            }
            set.iter().collect()
        }
        ActionSpec::NotAction(_) => Vec::new(),
    };
    let mut reported = BTreeSet::new();
    for c in &st.conditions {
        let (prefix, _) = c.key.split_once(':').unwrap_or(("", ""));
        let key_type = if prefix.eq_ignore_ascii_case("aws") {
            global_keys::type_of(&c.key)
        } else {
            service_key_type(catalog, prefix, &c.key)
        };
        // supported: a global key, or one some action of the statement lists
        let service_key = !prefix.eq_ignore_ascii_case("aws") && !acts.is_empty();
        if service_key && reported.insert(c.key.to_ascii_lowercase()) {
            let supported = acts.iter().any(|a| {
                catalog
                    .action(*a)
                    .condition_keys
                    .iter()
                    .any(|k| key_matches(k, &c.key))
            });
            if !supported {
                let msg = format!(
                    "no action of the statement supports the condition key `{}`",
                    c.key
                );
                out.push(finding(
                    &checks::CONDITION_KEY_NOT_SUPPORTED,
                    msg,
                    s,
                    Some(st),
                    Some(&c.key),
                ));
            }
        }
        let family = c.op.family_name();
        let base = key_type.map(|t| t.trim_start_matches("ArrayOf"));
        let fits_key = match (family, base) {
            (_, None) | ("String" | "Null" | "Binary", _) => true,
            ("Arn", Some(t)) => t == "ARN" || t == "String",
            ("IpAddress", Some(t)) => t == "IPAddress",
            (f, Some(t)) => f == t,
        };
        if !fits_key {
            let msg = format!(
                "`{}` on `{}`, a {} key",
                c.operator,
                c.key,
                base.unwrap_or_default()
            );
            out.push(finding(
                &checks::CONDITION_TYPE_MISMATCH,
                msg,
                s,
                Some(st),
                Some(&c.operator),
            ));
            continue;
        }
        if let Some(v) = c.values.iter().find(|v| !c.op.value_fits(v)) {
            let msg = format!(
                "`{}` with `{v}`, which is not a value of type {family}",
                c.operator
            );
            out.push(finding(
                &checks::CONDITION_TYPE_MISMATCH,
                msg,
                s,
                Some(st),
                Some(v),
            ));
        }
    }
}

/// A key as the catalog lists it (`s3:ExistingObjectTag/<key>`, `aws:ResourceTag/${TagKey}`)
/// against one as written (`s3:ExistingObjectTag/team`).
fn key_matches(listed: &str, written: &str) -> bool {
    match listed.find(['<', '$']) {
        Some(i) => written.len() >= i && written[..i].eq_ignore_ascii_case(&listed[..i]),
        None => listed.eq_ignore_ascii_case(written),
    }
}

fn service_key_type<'c>(catalog: &'c AwsCatalog, prefix: &str, key: &str) -> Option<&'c str> {
    catalog
        .service(prefix)?
        .conditions
        .iter()
        .find(|(k, _)| key_matches(k, key))
        .map(|(_, t)| t.as_str())
}

/// Unconditional `Allow` statements whose every action and resource another unconditional
/// `Allow` of the document already grants.
/// The statements of `effect` without conditions or principal that name actions and resources
/// (not `NotAction`/`NotResource`): each with the actions it names and its resource patterns.
fn plain<'d>(
    v: &Validator<'_>,
    s: &Subject<'d>,
    effect: Effect,
) -> Vec<(&'d Statement, crate::catalog::ActionSet, Vec<&'d str>)> {
    s.doc
        .statements
        .iter()
        .filter(|st| st.effect == effect && st.conditions.is_empty() && st.principal.is_none())
        .filter_map(|st| {
            let ActionSpec::Action(p) = &st.action else {
                return None;
            };
            let Some(ResourceSpec::Resource(r)) = &st.resource else {
                return None;
            };
            let mut set = v.catalog.empty_set();
            for x in p {
                set.union_with(&v.expand(x));
            }
            (!set.is_empty()).then(|| (st, set, r.iter().map(String::as_str).collect()))
        })
        .collect()
}

fn redundant(v: &Validator<'_>, s: &Subject<'_>, out: &mut Vec<Finding>) {
    let allows = plain(v, s, Effect::Allow);
    // unconditional denies of the document
    let denies = plain(v, s, Effect::Deny);
    for (st, acts, res) in &allows {
        let shadowed = denies.iter().any(|(_, d_acts, d_res)| {
            d_acts.is_superset(acts) && res.iter().all(|r| d_res.iter().any(|d| covers(d, r)))
        });
        if shadowed {
            let msg = format!(
                "{} is overridden by a `Deny` of the same policy: it grants nothing",
                st.label()
            );
            out.push(finding(&checks::SHADOWED_BY_DENY, msg, s, Some(st), None));
        }
    }
    for (i, (st, acts, res)) in allows.iter().enumerate() {
        let by = allows
            .iter()
            .enumerate()
            .find(|(j, (_, other_acts, other_res))| {
                *j != i
                && other_acts.is_superset(acts)
                && res.iter().all(|r| other_res.iter().any(|o| covers(o, r)))
                // of two identical statements, flag the later one only
                && !(acts.is_superset(other_acts)
                    && other_res.iter().all(|o| res.iter().any(|r| covers(r, o)))
                    && *j > i)
            });
        if let Some((_, (other, _, _))) = by {
            let msg = format!(
                "{} grants nothing that {} does not",
                st.label(),
                other.label()
            );
            out.push(finding(
                &checks::REDUNDANT_STATEMENT,
                msg,
                s,
                Some(st),
                None,
            ));
        }
    }
}

/// True when every resource `inner` matches is matched by `outer` (`*` in `outer` absorbs
/// anything; a `?` only itself).
fn covers(outer: &str, inner: &str) -> bool {
    if outer.contains('?') || outer.contains("${") || inner.contains("${") {
        return outer == inner;
    }
    crate::glob::matches(outer, inner, false)
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A finding of `check` on statement `st` (or the whole document), narrowed to the first
/// occurrence of `needle` inside the statement's text when given and found.
fn finding(
    check: &Check,
    message: String,
    s: &Subject<'_>,
    st: Option<&Statement>,
    needle: Option<&str>,
) -> Finding {
    let origin = match st {
        Some(st) => {
            let mut o = super::statement_origin(s.policy, None, s.location, "", st);
            if let (Some(text), Some(span), Some(needle)) = (s.text, &st.span, needle) {
                if let Some(i) = text.get(span.clone()).and_then(|t| t.find(needle)) {
                    let at = span.start + i;
                    o.location.span = Some(at..at + needle.len());
                    o.location.line = Some(line_of(text, at));
                    o.location.column = Some(crate::source::column_of(text, at));
                }
            }
            o
        }
        None => Origin {
            policy: s.policy.0.to_string(),
            policy_name: s.policy.1.to_string(),
            policy_kind: s.policy.2,
            via_group: None,
            statement: 0,
            sid: None,
            location: s.location.clone(),
        },
    };
    Finding {
        rule: check.id.to_string(),
        severity: check.severity,
        message,
        remediation: Some(check.remediation.to_string()),
        principal: s.holder.to_string(),
        permissions: Vec::new(),
        granted_by: Some(origin),
        evidence: Evidence::none(),
        rule_location: RULE_LOCATION.to_string(),
        notes: Vec::new(),
        owner: None,
    }
}

#[cfg(test)]
mod tests;
