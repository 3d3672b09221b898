//! `inventory`: what snapshots hold, who is admin-equivalent, and the action names no catalog knows.

use crate::catalog::AwsCatalog;
use crate::effective::{unknown_actions, Resolver, UnknownAction};
use crate::ingest::aws_authz::{self, LoadReport};
use crate::model::PrincipalKind;
use crate::summary::{admin_equivalence, count, AdminEquivalent, Counts};
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
    let mut resolver = Resolver::new(catalog, inv);
    let admins = inv
        .principals
        .iter()
        .filter(|p| p.kind != PrincipalKind::Group)
        .filter_map(|p| admin_equivalence(catalog, p, &resolver.resolve(p)))
        .collect();
    let unknown = unknown_actions(catalog, inv);
    InventoryReport {
        counts: count(inv),
        admins,
        unknown,
        load,
    }
}
