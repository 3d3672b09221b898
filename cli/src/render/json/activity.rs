//! JSON of the activity journal: `events` and `usage prune`.

use serde::Serialize;
use whittle_engine::model::time::iso;
use whittle_engine::model::JournalEntry;

/// `whittle events --format json`.
#[derive(Serialize)]
pub struct Events {
    pub events: Vec<Event>,
}

/// One journal entry, with its original record.
#[derive(Serialize)]
pub struct Event {
    pub event_id: String,
    pub time: String,
    pub provider: &'static str,
    pub principal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    pub operation: String,
    pub account: String,
    pub region: String,
    pub resources: Vec<String>,
    pub classes: Vec<String>,
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// Who answers for the principal (`{team, contact, from}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<whittle_engine::model::Owner>,
    /// The record as the log had it (`null` when it cannot be read back).
    pub record: Option<Box<serde_json::value::RawValue>>,
}

/// Allowed, denied for lack of permission, or failed otherwise.
pub fn outcome(e: &JournalEntry) -> &'static str {
    match (&e.error_code, e.denied) {
        (_, true) => "denied",
        (Some(_), false) => "failed",
        (None, false) => "allowed",
    }
}

/// The original record of `e`, as JSON text.
pub fn record(e: &JournalEntry) -> Option<Box<serde_json::value::RawValue>> {
    let text = whittle_engine::ingest::cloudtrail::decompress(&e.record).ok()?;
    serde_json::value::RawValue::from_string(text).ok()
}

impl Events {
    pub fn new(entries: &[JournalEntry]) -> Self {
        Events {
            events: entries
                .iter()
                .map(|e| Event {
                    event_id: e.event_id.clone(),
                    time: iso(e.time),
                    provider: e.provider.as_str(),
                    principal: e.principal.clone(),
                    actor: e.actor.clone(),
                    operation: e.operation.clone(),
                    account: e.scope.clone(),
                    region: e.location.clone(),
                    resources: e.resources.clone(),
                    classes: e.classes.clone(),
                    outcome: outcome(e),
                    error_code: e.error_code.clone(),
                    source_ip: e.source_ip.clone(),
                    owner: e.owner.clone(),
                    record: record(e),
                })
                .collect(),
        }
    }
}

/// `whittle usage prune --format json`.
#[derive(Serialize)]
pub struct Prune {
    pub db: String,
    pub retention_days: u32,
    /// Entries before this time were removed.
    pub cutoff: String,
    pub pruned: u64,
    pub kept: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newest: Option<String>,
}

impl Prune {
    pub fn new(db: &std::path::Path, r: &whittle_engine::PruneReport) -> Self {
        Prune {
            db: db.display().to_string(),
            retention_days: r.retention_days,
            cutoff: iso(r.cutoff),
            pruned: r.pruned,
            kept: r.kept,
            oldest: r.span.0.map(iso),
            newest: r.span.1.map(iso),
        }
    }
}

/// The journal part of `ingest --format json`.
#[derive(Serialize)]
pub struct IngestJournal {
    /// High-risk events newly kept.
    pub kept: u64,
    /// Entries removed for age.
    pub pruned: u64,
    pub retention_days: u32,
}

/// One `watch --logs --format json` run that ingested logs.
#[derive(Serialize)]
pub struct WatchIngest {
    /// Run number (shared with the rule runs).
    pub run: u32,
    /// Log files that changed since the previous run (empty for the first).
    pub changed: Vec<String>,
    /// Every object read, nothing skipped.
    pub clean: bool,
    pub ingest: super::Ingest,
}

/// One alert, as `ingest --alerts FILE` appends it (one per line) and `ingest --format json`
/// lists it.
#[derive(Serialize)]
pub struct AlertDoc {
    pub rule: String,
    pub severity: String,
    pub message: String,
    pub principal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Who answers for the principal (`{team, contact, from}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<whittle_engine::model::Owner>,
    pub operation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
    /// When the triggering event happened.
    pub time: String,
    pub event_id: String,
    /// Every event that makes it up (a burst: each denied call), `{event_id, time}`.
    pub events: Vec<EventRef>,
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// Where the rule is (`file:line`).
    pub rule_location: String,
}

#[derive(Serialize)]
pub struct EventRef {
    pub event_id: String,
    pub time: String,
}

impl AlertDoc {
    pub fn new(a: &whittle_engine::model::Alert) -> Self {
        let f = &a.finding;
        let e = &a.event;
        AlertDoc {
            rule: f.rule.clone(),
            severity: f.severity.as_str().to_string(),
            message: f.message.clone(),
            principal: f.principal.clone(),
            actor: e.actor.clone(),
            owner: f.owner.clone(),
            operation: e.operation.clone(),
            permission: e.permission.clone(),
            time: iso(e.time),
            event_id: e.event_id.clone(),
            events: e
                .events
                .iter()
                .map(|(id, t)| EventRef {
                    event_id: id.clone(),
                    time: iso(*t),
                })
                .collect(),
            notes: f.notes.clone(),
            remediation: f.remediation.clone(),
            rule_location: f.rule_location.clone(),
        }
    }
}
