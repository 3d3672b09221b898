//! Inventory-level facts: counts, and who is admin-equivalent.

use crate::aws::Inventory;
use crate::catalog::AwsCatalog;
use crate::effective::EffectivePermissions;
use crate::model::ResourceScope;
use crate::model::{PolicyKind, Principal, PrincipalKind};
use serde::Serialize;

/// Counts of what a snapshot holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// IAM users.
    pub users: usize,
    /// IAM groups.
    pub groups: usize,
    /// IAM roles.
    pub roles: usize,
    /// Inline policies.
    pub inline_policies: usize,
    /// Customer-managed policies.
    pub customer_managed_policies: usize,
    /// AWS-managed policies present in the snapshot.
    pub aws_managed_policies: usize,
    /// Principals with a permission boundary.
    pub with_boundary: usize,
}

/// Why a principal is admin-equivalent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AdminReason {
    /// Every catalog action on `*`, unconditionally.
    AllActions,
    /// It can give itself any permission through the listed actions.
    CanGrantItself {
        /// The escalation actions held.
        actions: Vec<String>,
    },
}

/// A principal with admin-equivalent access.
#[derive(Debug, Clone, Serialize)]
pub struct AdminEquivalent {
    /// Principal id.
    pub principal: String,
    /// Kind.
    pub kind: PrincipalKind,
    /// Why.
    pub reasons: Vec<AdminReason>,
}

/// Counts a snapshot's contents.
pub fn count(inv: &Inventory) -> Counts {
    let mut c = Counts::default();
    for p in &inv.principals {
        match p.kind {
            PrincipalKind::User => c.users += 1,
            PrincipalKind::Group => c.groups += 1,
            PrincipalKind::Role => c.roles += 1,
            // an AWS snapshot holds no other kind
            PrincipalKind::ServiceAccount
            | PrincipalKind::ManagedIdentity
            | PrincipalKind::Federated => {}
        }
        c.with_boundary += usize::from(p.boundary.is_some());
    }
    for p in inv.policies.values() {
        match p.kind {
            PolicyKind::Inline => c.inline_policies += 1,
            PolicyKind::CustomerManaged => c.customer_managed_policies += 1,
            PolicyKind::AwsManaged => c.aws_managed_policies += 1,
            // a role's trust policy says who may assume it; it grants the role nothing
            PolicyKind::Trust
            | PolicyKind::ServiceControl
            | PolicyKind::ResourceBased
            | PolicyKind::RoleBinding => {}
        }
    }
    c
}

/// Actions that let a principal of `kind` rewrite its own permissions.
fn self_escalation(kind: PrincipalKind, in_group: bool) -> Vec<&'static str> {
    let mut v = vec!["iam:CreatePolicyVersion"];
    match kind {
        PrincipalKind::Role => v.extend(["iam:PutRolePolicy", "iam:AttachRolePolicy"]),
        PrincipalKind::User => {
            v.extend([
                "iam:PutUserPolicy",
                "iam:AttachUserPolicy",
                "iam:AddUserToGroup",
            ]);
            if in_group {
                v.extend(["iam:PutGroupPolicy", "iam:AttachGroupPolicy"]);
            }
        }
        PrincipalKind::Group
        | PrincipalKind::ServiceAccount
        | PrincipalKind::ManagedIdentity
        | PrincipalKind::Federated => {}
    }
    v
}

/// Whether `principal` is admin-equivalent given its effective permissions.
pub fn admin_equivalence(
    catalog: &AwsCatalog,
    principal: &Principal,
    eff: &EffectivePermissions,
) -> Option<AdminEquivalent> {
    let mut reasons = Vec::new();
    let unconditional = eff.held_unconditionally_on_any(catalog);
    if unconditional.len() == catalog.len() {
        reasons.push(AdminReason::AllActions);
    } else {
        let own = ResourceScope::Patterns(vec![principal.id.clone()]);
        let mut actions = Vec::new();
        for name in self_escalation(principal.kind, !principal.groups.is_empty()) {
            let Some(id) = catalog.lookup(name) else {
                continue;
            };
            let held = unconditional.contains(id)
                || eff.grants.iter().any(|g| {
                    g.actions.contains(id)
                        && !g.conditional
                        && !g.limits.iter().any(|l| l.actions.contains(id))
                        && name != "iam:CreatePolicyVersion"
                        && crate::effective::covers(&g.resources, &own)
                });
            if held {
                actions.push(name.to_string());
            }
        }
        if !actions.is_empty() {
            reasons.push(AdminReason::CanGrantItself { actions });
        }
    }
    (!reasons.is_empty()).then(|| AdminEquivalent {
        principal: principal.id.clone(),
        kind: principal.kind,
        reasons,
    })
}

/// The users and roles alert rules call privileged (`Activity::Caller.privileged`): those
/// admin-equivalent in the snapshot, or holding (in any way: conditions and resources aside) a
/// permission of the catalog's Permissions management access level. Their ids (ARNs), sorted.
pub fn privileged_principals(catalog: &AwsCatalog, inv: &Inventory) -> Vec<String> {
    use rayon::prelude::*;
    let management = catalog.at_access_level(crate::catalog::AccessLevel::PermissionsManagement);
    let mut out: Vec<String> = inv
        .principals
        .par_iter()
        .filter(|p| p.kind != PrincipalKind::Group)
        .map_init(
            || crate::effective::Resolver::new(catalog, inv),
            |resolver, p| {
                let eff = resolver.resolve(p);
                let privileged = eff.held(catalog).intersects(&management)
                    || admin_equivalence(catalog, p, &eff).is_some();
                privileged.then(|| p.id.clone())
            },
        )
        .flatten()
        .collect();
    out.sort();
    out
}
