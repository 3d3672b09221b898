//! A grant: one statement-level entitlement of a principal — what it allows, on which resources,
//! under which conditions — and where it comes from. Provider policy languages lower into it.

use super::inventory::PolicyKind;
use crate::source::Location;
use serde::Serialize;

/// Where a grant comes from: the policy and statement, and the group it arrived through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// Policy id (managed policy ARN, or `<principal ARN>#<name>` for inline).
    pub policy: String,
    /// Policy name.
    pub policy_name: String,
    /// Inline, customer- or AWS-managed.
    pub policy_kind: PolicyKind,
    /// The group through which the principal holds it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_group: Option<String>,
    /// Statement index in the document.
    pub statement: usize,
    /// Statement Sid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Where the statement is in the input.
    pub location: Location,
}

/// The resources a grant covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "patterns", rename_all = "kebab-case")]
pub enum ResourceScope {
    /// `*`.
    Any,
    /// ARN patterns (policy variables resolved where the principal determines them).
    Patterns(Vec<String>),
    /// Everything except these patterns (`NotResource`).
    Except(Vec<String>),
}

impl std::fmt::Display for ResourceScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResourceScope::Any => f.write_str("*"),
            ResourceScope::Patterns(p) => f.write_str(&p.join(", ")),
            ResourceScope::Except(p) => write!(f, "everything except {}", p.join(", ")),
        }
    }
}
