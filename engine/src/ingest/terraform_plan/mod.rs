//! Terraform plans (`terraform show -json PLANFILE`): the IAM entitlements the plan's
//! `resource_changes` create or keep — roles (trust policy, inline policies, managed policy ARNs,
//! boundary), users, groups, managed policies, inline policies, attachments and memberships, and
//! bucket, queue, topic, key and secret policies — in the root module and child modules.
//! Deleted resources are left out. A value known only after apply is resolved through the
//! plan's `configuration` references where it names another resource of the plan (a policy
//! ARN, a role name); a policy document known only after apply is reported, never guessed.

mod policy_document;

use super::change::{Change, Declared};
use crate::aws::policy::{DocumentKind, PolicyDocument};
use crate::aws::Policy;
use crate::model::{Finding, PolicyKind, Principal, PrincipalKind, Provider};
use crate::source::{Location, SourceFile};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Plan<'a> {
    #[serde(borrow, default)]
    resource_changes: Vec<&'a RawValue>,
    #[serde(default)]
    configuration: Option<Value>,
}

#[derive(Deserialize)]
struct ResourceChange {
    address: String,
    #[serde(default)]
    module_address: Option<String>,
    mode: String,
    #[serde(rename = "type")]
    kind: String,
    change: ChangeBody,
}

#[derive(Deserialize)]
struct ChangeBody {
    actions: Vec<String>,
    #[serde(default)]
    before: Value,
    #[serde(default)]
    after: Value,
    #[serde(default)]
    after_unknown: Value,
}

/// One managed resource the plan keeps, with where it is in the plan file.
struct Resource {
    address: String,
    module: Option<String>,
    kind: String,
    after: Value,
    unknown: Value,
    /// Created, updated or replaced (not a no-op).
    changed: bool,
    location: Location,
}

/// What an attribute holds after apply.
enum Attr<'v> {
    Known(&'v Value),
    /// Known only after apply.
    Unknown,
    Absent,
}

