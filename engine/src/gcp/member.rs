//! IAM policy members, as GCP writes them in bindings: `user:alice@example.com`,
//! `serviceAccount:ci@p.iam.gserviceaccount.com`, `group:`, `domain:`, `allUsers`,
//! `allAuthenticatedUsers`, `deleted:user:bob@example.com?uid=123`, workforce and workload
//! identity principals (`principal://…`, `principalSet://…`), and the convenience values of
//! bucket policies (`projectOwner:my-project`).

use crate::model::PrincipalKind;

/// What a member names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemberKind {
    /// A Google account.
    User,
    /// A Google group.
    Group,
    /// A service account.
    ServiceAccount,
    /// Every account of a Google Workspace or Cloud Identity domain.
    Domain,
    /// Anyone on the internet, signed in or not.
    AllUsers,
    /// Anyone signed in to a Google account (any account, anywhere).
    AllAuthenticatedUsers,
    /// One identity of a workforce or workload identity pool (`principal://`).
    Principal,
    /// A set of pool identities (`principalSet://`).
    PrincipalSet,
    /// The owners, editors or viewers of a project (`projectOwner:p`; bucket and dataset policies).
    ProjectRole,
}

impl MemberKind {
    /// The model's kind of principal for it.
    pub fn principal_kind(self) -> PrincipalKind {
        match self {
            MemberKind::User => PrincipalKind::User,
            MemberKind::ServiceAccount => PrincipalKind::ServiceAccount,
            MemberKind::Principal => PrincipalKind::Federated,
            MemberKind::Group
            | MemberKind::Domain
            | MemberKind::AllUsers
            | MemberKind::AllAuthenticatedUsers
            | MemberKind::PrincipalSet
            | MemberKind::ProjectRole => PrincipalKind::Group,
        }
    }

    /// The word GCP writes before the member's name (`serviceAccount`), or the member itself for
    /// the two public ones; `principal`, `principalSet` for pool identities, `projectRole` for
    /// the convenience values.
    pub fn prefix(self) -> &'static str {
        match self {
            MemberKind::User => "user",
            MemberKind::Group => "group",
            MemberKind::ServiceAccount => "serviceAccount",
            MemberKind::Domain => "domain",
            MemberKind::AllUsers => "allUsers",
            MemberKind::AllAuthenticatedUsers => "allAuthenticatedUsers",
            MemberKind::Principal => "principal",
            MemberKind::PrincipalSet => "principalSet",
            MemberKind::ProjectRole => "projectRole",
        }
    }

    /// True for members that stand for the public: anyone, or anyone with a Google account.
    pub fn is_public(self) -> bool {
        matches!(
            self,
            MemberKind::AllUsers | MemberKind::AllAuthenticatedUsers
        )
    }
}

/// A parsed member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// As written in the binding (the principal's id).
    pub raw: String,
    /// What it names.
    pub kind: MemberKind,
    /// The email, domain, pool path or project after the prefix (`alice@example.com`); empty for
    /// `allUsers` and `allAuthenticatedUsers`.
    pub name: String,
    /// A `deleted:` member: the identity is gone but the binding still names it (and would grant
    /// a new identity of the same email nothing, but it is stale access to clean up).
    pub deleted: bool,
}

/// Parses a member string; `Err` says why it is not one.
pub fn parse(raw: &str) -> Result<Member, String> {
    let (deleted, rest) = match raw.strip_prefix("deleted:") {
        Some(r) => (true, r),
        None => (false, raw),
    };
    let (kind, name) = match rest {
        "allUsers" => (MemberKind::AllUsers, ""),
        "allAuthenticatedUsers" => (MemberKind::AllAuthenticatedUsers, ""),
        _ if rest.starts_with("principal://") => (MemberKind::Principal, rest),
        _ if rest.starts_with("principalSet://") => (MemberKind::PrincipalSet, rest),
        _ => {
            let (prefix, name) = rest
                .split_once(':')
                .ok_or_else(|| format!("`{raw}` is not an IAM member (`user:`, `group:`, …)"))?;
            let kind = match prefix {
                "user" => MemberKind::User,
                "group" => MemberKind::Group,
                "serviceAccount" => MemberKind::ServiceAccount,
                "domain" => MemberKind::Domain,
                "projectOwner" | "projectEditor" | "projectViewer" => MemberKind::ProjectRole,
                other => return Err(format!("`{raw}`: unknown member type `{other}:`")),
            };
            // `deleted:` members carry the deleted identity's unique id: `?uid=123`
            let name = name.split_once("?uid=").map_or(name, |(n, _)| n);
            if name.is_empty() {
                return Err(format!("`{raw}` names no one after `{prefix}:`"));
            }
            (kind, name)
        }
    };
    Ok(Member {
        raw: raw.to_string(),
        kind,
        name: name.to_string(),
        deleted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_form_gcp_documents() {
        let cases = [
            ("user:alice@example.com", MemberKind::User, "alice@example.com", false),
            ("serviceAccount:ci@p.iam.gserviceaccount.com", MemberKind::ServiceAccount, "ci@p.iam.gserviceaccount.com", false),
            ("group:admins@example.com", MemberKind::Group, "admins@example.com", false),
            ("domain:example.com", MemberKind::Domain, "example.com", false),
            ("allUsers", MemberKind::AllUsers, "", false),
            ("allAuthenticatedUsers", MemberKind::AllAuthenticatedUsers, "", false),
            ("deleted:user:bob@example.com?uid=123456789012345678901", MemberKind::User, "bob@example.com", true),
            ("deleted:serviceAccount:old@p.iam.gserviceaccount.com?uid=1", MemberKind::ServiceAccount, "old@p.iam.gserviceaccount.com", true),
            ("principal://iam.googleapis.com/locations/global/workforcePools/p/subject/s", MemberKind::Principal, "principal://iam.googleapis.com/locations/global/workforcePools/p/subject/s", false),
            ("principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/attribute.repository/org/repo", MemberKind::PrincipalSet, "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/attribute.repository/org/repo", false),
            ("projectOwner:my-project", MemberKind::ProjectRole, "my-project", false),
        ];
        for (raw, kind, name, deleted) in cases {
            let m = parse(raw).expect(raw);
            assert_eq!(
                (m.kind, m.name.as_str(), m.deleted),
                (kind, name, deleted),
                "{raw}"
            );
            assert_eq!(m.raw, raw);
        }
        assert!(parse("allUsers").is_ok_and(|m| m.kind.is_public()));
    }

    #[test]
    fn what_is_not_a_member_says_why() {
        assert!(parse("alice@example.com").is_err_and(|e| e.contains("not an IAM member")));
        assert!(parse("robot:x").is_err_and(|e| e.contains("unknown member type `robot:`")));
        assert!(parse("user:").is_err_and(|e| e.contains("names no one")));
    }
}
