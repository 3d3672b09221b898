//! IAM deny policies: denied principals may not use the denied permissions on the resource the
//! policy is attached to and everything below it, whatever their roles grant — unless they are
//! an exception, or the rule's condition does not hold. Deny policies name principals and
//! permissions in IAM v2's form (`principal://goog/subject/alice@example.com`,
//! `iam.googleapis.com/serviceAccountKeys.create`); they are compared in the allow policies' form
//! here.

use super::member::{self, MemberKind};
use super::Snapshot;
use crate::source::Location;
use serde::Serialize;

/// One deny rule.
#[derive(Debug, Clone, Serialize)]
pub struct DenyRule {
    /// Principals denied, as written (`principalSet://goog/public:all`: everyone).
    pub denied_principals: Vec<String>,
    /// Principals the rule spares.
    pub exception_principals: Vec<String>,
    /// Permissions denied, as written (`iam.googleapis.com/serviceAccountKeys.create`).
    pub denied_permissions: Vec<String>,
    /// Permissions the rule spares.
    pub exception_permissions: Vec<String>,
    /// The rule's condition (CEL), verbatim: with one, the denial holds only sometimes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// A deny policy and where it is attached.
#[derive(Debug, Clone, Serialize)]
pub struct DenyPolicy {
    /// Its name (`policies/…/denypolicies/no-sa-keys`).
    pub name: String,
    /// The resource it is attached to (`projects/123`, `folders/4`, `organizations/5`).
    pub attachment: String,
    /// Its rules.
    pub rules: Vec<DenyRule>,
    /// Where it was read.
    pub location: Location,
}

/// The attachment point encoded in a deny policy's name:
/// `policies/cloudresourcemanager.googleapis.com%2Fprojects%2F123/denypolicies/x` → `projects/123`.
pub fn attachment_of(name: &str) -> Option<String> {
    let encoded = name.strip_prefix("policies/")?.split('/').next()?;
    let decoded = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .ok()?
        .into_owned();
    let path = decoded
        .strip_prefix("cloudresourcemanager.googleapis.com/")
        .unwrap_or(&decoded);
    Some(super::normalize_resource(path))
}

/// A v2 permission (`iam.googleapis.com/serviceAccountKeys.create`) in the allow policies' form
/// (`iam.serviceAccountKeys.create`); a name already in that form is kept.
pub fn v1_permission(p: &str) -> String {
    match p.split_once('/') {
        Some((host, rest)) => {
            let service = host.strip_suffix(".googleapis.com").unwrap_or(host);
            format!("{service}.{rest}")
        }
        None => p.to_string(),
    }
}

/// True when a deny policy's principal identifier names `principal` (a member string).
fn names(identifier: &str, principal: &str) -> bool {
    if identifier == "principalSet://goog/public:all" {
        return true;
    }
    let Ok(m) = member::parse(principal) else {
        return false;
    };
    let id = identifier.to_ascii_lowercase();
    let email = m.name.to_ascii_lowercase();
    match m.kind {
        MemberKind::User => id == format!("principal://goog/subject/{email}"),
        MemberKind::ServiceAccount => {
            id.starts_with("principal://iam.googleapis.com/projects/")
                && id.ends_with(&format!("/serviceaccounts/{email}"))
        }
        MemberKind::Group => id == format!("principalset://goog/group/{email}"),
        MemberKind::Principal | MemberKind::PrincipalSet => id == principal.to_ascii_lowercase(),
        _ => false,
    }
}

/// True when `pattern` (v2 or v1 form, `*` allowed) covers `permission` (v1 form).
fn covers(pattern: &str, permission: &str) -> bool {
    crate::glob::matches(&v1_permission(pattern), permission, false)
}

/// A denial of a permission to a principal.
#[derive(Debug, Clone, Copy)]
pub struct Denial<'s> {
    /// The policy.
    pub policy: &'s DenyPolicy,
    /// True when the rule has a condition: it denies only sometimes.
    pub conditional: bool,
}

/// The deny rules that deny `permission` to `principal` on `resource` (attached there or above).
pub fn denials<'s>(
    snapshot: &'s Snapshot,
    principal: &str,
    permission: &str,
    resource: &str,
) -> Vec<Denial<'s>> {
    denying(snapshot, principal, permission)
        .into_iter()
        .filter(|d| snapshot.is_within(resource, &d.policy.attachment))
        .collect()
}

/// The deny rules that deny `permission` to `principal` wherever they are attached.
pub fn denying<'s>(snapshot: &'s Snapshot, principal: &str, permission: &str) -> Vec<Denial<'s>> {
    let mut out = Vec::new();
    for p in &snapshot.deny_policies {
        for r in &p.rules {
            let denied = r.denied_principals.iter().any(|i| names(i, principal))
                && !r.exception_principals.iter().any(|i| names(i, principal))
                && r.denied_permissions.iter().any(|x| covers(x, permission))
                && !r
                    .exception_permissions
                    .iter()
                    .any(|x| covers(x, permission));
            if denied {
                out.push(Denial {
                    policy: p,
                    conditional: r.condition.is_some(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_permissions_in_iam_v2_form() {
        assert_eq!(
            attachment_of("policies/cloudresourcemanager.googleapis.com%2Fprojects%2F987654321098/denypolicies/no-sa-keys").as_deref(),
            Some("projects/987654321098")
        );
        assert_eq!(
            v1_permission("iam.googleapis.com/serviceAccountKeys.create"),
            "iam.serviceAccountKeys.create"
        );
        assert!(covers(
            "iam.googleapis.com/serviceAccountKeys.*",
            "iam.serviceAccountKeys.delete"
        ));
        assert!(names(
            "principal://goog/subject/alice@example.com",
            "user:alice@example.com"
        ));
        assert!(names(
            "principal://iam.googleapis.com/projects/-/serviceAccounts/ci@p.iam.gserviceaccount.com",
            "serviceAccount:ci@p.iam.gserviceaccount.com"
        ));
        assert!(names(
            "principalSet://goog/group/ops@example.com",
            "group:ops@example.com"
        ));
        assert!(names(
            "principalSet://goog/public:all",
            "user:anyone@example.org"
        ));
        assert!(!names(
            "principal://goog/subject/alice@example.com",
            "user:bob@example.com"
        ));
    }
}
