//! An organisation: its tree (root → organisational units → accounts; for GCP organisation →
//! folders → projects) and the policies attached along it. Organisation policies (AWS SCPs and
//! RCPs) apply level by level: every level from the root to the account.

use crate::source::Location;
use serde::Serialize;
use std::collections::BTreeMap;

/// What an organisation policy restricts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrgPolicyKind {
    /// What principals of the accounts can do (AWS service control policy).
    ServiceControl,
    /// What can be done to the accounts' resources (AWS resource control policy).
    ResourceControl,
}

/// A policy attached in the organisation.
#[derive(Debug, Clone, Serialize)]
pub struct OrgPolicy<D> {
    /// Policy id (`p-…`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgPolicyKind,
    /// The document.
    #[serde(skip)]
    pub document: D,
    /// The roots, units and accounts it is attached to.
    pub targets: Vec<String>,
    /// Where it is in the input.
    pub location: Location,
}

/// An organisation's tree and policies.
#[derive(Debug, Clone, Serialize)]
pub struct Organization<D> {
    /// Organisation id.
    pub id: String,
    /// The management account (organisation policies do not restrict its principals).
    pub management_account: Option<String>,
    /// Every root, unit and account → its parent (roots have none).
    pub parents: BTreeMap<String, Option<String>>,
    /// Names of roots, units and accounts.
    pub names: BTreeMap<String, String>,
    /// The policies.
    pub policies: Vec<OrgPolicy<D>>,
}

impl<D> Organization<D> {
    /// The path from the root to `node` (root first), or `None` when `node` is not in the tree.
    /// The tree is checked for cycles when it is read.
    pub fn path(&self, node: &str) -> Option<Vec<&str>> {
        let mut out = vec![self.parents.get_key_value(node)?.0.as_str()];
        let mut at = node;
        while let Some(Some(parent)) = self.parents.get(at) {
            if out.len() > self.parents.len() {
                return None; // a cycle; reported when read
            }
            out.push(parent.as_str());
            at = parent;
        }
        out.reverse();
        Some(out)
    }

    /// The levels of `kind` policies that apply to `account`, root first: the documents attached
    /// at each level. `None` when the account is not in the organisation.
    pub fn levels(&self, account: &str, kind: OrgPolicyKind) -> Option<Vec<Vec<&OrgPolicy<D>>>> {
        let path = self.path(account)?;
        Some(
            path.iter()
                .map(|node| {
                    self.policies
                        .iter()
                        .filter(|p| p.kind == kind && p.targets.iter().any(|t| t == node))
                        .collect()
                })
                .collect(),
        )
    }
}
