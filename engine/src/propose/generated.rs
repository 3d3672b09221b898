//! A policy written from usage alone (`whittle generate`): no snapshot, so nothing to narrow —
//! the permissions used in the window, each on the resources it was used on.

use super::resources::narrow;
use super::Observation;
use crate::aws::policy::{
    ActionSpec, Effect, PolicyDocument, PolicyVersion, ResourceSpec, Statement,
};
use crate::catalog::{ActionId, AwsCatalog};
use crate::model::{ResourceMode, ResourceScope, Window};
use std::collections::{BTreeMap, BTreeSet};

/// The document, and the calls it must allow: (permission, resource or `*`).
pub(super) fn policy(
    catalog: &AwsCatalog,
    observations: &[Observation],
    window: Window,
    mode: ResourceMode,
) -> (PolicyDocument, Vec<(String, String)>) {
    // permission → Some(seen ARNs), or None when it needs `*`
    let mut used: BTreeMap<ActionId, Option<BTreeSet<String>>> = BTreeMap::new();
    let mut calls = Vec::new();
    for o in observations {
        if o.last_seen < window.since || o.last_seen > window.now {
            continue;
        }
        let Some(a) = catalog.lookup(&o.permission) else {
            continue;
        };
        let literal = o.resource != "*" && !o.resource.contains(['*', '?']);
        let scoped = literal && catalog.action(a).scopable() && mode != ResourceMode::Granted;
        calls.push((catalog.action(a).name.clone(), o.resource.clone()));
        let entry = used.entry(a).or_insert_with(|| scoped.then(BTreeSet::new));
        match (entry, scoped) {
            (Some(arns), true) => {
                arns.insert(o.resource.clone());
            }
            (e, _) => *e = None,
        }
    }
    let mut groups: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for (a, arns) in &used {
        let resources = match arns {
            Some(arns) => narrow(catalog, *a, arns, mode, &ResourceScope::Any),
            None => vec!["*".to_string()],
        };
        groups
            .entry(resources)
            .or_default()
            .push(catalog.action(*a).name.clone());
    }
    // `*` first, then by resources
    let mut ordered: Vec<(Vec<String>, Vec<String>)> = groups.into_iter().collect();
    ordered.sort_by_key(|(r, _)| r != &["*"]);
    let statements = ordered
        .into_iter()
        .enumerate()
        .map(|(index, (resources, mut actions))| {
            actions.sort();
            Statement {
                index,
                sid: None,
                effect: Effect::Allow,
                principal: None,
                action: ActionSpec::Action(actions),
                resource: Some(ResourceSpec::Resource(resources)),
                conditions: Vec::new(),
                condition: None,
                span: None,
                line: None,
                column: None,
            }
        })
        .collect();
    calls.sort();
    calls.dedup();
    (
        PolicyDocument {
            version: PolicyVersion::V2012_10_17,
            id: None,
            statements,
        },
        calls,
    )
}
