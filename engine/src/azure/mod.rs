//! Azure RBAC: role assignments on the scope hierarchy (management group → subscription →
//! resource group → resource), role definitions (built-in from the catalog, custom from the
//! snapshot) and deny assignments. Snapshots are read by `ingest::azure_rbac`.

pub mod summary;

use crate::catalog::{AzureCatalog, AzurePermissions};
use crate::source::Location;
use serde::Serialize;
use std::collections::BTreeMap;

/// A role assignment: a role granted to a principal at a scope (and everything under it).
#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    /// The assignment's id.
    pub id: String,
    /// The principal's object id.
    pub principal_id: String,
    /// Its name (UPN, display name), when the export resolved it; empty: not resolved (a deleted
    /// principal when the export says so).
    pub principal_name: Option<String>,
    /// `User`, `Group`, `ServicePrincipal`, `ForeignGroup`, `Device`, `Unknown`.
    pub principal_type: String,
    /// The role definition's id (`/…/roleDefinitions/GUID`).
    pub role_definition_id: String,
    /// The role's name, when the export gives it.
    pub role_name: Option<String>,
    /// `/subscriptions/S`, `/subscriptions/S/resourceGroups/RG`, `/providers/Microsoft.Management/managementGroups/M`, `/`.
    pub scope: String,
    /// An ABAC condition, verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Where it was read.
    pub location: Location,
}

/// A custom role definition.
#[derive(Debug, Clone, Serialize)]
pub struct RoleDefinition {
    /// The GUID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it grants.
    pub permissions: AzurePermissions,
    /// Where it may be assigned.
    pub assignable_scopes: Vec<String>,
    /// Where it was read.
    pub location: Location,
}

/// A deny assignment: what its principals may not do at a scope.
#[derive(Debug, Clone, Serialize)]
pub struct DenyAssignment {
    /// Its name.
    pub name: String,
    /// What it denies.
    pub permissions: AzurePermissions,
    /// Denied principals' object ids (`00000000-0000-0000-0000-000000000000`: everyone).
    pub principals: Vec<String>,
    /// Principals exempted.
    pub exclude_principals: Vec<String>,
    /// Where it applies.
    pub scope: String,
    /// Where it was read.
    pub location: Location,
}

/// What Azure snapshots hold.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Snapshot {
    /// Role assignments, in the order read (an assignment read twice, by id, once).
    pub assignments: Vec<Assignment>,
    /// Custom role definitions by GUID (lower case).
    pub custom_roles: BTreeMap<String, RoleDefinition>,
    /// Deny assignments.
    pub deny_assignments: Vec<DenyAssignment>,
    /// The management-group hierarchy, when exported: each group's or subscription's parent
    /// group, by scope in lower case.
    pub parents: BTreeMap<String, String>,
}

/// Where a role's permissions come from.
#[derive(Debug, Clone, Copy)]
pub enum RoleSource<'s> {
    /// A built-in role of the catalog.
    BuiltIn(&'static crate::catalog::AzureRole),
    /// A custom role of the snapshot.
    Custom(&'s RoleDefinition),
    /// Neither (a custom role not exported).
    Unknown,
}

impl<'s> RoleSource<'s> {
    /// Its name, when known.
    pub fn name(&self) -> Option<&'s str> {
        match self {
            RoleSource::BuiltIn(r) => Some(&r.name),
            RoleSource::Custom(r) => Some(&r.name),
            RoleSource::Unknown => None,
        }
    }

    /// What it grants, when known.
    pub fn permissions(&self) -> Option<&'s AzurePermissions> {
        match self {
            RoleSource::BuiltIn(r) => Some(&r.permissions),
            RoleSource::Custom(r) => Some(&r.permissions),
            RoleSource::Unknown => None,
        }
    }
}

impl Assignment {
    /// True when the directory no longer knows its principal: `principalType` "Unknown", or a
    /// name resolved to nothing (the portal's "Identity not found").
    pub fn principal_deleted(&self) -> bool {
        self.principal_type == "Unknown"
            || self.principal_name.as_deref().is_some_and(str::is_empty)
    }
}

/// The principal id deny assignments use for everyone.
pub const EVERYONE: &str = "00000000-0000-0000-0000-000000000000";

