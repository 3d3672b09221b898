//! Which held statement keeps which permission, on which resources: every allowed call seen in
//! the window is kept by the narrowest statement that surely allowed it (or by every statement
//! that may have, when each depends on conditions); permissions a keep rule retains or the logs
//! could not have seen stay, as granted, in every statement that grants them; the rest is
//! removed, with its evidence.

use super::{EarlierUse, Held, Kept, KeptBecause, NotGranted, ProposeInput, Removed};
use crate::catalog::{ActionId, ActionSet};
use crate::model::{Grant, LogClass, Logging, Question, ResourceScope};
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// On which resources a statement keeps a permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// As the statement grants it.
    Granted,
    /// These observed resource ARNs.
    Arns(BTreeSet<String>),
}

impl Scope {
    fn add(&mut self, other: Scope) {
        match (&mut *self, other) {
            (Scope::Granted, _) => {}
            (_, Scope::Granted) => *self = Scope::Granted,
            (Scope::Arns(a), Scope::Arns(b)) => a.extend(b),
        }
    }
}

/// The outcome of assignment.
pub(crate) struct Plan {
    /// Everything the principal effectively holds.
    pub held: ActionSet,
    /// Of that, what it used in the window.
    pub used: ActionSet,
    /// Per held statement (same order as the `held` slice), what it keeps.
    pub keep: Vec<BTreeMap<ActionId, Scope>>,
    /// The allowed calls seen in the window that the identity policies allow: (permission,
    /// resource or `*`).
    pub calls: Vec<(ActionId, String)>,
    pub removed: Vec<Removed>,
    pub kept: Vec<Kept>,
    pub not_granted: Vec<NotGranted>,
    pub inactive: bool,
}

/// Whether resource `r` (an ARN, or `*` when unknown) may be one `scope` covers.
pub(crate) fn scope_matches(scope: &ResourceScope, r: &str) -> bool {
    let hit = |pats: &[String]| {
        pats.iter()
            .any(|p| p.contains("${") || crate::glob::matches(p, r, false))
    };
    match scope {
        ResourceScope::Any => true,
        _ if r == "*" => true,
        ResourceScope::Patterns(p) => hit(p),
        ResourceScope::Except(p) => !pats_match_literally(p, r),
    }
}

fn pats_match_literally(pats: &[String], r: &str) -> bool {
    pats.iter().any(|p| crate::glob::matches(p, r, false))
}

/// (held statement index, grant index) pairs whose grant holds `a` on resource `r`.
fn candidates(held: &[Held<'_>], grants: &[Grant], a: ActionId, r: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (h, s) in held.iter().enumerate() {
        for &g in &s.grants {
            let grant = &grants[g];
            if grant.actions.contains(a) && scope_matches(&grant.resources, r) {
                out.push((h, g));
                break;
            }
        }
    }
    out
}

/// The statements to keep a call of a known resource in: the narrowest that surely allowed it,
/// or, when every candidate depends on conditions, all of them.
fn pick_for_resource(grants: &[Grant], cands: &[(usize, usize)]) -> Vec<usize> {
    let best = cands
        .iter()
        .filter(|(_, g)| !grants[*g].conditional)
        .min_by_key(|(h, g)| (grants[*g].actions.len(), *h));
    match best {
        Some((h, _)) => vec![*h],
        None => cands.iter().map(|(h, _)| *h).collect(),
    }
}

/// The statements to keep a permission in when the resource is unknown: every candidate whose
/// resources no other, unconditional candidate covers — so the permission stays wherever it
/// could have been used.
fn pick_maximal(grants: &[Grant], cands: &[(usize, usize)]) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, (h, g)) in cands.iter().enumerate() {
        let covered = cands.iter().enumerate().any(|(j, (_, d))| {
            j != i
                && !grants[*d].conditional
                && crate::effective::covers(&grants[*d].resources, &grants[*g].resources)
                && (j < i
                    || !crate::effective::covers(&grants[*g].resources, &grants[*d].resources))
        });
        if !covered {
            out.push(*h);
        }
    }
    out
}

