//! Who holds what: principals and the policies attached to them.

use super::principal::Principal;
use crate::aws::policy::PolicyDocument;
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
}

/// A policy document with its identity and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// Stable id: the managed policy's ARN, or `<principal ARN>#<policy name>` for inline policies.
    pub id: String,
    /// Policy name.
    pub name: String,
    /// Inline or managed.
    pub kind: PolicyKind,
    /// The document (for managed policies, the default version).
    pub document: PolicyDocument,
    /// Where the document is in the input.
    pub location: Location,
}

/// Who holds what: principals, their policies and memberships.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inventory {
    /// Principals sorted by id.
    pub principals: Vec<Principal>,
    /// Policies by id.
    pub policies: BTreeMap<String, Policy>,
}

impl Inventory {
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

    /// A principal by exact id.
    pub fn principal(&self, id: &str) -> Option<&Principal> {
        self.principals
            .binary_search_by(|p| p.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.principals[i])
    }
}
