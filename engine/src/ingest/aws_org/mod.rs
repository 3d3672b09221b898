//! An AWS Organizations export (`scripts/export-org.sh`, format in `docs/formats.md`): the
//! organisation's roots, units and accounts, and its SCPs and RCPs with their targets. Read by
//! `--snapshot` beside authorization-details files, recognised by its `Organization` and
//! `Accounts` keys.

mod diags;

use crate::aws::policy::{DocumentKind, PolicyDocument};
use crate::model::{OrgPolicy, OrgPolicyKind, Organization};
use crate::source::SourceFile;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

pub use diags::OrgReport;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Export<'a> {
    organization: OrgHeader,
    #[serde(default)]
    roots: Vec<Node>,
    #[serde(default)]
    organizational_units: Vec<Node>,
    #[serde(default)]
    accounts: Vec<Node>,
    #[serde(default, borrow)]
    organization_policies: Vec<RawPolicy<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct OrgHeader {
    id: String,
    #[serde(default, alias = "MasterAccountId")]
    management_account_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Node {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    parent_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPolicy<'a> {
    id: String,
    name: String,
    #[serde(rename = "Type")]
    kind: String,
    /// The document: an object, or the JSON text AWS returns in `describe-policy`.
    #[serde(borrow)]
    content: &'a RawValue,
    #[serde(default)]
    targets: Vec<String>,
}

/// True when top-level `keys` are an organisation export's.
pub fn looks_like(keys: &[&str]) -> bool {
    keys.contains(&"Organization") && keys.contains(&"Accounts")
}

/// Reads an organisation export. Problems (a policy that does not parse, a target or parent the
/// tree does not hold, a cycle) name their place; the rest is used.
pub fn parse(file: &SourceFile) -> OrgReport {
    let mut report = OrgReport::default();
    let export: Export = match serde_json::from_str(&file.text) {
        Ok(e) => e,
        Err(e) => {
            report.errors.push(file.json_error(&e));
            return report;
        }
    };
    let mut parents: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut names = BTreeMap::new();
    for (list, what) in [
        (&export.roots, "Roots"),
        (&export.organizational_units, "OrganizationalUnits"),
        (&export.accounts, "Accounts"),
    ] {
        for (i, n) in list.iter().enumerate() {
            if what != "Roots" && n.parent_id.is_none() {
                report.errors.push(file.error(
                    format!("{what}[{i}]"),
                    file.text.find(&format!("\"{}\"", n.id)),
                    format!("`{}` has no `ParentId`", n.id),
                ));
                continue;
            }
            parents.insert(n.id.clone(), n.parent_id.clone());
            if let Some(name) = &n.name {
                names.insert(n.id.clone(), name.clone());
            }
        }
    }
    // every parent known, no cycles
    for (node, parent) in &parents {
        if let Some(p) = parent.as_ref().filter(|p| !parents.contains_key(*p)) {
            report.errors.push(file.error(
                "",
                file.text.find(&format!("\"{p}\"")),
                format!("`{node}` names parent `{p}`, which the export does not list"),
            ));
        }
        let mut at = node;
        let mut steps = 0;
        while let Some(Some(p)) = parents.get(at) {
            steps += 1;
            if steps > parents.len() {
                report.errors.push(file.error(
                    "",
                    file.text.find(&format!("\"{node}\"")),
                    format!("the tree has a cycle through `{node}`"),
                ));
                break;
            }
            at = p;
        }
    }
    let mut policies = Vec::new();
    for (i, p) in export.organization_policies.iter().enumerate() {
        let path = format!("OrganizationPolicies[{i}]");
        let kind = match p.kind.as_str() {
            "SERVICE_CONTROL_POLICY" => OrgPolicyKind::ServiceControl,
            "RESOURCE_CONTROL_POLICY" => OrgPolicyKind::ResourceControl,
            other => {
                report.warnings.push(file.error(
                    format!("{path}.Type"),
                    file.text.find(other),
                    format!("policy type `{other}` is not an SCP or RCP: ignored"),
                ));
                continue;
            }
        };
        let at = p.content.get().as_ptr() as usize - file.text.as_ptr() as usize;
        let parsed = if p.content.get().starts_with('"') {
            serde_json::from_str::<String>(p.content.get())
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    PolicyDocument::parse(&text, DocumentKind::AsGiven).map_err(|e| e.message)
                })
                .map(|mut d| {
                    d.place_at(
                        Some(file.line_of(at)),
                        Some(crate::source::column_of(&file.text, at)),
                    );
                    d
                })
                .map_err(|m| (None, String::new(), m))
        } else {
            PolicyDocument::parse(p.content.get(), DocumentKind::AsGiven)
                .map(|mut d| {
                    d.place_in(file, at);
                    d
                })
                .map_err(|e| (e.offset.map(|o| o + at), e.json_path, e.message))
        };
        let document = match parsed {
            Ok(d) => d,
            Err((offset, json_path, message)) => {
                let full = if json_path.is_empty() {
                    format!("{path}.Content")
                } else {
                    format!("{path}.Content.{json_path}")
                };
                report
                    .errors
                    .push(file.error(full, offset.or(Some(at)), message));
                continue;
            }
        };
        let expected = match kind {
            OrgPolicyKind::ServiceControl => DocumentKind::Identity,
            OrgPolicyKind::ResourceControl => DocumentKind::Resource,
        };
        for w in document.misplaced(expected) {
            report.warnings.push(file.error(
                format!("{path}.Content"),
                Some(at),
                format!("{w} in {}: evaluated as given", p.name),
            ));
        }
        for t in p.targets.iter().filter(|t| !parents.contains_key(*t)) {
            report.warnings.push(file.error(
                format!("{path}.Targets"),
                file.text.find(&format!("\"{t}\"")),
                format!(
                    "target `{t}` of {} is not in the export: it applies to nothing here",
                    p.name
                ),
            ));
        }
        policies.push(OrgPolicy {
            id: p.id.clone(),
            name: p.name.clone(),
            kind,
            document,
            targets: p.targets.clone(),
            location: file.location(path, Some(at..at + p.content.get().len())),
        });
    }
    report.organization = Some(Organization {
        id: export.organization.id,
        management_account: export.organization.management_account_id,
        parents,
        names,
        policies,
    });
    report
}

#[cfg(test)]
mod tests;
