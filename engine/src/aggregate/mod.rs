//! The aggregation beyond one machine: `whittle usage sql` writes it as a query for the engine
//! that holds the logs ([`sql`]); `whittle ingest --aggregate` reads the result back
//! (`ingest::cloudtrail::aggregate`). [`columns`] is the contract between the two.

pub mod columns;
pub mod sql;

pub use sql::{query, Engine, Query, QueryRequest};
