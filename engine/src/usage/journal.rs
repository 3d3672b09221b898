//! The activity journal in the store: the events of high-risk classes, kept whole (the record
//! compressed) beside the aggregates, one row per event id — an event read again, from another
//! file, is kept once. Written in the same transaction as the usage it came with; pruned by age
//! (`retention-days`) while the aggregates stay.

use super::store::{Store, StoreError};
use crate::model::time::Epoch;
use crate::model::{JournalEntry, Provider};
use rusqlite::{params, Transaction};

/// The journal's table, created in every store this whittle opens for writing (a store from
/// before the journal gains it, empty; older whittles ignore it).
pub(super) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS journal (
  provider TEXT NOT NULL, event_id TEXT NOT NULL, time INTEGER NOT NULL,
  principal TEXT NOT NULL, actor TEXT, operation TEXT NOT NULL,
  scope TEXT NOT NULL, location TEXT NOT NULL,
  resources TEXT NOT NULL, classes TEXT NOT NULL,
  error_code TEXT, denied INTEGER NOT NULL, source_ip TEXT, record BLOB NOT NULL,
  PRIMARY KEY (provider, event_id));
CREATE INDEX IF NOT EXISTS journal_time ON journal(time);
CREATE INDEX IF NOT EXISTS journal_principal ON journal(principal, time);
"#;

/// Adds `entries` (those already kept are left as they are); how many were new.
pub(super) fn insert(tx: &Transaction<'_>, entries: &[JournalEntry]) -> rusqlite::Result<u64> {
    if entries.is_empty() {
        return Ok(0);
    }
    let mut st = tx.prepare_cached(
        "INSERT OR IGNORE INTO journal(provider, event_id, time, principal, actor, operation, scope,
           location, resources, classes, error_code, denied, source_ip, record)
         VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    let mut added = 0;
    for e in entries {
        added += st.execute(params![
            e.provider.as_str(),
            e.event_id,
            e.time,
            e.principal,
            e.actor,
            e.operation,
            e.scope,
            e.location,
            e.resources.join("\n"),
            e.classes.join(","),
            e.error_code,
            e.denied,
            e.source_ip,
            e.record,
        ])? as u64;
    }
    Ok(added)
}

/// Which journal entries a query wants. Patterns use `*` and `?`.
#[derive(Debug, Clone, Default)]
pub struct JournalQuery {
    /// Principal ARN (or the person behind a session) pattern.
    pub principal: Option<String>,
    /// `service:Operation` pattern (case-insensitive).
    pub operation: Option<String>,
    /// Resource ARN pattern: some resource of the event matches.
    pub resource: Option<String>,
    /// From this time on (inclusive).
    pub since: Option<Epoch>,
    /// Before this time (exclusive).
    pub until: Option<Epoch>,
    /// Of this class.
    pub class: Option<String>,
}

impl JournalQuery {
    fn keeps(&self, e: &JournalEntry) -> bool {
        let m = |p: &Option<String>, text: &str, fold: bool| {
            p.as_ref()
                .is_none_or(|p| crate::glob::matches(p, text, fold))
        };
        (m(&self.principal, &e.principal, false)
            || e.actor
                .as_deref()
                .is_some_and(|a| m(&self.principal, a, false)))
            && m(&self.operation, &e.operation, true)
            && self.resource.as_ref().is_none_or(|p| {
                e.resources
                    .iter()
                    .any(|r| crate::glob::matches(p, r, false))
            })
            && self
                .class
                .as_ref()
                .is_none_or(|c| e.classes.iter().any(|x| x == c))
    }
}

impl Store {
    /// Journal entries matching `q`, oldest first.
    pub fn journal(&self, q: &JournalQuery) -> Result<Vec<JournalEntry>, StoreError> {
        if !self.has_table("journal")? {
            return Ok(Vec::new());
        }
        let rows: Vec<JournalEntry> = self.query(
            "SELECT provider, event_id, time, principal, actor, operation, scope, location,
                    resources, classes, error_code, denied, source_ip, record
             FROM journal WHERE time >= ?1 AND time < ?2 ORDER BY time, event_id",
            params![q.since.unwrap_or(i64::MIN), q.until.unwrap_or(i64::MAX)],
            |r| {
                let list = |s: String, sep: char| -> Vec<String> {
                    s.split(sep)
                        .filter(|x| !x.is_empty())
                        .map(str::to_string)
                        .collect()
                };
                Ok(JournalEntry {
                    provider: Provider::parse(&r.get::<_, String>(0)?).unwrap_or(Provider::Aws),
                    event_id: r.get(1)?,
                    time: r.get(2)?,
                    principal: r.get(3)?,
                    actor: r.get(4)?,
                    operation: r.get(5)?,
                    scope: r.get(6)?,
                    location: r.get(7)?,
                    resources: list(r.get(8)?, '\n'),
                    classes: list(r.get(9)?, ','),
                    error_code: r.get(10)?,
                    denied: r.get(11)?,
                    source_ip: r.get(12)?,
                    record: r.get(13)?,
                    owner: None,
                })
            },
        )?;
        Ok(rows.into_iter().filter(|e| q.keeps(e)).collect())
    }

    /// Removes journal entries older than `cutoff`; how many. Aggregates are not touched.
    pub fn prune_journal(&mut self, cutoff: Epoch) -> Result<u64, StoreError> {
        if !self.has_table("journal")? {
            return Ok(0);
        }
        self.execute("DELETE FROM journal WHERE time < ?1", params![cutoff])
    }

    /// Entries in the journal, and the first and last time.
    pub fn journal_span(&self) -> Result<(u64, Option<Epoch>, Option<Epoch>), StoreError> {
        if !self.has_table("journal")? {
            return Ok((0, None, None));
        }
        let rows: Vec<(u64, Option<Epoch>, Option<Epoch>)> = self.query(
            "SELECT count(*), min(time), max(time) FROM journal",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?)),
        )?;
        Ok(rows.into_iter().next().unwrap_or((0, None, None)))
    }
}
