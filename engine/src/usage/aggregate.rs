//! The mergeable usage summary: (principal, action, resource) → first/last seen, counts; plus
//! sessions, unmapped events and coverage. Built per log object, merged, then stored.

use crate::catalog::ActionId;
use rustc_hash::FxHashMap;

/// Seconds since the Unix epoch.
pub type Epoch = i64;

/// The stable 64-bit id of a principal, resource or session name (xxh3), as stored.
///
/// Ids are content hashes so that parse threads can compute them in parallel and summaries merge
/// by integer keys; the store keeps the name beside each id and counts any collision.
pub fn name_id(name: &str) -> i64 {
    xxhash_rust::xxh3::xxh3_64(name.as_bytes()) as i64
}

/// Use of one permission on one resource by one principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// First allowed call (`i64::MAX` when none).
    pub first_seen: Epoch,
    /// Last allowed call (`i64::MIN` when none).
    pub last_seen: Epoch,
    /// Allowed calls.
    pub count: u64,
    /// Denied calls (never counted as use).
    pub denied: u64,
    /// Last denied call (`i64::MIN` when none).
    pub denied_last: Epoch,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            first_seen: Epoch::MAX,
            last_seen: Epoch::MIN,
            count: 0,
            denied: 0,
            denied_last: Epoch::MIN,
        }
    }
}

impl Stats {
    /// Records one call.
    pub fn add(&mut self, at: Epoch, denied: bool) {
        if denied {
            self.denied += 1;
            self.denied_last = self.denied_last.max(at);
        } else {
            self.count += 1;
            self.first_seen = self.first_seen.min(at);
            self.last_seen = self.last_seen.max(at);
        }
    }

    /// Adds another summary of the same key.
    pub fn merge(&mut self, o: &Stats) {
        self.first_seen = self.first_seen.min(o.first_seen);
        self.last_seen = self.last_seen.max(o.last_seen);
        self.count += o.count;
        self.denied += o.denied;
        self.denied_last = self.denied_last.max(o.denied_last);
    }
}

/// Counts and time span of events with one (event source, event name).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Events.
    pub count: u64,
    /// Last event time.
    pub last_seen: Epoch,
}

impl Tally {
    fn add(&mut self, at: Epoch) {
        self.count += 1;
        self.last_seen = self.last_seen.max(at);
    }
    fn merge(&mut self, o: &Tally) {
        self.count += o.count;
        self.last_seen = self.last_seen.max(o.last_seen);
    }
}

/// What the logs show of one service in one account and region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceCoverage {
    /// Management events seen.
    pub management: u64,
    /// Data events seen (S3 objects, Lambda invokes, DynamoDB items…).
    pub data: u64,
    /// First event.
    pub first_seen: Epoch,
    /// Last event.
    pub last_seen: Epoch,
}

impl Default for ServiceCoverage {
    fn default() -> Self {
        ServiceCoverage {
            management: 0,
            data: 0,
            first_seen: Epoch::MAX,
            last_seen: Epoch::MIN,
        }
    }
}

/// The usage summary of some log objects.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// Principals by id: (ARN or `service:…`/`account:…`, kind).
    pub principals: FxHashMap<i64, (String, &'static str)>,
    /// Resource ARNs (or `*`) by id.
    pub resources: FxHashMap<i64, String>,
    /// (principal, action, resource) → use.
    pub usage: FxHashMap<(i64, ActionId, i64), Stats>,
    /// Role session names by id.
    pub session_names: FxHashMap<i64, String>,
    /// (principal, session) → calls.
    pub sessions: FxHashMap<(i64, i64), Tally>,
    /// (event source, event name) the catalog mapping does not know.
    pub unmapped: FxHashMap<(String, String), Tally>,
    /// (event source, event name) that need no permission.
    pub permissionless: FxHashMap<(String, String), Tally>,
    /// (account, region, day number since epoch) → events.
    pub days: FxHashMap<(String, String, i64), u64>,
    /// (account, region, service prefix) → coverage.
    pub services: FxHashMap<(String, String, String), ServiceCoverage>,
    /// Events read.
    pub events: u64,
    /// Events denied.
    pub denied_events: u64,
}

impl Batch {
    /// An empty batch with room for as many entries as `like` holds.
    pub fn with_capacity_of(like: &Batch) -> Batch {
        fn room<K, V>(m: &FxHashMap<K, V>) -> FxHashMap<K, V> {
            FxHashMap::with_capacity_and_hasher(m.len(), Default::default())
        }
        Batch {
            principals: room(&like.principals),
            resources: room(&like.resources),
            usage: room(&like.usage),
            session_names: room(&like.session_names),
            sessions: room(&like.sessions),
            ..Batch::default()
        }
    }

