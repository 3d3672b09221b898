//! Who can act: a principal, its provider and kind.

use crate::source::Location;
use serde::Serialize;
use std::collections::BTreeMap;

/// Cloud provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Amazon Web Services.
    Aws,
    /// Google Cloud.
    Gcp,
    /// Microsoft Azure.
    Azure,
}

impl Provider {
    /// Lower-case name, as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Aws => "aws",
            Provider::Gcp => "gcp",
            Provider::Azure => "azure",
        }
    }

    /// Parses [`Provider::as_str`].
    pub fn parse(s: &str) -> Option<Provider> {
        match s {
            "aws" => Some(Provider::Aws),
            "gcp" => Some(Provider::Gcp),
            "azure" => Some(Provider::Azure),
            _ => None,
        }
    }
}

/// What kind of identity a principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    /// A human user (IAM user, Google account, Entra user).
    User,
    /// A group: holds permissions for its members, cannot act itself.
    Group,
    /// A role assumed by others (IAM role).
    Role,
    /// A workload identity (GCP service account, Entra service principal).
    ServiceAccount,
    /// An Azure managed identity.
    ManagedIdentity,
    /// An identity from an external identity provider (SAML, OIDC, workload identity federation).
    Federated,
}

impl PrincipalKind {
    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Group => "group",
            PrincipalKind::Role => "role",
            PrincipalKind::ServiceAccount => "service-account",
            PrincipalKind::ManagedIdentity => "managed-identity",
            PrincipalKind::Federated => "federated",
        }
    }
}

/// An identity that holds permissions.
#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    /// Stable id (ARN for AWS).
    pub id: String,
    /// Provider.
    pub provider: Provider,
    /// Kind.
    pub kind: PrincipalKind,
    /// Where it lives: the AWS account id, GCP project, Azure subscription. Coverage is counted
    /// per scope.
    pub scope: String,
    /// Name (user, group or role name).
    pub name: String,
    /// IAM path.
    pub path: String,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Groups the principal is a member of (group ids).
    pub groups: Vec<String>,
    /// Own policies: inline policy ids then attached managed policy ARNs.
    pub policies: Vec<String>,
    /// Permission boundary (managed policy ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boundary: Option<String>,
    /// Who may act as it: the id of its trust policy in the inventory's policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_policy: Option<String>,
    /// Creation time, as the source gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Last use (for roles, `RoleLastUsed.LastUsedDate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// Where the principal is described in the input.
    pub location: Location,
}

impl Principal {
    /// An AWS principal with nothing attached yet: no tags, groups, policies, boundary or trust
    /// policy; path `/`.
    pub fn aws(id: &str, kind: PrincipalKind, scope: &str, name: &str, location: Location) -> Self {
        Principal {
            id: id.to_string(),
            provider: Provider::Aws,
            kind,
            scope: scope.to_string(),
            name: name.to_string(),
            path: "/".into(),
            tags: BTreeMap::new(),
            groups: Vec::new(),
            policies: Vec::new(),
            boundary: None,
            trust_policy: None,
            created: None,
            last_used: None,
            location,
        }
    }
}
