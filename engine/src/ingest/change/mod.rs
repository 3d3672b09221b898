//! The entitlements a change creates: the files a pull request touches — plain IAM policy
//! documents, Terraform plans (`ingest/terraform_plan`), CloudFormation templates — recognised by content and lowered into
//! the inventory snapshots load into, with every policy document they declare listed for
//! validation. Directories are walked for `.json`, `.yaml`, `.yml` and `.template` files,
//! leaving out hidden directories (`.git`, `.terraform`) and `node_modules`, `target`, `vendor`.

use crate::aws::policy::{ActionSpec, DocumentKind, PolicyDocument};
use crate::aws::{Inventory, Policy};
use crate::ingest::recognize::{shape_of, Shape};
use crate::model::{Finding, PolicyKind, Principal, PrincipalKind};
use crate::source::{InputError, SourceFile};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A policy document the change declares.
#[derive(Debug, Clone)]
pub struct Declared {
    /// Its id: in `inventory.policies`, or (for a resource policy) the resource's ARN in
    /// `inventory.resource_policies`.
    pub policy: String,
    /// True when it is a resource policy (keyed by resource ARN).
    pub resource: bool,
    /// Which policy type it is.
    pub kind: DocumentKind,
    /// Who holds it: a principal id, a Terraform address, the file.
    pub holder: String,
}

/// What the files of a change declare.
#[derive(Debug, Default)]
pub struct Change {
    /// Principals, policies and resource policies, as a snapshot would hold them.
    pub inventory: Inventory,
    /// Every policy document declared, to validate.
    pub documents: Vec<Declared>,
    /// The files read, by path (spans point into them).
    pub files: BTreeMap<Arc<str>, SourceFile>,
    /// Documents that did not parse: their `policy-syntax` findings.
    pub invalid: Vec<Finding>,
    /// Principal ids and resource ARNs the change declares.
    pub planned: BTreeSet<String>,
    /// Inputs that could not be read (the rest was).
    pub errors: Vec<InputError>,
    /// Inputs read with a caveat.
    pub warnings: Vec<InputError>,
    /// Principals the change refers to by name without declaring them (a policy attached to an
    /// existing role): stand-ins, by id, that a snapshot's principal of that name replaces.
    pub stand_ins: BTreeSet<String>,
    /// What existed before the change, as far as its inputs say: a plan's before-state (or,
    /// from `check --baseline`, the same files at the base of the change). `None` when nothing
    /// says.
    pub before: Option<Inventory>,
}

const EXTENSIONS: &[&str] = &["json", "yaml", "yml", "template"];

/// Reads every file of `paths` (directories walked).
pub fn load(paths: &[PathBuf]) -> Change {
    let mut change = Change::default();
    let mut skipped = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut files: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .into_iter()
                // hidden directories (`.git`, `.terraform`) and dependencies are not the change
                .filter_entry(|e| e.depth() == 0 || !skipped_dir(e))
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(walkdir::DirEntry::into_path)
                .filter(|p| {
                    p.extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
                })
                .collect();
            files.sort();
            for f in files {
                if let Err(why) = read_one(&f, &mut change) {
                    skipped.push((f, why));
                }
            }
        } else if let Err(why) = read_one(path, &mut change) {
            // a file named on the command line must be something whittle reads
            let file = SourceFile::from_text(&path.display().to_string(), "");
            change.errors.push(file.error("", None, why));
        }
    }
    if !skipped.is_empty() {
        let file = SourceFile::from_text(&paths_text(paths), "");
        let names: Vec<String> = skipped
            .iter()
            .take(5)
            .map(|(p, why)| format!("{} ({why})", p.display()))
            .collect();
        let more = if skipped.len() > 5 {
            format!(", and {} more", skipped.len() - 5)
        } else {
            String::new()
        };
        change.warnings.push(file.error(
            "",
            None,
            format!(
                "{} file(s) skipped, not a policy, plan or template: {}{more}",
                skipped.len(),
                names.join(", ")
            ),
        ));
    }
    change.inventory.principals.sort_by(|a, b| a.id.cmp(&b.id));
    if let Some(b) = change.before.as_mut() {
        b.principals.sort_by(|a, b| a.id.cmp(&b.id));
        b.principals.dedup_by(|a, b| a.id == b.id);
    }
    change
}

/// Directories a walk does not enter: hidden ones and package or build output.
fn skipped_dir(e: &walkdir::DirEntry) -> bool {
    e.file_type().is_dir()
        && e.file_name().to_str().is_some_and(|n| {
            n.starts_with('.') || matches!(n, "node_modules" | "target" | "vendor")
        })
}