    /// The id of a principal of `kind`, recording its name.
    pub fn principal(&mut self, name: &str, kind: &'static str) -> i64 {
        let id = name_id(name);
        self.principals
            .entry(id)
            .or_insert_with(|| (name.to_string(), kind));
        id
    }

    /// Records use of `action` on `resource`.
    pub fn record(
        &mut self,
        principal: i64,
        action: ActionId,
        resource: &str,
        at: Epoch,
        denied: bool,
    ) {
        let r = name_id(resource);
        self.resources
            .entry(r)
            .or_insert_with(|| resource.to_string());
        self.usage
            .entry((principal, action, r))
            .or_default()
            .add(at, denied);
    }

    /// Records a role session.
    pub fn session(&mut self, principal: i64, session: &str, at: Epoch) {
        let s = name_id(session);
        self.session_names
            .entry(s)
            .or_insert_with(|| session.to_string());
        self.sessions.entry((principal, s)).or_default().add(at);
    }

    /// Records an event with no permission mapping.
    pub fn unmapped(&mut self, source: &str, name: &str, at: Epoch) {
        tally(&mut self.unmapped, source, name, at);
    }

    /// Records an event that needs no permission.
    pub fn permissionless(&mut self, source: &str, name: &str, at: Epoch) {
        tally(&mut self.permissionless, source, name, at);
    }

    /// Records coverage for one event.
    pub fn cover(
        &mut self,
        account: &str,
        region: &str,
        service: &str,
        at: Epoch,
        data_event: bool,
    ) {
        let day = at.div_euclid(86_400);
        // look up by reference first: the key strings are only allocated once per batch
        match self
            .days
            .iter_mut()
            .find(|((a, r, d), _)| *d == day && a == account && r == region)
        {
            Some((_, n)) => *n += 1,
            None => {
                self.days
                    .insert((account.to_string(), region.to_string(), day), 1);
            }
        }
        let c = match self
            .services
            .iter_mut()
            .find(|((a, r, s), _)| s == service && a == account && r == region)
        {
            Some((_, c)) => c,
            None => self
                .services
                .entry((account.to_string(), region.to_string(), service.to_string()))
                .or_default(),
        };
        if data_event {
            c.data += 1;
        } else {
            c.management += 1;
        }
        c.first_seen = c.first_seen.min(at);
        c.last_seen = c.last_seen.max(at);
    }

    /// Adds another batch into this one.
    pub fn merge(&mut self, o: Batch) {
        for (k, v) in o.principals {
            self.principals.entry(k).or_insert(v);
        }
        for (k, v) in o.resources {
            self.resources.entry(k).or_insert(v);
        }
        for (k, s) in o.usage {
            self.usage.entry(k).or_default().merge(&s);
        }
        for (k, v) in o.session_names {
            self.session_names.entry(k).or_insert(v);
        }
        for (k, t) in o.sessions {
            self.sessions.entry(k).or_default().merge(&t);
        }
        for (k, t) in o.unmapped {
            self.unmapped.entry(k).or_default().merge(&t);
        }
        for (k, t) in o.permissionless {
            self.permissionless.entry(k).or_default().merge(&t);
        }
        for (k, n) in o.days {
            *self.days.entry(k).or_default() += n;
        }
        for (k, c) in o.services {
            let e = self.services.entry(k).or_default();
            e.management += c.management;
            e.data += c.data;
            e.first_seen = e.first_seen.min(c.first_seen);
            e.last_seen = e.last_seen.max(c.last_seen);
        }
        self.events += o.events;
        self.denied_events += o.denied_events;
    }
}

fn tally(map: &mut FxHashMap<(String, String), Tally>, source: &str, name: &str, at: Epoch) {
    match map.iter_mut().find(|((s, n), _)| s == source && n == name) {
        Some((_, t)) => t.add(at),
        None => map
            .entry((source.to_string(), name.to_string()))
            .or_default()
            .add(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_equals_recording_everything_in_one_batch() {
        let mut a = Batch::default();
        let mut b = Batch::default();
        let mut all = Batch::default();
        for (into_a, t, denied) in [(true, 10, false), (false, 5, false), (false, 20, true)] {
            let batch = if into_a { &mut a } else { &mut b };
            let p = batch.principal("arn:aws:iam::1:role/r", "role");
            batch.record(p, ActionId(7), "arn:aws:s3:::b", t, denied);
            let p = all.principal("arn:aws:iam::1:role/r", "role");
            all.record(p, ActionId(7), "arn:aws:s3:::b", t, denied);
        }
        a.merge(b);
        let s = a.usage.values().next().copied().expect("one key");
        assert_eq!(s, all.usage.values().next().copied().expect("one key"));
        assert_eq!(
            (s.first_seen, s.last_seen, s.count, s.denied, s.denied_last),
            (5, 10, 2, 1, 20)
        );
    }
}
