//! Observed usage as a mergeable summary: (principal, permission, resource) → first/last seen and
//! counts, plus role sessions, events no permission maps to, and coverage. Every log source
//! lowers what it reads into one [`UsageSummary`] per log object; summaries merge in any order
//! (the result is the same), and the store persists them.

use super::coverage::{Coverage, CoverageCell, CoverageMode, LogClass};
use super::principal::Provider;
use super::time::{day_of, Day, Epoch, DAY};
use rustc_hash::FxHashMap;
use std::collections::HashMap;

/// A permission, by its index in its provider's catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct PermissionId(pub u32);

/// A permission of any provider: the provider, and the index in its catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct PermissionRef {
    /// Whose catalog.
    pub provider: Provider,
    /// The index in it.
    pub id: PermissionId,
}

impl PermissionRef {
    /// `provider`'s permission `id`.
    pub fn new(provider: Provider, id: PermissionId) -> Self {
        PermissionRef { provider, id }
    }
}

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

/// Calls alike: how many, the first and the last. One event of a log is one call; a row of an
/// aggregate (`whittle ingest --aggregate`) is many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calls {
    /// The first call.
    pub first: Epoch,
    /// The last call.
    pub last: Epoch,
    /// How many.
    pub count: u64,
}

impl Calls {
    /// One call at `at`.
    pub fn one(at: Epoch) -> Calls {
        Calls {
            first: at,
            last: at,
            count: 1,
        }
    }
}

impl Stats {
    /// Records one call.
    pub fn add(&mut self, at: Epoch, denied: bool) {
        self.add_calls(Calls::one(at), denied);
    }

