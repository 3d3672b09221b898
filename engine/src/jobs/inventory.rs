//! `inventory`: what snapshots hold, who is admin-equivalent, and the action names no catalog knows.

use crate::catalog::AwsCatalog;
use crate::effective::{unknown_actions, Resolver, UnknownAction};
use crate::ingest::aws_authz::{self, LoadReport};
use crate::model::PrincipalKind;
use crate::summary::{admin_equivalence, count, AdminEquivalent, Counts};
use rayon::prelude::*;
use std::path::PathBuf;

/// What an inventory found.
pub struct InventoryReport {
    /// The snapshots as loaded, with their problems.
    pub load: LoadReport,
    /// Counts of principals and policies.
    pub counts: Counts,
    /// Principals with admin-equivalent access.
    pub admins: Vec<AdminEquivalent>,
    /// Action patterns the catalog does not know, once per statement.
    pub unknown: Vec<UnknownAction>,
}

/// Loads `snapshots` and sums them up.
pub fn inventory(snapshots: &[PathBuf]) -> InventoryReport {
    inventory_of(aws_authz::load_files(snapshots))
}

/// Sums up snapshots already loaded.
pub fn inventory_of(load: LoadReport) -> InventoryReport {
    let catalog = AwsCatalog::embedded();
    let inv = &load.inventory;
    // One resolver (and its caches) per worker thread; results keep the principals' order.
    let admins = inv
        .principals
        .par_iter()
        .filter(|p| p.kind != PrincipalKind::Group)
        .map_init(
            || Resolver::new(catalog, inv),
            |resolver, p| admin_equivalence(catalog, p, &resolver.resolve(p)),
        )
        .flatten_iter()
        .collect();
    let unknown = unknown_actions(catalog, inv);
    InventoryReport {
        counts: count(inv),
        admins,
        unknown,
        load,
    }
}
