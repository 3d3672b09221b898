//! What a change adds and removes: for each principal it touches, the effective permissions
//! before and after, compared action by action — an action is added where it is now held on
//! resources that nothing held before covers, and removed the other way round.

use crate::aws::Inventory;
use crate::catalog::{ActionId, AwsCatalog};
use crate::effective::{covers, EffectivePermissions, Resolver};
use crate::model::{PrincipalKind, ResourceScope};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Actions gained or lost on one resource scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopedActions {
    /// The resources, as the grant names them (`*` for any).
    pub resources: String,
    /// The actions, in catalog order.
    pub actions: Vec<String>,
}

/// One principal's change of access.
#[derive(Debug, Clone, Serialize)]
pub struct AccessDiff {
    /// The principal.
    pub principal: String,
    /// It did not exist before the change.
    pub new_principal: bool,
    /// What it can do after and could not before.
    pub added: Vec<ScopedActions>,
    /// What it could do before and cannot after.
    pub removed: Vec<ScopedActions>,
    /// With usage evidence: of the permissions it held before, how many it did not use in the
    /// window (`(unused, held)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unused_before: Option<(usize, usize)>,
}

impl AccessDiff {
    /// How many (action, scope) pairs are added.
    pub fn added_count(&self) -> usize {
        self.added.iter().map(|s| s.actions.len()).sum()
    }

    /// How many (action, scope) pairs are removed.
    pub fn removed_count(&self) -> usize {
        self.removed.iter().map(|s| s.actions.len()).sum()
    }
}

/// Resource scopes per action held.
fn scopes(e: &EffectivePermissions) -> BTreeMap<ActionId, Vec<&ResourceScope>> {
    let mut out: BTreeMap<ActionId, Vec<&ResourceScope>> = BTreeMap::new();
    for g in &e.grants {
        for a in g.actions.iter() {
            out.entry(a).or_default().push(&g.resources);
        }
    }
    out
}

/// What `from` holds that `to` does not cover, grouped by resource scope.
fn beyond(
    catalog: &AwsCatalog,
    from: &BTreeMap<ActionId, Vec<&ResourceScope>>,
    to: &BTreeMap<ActionId, Vec<&ResourceScope>>,
) -> Vec<ScopedActions> {
    let mut by_scope: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (a, scopes) in from {
        let others = to.get(a).map(Vec::as_slice).unwrap_or_default();
        let mut seen = BTreeSet::new();
        for s in scopes {
            if others.iter().any(|o| covers(o, s)) {
                continue;
            }
            let key = match s {
                ResourceScope::Any => "*".to_string(),
                other => other.to_string(),
            };
            if seen.insert(key.clone()) {
                by_scope
                    .entry(key)
                    .or_default()
                    .push(catalog.action(*a).name.clone());
            }
        }
    }
    by_scope
        .into_iter()
        .map(|(resources, actions)| ScopedActions { resources, actions })
        .collect()
}

/// The access diff of every principal of `principals` that `after` holds (users and roles),
/// against `before`; principals whose access did not change are left out.
pub fn access_diff(
    catalog: &AwsCatalog,
    before: &Inventory,
    after: &Inventory,
    principals: &BTreeSet<String>,
    usage: Option<&crate::model::UsageFacts>,
) -> Vec<AccessDiff> {
    let mut now = Resolver::new(catalog, after);
    let mut was = Resolver::new(catalog, before);
    let mut out = Vec::new();
    for id in principals {
        let Some(p) = after.principal(id) else {
            continue;
        };
        if p.kind == PrincipalKind::Group {
            continue;
        }
        let a = now.resolve(p);
        let old = before.principal(id);
        let b = old.map(|q| was.resolve(q));
        let empty = EffectivePermissions {
            principal: id.clone(),
            grants: Vec::new(),
            unknown_actions: Vec::new(),
            missing_policies: Vec::new(),
            boundary: None,
            blocked: Vec::new(),
        };
        let b = b.unwrap_or(empty);
        let (sa, sb) = (scopes(&a), scopes(&b));
        // what it already held and did not use: context for what it asks for now
        let unused_before = usage.filter(|_| old.is_some() && !sb.is_empty()).map(|u| {
            let used = u.used_by(id);
            let unused = sb
                .keys()
                .filter(|a| !used.is_some_and(|m| m.contains_key(&catalog.action(**a).name)))
                .count();
            (unused, sb.len())
        });
        let d = AccessDiff {
            principal: id.clone(),
            new_principal: old.is_none(),
            added: beyond(catalog, &sa, &sb),
            removed: beyond(catalog, &sb, &sa),
            unused_before,
        };
        if !d.added.is_empty() || !d.removed.is_empty() {
            out.push(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_that_widens_a_role_shows_what_it_adds_and_removes() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/iac/terraform/plan-existing-role-gains-s3-write-and-loses-sqs.json");
        let change = crate::ingest::change::load(&[path]);
        assert!(change.errors.is_empty(), "{:?}", change.errors);
        let before = change.before.as_ref().expect("a plan has a before-state");
        let diffs = access_diff(
            AwsCatalog::embedded(),
            before,
            &change.inventory,
            &change.planned,
            None,
        );
        assert_eq!(diffs.len(), 1, "{diffs:?}");
        let d = &diffs[0];
        assert_eq!(d.principal, "arn:aws:iam::111122223333:role/reports");
        assert!(!d.new_principal);
        assert_eq!(
            d.added,
            [ScopedActions {
                resources: "arn:aws:s3:::reports/*".into(),
                actions: vec!["s3:DeleteObject".into(), "s3:PutObject".into()],
            }]
        );
        assert_eq!(
            d.removed,
            [ScopedActions {
                resources: "arn:aws:sqs:eu-west-1:111122223333:reports-queue".into(),
                actions: vec!["sqs:SendMessage".into()],
            }]
        );
    }
}
