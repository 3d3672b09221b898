//! The usage store: an embedded SQLite file. One transaction per commit holds both the usage
//! deltas and the names of the log objects they came from, so a run killed at any moment leaves
//! either all or none of a commit: re-running adds exactly what is missing.
//!
//! Schema (version 1) — see docs/usage.md for the full description:
//! `principals(id, arn, kind)`, `actions(id, name)`, `resources(id, arn)`,
//! `usage(principal, action, resource, first_seen, last_seen, count, denied, denied_last)`,
//! `sessions`, `unmapped`, `permissionless`, `coverage_days`, `coverage_services`, `log_objects`,
//! and the view `usage_view` with names and ISO times.

use super::aggregate::{Batch, Epoch, Stats, Tally};
use crate::catalog::{ActionId, AwsCatalog};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Transaction};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// How long to wait for a lock another connection holds.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Schema version this build reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS principals (id INTEGER PRIMARY KEY, arn TEXT NOT NULL, kind TEXT NOT NULL, collisions INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS principals_arn ON principals(arn);
CREATE TABLE IF NOT EXISTS actions (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS resources (id INTEGER PRIMARY KEY, arn TEXT NOT NULL, collisions INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS usage (
  principal INTEGER NOT NULL REFERENCES principals(id),
  action INTEGER NOT NULL REFERENCES actions(id),
  resource INTEGER NOT NULL REFERENCES resources(id),
  first_seen INTEGER, last_seen INTEGER,
  count INTEGER NOT NULL, denied INTEGER NOT NULL, denied_last INTEGER,
  PRIMARY KEY (principal, action, resource)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
  principal INTEGER NOT NULL REFERENCES principals(id), session_id INTEGER NOT NULL, session TEXT NOT NULL,
  count INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  PRIMARY KEY (principal, session_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unmapped (
  event_source TEXT NOT NULL, event_name TEXT NOT NULL, count INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  PRIMARY KEY (event_source, event_name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS permissionless (
  event_source TEXT NOT NULL, event_name TEXT NOT NULL, count INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  PRIMARY KEY (event_source, event_name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS coverage_days (
  account TEXT NOT NULL, region TEXT NOT NULL, day INTEGER NOT NULL, events INTEGER NOT NULL,
  PRIMARY KEY (account, region, day)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS coverage_services (
  account TEXT NOT NULL, region TEXT NOT NULL, service TEXT NOT NULL,
  management_events INTEGER NOT NULL, data_events INTEGER NOT NULL,
  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  PRIMARY KEY (account, region, service)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_objects (
  key TEXT PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL, events INTEGER NOT NULL,
  skipped_records INTEGER NOT NULL, ingested_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS usage_view AS
  SELECT p.arn AS principal, p.kind AS principal_kind, a.name AS action, r.arn AS resource,
         datetime(u.first_seen, 'unixepoch') AS first_seen, datetime(u.last_seen, 'unixepoch') AS last_seen,
         u.count, u.denied, datetime(u.denied_last, 'unixepoch') AS denied_last
  FROM usage u JOIN principals p ON p.id = u.principal JOIN actions a ON a.id = u.action
  JOIN resources r ON r.id = u.resource;
"#;

/// A store problem: the file, and what SQLite said.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("usage store `{path}`: {message}")]
#[diagnostic(code(whittle::store))]
pub struct StoreError {
    path: String,
    message: String,
}

/// One row of a principal's usage.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UsageRow {
    /// Catalog action name.
    pub action: String,
    /// Resource ARN or `*`.
    pub resource: String,
    /// First allowed call (epoch seconds).
    pub first_seen: Option<Epoch>,
    /// Last allowed call.
    pub last_seen: Option<Epoch>,
    /// Allowed calls.
    pub count: u64,
    /// Denied calls.
    pub denied: u64,
    /// Last denied call.
    pub denied_last: Option<Epoch>,
}

/// An event source + name with a count.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EventCount {
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// Events.
    pub count: u64,
    /// Last seen.
    pub last_seen: Epoch,
}

/// Coverage of one account and region.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RegionCoverage {
    /// Account id.
    pub account: String,
    /// Region.
    pub region: String,
    /// First day with events (days since the epoch).
    pub first_day: i64,
    /// Last day with events.
    pub last_day: i64,
    /// Days with at least one event.
    pub days_with_events: u64,
    /// Gaps: runs of days without events between the first and last day, as (first, last) day.
    pub gaps: Vec<(i64, i64)>,
    /// Events.
    pub events: u64,
}

/// Coverage of one service in one account and region.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ServiceRow {
    /// Account id.
    pub account: String,
    /// Region.
    pub region: String,
    /// IAM service prefix.
    pub service: String,
    /// Management events.
    pub management_events: u64,
    /// Data events.
    pub data_events: u64,
    /// First event.
    pub first_seen: Epoch,
    /// Last event.
    pub last_seen: Epoch,
}

/// Totals of the store.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    /// Log objects ingested.
    pub log_objects: u64,
    /// Records skipped inside ingested objects.
    pub skipped_records: u64,
    /// Events counted.
    pub events: u64,
    /// Principals seen.
    pub principals: u64,
    /// Distinct (principal, action, resource).
    pub usage_keys: u64,
    /// Names that hashed to an id already taken by another name (expected 0; each merges two names' usage).
    pub id_collisions: u64,
    /// Allowed calls mapped to permissions.
    pub allowed_calls: u64,
    /// Denied calls.
    pub denied_calls: u64,
    /// Events no mapping knows.
    pub unmapped_events: u64,
    /// Events that need no permission.
    pub permissionless_events: u64,
    /// Per account and region.
    pub regions: Vec<RegionCoverage>,
    /// Per service.
    pub services: Vec<ServiceRow>,
}

/// Rows per multi-row `INSERT`: one statement per 64 rows costs far less than 64 statements.
const ROWS_PER_INSERT: usize = 256;

/// Inserts `rows` of `W` values with multi-row statements (`ROWS_PER_INSERT` rows each, the
/// last one shorter), binding one statement's rows at a time: no list of every value is built.
fn insert_rows<'v, const W: usize>(
    tx: &Transaction<'_>,
    head: &str,
    tail: &str,
    rows: impl IntoIterator<Item = [ToSqlOutput<'v>; W]>,
) -> rusqlite::Result<()> {
    let one = format!("({})", vec!["?"; W].join(","));
    let sql = |n: usize| format!("{head} VALUES {} {tail}", vec![one.as_str(); n].join(","));
    let full = sql(ROWS_PER_INSERT);
    let mut chunk: Vec<ToSqlOutput> = Vec::with_capacity(ROWS_PER_INSERT * W);
    for row in rows {
        chunk.extend(row);
        if chunk.len() == ROWS_PER_INSERT * W {
            tx.prepare_cached(&full)?
                .execute(params_from_iter(chunk.drain(..)))?;
        }
    }
    if !chunk.is_empty() {
        tx.prepare_cached(&sql(chunk.len() / W))?
            .execute(params_from_iter(chunk.drain(..)))?;
    }
    Ok(())
}

/// Copies committed pages from a store's write-ahead log into its file, on its own connection.
pub struct Checkpointer {
    conn: Connection,
    path: String,
    page_size: u64,
}

impl Checkpointer {
    /// Copies what it can without waiting for the writer (SQLite's passive checkpoint); the
    /// pages of a transaction still being written stay in the log for the next call.
    pub fn checkpoint(&self) -> Result<LogState, StoreError> {
        self.run("PRAGMA wal_checkpoint(PASSIVE)")
    }

    /// Copies the whole log so that the writer starts it again from the beginning; call it
    /// while the writer is between transactions. A writer that never pauses would otherwise
    /// keep appending to the log for the whole run. Waits up to a second for other readers of
    /// the store; `blocked` says when they kept it from finishing.
    pub fn restart(&self) -> Result<LogState, StoreError> {
        self.run("PRAGMA wal_checkpoint(RESTART)")
    }

    fn run(&self, pragma: &str) -> Result<LogState, StoreError> {
        // (busy, frames in the log, frames copied)
        let (busy, frames): (i64, i64) = self
            .conn
            .query_row(pragma, [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| StoreError {
                path: self.path.clone(),
                message: format!("checkpoint: {e}"),
            })?;
        Ok(LogState {
            bytes: frames.max(0) as u64 * self.page_size,
            blocked: busy != 0,
        })
    }
}

/// What a checkpoint left in the write-ahead log.
#[derive(Debug, Clone, Copy)]
pub struct LogState {
    /// Bytes of pages in the log.
    pub bytes: u64,
    /// Another connection kept the checkpoint from finishing.
    pub blocked: bool,
}

/// The SQLite usage store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Principal ids whose names this process has written.
    written_principals: FxHashSet<i64>,
    /// Resource ids whose names this process has written (a role is both, under one id).
    written_resources: FxHashSet<i64>,
    action_ids: FxHashMap<ActionId, i64>,
}

impl Store {
    /// Opens (creating when absent) the store at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let err = |m: String| StoreError {
            path: path.display().to_string(),
            message: m,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| err(format!("cannot create `{}`: {e}", dir.display())))?;
        }
        let conn = Connection::open(path).map_err(|e| err(e.to_string()))?;
        // another whittle (or a checkpoint) may hold a lock for a moment: wait for it
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| err(e.to_string()))?;
        // page_size only takes effect on a new file, before WAL is switched on
        conn.execute_batch(
            "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=OFF;",
        )
            .map_err(|e| err(e.to_string()))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| err(format!("not a whittle usage store, or damaged: {e}")))?;
        let version: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key='schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| err(e.to_string()))?;
        match version {
            None => {
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES('schema_version', ?1)",
                    [SCHEMA_VERSION.to_string()],
                )
                .map_err(|e| err(e.to_string()))?;
            }
            Some(v) if v == SCHEMA_VERSION.to_string() => {}
            Some(v) => {
                return Err(err(format!(
                    "schema version {v}; this whittle reads version {SCHEMA_VERSION}"
                )))
            }
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            written_principals: FxHashSet::default(),
            written_resources: FxHashSet::default(),
            action_ids: FxHashMap::default(),
        })
    }

    fn err(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    /// While `on`, commits leave their pages in the write-ahead log instead of copying them into
    /// the database file themselves; a [`Checkpointer`] copies them beside the writer.
    pub fn defer_checkpoints(&self, on: bool) -> Result<(), StoreError> {
        let pages = if on { 0 } else { 1000 };
        self.conn
            .pragma_update(None, "wal_autocheckpoint", pages)
            .map_err(|e| self.err(e))
    }

    /// A second connection to this store that copies committed pages from the write-ahead log
    /// into the database file, so that the writer does not wait for it (see
    /// [`Store::defer_checkpoints`]).
    pub fn checkpointer(&self) -> Result<Checkpointer, StoreError> {
        let conn = Connection::open(&self.path).map_err(|e| self.err(e))?;
        // a restart waits this long for other readers, then gives up (see `restart`)
        conn.busy_timeout(std::time::Duration::from_secs(1))
            .map_err(|e| self.err(e))?;
        let page_size: u64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(Checkpointer {
            conn,
            path: self.path.display().to_string(),
            page_size,
        })
    }

    /// Runs a query and collects its rows, each made by `row`.
    fn query<T, C: FromIterator<T>>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<C, StoreError> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let rows = stmt.query_map(params, row).map_err(|e| self.err(e))?;
        rows.collect::<Result<C, _>>().map_err(|e| self.err(e))
    }

    /// Keys of the log objects already ingested.
    pub fn ingested_keys(&self) -> Result<FxHashSet<String>, StoreError> {
        self.query("SELECT key FROM log_objects", [], |r| r.get(0))
    }

    /// Writes `batch` and marks `objects` ingested, atomically.
    pub fn commit(
        &mut self,
        batch: &Batch,
        objects: &[super::LogObjectRecord],
        catalog: &AwsCatalog,
        now: Epoch,
    ) -> Result<(), StoreError> {
        let path = self.path.display().to_string();
        let err = |e: rusqlite::Error| StoreError {
            path: path.clone(),
            message: e.to_string(),
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            // Ids are content hashes (`name_id`): names are written once per run, sorted by id so
            // the b-tree grows by appends; a different name under a known id counts a collision.
            let mut ins_p = tx
                .prepare_cached(
                    "INSERT INTO principals(id, arn, kind) VALUES(?1, ?2, ?3)
                     ON CONFLICT(id) DO UPDATE SET collisions = collisions + 1 WHERE arn <> excluded.arn",
                )
                .map_err(err)?;
            let mut new_p: Vec<(&i64, &(String, &str))> = batch
                .principals
                .iter()
                .filter(|(id, _)| !self.written_principals.contains(*id))
                .collect();
            new_p.sort_unstable_by_key(|(id, _)| **id);
            for (id, (name, kind)) in new_p {
                ins_p.execute(params![id, name, kind]).map_err(err)?;
                self.written_principals.insert(*id);
            }
            let mut new_r: Vec<(&i64, &String)> = batch
                .resources
                .iter()
                .filter(|(id, _)| !self.written_resources.contains(*id))
                .collect();
            new_r.sort_unstable_by_key(|(id, _)| **id);
            insert_rows(
                &tx,
                "INSERT INTO resources(id, arn)",
                "ON CONFLICT(id) DO UPDATE SET collisions = collisions + 1 WHERE arn <> excluded.arn",
                new_r.iter().map(|(id, name)| {
                    [
                        ToSqlOutput::from(**id),
                        ToSqlOutput::Borrowed(ValueRef::Text(name.as_bytes())),
                    ]
                }),
            )
            .map_err(err)?;
            self.written_resources
                .extend(new_r.iter().map(|(id, _)| **id));
            let mut ins_a =
                tx.prepare_cached("INSERT INTO actions(name) VALUES(?1) ON CONFLICT(name) DO UPDATE SET name=name RETURNING id").map_err(err)?;
            let mut rows = Vec::with_capacity(batch.usage.len());
            for (&(p, a, r), st) in &batch.usage {
                let aid = match self.action_ids.get(&a) {
                    Some(id) => *id,
                    None => {
                        let id: i64 = ins_a
                            .query_row([&catalog.action(a).name], |r| r.get(0))
                            .map_err(err)?;
                        self.action_ids.insert(a, id);
                        id
                    }
                };
                rows.push((p, aid, r, st));
            }
            rows.sort_unstable_by_key(|&(p, a, r, _)| (p, a, r));
            let opt = |b: bool, v: Epoch| {
                if b {
                    ToSqlOutput::from(v)
                } else {
                    ToSqlOutput::Owned(Value::Null)
                }
            };
            let values = rows.into_iter().map(|(p, a, r, st)| {
                let Stats {
                    first_seen,
                    last_seen,
                    count,
                    denied,
                    denied_last,
                } = *st;
                [
                    ToSqlOutput::from(p),
                    ToSqlOutput::from(a),
                    ToSqlOutput::from(r),
                    opt(count > 0, first_seen),
                    opt(count > 0, last_seen),
                    ToSqlOutput::from(count as i64),
                    ToSqlOutput::from(denied as i64),
                    opt(denied > 0, denied_last),
                ]
            });
            insert_rows(
                &tx,
                "INSERT INTO usage(principal, action, resource, first_seen, last_seen, count, denied, denied_last)",
                "ON CONFLICT(principal, action, resource) DO UPDATE SET
                   first_seen = CASE WHEN excluded.first_seen IS NULL THEN first_seen
                                     WHEN first_seen IS NULL THEN excluded.first_seen
                                     ELSE min(first_seen, excluded.first_seen) END,
                   last_seen = CASE WHEN excluded.last_seen IS NULL THEN last_seen
                                    WHEN last_seen IS NULL THEN excluded.last_seen
                                    ELSE max(last_seen, excluded.last_seen) END,
                   count = count + excluded.count,
                   denied = denied + excluded.denied,
                   denied_last = CASE WHEN excluded.denied_last IS NULL THEN denied_last
                                      WHEN denied_last IS NULL THEN excluded.denied_last
                                      ELSE max(denied_last, excluded.denied_last) END",
                values,
            )
            .map_err(err)?;
            let mut sessions: Vec<_> = batch.sessions.iter().collect();
            sessions.sort_unstable_by_key(|(k, _)| **k);
            insert_rows(
                &tx,
                "INSERT INTO sessions(principal, session_id, session, count, last_seen)",
                "ON CONFLICT(principal, session_id) DO UPDATE SET count = count + excluded.count,
                   last_seen = max(last_seen, excluded.last_seen)",
                sessions.iter().map(|((p, sid), t)| {
                    let name = batch.session_names.get(sid).map_or("", String::as_str);
                    [
                        ToSqlOutput::from(*p),
                        ToSqlOutput::from(*sid),
                        ToSqlOutput::Borrowed(ValueRef::Text(name.as_bytes())),
                        ToSqlOutput::from(t.count as i64),
                        ToSqlOutput::from(t.last_seen),
                    ]
                }),
            )
            .map_err(err)?;
            for (table, map) in [
                ("unmapped", &batch.unmapped),
                ("permissionless", &batch.permissionless),
            ] {
                let mut st = tx
                    .prepare_cached(&format!(
                        "INSERT INTO {table}(event_source, event_name, count, last_seen) VALUES(?1, ?2, ?3, ?4)
                         ON CONFLICT(event_source, event_name) DO UPDATE SET count = count + excluded.count,
                           last_seen = max(last_seen, excluded.last_seen)"
                    ))
                    .map_err(err)?;
                for ((src, name), Tally { count, last_seen }) in map {
                    st.execute(params![src, name, *count as i64, last_seen])
                        .map_err(err)?;
                }
            }
            let mut days = tx
                .prepare_cached(
                    "INSERT INTO coverage_days(account, region, day, events) VALUES(?1, ?2, ?3, ?4)
                     ON CONFLICT(account, region, day) DO UPDATE SET events = events + excluded.events",
                )
                .map_err(err)?;
            for ((acct, region, day), n) in &batch.days {
                days.execute(params![acct, region, day, *n as i64])
                    .map_err(err)?;
            }
            let mut svc = tx
                .prepare_cached(
                    "INSERT INTO coverage_services(account, region, service, management_events, data_events, first_seen, last_seen)
                     VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(account, region, service) DO UPDATE SET
                       management_events = management_events + excluded.management_events,
                       data_events = data_events + excluded.data_events,
                       first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)",
                )
                .map_err(err)?;
            for ((acct, region, service), c) in &batch.services {
                svc.execute(params![
                    acct,
                    region,
                    service,
                    c.management as i64,
                    c.data as i64,
                    c.first_seen,
                    c.last_seen
                ])
                .map_err(err)?;
            }
            let mut obj = tx
                .prepare_cached(
                    "INSERT INTO log_objects(key, path, size, events, skipped_records, ingested_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err)?;
            for o in objects {
                obj.execute(params![
                    o.key,
                    o.path,
                    o.size as i64,
                    o.events as i64,
                    o.skipped_records as i64,
                    now
                ])
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        // Only saves re-writing names that recur across commits (tables, functions, buckets: few);
        // when it grows large the names are mostly unique (object keys) and it saves nothing.
        if self.written_resources.len() > 1_000_000 {
            self.written_resources.clear();
        }
        Ok(())
    }

    /// A principal's usage, by action then resource.
    pub fn principal_usage(&self, principal: &str) -> Result<Vec<UsageRow>, StoreError> {
        self.query(
            "SELECT a.name, r.arn, u.first_seen, u.last_seen, u.count, u.denied, u.denied_last
             FROM usage u JOIN principals p ON p.id = u.principal JOIN actions a ON a.id = u.action
             JOIN resources r ON r.id = u.resource WHERE p.arn = ?1 ORDER BY a.name, r.arn",
            [principal],
            |r| {
                Ok(UsageRow {
                    action: r.get(0)?,
                    resource: r.get(1)?,
                    first_seen: r.get(2)?,
                    last_seen: r.get(3)?,
                    count: r.get::<_, i64>(4)? as u64,
                    denied: r.get::<_, i64>(5)? as u64,
                    denied_last: r.get(6)?,
                })
            },
        )
    }

    /// (principal, action, last allowed use) for uses at or after `since`.
    pub fn last_used_since(
        &self,
        since: Epoch,
    ) -> Result<Vec<(String, String, Epoch)>, StoreError> {
        self.query(
            "SELECT p.arn, a.name, max(u.last_seen) FROM usage u JOIN principals p ON p.id = u.principal
             JOIN actions a ON a.id = u.action WHERE u.last_seen >= ?1 GROUP BY p.arn, a.name",
            [since],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
    }

    /// Known principals (id, kind), sorted.
    pub fn principals(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.query("SELECT arn, kind FROM principals ORDER BY arn", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
    }

    /// A principal's role sessions: (session name, calls, last seen), most recent first.
    pub fn sessions(&self, principal: &str) -> Result<Vec<(String, u64, Epoch)>, StoreError> {
        self.query(
            "SELECT s.session, s.count, s.last_seen FROM sessions s JOIN principals p ON p.id = s.principal
             WHERE p.arn = ?1 ORDER BY s.last_seen DESC, s.session",
            [principal],
            |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?)),
        )
    }

    fn event_counts(&self, table: &str) -> Result<Vec<EventCount>, StoreError> {
        self.query(
            &format!(
                "SELECT event_source, event_name, count, last_seen FROM {table} ORDER BY count DESC, event_source, event_name"
            ),
            [],
            |r| {
                Ok(EventCount {
                    event_source: r.get(0)?,
                    event_name: r.get(1)?,
                    count: r.get::<_, i64>(2)? as u64,
                    last_seen: r.get(3)?,
                })
            },
        )
    }

    /// Events the mapping does not know, most frequent first.
    pub fn unmapped(&self) -> Result<Vec<EventCount>, StoreError> {
        self.event_counts("unmapped")
    }

    /// Events that need no permission, most frequent first.
    pub fn permissionless(&self) -> Result<Vec<EventCount>, StoreError> {
        self.event_counts("permissionless")
    }

    /// Totals and coverage.
    pub fn summary(&self) -> Result<Summary, StoreError> {
        let one = |sql: &str| -> Result<u64, StoreError> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
                .map(|v| v.unwrap_or(0) as u64)
                .map_err(|e| self.err(e))
        };
        let mut s = Summary {
            log_objects: one("SELECT count(*) FROM log_objects")?,
            skipped_records: one("SELECT sum(skipped_records) FROM log_objects")?,
            events: one("SELECT sum(events) FROM log_objects")?,
            principals: one("SELECT count(*) FROM principals")?,
            usage_keys: one("SELECT count(*) FROM usage")?,
            id_collisions: one("SELECT (SELECT sum(collisions) FROM principals) + (SELECT sum(collisions) FROM resources)")?,
            allowed_calls: one("SELECT sum(count) FROM usage")?,
            denied_calls: one("SELECT sum(denied) FROM usage")?,
            unmapped_events: one("SELECT sum(count) FROM unmapped")?,
            permissionless_events: one("SELECT sum(count) FROM permissionless")?,
            ..Default::default()
        };
        let days: Vec<(String, String, i64, i64)> = self.query(
            "SELECT account, region, day, events FROM coverage_days ORDER BY account, region, day",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        for (account, region, day, events) in days {
            match s.regions.last_mut() {
                Some(c) if c.account == account && c.region == region => {
                    if day > c.last_day + 1 {
                        c.gaps.push((c.last_day + 1, day - 1));
                    }
                    c.last_day = day;
                    c.days_with_events += 1;
                    c.events += events as u64;
                }
                _ => s.regions.push(RegionCoverage {
                    account,
                    region,
                    first_day: day,
                    last_day: day,
                    days_with_events: 1,
                    gaps: Vec::new(),
                    events: events as u64,
                }),
            }
        }
        s.services = self.query(
            "SELECT account, region, service, management_events, data_events, first_seen, last_seen
             FROM coverage_services ORDER BY account, region, service",
            [],
            |r| {
                Ok(ServiceRow {
                    account: r.get(0)?,
                    region: r.get(1)?,
                    service: r.get(2)?,
                    management_events: r.get::<_, i64>(3)? as u64,
                    data_events: r.get::<_, i64>(4)? as u64,
                    first_seen: r.get(5)?,
                    last_seen: r.get(6)?,
                })
            },
        )?;
        Ok(s)
    }
}