fn paths_text(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads one file into `change`; `Err` says what it is when whittle does not read it here.
fn read_one(path: &Path, change: &mut Change) -> Result<(), String> {
    let file = match SourceFile::read(path) {
        Ok(f) => f,
        Err(e) => {
            change.errors.push(e);
            return Ok(());
        }
    };
    let text = file.text.trim_start();
    if !text.starts_with('{') {
        if super::cloudformation::looks_like(&file.text) {
            super::cloudformation::read(&file, change);
            change.files.insert(file.path.clone(), file);
            return Ok(());
        }
        return Err("not JSON, and not a CloudFormation template".into());
    }
    let keys: BTreeMap<String, serde::de::IgnoredAny> = match serde_json::from_str(&file.text) {
        Ok(k) => k,
        Err(e) => {
            change.errors.push(file.json_error(&e));
            return Ok(());
        }
    };
    match shape_of(keys.keys().map(String::as_str)) {
        Some(Shape::PolicyDocument) => {
            policy_file(file, change);
            Ok(())
        }
        Some(Shape::CloudFormation) => {
            super::cloudformation::read(&file, change);
            change.files.insert(file.path.clone(), file);
            Ok(())
        }
        Some(Shape::TerraformPlan) => {
            super::terraform_plan::read(&file, change);
            change.files.insert(file.path.clone(), file);
            Ok(())
        }
        Some(Shape::AuthorizationDetails) => {
            Err("an authorization-details snapshot: give it with `--snapshot`".into())
        }
        Some(other) => Err(other.advice().to_string()),
        None => Err("not a policy, plan or template".into()),
    }
}

/// Which policy type a lone document is: a `Principal` makes it a trust policy when it only
/// grants role assumption, else a resource policy; none makes it an identity policy.
fn kind_of(doc: &PolicyDocument) -> DocumentKind {
    if !doc.statements.iter().any(|s| s.principal.is_some()) {
        return DocumentKind::Identity;
    }
    let assumes = doc.statements.iter().all(|s| match &s.action {
        ActionSpec::Action(p) => p.iter().all(|a| {
            let a = a.to_ascii_lowercase();
            a.starts_with("sts:assumerole")
                || a == "sts:tagsession"
                || a == "sts:setsourceidentity"
                || a == "sts:setcontext"
        }),
        ActionSpec::NotAction(_) => false,
    });
    if assumes && doc.statements.iter().all(|s| s.resource.is_none()) {
        DocumentKind::Trust
    } else {
        DocumentKind::Resource
    }
}

/// A lone policy document: an identity policy is checked as if attached to a role named after
/// the file, a trust policy as that role's trust policy, a resource policy as the policy of the
/// resource its first statement names.
fn policy_file(file: SourceFile, change: &mut Change) {
    let path = file.path.to_string();
    let name = Path::new(&path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("policy")
        .to_string();
    let location = file.location(String::new(), None);
    let doc = match PolicyDocument::parse(&file.text, DocumentKind::AsGiven) {
        Ok(d) => d,
        Err(e) => {
            change.invalid.push(crate::aws::validate::syntax(
                &e,
                (&path, &name, PolicyKind::CustomerManaged),
                &location,
                Some(&file.text),
                &path,
            ));
            change.files.insert(file.path.clone(), file);
            return;
        }
    };
    let kind = kind_of(&doc);
    let policy_kind = match kind {
        DocumentKind::Trust => PolicyKind::Trust,
        DocumentKind::Resource => PolicyKind::ResourceBased,
        _ => PolicyKind::CustomerManaged,
    };
    let policy = Policy {
        id: path.clone(),
        name: name.clone(),
        kind: policy_kind,
        document: doc,
        location: location.clone(),
    };
    if kind == DocumentKind::Resource {
        let arn = resource_of(&policy.document).unwrap_or_else(|| path.clone());
        let mut policy = policy;
        policy.id = arn.clone();
        change.documents.push(Declared {
            policy: arn.clone(),
            resource: true,
            kind,
            holder: arn.clone(),
        });
        change.planned.insert(arn.clone());
        change.inventory.resource_policies.insert(arn, policy);
    } else {
        let mut role = Principal::aws(&path, PrincipalKind::Role, "", &name, location);
        if kind == DocumentKind::Trust {
            role.trust_policy = Some(path.clone());
        } else {
            role.policies.push(path.clone());
        }
        change.documents.push(Declared {
            policy: path.clone(),
            resource: false,
            kind,
            holder: path.clone(),
        });
        change.planned.insert(path.clone());
        change.inventory.policies.insert(path, policy);
        change.inventory.principals.push(role);
    }
    change.files.insert(file.path.clone(), file);
}

/// The resource a resource policy is attached to, from its first ARN: the bucket of
/// `arn:aws:s3:::b/*`, else the ARN itself.
fn resource_of(doc: &PolicyDocument) -> Option<String> {
    let arn = doc
        .statements
        .iter()
        .filter_map(|s| s.resource.as_ref())
        .flat_map(|r| r.patterns())
        .find(|p| p.starts_with("arn:"))?;
    Some(match arn.strip_prefix("arn:aws:s3:::") {
        Some(rest) => format!("arn:aws:s3:::{}", rest.split('/').next().unwrap_or(rest)),
        None => arn.clone(),
    })
}

#[cfg(test)]
mod tests;
