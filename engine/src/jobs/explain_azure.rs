//! `explain` for an Azure principal: every role assignment it holds — the role, the scope it
//! applies at and below, its condition — and, with `--action`, whether each grants the operation
//! (control or data plane) and which deny assignments take it away.

use super::{JobError, NotFound};
use crate::azure::{scope_level, RoleSource, ScopeLevel};
use crate::ingest::azure_rbac::{self, LoadReport};
use crate::source::Location;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// One assignment the principal holds.
#[derive(Debug, Clone)]
pub struct AssignmentView {
    /// The role's name (its definition id when unknown).
    pub role: String,
    /// Built-in, custom, or unknown.
    pub role_kind: &'static str,
    /// Where it applies (and below).
    pub scope: String,
    /// For a management group: the subscriptions under it, from the exported hierarchy.
    pub reaches: Vec<String>,
    /// How far up that is.
    pub level: ScopeLevel,
    /// The ABAC condition, verbatim.
    pub condition: Option<String>,
    /// The role's actions and data actions as written (none when unknown).
    pub actions: Vec<String>,
    /// With `--action`: whether the role grants the operation (control or data plane).
    pub grants: Option<bool>,
    /// With a usage store: the operations the principal used in the window that this role
    /// grants.
    pub used_in_window: Option<Vec<String>>,
    /// Where the assignment was read.
    pub location: Location,
}

/// An Azure principal's assignments.
#[derive(Debug)]
pub struct AzureExplainReport {
    /// The exports as loaded, with their problems.
    pub load: LoadReport,
    /// Object id.
    pub principal_id: String,
    /// Name, when the exports resolved it.
    pub principal_name: Option<String>,
    /// `User`, `Group`, `ServicePrincipal`, …
    pub principal_type: String,
    /// Its assignments, in the order read.
    pub assignments: Vec<AssignmentView>,
    /// With `--action`: the deny assignments that deny it to this principal (name and scope).
    pub denied_by: Vec<(String, String)>,
    /// The operation asked about.
    pub action: Option<String>,
    /// With a usage store and `--action`: the operation's last allowed use and calls.
    pub last_used: Option<Option<(crate::model::time::Epoch, u64)>>,
}

/// True when `explain` of `principal` is an Azure question: some snapshot is an Azure export and
/// the principal is not an AWS ARN nor a GCP member string.
pub fn is_azure_explain(snapshots: &[PathBuf], principal: &str) -> bool {
    !principal.starts_with("arn:")
        && crate::gcp::member::parse(principal).is_err()
        && snapshots.iter().any(|p| azure_rbac::is_azure_file(p))
}

