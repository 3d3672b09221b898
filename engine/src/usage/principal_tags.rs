//! The tags of principals, as the last snapshot given to `ingest --snapshot` had them: what
//! names their owners (`team`, `owner`, …) for alerts and `events` when no snapshot is at hand.

use super::store::{Store, StoreError};
use crate::model::time::Epoch;
use rusqlite::params;
use std::collections::{BTreeMap, HashMap};

/// Principal ARN → tags.
pub type PrincipalTags = HashMap<String, BTreeMap<String, String>>;

pub(super) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS principal_tags (
  principal TEXT PRIMARY KEY, tags TEXT NOT NULL, recorded_at INTEGER NOT NULL) WITHOUT ROWID;
"#;

impl Store {
    /// Records the tags of `principals` (replacing what an earlier snapshot said of them, a tag
    /// removed since included), in one transaction.
    pub fn record_principal_tags<'a>(
        &mut self,
        principals: impl IntoIterator<Item = (&'a str, &'a BTreeMap<String, String>)>,
        now: Epoch,
    ) -> Result<usize, StoreError> {
        let rows: Vec<(&str, String)> = principals
            .into_iter()
            .map(|(p, tags)| {
                (
                    p,
                    serde_json::to_string(tags).unwrap_or_else(|_| "{}".into()),
                )
            })
            .collect();
        self.in_transaction(|tx| {
            let mut st = tx.prepare_cached(
                "INSERT OR REPLACE INTO principal_tags(principal, tags, recorded_at) VALUES(?1, ?2, ?3)",
            )?;
            for (p, tags) in &rows {
                st.execute(params![p, tags, now])?;
            }
            Ok(rows.len())
        })
    }

    /// The tags recorded (none for a store from before they were kept).
    pub fn principal_tags(&self) -> Result<PrincipalTags, StoreError> {
        if !self.has_table("principal_tags")? {
            return Ok(PrincipalTags::new());
        }
        let rows: Vec<(String, String)> =
            self.query("SELECT principal, tags FROM principal_tags", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        Ok(rows
            .into_iter()
            .map(|(p, t)| (p, serde_json::from_str(&t).unwrap_or_default()))
            .collect())
    }
}
