//! The provider-neutral model every source lowers into and everything after ingest works on:
//! principals and what they hold (grants and their origins), observed usage, coverage, findings,
//! time. One concept per file; nothing
//! here imports a provider's policy language, an input format, the store or the rules.

mod activity;
pub mod coverage;
mod credential;
mod finding;
mod grant;
mod inventory;
mod organization;
mod owner;
mod permission_set;
mod principal;
mod proposal;
pub mod time;
pub mod timeline;
pub mod usage;

pub use activity::{
    network_into, network_of, ActivityClass, ActivityRules, Alert, JournalEntry, Outcome, Seen,
    Sightings, UseEvent,
};
pub use coverage::{
    Coverage, CoverageCell, CoverageMode, DataEvents, LogClass, Logging, Question, Vouch,
};
pub use credential::{Credential, CredentialKind};
pub use finding::{Evidence, Finding, Severity};
pub use grant::{Actions, Condition, Grant, Limit, LimitKind, Origin, ResourceScope};
pub use inventory::{Inventory, Policy, PolicyKind};
pub use organization::{OrgPolicy, OrgPolicyKind, Organization};
pub use owner::{Owner, OwnerRule, Owners};
pub use permission_set::PermissionSet;
pub use principal::{Principal, PrincipalKind, Provider};
pub use proposal::ResourceMode;
pub use time::{Day, Epoch};
pub use usage::{
    name_id, Calls, PermissionId, PermissionRef, Stats, Tally, UsageFacts, UsageRecord,
    UsageSummary, Window,
};
