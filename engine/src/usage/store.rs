//! The usage store: an embedded SQLite file. One transaction per commit holds both the usage
//! deltas and the names of the log objects they came from, so a run killed at any moment leaves
//! either all or none of a commit: re-running adds exactly what is missing.
//!
//! Schema (version 2, provider-neutral) — see docs/usage.md for the full description:
//! `principals(id, provider, ident, kind)`, `permissions(id, provider, name)`, `resources(id, ident)`,
//! `usage(principal, permission, resource, first_seen, last_seen, count, denied, denied_last)`,
//! `sessions`, `unmapped` and `permissionless` (provider, service, operation),
//! `coverage(provider, scope, location, service, class, day, events)`, `log_objects`, and the
//! view `usage_view` with names and ISO times. A version-1 store is migrated in place on first
//! open ([`migrate_v1`]); a store from a newer whittle is refused.

use crate::catalog::Registry;
use crate::model::time::{day_of, Day, Epoch};
use crate::model::{CoverageCell, LogClass, PermissionRef, Provider, Stats, Tally, UsageSummary};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Transaction};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// How long to wait for a lock another connection holds.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Schema version this build reads and writes.
pub const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE principals (id INTEGER PRIMARY KEY, ident TEXT NOT NULL, kind TEXT NOT NULL, collisions INTEGER NOT NULL DEFAULT 0, provider TEXT NOT NULL DEFAULT 'aws');
CREATE INDEX principals_ident ON principals(ident);
CREATE TABLE permissions (id INTEGER PRIMARY KEY, provider TEXT NOT NULL, name TEXT NOT NULL, UNIQUE (provider, name));
CREATE TABLE resources (id INTEGER PRIMARY KEY, ident TEXT NOT NULL, collisions INTEGER NOT NULL DEFAULT 0);
CREATE TABLE usage (
  principal INTEGER NOT NULL REFERENCES principals(id),
  permission INTEGER NOT NULL REFERENCES permissions(id),
  resource INTEGER NOT NULL REFERENCES resources(id),
  first_seen INTEGER, last_seen INTEGER,
  count INTEGER NOT NULL, denied INTEGER NOT NULL, denied_last INTEGER,
  PRIMARY KEY (principal, permission, resource)) WITHOUT ROWID;
CREATE TABLE sessions (
  principal INTEGER NOT NULL REFERENCES principals(id), session_id INTEGER NOT NULL, session TEXT NOT NULL,
  count INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  PRIMARY KEY (principal, session_id)) WITHOUT ROWID;
CREATE TABLE unmapped (
  provider TEXT NOT NULL, service TEXT NOT NULL, operation TEXT NOT NULL, count INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  PRIMARY KEY (provider, service, operation)) WITHOUT ROWID;
CREATE TABLE permissionless (
  provider TEXT NOT NULL, service TEXT NOT NULL, operation TEXT NOT NULL, count INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  PRIMARY KEY (provider, service, operation)) WITHOUT ROWID;
CREATE TABLE coverage (
  provider TEXT NOT NULL, scope TEXT NOT NULL, location TEXT NOT NULL, service TEXT NOT NULL,
  class TEXT NOT NULL, day INTEGER NOT NULL, events INTEGER NOT NULL,
  PRIMARY KEY (provider, scope, location, service, class, day)) WITHOUT ROWID;
CREATE TABLE log_objects (
  key TEXT PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL, events INTEGER NOT NULL,
  skipped_records INTEGER NOT NULL, ingested_at INTEGER NOT NULL, source TEXT NOT NULL DEFAULT 'cloudtrail') WITHOUT ROWID;
"#;

/// The view, (re)created by every schema version.
const VIEW: &str = r#"
DROP VIEW IF EXISTS usage_view;
CREATE VIEW usage_view AS
  SELECT p.provider AS provider, p.ident AS principal, p.kind AS principal_kind, a.name AS permission,
         r.ident AS resource,
         datetime(u.first_seen, 'unixepoch') AS first_seen, datetime(u.last_seen, 'unixepoch') AS last_seen,
         u.count, u.denied, datetime(u.denied_last, 'unixepoch') AS denied_last
  FROM usage u JOIN principals p ON p.id = u.principal JOIN permissions a ON a.id = u.permission
  JOIN resources r ON r.id = u.resource;
