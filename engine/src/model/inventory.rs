//! Who holds what: principals and the policies attached to them. A policy's document is the
//! provider's own language (`D`: an AWS policy document, a GCP binding, …); each provider module
//! names its inventory (`aws::Inventory`) and lowers documents into grants.

use super::principal::Principal;
use crate::source::Location;
use serde::Serialize;
use std::collections::BTreeMap;

/// How a policy is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// Embedded in one principal.
    Inline,
    /// A customer-managed policy.
    CustomerManaged,
    /// An AWS-managed policy (`arn:aws:iam::aws:policy/...`).
    AwsManaged,
    /// Who may act as the principal (an IAM role's trust policy).
    Trust,
    /// An organisation's service control policy.
    ServiceControl,
    /// Attached to a resource (bucket, key, queue, topic, function, secret, repository).
    ResourceBased,
    /// A role granted at a scope: a GCP IAM policy binding or an Azure role assignment.
    RoleBinding,
}

/// A policy document with its identity and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Policy<D> {
    /// Stable id: the managed policy's ARN, or `<principal ARN>#<policy name>` for inline policies.
    pub id: String,
    /// Policy name.
    pub name: String,
    /// Inline or managed.
    pub kind: PolicyKind,
    /// The document (for managed policies, the default version).
    pub document: D,
    /// Where the document is in the input.
    pub location: Location,
}

/// Who holds what: principals, their policies and memberships.
#[derive(Debug, Clone, Serialize)]
pub struct Inventory<D> {
    /// Principals sorted by id.
    pub principals: Vec<Principal>,
    /// Policies by id.
    pub policies: BTreeMap<String, Policy<D>>,
    /// The organisation the accounts belong to, when an export of it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<super::organization::Organization<D>>,
    /// Resource-based policies by resource ARN.
    pub resource_policies: BTreeMap<String, Policy<D>>,
    /// The account owning a resource whose ARN names none (an S3 bucket), when the input said.
    pub resource_owners: BTreeMap<String, String>,
}

impl<D> Default for Inventory<D> {
    fn default() -> Self {
        Inventory {
            principals: Vec::new(),
            policies: BTreeMap::new(),
            organization: None,
            resource_policies: BTreeMap::new(),
            resource_owners: BTreeMap::new(),
        }
    }
}

impl<D> Inventory<D> {
    /// A principal by id (ARN) or, when unambiguous, by name.
    pub fn find_principal(&self, key: &str) -> Result<&Principal, Vec<&Principal>> {
        if let Ok(i) = self.principals.binary_search_by(|p| p.id.as_str().cmp(key)) {
            return Ok(&self.principals[i]);
        }
        let by_name: Vec<&Principal> = self.principals.iter().filter(|p| p.name == key).collect();
        match by_name.as_slice() {
            [one] => Ok(one),
            _ => Err(by_name),
        }
    }

    /// The policies `p` holds, its own then its groups', in order, each with the group it comes
    /// through; policies the inventory lacks are left out.
    pub fn held_by<'a>(&'a self, p: &'a Principal) -> Vec<(&'a Policy<D>, Option<&'a str>)> {
        let mut out: Vec<(&Policy<D>, Option<&str>)> = p
            .policies
            .iter()
            .filter_map(|id| self.policies.get(id))
            .map(|pol| (pol, None))
            .collect();
        for g in &p.groups {
            if let Some(group) = self.principal(g) {
                out.extend(
                    group
                        .policies
                        .iter()
                        .filter_map(|id| self.policies.get(id))
                        .map(|pol| (pol, Some(g.as_str()))),
                );
            }
        }
        out
    }

    /// A principal by exact id.
    pub fn principal(&self, id: &str) -> Option<&Principal> {
        self.principals
            .binary_search_by(|p| p.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.principals[i])
    }
}
