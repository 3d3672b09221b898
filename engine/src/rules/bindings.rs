//! The GCP and Azure guardrails: one Cedar request per member of a GCP binding (`bind`) and per
//! Azure role assignment (`assign`), asked of the rules written for them. The context's
//! `permissions` holds only what the rules ask about ([`super::cedar::GuardRule::asked`]), so a
//! basic role with thousands of permissions costs no more than any other.

use super::cedar::GuardRule;
use super::eval::uid;
use super::RuleSet;
use crate::azure::{self, scope_level, ScopeLevel};
use crate::gcp::condition::{self, ConditionState};
use crate::gcp::{self, effective::RoleSource, member};
use crate::model::time::{iso, Epoch};
use crate::model::{Evidence, Finding, Origin, PolicyKind};
use crate::source::Location;
use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityUid, Policy, PolicyId, PolicySet,
    Request, RestrictedExpression,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What the GCP and Azure rules found, and what went wrong asking them: rules that errored
/// (`policy id: message`) and requests that could not be built.
#[derive(Default)]
pub(super) struct Outcome {
    pub findings: Vec<Finding>,
    pub errored: BTreeSet<String>,
    pub problems: BTreeSet<String>,
}

/// The rules asked by `pick`, as a policy set with the baseline `permit` (so the `forbid`s that
/// match are the decision's reasons), and their union of asked permissions.
fn slice(rules: &RuleSet, pick: fn(&GuardRule) -> bool) -> Option<(PolicySet, BTreeSet<String>)> {
    let g = &rules.guardrails;
    let mut set = PolicySet::new();
    let baseline = Policy::parse(
        Some(PolicyId::new("whittle-baseline")),
        "permit(principal, action, resource);",
    )
    .ok()?;
    set.add(baseline).ok()?;
    let mut asked = BTreeSet::new();
    let mut any = false;
    for (r, p) in g.rules.iter().zip(&g.policies) {
        if pick(r) {
            any = true;
            asked.extend(r.asked.iter().cloned());
            let _ = set.add(p.clone());
        }
    }
    any.then_some((set, asked))
}

/// Asks one request; the rules that matched, by index in `rules.guardrails.rules`.
fn ask(
    out: &mut Outcome,
    g: &super::cedar::Guardrails,
    set: &PolicySet,
    entities: &Entities,
    (principal, action, resource): (EntityUid, EntityUid, EntityUid),
    context: Vec<(String, RestrictedExpression)>,
) -> Vec<usize> {
    let ctx = match Context::from_pairs(context) {
        Ok(c) => c,
        Err(e) => {
            out.problems.insert(e.to_string());
            return Vec::new();
        }
    };
    let req = match Request::new(principal, action, resource, ctx, Some(&g.schema)) {
        Ok(r) => r,
        Err(e) => {
            out.problems.insert(e.to_string());
            return Vec::new();
        }
    };
    let resp = Authorizer::new().is_authorized(&req, set, entities);
    for err in resp.diagnostics().errors() {
        let cedar_policy::AuthorizationError::PolicyEvaluationError(e) = err;
        out.errored
            .insert(format!("{}: {}", e.policy_id(), e.inner()));
    }
    if resp.decision() != Decision::Deny {
        return Vec::new();
    }
    let mut matched: Vec<usize> = resp
        .diagnostics()
        .reason()
        .filter_map(|id| g.rules.iter().position(|r| r.id == id.to_string()))
        .collect();
    matched.sort_unstable();
    matched
}

fn string(s: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(s.to_string())
}

fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> RestrictedExpression {
    RestrictedExpression::new_set(items.into_iter().map(string))
}

