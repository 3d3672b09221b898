//! `explain`: one principal's effective permissions, each with where it comes from.

use super::{JobError, NotFound};
use crate::catalog::{ActionId, ActionSet, AwsCatalog};
use crate::effective::{EffectivePermissions, Resolver};
use crate::ingest::aws_authz::{self, LoadReport};
use crate::model::time::Epoch;
use crate::model::{Coverage, CoverageMode, Logging, Question, Window};
use crate::usage::Store;
use std::collections::HashMap;
use std::path::PathBuf;

/// Whose permissions to explain.
pub struct ExplainRequest {
    /// Snapshots.
    pub snapshots: Vec<PathBuf>,
    /// Principal ARN, or a name that names one principal.
    pub principal: String,
    /// Only the actions matching this pattern.
    pub action: Option<String>,
    /// A usage store: adds, per held permission, whether and when it was last used.
    pub db: Option<PathBuf>,
    /// End of the usage window.
    pub now: Epoch,
    /// Days in the usage window.
    pub window_days: u32,
    /// Days of the window the logs must cover before absence of use is evidence.
    pub min_coverage_days: u32,
}

/// One held permission's use: the "last accessed" view.
#[derive(Debug, Clone)]
pub struct PermissionUse {
    /// The permission.
    pub action: ActionId,
    /// Its last allowed use the store knows (any time).
    pub last_used: Option<Epoch>,
    /// Allowed calls the store recorded.
    pub count: u64,
    /// Used within the window.
    pub in_window: bool,
    /// When not used in the window: whether the logs could have seen its use, and what they cover.
    pub coverage: Option<(bool, String)>,
}

/// Held versus used, from a usage store.
#[derive(Debug, Clone)]
pub struct LastAccessed {
    /// The window.
    pub window: Window,
    /// Every held permission (that `--action` matches), sorted by name.
    pub permissions: Vec<PermissionUse>,
}

/// A principal's effective permissions.
pub struct ExplainReport {
    /// The snapshots as loaded, with their problems.
    pub load: LoadReport,
    /// The principal's index in `load.inventory.principals`.
    pub principal: usize,
    /// What it holds.
    pub effective: EffectivePermissions,
    /// The actions `--action` matches.
    pub filter: Option<ActionSet>,
    /// Held versus used, when a store was given.
    pub last_accessed: Option<LastAccessed>,
    /// For a role: who may assume it.
    pub assumable_by: Option<AssumableBy>,
    /// Access resource-based policies of the snapshots grant the principal.
    pub resource_grants: Vec<ResourceGrant>,
}

/// Access a resource-based policy grants the principal.
#[derive(Debug, Clone)]
pub struct ResourceGrant {
    /// The resource whose policy it is.
    pub resource: String,
    /// How the statement names the principal: `itself` (its ARN; the statement alone grants),
    /// `directly` (`*` or its role), `account` (through its account: its own policies must allow too).
    pub naming: &'static str,
    /// The actions as written.
    pub actions: Vec<String>,
    /// The resources as written.
    pub resources: Vec<String>,
    /// True when the statement has conditions.
    pub conditional: bool,
    /// The statement.
    pub origin: crate::model::Origin,
}

/// Who may assume a role: what its trust policy names, and the principals of the snapshots whose
/// own policies (and SCPs) let them, decided by the whole evaluator.
#[derive(Debug, Clone)]
pub struct AssumableBy {
    /// (principal type, value) the trust policy's allowing statements name: `AWS`, `Service`,
    /// `Federated`, `CanonicalUser`.
    pub trusted: Vec<(String, String)>,
    /// Principals of the snapshots that can assume it, and whether only under conditions.
    pub callers: Vec<(String, bool)>,
}

impl ExplainReport {
    /// The principal explained.
    pub fn principal(&self) -> &crate::model::Principal {
        &self.load.inventory.principals[self.principal]
    }
}

