//! `catalog show` and `catalog expand`: one action's facts, or what a pattern grants.

use super::{JobError, NotFound};
use crate::catalog::{ActionId, ActionSet, AwsCatalog, GcpCatalog, GcpRole};
use crate::model::PermissionId;

fn unknown(catalog: &AwsCatalog, name: &str) -> JobError {
    JobError::unknown_action(NotFound {
        name: name.to_string(),
        close: catalog
            .suggest(name, 3)
            .into_iter()
            .map(str::to_string)
            .collect(),
    })
}

/// What `catalog show` found.
#[derive(Debug, Clone, Copy)]
pub enum CatalogEntry {
    /// An AWS action.
    Aws(ActionId),
    /// A GCP permission (`storage.objects.get`).
    GcpPermission(PermissionId),
    /// A GCP predefined role (`roles/storage.objectViewer`).
    GcpRole(&'static GcpRole),
}

/// True for a name in GCP's style: `roles/…`, or dotted with no `:` (`storage.objects.get`,
/// `storage.objects.*`); AWS names and patterns have a `:` (or are `*`).
pub fn is_gcp_name(name: &str) -> bool {
    name.starts_with("roles/") || (!name.contains(':') && name.contains('.'))
}

/// The AWS action `name` (any casing), or the GCP permission or predefined role `name` (exact).
pub fn catalog_show(name: &str) -> Result<CatalogEntry, JobError> {
    if is_gcp_name(name) {
        let gcp = GcpCatalog::embedded();
        if let Some(r) = gcp.role(name) {
            return Ok(CatalogEntry::GcpRole(r));
        }
        return gcp
            .lookup(name)
            .map(CatalogEntry::GcpPermission)
            .ok_or_else(|| unknown_gcp(gcp, name));
    }
    let catalog = AwsCatalog::embedded();
    catalog
        .lookup(name)
        .map(CatalogEntry::Aws)
        .ok_or_else(|| unknown(catalog, name))
}

fn unknown_gcp(catalog: &GcpCatalog, name: &str) -> JobError {
    JobError::unknown_action(NotFound {
        name: name.to_string(),
        close: catalog
            .suggest(name, 3)
            .into_iter()
            .map(str::to_string)
            .collect(),
    })
}

/// The GCP permissions `pattern` (`storage.objects.*`) matches; an error when none.
pub fn catalog_expand_gcp(pattern: &str) -> Result<Vec<PermissionId>, JobError> {
    let gcp = GcpCatalog::embedded();
    let found = gcp.expand(pattern);
    if found.is_empty() {
        return Err(unknown_gcp(gcp, pattern));
    }
    Ok(found)
}

/// What a pattern expands to.
pub struct CatalogExpansion {
    /// The pattern as given.
    pub pattern: String,
    /// The actions it matches.
    pub actions: ActionSet,
}

/// The actions `pattern` matches; an error when none.
pub fn catalog_expand(pattern: &str) -> Result<CatalogExpansion, JobError> {
    let catalog = AwsCatalog::embedded();
    let actions = catalog.expand(pattern);
    if actions.is_empty() {
        return Err(unknown(catalog, pattern));
    }
    Ok(CatalogExpansion {
        pattern: pattern.to_string(),
        actions,
    })
}