fn attrs(
    pairs: impl IntoIterator<Item = (&'static str, RestrictedExpression)>,
) -> HashMap<String, RestrictedExpression> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The finding of `rule` for one binding or assignment.
fn finding(
    rule: &GuardRule,
    principal: &str,
    held: &BTreeSet<&str>,
    origin: Origin,
    notes: Vec<String>,
) -> Finding {
    Finding {
        rule: rule.id.clone(),
        severity: rule.severity,
        message: rule.message.clone(),
        remediation: rule.remediation.clone(),
        principal: principal.to_string(),
        // the permissions this rule asks about that the binding gives
        permissions: held
            .iter()
            .filter(|p| rule.asked.contains(**p))
            .map(|p| p.to_string())
            .collect(),
        granted_by: Some(origin),
        evidence: Evidence::none(),
        rule_location: format!("{}:{}", rule.file, rule.line),
        notes,
        owner: None,
    }
}

fn origin(policy: &str, role: &str, sid: Option<String>, location: &Location) -> Origin {
    Origin {
        policy: policy.to_string(),
        policy_name: role.to_string(),
        policy_kind: PolicyKind::RoleBinding,
        via_group: None,
        statement: 0,
        sid,
        location: location.clone(),
    }
}

/// The level of a GCP resource name in the hierarchy.
pub fn gcp_level(resource: &str) -> &'static str {
    let parts: Vec<&str> = resource.split('/').collect();
    match parts.as_slice() {
        ["organizations", _] => "organization",
        ["folders", _] => "folder",
        ["projects", _] => "project",
        _ => "resource",
    }
}

fn condition_state(s: ConditionState) -> &'static str {
    match s {
        ConditionState::Active => "active",
        ConditionState::Expired => "expired",
        ConditionState::NotYet => "not-yet",
        ConditionState::Conditional | ConditionState::NotHere => "conditional",
    }
}

