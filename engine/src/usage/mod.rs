//! Observed usage: the aggregated record of who used which permission on which resource, when,
//! and what the logs could have seen (coverage); persisted in an embedded SQLite store.

mod activity;
mod facts;
mod journal;
mod log_keeper;
mod merge;
mod pipeline;
mod principal_tags;
mod store;

pub use activity::{use_events, Prior, RaisedAlert, RunActivity, Thresholds};
pub use facts::load_facts;
pub use journal::JournalQuery;
pub use merge::{store_version, Overlap, ShardMerged};
pub use pipeline::{ingest, IngestOptions, IngestReport, LogObjectRecord, NoProgress, Progress};
pub use principal_tags::PrincipalTags;
pub use store::{
    Checkpointer, EventCount, LogState, RegionCoverage, ServiceRow, Store, StoreError, Summary,
    UsageRow, SCHEMA_VERSION,
};
