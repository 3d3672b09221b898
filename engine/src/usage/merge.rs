//! Merging stores built on different machines (per account, region or month) into one, exactly:
//! counts add, first and last seen combine, coverage unites, journal entries and alerts are kept
//! once, and a log object two shards both ingested counts once. Everything is done in SQL over
//! the attached shard; ids of principals and resources are content hashes and agree across
//! stores, permission ids do not and are mapped by name.

use super::store::{Store, StoreError, USAGE_UPSERT};
use rusqlite::OptionalExtension;
use std::path::Path;

/// What one shard brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShardMerged {
    /// Usage rows read from it.
    pub usage_rows: u64,
    /// Log objects it had ingested.
    pub log_objects: u64,
    /// Of those, objects an earlier shard (or the store merged into) had ingested too: counted
    /// once.
    pub overlapping: Vec<Overlap>,
}

/// A log object ingested by two shards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// Its key (`s3://…` or the file's path).
    pub key: String,
    /// Where the shard read it from.
    pub path: String,
    /// Its size, as ingested.
    pub size: u64,
}

/// The schema version of the store at `path`, read without changing it.
pub fn store_version(path: &Path) -> Result<i64, String> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| e.to_string())?;
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| format!("not a whittle usage store, or damaged: {e}"))?;
    v.as_deref()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| "not a whittle usage store: `meta` has no schema version".into())
}

/// Tables a store may lack (created by later releases of the same schema version), and how
/// each merges.
const OPTIONAL: &[(&str, &str)] = &[
    (
        "journal",
        "INSERT OR IGNORE INTO main.journal(provider, event_id, time, principal, actor, operation,
           scope, location, resources, classes, error_code, denied, source_ip, record)
         SELECT provider, event_id, time, principal, actor, operation, scope, location, resources,
           classes, error_code, denied, source_ip, record FROM s.journal",
    ),
    (
        "key_networks",
        "INSERT INTO main.key_networks(access_key, network, first_seen, event_id)
         SELECT access_key, network, first_seen, event_id FROM s.key_networks WHERE true
         ON CONFLICT(access_key, network) DO UPDATE SET
           event_id = CASE WHEN excluded.first_seen < first_seen THEN excluded.event_id ELSE event_id END,
           first_seen = min(first_seen, excluded.first_seen)",
    ),
    (
        "alerts",
        "INSERT OR IGNORE INTO main.alerts(rule, event_id, raised_at)
         SELECT rule, event_id, raised_at FROM s.alerts",
    ),
    (
        "principal_tags",
        "INSERT INTO main.principal_tags(principal, tags, recorded_at)
         SELECT principal, tags, recorded_at FROM s.principal_tags WHERE true
         ON CONFLICT(principal) DO UPDATE SET tags = excluded.tags, recorded_at = excluded.recorded_at
           WHERE excluded.recorded_at > recorded_at",
    ),
];

/// The aggregate tables every store of this schema version has, and how each merges.
const AGGREGATES: &[&str] = &[
    "INSERT INTO main.principals(id, ident, kind, collisions, provider)
     SELECT id, ident, kind, collisions, provider FROM s.principals WHERE true
     ON CONFLICT(id) DO UPDATE SET collisions = max(collisions, excluded.collisions) + (ident <> excluded.ident)",
    "INSERT INTO main.resources(id, ident, collisions)
     SELECT id, ident, collisions FROM s.resources WHERE true
     ON CONFLICT(id) DO UPDATE SET collisions = max(collisions, excluded.collisions) + (ident <> excluded.ident)",
    "INSERT INTO main.permissions(provider, name) SELECT provider, name FROM s.permissions WHERE true
     ON CONFLICT(provider, name) DO NOTHING",
    "DELETE FROM temp.permission_map",
    "INSERT INTO temp.permission_map(shard_id, id)
     SELECT sp.id, p.id FROM s.permissions sp JOIN main.permissions p ON p.provider = sp.provider AND p.name = sp.name",
    "INSERT INTO main.sessions(principal, session_id, session, count, last_seen)
     SELECT principal, session_id, session, count, last_seen FROM s.sessions WHERE true
     ON CONFLICT(principal, session_id) DO UPDATE SET count = count + excluded.count,
       last_seen = max(last_seen, excluded.last_seen)",
    "INSERT INTO main.unmapped(provider, service, operation, count, last_seen)
     SELECT provider, service, operation, count, last_seen FROM s.unmapped WHERE true
     ON CONFLICT(provider, service, operation) DO UPDATE SET count = count + excluded.count,
       last_seen = max(last_seen, excluded.last_seen)",
    "INSERT INTO main.permissionless(provider, service, operation, count, last_seen)
     SELECT provider, service, operation, count, last_seen FROM s.permissionless WHERE true
     ON CONFLICT(provider, service, operation) DO UPDATE SET count = count + excluded.count,
       last_seen = max(last_seen, excluded.last_seen)",
    "INSERT INTO main.coverage(provider, scope, location, service, class, day, events)
     SELECT provider, scope, location, service, class, day, events FROM s.coverage WHERE true
     ON CONFLICT(provider, scope, location, service, class, day) DO UPDATE SET events = events + excluded.events",
];

/// `file:` URI of `path`, read-only (characters URIs reserve escaped).
fn read_only_uri(path: &Path) -> String {
    let p = path.display().to_string();
    let mut out = String::from("file:");
    for c in p.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out.push_str("?mode=ro");
    out
}

