//! What a member effectively holds, and where: every binding that reaches it — naming it, or a
//! collective it belongs to (`allUsers`, `allAuthenticatedUsers`, its `domain:`) — with the role's
//! permissions and the state of its condition. A binding on a folder or organisation reaches the
//! projects and resources under it. Group membership is not in IAM policies: a user's share of
//! `group:` bindings needs the groups' members (Cloud Identity), which snapshots do not carry.

use super::condition::{evaluate, ConditionState};
use super::member::{self, MemberKind};
use super::{Binding, CustomRole, Snapshot};
use crate::catalog::{GcpCatalog, GcpRole};
use crate::model::time::Epoch;

/// Where a role's permissions come from.
#[derive(Debug, Clone, Copy)]
pub enum RoleSource<'s> {
    /// A predefined (or basic) role of the catalog.
    Predefined(&'static GcpRole),
    /// A custom role of the snapshot.
    Custom(&'s CustomRole),
    /// Neither: its permissions are unknown (a custom role not exported, a role newer than the
    /// catalog).
    Unknown,
}

/// One binding that reaches a member.
#[derive(Debug, Clone)]
pub struct Held<'s> {
    /// The binding.
    pub binding: &'s Binding,
    /// The member of the binding that reaches the principal, when it is not the principal itself
    /// (`allUsers`, `domain:example.com`).
    pub via: Option<&'s str>,
    /// The role.
    pub role: RoleSource<'s>,
    /// Its condition now (no condition: active).
    pub state: ConditionState,
}

impl Held<'_> {
    /// The permissions the role grants (none when it is unknown, or a deleted custom role).
    pub fn permissions(&self) -> Vec<&str> {
        match self.role {
            RoleSource::Predefined(r) => {
                let c = GcpCatalog::embedded();
                r.permissions.iter().map(|&id| c.name(id)).collect()
            }
            RoleSource::Custom(r) if !r.deleted => {
                r.permissions.iter().map(String::as_str).collect()
            }
            RoleSource::Custom(_) | RoleSource::Unknown => Vec::new(),
        }
    }

    /// True when it grants something now or under some requests (not expired, not yet to come).
    pub fn in_force(&self) -> bool {
        matches!(
            self.state,
            ConditionState::Active | ConditionState::Conditional
        )
    }
}

/// The role named `name`: the snapshot's custom roles first, then the catalog.
pub fn role<'s>(snapshot: &'s Snapshot, name: &str) -> RoleSource<'s> {
    if let Some(r) = snapshot.custom_roles.get(name) {
        return RoleSource::Custom(r);
    }
    match GcpCatalog::embedded().role(name) {
        Some(r) if name.starts_with("roles/") => RoleSource::Predefined(r),
        _ => RoleSource::Unknown,
    }
}

/// True when `binding_member` reaches `principal` (both member strings).
fn reaches<'b>(binding_member: &'b str, principal: &str) -> Option<Option<&'b str>> {
    if binding_member == principal {
        return Some(None);
    }
    let p = member::parse(principal).ok()?;
    let identity = matches!(
        p.kind,
        MemberKind::User | MemberKind::ServiceAccount | MemberKind::Principal
    );
    // collectives reach identities that call, not groups or sets (those hold for their members)
    let reached = match binding_member {
        "allUsers" | "allAuthenticatedUsers" => identity,
        m => m.strip_prefix("domain:").is_some_and(|d| {
            p.kind == MemberKind::User && p.name.rsplit_once('@').is_some_and(|(_, pd)| pd == d)
        }),
    };
    reached.then_some(Some(binding_member))
}

/// Every binding that reaches `principal` (a member string), in the order read.
pub fn held_by<'s>(snapshot: &'s Snapshot, principal: &str, now: Epoch) -> Vec<Held<'s>> {
    let mut out = Vec::new();
    for b in &snapshot.bindings {
        let Some(via) = b.members.iter().find_map(|m| reaches(m, principal)) else {
            continue;
        };
        let state = b
            .condition
            .as_ref()
            .map_or(ConditionState::Active, |c| evaluate(&c.expression, now));
        out.push(Held {
            binding: b,
            via,
            role: role(snapshot, &b.role),
            state,
        });
    }
    out
}

/// The bindings in force through which `principal` holds `permission` on `resource` (directly
/// or inherited from an ancestor); none when a deny policy without a condition denies it there
/// (see [`super::deny::denials`]).
pub fn holds<'s>(
    snapshot: &'s Snapshot,
    principal: &str,
    permission: &str,
    resource: &str,
    now: Epoch,
) -> Vec<Held<'s>> {
    let denied = super::deny::denials(snapshot, principal, permission, resource)
        .iter()
        .any(|d| !d.conditional);
    if denied {
        return Vec::new();
    }
    held_by(snapshot, principal, now)
        .into_iter()
        .filter(|h| snapshot.is_within(resource, &h.binding.resource))
        .map(|mut h| {
            // on a named resource, a condition on resource names is decided
            if let Some(c) = &h.binding.condition {
                h.state = super::condition::evaluate_for(&c.expression, resource, now);
            }
            h
        })
        .filter(|h| h.in_force())
        .filter(|h| h.permissions().contains(&permission))
        .collect()
}
