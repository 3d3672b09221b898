//! What an Azure snapshot holds at a glance, and the assignments to look at first: privileged
//! roles at subscription scope or above, custom roles granting every action, assignments to
//! deleted principals, and roles whose permissions are unknown.

use super::{scope_level, RoleSource, ScopeLevel, Snapshot};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Roles that let their holder change who holds what (or do everything).
pub const PRIVILEGED_ROLES: &[&str] = &["Owner", "Contributor", "User Access Administrator"];

/// One assignment, as the summary lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AssignmentLine {
    /// The principal's name when known, else its object id.
    pub principal: String,
    /// `User`, `Group`, `ServicePrincipal`, …
    pub principal_type: String,
    /// The role's name (or its id, when unknown).
    pub role: String,
    /// Where it is assigned.
    pub scope: String,
    /// Why it is listed.
    pub reason: String,
}

/// The summary.
#[derive(Debug, Default, Serialize)]
pub struct AzureSummary {
    /// Role assignments.
    pub assignments: usize,
    /// Distinct principals by type.
    pub principals: BTreeMap<String, usize>,
    /// Custom role definitions read.
    pub custom_roles: usize,
    /// Deny assignments read.
    pub deny_assignments: usize,
    /// Owner, Contributor or User Access Administrator at subscription, management-group or root
    /// scope; and any role that may write role assignments there.
    pub privileged: Vec<AssignmentLine>,
    /// Custom roles whose actions include `*`.
    pub wildcard_custom_roles: Vec<String>,
    /// Assignments whose principal no longer exists.
    pub deleted_principals: Vec<AssignmentLine>,
    /// Roles assigned whose permissions are unknown.
    pub unknown_roles: Vec<String>,
}

/// Sums up `snapshot`.
pub fn summarize(snapshot: &Snapshot) -> AzureSummary {
    let mut s = AzureSummary {
        assignments: snapshot.assignments.len(),
        custom_roles: snapshot.custom_roles.len(),
        deny_assignments: snapshot.deny_assignments.len(),
        ..AzureSummary::default()
    };
    let mut principals: BTreeMap<&str, &str> = BTreeMap::new();
    let mut unknown = BTreeSet::new();
    for a in &snapshot.assignments {
        principals.insert(&a.principal_id, &a.principal_type);
        let role = snapshot.role_of(a);
        let role_name = role
            .name()
            .map(str::to_string)
            .or_else(|| a.role_name.clone())
            .unwrap_or_else(|| a.role_definition_id.clone());
        if matches!(role, RoleSource::Unknown) {
            unknown.insert(role_name.clone());
        }
        let line = |reason: &str| AssignmentLine {
            principal: a
                .principal_name
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| a.principal_id.clone()),
            principal_type: a.principal_type.clone(),
            role: role_name.clone(),
            scope: a.scope.clone(),
            reason: reason.to_string(),
        };
        let deleted = a.principal_deleted();
        if deleted {
            s.deleted_principals.push(line(
                "its principal no longer exists (\"Identity not found\")",
            ));
        }
        if scope_level(&a.scope) >= ScopeLevel::Subscription && !deleted {
            let level = match scope_level(&a.scope) {
                ScopeLevel::Root => "the tenant root",
                ScopeLevel::ManagementGroup => "a management group",
                _ => "a subscription",
            };
            if PRIVILEGED_ROLES.contains(&role_name.as_str()) {
                s.privileged.push(line(&format!("{role_name} on {level}")));
            } else if role
                .permissions()
                .is_some_and(|p| p.grants("Microsoft.Authorization/roleAssignments/write", false))
            {
                s.privileged.push(line(&format!(
                    "may write role assignments (Microsoft.Authorization/roleAssignments/write) on {level}"
                )));
            }
        }
    }
    for (_, t) in principals {
        *s.principals.entry(t.to_string()).or_default() += 1;
    }
    s.wildcard_custom_roles = snapshot
        .custom_roles
        .values()
        .filter(|r| r.permissions.actions.iter().any(|a| a == "*"))
        .map(|r| r.name.clone())
        .collect();
    s.unknown_roles = unknown.into_iter().collect();
    s.privileged.sort();
    s.deleted_principals.sort();
    s
}
