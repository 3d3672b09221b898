//! Merging stores built on different machines (per account, region or month) into one, exactly:
//! counts add, first and last seen combine, coverage unites, journal entries and alerts are kept
//! once, and a log object two shards both ingested counts once. Everything is done in SQL over
//! the attached shard; ids of principals and resources are content hashes and agree across
//! stores, permission ids do not and are mapped by name.

use super::store::{insert_rows, Store, StoreError, USAGE_UPSERT};
use rusqlite::types::{ToSqlOutput, Value};
use rustc_hash::FxHashMap;
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
    super::store::schema_version(&conn)?
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
        "v1_service_totals",
        "CREATE TABLE IF NOT EXISTS main.v1_service_totals (
           account TEXT NOT NULL, region TEXT NOT NULL, service TEXT NOT NULL,
           management_events INTEGER NOT NULL, data_events INTEGER NOT NULL,
           first_seen INTEGER, last_seen INTEGER, PRIMARY KEY (account, region, service));
         INSERT INTO main.v1_service_totals(account, region, service, management_events, data_events, first_seen, last_seen)
         SELECT account, region, service, management_events, data_events, first_seen, last_seen
         FROM s.v1_service_totals WHERE true
         ON CONFLICT(account, region, service) DO UPDATE SET
           management_events = management_events + excluded.management_events,
           data_events = data_events + excluded.data_events,
           first_seen = min(coalesce(first_seen, excluded.first_seen), coalesce(excluded.first_seen, first_seen)),
           last_seen = max(coalesce(last_seen, excluded.last_seen), coalesce(excluded.last_seen, last_seen));",
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
    "INSERT INTO main.permissions(provider, name) SELECT provider, name FROM s.permissions WHERE true
     ON CONFLICT(provider, name) DO NOTHING",
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
    /// Merges the store at `shard` into this one, in one transaction, all but its three large
    /// tables (usage, resources, sessions: [`Store::merge_large`] takes those of every shard at
    /// once). The shard must be of this schema version (checked by the caller). Objects both
    /// stores ingested are returned: their contribution will be counted twice, and the caller
    /// takes it off again ([`Store::subtract`]).
    pub fn merge_shard(&mut self, shard: &Path) -> Result<ShardMerged, StoreError> {
        let mut merged = ShardMerged::default();
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
            for sql in AGGREGATES {
                tx.execute(sql, [])?;
            }
            // tables a store from an earlier release of this schema may lack
            let present: Vec<String> = tx
                .prepare("SELECT name FROM s.sqlite_master WHERE type = 'table'")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            merged.usage_rows = tx.query_row("SELECT count(*) FROM s.usage", [], |r| r.get(0))?;
            merged.log_objects = tx.execute(
                "INSERT OR IGNORE INTO main.log_objects(key, path, size, events, skipped_records, ingested_at, source)
                 SELECT key, path, size, events, skipped_records, ingested_at, source FROM s.log_objects",
                [],
            )? as u64
                + merged.overlapping.len() as u64;
            for (table, sql) in OPTIONAL {
                if present.iter().any(|t| t == table) {
                    tx.execute_batch(sql)?;
                }
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

    /// Tunes a store nobody else sees yet, and that is thrown away on any failure, for being
    /// filled in bulk: no rollback journal, no syncs.
    pub fn for_bulk_build(&mut self) -> Result<(), StoreError> {
        let _: Vec<String> = self.query("PRAGMA journal_mode=OFF", [], |r| r.get(0))?;
        self.execute_batch("PRAGMA synchronous=OFF; PRAGMA cache_size=-131072;")
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

/// One shard's rows of a table, in primary-key order.
type Rows<'s, T> = rusqlite::MappedRows<'s, fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>>;

/// Reads sorted shards together: each call hands out every row, of every shard, whose key is
/// the smallest not handed out yet (shard by shard, in each shard's order).
struct KWay<'s, T, K> {
    rows: Vec<Rows<'s, T>>,
    heads: Vec<Option<T>>,
    key: fn(&T) -> K,
    error: Option<rusqlite::Error>,
}

impl<'s, T, K: Ord + Copy> KWay<'s, T, K> {
    fn new(mut rows: Vec<Rows<'s, T>>, key: fn(&T) -> K) -> Self {
        let mut error = None;
        let heads = rows
            .iter_mut()
            .map(|r| match r.next() {
                Some(Ok(t)) => Some(t),
                Some(Err(e)) => {
                    error.get_or_insert(e);
                    None
                }
                None => None,
            })
            .collect();
        KWay {
            rows,
            heads,
            key,
            error,
        }
    }

    /// The rows of the next key, with the shard each comes from.
    fn next_group(&mut self, out: &mut Vec<(usize, T)>) -> Option<K> {
        out.clear();
        if self.error.is_some() {
            return None;
        }
        let key = self.heads.iter().flatten().map(self.key).min()?;
        for i in 0..self.rows.len() {
            while self.heads[i].as_ref().is_some_and(|h| (self.key)(h) == key) {
                let next = match self.rows[i].next() {
                    Some(Ok(t)) => Some(t),
                    Some(Err(e)) => {
                        self.error.get_or_insert(e);
                        None
                    }
                    None => None,
                };
                if let Some(h) = std::mem::replace(&mut self.heads[i], next) {
                    out.push((i, h));
                }
            }
        }
        Some(key)
    }
}

/// A usage row: principal, permission, resource, first seen, last seen, count, denied, denied last.
type UsageRow = (
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
    Option<i64>,
);

fn usage_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UsageRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn resource_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn session_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, i64, String, i64, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

/// The earlier of two optional times (`None`: never).
fn earlier(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn later(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn opt(v: Option<i64>) -> ToSqlOutput<'static> {
    v.map_or(ToSqlOutput::Owned(Value::Null), ToSqlOutput::from)
}

/// Rows handed from the reader to the writer, merged across shards and in key order.
enum Batch {
    Resources(Vec<(i64, String, i64)>),
    Sessions(Vec<(i64, i64, String, i64, i64)>),
    Usage(Vec<UsageRow>),
    /// Everything was read.
    Done,
}

/// Rows per batch handed to the writer (a multiple of the rows per `INSERT`).
const BATCH: usize = 4096;

/// A shard's problem, named by its position when no path is at hand.
fn read_err(e: rusqlite::Error) -> StoreError {
    StoreError::at(Path::new("<shard>"), e.to_string())
}

/// Sends the rows `k` reads, those of one key combined into one by `combine`, in batches
/// `wrap` makes; false when the writer has stopped.
fn send_merged<T, K: Ord + Copy>(
    mut k: KWay<'_, T, K>,
    combine: impl Fn(std::vec::Drain<'_, (usize, T)>) -> Option<T>,
    wrap: fn(Vec<T>) -> Batch,
    send: &dyn Fn(Batch) -> bool,
) -> Result<bool, StoreError> {
    let (mut group, mut batch) = (Vec::new(), Vec::with_capacity(BATCH));
    while k.next_group(&mut group).is_some() {
        if let Some(row) = combine(group.drain(..)) {
            batch.push(row);
        }
        if batch.len() == BATCH && !send(wrap(std::mem::take(&mut batch))) {
            return Ok(false);
        }
    }
    if let Some(e) = k.error.take() {
        return Err(read_err(e));
    }
    Ok(send(wrap(batch)))
}

/// Reads the resources, sessions and usage of `shards`, merged, in key order, and sends them in
/// batches: the reading side of [`Store::merge_large`], on its own thread. Permission ids are
/// mapped to `ours` by name. Returns early (with `Ok`) when the writer has stopped.
fn read_merged(
    shards: &[&Path],
    ours: &FxHashMap<(String, String), i64>,
    out: &std::sync::mpsc::SyncSender<Batch>,
) -> Result<(), StoreError> {
    let open = |p: &Path| {
        let c = rusqlite::Connection::open_with_flags(
            p,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        c.pragma_update(None, "mmap_size", 1i64 << 32)?;
        Ok::<_, rusqlite::Error>(c)
    };
    let conns: Vec<rusqlite::Connection> = shards
        .iter()
        .map(|p| open(p).map_err(|e| StoreError::at(p, e.to_string())))
        .collect::<Result<_, _>>()?;
    let mut maps: Vec<FxHashMap<i64, i64>> = Vec::new();
    for (c, p) in conns.iter().zip(shards) {
        let err = |e: rusqlite::Error| StoreError::at(p, e.to_string());
        let mut st = c
            .prepare("SELECT id, provider, name FROM permissions")
            .map_err(err)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))
            .map_err(err)?;
        let mut m = FxHashMap::default();
        for row in rows {
            let (id, provider, name): (i64, String, String) = row.map_err(err)?;
            if let Some(o) = ours.get(&(provider, name)) {
                m.insert(id, *o);
            }
        }
        maps.push(m);
    }
    let prepare = |sql: &str| -> Result<Vec<rusqlite::Statement<'_>>, StoreError> {
        conns
            .iter()
            .zip(shards)
            .map(|(c, p)| c.prepare(sql).map_err(|e| StoreError::at(p, e.to_string())))
            .collect()
    };
    fn rows<'s, T>(
        st: &'s mut [rusqlite::Statement<'_>],
        f: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<Rows<'s, T>>, StoreError> {
        st.iter_mut()
            .map(|s| s.query_map([], f))
            .collect::<rusqlite::Result<_>>()
            .map_err(read_err)
    }
    let send = |b: Batch| out.send(b).is_ok();
    // resources: one row per id (a different name under a known id counts a collision)
    let mut st = prepare("SELECT id, ident, collisions FROM resources ORDER BY id")?;
    let sent = send_merged(
        KWay::new(rows(&mut st, resource_row)?, |r| r.0),
        |group| {
            let mut group = group.map(|(_, r)| r);
            let (id, ident, mut collisions) = group.next()?;
            for (_, other, c) in group {
                collisions = collisions.max(c) + i64::from(other != ident);
            }
            Some((id, ident, collisions))
        },
        Batch::Resources,
        &send,
    )?;
    if !sent {
        return Ok(());
    }
    // sessions: calls add, the last call is the later one
    let mut st = prepare(
        "SELECT principal, session_id, session, count, last_seen FROM sessions ORDER BY principal, session_id",
    )?;
    let sent = send_merged(
        KWay::new(rows(&mut st, session_row)?, |s| (s.0, s.1)),
        |group| {
            let mut group = group.map(|(_, s)| s);
            let (p, sid, name, mut count, mut last) = group.next()?;
            for (_, _, _, c, l) in group {
                count += c;
                last = last.max(l);
            }
            Some((p, sid, name, count, last))
        },
        Batch::Sessions,
        &send,
    )?;
    if !sent {
        return Ok(());
    }
    // usage: a principal at a time (its rows sorted again under this store's permission ids),
    // rows with the same key combined
    {
        let mut st = prepare(
            "SELECT principal, permission, resource, first_seen, last_seen, count, denied, denied_last
             FROM usage ORDER BY principal, permission, resource",
        )?;
        let mut k = KWay::new(rows(&mut st, usage_row)?, |u| u.0);
        let (mut group, mut batch) = (Vec::new(), Vec::<UsageRow>::with_capacity(BATCH));
        let mut mine: Vec<UsageRow> = Vec::new();
        while k.next_group(&mut group).is_some() {
            mine.clear();
            mine.extend(group.drain(..).filter_map(|(shard, mut u)| {
                u.1 = *maps[shard].get(&u.1)?;
                Some(u)
            }));
            mine.sort_unstable_by_key(|u| (u.1, u.2));
            for u in mine.drain(..) {
                match batch.last_mut() {
                    Some(c) if (c.0, c.1, c.2) == (u.0, u.1, u.2) => {
                        c.3 = earlier(c.3, u.3);
                        c.4 = later(c.4, u.4);
                        c.5 += u.5;
                        c.6 += u.6;
                        c.7 = later(c.7, u.7);
                    }
                    _ => {
                        if batch.len() >= BATCH && !send(Batch::Usage(std::mem::take(&mut batch))) {
                            return Ok(());
                        }
                        batch.push(u);
                    }
                }
            }
        }
        if let Some(e) = k.error.take() {
            return Err(read_err(e));
        }
        if !send(Batch::Usage(batch)) {
            return Ok(());
        }
    }
    send(Batch::Done);
    Ok(())
}

