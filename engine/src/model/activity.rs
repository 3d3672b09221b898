//! Activity kept whole: the classes of high-risk events a rule set declares (identity and
//! permission changes, credential creation, logging tampering, root use, console sign-in without
//! MFA, calls on critical resources) and the journal entries ingest keeps for the events of
//! those classes — the original record, compressed, with the facts to find it again.

use super::time::Epoch;
use super::Provider;
use serde::{Deserialize, Serialize};

/// Which outcome of a call a class takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Allowed and denied calls alike (the default: a denied attempt is evidence too).
    #[default]
    Any,
    /// Only calls that were allowed.
    Allowed,
    /// Only calls that were denied.
    Denied,
}

/// A class of high-risk events, as a rule pack declares it (`[[activity.class]]`). An event is
/// of the class when it meets every criterion the class sets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ActivityClass {
    /// Id (`identity-change`), used by `whittle events --class` and by alert rules.
    pub id: String,
    /// What the class is about.
    pub description: String,
    /// Operations, as `service:Operation` patterns over the log's own names (CloudTrail: the
    /// event source's prefix and the event name, `iam:CreateAccessKey`, `signin:ConsoleLogin`);
    /// `*` and `?` are wildcards, case-insensitive.
    #[serde(default)]
    pub events: Vec<String>,
    /// Identity types the caller must be (CloudTrail `userIdentity.type`: `Root`, `IAMUser`, …).
    #[serde(default)]
    pub identity_types: Vec<String>,
    /// Whether the caller signed in with MFA (console sign-in: `additionalEventData.MFAUsed`;
    /// sessions: `mfaAuthenticated`); an event that does not say is not of the class.
    #[serde(default)]
    pub mfa: Option<bool>,
    /// The call touches a resource the settings' `critical-resources` list.
    #[serde(default)]
    pub critical_resources: bool,
    /// Allowed calls, denied calls, or both (default).
    #[serde(default)]
    pub outcome: Outcome,
}

impl ActivityClass {
    /// True when the class sets no criterion at all (it would take every event).
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.identity_types.is_empty()
            && self.mfa.is_none()
            && !self.critical_resources
    }
}

/// What ingest keeps of high-risk activity: the classes, and the resources the rule set calls
/// critical (ARN patterns).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityRules {
    /// Classes, in rule-set order.
    pub classes: Vec<ActivityClass>,
    /// Resource ARN patterns (`arn:aws:s3:::prod-*`) that make a call on them high-risk.
    pub critical_resources: Vec<String>,
}

/// One event kept whole in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// The log's own id of the event (CloudTrail `eventID`): an event read twice is kept once.
    pub event_id: String,
    /// When it happened.
    pub time: Epoch,
    /// Whose log it is.
    pub provider: Provider,
    /// The principal it is attributed to (a role for its sessions).
    pub principal: String,
    /// The person or session behind it when the log says (a role session's name, an IAM
    /// Identity Center user, `sourceIdentity`).
    pub actor: Option<String>,
    /// `service:Operation` as the log names it (`iam:CreateAccessKey`).
    pub operation: String,
    /// Account (or project, subscription) and region.
    pub scope: String,
    /// Region (or location).
    pub location: String,
    /// Resources the event names (ARNs).
    pub resources: Vec<String>,
    /// Classes it is of.
    pub classes: Vec<String>,
    /// The error code when the call failed (`AccessDenied`, …).
    pub error_code: Option<String>,
    /// Denied for lack of permission.
    pub denied: bool,
    /// Source address as logged (an IP, or a service name).
    pub source_ip: Option<String>,
    /// The original record, deflate-compressed.
    pub record: Vec<u8>,
    /// Who answers for the principal, when a query looked it up (not stored).
    pub owner: Option<super::Owner>,
}

/// The first time something was seen in a log: when, and by which event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// When.
    pub time: Epoch,
    /// The event's id.
    pub event_id: Box<str>,
    /// `service:Operation` of the event.
    pub operation: Box<str>,
}

impl Seen {
    /// Keeps the earlier of `self` and `other` (the lower event id on a tie: merges in any
    /// order give the same answer).
    pub fn keep_earlier(&mut self, other: Seen) {
        if (other.time, &other.event_id) < (self.time, &self.event_id) {
            *self = other;
        }
    }
}

/// An access key's networks: network → (principal id, first call from it).
pub type KeyNetworks = rustc_hash::FxHashMap<Box<str>, (i64, Seen)>;

/// The facts of single events that alert rules need and usage aggregates lose, for one batch
/// of log objects: mergeable like the rest of a [`UsageSummary`](super::UsageSummary).
#[derive(Debug, Clone, Default)]
pub struct Sightings {
    /// Per (principal id, day): its first event that day — when it was active.
    pub active: rustc_hash::FxHashMap<(i64, super::Day), Seen>,
    /// Per (principal id, permission): the first use.
    pub first_use: rustc_hash::FxHashMap<(i64, super::PermissionRef), Seen>,
    /// Denied calls: principal id, and the call.
    pub denied: Vec<(i64, Seen)>,
    /// Per access key id, per network: the first call signed with the key from the network
    /// (and its principal).
    pub networks: rustc_hash::FxHashMap<Box<str>, KeyNetworks>,
}