/// Asks the `bind` rules about every member of every binding of `snapshot`.
pub(super) fn gcp(rules: &RuleSet, snapshot: &gcp::Snapshot, now: Epoch, out: &mut Outcome) {
    let Some((set, asked)) = slice(rules, |r| r.asks.gcp()) else {
        return;
    };
    let g = &rules.guardrails;
    // entities: each member and each role once
    let mut members: BTreeMap<&str, Entity> = BTreeMap::new();
    let mut roles: BTreeMap<&str, (Entity, RoleSource<'_>)> = BTreeMap::new();
    for b in &snapshot.bindings {
        let role = gcp::effective::role(snapshot, &b.role);
        if !roles.contains_key(b.role.as_str()) {
            let custom = matches!(role, RoleSource::Custom(_)) || !b.role.starts_with("roles/");
            let known = match role {
                RoleSource::Predefined(_) => true,
                RoleSource::Custom(r) => !r.deleted,
                RoleSource::Unknown => false,
            };
            let a = attrs([
                ("name", string(&b.role)),
                (
                    "basic",
                    RestrictedExpression::new_bool(matches!(
                        b.role.as_str(),
                        "roles/owner" | "roles/editor" | "roles/viewer"
                    )),
                ),
                ("custom", RestrictedExpression::new_bool(custom)),
                ("known", RestrictedExpression::new_bool(known)),
            ]);
            match Entity::new(uid("Gcp::Role", &b.role), a, HashSet::new()) {
                Ok(e) => {
                    roles.insert(&b.role, (e, role));
                }
                Err(e) => {
                    out.problems.insert(e.to_string());
                }
            }
        }
        for m in &b.members {
            if members.contains_key(m.as_str()) {
                continue;
            }
            let Ok(parsed) = member::parse(m) else {
                // reported when the snapshot was read
                continue;
            };
            let a = attrs([
                ("member", string(m)),
                ("kind", string(parsed.kind.prefix())),
                ("name", string(&parsed.name)),
                ("deleted", RestrictedExpression::new_bool(parsed.deleted)),
                (
                    "public",
                    RestrictedExpression::new_bool(parsed.kind.is_public()),
                ),
            ]);
            match Entity::new(uid("Gcp::Member", m), a, HashSet::new()) {
                Ok(e) => {
                    members.insert(m, e);
                }
                Err(e) => {
                    out.problems.insert(e.to_string());
                }
            }
        }
    }
    // a role's permissions among those asked about
    let granted: HashMap<&str, BTreeSet<&str>> = roles
        .iter()
        .map(|(name, (_, role))| {
            let all: HashSet<&str> = match role {
                RoleSource::Predefined(r) => {
                    let c = crate::catalog::GcpCatalog::embedded();
                    r.permissions.iter().map(|&id| c.name(id)).collect()
                }
                RoleSource::Custom(r) if !r.deleted => {
                    r.permissions.iter().map(String::as_str).collect()
                }
                RoleSource::Custom(_) | RoleSource::Unknown => HashSet::new(),
            };
            let mine = asked
                .iter()
                .map(String::as_str)
                .filter(|p| all.contains(p))
                .collect();
            (*name, mine)
        })
        .collect();
    let entities = Entities::from_entities(
        members
            .values()
            .cloned()
            .chain(roles.values().map(|(e, _)| e.clone())),
        Some(&g.schema),
    );
    let entities = match entities {
        Ok(e) => e,
        Err(e) => {
            out.problems
                .insert(format!("cannot build the GCP entities: {e}"));
            return;
        }
    };
    let action = uid("Guard::Action", "bind");
    let now_expr = RestrictedExpression::new_datetime(iso(now));
    for b in &snapshot.bindings {
        let state = b.condition.as_ref().map_or(ConditionState::Active, |c| {
            condition::evaluate(&c.expression, now)
        });
        let empty = BTreeSet::new();
        let role_grants = granted.get(b.role.as_str()).unwrap_or(&empty);
        for m in &b.members {
            if !members.contains_key(m.as_str()) {
                continue;
            }
            // deny policies without a condition take permissions away here
            let held: BTreeSet<&str> = role_grants
                .iter()
                .copied()
                .filter(|p| {
                    !gcp::deny::denials(snapshot, m, p, &b.resource)
                        .iter()
                        .any(|d| !d.conditional)
                })
                .collect();
            let mut context = vec![
                ("now".to_string(), now_expr.clone()),
                ("scope".to_string(), string(&b.resource)),
                ("level".to_string(), string(gcp_level(&b.resource))),
                (
                    "condition_state".to_string(),
                    string(if b.condition.is_none() {
                        "none"
                    } else {
                        condition_state(state)
                    }),
                ),
                (
                    "in_force".to_string(),
                    RestrictedExpression::new_bool(matches!(
                        state,
                        ConditionState::Active | ConditionState::Conditional
                    )),
                ),
                ("permissions".to_string(), strings(held.iter().copied())),
            ];
            if let Some(c) = &b.condition {
                context.push(("condition".to_string(), string(&c.expression)));
            }
            let matched = ask(
                out,
                g,
                &set,
                &entities,
                (
                    uid("Gcp::Member", m),
                    action.clone(),
                    uid("Gcp::Role", &b.role),
                ),
                context,
            );
            for i in matched {
                let notes = b
                    .condition
                    .iter()
                    .map(|c| format!("condition `{}`: {}", c.title, c.expression))
                    .collect();
                out.findings.push(finding(
                    &g.rules[i],
                    m,
                    &held,
                    origin(
                        &b.resource,
                        &b.role,
                        b.condition.as_ref().map(|c| c.title.clone()),
                        &b.location,
                    ),
                    notes,
                ));
            }
        }
    }
}

fn azure_level(scope: &str) -> &'static str {
    match scope_level(scope) {
        ScopeLevel::Root => "root",
        ScopeLevel::ManagementGroup => "management-group",
        ScopeLevel::Subscription => "subscription",
        ScopeLevel::ResourceGroup => "resource-group",
        ScopeLevel::Resource => "resource",
    }
}

