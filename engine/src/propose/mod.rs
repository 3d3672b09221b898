//! Proposals: for one principal, the smallest set of policy statements that still allows
//! everything it was seen doing, plus what keep rules retain and what the logs could not have
//! seen — each removal with its evidence, and two safety checks run by the engine's own
//! evaluator on the result (no new access, no breakage).
//!
//! The work is in four steps, one file each: [`assign`] decides which statement keeps which
//! permission (and on which resources), [`resources`] narrows resources, [`rewrite`] writes the
//! statements and documents, [`safety`] checks the result.

mod assign;
mod credentials;
#[cfg(test)]
mod proptests;
mod resources;
mod rewrite;
mod safety;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_support;

use crate::aws::policy::PolicyDocument;
use crate::aws::{Inventory, Policy};
use crate::catalog::AwsCatalog;
use crate::effective::EffectivePermissions;
use crate::model::time::Epoch;
use crate::model::{Coverage, PolicyKind, Principal, Window};
use serde::Serialize;

pub use crate::model::ResourceMode;
pub use credentials::{unused_credentials, UnusedCredential};
pub use safety::{Counterexample, SafetyCheck};

/// One row of observed usage: a principal's allowed calls of a permission on a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// Permission name.
    pub permission: String,
    /// Resource ARN, or `*` when the log names none.
    pub resource: String,
    /// First allowed call.
    pub first_seen: Option<Epoch>,
    /// Last allowed call.
    pub last_seen: Epoch,
    /// Allowed calls.
    pub count: u64,
}

/// A `[[keep]]` entry that applies to the principal (and has not expired).
#[derive(Debug, Clone)]
pub struct KeepEntry {
    /// Action patterns it retains.
    pub actions: Vec<String>,
    /// Its justification.
    pub reason: String,
    /// `file:line` of the entry.
    pub at: String,
}

/// Everything a proposal for one principal is computed from.
pub struct ProposeInput<'a> {
    /// The catalog.
    pub catalog: &'a AwsCatalog,
    /// The snapshot.
    pub inventory: &'a Inventory,
    /// The principal.
    pub principal: &'a Principal,
    /// Its effective permissions.
    pub effective: &'a EffectivePermissions,
    /// Its observed usage, all of it (rows before the window are evidence only).
    pub observations: &'a [Observation],
    /// What the logs covered in the window.
    pub coverage: &'a Coverage,
    /// The window.
    pub window: Window,
    /// Days of the window the logs must cover before absence of use is evidence.
    pub min_coverage_days: u32,
    /// How far resources are narrowed.
    pub resources: ResourceMode,
    /// Keep entries that apply to the principal.
    pub keep: &'a [KeepEntry],
}

/// Why a permission the principal holds stays in its proposal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum KeptBecause {
    /// A `[[keep]]` entry retains it.
    Keep {
        /// The entry's justification.
        justification: String,
        /// Where the entry is.
        at: String,
    },
    /// The logs could not have seen its use.
    NotObservable {
        /// What coverage says.
        coverage: String,
    },
}

/// Permissions kept though unused in the window, for one reason.
#[derive(Debug, Clone, Serialize)]
pub struct Kept {
    /// The reason.
    #[serde(flatten)]
    pub because: KeptBecause,
    /// The permissions, sorted.
    pub permissions: Vec<String>,
}

/// A permission used before the window but not in it.
#[derive(Debug, Clone, Serialize)]
pub struct EarlierUse {
    /// Permission name.
    pub permission: String,
    /// Its last allowed call.
    pub last_seen: Epoch,
    /// Allowed calls recorded.
    pub count: u64,
}

/// Permissions of one service removed from the principal, with the evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Removed {
    /// Service prefix.
    pub service: String,
    /// What the logs covered for the service (why absence of use is evidence).
    pub coverage: String,
    /// The permissions removed, sorted.
    pub permissions: Vec<String>,
    /// Of those, the ones used before the window.
    pub earlier_use: Vec<EarlierUse>,
}

/// What happens to one policy the principal holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyStatus {
    /// Nothing to change.
    Unchanged,
    /// Narrowed.
    Changed,
    /// Nothing in it is needed.
    Removed,
}

/// One policy the principal holds, before and after.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyChange {
    /// Policy id (managed policy ARN, or `<principal ARN>#<name>` for inline).
    pub id: String,
    /// Name.
    pub name: String,
    /// Inline or managed.
    pub kind: PolicyKind,
    /// The group it is held through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_group: Option<String>,
    /// What happens to it.
    pub status: PolicyStatus,
    /// True when none of the permissions it grants were used in the window.
    pub unused: bool,
    /// The document as held.
    #[serde(skip)]
    pub current: PolicyDocument,
    /// The document as proposed (`None` when removed).
    #[serde(skip)]
    pub proposed: Option<PolicyDocument>,
    /// The unified diff from current to proposed; empty when unchanged.
    pub diff: String,
}

impl PolicyChange {
    /// The unified diff from `current` to `proposed` (to nothing when removed), labelled with
    /// the policy's name; empty when unchanged.
    fn diff_of(
        name: &str,
        via_group: Option<&str>,
        current: &PolicyDocument,
        proposed: Option<&PolicyDocument>,
    ) -> String {
        let label = match via_group {
            Some(g) => format!("{name} (via {})", g.rsplit('/').next().unwrap_or(g)),
            None => name.to_string(),
        };
        let old = crate::aws::policy::to_json(current);
        let new = proposed
            .map(crate::aws::policy::to_json)
            .unwrap_or_default();
        let new_label = if proposed.is_some() {
            format!("b/{label}")
        } else {
            "/dev/null".to_string()
        };
        crate::diff::unified(&format!("a/{label}"), &new_label, &old, &new)
    }
}