impl Sightings {
    /// Merges `o` in.
    pub fn merge(&mut self, o: Sightings) {
        for (k, s) in o.active {
            merge_seen(&mut self.active, k, s);
        }
        for (k, s) in o.first_use {
            merge_seen(&mut self.first_use, k, s);
        }
        self.denied.extend(o.denied);
        for (key, nets) in o.networks {
            let mine = self.networks.entry(key).or_default();
            for (net, (p, s)) in nets {
                match mine.entry(net) {
                    std::collections::hash_map::Entry::Occupied(mut e) => {
                        let cur = e.get_mut();
                        if (s.time, &s.event_id) < (cur.1.time, &cur.1.event_id) {
                            *cur = (p, s);
                        }
                    }
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert((p, s));
                    }
                }
            }
        }
    }

    /// True when nothing was seen.
    pub fn is_empty(&self) -> bool {
        self.active.is_empty()
            && self.first_use.is_empty()
            && self.denied.is_empty()
            && self.networks.is_empty()
    }
}

fn merge_seen<K: std::hash::Hash + Eq>(map: &mut rustc_hash::FxHashMap<K, Seen>, k: K, s: Seen) {
    match map.entry(k) {
        std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().keep_earlier(s),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(s);
        }
    }
}

/// One event alert rules are asked about (`Guard::Action::"use"`), with what was known before
/// it: from the store as it was before the ingest, and from the events of the ingest itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UseEvent {
    /// The event's id.
    pub event_id: String,
    /// When.
    pub time: Epoch,
    /// The principal (ARN), and its kind as the store records it.
    pub principal: String,
    /// Kind of principal (`user`, `role`, `root`, …).
    pub principal_kind: String,
    /// The person behind a session, when known.
    pub actor: Option<String>,
    /// `service:Operation`.
    pub operation: String,
    /// The permission it used, when one maps.
    pub permission: Option<String>,
    /// Activity classes it is of.
    pub classes: Vec<String>,
    /// Denied for lack of permission.
    pub denied: bool,
    /// First use of `permission` by the principal.
    pub first_use: bool,
    /// Whole days the principal had been inactive before it (`None`: never seen before).
    pub days_dormant: Option<i64>,
    /// Whole days since the principal was first seen.
    pub history_days: Option<i64>,
    /// Denied calls by the principal in the burst window up to it (bursts only).
    pub denied_recent: u64,
    /// The events that make it up (a burst: every denied call in the window), `(id, time)`.
    pub events: Vec<(String, Epoch)>,
    /// The access key was used from a network it never was before.
    pub new_network: bool,
    /// The access key and network.
    pub access_key: Option<String>,
    /// The network (`/24` for IPv4, `/48` for IPv6).
    pub network: Option<String>,
    /// Source address, region, MFA, session issuer when the event was kept whole.
    pub source_ip: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Signed in with MFA, when known.
    pub mfa: Option<bool>,
    /// The caller is privileged: permission-management permissions used in the store's history.
    pub privileged: bool,
    /// Who answers for the caller (its recorded tags, or the rule repo's `[[owner]]`).
    pub owner: Option<super::Owner>,
}

/// An alert: a finding raised by an alert rule, with the events that triggered it.
#[derive(Debug, Clone)]
pub struct Alert {
    /// The finding (rule, severity, message, principal, permission).
    pub finding: super::Finding,
    /// What triggered it.
    pub event: UseEvent,
}

impl Sightings {
    /// Notes that `key` was seen at `time`, by the event `seen` makes (called only when it is
    /// the first sighting, or an earlier one).
    fn see<K: std::hash::Hash + Eq>(
        map: &mut rustc_hash::FxHashMap<K, Seen>,
        key: K,
        time: Epoch,
        seen: impl FnOnce() -> Seen,
    ) {
        match map.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                if time < e.get().time {
                    e.get_mut().keep_earlier(seen());
                }
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(seen());
            }
        }
    }

    /// Principal `p` was active at `time`.
    pub fn active_at(&mut self, p: i64, time: Epoch, seen: impl FnOnce() -> Seen) {
        Self::see(&mut self.active, (p, super::time::day_of(time)), time, seen);
    }

    /// Principal `p` used permission `a` at `time`.
    pub fn used(
        &mut self,
        p: i64,
        a: super::PermissionRef,
        time: Epoch,
        seen: impl FnOnce() -> Seen,
    ) {
        Self::see(&mut self.first_use, (p, a), time, seen);
    }

    /// Access key `key` of principal `p` was used from `network` at `time`.
    pub fn from_network(
        &mut self,
        key: &str,
        network: &str,
        p: i64,
        time: Epoch,
        seen: impl FnOnce() -> Seen,
    ) {
        let nets = match self.networks.get_mut(key) {
            Some(n) => n,
            None => self.networks.entry(key.into()).or_default(),
        };
        match nets.get_mut(network) {
            Some((_, cur)) if time >= cur.time => {}
            Some(cur) => *cur = (p, seen()),
            None => {
                nets.insert(network.into(), (p, seen()));
            }
        }
    }
}

/// The network an address belongs to, as alert rules compare them: `a.b.c.0/24` for IPv4,
/// the first 48 bits for IPv6; `None` for what is not an address (a service name, `AWS Internal`).
pub fn network_of(ip: &str) -> Option<String> {
    let mut out = String::new();
    network_into(ip, &mut out).then_some(out)
}

/// [`network_of`] into `out` (cleared first), without allocating once `out` has room: called
/// for every call signed with a long-term key. False when `ip` is not an address.
pub fn network_into(ip: &str, out: &mut String) -> bool {
    use std::fmt::Write;
    out.clear();
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => {
            let o = v4.octets();
            let _ = write!(out, "{}.{}.{}.0/24", o[0], o[1], o[2]);
            true
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            let _ = write!(out, "{:x}:{:x}:{:x}::/48", s[0], s[1], s[2]);
            true
        }
        Err(_) => false,
    }
}
