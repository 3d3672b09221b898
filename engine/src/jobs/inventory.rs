//! `inventory`: what snapshots hold, who is admin-equivalent, and the action names no catalog knows.

use crate::catalog::AwsCatalog;
use crate::effective::{unknown_actions, Resolver, UnknownAction};
use crate::ingest::aws_authz::{self, LoadReport};
use crate::model::PrincipalKind;
use crate::progress::{Silent, Stages, Unit};
use crate::summary::{admin_equivalence, count, AdminEquivalent, Counts};
use rayon::prelude::*;
use std::path::PathBuf;

/// What the GCP exports among the snapshots hold.
pub struct GcpInventory {
    /// The exports as loaded, with their problems.
    pub load: crate::ingest::gcp_iam::LoadReport,
    /// Their summary, as of now.
    pub summary: crate::gcp::summary::GcpSummary,
}

/// What the Azure exports among the snapshots hold.
pub struct AzureInventory {
    /// The exports as loaded, with their problems.
    pub load: crate::ingest::azure_rbac::LoadReport,
    /// Their summary.
    pub summary: crate::azure::summary::AzureSummary,
}

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
    /// The GCP exports among the snapshots (recognised by content), when there were some.
    pub gcp: Option<GcpInventory>,
    /// The Azure exports among the snapshots (recognised by content), when there were some.
    pub azure: Option<AzureInventory>,
}

impl InventoryReport {
    /// True when some input could not be used.
    pub fn has_errors(&self) -> bool {
        !self.load.errors.is_empty()
            || self.gcp.as_ref().is_some_and(|g| !g.load.errors.is_empty())
            || self
                .azure
                .as_ref()
                .is_some_and(|a| !a.load.errors.is_empty())
    }
}

/// Loads `snapshots` and sums them up.
pub fn inventory(snapshots: &[PathBuf]) -> InventoryReport {
    inventory_reporting(snapshots, &Silent)
}

/// [`inventory`], telling `progress` how far loading and resolving are.
pub fn inventory_reporting(snapshots: &[PathBuf], progress: &dyn Stages) -> InventoryReport {
    let crate::ingest::recognize::SnapshotFiles { gcp, azure, aws } =
        crate::ingest::recognize::by_cloud(snapshots);
    let mut report =
        inventory_of_reporting(aws_authz::load_files_reporting(&aws, progress), progress);
    if !gcp.is_empty() {
        let load = crate::ingest::gcp_iam::load_files(&gcp);
        let summary = crate::gcp::summary::summarize(&load.snapshot, crate::model::time::now());
        report.gcp = Some(GcpInventory { load, summary });
    }
    if !azure.is_empty() {
        let load = crate::ingest::azure_rbac::load_files(&azure);
        let summary = crate::azure::summary::summarize(&load.snapshot);
        report.azure = Some(AzureInventory { load, summary });
    }
    report
}

/// Sums up snapshots already loaded.
pub fn inventory_of(load: LoadReport) -> InventoryReport {
    inventory_of_reporting(load, &Silent)
}

fn inventory_of_reporting(load: LoadReport, progress: &dyn Stages) -> InventoryReport {
    let catalog = AwsCatalog::embedded();
    let inv = &load.inventory;
    let actors = inv
        .principals
        .iter()
        .filter(|p| p.kind != PrincipalKind::Group)
        .count();
    progress.stage("resolving principals", actors as u64, Unit::Items);
    // One resolver (and its caches) per worker thread; results keep the principals' order.
    let admins = inv
        .principals
        .par_iter()
        .filter(|p| p.kind != PrincipalKind::Group)
        .map_init(
            || Resolver::new(catalog, inv),
            |resolver, p| {
                let admin = admin_equivalence(catalog, p, &resolver.resolve(p));
                progress.advance(1);
                admin
            },
        )
        .flatten_iter()
        .collect();
    let unknown = unknown_actions(catalog, inv);
    InventoryReport {
        counts: count(inv),
        admins,
        unknown,
        load,
        gcp: None,
        azure: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Keeps every stage with the units advanced in it.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<(String, u64, Unit, u64)>>);

    impl Stages for Recorder {
        fn stage(&self, what: &str, total: u64, unit: Unit) {
            self.0
                .lock()
                .expect("lock")
                .push((what.into(), total, unit, 0));
        }
        fn advance(&self, n: u64) {
            self.0.lock().expect("lock").last_mut().expect("a stage").3 += n;
        }
    }

    #[test]
    fn progress_counts_every_byte_read_and_every_principal_resolved() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata");
        let snapshot = root.join("demo/snapshot/authorization-details.json");
        let missing = root.join("demo/snapshot/no-such-file.json");
        let bytes = std::fs::metadata(&snapshot).expect("fixture").len();
        let recorder = Recorder::default();
        let r = inventory_reporting(&[snapshot, missing], &recorder);
        let actors = r
            .load
            .inventory
            .principals
            .iter()
            .filter(|p| p.kind != PrincipalKind::Group)
            .count() as u64;
        assert!(actors > 0);
        assert_eq!(
            *recorder.0.lock().expect("lock"),
            vec![
                ("reading snapshots".into(), bytes, Unit::Bytes, bytes),
                ("resolving principals".into(), actors, Unit::Items, actors),
            ]
        );
    }
}
