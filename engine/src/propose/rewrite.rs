//! Writing the proposal: each held statement keeps its shape — Sid, conditions, `Deny`s, the
//! wildcards whose every action is still needed — and loses what nobody used; kept permissions
//! with narrowed resources move to a sibling statement. The replacement gathers every statement
//! the principal needs into documents under AWS's managed-policy size quota.

use super::assign::{Plan, Scope};
use super::resources::narrow;
use super::{Held, PolicyChange, PolicyStatus, ProposeInput};
use crate::aws::policy::{
    quota_size, to_json, ActionSpec, Effect, PolicyDocument, PolicyVersion, ResourceSpec, Statement,
};
use crate::aws::Policy;
use crate::catalog::{ActionId, ActionSet, AwsCatalog};
use crate::model::{ResourceMode, ResourceScope};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// AWS's quota for a customer-managed policy: 6,144 characters, whitespace not counted.
pub(crate) const MANAGED_POLICY_QUOTA: usize = 6_144;

/// The proposed statements for held statement `h`.
fn rewrite_statement(
    input: &ProposeInput<'_>,
    held: &Held<'_>,
    plan_keep: &BTreeMap<ActionId, Scope>,
) -> Vec<Statement> {
    let catalog = input.catalog;
    let s = &held.policy.document.statements[held.statement];
    if s.effect == Effect::Deny {
        return vec![s.clone()];
    }
    if plan_keep.is_empty() {
        return Vec::new();
    }
    let grants = &input.effective.grants;
    let mut effective = catalog.empty_set();
    for &g in &held.grants {
        effective.union_with(&grants[g].actions);
    }
    let granted_scope = |a: ActionId| -> ResourceScope {
        held.grants
            .iter()
            .map(|&g| &grants[g])
            .find(|g| g.actions.contains(a))
            .map_or(ResourceScope::Any, |g| g.resources.clone())
    };
    let written: Option<&Vec<String>> = match &s.resource {
        Some(ResourceSpec::Resource(p)) => Some(p),
        _ => None,
    };
    let mut as_granted = catalog.empty_set();
    let mut narrowed: BTreeMap<Vec<String>, Vec<ActionId>> = BTreeMap::new();
    for (&a, scope) in plan_keep {
        match scope {
            Scope::Arns(arns)
                if input.resources != ResourceMode::Granted && catalog.action(a).scopable() =>
            {
                let pats = narrow(catalog, a, arns, input.resources, &granted_scope(a));
                if written.is_some_and(|w| *w == pats) {
                    as_granted.insert(a);
                } else {
                    narrowed.entry(pats).or_default().push(a);
                }
            }
            _ => as_granted.insert(a),
        }
    }
    let mut out = Vec::new();
    if !as_granted.is_empty() {
        let mut t = s.clone();
        t.action = actions_for(catalog, &s.action, &as_granted, &effective);
        out.push(t);
    }
    for (pats, acts) in narrowed {
        let mut t = s.clone();
        let mut names: Vec<String> = acts
            .iter()
            .map(|&a| catalog.action(a).name.clone())
            .collect();
        names.sort();
        t.action = ActionSpec::Action(names);
        t.resource = Some(ResourceSpec::Resource(pats));
        out.push(t);
    }
    if let Some(sid) = s.sid.as_deref().filter(|s| !s.is_empty()) {
        for (n, t) in out.iter_mut().enumerate().skip(1) {
            t.sid = Some(format!("{sid}{}", n + 1));
        }
    }
    out
}

