//! What alert rules are asked about after an ingest: each event of the run that the store, as it
//! was before the run, and the run itself make notable — a high-risk event (of an activity
//! class), the first use of a permission by a principal with a history, a principal active again
//! after days without activity, a burst of denied calls, an access key used from a network it
//! never was before. Computed from the run's sightings and a few facts read from the store once,
//! before the run: the store's events are never scanned again.

use super::store::{Store, StoreError};
use crate::catalog::{AccessLevel, Registry};
use crate::model::time::{Epoch, DAY};
use crate::model::{JournalEntry, Provider, Sightings, UseEvent};
use rusqlite::params;
use rustc_hash::{FxHashMap, FxHashSet};

/// Tables of the activity index, created with the journal's.
pub(super) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS key_networks (
  access_key TEXT NOT NULL, network TEXT NOT NULL, first_seen INTEGER NOT NULL, event_id TEXT NOT NULL,
  PRIMARY KEY (access_key, network)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alerts (
  rule TEXT NOT NULL, event_id TEXT NOT NULL, raised_at INTEGER NOT NULL,
  PRIMARY KEY (rule, event_id)) WITHOUT ROWID;
"#;

/// A principal's use of a permission as the store has it: principal, permission, first allowed,
/// last allowed, last denied.
type UseSpan = (String, String, Option<Epoch>, Option<Epoch>, Option<Epoch>);

/// An alert raised by an earlier ingest, with the event that raised it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RaisedAlert {
    /// The alert rule.
    pub rule: String,
    /// The event's id.
    pub event_id: String,
    /// When the alert was raised.
    pub raised_at: Epoch,
    /// When the event happened (when the alert was raised, for an event the journal does not
    /// keep).
    pub time: Epoch,
    /// Who; `None` for an event the journal does not keep (not of a high-risk class: a known
    /// key from a new network, say).
    pub principal: Option<String>,
    /// The person or session behind it, when the log says.
    pub actor: Option<String>,
    /// `service:Operation`.
    pub operation: Option<String>,
    /// Account.
    pub scope: Option<String>,
    /// Region.
    pub location: Option<String>,
}

/// What the store knew before a run.
#[derive(Debug, Default)]
pub struct Prior {
    /// (principal, permission) pairs used (allowed) before.
    pairs: FxHashSet<(String, String)>,
    /// Per principal: first and last activity.
    span: FxHashMap<String, (Epoch, Epoch)>,
    /// (access key, network) pairs seen before, and the keys' first use.
    networks: FxHashSet<(String, String)>,
    keys: FxHashMap<String, Epoch>,
    /// Principals that used permission-management permissions.
    privileged: FxHashSet<String>,
}

/// The thresholds alert candidates are cut at (rules decide from there).
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// Days of history a principal (or key) needs before a first use or a new network counts.
    pub baseline_days: i64,
    /// Days without activity that make a return worth asking about.
    pub dormant_days: i64,
    /// Denied calls within `burst_minutes` that make a burst.
    pub burst_count: u64,
    /// The burst window.
    pub burst_minutes: i64,
}

