//! `aws iam get-account-authorization-details` output: users, groups, roles, managed policies,
//! inline policies, attachments, group membership, boundaries, tags, `RoleLastUsed`, trust policies.
//!
//! Several files (paginated output saved page by page, or several accounts) merge into one
//! inventory. A bad policy document is reported with its JSON path and position and the rest of
//! the snapshot still loads; unknown fields are warnings (AWS adds fields over time).

mod diags;

use crate::aws::policy::{DocumentKind, PolicyDocument};
use crate::aws::{Inventory, Policy};
use crate::ingest::recognize::{shape_of, Shape};
use crate::model::{PolicyKind, Principal, PrincipalKind};
use crate::progress::{Silent, Stages, Unit};
use crate::source::SourceFile;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub use diags::LoadReport;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Details<'a> {
    #[serde(default, borrow)]
    user_detail_list: Vec<UserDetail<'a>>,
    #[serde(default, borrow)]
    group_detail_list: Vec<GroupDetail<'a>>,
    #[serde(default, borrow)]
    role_detail_list: Vec<RoleDetail<'a>>,
    #[serde(default, borrow)]
    policies: Vec<ManagedPolicy<'a>>,
    #[serde(default)]
    is_truncated: bool,
    #[serde(default)]
    marker: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InlinePolicy<'a> {
    policy_name: String,
    #[serde(borrow)]
    policy_document: &'a RawValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Attached {
    policy_name: String,
    policy_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Boundary {
    #[serde(default)]
    #[allow(dead_code)]
    permissions_boundary_type: Option<String>,
    permissions_boundary_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Tag {
    key: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserDetail<'a> {
    #[serde(default)]
    path: String,
    user_name: String,
    #[serde(default)]
    #[allow(dead_code)]
    user_id: Option<String>,
    arn: String,
    #[serde(default)]
    create_date: Option<String>,
    #[serde(default, borrow)]
    user_policy_list: Vec<InlinePolicy<'a>>,
    #[serde(default)]
    group_list: Vec<String>,
    #[serde(default)]
    attached_managed_policies: Vec<Attached>,
    #[serde(default)]
    permissions_boundary: Option<Boundary>,
    #[serde(default)]
    tags: Vec<Tag>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupDetail<'a> {
    #[serde(default)]
    path: String,
    group_name: String,
    #[serde(default)]
    #[allow(dead_code)]
    group_id: Option<String>,
    arn: String,
    #[serde(default)]
    create_date: Option<String>,
    #[serde(default, borrow)]
    group_policy_list: Vec<InlinePolicy<'a>>,
    #[serde(default)]
    attached_managed_policies: Vec<Attached>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoleLastUsed {
    #[serde(default)]
    last_used_date: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    region: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoleDetail<'a> {
    #[serde(default)]
    path: String,
    role_name: String,
    #[serde(default)]
    #[allow(dead_code)]
    role_id: Option<String>,
    arn: String,
    #[serde(default)]
    create_date: Option<String>,
    #[serde(default, borrow)]
    assume_role_policy_document: Option<&'a RawValue>,
    #[serde(default)]
    #[allow(dead_code)]
    instance_profile_list: Vec<serde_json::Value>,
    #[serde(default, borrow)]
    role_policy_list: Vec<InlinePolicy<'a>>,
    #[serde(default)]
    attached_managed_policies: Vec<Attached>,
    #[serde(default)]
    permissions_boundary: Option<Boundary>,
    #[serde(default)]
    tags: Vec<Tag>,
    #[serde(default)]
    role_last_used: Option<RoleLastUsed>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    max_session_duration: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyVersion<'a> {
    #[serde(borrow)]
    document: &'a RawValue,
    #[serde(default)]
    version_id: Option<String>,
    #[serde(default)]
    is_default_version: bool,
    #[serde(default)]
    #[allow(dead_code)]
    create_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
#[allow(dead_code)]
struct ManagedPolicy<'a> {
    policy_name: String,
    #[serde(default)]
    policy_id: Option<String>,
    arn: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    default_version_id: Option<String>,
    #[serde(default)]
    attachment_count: Option<u64>,
    #[serde(default)]
    permissions_boundary_usage_count: Option<u64>,
    #[serde(default)]
    is_attachable: Option<bool>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    create_date: Option<String>,
    #[serde(default)]
    update_date: Option<String>,
    #[serde(default, borrow)]
    policy_version_list: Vec<PolicyVersion<'a>>,
}

/// Loads and merges snapshot files; problems are collected, never fatal to the other files.
pub fn load_files(paths: &[impl AsRef<Path>]) -> LoadReport {
    load_files_reporting(paths, &Silent)
}

/// [`load_files`], telling `progress` how many bytes of the snapshots are read and parsed.
pub fn load_files_reporting(paths: &[impl AsRef<Path>], progress: &dyn Stages) -> LoadReport {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let total = paths.iter().map(|p| size(p.as_ref())).sum();
    progress.stage("reading snapshots", total, Unit::Bytes);
    let mut b = Builder::default();
    for p in paths {
        match SourceFile::read(p.as_ref()) {
            Ok(f) => b.add_file(&f),
            Err(e) => b.report.errors.push(e),
        }
        progress.advance(size(p.as_ref()));
    }
    b.finish()
}

/// Loads snapshot text that did not come from a file (tests, stdin).
pub fn load_sources(files: &[SourceFile]) -> LoadReport {
    let mut b = Builder::default();
    for f in files {
        b.add_file(f);
    }
    b.finish()
}

#[derive(Default)]
struct Builder {
    principals: BTreeMap<String, Principal>,
    policies: BTreeMap<String, Policy>,
    /// (account, group name) → group ARN, for users' `GroupList`.
    group_names: HashMap<(String, String), String>,
    /// users' group names awaiting resolution: (user ARN, account, group name, file, path)
    pending_groups: Vec<(String, String, String, SourceFile, String)>,
    /// attachments to check once every file is read: (policy ARN, principal, file, path)
    attachments: Vec<(String, String, SourceFile, String)>,
    /// The organisation, from an organisation export among the files.
    organization: Option<crate::model::Organization<crate::aws::policy::PolicyDocument>>,
    /// Resource policies by ARN, from resource-policy maps among the files.
    resource_policies: BTreeMap<String, Policy>,
    /// Accounts of resources whose ARN names none, from Config snapshots.
    resource_owners: BTreeMap<String, String>,
    report: LoadReport,
}

/// What users and roles both carry: creation date, tags, permission boundary.
fn set_identity_facts(
    p: &mut Principal,
    created: &Option<String>,
    tags: &[Tag],
    boundary: &Option<Boundary>,
) {
    p.created = created.clone();
    p.tags = tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    p.boundary = boundary
        .as_ref()
        .map(|b| b.permissions_boundary_arn.clone());
}

fn account_of(arn: &str) -> String {
    arn.split(':').nth(4).unwrap_or_default().to_string()
}

impl Builder {
    fn add_file(&mut self, file: &SourceFile) {
        let text: &str = &file.text;
        // a struct deserializes from an array too: `[]` would read as an empty snapshot
        let first = text.trim_start().chars().next();
        if first != Some('{') {
            let what = match first {
                Some('[') => "a JSON array",
                None => "empty",
                Some(_) => "not a JSON object",
            };
            let at = text.len() - text.trim_start().len();
            self.report.errors.push(file.error(
                "",
                (at < text.len()).then_some(at),
                format!("{what}: not an authorization-details snapshot (`aws iam get-account-authorization-details` output)"),
            ));
            return;
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let mut ignored = Vec::new();
        let mut on_ignored = |p: serde_ignored::Path<'_>| ignored.push(p.to_string());
        let parsed: Result<Details, (String, serde_json::Error)> =
            serde_path_to_error::deserialize(serde_ignored::Deserializer::new(
                &mut de,
                &mut on_ignored,
            ))
            .map_err(|e| (e.path().to_string(), e.into_inner()))
            .and_then(|d| de.end().map(|_| d).map_err(|e| (String::new(), e)));
        let details = match parsed {
            Ok(d) => d,
            Err((path, inner)) => {
                let offset = (inner.line() > 0)
                    .then(|| crate::source::offset_of(text, inner.line(), inner.column()));
                let msg = inner.to_string();
                let msg = msg
                    .rfind(" at line ")
                    .map_or(msg.clone(), |i| msg[..i].to_string());
                let path = if path == "." { String::new() } else { path };
                self.report.errors.push(file.error(path, offset, msg));
                return;
            }
        };
        let empty = details.user_detail_list.is_empty()
            && details.group_detail_list.is_empty()
            && details.role_detail_list.is_empty()
            && details.policies.is_empty();
        if empty {
            let top: Vec<&str> = ignored
                .iter()
                .map(String::as_str)
                .filter(|k| !k.contains(['.', '[']))
                .collect();
            // an organisation export is read beside the snapshots
            if crate::ingest::aws_org::looks_like(&top) {
                let org = crate::ingest::aws_org::parse(file);
                self.report.errors.extend(org.errors);
                self.report.warnings.extend(org.warnings);
                if let Some(o) = org.organization {
                    if self.organization.is_some() {
                        self.report.warnings.push(file.error(
                            "",
                            None,
                            "a second organisation export: it replaces the first",
                        ));
                    }
                    self.organization = Some(o);
                }
                return;
            }
            // and an AWS Config snapshot's resource policies
            if crate::ingest::aws_config::looks_like(&top) {
                let found = crate::ingest::aws_config::parse(
                    file,
                    &mut self.report.errors,
                    &mut self.report.warnings,
                );
                self.resource_policies.extend(found.policies);
                self.resource_owners.extend(found.owners);
                return;
            }
            // so is a map of resource policies by ARN
            if crate::ingest::resource_policies::looks_like(&top) {
                let found = crate::ingest::resource_policies::parse(
                    file,
                    &mut self.report.errors,
                    &mut self.report.warnings,
                );
                self.resource_policies.extend(found);
                return;
            }
            // nothing of a snapshot: say what the file looks like, and stop there
            let top = top.into_iter();
            let message = match shape_of(top) {
                Some(shape) if shape != Shape::AuthorizationDetails => format!(
                    "not an authorization-details snapshot: it looks like {}",
                    shape.advice()
                ),
                _ => "holds no users, groups, roles or policies: not an authorization-details snapshot (`aws iam get-account-authorization-details` output)".into(),
            };
            self.report.errors.push(file.error("", None, message));
            return;
        }
        for p in ignored {
            self.report
                .warnings
                .push(file.error(p, None, "unknown field, ignored"));
        }
        if details.is_truncated {
            self.report.warnings.push(file.error(
                "IsTruncated",
                None,
                format!(
                    "this page is truncated (Marker `{}`): load every page, or the inventory is incomplete",
                    details.marker.as_deref().unwrap_or_default()
                ),
            ));
        }
        self.report.files += 1;
        for (i, mp) in details.policies.iter().enumerate() {
            self.add_managed(file, i, mp);
        }
        for (i, g) in details.group_detail_list.iter().enumerate() {
            let path = format!("GroupDetailList[{i}]");
            let account = account_of(&g.arn);
            self.group_names
                .insert((account.clone(), g.group_name.clone()), g.arn.clone());
            let mut principal = self.principal(
                file,
                &path,
                PrincipalKind::Group,
                &g.arn,
                &g.group_name,
                &g.path,
            );
            principal.created = g.create_date.clone();
            self.add_policies(
                file,
                &path,
                "GroupPolicyList",
                &mut principal,
                &g.group_policy_list,
                &g.attached_managed_policies,
            );
            self.insert(principal, file, &path);
        }
        for (i, u) in details.user_detail_list.iter().enumerate() {
            let path = format!("UserDetailList[{i}]");
            let mut principal = self.principal(
                file,
                &path,
                PrincipalKind::User,
                &u.arn,
                &u.user_name,
                &u.path,
            );
            set_identity_facts(
                &mut principal,
                &u.create_date,
                &u.tags,
                &u.permissions_boundary,
            );
            for g in &u.group_list {
                self.pending_groups.push((
                    u.arn.clone(),
                    principal.scope.clone(),
                    g.clone(),
                    file.clone(),
                    format!("{path}.GroupList"),
                ));
            }
            self.add_policies(
                file,
                &path,
                "UserPolicyList",
                &mut principal,
                &u.user_policy_list,
                &u.attached_managed_policies,
            );
            self.insert(principal, file, &path);
        }
        for (i, r) in details.role_detail_list.iter().enumerate() {
            let path = format!("RoleDetailList[{i}]");
            let mut principal = self.principal(
                file,
                &path,
                PrincipalKind::Role,
                &r.arn,
                &r.role_name,
                &r.path,
            );
            set_identity_facts(
                &mut principal,
                &r.create_date,
                &r.tags,
                &r.permissions_boundary,
            );
            principal.last_used = r
                .role_last_used
                .as_ref()
                .and_then(|l| l.last_used_date.clone());
            if let Some(raw) = r.assume_role_policy_document {
                let dpath = format!("{path}.AssumeRolePolicyDocument");
                if let Some(document) = self.parse_document(file, &dpath, raw, DocumentKind::Trust)
                {
                    let id = format!("{}#trust", principal.id);
                    let span = raw_span(file, raw);
                    self.policies.insert(
                        id.clone(),
                        Policy {
                            id: id.clone(),
                            name: "trust policy".into(),
                            kind: PolicyKind::Trust,
                            document,
                            location: file.location(dpath, span),
                        },
                    );
                    principal.trust_policy = Some(id);
                }
            }
            self.add_policies(
                file,
                &path,
                "RolePolicyList",
                &mut principal,
                &r.role_policy_list,
                &r.attached_managed_policies,
            );
            self.insert(principal, file, &path);
        }
    }

    fn principal(
        &self,
        file: &SourceFile,
        path: &str,
        kind: PrincipalKind,
        arn: &str,
        name: &str,
        iam_path: &str,
    ) -> Principal {
        Principal {
            path: iam_path.to_string(),
            ..Principal::aws(arn, kind, &account_of(arn), name, file.location(path, None))
        }
    }

    fn insert(&mut self, principal: Principal, file: &SourceFile, path: &str) {
        if let Some(b) = &principal.boundary {
            self.attachments.push((
                b.clone(),
                principal.id.clone(),
                file.clone(),
                format!("{path}.PermissionsBoundary"),
            ));
        }
        if self.principals.contains_key(&principal.id) {
            self.report.warnings.push(file.error(
                path,
                None,
                format!(
                    "`{}` appears more than once; the first is kept",
                    principal.id
                ),
            ));
            return;
        }
        self.principals.insert(principal.id.clone(), principal);
    }

    fn add_policies(
        &mut self,
        file: &SourceFile,
        path: &str,
        inline_field: &str,
        principal: &mut Principal,
        inline: &[InlinePolicy<'_>],
        attached: &[Attached],
    ) {
        for (j, ip) in inline.iter().enumerate() {
            let ppath = format!("{path}.{inline_field}[{j}]");
            let dpath = format!("{ppath}.PolicyDocument");
            let Some(document) =
                self.parse_document(file, &dpath, ip.policy_document, DocumentKind::Identity)
            else {
                continue;
            };
            let id = format!("{}#{}", principal.id, ip.policy_name);
            let span = raw_span(file, ip.policy_document);
            self.policies.insert(
                id.clone(),
                Policy {
                    id: id.clone(),
                    name: ip.policy_name.clone(),
                    kind: PolicyKind::Inline,
                    document,
                    location: file.location(dpath, span),
                },
            );
            principal.policies.push(id);
        }
        for (j, a) in attached.iter().enumerate() {
            self.attachments.push((
                a.policy_arn.clone(),
                principal.id.clone(),
                file.clone(),
                format!("{path}.AttachedManagedPolicies[{j}]"),
            ));
            let _ = &a.policy_name;
            principal.policies.push(a.policy_arn.clone());
        }
    }

    fn add_managed(&mut self, file: &SourceFile, i: usize, mp: &ManagedPolicy<'_>) {
        let path = format!("Policies[{i}]");
        let default = mp.policy_version_list.iter().position(|v| {
            v.is_default_version
                || (mp.default_version_id.is_some() && v.version_id == mp.default_version_id)
        });
        let Some(vi) = default else {
            self.report.errors.push(file.error(
                &path,
                None,
                format!(
                    "managed policy `{}` has no default version in PolicyVersionList",
                    mp.arn
                ),
            ));
            return;
        };
        let dpath = format!("{path}.PolicyVersionList[{vi}].Document");
        let raw = mp.policy_version_list[vi].document;
        let Some(document) = self.parse_document(file, &dpath, raw, DocumentKind::Identity) else {
            return;
        };
        let kind = if mp.arn.contains(":iam::aws:policy/") {
            PolicyKind::AwsManaged
        } else {
            PolicyKind::CustomerManaged
        };
        let span = raw_span(file, raw);
        self.policies.entry(mp.arn.clone()).or_insert(Policy {
            id: mp.arn.clone(),
            name: mp.policy_name.clone(),
            kind,
            document,
            location: file.location(dpath, span),
        });
    }

    /// Parses an embedded document (object, JSON string, or URL-encoded string); errors are recorded.
    fn parse_document(
        &mut self,
        file: &SourceFile,
        path: &str,
        raw: &RawValue,
        kind: DocumentKind,
    ) -> Option<PolicyDocument> {
        let at = raw_offset(file, raw);
        let result = if raw.get().starts_with('"') {
            match serde_json::from_str::<String>(raw.get()) {
                Ok(s) => PolicyDocument::parse_maybe_encoded(&s, kind)
                    .map_err(|e| crate::aws::policy::DocError { offset: None, ..e }),
                Err(e) => Err(crate::aws::policy::DocError {
                    json_path: String::new(),
                    offset: None,
                    message: e.to_string(),
                }),
            }
        } else {
            PolicyDocument::parse(raw.get(), kind)
        };
        match result {
            Ok(mut doc) => {
                doc.place_in(file, at);
                Some(doc)
            }
            Err(e) => {
                let full = if e.json_path.is_empty() {
                    path.to_string()
                } else {
                    format!("{path}.{}", e.json_path)
                };
                let offset = e.offset.map(|o| o + at).or(Some(at));
                self.report.errors.push(file.error(full, offset, e.message));
                None
            }
        }
    }

    fn finish(mut self) -> LoadReport {
        for (user, account, group, file, path) in std::mem::take(&mut self.pending_groups) {
            let arn = match self.group_names.get(&(account.clone(), group.clone())) {
                Some(a) => a.clone(),
                None => {
                    self.report.warnings.push(file.error(
                        &path,
                        None,
                        format!("group `{group}` is not in the snapshot; its policies are unknown"),
                    ));
                    format!("arn:aws:iam::{account}:group/{group}")
                }
            };
            if let Some(u) = self.principals.get_mut(&user) {
                u.groups.push(arn);
            }
        }
        for (policy, principal, file, path) in std::mem::take(&mut self.attachments) {
            if !self.policies.contains_key(&policy) {
                self.report.warnings.push(file.error(
                    &path,
                    None,
                    format!("managed policy `{policy}` (attached to `{principal}`) is not in the snapshot; its permissions are unknown"),
                ));
                self.report.missing_policies.insert(policy);
            }
        }
        self.report.inventory = Inventory {
            principals: self.principals.into_values().collect(),
            policies: self.policies,
            organization: self.organization.take(),
            resource_policies: std::mem::take(&mut self.resource_policies),
            resource_owners: std::mem::take(&mut self.resource_owners),
        };
        self.report
    }
}

fn raw_offset(file: &SourceFile, raw: &RawValue) -> usize {
    raw.get().as_ptr() as usize - file.text.as_ptr() as usize
}

fn raw_span(file: &SourceFile, raw: &RawValue) -> Option<std::ops::Range<usize>> {
    let at = raw_offset(file, raw);
    Some(at..at + raw.get().len())
}

#[cfg(test)]
mod tests;
