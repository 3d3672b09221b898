//! `explain` for a GCP member: every binding that reaches it — the role, the resource it is
//! bound on (where what it grants is inherited from), what that resource reaches below it, the
//! collective member it comes through, and its condition — and, with `--action`, each matching
//! permission with the bindings that grant it.

use super::{JobError, NotFound};
use crate::catalog::GcpCatalog;
use crate::gcp::condition::ConditionState;
use crate::gcp::effective::{held_by, RoleSource};
use crate::gcp::member::{self, MemberKind};
use crate::gcp::Condition;
use crate::ingest::gcp_iam::{self, LoadReport};
use crate::model::time::Epoch;
use crate::source::Location;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// One binding that reaches the member.
#[derive(Debug, Clone)]
pub struct BindingView {
    /// The role.
    pub role: String,
    /// The role's title, when known.
    pub title: Option<String>,
    /// Where it is bound: what it grants holds there and on everything below.
    pub resource: String,
    /// The resources below `resource` the snapshots know (projects under a folder, buckets under
    /// a project).
    pub reaches: Vec<String>,
    /// The collective member it comes through (`allUsers`, `domain:example.com`).
    pub via: Option<String>,
    /// `active`, `expired`, `not-yet` or `conditional`.
    pub state: &'static str,
    /// The condition, verbatim.
    pub condition: Option<Condition>,
    /// Permissions the role grants; `None` when the role is unknown.
    pub permissions: Option<usize>,
    /// With a usage store: how many of them the member used in the window.
    pub used_in_window: Option<usize>,
    /// Where the binding was read.
    pub location: Location,
}

/// A GCP member's effective permissions.
#[derive(Debug)]
pub struct GcpExplainReport {
    /// The exports as loaded, with their problems.
    pub load: LoadReport,
    /// The member (`user:alice@example.com`).
    pub principal: String,
    /// What kind of member.
    pub kind: MemberKind,
    /// False when no binding names it (only what reaches everyone applies).
    pub named: bool,
    /// Every binding that reaches it, in the order read.
    pub bindings: Vec<BindingView>,
    /// With `--action`: each matching permission held, with the bindings (indexes into
    /// `bindings`, in force only) that grant it.
    pub permissions: Option<BTreeMap<String, Vec<usize>>>,
    /// With `--action`: matching permissions of the catalog not held.
    pub not_held: usize,
    /// With `--action`: per held permission, the deny policies that deny it to the member, and
    /// where they are attached (`[conditional]` when the rule has a condition).
    pub denied: BTreeMap<String, Vec<String>>,
    /// With a usage store: per permission the member used (any time), its last allowed use and
    /// allowed calls.
    pub last_used: Option<BTreeMap<String, (Epoch, u64)>>,
    /// The window `used_in_window` counts: its first day (epoch seconds).
    pub window_start: Option<Epoch>,
}

/// Where a member's use comes from, for the "last accessed" view.
pub struct UsageEvidence<'a> {
    /// The usage store.
    pub db: &'a std::path::Path,
    /// Days of the window, ending `now`.
    pub window_days: u32,
}

fn state_name(s: ConditionState) -> &'static str {
    match s {
        ConditionState::Active => "active",
        ConditionState::Expired => "expired",
        ConditionState::NotYet => "not-yet",
        ConditionState::Conditional => "conditional",
        ConditionState::NotHere => "not-here",
    }
}

/// True when `explain` of `principal` is a GCP question: some snapshot is a GCP export and the
/// principal is not an AWS ARN (a member string, or an email).
pub fn is_gcp_explain(snapshots: &[PathBuf], principal: &str) -> bool {
    !principal.starts_with("arn:")
        && (member::parse(principal).is_ok() || principal.contains('@'))
        && snapshots.iter().any(|p| gcp_iam::is_gcp_file(p))
}