"#;

/// Version 1 → 2: provider-neutral names, and coverage per service, log class and day.
///
/// Version 1 kept coverage as events per (account, region, day) plus a per-service total; the
/// days become `coverage` rows of service `*` (some service; management class), which vouch for
/// management events as before. Which days a service's data events were seen on was never
/// recorded, so the per-service totals are kept, read-only, in `v1_service_totals` for
/// `usage summary`, and data-event coverage starts with the first ingest after the migration.
const MIGRATE_V1: &str = r#"
DROP VIEW IF EXISTS usage_view;
ALTER TABLE principals RENAME COLUMN arn TO ident;
ALTER TABLE principals ADD COLUMN provider TEXT NOT NULL DEFAULT 'aws';
DROP INDEX IF EXISTS principals_arn;
CREATE INDEX principals_ident ON principals(ident);
CREATE TABLE permissions (id INTEGER PRIMARY KEY, provider TEXT NOT NULL, name TEXT NOT NULL, UNIQUE (provider, name));
INSERT INTO permissions(id, provider, name) SELECT id, 'aws', name FROM actions;
DROP TABLE actions;
ALTER TABLE resources RENAME COLUMN arn TO ident;
ALTER TABLE usage RENAME COLUMN action TO permission;
CREATE TABLE unmapped_v2 (
  provider TEXT NOT NULL, service TEXT NOT NULL, operation TEXT NOT NULL, count INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  PRIMARY KEY (provider, service, operation)) WITHOUT ROWID;
INSERT INTO unmapped_v2 SELECT 'aws', event_source, event_name, count, last_seen FROM unmapped;
DROP TABLE unmapped;
ALTER TABLE unmapped_v2 RENAME TO unmapped;
CREATE TABLE permissionless_v2 (
  provider TEXT NOT NULL, service TEXT NOT NULL, operation TEXT NOT NULL, count INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  PRIMARY KEY (provider, service, operation)) WITHOUT ROWID;
INSERT INTO permissionless_v2 SELECT 'aws', event_source, event_name, count, last_seen FROM permissionless;
DROP TABLE permissionless;
ALTER TABLE permissionless_v2 RENAME TO permissionless;
CREATE TABLE coverage (
  provider TEXT NOT NULL, scope TEXT NOT NULL, location TEXT NOT NULL, service TEXT NOT NULL,
  class TEXT NOT NULL, day INTEGER NOT NULL, events INTEGER NOT NULL,
  PRIMARY KEY (provider, scope, location, service, class, day)) WITHOUT ROWID;
INSERT INTO coverage SELECT 'aws', account, region, '*', 'management', day, events FROM coverage_days;
DROP TABLE coverage_days;
ALTER TABLE coverage_services RENAME TO v1_service_totals;
ALTER TABLE log_objects ADD COLUMN source TEXT NOT NULL DEFAULT 'cloudtrail';
UPDATE meta SET value = '2' WHERE key = 'schema_version';
INSERT INTO meta(key, value) VALUES('migrated_from', '1');
"#;

/// How a usage row adds to one already stored (ingest and merge alike): counts add, first and
/// last seen combine (a NULL is "never": the other side wins).
pub(super) const USAGE_UPSERT: &str = "ON CONFLICT(principal, permission, resource) DO UPDATE SET
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
                      ELSE max(denied_last, excluded.denied_last) END";

/// A store problem: the file, and what SQLite said.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("usage store `{path}`: {message}")]
#[diagnostic(code(whittle::store))]
pub struct StoreError {
    path: String,
    message: String,
}

impl StoreError {
    /// A problem with the store at `path`.
    pub(super) fn at(path: &Path, message: String) -> StoreError {
        StoreError {
            path: path.display().to_string(),
            message,
        }
    }
}

/// One row of usage: a principal's use of a permission on a resource.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UsageRow {
    /// The principal.
    pub principal: String,
    /// Catalog permission name.
    pub permission: String,
    /// Resource (ARN) or `*`.
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

/// A service + operation (CloudTrail: event source + event name) with a count.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EventCount {
    /// Provider.
    pub provider: String,
    /// Service (`eventSource`).
    pub service: String,
    /// Operation (`eventName`).
    pub operation: String,
    /// Events.
    pub count: u64,
    /// Last seen.
    pub last_seen: Epoch,
}

