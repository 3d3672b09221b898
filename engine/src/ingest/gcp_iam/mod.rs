//! GCP IAM exports: allow policies and custom roles, from
//! - `gcloud projects|folders|organizations get-iam-policy --format=json`, wrapped as
//!   `{"resource": "projects/p", "policy": {…}}` (a bare policy names no resource: refused, with
//!   how to wrap it);
//! - Cloud Asset Inventory: `gcloud asset export --content-type=iam-policy` (JSON lines or a JSON
//!   array; snake_case: `name`, `asset_type`, `iam_policy`, `ancestors`) and `gcloud asset
//!   search-all-iam-policies --format=json` (camelCase: `resource`, `policy`, `project`,
//!   `folders`, `organization`); custom roles as `iam.googleapis.com/Role` assets;
//! - `gcloud iam roles list|describe --format=json` (custom roles, `includedPermissions`).
//!
//! Several files merge. A bad item or binding is reported with its JSON path (and line, for JSON
//! lines) and the rest is read. Deny policies (`gcloud iam policies list --kind=denypolicies`) are
//! read with the attachment point their name encodes.

mod diags;

use crate::gcp::{member, normalize_resource, Binding, Condition, CustomRole};
use crate::source::{InputError, SourceFile};
use serde_json::Value;
use std::path::PathBuf;

pub use diags::LoadReport;

/// True when the start of a file reads as a GCP IAM export (not an AWS snapshot): what decides
/// which reader a `--snapshot` file goes to, without reading a large file twice.
pub fn looks_like(head: &str) -> bool {
    const GCP: &[&str] = &[
        "\"iam_policy\"",
        "\"iamPolicy\"",
        "\"bindings\"",
        "\"includedPermissions\"",
        "\"denyRule\"",
        "\"asset_type\"",
        "\"assetType\"",
    ];
    const AWS: &[&str] = &[
        "\"UserDetailList\"",
        "\"GroupDetailList\"",
        "\"RoleDetailList\"",
        "\"Policies\"",
        "\"Statement\"",
    ];
    GCP.iter().any(|m| head.contains(m)) && !AWS.iter().any(|m| head.contains(m))
}

/// [`looks_like`] on the first 16 KiB of the file at `path` (false when it cannot be read: the
/// reader that gets it says why).
pub fn is_gcp_file(path: &std::path::Path) -> bool {
    super::recognize::head_of(path).is_some_and(|head| looks_like(&head))
}

/// Reads every file; what cannot be used is reported and the rest kept.
pub fn load_files(paths: &[PathBuf]) -> LoadReport {
    let mut report = LoadReport::default();
    for path in paths {
        match SourceFile::read(path) {
            Ok(src) => {
                report.files += 1;
                read_text(&src, &mut report);
            }
            Err(e) => report.errors.push(e),
        }
    }
    report
}

/// Reads one file's text into `report`.
pub fn read_text(src: &SourceFile, report: &mut LoadReport) {
    let text: &str = &src.text;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                read_item(src, &format!("[{i}]"), None, item, report);
            }
        }
        Ok(item) => read_item(src, "", None, &item, report),
        Err(whole) => {
            // JSON lines (an Asset Inventory export): one item per line
            let lines: Vec<(usize, &str)> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .collect();
            if lines.len() < 2 || !lines.iter().all(|(_, l)| l.trim_start().starts_with('{')) {
                report.errors.push(src.json_error(&whole));
                return;
            }
            for (n, line) in lines {
                match serde_json::from_str::<Value>(line) {
                    Ok(item) => read_item(src, "", Some(n + 1), &item, report),
                    Err(e) => report.errors.push(at_line(
                        src,
                        n + 1,
                        "",
                        format!("invalid JSON: {}", crate::source::json_message(&e)),
                    )),
                }
            }
        }
    }
}

/// Where line `line` (1-based) starts.
fn line_start(src: &SourceFile, line: usize) -> usize {
    src.text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum()
}

/// An error at `json_path`, on line `line` (JSON lines) when known.
fn at_line(src: &SourceFile, line: usize, json_path: &str, msg: String) -> InputError {
    src.error(json_path, Some(line_start(src, line)), msg)
}