/// Loads the snapshots, finds the principal and resolves what it holds.
pub fn explain(req: &ExplainRequest) -> Result<ExplainReport, (LoadReport, JobError)> {
    let catalog = AwsCatalog::embedded();
    let load = aws_authz::load_files(&req.snapshots);
    let inv = &load.inventory;
    let principal = match inv.find_principal(&req.principal) {
        Ok(p) => p,
        Err(candidates) if candidates.is_empty() => {
            let close: Vec<String> = inv
                .principals
                .iter()
                .map(|p| p.name.clone())
                .filter(|n| n.contains(&req.principal) || req.principal.contains(n.as_str()))
                .collect();
            let missing = NotFound {
                name: req.principal.clone(),
                close,
            };
            let e = JobError::UnknownPrincipal {
                hint: missing.hint(),
                name: missing.name,
                loaded: inv.principals.len(),
            };
            return Err((load, e));
        }
        Err(candidates) => {
            let e = JobError::AmbiguousPrincipal {
                name: req.principal.clone(),
                candidates: candidates.iter().map(|p| p.id.clone()).collect(),
            };
            return Err((load, e));
        }
    };
    let filter = match req.action.as_deref() {
        Some(p) => {
            let set = catalog.expand(p);
            if set.is_empty() {
                let close = catalog
                    .suggest(p, 3)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                return Err((
                    load,
                    JobError::unknown_action(NotFound {
                        name: p.to_string(),
                        close,
                    }),
                ));
            }
            Some(set)
        }
        None => None,
    };
    let effective = Resolver::new(catalog, inv).resolve(principal);
    let last_accessed = match &req.db {
        None => None,
        Some(db) if !db.exists() => {
            return Err((load, JobError::NoStore { path: db.clone() }));
        }
        Some(db) => {
            let mut held = effective.held(catalog);
            if let Some(f) = &filter {
                held.intersect_with(f);
            }
            match last_accessed(db, req, principal, &held) {
                Ok(l) => Some(l),
                Err(e) => return Err((load, e)),
            }
        }
    };
    let index = inv
        .principals
        .iter()
        .position(|p| p.id == principal.id)
        .unwrap_or_default();
    let assumable_by = assumable_by(inv, principal);
    let resource_grants = resource_grants(inv, catalog, principal);
    Ok(ExplainReport {
        principal: index,
        effective,
        filter,
        last_accessed,
        assumable_by,
        resource_grants,
        load,
    })
}

/// The allow statements of the snapshots' resource policies that name `p`: by its ARN (or, for a
/// role, a session's), as anyone, or through its account. One entry per statement, with the
/// closest way it names `p`.
fn resource_grants(
    inv: &crate::aws::Inventory,
    catalog: &AwsCatalog,
    p: &crate::model::Principal,
) -> Vec<ResourceGrant> {
    use crate::aws::resource_grants::{names_on_its_own, resource_grants, Grantee};
    use crate::model::PrincipalKind;
    let mut best: std::collections::BTreeMap<(String, usize), (u8, ResourceGrant)> =
        Default::default();
    for rg in resource_grants(inv, catalog, false) {
        let own = names_on_its_own(inv, &rg).filter(|(q, _)| q.id == p.id);
        let (rank, naming) = match (&rg.grantee, own) {
            (_, Some((_, session))) if session || p.kind == PrincipalKind::User => (3, "itself"),
            (_, Some(_)) => (2, "directly"),
            (Grantee::Principal { arn, .. }, None) if *arn == p.id => (2, "directly"),
            (Grantee::Anyone, _) => (2, "directly"),
            (Grantee::Account(a), _) if *a == p.scope => (1, "account"),
            _ => continue,
        };
        let g = &rg.grant;
        let entry = ResourceGrant {
            resource: rg.resource.clone(),
            naming,
            actions: match &g.action_spec {
                crate::model::Actions::Action(a) => a.clone(),
                crate::model::Actions::NotAction(a) => {
                    vec![format!("NotAction {}", a.join(", "))]
                }
            },
            resources: match &g.resources {
                crate::model::ResourceScope::Patterns(r) => r.clone(),
                other => vec![other.to_string()],
            },
            conditional: g.conditional,
            origin: g.origin.clone(),
        };
        let key = (rg.resource.clone(), g.origin.statement);
        if best.get(&key).is_none_or(|(r, _)| *r < rank) {
            best.insert(key, (rank, entry));
        }
    }
    best.into_values().map(|(_, g)| g).collect()
}

