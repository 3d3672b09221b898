//! `explain`: one principal's effective permissions, each with where it comes from.

use super::{JobError, NotFound};
use crate::catalog::{ActionSet, AwsCatalog};
use crate::effective::{EffectivePermissions, Resolver};
use crate::ingest::aws_authz::{self, LoadReport};
use std::path::PathBuf;

/// Whose permissions to explain.
pub struct ExplainRequest {
    /// Snapshots.
    pub snapshots: Vec<PathBuf>,
    /// Principal ARN, or a name that names one principal.
    pub principal: String,
    /// Only the actions matching this pattern.
    pub action: Option<String>,
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
    let index = inv
        .principals
        .iter()
        .position(|p| p.id == principal.id)
        .unwrap_or_default();
    Ok(ExplainReport {
        principal: index,
        effective,
        filter,
        load,
    })
}