/// The location of `json_path`, on line `line` (JSON lines) when known.
fn location(src: &SourceFile, line: Option<usize>, json_path: &str) -> crate::source::Location {
    match line {
        Some(l) => {
            let o = line_start(src, l);
            src.location(json_path, Some(o..o + 1))
        }
        None => src.locate(json_path),
    }
}

fn problem(src: &SourceFile, line: Option<usize>, path: &str, msg: String) -> InputError {
    match line {
        Some(l) => at_line(src, l, path, msg),
        None => src.error(path, None, msg),
    }
}

fn str_of<'v>(v: &'v Value, keys: &[&str]) -> Option<&'v str> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str))
}

fn read_item(
    src: &SourceFile,
    path: &str,
    line: Option<usize>,
    item: &Value,
    report: &mut LoadReport,
) {
    let Some(obj) = item.as_object() else {
        report
            .errors
            .push(problem(src, line, path, diags::UNKNOWN_ITEM.into()));
        return;
    };
    let at = |k: &str| format!("{path}.{k}");
    // a deny policy (`gcloud iam policies get|list --kind=denypolicies`)
    if obj
        .get("rules")
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().any(|x| x.get("denyRule").is_some()))
    {
        match deny_policy(src, line, path, item) {
            Ok(p) => report.snapshot.deny_policies.push(p),
            Err(e) => report.errors.push(e),
        }
        return;
    }
    if obj.contains_key("bindings") && !obj.contains_key("resource") {
        report
            .errors
            .push(problem(src, line, path, diags::BARE_POLICY.into()));
        return;
    }
    // custom roles: `gcloud iam roles describe`, or an Asset Inventory Role asset
    let asset_type = str_of(item, &["asset_type", "assetType"]);
    if asset_type == Some("iam.googleapis.com/Role") {
        let data = item.pointer("/resource/data").unwrap_or(&Value::Null);
        let name = str_of(item, &["name"])
            .map(|n| n.trim_start_matches("//iam.googleapis.com/").to_string());
        custom_role(src, line, &at("resource.data"), name, data, report);
        return;
    }
    if obj.contains_key("includedPermissions") && !obj.contains_key("policy") {
        let name = str_of(item, &["name"]).map(str::to_string);
        custom_role(src, line, path, name, item, report);
        return;
    }
    // an allow policy and the resource it is set on
    let (resource, policy, policy_key) =
        if let Some(p) = obj.get("iam_policy").or(obj.get("iamPolicy")) {
            let key = if obj.contains_key("iam_policy") {
                "iam_policy"
            } else {
                "iamPolicy"
            };
            (str_of(item, &["name"]), p, key)
        } else if let Some(p) = obj.get("policy") {
            (str_of(item, &["resource"]), p, "policy")
        } else {
            report
                .errors
                .push(problem(src, line, path, diags::UNKNOWN_ITEM.into()));
            return;
        };
    let Some(resource) = resource.map(normalize_resource).filter(|r| !r.is_empty()) else {
        report.errors.push(problem(
            src,
            line,
            path,
            "an IAM policy without the resource it is set on (`resource` or `name`)".into(),
        ));
        return;
    };
    // the hierarchy: `ancestors` (export), or `project`, `folders`, `organization` (search)
    let mut ancestors: Vec<String> = item
        .get("ancestors")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(normalize_resource)
                .collect()
        })
        .unwrap_or_default();
    if ancestors.is_empty() {
        ancestors.extend(str_of(item, &["project"]).map(normalize_resource));
        if let Some(f) = item.get("folders").and_then(Value::as_array) {
            ancestors.extend(f.iter().filter_map(Value::as_str).map(normalize_resource));
        }
        ancestors.extend(str_of(item, &["organization"]).map(normalize_resource));
    }
    ancestors.retain(|a| *a != resource);
    if !ancestors.is_empty() {
        report
            .snapshot
            .ancestors
            .insert(resource.clone(), ancestors);
    }
    let Some(bindings) = policy.get("bindings") else {
        // a policy with no bindings grants nothing
        return;
    };
    let Some(bindings) = bindings.as_array() else {
        report.errors.push(problem(
            src,
            line,
            &at(&format!("{policy_key}.bindings")),
            "`bindings` is not a list".into(),
        ));
        return;
    };
    for (j, b) in bindings.iter().enumerate() {
        let bpath = at(&format!("{policy_key}.bindings[{j}]"));
        match binding(src, line, &bpath, &resource, b, report) {
            Ok(b) => report.snapshot.bindings.push(b),
            Err(e) => report.errors.push(e),
        }
    }
}