/// Counts for the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Permissions effectively granted.
    pub granted: usize,
    /// Of those, used in the window.
    pub used: usize,
    /// Permissions the replacement grants.
    pub proposed: usize,
}

impl Counts {
    /// Share of the granted permissions the proposal removes, in percent.
    pub fn reduction_percent(&self) -> f64 {
        if self.granted == 0 {
            return 0.0;
        }
        100.0 * (self.granted.saturating_sub(self.proposed)) as f64 / self.granted as f64
    }
}

/// A call seen in the logs that the principal's identity policies do not allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotGranted {
    /// Permission.
    pub permission: String,
    /// Resource.
    pub resource: String,
    /// Last allowed call.
    pub last_seen: Epoch,
}

/// The proposal for one principal.
#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    /// Principal id.
    pub principal: String,
    /// Principal name.
    pub name: String,
    /// Every policy it holds, before and after.
    pub policies: Vec<PolicyChange>,
    /// The complete replacement: every statement it needs, from every policy it holds, in as
    /// few documents as the managed-policy size quota allows.
    #[serde(skip)]
    pub replacement: Vec<PolicyDocument>,
    /// Permissions removed, by service, with evidence.
    pub removed: Vec<Removed>,
    /// Permissions kept though unused in the window, by reason.
    pub kept: Vec<Kept>,
    /// Counts.
    pub counts: Counts,
    /// Calls the identity policies do not allow (a resource policy or another account allowed them).
    pub not_granted: Vec<NotGranted>,
    /// True when no call of the principal was seen in the window and coverage vouches for it.
    pub inactive: bool,
    /// No new access: everything the replacement allows, the current policies allowed.
    pub no_new_access: SafetyCheck,
    /// No breakage: every allowed call observed in the window is still allowed.
    pub no_breakage: SafetyCheck,
    /// Every permission the principal effectively holds (what `counts.granted` counts).
    #[serde(skip)]
    pub held: crate::model::PermissionSet,
    /// Of those, the ones used in the window (what `counts.used` counts).
    #[serde(skip)]
    pub used: crate::model::PermissionSet,
    /// The effective grants, each with the statement it comes from (file:line).
    #[serde(skip)]
    pub grants: Vec<crate::model::Grant>,
}

impl Proposal {
    /// True when some policy changes.
    pub fn changes(&self) -> bool {
        self.policies
            .iter()
            .any(|p| p.status != PolicyStatus::Unchanged)
    }

    /// True when both safety checks passed.
    pub fn safe(&self) -> bool {
        self.no_new_access.passed && self.no_breakage.passed
    }
}

/// A held policy statement and the effective grants lowered from it.
pub(crate) struct Held<'a> {
    pub policy: &'a Policy,
    pub via_group: Option<&'a str>,
    /// Index into the policy's statements.
    pub statement: usize,
    /// Indices into the principal's effective grants.
    pub grants: Vec<usize>,
}

/// Every statement of `policies` with the principal's effective grants lowered from it.
pub(crate) fn held_statements<'a>(
    input: &ProposeInput<'a>,
    policies: &[(&'a Policy, Option<&'a str>)],
) -> Vec<Held<'a>> {
    let mut held = Vec::new();
    for (policy, via_group) in policies {
        for (i, s) in policy.document.statements.iter().enumerate() {
            let grants = input
                .effective
                .grants
                .iter()
                .enumerate()
                .filter(|(_, g)| {
                    g.origin.policy == policy.id
                        && g.origin.statement == s.index
                        && g.origin.via_group.as_deref() == *via_group
                })
                .map(|(k, _)| k)
                .collect();
            held.push(Held {
                policy,
                via_group: *via_group,
                statement: i,
                grants,
            });
        }
    }
    held
}

/// The proposal for one principal.
pub fn propose(input: &ProposeInput<'_>) -> Proposal {
    let held_policies = input.inventory.held_by(input.principal);
    let held = held_statements(input, &held_policies);
    let plan = assign::assign(input, &held);
    let (policies, replacement) = rewrite::rewrite(input, &held_policies, &held, &plan);
    let counts = Counts {
        granted: plan.held.len(),
        used: plan.used.len(),
        proposed: rewrite::granted_by(input.catalog, &replacement, &plan.held),
    };
    let current: Vec<&PolicyDocument> = held_policies.iter().map(|(p, _)| &p.document).collect();
    let no_new_access = safety::no_new_access(input, &current, &replacement);
    let no_breakage = safety::no_breakage(input, &current, &replacement, &plan);
    Proposal {
        principal: input.principal.id.clone(),
        name: input.principal.name.clone(),
        policies,
        replacement,
        removed: plan.removed,
        kept: plan.kept,
        counts,
        not_granted: plan.not_granted,
        inactive: plan.inactive,
        no_new_access,
        no_breakage,
        held: plan.held,
        used: plan.used,
        grants: input.effective.grants.clone(),
    }
}

/// A policy from observed usage alone: every permission `principal` was allowed to use in the
/// window, on the resources it used (narrowed as `mode` says), in one document; and the check
/// that it allows every one of those calls.
pub fn generate(
    catalog: &AwsCatalog,
    observations: &[Observation],
    window: Window,
    mode: ResourceMode,
) -> (PolicyDocument, SafetyCheck) {
    let (document, calls) = generated::policy(catalog, observations, window, mode);
    let check = safety::all_allowed(&document, &calls);
    (document, check)
}

mod generated;
