//! Azure RBAC exports: role assignments, role definitions and deny assignments, from
//! - `az role assignment list --all --include-inherited --output json` (a JSON array; names
//!   resolved: `principalName`, `roleDefinitionName`);
//! - `az role definition list --output json` (built-in and custom; the built-in ones are the
//!   catalog's, custom ones are kept);
//! - the ARM REST API as `az rest` prints it: `{"value": [{"id", "name", "properties": {…}}]}`
//!   for role assignments, role definitions and deny assignments.
//!
//! Several files merge; an assignment listed twice (by id) counts once. A bad item is reported
//! with its JSON path and the rest is read.

use crate::azure::{Assignment, DenyAssignment, RoleDefinition, Snapshot};
use crate::catalog::AzurePermissions;
use crate::source::{InputError, SourceFile};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// What loading Azure snapshot files gave.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Assignments, custom roles and deny assignments of every file that could be read.
    pub snapshot: Snapshot,
    /// Files read (in part or whole).
    pub files: usize,
    /// Input that could not be used (the rest was).
    pub errors: Vec<InputError>,
    /// Input used with a caveat.
    pub warnings: Vec<InputError>,
}

/// True when the start of a file reads as an Azure RBAC export (not an AWS or GCP one).
pub fn looks_like(head: &str) -> bool {
    const AZURE: &[&str] = &[
        "\"roleDefinitionId\"",
        "\"assignableScopes\"",
        "\"denyAssignmentName\"",
        "Microsoft.Authorization/roleAssignments",
        "Microsoft.Authorization/roleDefinitions",
        "Microsoft.Management/managementGroups",
    ];
    const OTHERS: &[&str] = &[
        "\"UserDetailList\"",
        "\"RoleDetailList\"",
        "\"Statement\"",
        "\"bindings\"",
    ];
    AZURE.iter().any(|m| head.contains(m)) && !OTHERS.iter().any(|m| head.contains(m))
}

/// [`looks_like`] on the first 16 KiB of the file at `path`.
pub fn is_azure_file(path: &std::path::Path) -> bool {
    super::recognize::head_of(path).is_some_and(|head| looks_like(&head))
}

/// Reads every file; what cannot be used is reported and the rest kept.
pub fn load_files(paths: &[PathBuf]) -> LoadReport {
    let mut report = LoadReport::default();
    let mut seen = BTreeSet::new();
    for path in paths {
        match SourceFile::read(path) {
            Ok(src) => {
                report.files += 1;
                read_text(&src, &mut report, &mut seen);
            }
            Err(e) => report.errors.push(e),
        }
    }
    report
}

/// Reads one file's text into `report` (rule tests give snapshots inline).
pub fn read_source(src: &SourceFile, report: &mut LoadReport) {
    read_text(src, report, &mut BTreeSet::new());
}

fn read_text(src: &SourceFile, report: &mut LoadReport, seen: &mut BTreeSet<String>) {
    let items: Vec<(String, Value)> = match serde_json::from_str::<Value>(&src.text) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("[{i}]"), v))
            .collect(),
        Ok(Value::Object(mut o)) => match o.remove("value") {
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!(".value[{i}]"), v))
                .collect(),
            Some(_) => {
                report
                    .errors
                    .push(src.error(".value", None, "`value` is not a list"));
                return;
            }
            None => vec![(String::new(), Value::Object(o))],
        },
        Ok(_) => {
            report.errors.push(src.error("", None, NOT_RBAC));
            return;
        }
        Err(e) => {
            report.errors.push(src.json_error(&e));
            return;
        }
    };
    for (path, item) in items {
        if let Err(msg) = read_item(src, &path, &item, report, seen) {
            report.errors.push(src.error(path, None, msg));
        }
    }
}

const NOT_RBAC: &str = "not an Azure RBAC export: expected role assignments (`az role assignment \
    list --all --include-inherited`), role definitions (`az role definition list`) or deny \
    assignments (`az rest … denyAssignments`)";

