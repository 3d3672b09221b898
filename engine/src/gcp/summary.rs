//! What a GCP snapshot holds at a glance: bindings, members by kind, custom roles, and the
//! bindings to look at first — members that can grant themselves anything, public bindings,
//! deleted members still bound, and roles whose permissions are unknown.

use super::condition::ConditionState;
use super::effective::{role, Held, RoleSource};
use super::member::{self, MemberKind};
use super::Snapshot;
use crate::model::time::Epoch;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Permissions that let their holder change who holds what on the resource: with one of them on a
/// project, folder or organisation, a member can grant itself any role there.
pub const SET_IAM_POLICY: &[&str] = &[
    "resourcemanager.projects.setIamPolicy",
    "resourcemanager.folders.setIamPolicy",
    "resourcemanager.organizations.setIamPolicy",
];

/// One binding of a member, as the summary lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MemberBinding {
    /// The member as written.
    pub member: String,
    /// The role.
    pub role: String,
    /// Where it is bound.
    pub resource: String,
    /// Why it is listed (`roles/owner`, `can grant itself any role (…setIamPolicy)`).
    pub reason: String,
    /// It holds only under an IAM condition.
    pub conditional: bool,
}

/// The summary.
#[derive(Debug, Default, Serialize)]
pub struct GcpSummary {
    /// Bindings read.
    pub bindings: usize,
    /// Resources with a policy.
    pub resources: usize,
    /// Distinct members by kind (`user`, `group`, `service-account`, `domain`, `public`, …).
    pub members: BTreeMap<&'static str, usize>,
    /// Custom roles read.
    pub custom_roles: usize,
    /// Members that can grant themselves any role on a project or above.
    pub admin_equivalent: Vec<MemberBinding>,
    /// Bindings to `allUsers` or `allAuthenticatedUsers`.
    pub public: Vec<MemberBinding>,
    /// `deleted:` members still bound.
    pub deleted: Vec<MemberBinding>,
    /// Bindings whose IAM condition has expired (they grant nothing any more; clean-up).
    pub expired: usize,
    /// Roles bound whose permissions are unknown (a custom role not in the snapshot).
    pub unknown_roles: Vec<String>,
    /// IAM deny policies read (and applied).
    pub deny_policies: usize,
}

fn kind_name(k: MemberKind) -> &'static str {
    match k {
        MemberKind::User => "user",
        MemberKind::Group => "group",
        MemberKind::ServiceAccount => "service-account",
        MemberKind::Domain => "domain",
        MemberKind::AllUsers | MemberKind::AllAuthenticatedUsers => "public",
        MemberKind::Principal => "workforce-or-workload-identity",
        MemberKind::PrincipalSet => "identity-pool-set",
        MemberKind::ProjectRole => "project-role",
    }
}

/// True for projects, folders and organisations.
fn is_container(resource: &str) -> bool {
    ["projects/", "folders/", "organizations/"]
        .iter()
        .any(|p| resource.starts_with(p) && !resource[p.len()..].contains('/'))
}

/// Sums up `snapshot` as of `now` (for time-bound conditions).
pub fn summarize(snapshot: &Snapshot, now: Epoch) -> GcpSummary {
    let mut s = GcpSummary {
        bindings: snapshot.bindings.len(),
        custom_roles: snapshot.custom_roles.len(),
        deny_policies: snapshot.deny_policies.len(),
        ..GcpSummary::default()
    };
    let mut members = BTreeSet::new();
    let mut resources = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    for b in &snapshot.bindings {
        resources.insert(b.resource.as_str());
        let state = b.condition.as_ref().map_or(ConditionState::Active, |c| {
            super::condition::evaluate(&c.expression, now)
        });
        if state == ConditionState::Expired {
            s.expired += 1;
        }
        let r = role(snapshot, &b.role);
        if matches!(r, RoleSource::Unknown) {
            unknown.insert(b.role.clone());
        }
        let held = Held {
            binding: b,
            via: None,
            role: r,
            state,
        };
        let in_force = held.in_force();
        let conditional = state == ConditionState::Conditional;
        // the one for the resource's own type first (an organisation's binding names
        // `organizations.setIamPolicy`), else any: it reaches the containers below
        let granted = held.permissions();
        let own = SET_IAM_POLICY.iter().find(|p| {
            let kind = p.split('.').nth(1).unwrap_or("");
            b.resource.starts_with(&format!("{kind}/")) && granted.contains(p)
        });
        let grant_self = own
            .copied()
            .or_else(|| granted.into_iter().find(|p| SET_IAM_POLICY.contains(p)))
            .map(str::to_string);
        for m in &b.members {
            members.insert(m.as_str());
            let Ok(parsed) = member::parse(m) else {
                continue;
            };
            let entry = |reason: String| MemberBinding {
                member: m.clone(),
                role: b.role.clone(),
                resource: b.resource.clone(),
                reason,
                conditional,
            };
            if parsed.deleted {
                s.deleted.push(entry("deleted member still bound".into()));
            }
            if !in_force {
                continue;
            }
            if parsed.kind.is_public() {
                s.public
                    .push(entry(format!("{} may use it", public_word(parsed.kind))));
            }
            if is_container(&b.resource) && !parsed.deleted {
                if b.role == "roles/owner" {
                    s.admin_equivalent.push(entry("roles/owner".into()));
                } else if let Some(p) = &grant_self {
                    s.admin_equivalent
                        .push(entry(format!("can grant itself any role ({p})")));
                }
            }
        }
    }
    for m in members {
        if let Ok(p) = member::parse(m) {
            *s.members.entry(kind_name(p.kind)).or_default() += 1;
        }
    }
    s.resources = resources.len();
    s.unknown_roles = unknown.into_iter().collect();
    for list in [&mut s.admin_equivalent, &mut s.public, &mut s.deleted] {
        list.sort();
        list.dedup();
    }
    s
}

fn public_word(k: MemberKind) -> &'static str {
    if k == MemberKind::AllUsers {
        "anyone on the internet"
    } else {
        "anyone with a Google account"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::gcp_iam::load_files;
    use std::path::Path;

    #[test]
    fn the_bindings_to_look_at_first() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/gcp/iam");
        let load = load_files(&[
            dir.join("project-policy-wrapped.json"),
            dir.join("custom-roles-gcloud-list.json"),
            dir.join("asset-export-with-ancestors.jsonl"),
        ]);
        let s = summarize(&load.snapshot, 1_795_000_000);
        assert_eq!(s.bindings, 12);
        assert_eq!(s.expired, 1);
        let admins: Vec<(&str, &str)> = s
            .admin_equivalent
            .iter()
            .map(|a| (a.member.as_str(), a.reason.as_str()))
            .collect();
        assert_eq!(
            admins,
            [
                (
                    "user:admin@example.com",
                    "can grant itself any role (resourcemanager.organizations.setIamPolicy)"
                ),
                ("user:alice@example.com", "roles/owner"),
            ]
        );
        assert_eq!(s.public.len(), 1);
        assert_eq!(s.public[0].member, "allUsers");
        assert_eq!(s.deleted.len(), 1);
        assert_eq!(
            s.unknown_roles,
            ["projects/demo-app-prod/roles/notExported"]
        );
        assert_eq!(s.members.get("service-account"), Some(&3));
    }
}
