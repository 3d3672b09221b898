//! Observed usage: the aggregated record of who used which permission on which resource, when,
//! and what the logs could have seen (coverage); persisted in an embedded SQLite store.

mod aggregate;

pub use aggregate::{name_id, Batch, Epoch, ServiceCoverage, Stats, Tally};
mod facts;
mod log_keeper;
mod pipeline;
mod store;

pub use facts::{usage_facts, UsageFacts};
pub use pipeline::{ingest, IngestOptions, IngestReport, LogObjectRecord, NoProgress, Progress};
pub use store::{
    Checkpointer, EventCount, LogState, RegionCoverage, ServiceRow, Store, StoreError, Summary,
    UsageRow, SCHEMA_VERSION,
};

/// The current time.
pub fn now() -> Epoch {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as Epoch)
}

/// `1787400000` → `2026-08-22T10:40:00Z`.
pub fn iso(t: Epoch) -> String {
    chrono::DateTime::from_timestamp(t, 0).map_or_else(
        || t.to_string(),
        |d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

/// Day number since the epoch → `2026-08-22`.
pub fn iso_day(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * 86_400, 0)
        .map_or_else(|| day.to_string(), |d| d.format("%Y-%m-%d").to_string())
}