impl Resource {
    fn attr(&self, name: &str) -> Attr<'_> {
        if self
            .unknown
            .get(name)
            .is_some_and(|u| u == &Value::Bool(true))
        {
            return Attr::Unknown;
        }
        match self.after.get(name) {
            Some(Value::Null) | None => Attr::Absent,
            Some(v) => Attr::Known(v),
        }
    }

    fn string(&self, name: &str) -> Option<&str> {
        match self.attr(name) {
            Attr::Known(v) => v.as_str(),
            _ => None,
        }
    }

    fn strings(&self, name: &str) -> Vec<String> {
        match self.attr(name) {
            Attr::Known(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Reads a plan into `change`.
pub fn read(file: &SourceFile, change: &mut Change) {
    let plan: Plan = match serde_json::from_str(&file.text) {
        Ok(p) => p,
        Err(e) => {
            change.errors.push(file.json_error(&e));
            return;
        }
    };
    let base = file.text.as_ptr() as usize;
    let mut resources = Vec::new();
    // the same resources as they are before the plan applies: for the access diff
    let mut before = Vec::new();
    // `aws_iam_policy_document`s read during apply, by address
    let mut data_reads = BTreeMap::new();
    for (i, raw) in plan.resource_changes.iter().enumerate() {
        let at = raw.get().as_ptr() as usize - base;
        let rc: ResourceChange = match serde_json::from_str(raw.get()) {
            Ok(r) => r,
            Err(e) => {
                // the error's line and column are inside this resource change
                let inner = crate::source::offset_of(raw.get(), e.line(), e.column());
                let msg = e.to_string();
                let msg = msg.rfind(" at line ").map_or(msg.as_str(), |k| &msg[..k]);
                change.errors.push(file.error(
                    format!("resource_changes[{i}]"),
                    Some(at + inner),
                    format!("{msg}; this resource change is skipped"),
                ));
                continue;
            }
        };
        let location = file.location(
            format!("resource_changes[{i}]"),
            Some(at..at + raw.get().len()),
        );
        if rc.mode == "managed" && !rc.change.before.is_null() {
            before.push(Resource {
                location: location.clone(),
                address: rc.address.clone(),
                module: rc.module_address.clone(),
                kind: rc.kind.clone(),
                after: rc.change.before.clone(),
                unknown: Value::Null,
                changed: false,
            });
        }
        if rc.mode == "data" && rc.kind == "aws_iam_policy_document" {
            data_reads.insert(
                rc.address.clone(),
                DataSource {
                    after: rc.change.after,
                    unknown: rc.change.after_unknown,
                    location,
                    config: None,
                },
            );
            continue;
        }
        let deleted = rc.change.actions.iter().all(|a| a == "delete");
        if rc.mode != "managed" || deleted || rc.change.after.is_null() {
            continue;
        }
        let changed = rc
            .change
            .actions
            .iter()
            .any(|a| a == "create" || a == "update");
        resources.push(Resource {
            location,
            address: rc.address,
            module: rc.module_address,
            kind: rc.kind,
            after: rc.change.after,
            unknown: rc.change.after_unknown,
            changed,
        });
    }
    let refs = references(plan.configuration.as_ref());
    configuration_resources(plan.configuration.as_ref(), |address, block| {
        // configuration addresses carry no instance keys: every instance shares the block
        for (a, d) in &mut data_reads {
            if base_address(a) == address {
                d.config = Some(block.clone());
            }
        }
    });
    Lowering {
        change,
        refs: &refs,
        resources: &resources,
        data_reads: &data_reads,
        principals: BTreeMap::new(),
        policy_ids: BTreeMap::new(),
    }
    .run();
    let mut was = Change::default();
    Lowering {
        change: &mut was,
        refs: &refs,
        resources: &before,
        data_reads: &BTreeMap::new(),
        principals: BTreeMap::new(),
        policy_ids: BTreeMap::new(),
    }
    .run();
    let into = change.before.get_or_insert_with(Default::default);
    into.principals.extend(was.inventory.principals);
    into.policies.extend(was.inventory.policies);
    into.resource_policies
        .extend(was.inventory.resource_policies);
}

/// Resource address → attribute → the addresses of the resources its expression references
/// (from `configuration`, module calls prefixed with their module address).
type References = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn references(config: Option<&Value>) -> References {
    let mut out = BTreeMap::new();
    configuration_resources(config, |address, r| {
        let prefix = &address[..address.len() - r["address"].as_str().map_or(0, str::len)];
        let mut attrs = BTreeMap::new();
        for (attr, expr) in r
            .get("expressions")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let targets: Vec<String> = expr
                .get("references")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|r| format!("{prefix}{r}"))
                .collect();
            if !targets.is_empty() {
                attrs.insert(attr.clone(), targets);
            }
        }
        out.insert(address.to_string(), attrs);
    });
    out
}

/// Calls `f` with every resource block of the plan's `configuration` and its full address
/// (module calls prefixed: `module.app.aws_iam_role.x`).
fn configuration_resources(config: Option<&Value>, mut f: impl FnMut(&str, &Value)) {
    fn module(m: &Value, prefix: &str, f: &mut dyn FnMut(&str, &Value)) {
        for r in m
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(addr) = r.get("address").and_then(Value::as_str) {
                f(&format!("{prefix}{addr}"), r);
            }
        }
        for (name, call) in m
            .get("module_calls")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(inner) = call.get("module") {
                module(inner, &format!("{prefix}module.{name}."), f);
            }
        }
    }
    if let Some(root) = config.and_then(|c| c.get("root_module")) {
        module(root, "", &mut f);
    }
}