/// Decides what each held statement keeps.
pub(crate) fn assign(input: &ProposeInput<'_>, held: &[Held<'_>]) -> Plan {
    let catalog = input.catalog;
    let grants = &input.effective.grants;
    let mut all = catalog.empty_set();
    for g in grants {
        all.union_with(&g.actions);
    }
    let mut keep: Vec<BTreeMap<ActionId, Scope>> = vec![BTreeMap::new(); held.len()];
    let mut used = catalog.empty_set();
    let mut calls = Vec::new();
    let mut not_granted = Vec::new();
    let mut earlier: HashMap<ActionId, EarlierUse> = HashMap::new();
    let mut any_in_window = false;

    for o in input.observations {
        let Some(a) = catalog.lookup(&o.permission) else {
            continue;
        };
        if o.last_seen < input.window.since || o.last_seen > input.window.now {
            if o.last_seen < input.window.since {
                let e = earlier.entry(a).or_insert(EarlierUse {
                    permission: catalog.action(a).name.clone(),
                    last_seen: o.last_seen,
                    count: 0,
                });
                e.last_seen = e.last_seen.max(o.last_seen);
                e.count += o.count;
            }
            continue;
        }
        any_in_window = true;
        let unknown = o.resource == "*" || !catalog.action(a).scopable();
        let r = if unknown { "*" } else { o.resource.as_str() };
        let cands = candidates(held, grants, a, r);
        if cands.is_empty() {
            not_granted.push(NotGranted {
                permission: catalog.action(a).name.clone(),
                resource: o.resource.clone(),
                last_seen: o.last_seen,
            });
            continue;
        }
        used.insert(a);
        calls.push((a, r.to_string()));
        // an ARN with glob characters in it would act as a pattern: keep as granted
        let literal = !r.contains(['*', '?']);
        let (picks, scope) = if unknown || !literal {
            (pick_maximal(grants, &cands), Scope::Granted)
        } else {
            (
                pick_for_resource(grants, &cands),
                Scope::Arns(BTreeSet::from([r.to_string()])),
            )
        };
        for h in picks {
            match keep[h].entry(a) {
                Entry::Vacant(v) => {
                    v.insert(scope.clone());
                }
                Entry::Occupied(o) => o.into_mut().add(scope.clone()),
            }
        }
    }

    // What keep rules retain and what the logs could not have seen stays, as granted.
    let mut kept: BTreeMap<KeptBecause, Vec<String>> = BTreeMap::new();
    let mut removed: BTreeMap<(String, String), Removed> = BTreeMap::new();
    let mut keep_sets: Vec<(ActionSet, KeptBecause)> = Vec::new();
    for k in input.keep {
        let mut set = catalog.empty_set();
        for p in &k.actions {
            set.union_with(&catalog.expand(p));
        }
        keep_sets.push((
            set,
            KeptBecause::Keep {
                justification: k.reason.clone(),
                at: k.at.clone(),
            },
        ));
    }
    let mut vouches: HashMap<(&str, Logging), (bool, String)> = HashMap::new();
    let mut kept_set = used.clone();
    let mut checked_inside = Vec::new();
    let mut remove =
        |a: ActionId, coverage: String, earlier: &mut HashMap<ActionId, EarlierUse>| {
            let action = catalog.action(a);
            let r = removed
                .entry((action.prefix().to_string(), coverage.clone()))
                .or_insert_with(|| Removed {
                    service: action.prefix().to_string(),
                    coverage,
                    permissions: Vec::new(),
                    earlier_use: Vec::new(),
                });
            r.permissions.push(action.name.clone());
            if let Some(e) = earlier.remove(&a) {
                r.earlier_use.push(e);
            }
        };
    for a in all.iter() {
        if used.contains(a) {
            continue;
        }
        let action = catalog.action(a);
        let why = match keep_sets.iter().find(|(s, _)| s.contains(a)) {
            Some((_, because)) => because.clone(),
            None if catalog.checked_inside(a).is_some() => {
                checked_inside.push(a);
                continue;
            }
            None => {
                let logging = catalog.logging(a);
                let (vouched, words) = vouches
                    .entry((action.prefix(), logging))
                    .or_insert_with(|| {
                        let v = input.coverage.vouch(&Question {
                            provider: input.principal.provider,
                            scope: &input.principal.scope,
                            location: None,
                            service: action.prefix(),
                            logging,
                            first: input.window.first,
                            last: input.window.last,
                        });
                        (v.vouches(input.min_coverage_days), v.words())
                    })
                    .clone();
                if vouched {
                    remove(a, words, &mut earlier);
                    continue;
                }
                KeptBecause::NotObservable { coverage: words }
            }
        };
        kept_set.insert(a);
        kept.entry(why).or_default().push(action.name.clone());
        // kept without evidence of use: stays in every statement that grants it, so that with
        // no evidence nothing moves
        for (h, _) in candidates(held, grants, a, "*") {
            keep[h].insert(a, Scope::Granted);
        }
    }
    // permissions AWS checks only inside other calls follow those calls
    for a in checked_inside {
        let hosts = catalog.checked_inside(a).unwrap_or_default();
        let kept_host = hosts
            .iter()
            .find(|h| catalog.lookup(h).is_some_and(|h| kept_set.contains(h)));
        match kept_host {
            None => remove(
                a,
                format!(
                    "AWS checks it only inside {}, none of which is kept",
                    hosts.join(", ")
                ),
                &mut earlier,
            ),
            Some(host) => {
                let why = KeptBecause::NotObservable {
                    coverage: format!(
                        "AWS checks it inside {host}, which is kept, and never logs it"
                    ),
                };
                kept.entry(why)
                    .or_default()
                    .push(catalog.action(a).name.clone());
                for (h, _) in candidates(held, grants, a, "*") {
                    keep[h].insert(a, Scope::Granted);
                }
            }
        }
    }
    for r in removed.values_mut() {
        r.permissions.sort();
        r.earlier_use
            .sort_by(|a, b| a.permission.cmp(&b.permission));
    }
    let mut kept: Vec<Kept> = kept
        .into_iter()
        .map(|(because, mut permissions)| {
            permissions.sort();
            Kept {
                because,
                permissions,
            }
        })
        .collect();
    kept.sort_by(|a, b| a.because.cmp(&b.because));
    not_granted.sort_by(|a, b| (&a.permission, &a.resource).cmp(&(&b.permission, &b.resource)));
    calls.sort();
    calls.dedup();

    // the snapshot's own "last used" (RoleLastUsed) covers regions and accounts the logs may not
    let used_per_snapshot = input
        .principal
        .last_used
        .as_deref()
        .and_then(crate::model::time::parse_time)
        .is_some_and(|t| t >= input.window.since);
    let inactive = !any_in_window && !used_per_snapshot && {
        let v = input.coverage.vouch(&Question {
            provider: input.principal.provider,
            scope: &input.principal.scope,
            location: None,
            service: "sts",
            logging: Logging::Logged(LogClass::Management),
            first: input.window.first,
            last: input.window.last,
        });
        v.vouches(input.min_coverage_days)
    };
    Plan {
        held: all,
        used,
        keep,
        calls,
        removed: removed.into_values().collect(),
        kept,
        not_granted,
        inactive,
    }
}
