//! Google Cloud IAM: allow-policy bindings on the resource hierarchy (organisation → folders →
//! projects → resources), the roles they grant (predefined from the catalog, custom from the
//! snapshot), and what a member effectively holds where. Snapshots are read by
//! `ingest::gcp_iam`.

pub mod condition;
pub mod deny;
pub mod effective;
pub mod member;
pub mod summary;

use crate::source::Location;
use serde::Serialize;
use std::collections::BTreeMap;

/// One allow-policy binding: a role granted to members on a resource (and everything under it).
#[derive(Debug, Clone, Serialize)]
pub struct Binding {
    /// The resource whose policy holds it: `projects/my-project`, `folders/123`,
    /// `organizations/456`, or a full resource name (`//storage.googleapis.com/projects/_/buckets/b`).
    pub resource: String,
    /// `roles/storage.admin`, `projects/p/roles/custom`, `organizations/1/roles/custom`.
    pub role: String,
    /// Members as written (`user:alice@example.com`).
    pub members: Vec<String>,
    /// The IAM condition, kept verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// Where it was read.
    pub location: Location,
}

/// An IAM condition (CEL), as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    /// Its title.
    pub title: String,
    /// The CEL expression.
    pub expression: String,
    /// Its description, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A custom role, from the user's own export.
#[derive(Debug, Clone, Serialize)]
pub struct CustomRole {
    /// `projects/p/roles/deployer` or `organizations/1/roles/auditor`.
    pub name: String,
    /// Its title.
    pub title: String,
    /// Launch stage.
    pub stage: String,
    /// What it grants.
    pub permissions: Vec<String>,
    /// Marked deleted (`gcloud iam roles list --show-deleted`): grants nothing.
    pub deleted: bool,
    /// Where it was read.
    pub location: Location,
}

/// What GCP snapshots hold: bindings, custom roles, and the resource hierarchy they know.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Snapshot {
    /// Every binding, in the order read.
    pub bindings: Vec<Binding>,
    /// Custom roles by name.
    pub custom_roles: BTreeMap<String, CustomRole>,
    /// Each resource's ancestors (nearest first: `projects/1`, `folders/2`, `organizations/3`), as
    /// Asset Inventory exports give them.
    pub ancestors: BTreeMap<String, Vec<String>>,
    /// IAM deny policies.
    pub deny_policies: Vec<deny::DenyPolicy>,
}

impl Snapshot {
    /// True when `resource` is `scope` or under it (by name, or by the ancestors the snapshot
    /// knows).
    pub fn is_within(&self, resource: &str, scope: &str) -> bool {
        if resource == scope {
            return true;
        }
        if self
            .ancestors
            .get(resource)
            .is_some_and(|a| a.iter().any(|x| x == scope))
        {
            return true;
        }
        // a full resource name under a project names it: `//storage…/projects/p/…` is not, but
        // `projects/p/…` paths are
        resource.starts_with(&format!("{scope}/"))
    }

    /// The scopes a binding on `resource` reaches down from, nearest first: the resource itself
    /// and each ancestor the snapshot knows.
    pub fn ancestors_of<'a>(&'a self, resource: &'a str) -> Vec<&'a str> {
        std::iter::once(resource)
            .chain(
                self.ancestors
                    .get(resource)
                    .into_iter()
                    .flatten()
                    .map(String::as_str),
            )
            .collect()
    }
}

/// A resource name as the hierarchy names it: the Resource Manager service prefix
/// (`//cloudresourcemanager.googleapis.com/`) dropped, so `projects/p`, `folders/1` and
/// `organizations/2` read the same from every export; other full names are kept.
pub fn normalize_resource(name: &str) -> String {
    name.strip_prefix("//cloudresourcemanager.googleapis.com/")
        .unwrap_or(name)
        .to_string()
}