impl Store {
    /// Merges the store at `shard` into this one, in one transaction: nothing of it is added
    /// when any part fails. The shard must be of this schema version (checked by the caller).
    /// Objects both stores ingested are returned: their contribution is now counted twice, and
    /// the caller takes it off again ([`Store::subtract`]) in its own transaction.
    pub fn merge_shard(&mut self, shard: &Path) -> Result<ShardMerged, StoreError> {
        let mut merged = ShardMerged::default();
        let optional: Vec<&str> = {
            let conn = rusqlite::Connection::open_with_flags(
                shard,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .map_err(|e| StoreError::at(shard, e.to_string()))?;
            let mut present = Vec::new();
            for (table, sql) in OPTIONAL {
                let n: i64 = conn
                    .query_row(
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                        [table],
                        |r| r.get(0),
                    )
                    .map_err(|e| StoreError::at(shard, e.to_string()))?;
                if n > 0 {
                    present.push(*sql);
                }
            }
            present
        };
        let uri = read_only_uri(shard);
        self.execute("ATTACH DATABASE ?1 AS s", [uri.as_str()])?;
        let result = self.in_transaction(|tx| {
            let mut st = tx.prepare(
                "SELECT key, path, size FROM s.log_objects WHERE key IN (SELECT key FROM main.log_objects)",
            )?;
            merged.overlapping = st
                .query_map([], |r| {
                    Ok(Overlap {
                        key: r.get(0)?,
                        path: r.get(1)?,
                        size: r.get::<_, i64>(2)? as u64,
                    })
                })?
                .collect::<Result<_, _>>()?;
            tx.execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS permission_map(shard_id INTEGER PRIMARY KEY, id INTEGER NOT NULL)",
            )?;
            for sql in AGGREGATES {
                tx.execute(sql, [])?;
            }
            merged.usage_rows = tx.execute(
                &format!(
                    "INSERT INTO main.usage(principal, permission, resource, first_seen, last_seen, count, denied, denied_last)
                     SELECT u.principal, m.id, u.resource, u.first_seen, u.last_seen, u.count, u.denied, u.denied_last
                     FROM s.usage u JOIN temp.permission_map m ON m.shard_id = u.permission
                     WHERE true ORDER BY 1, 2, 3 {USAGE_UPSERT}"
                ),
                [],
            )? as u64;
            merged.log_objects = tx.execute(
                "INSERT OR IGNORE INTO main.log_objects(key, path, size, events, skipped_records, ingested_at, source)
                 SELECT key, path, size, events, skipped_records, ingested_at, source FROM s.log_objects",
                [],
            )? as u64
                + merged.overlapping.len() as u64;
            for sql in &optional {
                tx.execute(sql, [])?;
            }
            Ok(())
        });
        let detached = self.execute("DETACH DATABASE s", []);
        result?;
        detached?;
        Ok(merged)
    }
}

impl Store {
    /// Takes `twice` — what log objects counted twice contributed — off the counts, in one
    /// transaction (first and last seen are the same either way).
    pub fn subtract(
        &mut self,
        twice: &crate::model::UsageSummary,
        catalogs: &crate::catalog::Registry,
    ) -> Result<(), StoreError> {
        use rusqlite::params;
        self.in_transaction(|tx| {
            let mut st = tx.prepare(
                "UPDATE usage SET count = count - ?1, denied = denied - ?2
                 WHERE principal = ?3 AND resource = ?4
                   AND permission = (SELECT id FROM permissions WHERE provider = ?5 AND name = ?6)",
            )?;
            for ((p, a, r), s) in &twice.usage {
                st.execute(params![
                    s.count as i64,
                    s.denied as i64,
                    p,
                    r,
                    a.provider.as_str(),
                    catalogs.name(*a)
                ])?;
            }
            let mut st = tx.prepare(
                "UPDATE sessions SET count = count - ?1 WHERE principal = ?2 AND session_id = ?3",
            )?;
            for ((p, sid), t) in &twice.sessions {
                st.execute(params![t.count as i64, p, sid])?;
            }
            for (table, map) in [
                ("unmapped", &twice.unmapped),
                ("permissionless", &twice.permissionless),
            ] {
                let mut st = tx.prepare(&format!(
                    "UPDATE {table} SET count = count - ?1 WHERE provider = ?2 AND service = ?3 AND operation = ?4"
                ))?;
                for ((provider, service, operation), t) in map {
                    st.execute(params![t.count as i64, provider.as_str(), service, operation])?;
                }
            }
            let mut st = tx.prepare(
                "UPDATE coverage SET events = events - ?1 WHERE provider = ?2 AND scope = ?3
                   AND location = ?4 AND service = ?5 AND class = ?6 AND day = ?7",
            )?;
            for (c, n) in &twice.coverage {
                st.execute(params![
                    *n as i64,
                    c.provider.as_str(),
                    c.scope,
                    c.location,
                    c.service,
                    c.class.as_str(),
                    c.day
                ])?;
            }
            Ok(())
        })
    }

    /// Makes the store one file again (no write-ahead log beside it), for moving it.
    pub fn settle(&mut self) -> Result<(), StoreError> {
        let mode: String = self
            .query("PRAGMA journal_mode=DELETE", [], |r| r.get(0))
            .map(|v: Vec<String>| v.into_iter().next().unwrap_or_default())?;
        if mode.eq_ignore_ascii_case("delete") {
            Ok(())
        } else {
            Err(self.err(format!(
                "could not leave write-ahead logging (journal mode {mode})"
            )))
        }
    }
}