fn binding(
    src: &SourceFile,
    line: Option<usize>,
    path: &str,
    resource: &str,
    b: &Value,
    report: &mut LoadReport,
) -> Result<Binding, InputError> {
    let role = b
        .get("role")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| problem(src, line, path, "a binding without a `role`".into()))?;
    let members = b.get("members").and_then(Value::as_array).ok_or_else(|| {
        problem(
            src,
            line,
            path,
            format!("`{role}`: `members` is not a list"),
        )
    })?;
    let mut kept = Vec::new();
    for (k, m) in members.iter().enumerate() {
        let mpath = format!("{path}.members[{k}]");
        match m.as_str().map(member::parse) {
            Some(Ok(_)) => kept.push(m.as_str().unwrap_or_default().to_string()),
            Some(Err(e)) => report.errors.push(problem(src, line, &mpath, e)),
            None => report.errors.push(problem(
                src,
                line,
                &mpath,
                "a member that is not a string".into(),
            )),
        }
    }
    let condition = match b.get("condition") {
        None | Some(Value::Null) => None,
        Some(c) => Some(Condition {
            title: str_of(c, &["title"]).unwrap_or_default().to_string(),
            expression: str_of(c, &["expression"])
                .ok_or_else(|| {
                    problem(
                        src,
                        line,
                        &format!("{path}.condition"),
                        "a condition without an `expression`".into(),
                    )
                })?
                .to_string(),
            description: str_of(c, &["description"]).map(str::to_string),
        }),
    };
    Ok(Binding {
        resource: resource.to_string(),
        role: role.to_string(),
        members: kept,
        condition,
        location: location(src, line, path),
    })
}

fn deny_policy(
    src: &SourceFile,
    line: Option<usize>,
    path: &str,
    item: &Value,
) -> Result<crate::gcp::deny::DenyPolicy, InputError> {
    let name = str_of(item, &["name"]).unwrap_or_default();
    let attachment = crate::gcp::deny::attachment_of(name).ok_or_else(|| {
        problem(
            src,
            line,
            path,
            format!("a deny policy whose name does not say where it is attached: `{name}` (expected `policies/<attachment point>/denypolicies/<id>`)"),
        )
    })?;
    let strings = |v: &Value, k: &str| -> Vec<String> {
        v.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let rules = item
        .get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("denyRule"))
        .map(|d| crate::gcp::deny::DenyRule {
            denied_principals: strings(d, "deniedPrincipals"),
            exception_principals: strings(d, "exceptionPrincipals"),
            denied_permissions: strings(d, "deniedPermissions"),
            exception_permissions: strings(d, "exceptionPermissions"),
            condition: d
                .get("denialCondition")
                .and_then(|c| str_of(c, &["expression"]))
                .map(str::to_string),
        })
        .collect();
    Ok(crate::gcp::deny::DenyPolicy {
        name: name.to_string(),
        attachment,
        rules,
        location: location(src, line, path),
    })
}

fn custom_role(
    src: &SourceFile,
    line: Option<usize>,
    path: &str,
    name: Option<String>,
    data: &Value,
    report: &mut LoadReport,
) {
    let Some(name) = name.filter(|n| n.contains("/roles/")) else {
        report.errors.push(problem(
            src,
            line,
            path,
            "a custom role without its name (`projects/P/roles/R` or `organizations/O/roles/R`)"
                .into(),
        ));
        return;
    };
    let permissions = match data
        .get("includedPermissions")
        .or(data.get("included_permissions"))
    {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(_) => {
            report.errors.push(problem(
                src,
                line,
                path,
                format!("`{name}`: `includedPermissions` is not a list"),
            ));
            return;
        }
    };
    report.snapshot.custom_roles.insert(
        name.clone(),
        CustomRole {
            title: str_of(data, &["title"]).unwrap_or_default().to_string(),
            stage: str_of(data, &["stage"]).unwrap_or("GA").to_string(),
            deleted: data
                .get("deleted")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            permissions,
            location: location(src, line, path),
            name,
        },
    );
}

#[cfg(test)]
mod tests;
