//! What loading snapshots produced besides the inventory.

use crate::aws::Inventory;
use crate::source::InputError;
use std::collections::BTreeSet;

/// The merged inventory and every problem met on the way.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// The inventory built from everything that parsed.
    pub inventory: Inventory,
    /// Input that could not be used (the rest still loaded).
    pub errors: Vec<InputError>,
    /// Input that was used with a caveat (unknown fields, missing referenced policies).
    pub warnings: Vec<InputError>,
    /// Managed policies referenced but not present: their grants are unknown.
    pub missing_policies: BTreeSet<String>,
    /// Files read successfully.
    pub files: usize,
}