    /// Records calls alike.
    pub fn add_calls(&mut self, c: Calls, denied: bool) {
        if denied {
            self.denied += c.count;
            self.denied_last = self.denied_last.max(c.last);
        } else {
            self.count += c.count;
            self.first_seen = self.first_seen.min(c.first);
            self.last_seen = self.last_seen.max(c.last);
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
    fn add(&mut self, c: Calls) {
        self.count += c.count;
        self.last_seen = self.last_seen.max(c.last);
    }
    fn merge(&mut self, o: &Tally) {
        self.count += o.count;
        self.last_seen = self.last_seen.max(o.last_seen);
    }
}

/// The usage summary of some log objects.
#[derive(Debug, Default, Clone)]
pub struct UsageSummary {
    /// Principals by id: (provider, ARN or `service:…`/`account:…`, kind).
    pub principals: FxHashMap<i64, (Provider, String, &'static str)>,
    /// Resource ARNs (or `*`) by id.
    pub resources: FxHashMap<i64, String>,
    /// (principal, permission, resource) → use.
    pub usage: FxHashMap<(i64, PermissionRef, i64), Stats>,
    /// Role session names by id.
    pub session_names: FxHashMap<i64, String>,
    /// (principal, session) → calls.
    pub sessions: FxHashMap<(i64, i64), Tally>,
    /// (provider, service, operation) — CloudTrail's event source and name — that no mapping knows.
    pub unmapped: FxHashMap<(Provider, String, String), Tally>,
    /// (provider, service, operation) that need no permission.
    pub permissionless: FxHashMap<(Provider, String, String), Tally>,
    /// Events per coverage cell.
    pub coverage: FxHashMap<CoverageCell, u64>,
    /// Events read.
    pub events: u64,
    /// Events denied.
    pub denied_events: u64,
    /// Events of the rule set's high-risk classes, kept whole.
    pub journal: Vec<super::JournalEntry>,
    /// Single events alert rules look at (first uses, active days, denied calls, networks).
    pub sightings: super::Sightings,
}

impl UsageSummary {
    /// An empty summary with room for as many entries as `like` holds.
    pub fn with_capacity_of(like: &UsageSummary) -> UsageSummary {
        fn room<K, V>(m: &FxHashMap<K, V>) -> FxHashMap<K, V> {
            FxHashMap::with_capacity_and_hasher(m.len(), Default::default())
        }
        UsageSummary {
            principals: room(&like.principals),
            resources: room(&like.resources),
            usage: room(&like.usage),
            session_names: room(&like.session_names),
            sessions: room(&like.sessions),
            ..UsageSummary::default()
        }
    }

    /// The id of a principal of `kind`, recording its name.
    pub fn principal(&mut self, provider: Provider, name: &str, kind: &'static str) -> i64 {
        let id = name_id(name);
        self.principals
            .entry(id)
            .or_insert_with(|| (provider, name.to_string(), kind));
        id
    }

    /// Records use of `action` on `resource`.
    pub fn record(
        &mut self,
        principal: i64,
        action: PermissionRef,
        resource: &str,
        calls: Calls,
        denied: bool,
    ) {
        let r = name_id(resource);
        self.resources
            .entry(r)
            .or_insert_with(|| resource.to_string());
        self.usage
            .entry((principal, action, r))
            .or_default()
            .add_calls(calls, denied);
    }

    /// Records calls in a role session.
    pub fn session(&mut self, principal: i64, session: &str, calls: Calls) {
        let s = name_id(session);
        self.session_names
            .entry(s)
            .or_insert_with(|| session.to_string());
        self.sessions.entry((principal, s)).or_default().add(calls);
    }

    /// Records events with no permission mapping.
    pub fn unmapped(&mut self, provider: Provider, service: &str, operation: &str, calls: Calls) {
        tally(&mut self.unmapped, provider, service, operation, calls);
    }

    /// Records events that need no permission.
    pub fn permissionless(
        &mut self,
        provider: Provider,
        service: &str,
        operation: &str,
        calls: Calls,
    ) {
        tally(
            &mut self.permissionless,
            provider,
            service,
            operation,
            calls,
        );
    }

    /// Records coverage for one event.
    pub fn cover(
        &mut self,
        provider: Provider,
        scope: &str,
        location: &str,
        service: &str,
        class: LogClass,
        at: Epoch,
    ) {
        self.cover_day(provider, (scope, location, service), class, day_of(at), 1);
    }

    /// Records coverage for `events` events of one day.
    pub fn cover_day(
        &mut self,
        provider: Provider,
        (scope, location, service): (&str, &str, &str),
        class: LogClass,
        day: Day,
        events: u64,
    ) {
        // a log object covers few cells: look up by reference, allocate the key once
        let hit = self.coverage.iter_mut().find(|(c, _)| {
            c.day == day
                && c.class == class
                && c.provider == provider
                && c.service == service
                && c.location == location
                && c.scope == scope
        });
        match hit {
            Some((_, n)) => *n += events,
            None => {
                self.coverage.insert(
                    CoverageCell {
                        provider,
                        scope: scope.to_string(),
                        location: location.to_string(),
                        service: service.to_string(),
                        class,
                        day,
                    },
                    events,
                );
            }
        }
    }

    /// Adds another summary into this one.
    pub fn merge(&mut self, o: UsageSummary) {
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
        for (k, n) in o.coverage {
            *self.coverage.entry(k).or_default() += n;
        }
        self.events += o.events;
        self.denied_events += o.denied_events;
        self.journal.extend(o.journal);
        self.sightings.merge(o.sightings);
    }
}

type Tallies = FxHashMap<(Provider, String, String), Tally>;

fn tally(map: &mut Tallies, provider: Provider, service: &str, operation: &str, calls: Calls) {
    match map
        .iter_mut()
        .find(|((p, s, o), _)| *p == provider && s == service && o == operation)
    {
        Some((_, t)) => t.add(calls),
        None => map
            .entry((provider, service.to_string(), operation.to_string()))
            .or_default()
            .add(calls),
    }
}

/// One observed use, as the store or a rule test gives it: a principal's allowed calls of a
/// permission on a resource, up to `last_seen`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRecord {
    /// Principal id (ARN for AWS).
    pub principal: String,
    /// Permission name, in catalog casing.
    pub permission: String,
    /// Resource, or `*` when the log names none.
    pub resource: String,
    /// Last allowed call.
    pub last_seen: Epoch,
}

/// The observation window: usage from `since` to `now`, coverage counted on the whole days
/// `first..=last` before today (today's logs are still arriving).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// "Now": rules have no clock.
    pub now: Epoch,
    /// Uses at or after this count.
    pub since: Epoch,
    /// First whole day of the window.
    pub first: Day,
    /// Last whole day (yesterday, seen from `now`).
    pub last: Day,
}

impl Window {
    /// The `days` whole days before the day of `now`.
    pub fn ending(now: Epoch, days: u32) -> Window {
        let today = day_of(now);
        let first = today - i64::from(days);
        Window {
            now,
            since: first * DAY,
            first,
            last: today - 1,
        }
    }
}

/// What the logs say for one evaluation: the last use of each permission by each principal in
/// the window, and the coverage that says where absence of use is evidence. `check`, rule tests
/// and recommendations all build it with [`UsageFacts::build`].
#[derive(Debug, Clone)]
pub struct UsageFacts {
    /// The window.
    pub window: Window,
    /// What the logs covered.
    pub coverage: Coverage,
    last_used: HashMap<String, HashMap<String, Epoch>>,
}

impl UsageFacts {
    /// The facts of `records` and coverage `cells` over `window`; records and cells outside it
    /// are ignored.
    pub fn build<'c>(
        window: Window,
        records: impl IntoIterator<Item = UsageRecord>,
        cells: impl IntoIterator<Item = &'c CoverageCell>,
        mode: CoverageMode,
    ) -> UsageFacts {
        let mut last_used: HashMap<String, HashMap<String, Epoch>> = HashMap::new();
        for r in records {
            if r.last_seen < window.since || r.last_seen > window.now {
                continue;
            }
            let at = last_used
                .entry(r.principal)
                .or_default()
                .entry(r.permission)
                .or_insert(r.last_seen);
            *at = (*at).max(r.last_seen);
        }
        let cells = cells
            .into_iter()
            .filter(|c| (window.first..=window.last).contains(&c.day));
        UsageFacts {
            window,
            coverage: Coverage::new(cells, mode),
            last_used,
        }
    }