fn text(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .map(str::to_string)
}

fn list(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Records the parent of every child in a management-group tree.
fn hierarchy(node: &Value, parents: &mut std::collections::BTreeMap<String, String>) {
    let Some(id) = text(node, &["id"]) else {
        return;
    };
    for child in node
        .get("children")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(c) = text(child, &["id"]) {
            parents.insert(c.to_ascii_lowercase(), id.to_ascii_lowercase());
        }
        hierarchy(child, parents);
    }
}

/// The union of a definition's permission blocks.
fn permissions(v: &Value) -> AzurePermissions {
    let mut p = AzurePermissions::default();
    for block in v
        .get("permissions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        p.actions.extend(list(block, "actions"));
        p.not_actions.extend(list(block, "notActions"));
        p.data_actions.extend(list(block, "dataActions"));
        p.not_data_actions.extend(list(block, "notDataActions"));
    }
    p
}

fn read_item(
    src: &SourceFile,
    path: &str,
    item: &Value,
    report: &mut LoadReport,
    seen: &mut BTreeSet<String>,
) -> Result<(), String> {
    // `az` flattens the properties; ARM keeps them under `properties`
    let props = item.get("properties").unwrap_or(item);
    let location = src.locate(path);
    if props.get("roleDefinitionId").is_some() && props.get("principalId").is_some() {
        let id = text(item, &["id"]).unwrap_or_default();
        if !id.is_empty() && !seen.insert(id.to_ascii_lowercase()) {
            return Ok(());
        }
        report.snapshot.assignments.push(Assignment {
            id,
            principal_id: text(props, &["principalId"]).ok_or("`principalId` is not a string")?,
            principal_name: text(props, &["principalName"]),
            principal_type: text(props, &["principalType"]).unwrap_or_else(|| "Unknown".into()),
            role_definition_id: text(props, &["roleDefinitionId"])
                .ok_or("`roleDefinitionId` is not a string")?,
            role_name: text(props, &["roleDefinitionName"]),
            scope: text(props, &["scope"]).ok_or("a role assignment without its `scope`")?,
            condition: text(props, &["condition"]),
            location,
        });
        return Ok(());
    }
    if props.get("denyAssignmentName").is_some() {
        let who = |k: &str| -> Vec<String> {
            props
                .get(k)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|p| text(p, &["id"])).collect())
                .unwrap_or_default()
        };
        report.snapshot.deny_assignments.push(DenyAssignment {
            name: text(props, &["denyAssignmentName"]).unwrap_or_default(),
            permissions: permissions(props),
            principals: who("principals"),
            exclude_principals: who("excludePrincipals"),
            scope: text(props, &["scope"]).ok_or("a deny assignment without its `scope`")?,
            location,
        });
        return Ok(());
    }
    // `az account management-group show --expand --recurse`: the group tree
    if text(item, &["type"])
        .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Management/managementGroups"))
        && item.get("children").is_some()
    {
        hierarchy(item, &mut report.snapshot.parents);
        return Ok(());
    }
    if props.get("roleName").is_some() && props.get("permissions").is_some() {
        let kind = text(props, &["roleType", "type"]).unwrap_or_default();
        if kind == "BuiltInRole" {
            // the catalog has the built-in roles
            return Ok(());
        }
        let id = text(item, &["name"])
            .or_else(|| text(item, &["id"]).and_then(|i| i.rsplit('/').next().map(str::to_string)))
            .ok_or("a role definition without its id (`name`)")?;
        report.snapshot.custom_roles.insert(
            id.to_ascii_lowercase(),
            RoleDefinition {
                id,
                name: text(props, &["roleName"]).unwrap_or_default(),
                permissions: permissions(props),
                assignable_scopes: list(props, "assignableScopes"),
                location,
            },
        );
        return Ok(());
    }
    Err(NOT_RBAC.into())
}

#[cfg(test)]
mod tests;