impl Store {
    /// Merges the usage, resources and sessions of `shards` — tables of this store that must
    /// still be empty — in one sorted pass: every shard is read in its primary-key order and the
    /// rows are appended in that order, so no row is looked up. The shards are read on a second
    /// thread while this one writes. Permission ids are mapped by name to this store's (whose
    /// `permissions` must already hold every shard's).
    pub fn merge_large(&mut self, shards: &[&Path]) -> Result<(), StoreError> {
        let ours: FxHashMap<(String, String), i64> =
            self.query("SELECT provider, name, id FROM permissions", [], |r| {
                Ok(((r.get(0)?, r.get(1)?), r.get(2)?))
            })?;
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(4);
            let reader = scope.spawn(|| {
                let tx = tx;
                read_merged(shards, &ours, &tx)
            });
            let written = self.in_transaction(|t| {
                let mut done = false;
                for b in rx {
                    match b {
                        Batch::Resources(rows) => insert_rows(
                            t,
                            "INSERT INTO resources(id, ident, collisions)",
                            "",
                            rows.into_iter().map(|(id, ident, c)| {
                                [
                                    ToSqlOutput::from(id),
                                    ToSqlOutput::Owned(Value::Text(ident)),
                                    ToSqlOutput::from(c),
                                ]
                            }),
                        )?,
                        Batch::Sessions(rows) => insert_rows(
                            t,
                            "INSERT INTO sessions(principal, session_id, session, count, last_seen)",
                            "",
                            rows.into_iter().map(|(p, sid, name, count, last)| {
                                [
                                    ToSqlOutput::from(p),
                                    ToSqlOutput::from(sid),
                                    ToSqlOutput::Owned(Value::Text(name)),
                                    ToSqlOutput::from(count),
                                    ToSqlOutput::from(last),
                                ]
                            }),
                        )?,
                        Batch::Usage(rows) => insert_rows(
                            t,
                            "INSERT INTO usage(principal, permission, resource, first_seen, last_seen, count, denied, denied_last)",
                            USAGE_UPSERT,
                            rows.into_iter().map(|u| {
                                [
                                    ToSqlOutput::from(u.0),
                                    ToSqlOutput::from(u.1),
                                    ToSqlOutput::from(u.2),
                                    opt(u.3),
                                    opt(u.4),
                                    ToSqlOutput::from(u.5),
                                    ToSqlOutput::from(u.6),
                                    opt(u.7),
                                ]
                            }),
                        )?,
                        Batch::Done => done = true,
                    }
                }
                // the reader stopped early: it says why below; nothing here is kept
                if done {
                    Ok(())
                } else {
                    Err(rusqlite::Error::InvalidQuery)
                }
            });
            let read = reader.join().unwrap_or_else(|_| {
                Err(StoreError::at(
                    Path::new("<shard>"),
                    "reading the shards failed".into(),
                ))
            });
            read?;
            written
        })
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::catalog::Registry;
    use crate::model::{LogClass, PermissionId, PermissionRef, Provider, UsageSummary};
    use proptest::prelude::*;

    /// (principal, permission, resource, time, denied, shard)
    type Event = (u8, u32, u8, i64, bool, usize);

    fn summary<'e>(events: impl Iterator<Item = &'e Event>) -> UsageSummary {
        let mut s = UsageSummary::default();
        for &(p, a, r, at, denied, _) in events {
            let pid = s.principal(Provider::Aws, &format!("arn:aws:iam::1:role/r{p}"), "role");
            let perm = PermissionRef::new(Provider::Aws, PermissionId(a));
            s.record(
                pid,
                perm,
                &format!("arn:aws:s3:::b/{r}"),
                crate::model::Calls::one(at),
                denied,
            );
            s.cover(Provider::Aws, "1", "us-east-1", "s3", LogClass::Data, at);
            s.events += 1;
        }
        s
    }

    fn store(path: &Path, s: &UsageSummary, objects: &[&str]) -> Store {
        let _ = std::fs::remove_file(path);
        let mut st = Store::open(path).expect("store");
        let objects: Vec<super::super::LogObjectRecord> = objects
            .iter()
            .map(|k| super::super::LogObjectRecord {
                key: k.to_string(),
                path: format!("/nowhere/{k}"),
                size: 1,
                events: 0,
                skipped_records: 0,
                format: None,
            })
            .collect();
        st.commit(s, &objects, "cloudtrail", Registry::embedded(), 0)
            .expect("commit");
        st
    }

    fn dump(st: &Store) -> Vec<String> {
        let mut v: Vec<String> = st
            .query(
                "SELECT principal, permission, resource, first_seen, last_seen, count, denied, denied_last FROM usage_view",
                [],
                |r| {
                    Ok(format!(
                        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, Option<String>>(7)?
                    ))
                },
            )
            .expect("usage");
        let cov: Vec<String> = st
            .query(
                "SELECT scope, location, service, class, day, events FROM coverage",
                [],
                |r| {
                    Ok(format!(
                        "{} {} {} {} {} {}",
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?
                    ))
                },
            )
            .expect("coverage");
        v.extend(cov);
        v.sort();
        v
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn shards_merge_into_the_store_of_all_their_events(
            events in prop::collection::vec(
                (0u8..4, 0u32..6, 0u8..5, 0i64..(40 * 86_400), any::<bool>(), 0usize..3),
                1..50,
            )
        ) {
            let dir = std::env::temp_dir().join(format!(
                "whittle-merge-prop-{}-{}",
                std::process::id(),
                events.len() as u64 * 1_000_003 + events.iter().map(|e| e.3 as u64).sum::<u64>()
            ));
            std::fs::create_dir_all(&dir).expect("dir");
            let whole = store(&dir.join("whole.db"), &summary(events.iter()), &["a", "b", "c"]);
            let mut shards = Vec::new();
            for k in 0..3 {
                let path = dir.join(format!("shard-{k}.db"));
                let key = ["a", "b", "c"][k];
                drop(store(&path, &summary(events.iter().filter(|e| e.5 == k)), &[key]));
                shards.push(path);
            }
            let out = dir.join("merged.db");
            let _ = std::fs::remove_file(&out);
            let mut merged = Store::open(&out).expect("out");
            for s in &shards {
                let m = merged.merge_shard(s).expect("merge");
                prop_assert!(m.overlapping.is_empty());
            }
            let paths: Vec<&Path> = shards.iter().map(std::path::PathBuf::as_path).collect();
            merged.merge_large(&paths).expect("large");
            prop_assert_eq!(dump(&merged), dump(&whole));
            drop(merged);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