/// The `Action` element for `keep` out of a statement written as `spec` that effectively
/// grants `effective`: wildcards stay where every action they cover (and the principal holds)
/// is kept, exact names as written, patterns that grant nothing today (denied, outside the
/// boundary) as written, the rest named exactly in catalog casing.
fn actions_for(
    catalog: &AwsCatalog,
    spec: &ActionSpec,
    keep: &ActionSet,
    effective: &ActionSet,
) -> ActionSpec {
    match spec {
        ActionSpec::NotAction(_) if keep.is_superset(effective) => spec.clone(),
        ActionSpec::NotAction(_) => ActionSpec::Action(names(catalog, keep)),
        ActionSpec::Action(pats) => {
            let mut covered = catalog.empty_set();
            let mut out = Vec::new();
            for p in pats {
                let mut e = catalog.expand(p);
                e.intersect_with(effective);
                if e.is_empty() {
                    // denied or outside the boundary today: it grants nothing, and dropping
                    // it would only make the diff longer
                    out.push(p.clone());
                    continue;
                }
                if !keep.is_superset(&e) {
                    continue;
                }
                if crate::glob::has_wildcard(p) || e.len() == 1 {
                    covered.union_with(&e);
                    out.push(p.clone());
                }
            }
            let mut rest = keep.clone();
            rest.subtract(&covered);
            out.extend(names(catalog, &rest));
            ActionSpec::Action(out)
        }
    }
}

fn names(catalog: &AwsCatalog, set: &ActionSet) -> Vec<String> {
    let mut v: Vec<String> = set.iter().map(|a| catalog.action(a).name.clone()).collect();
    v.sort();
    v
}

