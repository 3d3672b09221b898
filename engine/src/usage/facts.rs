//! Loading an evaluation's usage facts from the store: the only place `check` reads usage. The
//! facts are built by [`UsageFacts::build`], as rule tests build theirs.

use super::store::{Store, StoreError};
use crate::model::{CoverageMode, UsageFacts, UsageRecord, Window};

/// The facts for `window`, coverage counted as `mode` says.
pub fn load_facts(
    store: &Store,
    window: Window,
    mode: CoverageMode,
) -> Result<UsageFacts, StoreError> {
    let records = store.last_used_since(window.since)?.into_iter().map(
        |(principal, permission, last_seen)| UsageRecord {
            principal,
            permission,
            resource: "*".into(),
            last_seen,
        },
    );
    let cells = store.coverage(window.first, window.last)?;
    Ok(UsageFacts::build(window, records, &cells, mode))
}