/// Explains what `principal` (object id, or a name the exports resolved) holds in the Azure
/// exports among `snapshots`.
pub fn explain_azure(
    snapshots: &[PathBuf],
    principal: &str,
    action: Option<&str>,
    now: crate::model::time::Epoch,
    usage: Option<super::UsageEvidence<'_>>,
) -> Result<AzureExplainReport, (LoadReport, JobError)> {
    let files: Vec<PathBuf> = snapshots
        .iter()
        .filter(|p| azure_rbac::is_azure_file(p))
        .cloned()
        .collect();
    let load = azure_rbac::load_files(&files);
    let s = &load.snapshot;
    let ids: BTreeSet<&str> = s
        .assignments
        .iter()
        .filter(|a| {
            a.principal_id.eq_ignore_ascii_case(principal)
                || a.principal_name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(principal))
        })
        .map(|a| a.principal_id.as_str())
        .collect();
    let id = match ids.len() {
        1 => ids.iter().next().map(|i| i.to_string()).unwrap_or_default(),
        0 => {
            let all: BTreeSet<&str> = s
                .assignments
                .iter()
                .flat_map(|a| [Some(a.principal_id.as_str()), a.principal_name.as_deref()])
                .flatten()
                .collect();
            let missing = NotFound {
                name: principal.to_string(),
                close: all
                    .iter()
                    .filter(|n| strsim::jaro_winkler(n, principal) > 0.85)
                    .take(3)
                    .map(|n| (*n).to_string())
                    .collect(),
            };
            let e = JobError::UnknownPrincipal {
                hint: missing.hint(),
                name: missing.name,
                loaded: all.len(),
            };
            return Err((load, e));
        }
        _ => {
            let e = JobError::AmbiguousPrincipal {
                name: principal.to_string(),
                candidates: ids.iter().map(|i| (*i).to_string()).collect(),
            };
            return Err((load, e));
        }
    };
    // held versus used: the operations the store saw this principal use, with last use and calls
    let used: Option<Vec<(String, crate::model::time::Epoch, u64)>> = match &usage {
        None => None,
        Some(u) => {
            let rows = crate::usage::Store::open_read_only(u.db)
                .and_then(|st| st.principal_usage(&id.to_ascii_lowercase()));
            match rows {
                Ok(rows) => {
                    let mut m: std::collections::BTreeMap<
                        String,
                        (crate::model::time::Epoch, u64),
                    > = Default::default();
                    for r in rows {
                        if let Some(t) = r.last_seen {
                            let e = m.entry(r.permission).or_insert((t, 0));
                            e.0 = e.0.max(t);
                            e.1 += r.count;
                        }
                    }
                    Some(m.into_iter().map(|(k, (t, n))| (k, t, n)).collect())
                }
                Err(e) => return Err((load, e.into())),
            }
        }
    };
    let start = usage
        .as_ref()
        .map(|u| now - i64::from(u.window_days) * crate::model::time::DAY);
    let mine: Vec<&crate::azure::Assignment> = s
        .assignments
        .iter()
        .filter(|a| a.principal_id == id)
        .collect();
    let first = mine.first();
    let assignments = mine
        .iter()
        .map(|a| {
            let role = s.role_of(a);
            let perms = role.permissions();
            AssignmentView {
                role: role
                    .name()
                    .map(str::to_string)
                    .or_else(|| a.role_name.clone())
                    .unwrap_or_else(|| a.role_definition_id.clone()),
                role_kind: match role {
                    RoleSource::BuiltIn(_) => "built-in",
                    RoleSource::Custom(_) => "custom",
                    RoleSource::Unknown => "unknown",
                },
                scope: a.scope.clone(),
                reaches: if scope_level(&a.scope) == ScopeLevel::ManagementGroup {
                    s.subscriptions_under(&a.scope)
                } else {
                    Vec::new()
                },
                level: scope_level(&a.scope),
                condition: a.condition.clone(),
                actions: perms
                    .map(|p| p.actions.iter().chain(&p.data_actions).cloned().collect())
                    .unwrap_or_default(),
                grants: action
                    .map(|op| perms.is_some_and(|p| p.grants(op, false) || p.grants(op, true))),
                used_in_window: used.as_ref().zip(start).map(|(u, start)| {
                    u.iter()
                        .filter(|(op, t, _)| {
                            *t >= start
                                && perms.is_some_and(|p| p.grants(op, false) || p.grants(op, true))
                        })
                        .map(|(op, _, _)| op.clone())
                        .collect()
                }),
                location: a.location.clone(),
            }
        })
        .collect();
    let denied_by = match action {
        None => Vec::new(),
        Some(op) => s
            .denying(&id, op)
            .filter(|d| {
                mine.iter()
                    .any(|a| s.covers(&d.scope, &a.scope) || s.covers(&a.scope, &d.scope))
            })
            .map(|d| (d.name.clone(), d.scope.clone()))
            .collect(),
    };
    Ok(AzureExplainReport {
        principal_name: first
            .and_then(|a| a.principal_name.clone())
            .filter(|n| !n.is_empty()),
        principal_type: first.map(|a| a.principal_type.clone()).unwrap_or_default(),
        principal_id: id,
        assignments,
        denied_by,
        last_used: action.zip(used.as_ref()).map(|(op, u)| {
            u.iter()
                .find(|(o, _, _)| o.eq_ignore_ascii_case(op))
                .map(|(_, t, n)| (*t, *n))
        }),
        action: action.map(str::to_string),
        load,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn fixtures() -> Vec<PathBuf> {
        let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/azure/rbac");
        vec![
            d.join("role-assignments-az-cli.json"),
            d.join("role-definitions-az-cli.json"),
            d.join("arm-rest-deny-and-assignments.json"),
        ]
    }

    #[test]
    fn by_name_with_what_each_role_grants_and_what_a_deny_assignment_takes_away() {
        let r = explain_azure(
            &fixtures(),
            "ci-deployer",
            Some("Microsoft.Web/sites/write"),
            0,
            None,
        )
        .map_err(|(_, e)| e.to_string())
        .expect("explained");
        assert_eq!(r.principal_type, "ServicePrincipal");
        let roles: Vec<(&str, &str, Option<bool>)> = r
            .assignments
            .iter()
            .map(|a| (a.role.as_str(), a.role_kind, a.grants))
            .collect();
        assert_eq!(
            roles,
            [
                ("Contributor", "built-in", Some(true)),
                ("App Deployer", "custom", Some(true))
            ]
        );
        // Alice is excluded from the managed app's deny assignment; the service principal is not
        let r = explain_azure(
            &fixtures(),
            "bbbbbbbb-0000-4000-8000-000000000002",
            Some("Microsoft.Web/sites/delete"),
            0,
            None,
        )
        .map_err(|(_, e)| e.to_string())
        .expect("explained");
        // its subscription-wide role reaches the managed app's resource group, where deletes
        // are denied
        assert_eq!(
            r.denied_by,
            [(
                "Deny deletes of the managed app".to_string(),
                "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/managed-app-rg"
                    .to_string()
            )]
        );
        let r = explain_azure(
            &fixtures(),
            "alice@contoso.com",
            Some("Microsoft.Compute/virtualMachines/delete"),
            0,
            None,
        )
        .map_err(|(_, e)| e.to_string())
        .expect("explained");
        assert!(r.denied_by.is_empty(), "excluded");
        assert_eq!(r.assignments[0].grants, Some(true));
    }

    #[test]
    fn a_principal_no_assignment_names_is_an_error_naming_it() {
        let e = explain_azure(&fixtures(), "carol@contoso.com", None, 0, None)
            .err()
            .map(|(_, e)| e.to_string());
        assert!(e.is_some_and(|e| e.contains("carol@contoso.com")));
        assert!(is_azure_explain(&fixtures(), "alice@contoso.com"));
        assert!(!is_azure_explain(&fixtures(), "user:alice@contoso.com"));
    }
}