/// Every held policy before and after, and the replacement documents.
pub(crate) fn rewrite(
    input: &ProposeInput<'_>,
    held_policies: &[(&Policy, Option<&str>)],
    held: &[Held<'_>],
    plan: &Plan,
) -> (Vec<PolicyChange>, Vec<PolicyDocument>) {
    let mut changes = Vec::new();
    let mut all_statements: Vec<(PolicyVersion, Statement)> = Vec::new();
    for (policy, via_group) in held_policies {
        let mut statements = Vec::new();
        let mut used = false;
        let mut had_allow = false;
        for (h, hs) in held.iter().enumerate() {
            if !std::ptr::eq(hs.policy, *policy) || hs.via_group != *via_group {
                continue;
            }
            let s = &policy.document.statements[hs.statement];
            had_allow |= s.effect == Effect::Allow;
            used |= hs
                .grants
                .iter()
                .any(|&g| input.effective.grants[g].actions.intersects(&plan.used));
            statements.extend(rewrite_statement(input, hs, &plan.keep[h]));
        }
        let proposed = PolicyDocument {
            version: policy.document.version,
            id: policy.document.id.clone(),
            statements,
        };
        // a policy keeps its denies even when none of its allows is needed: they may narrow
        // what the other policies allow
        let status = if to_json(&proposed) == to_json(&policy.document) {
            PolicyStatus::Unchanged
        } else if proposed.statements.is_empty() {
            PolicyStatus::Removed
        } else {
            PolicyStatus::Changed
        };
        all_statements.extend(
            proposed
                .statements
                .iter()
                .map(|s| (policy.document.version, s.clone())),
        );
        let proposed = (status != PolicyStatus::Removed).then_some(proposed);
        let diff = if status == PolicyStatus::Unchanged {
            String::new()
        } else {
            PolicyChange::diff_of(
                &policy.name,
                *via_group,
                &policy.document,
                proposed.as_ref(),
            )
        };
        changes.push(PolicyChange {
            id: policy.id.clone(),
            name: policy.name.clone(),
            kind: policy.kind,
            via_group: via_group.map(str::to_string),
            status,
            unused: had_allow && !used,
            current: policy.document.clone(),
            proposed,
            diff,
        });
    }
    (changes, replacement(all_statements))
}

/// Statements gathered into documents: duplicates dropped, Sids unique, documents split under
/// the managed-policy quota; statements that use policy variables under a version without them
/// stay in a document of their own version.
fn replacement(statements: Vec<(PolicyVersion, Statement)>) -> Vec<PolicyDocument> {
    let mut by_version: BTreeMap<u8, (PolicyVersion, Vec<Statement>)> = BTreeMap::new();
    let mut seen = HashSet::new();
    for (version, mut s) in statements {
        let literal_vars = version != PolicyVersion::V2012_10_17 && uses_variables(&s);
        let (key, v) = if literal_vars {
            (1, version)
        } else {
            (0, PolicyVersion::V2012_10_17)
        };
        let sid = s.sid.take();
        let text = to_json(&PolicyDocument {
            version: v,
            id: None,
            statements: vec![s.clone()],
        });
        if !seen.insert((key, text)) {
            continue;
        }
        s.sid = sid;
        by_version.entry(key).or_insert((v, Vec::new())).1.push(s);
    }
    let mut docs = Vec::new();
    for (_, (version, statements)) in by_version {
        let empty = quota_size(&PolicyDocument {
            version,
            id: None,
            statements: Vec::new(),
        });
        // a document's size: the empty document, each statement, a comma between two
        let mut current: Vec<Statement> = Vec::new();
        let mut size = empty;
        for s in statements.into_iter().flat_map(|s| fit(version, s)) {
            // room for the digits `finish` may add to a repeated Sid
            let own = statement_size(version, &s) - empty + if s.sid.is_some() { 3 } else { 0 };
            let grown = size + own + usize::from(!current.is_empty());
            if !current.is_empty() && grown > MANAGED_POLICY_QUOTA {
                docs.push(finish(version, std::mem::take(&mut current)));
                size = empty + own;
            } else {
                size = grown;
            }
            current.push(s);
        }
        if !current.is_empty() {
            docs.push(finish(version, current));
        }
    }
    docs
}

fn finish(version: PolicyVersion, mut statements: Vec<Statement>) -> PolicyDocument {
    let mut used: BTreeSet<String> = BTreeSet::new();
    for (i, s) in statements.iter_mut().enumerate() {
        s.index = i;
        if let Some(sid) = s.sid.clone().filter(|s| !s.is_empty()) {
            let mut n = 1;
            let mut candidate = sid.clone();
            while !used.insert(candidate.clone()) {
                n += 1;
                candidate = format!("{sid}{n}");
            }
            s.sid = Some(candidate);
        }
    }
    PolicyDocument {
        version,
        id: None,
        statements,
    }
}

/// The quota size of a document holding only `s`.
fn statement_size(version: PolicyVersion, s: &Statement) -> usize {
    quota_size(&PolicyDocument {
        version,
        id: None,
        statements: vec![s.clone()],
    })
}

/// A statement split by its action list until each part fits the quota on its own.
fn fit(version: PolicyVersion, s: Statement) -> Vec<Statement> {
    let size = statement_size(version, &s);
    let actions = match &s.action {
        ActionSpec::Action(a) if size > MANAGED_POLICY_QUOTA && a.len() >= 2 => a.clone(),
        _ => return vec![s],
    };
    let (a, b) = actions.split_at(actions.len() / 2);
    let mut first = s.clone();
    first.action = ActionSpec::Action(a.to_vec());
    let mut second = s;
    second.action = ActionSpec::Action(b.to_vec());
    let mut out = fit(version, first);
    out.extend(fit(version, second));
    out
}

fn uses_variables(s: &Statement) -> bool {
    s.resource
        .as_ref()
        .is_some_and(|r| r.patterns().iter().any(|p| p.contains("${")))
        || s.condition.as_ref().is_some_and(|c| c.get().contains("${"))
}

/// How many of `held` the Allow statements of `docs` grant (actions only).
pub(crate) fn granted_by(catalog: &AwsCatalog, docs: &[PolicyDocument], held: &ActionSet) -> usize {
    let mut set = catalog.empty_set();
    for s in docs.iter().flat_map(|d| &d.statements) {
        if s.effect != Effect::Allow {
            continue;
        }
        let mut e = catalog.empty_set();
        for p in s.action.patterns() {
            e.union_with(&catalog.expand(p));
        }
        if matches!(s.action, ActionSpec::NotAction(_)) {
            e = e.complement(catalog.len());
        }
        set.union_with(&e);
    }
    set.intersect_with(held);
    set.len()
}
