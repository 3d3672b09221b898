//! A grant: one statement-level entitlement of a principal — what it allows, on which resources,
//! under which conditions — and where it comes from. Provider policy languages lower into it.

use super::inventory::PolicyKind;
use super::permission_set::PermissionSet;
use crate::source::Location;
use serde::Serialize;

/// The permissions a statement names, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "patterns")]
pub enum Actions {
    /// These patterns (AWS `Action`).
    Action(Vec<String>),
    /// Everything except these patterns (AWS `NotAction`).
    NotAction(Vec<String>),
}

impl Actions {
    /// The patterns as written.
    pub fn patterns(&self) -> &[String] {
        match self {
            Actions::Action(p) | Actions::NotAction(p) => p,
        }
    }
}

/// A condition, kept verbatim: the operator and key as written, and the values (numbers and
/// booleans as their JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    /// The operator as written (`StringEquals`, `ForAnyValue:StringLike`, a CEL function, …).
    pub operator: String,
    /// The key the condition tests.
    pub key: String,
    /// The values, any of which satisfies it.
    pub values: Vec<String>,
}

/// Why part of a grant is narrower than the statement says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LimitKind {
    /// A Deny statement removes these actions on some resources.
    DenyOnSomeResources,
    /// A Deny statement removes these actions under some conditions.
    ConditionalDeny,
    /// A permission boundary allows these actions only on some resources or under conditions.
    Boundary,
}

/// A narrowing of a grant.
#[derive(Debug, Clone, Serialize)]
pub struct Limit {
    /// What kind.
    pub kind: LimitKind,
    /// Number of the grant's permissions affected.
    pub action_count: usize,
    /// The affected permissions.
    #[serde(skip)]
    pub actions: PermissionSet,
    /// The deny or boundary statement responsible.
    pub origin: Origin,
    /// The deny's or boundary's resources.
    pub resources: ResourceScope,
}

/// One statement-level entitlement of a principal, after its denies and boundary: what it
/// allows, on which resources, under which conditions, and where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    /// The catalog permissions granted.
    #[serde(skip)]
    pub actions: PermissionSet,
    /// What the statement names, as written.
    pub action_spec: Actions,
    /// True when the statement names them by wildcard or `NotAction` (covers future ones too).
    pub via_wildcard: bool,
    /// Resources.
    pub resources: ResourceScope,
    /// Conditions still to be met (those the principal settles are dropped), verbatim.
    pub conditions: Vec<Condition>,
    /// True when the grant depends on request context: conditions, or conditional denies/boundary.
    pub conditional: bool,
    /// The statement that grants it.
    pub origin: Origin,
    /// Denies and boundary statements that narrow it.
    pub limits: Vec<Limit>,
}

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