/// Coverage of one scope (account) and location (region).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RegionCoverage {
    /// Provider.
    pub provider: String,
    /// Account id, project, subscription.
    pub scope: String,
    /// Region.
    pub location: String,
    /// First day with events (days since the epoch).
    pub first_day: Day,
    /// Last day with events.
    pub last_day: Day,
    /// Days with at least one event.
    pub days_with_events: u64,
    /// Gaps: runs of days without events between the first and last day, as (first, last) day.
    pub gaps: Vec<(Day, Day)>,
    /// Events.
    pub events: u64,
}

/// Coverage of one service in one scope and location.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ServiceRow {
    /// Provider.
    pub provider: String,
    /// Account id, project, subscription.
    pub scope: String,
    /// Region.
    pub location: String,
    /// Service prefix (`*`: some service, from a store migrated from schema version 1).
    pub service: String,
    /// Management events.
    pub management_events: u64,
    /// Data events.
    pub data_events: u64,
    /// First day with events of the service.
    pub first_day: Day,
    /// Last day.
    pub last_day: Day,
    /// Days with data events of the service (0 when none, or unknown for migrated totals).
    pub data_days: u64,
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
    /// Distinct (principal, permission, resource).
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
    /// The schema version the store was migrated from, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migrated_from: Option<i64>,
    /// Per scope and location.
    pub regions: Vec<RegionCoverage>,
    /// Per service.
    pub services: Vec<ServiceRow>,
    /// Per-service totals kept from a version-1 store (which days they fell on is unknown).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub v1_service_totals: Vec<ServiceRow>,
}

/// Rows per multi-row `INSERT`: one statement per 64 rows costs far less than 64 statements.
const ROWS_PER_INSERT: usize = 256;

/// Inserts `rows` of `W` values with multi-row statements (`ROWS_PER_INSERT` rows each, the
/// last one shorter), binding one statement's rows at a time: no list of every value is built.
pub(super) fn insert_rows<'v, const W: usize>(
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

/// The schema version a store's `meta` records (`None`: it records none).
pub(super) fn schema_version(conn: &Connection) -> Result<Option<i64>, String> {
    let version: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| format!("not a whittle usage store, or damaged: {e}"))?;
    Ok(version.as_deref().and_then(|v| v.parse().ok()))
}

/// Creates the schema in a new file, migrates an older one, refuses a newer one. Runs in one
/// write transaction, so two processes opening a new or old store at once do it once.
fn prepare_schema(conn: &mut Connection) -> Result<(), String> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| format!("not a whittle usage store, or damaged: {e}"))?;
    let tables: Vec<String> = {
        let mut st = tx
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .map_err(|e| e.to_string())?;
        let rows = st.query_map([], |r| r.get(0)).map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())?
    };
    if tables.is_empty() {
        tx.execute_batch(SCHEMA).map_err(|e| e.to_string())?;
        tx.execute(
            "INSERT INTO meta(key, value) VALUES('schema_version', ?1)",
            [SCHEMA_VERSION.to_string()],
        )
        .map_err(|e| e.to_string())?;
    } else {
        if !tables.iter().any(|t| t == "meta") {
            return Err("not a whittle usage store: it holds other tables and no `meta`".into());
        }
        let version = schema_version(&tx)?
            .ok_or("not a whittle usage store: `meta` has no schema version")?;
        match version {
            SCHEMA_VERSION => {}
            1 => migrate_v1(&tx)?,
            v if v > SCHEMA_VERSION => {
                return Err(format!(
                    "written by a newer whittle (schema version {v}); this whittle reads versions up to {SCHEMA_VERSION}: upgrade whittle to read it"
                ))
            }
            v => return Err(format!("unknown schema version {v}")),
        }
    }
    tx.execute_batch(super::journal::SCHEMA)
        .map_err(|e| e.to_string())?;
    tx.execute_batch(super::activity::SCHEMA)
        .map_err(|e| e.to_string())?;
    tx.execute_batch(super::principal_tags::SCHEMA)
        .map_err(|e| e.to_string())?;
    tx.execute_batch(VIEW).map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())
}

