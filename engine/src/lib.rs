//! whittle-engine: the least-privilege engine behind the `whittle` CLI.
//!
//! Sources are parsed once into the provider-neutral [`model`]; everything after ingest works on
//! the model. The engine never prints and never exits: it returns values and errors.

pub mod access_diff;
pub mod aggregate;
pub mod aws;
pub mod azure;
pub mod catalog;
pub mod diff;
mod effective;
pub mod gcp;
mod glob;
mod json_span;
pub mod progress;
pub mod propose;
mod source;
mod summary;
pub mod usage;

mod jobs;
pub use jobs::*;
pub use source::{InputError, Location, SourceFile};
pub mod ingest;
pub mod model;
pub mod rules;

pub use effective::{
    resolve_all, unknown_actions, ActionGrant, Blocked, EffectiveGrant, EffectivePermissions,
    Resolver, UnknownAction,
};
pub use model::{Limit, LimitKind, Origin, ResourceScope};
pub use summary::{admin_equivalence, count, AdminEquivalent, AdminReason, Counts};