/// Asks the `assign` rules about every role assignment of `snapshot`.
pub(super) fn azure(rules: &RuleSet, snapshot: &azure::Snapshot, now: Epoch, out: &mut Outcome) {
    let Some((set, asked)) = slice(rules, |r| r.asks.azure()) else {
        return;
    };
    let g = &rules.guardrails;
    let mut principals: BTreeMap<String, Entity> = BTreeMap::new();
    let mut roles: BTreeMap<String, Entity> = BTreeMap::new();
    let role_key = |a: &azure::Assignment| {
        a.role_definition_id
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    for a in &snapshot.assignments {
        let id = a.principal_id.to_ascii_lowercase();
        if let std::collections::btree_map::Entry::Vacant(slot) = principals.entry(id.clone()) {
            let e = Entity::new(
                uid("Azure::Principal", &id),
                attrs([
                    ("id", string(&id)),
                    ("kind", string(&a.principal_type)),
                    ("name", string(a.principal_name.as_deref().unwrap_or(""))),
                    (
                        "deleted",
                        RestrictedExpression::new_bool(a.principal_deleted()),
                    ),
                ]),
                HashSet::new(),
            );
            match e {
                Ok(e) => {
                    slot.insert(e);
                }
                Err(e) => {
                    out.problems.insert(e.to_string());
                }
            }
        }
        let key = role_key(a);
        if roles.contains_key(&key) {
            continue;
        }
        let role = snapshot.role_of(a);
        let p = role.permissions();
        let list = |f: fn(&crate::catalog::AzurePermissions) -> &Vec<String>| {
            strings(p.map(f).into_iter().flatten().map(String::as_str))
        };
        let name = role
            .name()
            .map(str::to_string)
            .or_else(|| a.role_name.clone())
            .unwrap_or_else(|| key.clone());
        let e = Entity::new(
            uid("Azure::Role", &key),
            attrs([
                ("id", string(&key)),
                ("name", string(&name)),
                (
                    "custom",
                    RestrictedExpression::new_bool(!matches!(role, azure::RoleSource::BuiltIn(_))),
                ),
                ("known", RestrictedExpression::new_bool(p.is_some())),
                ("actions", list(|p| &p.actions)),
                ("not_actions", list(|p| &p.not_actions)),
                ("data_actions", list(|p| &p.data_actions)),
                ("not_data_actions", list(|p| &p.not_data_actions)),
            ]),
            HashSet::new(),
        );
        match e {
            Ok(e) => {
                roles.insert(key, e);
            }
            Err(e) => {
                out.problems.insert(e.to_string());
            }
        }
    }
    let entities = match Entities::from_entities(
        principals.values().cloned().chain(roles.values().cloned()),
        Some(&g.schema),
    ) {
        Ok(e) => e,
        Err(e) => {
            out.problems
                .insert(format!("cannot build the Azure entities: {e}"));
            return;
        }
    };
    let action = uid("Guard::Action", "assign");
    let now_expr = RestrictedExpression::new_datetime(iso(now));
    for a in &snapshot.assignments {
        let id = a.principal_id.to_ascii_lowercase();
        let key = role_key(a);
        if !principals.contains_key(&id) || !roles.contains_key(&key) {
            continue;
        }
        let role = snapshot.role_of(a);
        let held: BTreeSet<&str> = match role.permissions() {
            None => BTreeSet::new(),
            Some(p) => asked
                .iter()
                .map(String::as_str)
                .filter(|op| p.grants(op, false) || p.grants(op, true))
                // a deny assignment at this scope or above takes it away
                .filter(|op| {
                    !snapshot
                        .denying(&a.principal_id, op)
                        .any(|d| snapshot.covers(&d.scope, &a.scope))
                })
                .collect(),
        };
        let mut context = vec![
            ("now".to_string(), now_expr.clone()),
            ("scope".to_string(), string(&a.scope)),
            ("level".to_string(), string(azure_level(&a.scope))),
            ("assignment".to_string(), string(&a.id)),
            ("permissions".to_string(), strings(held.iter().copied())),
        ];
        if let Some(c) = &a.condition {
            context.push(("condition".to_string(), string(c)));
        }
        let matched = ask(
            out,
            g,
            &set,
            &entities,
            (
                uid("Azure::Principal", &id),
                action.clone(),
                uid("Azure::Role", &key),
            ),
            context,
        );
        let role_name = role
            .name()
            .map(str::to_string)
            .or_else(|| a.role_name.clone())
            .unwrap_or_else(|| a.role_definition_id.clone());
        for i in matched {
            let mut notes = vec![format!(
                "{} {}, assignment {}",
                a.principal_type,
                a.principal_name
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .unwrap_or("(no name)"),
                a.id
            )];
            notes.extend(a.condition.iter().map(|c| format!("condition: {c}")));
            out.findings.push(finding(
                &g.rules[i],
                &id,
                &held,
                origin(&a.scope, &role_name, None, &a.location),
                notes,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::gcp_level;

    #[test]
    fn gcp_resource_names_have_levels() {
        assert_eq!(gcp_level("organizations/123"), "organization");
        assert_eq!(gcp_level("folders/456"), "folder");
        assert_eq!(gcp_level("projects/shop"), "project");
        assert_eq!(
            gcp_level("//storage.googleapis.com/projects/_/buckets/b"),
            "resource"
        );
        assert_eq!(gcp_level("projects/shop/topics/t"), "resource");
    }
}