/// The member `name` stands for: a member string as written, or the email of exactly one member.
fn resolve(load: &LoadReport, name: &str) -> Result<String, JobError> {
    if member::parse(name).is_ok() {
        return Ok(name.to_string());
    }
    let all: BTreeSet<&str> = load
        .snapshot
        .bindings
        .iter()
        .flat_map(|b| b.members.iter().map(String::as_str))
        .collect();
    let matching: Vec<&str> = all
        .iter()
        .copied()
        .filter(|m| member::parse(m).is_ok_and(|p| !p.deleted && p.name == name))
        .collect();
    match matching.as_slice() {
        [one] => Ok((*one).to_string()),
        [] => {
            let missing = NotFound {
                name: name.to_string(),
                close: all
                    .iter()
                    .filter(|m| strsim::jaro_winkler(m, name) > 0.85 || m.contains(name))
                    .take(3)
                    .map(|m| (*m).to_string())
                    .collect(),
            };
            Err(JobError::UnknownPrincipal {
                hint: missing.hint(),
                name: missing.name,
                loaded: all.len(),
            })
        }
        many => Err(JobError::AmbiguousPrincipal {
            name: name.to_string(),
            candidates: many.iter().map(|m| (*m).to_string()).collect(),
        }),
    }
}

/// Explains what `principal` holds in the GCP exports among `snapshots`.
pub fn explain_gcp(
    snapshots: &[PathBuf],
    principal: &str,
    action: Option<&str>,
    now: Epoch,
    usage: Option<UsageEvidence<'_>>,
) -> Result<GcpExplainReport, (LoadReport, JobError)> {
    let gcp_files: Vec<PathBuf> = snapshots
        .iter()
        .filter(|p| gcp_iam::is_gcp_file(p))
        .cloned()
        .collect();
    let load = gcp_iam::load_files(&gcp_files);
    let member = match resolve(&load, principal) {
        Ok(m) => m,
        Err(e) => return Err((load, e)),
    };
    let kind = member::parse(&member).map_or(MemberKind::User, |m| m.kind);
    let snapshot = &load.snapshot;
    let known: BTreeSet<&str> = snapshot
        .bindings
        .iter()
        .map(|b| b.resource.as_str())
        .chain(snapshot.ancestors.keys().map(String::as_str))
        .chain(snapshot.ancestors.values().flatten().map(String::as_str))
        .collect();
    let held = held_by(snapshot, &member, now);
    // held versus used: what the store saw this member use
    let last_used = match &usage {
        None => None,
        Some(u) => {
            let store = match crate::usage::Store::open_read_only(u.db) {
                Ok(s) => s,
                Err(e) => return Err((load, e.into())),
            };
            let rows = match store.principal_usage(&member) {
                Ok(r) => r,
                Err(e) => return Err((load, e.into())),
            };
            let mut m: BTreeMap<String, (Epoch, u64)> = BTreeMap::new();
            for r in rows {
                if let Some(t) = r.last_seen {
                    let e = m.entry(r.permission).or_insert((t, 0));
                    e.0 = e.0.max(t);
                    e.1 += r.count;
                }
            }
            Some(m)
        }
    };
    let window_start = usage
        .as_ref()
        .map(|u| now - i64::from(u.window_days) * crate::model::time::DAY);
    let catalog = GcpCatalog::embedded();
    let bindings: Vec<BindingView> = held
        .iter()
        .map(|h| BindingView {
            role: h.binding.role.clone(),
            title: match h.role {
                RoleSource::Predefined(r) => Some(r.title.clone()),
                RoleSource::Custom(r) => Some(r.title.clone()),
                RoleSource::Unknown => None,
            },
            resource: h.binding.resource.clone(),
            reaches: known
                .iter()
                .filter(|r| **r != h.binding.resource && snapshot.is_within(r, &h.binding.resource))
                .map(|r| (*r).to_string())
                .collect(),
            via: h.via.map(str::to_string),
            state: state_name(h.state),
            condition: h.binding.condition.clone(),
            permissions: (!matches!(h.role, RoleSource::Unknown)).then(|| h.permissions().len()),
            used_in_window: last_used.as_ref().zip(window_start).map(|(m, start)| {
                h.permissions()
                    .iter()
                    .filter(|p| m.get(**p).is_some_and(|(t, _)| *t >= start))
                    .count()
            }),
            location: h.binding.location.clone(),
        })
        .collect();
    let (permissions, not_held) = match action {
        None => (None, 0),
        Some(pattern) => {
            let toks = crate::glob::compile(pattern);
            let mut by: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for (i, h) in held.iter().enumerate().filter(|(_, h)| h.in_force()) {
                for p in h.permissions() {
                    if crate::glob::matches_toks(&toks, p, false) {
                        by.entry(p.to_string()).or_default().push(i);
                    }
                }
            }
            let not_held = catalog
                .expand(pattern)
                .into_iter()
                .filter(|&id| !by.contains_key(catalog.name(id)))
                .count();
            (Some(by), not_held)
        }
    };
    let mut denied: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in permissions.iter().flat_map(|m| m.keys()) {
        for d in crate::gcp::deny::denying(snapshot, &member, p) {
            let cond = if d.conditional { " [conditional]" } else { "" };
            denied.entry(p.clone()).or_default().push(format!(
                "{} on {}{cond}",
                d.policy.name, d.policy.attachment
            ));
        }
    }
    let named = snapshot
        .bindings
        .iter()
        .any(|b| b.members.contains(&member));
    Ok(GcpExplainReport {
        principal: member,
        kind,
        named,
        bindings,
        permissions,
        not_held,
        denied,
        last_used,
        window_start,
        load,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const NOW: Epoch = 1_795_000_000;

    fn fixtures() -> Vec<PathBuf> {
        let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/gcp/iam");
        vec![
            d.join("asset-export-with-ancestors.jsonl"),
            d.join("project-policy-wrapped.json"),
            d.join("custom-roles-gcloud-list.json"),
        ]
    }

    #[test]
    fn a_folder_binding_is_shown_with_what_it_reaches() {
        let r = explain_gcp(
            &fixtures(),
            "ops@example.com",
            Some("compute.instances.delete"),
            NOW,
            None,
        )
        .map_err(|(_, e)| e.to_string())
        .expect("explained");
        assert_eq!(r.principal, "group:ops@example.com");
        assert_eq!(r.bindings.len(), 1);
        let b = &r.bindings[0];
        assert_eq!(
            (b.role.as_str(), b.resource.as_str()),
            ("roles/compute.admin", "folders/456789012345")
        );
        assert_eq!(
            b.reaches,
            [
                "//storage.googleapis.com/demo-data-exports",
                "projects/987654321098"
            ]
        );
        let perms = r.permissions.expect("with --action");
        assert_eq!(perms.get("compute.instances.delete"), Some(&vec![0]));
        assert_eq!(r.not_held, 0);
    }

    #[test]
    fn collectives_and_conditions_are_shown_as_such() {
        let r = explain_gcp(
            &fixtures(),
            "user:bob@example.com",
            Some("storage.objects.*"),
            NOW,
            None,
        )
        .map_err(|(_, e)| e.to_string())
        .expect("explained");
        let states: Vec<(&str, Option<&str>, &str)> = r
            .bindings
            .iter()
            .map(|b| (b.role.as_str(), b.via.as_deref(), b.state))
            .collect();
        assert_eq!(
            states,
            [
                ("roles/storage.objectViewer", Some("allUsers"), "active"),
                ("roles/viewer", Some("domain:example.com"), "active"),
                ("roles/iam.serviceAccountUser", None, "expired"),
                ("roles/storage.objectAdmin", None, "conditional"),
            ]
        );
        // storage.objects.delete only through the conditional binding
        let perms = r.permissions.expect("with --action");
        assert_eq!(perms.get("storage.objects.delete"), Some(&vec![3]));
        assert!(perms
            .get("storage.objects.get")
            .is_some_and(|v| v.contains(&0)));
    }

    #[test]
    fn an_unknown_or_ambiguous_principal_is_named() {
        let e = explain_gcp(&fixtures(), "alic@example.com", None, NOW, None)
            .err()
            .map(|(_, e)| e.to_string());
        assert!(e.is_some_and(|e| e.contains("alic@example.com")));
        assert!(is_gcp_explain(&fixtures(), "alice@example.com"));
        assert!(!is_gcp_explain(&fixtures(), "arn:aws:iam::1:role/x"));
    }
}