    /// The last allowed use of `permission` by `principal` in the window.
    pub fn last_used(&self, principal: &str, permission: &str) -> Option<Epoch> {
        self.last_used.get(principal)?.get(permission).copied()
    }

    /// Every permission `principal` used in the window, with its last use.
    pub fn used_by(&self, principal: &str) -> Option<&HashMap<String, Epoch>> {
        self.last_used.get(principal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_keep_the_last_use_inside_the_window() {
        let now = 20_781 * DAY + 3600; // 2026-11-25T01:00Z
        let w = Window::ending(now, 90);
        assert_eq!((w.first, w.last), (20_691, 20_780));
        let rec = |perm: &str, at: Epoch| UsageRecord {
            principal: "p".into(),
            permission: perm.into(),
            resource: "*".into(),
            last_seen: at,
        };
        let facts = UsageFacts::build(
            w,
            [
                rec("s3:GetObject", w.since - 1),
                rec("s3:PutObject", w.since),
                rec("s3:PutObject", now - 10),
                rec("s3:PutObject", now - 20),
            ],
            [],
            CoverageMode::PerScope,
        );
        assert_eq!(
            facts.last_used("p", "s3:GetObject"),
            None,
            "before the window"
        );
        assert_eq!(facts.last_used("p", "s3:PutObject"), Some(now - 10));
    }

    #[test]
    fn merging_equals_recording_everything_in_one_batch() {
        let mut a = UsageSummary::default();
        let mut b = UsageSummary::default();
        let mut all = UsageSummary::default();
        for (into_a, t, denied) in [(true, 10, false), (false, 5, false), (false, 20, true)] {
            let batch = if into_a { &mut a } else { &mut b };
            let p = batch.principal(Provider::Aws, "arn:aws:iam::1:role/r", "role");
            batch.record(
                p,
                PermissionRef::new(Provider::Aws, PermissionId(7)),
                "arn:aws:s3:::b",
                Calls::one(t),
                denied,
            );
            let p = all.principal(Provider::Aws, "arn:aws:iam::1:role/r", "role");
            all.record(
                p,
                PermissionRef::new(Provider::Aws, PermissionId(7)),
                "arn:aws:s3:::b",
                Calls::one(t),
                denied,
            );
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

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// (principal, permission, resource, time, denied, day of coverage)
    type Event = (u8, u32, u8, i64, bool);

    fn record(s: &mut UsageSummary, &(p, a, r, at, denied): &Event) {
        let pid = s.principal(Provider::Aws, &format!("arn:aws:iam::1:role/r{p}"), "role");
        let perm = PermissionRef::new(Provider::Aws, PermissionId(a));
        s.record(
            pid,
            perm,
            &format!("arn:aws:s3:::b/{r}"),
            Calls::one(at),
            denied,
        );
        s.cover(
            Provider::Aws,
            "1",
            "us-east-1",
            "s3",
            LogClass::Management,
            at,
        );
        s.events += 1;
    }

    fn canonical(s: &UsageSummary) -> Vec<String> {
        let mut v: Vec<String> = s
            .usage
            .iter()
            .map(|(k, st)| format!("{k:?} {st:?}"))
            .chain(s.coverage.iter().map(|(c, n)| format!("{c:?} {n}")))
            .collect();
        v.sort();
        v.push(s.events.to_string());
        v
    }

    proptest! {
        /// Summaries merge in any split and any order into what one summary of every event holds.
        #[test]
        fn merging_in_any_split_equals_one_summary(
            events in prop::collection::vec((0..4u8, 0..5u32, 0..4u8, 0..400_000i64, any::<bool>()), 0..80),
            cut in 0..80usize,
        ) {
            let cut = cut.min(events.len());
            let mut whole = UsageSummary::default();
            events.iter().for_each(|e| record(&mut whole, e));
            let (mut a, mut b) = (UsageSummary::default(), UsageSummary::default());
            events[..cut].iter().for_each(|e| record(&mut a, e));
            events[cut..].iter().for_each(|e| record(&mut b, e));
            let mut ab = a.clone();
            ab.merge(b.clone());
            let mut ba = b;
            ba.merge(a);
            prop_assert_eq!(canonical(&ab), canonical(&whole));
            prop_assert_eq!(canonical(&ba), canonical(&whole));
        }
    }
}