/// An address without instance keys (`module.a["x"].data.t.n[0]` → `module.a.data.t.n`), as
/// the configuration names it.
fn base_address(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0;
    for c in address.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Where a resource change's `after` value is: documents in it are placed there.
fn after_of(change: &Location) -> Location {
    Location {
        json_path: format!("{}.change.after", change.json_path),
        ..change.clone()
    }
}

/// An `aws_iam_policy_document` Terraform reads only during apply.
struct DataSource {
    after: Value,
    unknown: Value,
    location: Location,
    /// Its block in the configuration.
    config: Option<Value>,
}

struct Lowering<'a> {
    change: &'a mut Change,
    refs: &'a References,
    resources: &'a [Resource],
    data_reads: &'a BTreeMap<String, DataSource>,
    /// (kind, name or address) → principal index in `change.inventory.principals`.
    principals: BTreeMap<(PrincipalKind, String), usize>,
    /// `aws_iam_policy` address → its policy id.
    policy_ids: BTreeMap<String, String>,
}

impl Lowering<'_> {
    fn run(mut self) {
        // principals and managed policies first: the rest refers to them
        for r in self.resources {
            match r.kind.as_str() {
                "aws_iam_role" => self.principal(r, PrincipalKind::Role),
                "aws_iam_user" => self.principal(r, PrincipalKind::User),
                "aws_iam_group" => self.principal(r, PrincipalKind::Group),
                "aws_iam_policy" => self.managed_policy(r),
                _ => {}
            }
        }
        for r in self.resources {
            match r.kind.as_str() {
                "aws_iam_role_policy" => self.inline(r, PrincipalKind::Role, "role"),
                "aws_iam_user_policy" => self.inline(r, PrincipalKind::User, "user"),
                "aws_iam_group_policy" => self.inline(r, PrincipalKind::Group, "group"),
                "aws_iam_role_policy_attachment" => self.attach(r, PrincipalKind::Role, "role"),
                "aws_iam_user_policy_attachment" => self.attach(r, PrincipalKind::User, "user"),
                "aws_iam_group_policy_attachment" => self.attach(r, PrincipalKind::Group, "group"),
                "aws_iam_policy_attachment" => {
                    for (kind, attr) in [
                        (PrincipalKind::Role, "roles"),
                        (PrincipalKind::User, "users"),
                        (PrincipalKind::Group, "groups"),
                    ] {
                        for name in r.strings(attr) {
                            if let Some(policy) = self.policy_arn(r) {
                                let i = self.target(kind, &name, r);
                                self.change.inventory.principals[i].policies.push(policy);
                            }
                        }
                    }
                }
                "aws_iam_user_group_membership" => {
                    if let Some(user) = self.name_of(r, "user") {
                        let u = self.target(PrincipalKind::User, &user, r);
                        for g in r.strings("groups") {
                            let gi = self.target(PrincipalKind::Group, &g, r);
                            let gid = self.change.inventory.principals[gi].id.clone();
                            self.change.inventory.principals[u].groups.push(gid);
                        }
                    }
                }
                "aws_iam_group_membership" => {
                    if let Some(group) = self.name_of(r, "group") {
                        let gi = self.target(PrincipalKind::Group, &group, r);
                        let gid = self.change.inventory.principals[gi].id.clone();
                        for u in r.strings("users") {
                            let ui = self.target(PrincipalKind::User, &u, r);
                            self.change.inventory.principals[ui]
                                .groups
                                .push(gid.clone());
                        }
                    }
                }
                "aws_s3_bucket_policy" => {
                    let arn = r.string("bucket").map(|b| format!("arn:aws:s3:::{b}"));
                    self.resource_policy(r, arn);
                }
                "aws_sqs_queue_policy" => {
                    let arn = r
                        .string("queue_url")
                        .and_then(crate::aws::arn::sqs_queue_arn);
                    self.resource_policy(r, arn);
                }
                "aws_sns_topic_policy" => {
                    let arn = r.string("arn").map(str::to_string);
                    self.resource_policy(r, arn);
                }
                "aws_secretsmanager_secret_policy" => {
                    let arn = r.string("secret_arn").map(str::to_string);
                    self.resource_policy(r, arn);
                }
                "aws_kms_key" => {
                    let arn = r.string("arn").map(str::to_string);
                    self.resource_policy(r, arn);
                }
                _ => {}
            }
        }
    }

    fn principal(&mut self, r: &Resource, kind: PrincipalKind) {
        let name = r.string("name").unwrap_or(&r.address).to_string();
        let id = r
            .string("arn")
            .map_or_else(|| r.address.clone(), str::to_string);
        let mut p = Principal {
            id: id.clone(),
            provider: Provider::Aws,
            kind,
            scope: id
                .split(':')
                .nth(4)
                .filter(|a| !a.is_empty())
                .unwrap_or_default()
                .to_string(),
            name: name.clone(),
            path: r.string("path").unwrap_or("/").to_string(),
            tags: match r.attr("tags") {
                Attr::Known(Value::Object(m)) => m
                    .iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect(),
                _ => BTreeMap::new(),
            },
            groups: Vec::new(),
            policies: Vec::new(),
            boundary: r.string("permissions_boundary").map(str::to_string),
            trust_policy: None,
            created: None,
            last_used: None,
            location: r.location.clone(),
        };
        if r.changed {
            self.change.planned.insert(id.clone());
        }
        if kind == PrincipalKind::Role {
            let trust = format!("{}#trust", r.address);
            if self.document(r, "assume_role_policy", &trust, PolicyKind::Trust, &id) {
                p.trust_policy = Some(trust);
            }
        }
        // inline policies declared in the principal itself
        if let Attr::Known(Value::Array(blocks)) = r.attr("inline_policy") {
            for b in blocks {
                let (Some(n), Some(text)) = (
                    b.get("name").and_then(Value::as_str),
                    b.get("policy").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let pid = format!("{}#{n}", r.address);
                let at = after_of(&r.location);
                if self.parse(
                    r,
                    text,
                    (&pid, n, PolicyKind::Inline),
                    DocumentKind::Identity,
                    &id,
                    at,
                ) {
                    p.policies.push(pid);
                }
            }
        }
        p.policies.extend(r.strings("managed_policy_arns"));
        self.principals
            .insert((kind, name), self.change.inventory.principals.len());
        self.change.inventory.principals.push(p);
    }

    fn managed_policy(&mut self, r: &Resource) {
        let id = r
            .string("arn")
            .map_or_else(|| r.address.clone(), str::to_string);
        self.policy_ids.insert(r.address.clone(), id.clone());
        self.document(r, "policy", &id, PolicyKind::CustomerManaged, &r.address);
    }

    fn inline(&mut self, r: &Resource, kind: PrincipalKind, attr: &str) {
        let Some(target) = self.name_of(r, attr) else {
            return;
        };
        let i = self.target(kind, &target, r);
        let holder = self.change.inventory.principals[i].id.clone();
        let id = format!("{}#{}", holder, r.string("name").unwrap_or(&r.address));
        if self.document(r, "policy", &id, PolicyKind::Inline, &holder) {
            self.change.inventory.principals[i].policies.push(id);
            if r.changed {
                self.change.planned.insert(holder);
            }
        }
    }

    fn attach(&mut self, r: &Resource, kind: PrincipalKind, attr: &str) {
        let (Some(target), Some(policy)) = (self.name_of(r, attr), self.policy_arn(r)) else {
            return;
        };
        let i = self.target(kind, &target, r);
        self.change.inventory.principals[i].policies.push(policy);
        if r.changed {
            let id = self.change.inventory.principals[i].id.clone();
            self.change.planned.insert(id);
        }
    }

    fn resource_policy(&mut self, r: &Resource, arn: Option<String>) {
        let arn = arn.unwrap_or_else(|| r.address.clone());
        if self.document(r, "policy", &arn, PolicyKind::ResourceBased, &arn) && r.changed {
            self.change.planned.insert(arn);
        }
    }

    /// The principal or policy name an attribute holds, or, known only after apply, the name
    /// of the plan resource its expression references.
    fn name_of(&self, r: &Resource, attr: &str) -> Option<String> {
        if let Some(v) = r.string(attr) {
            return Some(v.to_string());
        }
        let target = self.referenced(r, attr)?;
        Some(target.string("name").unwrap_or(&target.address).to_string())
    }

    /// The policy an attachment's `policy_arn` names: its ARN, or the plan's `aws_iam_policy`
    /// it references.
    fn policy_arn(&self, r: &Resource) -> Option<String> {
        if let Some(v) = r.string("policy_arn") {
            return Some(v.to_string());
        }
        let target = self.referenced(r, "policy_arn")?;
        self.policy_ids.get(&target.address).cloned()
    }

    fn referenced(&self, r: &Resource, attr: &str) -> Option<&Resource> {
        // configuration addresses carry no instance keys (`aws_iam_role.x`, not `…x["a"]`)
        let targets = self.refs.get(&base_address(&r.address))?.get(attr)?;
        targets
            .iter()
            .find_map(|t| self.resources.iter().find(|x| &x.address == t))
    }

    /// The principal of `kind` named `name` in the plan, or a stand-in for one the plan does not
    /// declare (it exists already: a snapshot may know it).
    fn target(&mut self, kind: PrincipalKind, name: &str, r: &Resource) -> usize {
        if let Some(&i) = self.principals.get(&(kind, name.to_string())) {
            return i;
        }
        let i = self.change.inventory.principals.len();
        self.change.stand_ins.insert(name.to_string());
        self.change.inventory.principals.push(Principal::aws(
            name,
            kind,
            "",
            name,
            r.location.clone(),
        ));
        self.principals.insert((kind, name.to_string()), i);
        i
    }

    /// Reads the policy document in attribute `attr` of `r` as policy `id`; false when there is
    /// none to read (absent, unknown until apply — reported —, or invalid — reported).
    fn document(
        &mut self,
        r: &Resource,
        attr: &str,
        id: &str,
        kind: PolicyKind,
        holder: &str,
    ) -> bool {
        let doc_kind = match kind {
            PolicyKind::Trust => DocumentKind::Trust,
            PolicyKind::ResourceBased => DocumentKind::Resource,
            _ => DocumentKind::Identity,
        };
        match r.attr(attr) {
            Attr::Known(Value::String(text)) => {
                let name = r.string("name").unwrap_or(&r.address).to_string();
                let text = text.clone();
                let at = after_of(&r.location);
                self.parse(r, &text, (id, &name, kind), doc_kind, holder, at)
            }
            Attr::Unknown if r.changed => match self.deferred_document(r, attr) {
                Some((_, data, Ok(doc))) => {
                    let name = r.string("name").unwrap_or(&r.address).to_string();
                    let at = after_of(&data.location);
                    self.parse(r, &doc.to_string(), (id, &name, kind), doc_kind, holder, at)
                }
                Some((address, _, Err(why))) => {
                    let mut f = known_after_apply(r, attr, holder);
                    f.message = format!(
                        "`{}.{attr}` renders `{address}`, which Terraform reads during apply ({why}): not checked",
                        r.address
                    );
                    self.change.invalid.push(f);
                    false
                }
                None => {
                    self.change.invalid.push(known_after_apply(r, attr, holder));
                    false
                }
            },
            _ => false,
        }
    }

    /// The `aws_iam_policy_document` read during apply that attribute `attr` of `r` renders
    /// (`policy = data.aws_iam_policy_document.x.json`), and its document rebuilt from the
    /// plan's statement blocks.
    fn deferred_document(
        &self,
        r: &Resource,
        attr: &str,
    ) -> Option<(&str, &DataSource, Result<Value, String>)> {
        let targets = self.refs.get(&base_address(&r.address))?.get(attr)?;
        let data_base = targets
            .iter()
            .map(|t| base_address(t))
            .find(|t| t.contains("data.aws_iam_policy_document."))?;
        // `….json` → the data source's address
        let data_base = data_base
            .strip_suffix(".json")
            .or_else(|| data_base.strip_suffix(".minified_json"))
            .unwrap_or(&data_base);
        let instances: Vec<(&String, &DataSource)> = self
            .data_reads
            .iter()
            .filter(|(a, _)| base_address(a) == data_base)
            .collect();
        // one instance, or the one with the referring resource's instance key
        let key = r.address.rfind('[').map(|i| &r.address[i..]);
        let (address, data) = match instances.as_slice() {
            [one] => *one,
            many => *many
                .iter()
                .find(|(a, _)| key.is_some_and(|k| a.ends_with(k)))?,
        };
        let doc = policy_document::rebuild(&policy_document::DataRead {
            after: &data.after,
            unknown: &data.unknown,
            config: data.config.as_ref(),
        });
        Some((address, data, doc))
    }

    /// Parses the document `text` of `r` as `(policy id, name, kind)`, placed at `location`.
    fn parse(
        &mut self,
        r: &Resource,
        text: &str,
        (id, name, kind): (&str, &str, PolicyKind),
        doc_kind: DocumentKind,
        holder: &str,
        location: Location,
    ) -> bool {
        match PolicyDocument::parse_maybe_encoded(text, DocumentKind::AsGiven) {
            Ok(mut document) => {
                // the document is a JSON string inside the plan: its spans are not the file's
                document.place_at(location.line, location.column);
                if r.changed {
                    self.change.documents.push(Declared {
                        policy: id.to_string(),
                        resource: kind == PolicyKind::ResourceBased,
                        kind: doc_kind,
                        holder: holder_text(&r.address, holder),
                    });
                }
                let policy = Policy {
                    id: id.to_string(),
                    name: name.to_string(),
                    kind,
                    document,
                    location,
                };
                if kind == PolicyKind::ResourceBased {
                    self.change
                        .inventory
                        .resource_policies
                        .insert(id.to_string(), policy);
                } else {
                    self.change
                        .inventory
                        .policies
                        .insert(id.to_string(), policy);
                }
                true
            }
            Err(e) => {
                self.change.invalid.push(crate::aws::validate::syntax(
                    &e,
                    (id, name, kind),
                    &location,
                    None,
                    &r.address,
                ));
                false
            }
        }
    }
}

/// How a validation finding names what it is about: the resource address, and the principal or
/// resource it belongs to when that is another name.
fn holder_text(address: &str, holder: &str) -> String {
    if address == holder {
        address.to_string()
    } else {
        format!("{address} ({holder})")
    }
}

fn known_after_apply(r: &Resource, attr: &str, holder: &str) -> Finding {
    use crate::aws::validate::checks::KNOWN_AFTER_APPLY as C;
    Finding {
        rule: C.id.to_string(),
        severity: C.severity,
        message: format!(
            "`{}.{attr}` is known only after apply: not checked",
            r.address
        ),
        remediation: Some(C.remediation.to_string()),
        principal: holder_text(&r.address, holder),
        permissions: Vec::new(),
        granted_by: Some(crate::model::Origin {
            policy: r.address.clone(),
            policy_name: r.address.clone(),
            policy_kind: PolicyKind::Inline,
            via_group: None,
            statement: 0,
            sid: None,
            location: r.location.clone(),
        }),
        evidence: crate::model::Evidence::none(),
        rule_location: crate::aws::validate::RULE_LOCATION.to_string(),
        notes: r.module.iter().map(|m| format!("in {m}")).collect(),
        owner: None,
    }
}

#[cfg(test)]
mod tests;