/// Who may assume `role`: its trust policy's principals, and every user and role of `inv` the
/// whole decision allows `sts:AssumeRole` on it.
fn assumable_by(
    inv: &crate::aws::Inventory,
    role: &crate::model::Principal,
) -> Option<AssumableBy> {
    use crate::aws::policy::{
        decide, Caller, Chain, Decision, Effect, Named, PrincipalSpec, Request, RequestContext,
    };
    use crate::model::{OrgPolicyKind, PrincipalKind};
    let trust = inv.policies.get(role.trust_policy.as_ref()?)?;
    let mut trusted = Vec::new();
    for s in trust
        .document
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        if let Some(PrincipalSpec::Principal(map)) = &s.principal {
            for (kind, values) in map {
                trusted.extend(values.iter().map(|v| (kind.clone(), v.clone())));
            }
        }
    }
    trusted.sort();
    trusted.dedup();
    let mut callers = Vec::new();
    for c in inv
        .principals
        .iter()
        .filter(|c| c.kind != PrincipalKind::Group)
    {
        let held = inv.held_by(c);
        let boundary = c.boundary.as_ref().and_then(|b| inv.policies.get(b));
        let scps: Vec<Vec<Named>> = inv
            .organization
            .as_ref()
            .and_then(|o| o.levels(&c.scope, OrgPolicyKind::ServiceControl))
            .map(|levels| {
                levels
                    .iter()
                    .map(|l| {
                        l.iter()
                            .map(|p| Named {
                                name: &p.name,
                                document: &p.document,
                            })
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let chain = Chain {
            caller: Some(Caller::Iam {
                arn: c.id.clone(),
                account: c.scope.clone(),
            }),
            resource_account: Some(role.scope.clone()),
            identity: held
                .iter()
                .map(|(p, _)| Named {
                    name: &p.name,
                    document: &p.document,
                })
                .collect(),
            boundary: boundary.map(|b| Named {
                name: &b.name,
                document: &b.document,
            }),
            scps,
            resource_policy: Some(Named {
                name: &trust.name,
                document: &trust.document,
            }),
            management_account: inv
                .organization
                .as_ref()
                .is_some_and(|o| o.management_account.as_deref() == Some(c.scope.as_str())),
            ..Chain::default()
        };
        let mut context = RequestContext::default();
        context.insert("aws:PrincipalArn", &c.id);
        context.insert("aws:PrincipalAccount", &c.scope);
        let req = Request {
            action: "sts:AssumeRole".into(),
            resource: role.id.clone(),
            context,
        };
        match decide(&req, &chain).decision {
            Decision::Allowed => callers.push((c.id.clone(), false)),
            Decision::Conditional => callers.push((c.id.clone(), true)),
            _ => {}
        }
    }
    Some(AssumableBy { trusted, callers })
}

/// Per held permission, its use as the store at `db` records it, and what coverage says of
/// the ones not used in the window.
fn last_accessed(
    db: &std::path::Path,
    req: &ExplainRequest,
    principal: &crate::model::Principal,
    held: &ActionSet,
) -> Result<LastAccessed, JobError> {
    let catalog = AwsCatalog::embedded();
    let store = Store::open_read_only(db)?;
    let window = Window::ending(req.now, req.window_days);
    let mut used: HashMap<ActionId, (Epoch, u64)> = HashMap::new();
    for row in store.usage_rows(Some(&principal.id), None)? {
        let (Some(at), Some(a)) = (row.last_seen, catalog.lookup(&row.permission)) else {
            continue;
        };
        let e = used.entry(a).or_insert((at, 0));
        e.0 = e.0.max(at);
        e.1 += row.count;
    }
    let cells = store.coverage(window.first, window.last)?;
    let coverage = Coverage::new(&cells, CoverageMode::PerScope);
    let mut vouches: HashMap<(&str, Logging), (bool, String)> = HashMap::new();
    let mut permissions: Vec<PermissionUse> = held
        .iter()
        .map(|a| {
            let (last_used, count) = used.get(&a).map_or((None, 0), |(t, n)| (Some(*t), *n));
            let in_window = last_used.is_some_and(|t| t >= window.since && t <= window.now);
            let coverage = (!in_window).then(|| {
                let action = catalog.action(a);
                let logging = catalog.logging(a);
                vouches
                    .entry((action.prefix(), logging))
                    .or_insert_with(|| {
                        let v = coverage.vouch(&Question {
                            provider: principal.provider,
                            scope: &principal.scope,
                            location: None,
                            service: action.prefix(),
                            logging,
                            first: window.first,
                            last: window.last,
                        });
                        (v.vouches(req.min_coverage_days), v.words())
                    })
                    .clone()
            });
            PermissionUse {
                action: a,
                last_used,
                count,
                in_window,
                coverage,
            }
        })
        .collect();
    permissions.sort_by(|a, b| {
        catalog
            .action(a.action)
            .name
            .cmp(&catalog.action(b.action).name)
    });
    Ok(LastAccessed {
        window,
        permissions,
    })
}
