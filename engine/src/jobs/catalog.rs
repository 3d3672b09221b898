//! `catalog show` and `catalog expand`: one action's facts, or what a pattern grants.

use super::{JobError, NotFound};
use crate::catalog::{ActionId, ActionSet, AwsCatalog};

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

/// The action `name` (any casing).
pub fn catalog_show(name: &str) -> Result<ActionId, JobError> {
    let catalog = AwsCatalog::embedded();
    catalog.lookup(name).ok_or_else(|| unknown(catalog, name))
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