/// What a run saw: its sightings, the names of its principals, and the events it kept whole.
#[derive(Debug, Default)]
pub struct RunActivity {
    /// Sightings of every batch.
    pub sightings: Sightings,
    /// Principal id → (identifier, kind).
    pub principals: FxHashMap<i64, (String, &'static str)>,
    /// High-risk events kept (records left out).
    pub journal: Vec<JournalEntry>,
}

impl RunActivity {
    /// Adds a batch's.
    pub fn absorb(&mut self, s: &mut crate::model::UsageSummary) {
        self.sightings.merge(std::mem::take(&mut s.sightings));
        for (id, (_, name, kind)) in &s.principals {
            self.principals
                .entry(*id)
                .or_insert_with(|| (name.clone(), *kind));
        }
        self.journal.extend(s.journal.iter().map(|e| JournalEntry {
            record: Vec::new(),
            ..e.clone()
        }));
    }
}

impl Prior {
    /// Adds principals (ids as the store names them: ARNs) to those called privileged — the
    /// snapshot's admin-equivalent and permission-management holders.
    pub fn add_privileged(&mut self, ids: impl IntoIterator<Item = String>) {
        self.privileged.extend(ids);
    }
}

impl Store {
    /// The facts alert candidates are measured against, read once before a run.
    pub fn prior_activity(&self, catalogs: &Registry) -> Result<Prior, StoreError> {
        let mut prior = Prior::default();
        let rows: Vec<UseSpan> = self.query(
            "SELECT p.ident, a.name, u.first_seen, u.last_seen, u.denied_last
             FROM (SELECT principal, permission, min(first_seen) AS first_seen,
                          max(last_seen) AS last_seen, max(denied_last) AS denied_last
                   FROM usage GROUP BY principal, permission) u
             JOIN principals p ON p.id = u.principal JOIN permissions a ON a.id = u.permission",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        let aws = catalogs.aws();
        for (principal, permission, first, last, denied_last) in rows {
            let times = [first, last, denied_last];
            let lo = times.iter().flatten().min().copied();
            let hi = times.iter().flatten().max().copied();
            if let (Some(lo), Some(hi)) = (lo, hi) {
                let span = prior.span.entry(principal.clone()).or_insert((lo, hi));
                span.0 = span.0.min(lo);
                span.1 = span.1.max(hi);
            }
            if last.is_some() {
                if aws.lookup(&permission).is_some_and(|id| {
                    aws.action(id).access_level == AccessLevel::PermissionsManagement
                }) {
                    prior.privileged.insert(principal.clone());
                }
                prior.pairs.insert((principal, permission));
            }
        }
        if self.has_table("key_networks")? {
            let rows: Vec<(String, String, Epoch)> = self.query(
                "SELECT access_key, network, first_seen FROM key_networks",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            for (key, network, first) in rows {
                let k = prior.keys.entry(key.clone()).or_insert(first);
                *k = (*k).min(first);
                prior.networks.insert((key, network));
            }
        }
        Ok(prior)
    }

    /// Records the run's access-key networks, so a later run knows them.
    pub fn record_networks(&mut self, run: &RunActivity) -> Result<(), StoreError> {
        let mut rows: Vec<(&str, &str, Epoch, &str)> = run
            .sightings
            .networks
            .iter()
            .flat_map(|(k, nets)| {
                nets.iter()
                    .map(move |(n, (_, s))| (&**k, &**n, s.time, &*s.event_id))
            })
            .collect();
        rows.sort_unstable();
        // one transaction and one prepared statement for all of them
        self.in_transaction(|tx| {
            let mut st = tx.prepare_cached(
                "INSERT INTO key_networks(access_key, network, first_seen, event_id) VALUES(?1, ?2, ?3, ?4)
                 ON CONFLICT(access_key, network) DO UPDATE SET
                   first_seen = min(first_seen, excluded.first_seen),
                   event_id = CASE WHEN excluded.first_seen < first_seen THEN excluded.event_id ELSE event_id END",
            )?;
            for (key, network, time, id) in rows {
                st.execute(params![key, network, time, id])?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// The alerts raised for events in `since..until`, newest first (at most `limit`), with
    /// what the journal kept of each event (an event it did not keep counts at the time the
    /// alert was raised).
    pub fn raised_alerts(
        &self,
        since: Epoch,
        until: Epoch,
        limit: usize,
    ) -> Result<Vec<RaisedAlert>, StoreError> {
        if !self.has_table("alerts")? || !self.has_table("journal")? {
            return Ok(Vec::new());
        }
        self.query(
            "SELECT a.rule, a.event_id, a.raised_at, coalesce(j.time, a.raised_at), j.principal,
                    j.actor, j.operation, j.scope, j.location
             FROM alerts a LEFT JOIN journal j ON j.event_id = a.event_id
             WHERE coalesce(j.time, a.raised_at) >= ?1 AND coalesce(j.time, a.raised_at) < ?2
             ORDER BY coalesce(j.time, a.raised_at) DESC, a.rule LIMIT ?3",
            params![since, until, limit as i64],
            |r| {
                Ok(RaisedAlert {
                    rule: r.get(0)?,
                    event_id: r.get(1)?,
                    raised_at: r.get(2)?,
                    time: r.get(3)?,
                    principal: r.get(4)?,
                    actor: r.get(5)?,
                    operation: r.get(6)?,
                    scope: r.get(7)?,
                    location: r.get(8)?,
                })
            },
        )
    }

    /// Notes that `rule` raised an alert for `event_id`; false when it already had (the same
    /// event read again, from another file): an alert is raised once per triggering event.
    pub fn raise(&mut self, rule: &str, event_id: &str, now: Epoch) -> Result<bool, StoreError> {
        let n = self.execute(
            "INSERT OR IGNORE INTO alerts(rule, event_id, raised_at) VALUES(?1, ?2, ?3)",
            params![rule, event_id, now],
        )?;
        Ok(n > 0)
    }
}

/// The events of `run` alert rules are asked about, with what was known before each.
pub fn use_events(
    prior: &Prior,
    run: &RunActivity,
    catalogs: &Registry,
    t: Thresholds,
) -> Vec<UseEvent> {
    let name = |p: i64| {
        run.principals
            .get(&p)
            .map_or(("unknown", "unknown"), |(n, k)| (n.as_str(), *k))
    };
    // each principal's days active in the run, in order, with the first event of each
    let mut days: FxHashMap<i64, Vec<(i64, &crate::model::Seen)>> = FxHashMap::default();
    for ((p, day), seen) in &run.sightings.active {
        days.entry(*p).or_default().push((*day, seen));
    }
    for d in days.values_mut() {
        d.sort_unstable_by_key(|(day, _)| *day);
    }
    let first_seen = |p: i64| -> Option<Epoch> {
        let run_first = days.get(&p).and_then(|d| d.first()).map(|(_, s)| s.time);
        let prior_first = prior.span.get(name(p).0).map(|s| s.0);
        run_first.into_iter().chain(prior_first).min()
    };
    let privileged: FxHashSet<i64> = run
        .sightings
        .first_use
        .keys()
        .filter(|(_, a)| {
            a.provider == Provider::Aws
                && catalogs.aws().action(a.id).access_level == AccessLevel::PermissionsManagement
        })
        .map(|(p, _)| *p)
        .chain(
            run.principals
                .iter()
                .filter(|(_, (n, _))| prior.privileged.contains(n))
                .map(|(p, _)| *p),
        )
        .collect();
    let base = |p: i64, id: &str, time: Epoch, operation: &str| {
        let (principal, kind) = name(p);
        UseEvent {
            event_id: id.to_string(),
            time,
            principal: principal.to_string(),
            principal_kind: kind.to_string(),
            operation: operation.to_string(),
            history_days: first_seen(p).map(|f| (time - f) / DAY),
            events: vec![(id.to_string(), time)],
            privileged: privileged.contains(&p),
            ..UseEvent::default()
        }
    };
    let mut out = Vec::new();
    // a principal active again after a dormant stretch
    for (p, active) in &days {
        let mut previous = prior.span.get(name(*p).0).map(|s| s.1);
        for (_, seen) in active {
            if let Some(before) = previous.filter(|b| *b < seen.time) {
                let dormant = (seen.time - before) / DAY;
                if dormant >= t.dormant_days {
                    let mut e = base(*p, &seen.event_id, seen.time, &seen.operation);
                    e.days_dormant = Some(dormant);
                    out.push(e);
                }
            }
            previous = Some(previous.map_or(seen.time, |b| b.max(seen.time)));
        }
    }
    // first use of a permission by a principal with a history
    for ((p, a), seen) in &run.sightings.first_use {
        let permission = catalogs.name(*a).to_string();
        if prior
            .pairs
            .contains(&(name(*p).0.to_string(), permission.clone()))
        {
            continue;
        }
        let mut e = base(*p, &seen.event_id, seen.time, &seen.operation);
        if e.history_days.is_some_and(|h| h >= t.baseline_days) {
            e.permission = Some(permission);
            e.first_use = true;
            out.push(e);
        }
    }
    // bursts of denied calls: one per run of `burst_count` within the window
    let mut denied: FxHashMap<i64, Vec<&crate::model::Seen>> = FxHashMap::default();
    for (p, seen) in &run.sightings.denied {
        denied.entry(*p).or_default().push(seen);
    }
    for (p, mut calls) in denied {
        calls.sort_unstable_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
        // the same call read twice (two files) counts once
        calls.dedup_by(|a, b| a.event_id == b.event_id);
        let window = t.burst_minutes * 60;
        let mut start = 0;
        for end in 0..calls.len() {
            while calls[end].time - calls[start].time >= window {
                start += 1;
            }
            if (end + 1 - start) as u64 >= t.burst_count {
                let last = calls[end];
                let mut e = base(p, &last.event_id, last.time, &last.operation);
                e.denied = true;
                e.denied_recent = (end + 1 - start) as u64;
                e.events = calls[start..=end]
                    .iter()
                    .map(|s| (s.event_id.to_string(), s.time))
                    .collect();
                out.push(e);
                // the next burst starts after this one
                start = end + 1;
            }
        }
    }
    // an access key used from a network it never was before (each key's first use: once)
    let mut key_first: FxHashMap<&str, Epoch> =
        prior.keys.iter().map(|(k, t)| (k.as_str(), *t)).collect();
    for (key, nets) in &run.sightings.networks {
        for (_, seen) in nets.values() {
            let t = key_first.entry(key).or_insert(seen.time);
            *t = (*t).min(seen.time);
        }
    }
    let networks = run
        .sightings
        .networks
        .iter()
        .flat_map(|(k, nets)| nets.iter().map(move |(n, v)| ((k, n), v)));
    for ((key, network), (p, seen)) in networks {
        if prior
            .networks
            .contains(&(key.to_string(), network.to_string()))
        {
            continue;
        }
        let key_first = key_first.get(&**key).copied();
        let history = key_first.map(|f| (seen.time - f) / DAY);
        if history.is_some_and(|h| h >= t.baseline_days) {
            let mut e = base(*p, &seen.event_id, seen.time, &seen.operation);
            e.new_network = true;
            e.access_key = Some(key.to_string());
            e.network = Some(network.to_string());
            e.history_days = history;
            out.push(e);
        }
    }
    // high-risk events, with what their records say
    let by_name: FxHashMap<&str, i64> = run
        .principals
        .iter()
        .map(|(p, (n, _))| (n.as_str(), *p))
        .collect();
    for j in &run.journal {
        let p = by_name.get(j.principal.as_str()).copied();
        let mut e = match p {
            Some(p) => base(p, &j.event_id, j.time, &j.operation),
            None => UseEvent {
                event_id: j.event_id.clone(),
                time: j.time,
                principal: j.principal.clone(),
                operation: j.operation.clone(),
                events: vec![(j.event_id.clone(), j.time)],
                ..UseEvent::default()
            },
        };
        e.classes = j.classes.clone();
        e.denied = j.denied;
        e.actor = j.actor.clone();
        e.source_ip = j.source_ip.clone();
        e.region = Some(j.location.clone());
        out.push(e);
    }
    out.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
    out
}