impl Snapshot {
    /// The deny assignments that deny `operation` (control or data plane) to `principal_id`,
    /// wherever they are.
    pub fn denying<'s>(
        &'s self,
        principal_id: &'s str,
        operation: &'s str,
    ) -> impl Iterator<Item = &'s DenyAssignment> + 's {
        self.deny_assignments.iter().filter(move |d| {
            d.principals
                .iter()
                .any(|p| p == EVERYONE || p.eq_ignore_ascii_case(principal_id))
                && !d
                    .exclude_principals
                    .iter()
                    .any(|p| p.eq_ignore_ascii_case(principal_id))
                && (d.permissions.grants(operation, false) || d.permissions.grants(operation, true))
        })
    }

    /// True when an assignment at `scope` applies to `resource`: the same scope or a path under
    /// it, or — through the exported management-group hierarchy — a subscription (and what is
    /// in it) under a management group.
    pub fn covers(&self, scope: &str, resource: &str) -> bool {
        if covers(scope, resource) {
            return true;
        }
        let target = scope.trim_end_matches('/').to_ascii_lowercase();
        let Some(sub) = subscription_scope(resource) else {
            return false;
        };
        let mut at = sub;
        // the hierarchy is a tree; the bound guards against a malformed export's cycle
        for _ in 0..16 {
            match self.parents.get(&at) {
                Some(parent) if *parent == target => return true,
                Some(parent) => at = parent.clone(),
                None => return false,
            }
        }
        false
    }

    /// The subscriptions under a management group, as the exported hierarchy knows them.
    pub fn subscriptions_under(&self, group: &str) -> Vec<String> {
        let group = group.trim_end_matches('/').to_ascii_lowercase();
        self.parents
            .keys()
            .filter(|k| k.starts_with("/subscriptions/") && self.covers(&group, k))
            .cloned()
            .collect()
    }

    /// The role an assignment grants.
    pub fn role_of(&self, a: &Assignment) -> RoleSource<'_> {
        let guid = a
            .role_definition_id
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if let Some(r) = self.custom_roles.get(&guid) {
            return RoleSource::Custom(r);
        }
        match AzureCatalog::embedded().by_id(&guid) {
            Some(r) => RoleSource::BuiltIn(r),
            None => RoleSource::Unknown,
        }
    }
}

/// `/subscriptions/S` of a scope under a subscription, in lower case.
fn subscription_scope(resource: &str) -> Option<String> {
    let lower = resource.to_ascii_lowercase();
    let rest = lower.strip_prefix("/subscriptions/")?;
    let sub = rest.split('/').next()?;
    Some(format!("/subscriptions/{sub}"))
}

/// How far up the hierarchy a scope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeLevel {
    /// A single resource.
    Resource,
    /// A resource group.
    ResourceGroup,
    /// A subscription.
    Subscription,
    /// A management group.
    ManagementGroup,
    /// The tenant root (`/`).
    Root,
}

/// The level of a scope string.
pub fn scope_level(scope: &str) -> ScopeLevel {
    let lower = scope.trim_end_matches('/').to_ascii_lowercase();
    if lower.is_empty() {
        return ScopeLevel::Root;
    }
    if lower.starts_with("/providers/microsoft.management/managementgroups/") {
        return ScopeLevel::ManagementGroup;
    }
    let parts: Vec<&str> = lower.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["subscriptions", _] => ScopeLevel::Subscription,
        ["subscriptions", _, "resourcegroups", _] => ScopeLevel::ResourceGroup,
        _ => ScopeLevel::Resource,
    }
}

/// True when `scope` covers `resource` (the same, or above it), compared as Azure does, without
/// regard to case. Management groups cover the subscriptions under them, which a snapshot of
/// assignments does not say: only the root and the same path are known to cover.
pub fn covers(scope: &str, resource: &str) -> bool {
    let s = scope.trim_end_matches('/').to_ascii_lowercase();
    let r = resource.trim_end_matches('/').to_ascii_lowercase();
    s.is_empty() || r == s || r.starts_with(&format!("{s}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_have_levels_and_cover_what_is_below() {
        assert_eq!(scope_level("/"), ScopeLevel::Root);
        assert_eq!(
            scope_level("/providers/Microsoft.Management/managementGroups/contoso"),
            ScopeLevel::ManagementGroup
        );
        assert_eq!(scope_level("/subscriptions/s1"), ScopeLevel::Subscription);
        assert_eq!(
            scope_level("/subscriptions/s1/resourceGroups/rg"),
            ScopeLevel::ResourceGroup
        );
        assert_eq!(
            scope_level("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"),
            ScopeLevel::Resource
        );
        assert!(covers(
            "/subscriptions/S1",
            "/subscriptions/s1/resourceGroups/RG"
        ));
        assert!(!covers("/subscriptions/s1", "/subscriptions/s10"));
        assert!(covers("/", "/subscriptions/s1"));
    }
}