/// Migrates a version-1 store (see [`MIGRATE_V1`]) inside the caller's transaction: a failure
/// leaves the store as it was.
fn migrate_v1(tx: &Transaction<'_>) -> Result<(), String> {
    tx.execute_batch(MIGRATE_V1)
        .map_err(|e| format!("migrating from schema version 1: {e}"))
}

/// The SQLite usage store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Principal ids whose names this process has written.
    written_principals: FxHashSet<i64>,
    /// Resource ids whose names this process has written (a role is both, under one id).
    written_resources: FxHashSet<i64>,
    permission_ids: FxHashMap<PermissionRef, i64>,
}

impl Store {
    /// Opens (creating when absent) the store at `path`; a store written by an older whittle is
    /// migrated in place first, one written by a newer whittle is refused.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let err = |m: String| StoreError {
            path: path.display().to_string(),
            message: m,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| err(format!("cannot create `{}`: {e}", dir.display())))?;
        }
        let mut conn = Connection::open(path).map_err(|e| err(e.to_string()))?;
        // another whittle (or a checkpoint) may hold a lock for a moment: wait for it
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| err(e.to_string()))?;
        // page_size only takes effect on a new file, before WAL is switched on
        conn.execute_batch(
            "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=OFF;",
        )
        .map_err(|e| err(format!("not a whittle usage store, or damaged: {e}")))?;
        prepare_schema(&mut conn).map_err(err)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            written_principals: FxHashSet::default(),
            written_resources: FxHashSet::default(),
            permission_ids: FxHashMap::default(),
        })
    }

    /// Opens the store at `path` for reading only: nothing is written, so a store on read-only
    /// media or shared read-only works. A store written by an older whittle is migrated first
    /// when the file can be written (that one write is needed to read it); else the error says so.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let err = |m: String| StoreError {
            path: path.display().to_string(),
            message: m,
        };
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| err(e.to_string()))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| err(e.to_string()))?;
        // readers scan whole tables (recommend reads every usage row): map the file instead of
        // a read call per page, and keep more pages
        conn.pragma_update(None, "mmap_size", 1i64 << 32)
            .and_then(|_| conn.pragma_update(None, "cache_size", -262_144))
            .map_err(|e| err(e.to_string()))?;
        match schema_version(&conn).map_err(err)? {
            Some(SCHEMA_VERSION) => Ok(Store {
                conn,
                path: path.to_path_buf(),
                written_principals: FxHashSet::default(),
                written_resources: FxHashSet::default(),
                permission_ids: FxHashMap::default(),
            }),
            Some(v) if v < SCHEMA_VERSION => {
                drop(conn);
                Store::open(path).map_err(|e| {
                    err(format!(
                        "written by an older whittle (schema version {v}) and it cannot be migrated here ({}): make it writable once, or run `whittle ingest` on it",
                        e.message
                    ))
                })
            }
            Some(v) => Err(err(format!(
                "written by a newer whittle (schema version {v}); this whittle reads versions up to {SCHEMA_VERSION}: upgrade whittle to read it"
            ))),
            None => Err(err(
                "not a whittle usage store: `meta` has no schema version".into(),
            )),
        }
    }

    pub(super) fn err(&self, e: impl std::fmt::Display) -> StoreError {
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

    /// True when the store has table `name` (a store from an older whittle may lack one).
    pub(super) fn has_table(&self, name: &str) -> Result<bool, StoreError> {
        let n: Vec<i64> = self.query(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
            |r| r.get(0),
        )?;
        Ok(n.first().is_some_and(|n| *n > 0))
    }

    /// Runs `each` inside one transaction (committed when it returns `Ok`).
    pub(super) fn in_transaction<T>(
        &mut self,
        each: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let path = self.path.display().to_string();
        let err = |e: rusqlite::Error| StoreError {
            path: path.clone(),
            message: e.to_string(),
        };
        let tx = self.conn.transaction().map_err(err)?;
        let out = each(&tx).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(out)
    }

    /// Runs statements that return nothing.
    pub(super) fn execute_batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.conn.execute_batch(sql).map_err(|e| self.err(e))
    }

    /// Runs a statement that changes rows; how many it changed.
    pub(super) fn execute(
        &mut self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<u64, StoreError> {
        let n = self.conn.execute(sql, params).map_err(|e| self.err(e))?;
        Ok(n as u64)
    }

    /// Runs a query and collects its rows, each made by `row`.
    pub(super) fn query<T, C: FromIterator<T>>(
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
        batch: &UsageSummary,
        objects: &[super::LogObjectRecord],
        source: &str,
        catalogs: &Registry,
        now: Epoch,
    ) -> Result<u64, StoreError> {
        let path = self.path.display().to_string();
        let err = |e: rusqlite::Error| StoreError {
            path: path.clone(),
            message: e.to_string(),
        };
        let tx = self.conn.transaction().map_err(err)?;
        let journaled;
        {
            // Ids are content hashes (`name_id`): names are written once per run, sorted by id so
            // the b-tree grows by appends; a different name under a known id counts a collision.
            let mut ins_p = tx
                .prepare_cached(
                    "INSERT INTO principals(id, provider, ident, kind) VALUES(?1, ?2, ?3, ?4)
                     ON CONFLICT(id) DO UPDATE SET collisions = collisions + 1 WHERE ident <> excluded.ident",
                )
                .map_err(err)?;
            let mut new_p: Vec<(&i64, &(Provider, String, &str))> = batch
                .principals
                .iter()
                .filter(|(id, _)| !self.written_principals.contains(*id))
                .collect();
            new_p.sort_unstable_by_key(|(id, _)| **id);
            for (id, (provider, name, kind)) in new_p {
                ins_p
                    .execute(params![id, provider.as_str(), name, kind])
                    .map_err(err)?;
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
                "INSERT INTO resources(id, ident)",
                "ON CONFLICT(id) DO UPDATE SET collisions = collisions + 1 WHERE ident <> excluded.ident",
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
                tx.prepare_cached("INSERT INTO permissions(provider, name) VALUES(?1, ?2) ON CONFLICT(provider, name) DO UPDATE SET name=name RETURNING id").map_err(err)?;
            let mut rows = Vec::with_capacity(batch.usage.len());
            for (&(p, a, r), st) in &batch.usage {
                let aid = match self.permission_ids.get(&a) {
                    Some(id) => *id,
                    None => {
                        let id: i64 = ins_a
                            .query_row(params![a.provider.as_str(), catalogs.name(a)], |r| r.get(0))
                            .map_err(err)?;
                        self.permission_ids.insert(a, id);
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
                "INSERT INTO usage(principal, permission, resource, first_seen, last_seen, count, denied, denied_last)",
                USAGE_UPSERT,
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
                        "INSERT INTO {table}(provider, service, operation, count, last_seen) VALUES(?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT(provider, service, operation) DO UPDATE SET count = count + excluded.count,
                           last_seen = max(last_seen, excluded.last_seen)"
                    ))
                    .map_err(err)?;
                for ((provider, service, operation), Tally { count, last_seen }) in map {
                    st.execute(params![
                        provider.as_str(),
                        service,
                        operation,
                        *count as i64,
                        last_seen
                    ])
                    .map_err(err)?;
                }
            }
            let mut cov = tx
                .prepare_cached(
                    "INSERT INTO coverage(provider, scope, location, service, class, day, events) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(provider, scope, location, service, class, day) DO UPDATE SET events = events + excluded.events",
                )
                .map_err(err)?;
            for (c, n) in &batch.coverage {
                cov.execute(params![
                    c.provider.as_str(),
                    c.scope,
                    c.location,
                    c.service,
                    c.class.as_str(),
                    c.day,
                    *n as i64
                ])
                .map_err(err)?;
            }
            journaled = super::journal::insert(&tx, &batch.journal).map_err(err)?;
            let mut obj = tx
                .prepare_cached(
                    "INSERT INTO log_objects(key, path, size, events, skipped_records, ingested_at, source) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(err)?;
            for o in objects {
                obj.execute(params![
                    o.key,
                    o.path,
                    o.size as i64,
                    o.events as i64,
                    o.skipped_records as i64,
                    now,
                    o.format.unwrap_or(source)
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
        Ok(journaled)
    }

    /// A principal's usage, by permission then resource.
    pub fn principal_usage(&self, principal: &str) -> Result<Vec<UsageRow>, StoreError> {
        self.usage_rows(Some(principal), None)
    }

    /// Usage of `principal` (when given) on resources matching the glob `resource` (`*`, `?`;
    /// when given), by principal, permission, resource.
    pub fn usage_rows(
        &self,
        principal: Option<&str>,
        resource: Option<&str>,
    ) -> Result<Vec<UsageRow>, StoreError> {
        self.query(
            "SELECT p.ident, a.name, r.ident, u.first_seen, u.last_seen, u.count, u.denied, u.denied_last
             FROM usage u JOIN principals p ON p.id = u.principal JOIN permissions a ON a.id = u.permission
             JOIN resources r ON r.id = u.resource
             WHERE (?1 IS NULL OR p.ident = ?1) AND (?2 IS NULL OR r.ident GLOB ?2)
             ORDER BY p.ident, a.name, r.ident",
            params![principal, resource],
            |r| {
                Ok(UsageRow {
                    principal: r.get(0)?,
                    permission: r.get(1)?,
                    resource: r.get(2)?,
                    first_seen: r.get(3)?,
                    last_seen: r.get(4)?,
                    count: r.get::<_, i64>(5)? as u64,
                    denied: r.get::<_, i64>(6)? as u64,
                    denied_last: r.get(7)?,
                })
            },
        )
    }

    /// Allowed usage (rows with at least one allowed call), of `principal` when given, in store
    /// order (grouped by principal, unsorted): what recommendations read, all of it at once.
    pub fn allowed_usage(&self, principal: Option<&str>) -> Result<Vec<UsageRow>, StoreError> {
        // two statements, not `?1 IS NULL OR …`: that form keeps SQLite from using the keys
        let rows: Vec<(i64, String)> = match principal {
            Some(p) => self.query(
                "SELECT id, ident FROM principals WHERE ident = ?1",
                [p],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?,
            None => self.query("SELECT id, ident FROM principals", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?,
        };
        let names: FxHashMap<i64, String> = rows.into_iter().collect();
        let row = |r: &rusqlite::Row<'_>| {
            let id: i64 = r.get(0)?;
            Ok(UsageRow {
                principal: names.get(&id).cloned().unwrap_or_default(),
                permission: r.get(1)?,
                resource: r.get(2)?,
                first_seen: r.get(3)?,
                last_seen: r.get(4)?,
                count: r.get::<_, i64>(5)? as u64,
                denied: r.get::<_, i64>(6)? as u64,
                denied_last: r.get(7)?,
            })
        };
        const COLUMNS: &str = "SELECT u.principal, a.name, r.ident, u.first_seen, u.last_seen, u.count, u.denied, u.denied_last
             FROM usage u JOIN permissions a ON a.id = u.permission JOIN resources r ON r.id = u.resource";
        match principal {
            None => self.query(&format!("{COLUMNS} WHERE u.count > 0"), [], row),
            Some(_) => {
                let mut out = Vec::new();
                for id in names.keys() {
                    out.extend(self.query::<UsageRow, Vec<UsageRow>>(
                        &format!("{COLUMNS} WHERE u.principal = ?1 AND u.count > 0"),
                        [id],
                        row,
                    )?);
                }
                Ok(out)
            }
        }
    }

    /// (principal, permission, last allowed use) for uses at or after `since`.
    pub fn last_used_since(
        &self,
        since: Epoch,
    ) -> Result<Vec<(String, String, Epoch)>, StoreError> {
        self.query(
            "SELECT p.ident, a.name, max(u.last_seen) FROM usage u JOIN principals p ON p.id = u.principal
             JOIN permissions a ON a.id = u.permission WHERE u.last_seen >= ?1 GROUP BY p.ident, a.name",
            [since],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
    }

    /// Coverage cells on days `first..=last`.
    pub fn coverage(&self, first: Day, last: Day) -> Result<Vec<CoverageCell>, StoreError> {
        let rows: Vec<(String, String, String, String, String, Day)> = self.query(
            "SELECT provider, scope, location, service, class, day FROM coverage
             WHERE day BETWEEN ?1 AND ?2",
            [first, last],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(|(provider, scope, location, service, class, day)| {
                let provider = Provider::parse(&provider)
                    .ok_or_else(|| self.err(format!("coverage: unknown provider `{provider}`")))?;
                let class = LogClass::parse(&class)
                    .ok_or_else(|| self.err(format!("coverage: unknown log class `{class}`")))?;
                Ok(CoverageCell {
                    provider,
                    scope,
                    location,
                    service,
                    class,
                    day,
                })
            })
            .collect()
    }

    /// Known principals (id, kind), sorted.
    pub fn principals(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.query(
            "SELECT ident, kind FROM principals ORDER BY ident",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// The principals with a session of that name (compared without regard to case).
    pub fn principals_with_session(&self, session: &str) -> Result<Vec<String>, StoreError> {
        self.query(
            "SELECT DISTINCT p.ident FROM sessions s JOIN principals p ON p.id = s.principal
             WHERE s.session = ?1 COLLATE NOCASE ORDER BY p.ident",
            [session],
            |r| r.get(0),
        )
    }

    /// A principal's role sessions: (session name, calls, last seen), most recent first.
    pub fn sessions(&self, principal: &str) -> Result<Vec<(String, u64, Epoch)>, StoreError> {
        self.query(
            "SELECT s.session, s.count, s.last_seen FROM sessions s JOIN principals p ON p.id = s.principal
             WHERE p.ident = ?1 ORDER BY s.last_seen DESC, s.session",
            [principal],
            |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?)),
        )
    }

    fn event_counts(&self, table: &str) -> Result<Vec<EventCount>, StoreError> {
        self.query(
            &format!(
                "SELECT provider, service, operation, count, last_seen FROM {table} ORDER BY count DESC, provider, service, operation"
            ),
            [],
            |r| {
                Ok(EventCount {
                    provider: r.get(0)?,
                    service: r.get(1)?,
                    operation: r.get(2)?,
                    count: r.get::<_, i64>(3)? as u64,
                    last_seen: r.get(4)?,
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
        let migrated_from: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'migrated_from'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
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
            migrated_from: migrated_from.and_then(|v| v.parse().ok()),
            ..Default::default()
        };
        let days: Vec<(String, String, String, Day, i64)> = self.query(
            "SELECT provider, scope, location, day, sum(events) FROM coverage
             GROUP BY provider, scope, location, day ORDER BY provider, scope, location, day",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        for (provider, scope, location, day, events) in days {
            match s.regions.last_mut() {
                Some(c) if c.provider == provider && c.scope == scope && c.location == location => {
                    if day > c.last_day + 1 {
                        c.gaps.push((c.last_day + 1, day - 1));
                    }
                    c.last_day = day;
                    c.days_with_events += 1;
                    c.events += events as u64;
                }
                _ => s.regions.push(RegionCoverage {
                    provider,
                    scope,
                    location,
                    first_day: day,
                    last_day: day,
                    days_with_events: 1,
                    gaps: Vec::new(),
                    events: events as u64,
                }),
            }
        }
        s.services = self.query(
            "SELECT provider, scope, location, service,
                    sum(CASE WHEN class = 'management' THEN events ELSE 0 END),
                    sum(CASE WHEN class = 'data' THEN events ELSE 0 END),
                    min(day), max(day), count(DISTINCT CASE WHEN class = 'data' THEN day END)
             FROM coverage GROUP BY provider, scope, location, service
             ORDER BY provider, scope, location, service",
            [],
            |r| {
                Ok(ServiceRow {
                    provider: r.get(0)?,
                    scope: r.get(1)?,
                    location: r.get(2)?,
                    service: r.get(3)?,
                    management_events: r.get::<_, i64>(4)? as u64,
                    data_events: r.get::<_, i64>(5)? as u64,
                    first_day: r.get(6)?,
                    last_day: r.get(7)?,
                    data_days: r.get::<_, i64>(8)? as u64,
                })
            },
        )?;
        let has_v1: bool = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'v1_service_totals'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(|e| self.err(e))?
            > 0;
        if has_v1 {
            s.v1_service_totals = self.query(
                "SELECT account, region, service, management_events, data_events, first_seen, last_seen
                 FROM v1_service_totals ORDER BY account, region, service",
                [],
                |r| {
                    Ok(ServiceRow {
                        provider: "aws".into(),
                        scope: r.get(0)?,
                        location: r.get(1)?,
                        service: r.get(2)?,
                        management_events: r.get::<_, i64>(3)? as u64,
                        data_events: r.get::<_, i64>(4)? as u64,
                        first_day: day_of(r.get(5)?),
                        last_day: day_of(r.get(6)?),
                        data_days: 0,
                    })
                },
            )?;
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/usage/store-v1-four-days-and-mixed-identities.db"
    );

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("whittle-store-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        dir
    }

    fn copy_of_v1(name: &str) -> (PathBuf, PathBuf) {
        let dir = scratch(name);
        let db = dir.join("usage.db");
        std::fs::copy(V1, &db).expect("copy fixture");
        (dir, db)
    }

    /// A store written by the v1 release opens migrated, with every count and row as v1 had them.
    #[test]
    fn a_v1_store_migrates_in_place_and_reads_the_same() {
        let (dir, db) = copy_of_v1("migrate");
        let store = Store::open(&db).expect("migrates");
        let s = store.summary().expect("summary");
        assert_eq!(s.migrated_from, Some(1));
        assert_eq!(
            (s.log_objects, s.events, s.principals, s.usage_keys),
            (12, 85, 9, 39)
        );
        assert_eq!((s.allowed_calls, s.denied_calls), (79, 2));
        assert_eq!(s.unmapped_events, 1);
        let alice = store
            .principal_usage("arn:aws:iam::111122223333:user/alice")
            .expect("rows");
        let rows: Vec<(&str, &str, u64)> = alice
            .iter()
            .map(|r| (r.permission.as_str(), r.resource.as_str(), r.count))
            .collect();
        assert_eq!(
            rows,
            [
                ("cloudwatch:GetMetricData", "*", 1),
                (
                    "dynamodb:GetItem",
                    "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
                    2
                ),
                ("iam:CreateUser", "arn:aws:iam::111122223333:user/tmp", 0),
                (
                    "lambda:InvokeFunction",
                    "arn:aws:lambda:eu-west-1:111122223333:function:report",
                    3
                ),
                ("lambda:ListFunctions", "*", 2),
                ("logs:FilterLogEvents", "*", 2),
                ("s3:ListAllMyBuckets", "*", 2),
            ]
        );
        // the days become management coverage of "some service"; data-event days were never recorded
        let cells = store.coverage(i64::MIN, i64::MAX).expect("coverage");
        assert_eq!(cells.len(), 10);
        assert!(cells
            .iter()
            .all(|c| c.service == "*" && c.class == LogClass::Management));
        assert_eq!(s.regions.iter().map(|r| r.events).sum::<u64>(), 85);
        assert_eq!(s.v1_service_totals.len(), 17);
        let s3 = s
            .v1_service_totals
            .iter()
            .find(|r| r.service == "s3" && r.location == "eu-west-1")
            .expect("s3 totals");
        assert_eq!((s3.management_events, s3.data_events), (0, 16));
        assert_eq!(
            store.unmapped().expect("unmapped")[0].operation,
            "DoSomething"
        );
        assert_eq!(store.ingested_keys().expect("keys").len(), 12);
        drop(store);
        // opening again changes nothing
        let again = Store::open(&db).expect("reopens");
        assert_eq!(
            format!("{:?}", again.summary().expect("summary")),
            format!("{s:?}")
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_store_from_a_newer_whittle_is_refused_and_not_migrated() {
        let (dir, db) = copy_of_v1("newer");
        {
            let c = Connection::open(&db).expect("open");
            c.execute(
                "UPDATE meta SET value = '3' WHERE key = 'schema_version'",
                [],
            )
            .expect("bump");
        }
        let before = std::fs::read(&db).expect("read");
        let err = Store::open(&db).err().expect("refused").to_string();
        assert!(err.contains("newer whittle (schema version 3)"), "{err}");
        assert!(err.contains("upgrade whittle"), "{err}");
        // nothing was migrated or rewritten
        let c = Connection::open(&db).expect("open");
        let tables: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('actions', 'coverage_days')",
                [],
                |r| r.get(0),
            )
            .expect("tables");
        assert_eq!(tables, 2);
        assert_eq!(before.len(), std::fs::read(&db).expect("read").len());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_sqlite_file_that_is_not_a_store_is_refused() {
        let dir = scratch("foreign");
        let db = dir.join("other.db");
        Connection::open(&db)
            .and_then(|c| c.execute_batch("CREATE TABLE t (x INTEGER)"))
            .expect("foreign db");
        let err = Store::open(&db).err().expect("refused").to_string();
        assert!(err.contains("not a whittle usage store"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
