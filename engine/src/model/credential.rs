//! Credentials a principal can sign in or call APIs with, and when each was last used: what an
//! IAM credential report lists for every user.

use crate::model::time::Epoch;
use crate::source::Location;
use serde::Serialize;

/// Which credential of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    /// The console password.
    Password,
    /// The first access key.
    AccessKey1,
    /// The second access key.
    AccessKey2,
}

impl CredentialKind {
    /// Its name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Password => "password",
            CredentialKind::AccessKey1 => "access-key-1",
            CredentialKind::AccessKey2 => "access-key-2",
        }
    }
}

/// An active credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credential {
    /// The user's ARN (the account's root user: `arn:aws:iam::<account>:root`).
    pub principal: String,
    /// The user's name (`<root_account>` for the root user).
    pub user: String,
    /// Which credential.
    pub kind: CredentialKind,
    /// Since when it exists: the user's creation or the key's last rotation.
    pub since: Option<Epoch>,
    /// Its last use, when it was ever used.
    pub last_used: Option<Epoch>,
    /// The report row.
    pub location: Location,
}
