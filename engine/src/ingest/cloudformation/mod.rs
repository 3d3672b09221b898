//! CloudFormation templates, JSON or YAML (short-form intrinsics tolerated): the IAM roles,
//! users, groups, inline and managed policies, and the bucket, queue, topic and key policies a
//! template declares. Principals and policies are named by logical id. Intrinsic functions in
//! policy documents are resolved where the template says what they name (`!Ref Bucket` with a
//! `BucketName`, `!GetAtt Role.Arn`, `!Sub`, `!Join`); what only the deployment knows reads as a
//! placeholder in braces — `{AccountId}`, `{Region}`, `{Bucket}` for a bucket whose name is
//! generated, `{?}` for `Fn::If` and the like — never as a guessed value.

mod yaml;

use super::change::{Change, Declared};
use crate::aws::policy::{DocumentKind, PolicyDocument};
use crate::aws::Policy;
use crate::model::{PolicyKind, Principal, PrincipalKind, Provider};
use crate::source::{Location, SourceFile};
use serde_json::Value;
use std::collections::BTreeMap;
use yaml::{Node, Tree};

/// The account every resource of a template lands in, as far as the template knows.
const ACCOUNT: &str = "{AccountId}";

/// True when YAML text looks like a template (JSON ones are told by their keys).
pub fn looks_like(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("AWSTemplateFormatVersion") || l.starts_with("Resources:"))
}

/// Reads a template into `change`.
pub fn read(file: &SourceFile, change: &mut Change) {
    let root = match yaml::parse(&file.text) {
        Ok(r) => r,
        Err(e) => {
            let at = crate::source::offset_of(&file.text, e.line, e.column);
            change.errors.push(file.error("", Some(at), e.message));
            return;
        }
    };
    let Some(resources) = root.get("Resources") else {
        change
            .errors
            .push(file.error("Resources", None, "a template needs `Resources`"));
        return;
    };
    let t = Template {
        file,
        resources: resources
            .entries()
            .iter()
            .map(|(id, node)| (id.as_str(), node))
            .collect(),
        parameters: root
            .get("Parameters")
            .map(|p| p.entries().iter().map(|(k, _)| k.clone()).collect())
            .unwrap_or_default(),
    };
    let first_warning = change.warnings.len();
    transforms(&t, &root, change);
    let mut principals: BTreeMap<String, usize> = BTreeMap::new();
    // principals first: policies attach to them
    for (id, node) in &t.resources {
        let kind = match t.type_of(id) {
            Some("AWS::IAM::Role") => PrincipalKind::Role,
            Some("AWS::IAM::User") => PrincipalKind::User,
            Some("AWS::IAM::Group") => PrincipalKind::Group,
            _ => continue,
        };
        let props = node.get("Properties");
        let name_key = match kind {
            PrincipalKind::Role => "RoleName",
            PrincipalKind::User => "UserName",
            _ => "GroupName",
        };
        let name = props
            .and_then(|p| p.get(name_key))
            .and_then(Node::str)
            .map_or_else(|| (*id).to_string(), str::to_string);
        let location = t.location(id, node);
        let mut p = Principal {
            id: (*id).to_string(),
            provider: Provider::Aws,
            kind,
            scope: ACCOUNT.to_string(),
            name: name.clone(),
            path: props
                .and_then(|p| p.get("Path"))
                .and_then(Node::str)
                .unwrap_or("/")
                .to_string(),
            tags: BTreeMap::new(),
            groups: Vec::new(),
            policies: Vec::new(),
            boundary: props
                .and_then(|p| p.get("PermissionsBoundary"))
                .map(|b| t.text_of(&b.to_json())),
            trust_policy: None,
            created: None,
            last_used: None,
            location,
        };
        if let Some(doc) = props.and_then(|p| p.get("AssumeRolePolicyDocument")) {
            let pid = format!("{id}#trust");
            if t.document(change, id, node, doc, (&pid, &name, PolicyKind::Trust), id) {
                p.trust_policy = Some(pid);
            }
        }
        for inline in props
            .and_then(|p| p.get("Policies"))
            .map(Node::items)
            .unwrap_or_default()
        {
            let pname = inline
                .get("PolicyName")
                .map(|n| t.text_of(&n.to_json()))
                .unwrap_or_default();
            if let Some(doc) = inline.get("PolicyDocument") {
                let pid = format!("{id}#{pname}");
                if t.document(
                    change,
                    id,
                    node,
                    doc,
                    (&pid, &pname, PolicyKind::Inline),
                    id,
                ) {
                    p.policies.push(pid);
                }
            }
        }
        for arn in props
            .and_then(|p| p.get("ManagedPolicyArns"))
            .map(Node::items)
            .unwrap_or_default()
        {
            p.policies.push(t.text_of(&arn.to_json()));
        }
        if kind == PrincipalKind::User {
            for g in props
                .and_then(|p| p.get("Groups"))
                .map(Node::items)
                .unwrap_or_default()
            {
                p.groups.push(t.text_of(&g.to_json()));
            }
        }
        change.planned.insert(p.id.clone());
        let i = change.inventory.principals.len();
        principals.insert(format!("{kind:?}:{name}"), i);
        principals.insert(format!("{kind:?}:{{{id}}}"), i);
        change.inventory.principals.push(p);
    }
    serverless_functions(&t, change, &mut principals);
    // groups named by a user are the groups' principal ids
    let group_ids: BTreeMap<String, String> = change
        .inventory
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Group)
        .map(|p| (p.name.clone(), p.id.clone()))
        .collect();
    for p in &mut change.inventory.principals {
        for g in &mut p.groups {
            if let Some(id) = group_ids.get(g) {
                *g = id.clone();
            }
        }
    }
    for (id, node) in &t.resources {
        let props = node.get("Properties");
        let doc = |k: &str| props.and_then(|p| p.get(k));
        match t.type_of(id) {
            Some(ty @ ("AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy")) => {
                let managed = ty == "AWS::IAM::ManagedPolicy";
                let Some(d) = doc("PolicyDocument") else {
                    continue;
                };
                let pid = if managed {
                    format!("arn:aws:iam::{ACCOUNT}:policy/{id}")
                } else {
                    (*id).to_string()
                };
                let kind = if managed {
                    PolicyKind::CustomerManaged
                } else {
                    PolicyKind::Inline
                };
                if !t.document(change, id, node, d, (&pid, id, kind), id) {
                    continue;
                }
                for (attr, pk) in [
                    ("Roles", PrincipalKind::Role),
                    ("Users", PrincipalKind::User),
                    ("Groups", PrincipalKind::Group),
                ] {
                    for target in props
                        .and_then(|p| p.get(attr))
                        .map(Node::items)
                        .unwrap_or_default()
                    {
                        let name = t.text_of(&target.to_json());
                        let i = t.target(change, &mut principals, pk, &name, (id, node));
                        change.inventory.principals[i].policies.push(pid.clone());
                    }
                }
            }
            // the single-principal inline policy types
            Some(
                ty @ ("AWS::IAM::RolePolicy" | "AWS::IAM::UserPolicy" | "AWS::IAM::GroupPolicy"),
            ) => {
                let (pk, attr) = match ty {
                    "AWS::IAM::RolePolicy" => (PrincipalKind::Role, "RoleName"),
                    "AWS::IAM::UserPolicy" => (PrincipalKind::User, "UserName"),
                    _ => (PrincipalKind::Group, "GroupName"),
                };
                let (Some(d), Some(target)) = (doc("PolicyDocument"), doc(attr)) else {
                    continue;
                };
                let name = t.text_of(&target.to_json());
                let i = t.target(change, &mut principals, pk, &name, (id, node));
                let holder = change.inventory.principals[i].id.clone();
                let pname = doc("PolicyName")
                    .map_or_else(|| (*id).to_string(), |n| t.text_of(&n.to_json()));
                let pid = format!("{holder}#{pname}");
                if t.document(
                    change,
                    id,
                    node,
                    d,
                    (&pid, &pname, PolicyKind::Inline),
                    &holder,
                ) {
                    change.inventory.principals[i].policies.push(pid);
                    change.planned.insert(holder);
                }
            }
            Some("AWS::S3::BucketPolicy") => {
                let bucket = doc("Bucket").map(|b| t.text_of(&b.to_json()));
                let arn = bucket.map(|b| format!("arn:aws:s3:::{b}"));
                t.resource_policy(change, id, node, doc("PolicyDocument"), arn.into_iter());
            }
            Some("AWS::SQS::QueuePolicy") => {
                let arns: Vec<String> = doc("Queues")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .map(|q| t.text_of(&q.to_json()))
                    .map(|url| crate::aws::arn::sqs_queue_arn(&url).unwrap_or(url))
                    .collect();
                t.resource_policy(change, id, node, doc("PolicyDocument"), arns.into_iter());
            }
            Some("AWS::SQS::QueueInlinePolicy") => {
                let arn = doc("Queue")
                    .map(|q| t.text_of(&q.to_json()))
                    .map(|url| crate::aws::arn::sqs_queue_arn(&url).unwrap_or(url));
                t.resource_policy(change, id, node, doc("PolicyDocument"), arn.into_iter());
            }
            Some("AWS::SNS::TopicInlinePolicy") => {
                let arn = doc("TopicArn").map(|a| t.text_of(&a.to_json()));
                t.resource_policy(change, id, node, doc("PolicyDocument"), arn.into_iter());
            }
            Some("AWS::SNS::TopicPolicy") => {
                let arns: Vec<String> = doc("Topics")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .map(|q| t.text_of(&q.to_json()))
                    .collect();
                t.resource_policy(change, id, node, doc("PolicyDocument"), arns.into_iter());
            }
            Some("AWS::KMS::Key") => {
                let arn = format!("arn:aws:kms:{{Region}}:{ACCOUNT}:key/{id}");
                t.resource_policy(change, id, node, doc("KeyPolicy"), std::iter::once(arn));
            }
            Some(ty) => {
                if let Some((_, what)) =
                    not_read(ty).filter(|(prop, _)| prop.is_none_or(|k| doc(k).is_some()))
                {
                    t.warn(
                        change,
                        &format!("Resources.{id}"),
                        node,
                        format!("`{id}` ({ty}) declares {what}, which whittle does not read yet: not checked"),
                    );
                }
            }
            None => {}
        }
    }
    // in the template's order
    change.warnings[first_warning..].sort_by_key(|w| (w.line, w.column));
    change.inventory.resource_owners.extend(
        change
            .inventory
            .resource_policies
            .keys()
            .filter(|k| k.starts_with("arn:aws:s3:::"))
            .map(|k| (k.clone(), ACCOUNT.to_string()))
            .collect::<Vec<_>>(),
    );
}

/// The execution role SAM creates for an `AWS::Serverless::Function` without a `Role`
/// (`<Function>Role`), with what its `Policies` attach: inline documents, managed policies by
/// name or ARN. SAM policy templates (`S3ReadPolicy: …`) are not expanded: each is reported as
/// attached but not read. The basic execution policy SAM adds for logs is left out.
fn serverless_functions(
    t: &Template<'_>,
    change: &mut Change,
    principals: &mut BTreeMap<String, usize>,
) {
    for (id, node) in &t.resources {
        if t.type_of(id) != Some("AWS::Serverless::Function") {
            continue;
        }
        let props = node.get("Properties");
        if props.and_then(|p| p.get("Role")).is_some() {
            continue; // a role declared elsewhere, or outside the template
        }
        let role = format!("{id}Role");
        let mut p = Principal::aws(
            &role,
            PrincipalKind::Role,
            ACCOUNT,
            &role,
            t.location(id, node),
        );
        p.boundary = props
            .and_then(|p| p.get("PermissionsBoundary"))
            .map(|b| t.text_of(&b.to_json()));
        let items = props
            .and_then(|p| p.get("Policies"))
            .map(Node::items)
            .unwrap_or_default();
        for (i, item) in items.into_iter().enumerate() {
            match item.str() {
                Some(arn) if arn.starts_with("arn:") => p.policies.push(arn.to_string()),
                // an AWS-managed policy by name
                Some(name) => p.policies.push(format!("arn:aws:iam::aws:policy/{name}")),
                None if item.get("Statement").is_some() => {
                    let pid = format!("{role}#{role}Policy{i}");
                    let pname = format!("{role}Policy{i}");
                    if t.document(
                        change,
                        id,
                        node,
                        item,
                        (&pid, &pname, PolicyKind::Inline),
                        &role,
                    ) {
                        p.policies.push(pid);
                    }
                }
                None => match item.entries().first() {
                    Some((k, _)) if k == "Ref" || k.starts_with("Fn::") => {
                        p.policies.push(t.text_of(&item.to_json()));
                    }
                    Some((template, _)) => {
                        p.policies.push(format!("SAM policy template {template}"));
                    }
                    None => {}
                },
            }
        }
        change.planned.insert(role.clone());
        principals.insert(
            format!("{:?}:{role}", PrincipalKind::Role),
            change.inventory.principals.len(),
        );
        change.inventory.principals.push(p);
    }
}

struct Template<'a> {
    file: &'a SourceFile,
    resources: Vec<(&'a str, &'a Node)>,
    parameters: Vec<String>,
}

impl<'a> Template<'a> {
    fn node(&self, id: &str) -> Option<&'a Node> {
        self.resources
            .iter()
            .find(|(r, _)| *r == id)
            .map(|(_, n)| *n)
    }

    fn type_of(&self, id: &str) -> Option<&'a str> {
        self.node(id)?.get("Type")?.str()
    }

    /// A property of resource `id` written as a literal.
    fn literal(&self, id: &str, prop: &str) -> Option<&'a str> {
        self.node(id)?.get("Properties")?.get(prop)?.str()
    }

    /// Reports what the template declares but whittle cannot check, at `node`.
    fn warn(&self, change: &mut Change, path: &str, node: &Node, message: String) {
        let at = crate::source::offset_of(&self.file.text, node.line, node.column);
        change
            .warnings
            .push(self.file.error(path, Some(at), message));
    }

    /// The principal of `kind` named `name` in the template, or a stand-in for one the template
    /// does not declare (a role that exists already: a snapshot may know it), its index in
    /// `change.inventory.principals`. `(id, node)` is the resource that names it.
    fn target(
        &self,
        change: &mut Change,
        principals: &mut BTreeMap<String, usize>,
        kind: PrincipalKind,
        name: &str,
        (id, node): (&str, &Node),
    ) -> usize {
        let key = format!("{kind:?}:{name}");
        if let Some(&i) = principals.get(&key) {
            return i;
        }
        let i = change.inventory.principals.len();
        change.stand_ins.insert(name.to_string());
        change.planned.insert(name.to_string());
        change.inventory.principals.push(Principal::aws(
            name,
            kind,
            ACCOUNT,
            name,
            self.location(id, node),
        ));
        principals.insert(key, i);
        i
    }

    fn location(&self, id: &str, node: &Node) -> Location {
        let at = crate::source::offset_of(&self.file.text, node.line, node.column);
        let mut l = self.file.location(format!("Resources.{id}"), None);
        self.file.point(&mut l, at..at + id.len().max(1));
        l
    }

    /// What `Ref` to `name` gives.
    fn reference(&self, name: &str) -> String {
        match name {
            "AWS::AccountId" => return ACCOUNT.into(),
            "AWS::Region" => return "{Region}".into(),
            "AWS::Partition" => return "aws".into(),
            "AWS::URLSuffix" => return "amazonaws.com".into(),
            "AWS::StackName" => return "{StackName}".into(),
            "AWS::StackId" => return "{StackId}".into(),
            "AWS::NoValue" => return String::new(),
            _ => {}
        }
        let placeholder = format!("{{{name}}}");
        match self.type_of(name) {
            Some("AWS::IAM::Role") => self
                .literal(name, "RoleName")
                .map_or(placeholder, str::to_string),
            Some("AWS::IAM::User") => self
                .literal(name, "UserName")
                .map_or(placeholder, str::to_string),
            Some("AWS::IAM::Group") => self
                .literal(name, "GroupName")
                .map_or(placeholder, str::to_string),
            Some("AWS::IAM::ManagedPolicy") => format!("arn:aws:iam::{ACCOUNT}:policy/{name}"),
            Some("AWS::S3::Bucket") => self
                .literal(name, "BucketName")
                .map_or(placeholder, str::to_string),
            Some("AWS::SQS::Queue") => format!(
                "https://sqs.{{Region}}.amazonaws.com/{ACCOUNT}/{}",
                self.literal(name, "QueueName").unwrap_or(name)
            ),
            Some("AWS::SNS::Topic") => format!(
                "arn:aws:sns:{{Region}}:{ACCOUNT}:{}",
                self.literal(name, "TopicName").unwrap_or(name)
            ),
            _ if self.parameters.iter().any(|p| p == name) => placeholder,
            _ => placeholder,
        }
    }

    /// What `Fn::GetAtt` of `name`.`attr` gives.
    fn attribute(&self, name: &str, attr: &str) -> String {
        if attr != "Arn" {
            return format!("{{{name}.{attr}}}");
        }
        let named = |prop: &str| self.literal(name, prop).unwrap_or(name).to_string();
        match self.type_of(name) {
            Some("AWS::IAM::Role") => format!("arn:aws:iam::{ACCOUNT}:role/{}", named("RoleName")),
            Some("AWS::IAM::User") => format!("arn:aws:iam::{ACCOUNT}:user/{}", named("UserName")),
            Some("AWS::IAM::Group") => {
                format!("arn:aws:iam::{ACCOUNT}:group/{}", named("GroupName"))
            }
            Some("AWS::S3::Bucket") => format!("arn:aws:s3:::{}", self.reference(name)),
            Some("AWS::SQS::Queue") => {
                format!("arn:aws:sqs:{{Region}}:{ACCOUNT}:{}", named("QueueName"))
            }
            Some("AWS::KMS::Key") => format!("arn:aws:kms:{{Region}}:{ACCOUNT}:key/{name}"),
            Some("AWS::Lambda::Function") => format!(
                "arn:aws:lambda:{{Region}}:{ACCOUNT}:function:{}",
                named("FunctionName")
            ),
            Some("AWS::DynamoDB::Table") => format!(
                "arn:aws:dynamodb:{{Region}}:{ACCOUNT}:table/{}",
                named("TableName")
            ),
            Some(ty) => {
                let service = ty
                    .split("::")
                    .nth(1)
                    .unwrap_or("unknown")
                    .to_ascii_lowercase();
                format!("arn:aws:{service}:{{Region}}:{ACCOUNT}:{name}")
            }
            None => format!("{{{name}.Arn}}"),
        }
    }

    /// A value with its intrinsic functions resolved to text.
    fn resolve(&self, v: &Value) -> Value {
        match v {
            Value::Object(m) if m.len() == 1 => {
                let (k, inner) = m
                    .iter()
                    .next()
                    .map(|(k, v)| (k.as_str(), v))
                    .unwrap_or(("", v));
                if k == "Ref" || k.starts_with("Fn::") {
                    Value::String(self.intrinsic(k, inner))
                } else {
                    Value::Object(
                        m.iter()
                            .map(|(k, v)| (k.clone(), self.resolve(v)))
                            .collect(),
                    )
                }
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), self.resolve(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.resolve(x)).collect()),
            other => other.clone(),
        }
    }

    fn text_of(&self, v: &Value) -> String {
        match self.resolve(v) {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }

    fn intrinsic(&self, f: &str, arg: &Value) -> String {
        match (f, arg) {
            ("Ref", Value::String(name)) => self.reference(name),
            ("Fn::GetAtt", Value::Array(a)) if a.len() == 2 => {
                self.attribute(a[0].as_str().unwrap_or(""), a[1].as_str().unwrap_or(""))
            }
            ("Fn::GetAtt", Value::String(s)) => {
                let (a, b) = s.split_once('.').unwrap_or((s, ""));
                self.attribute(a, b)
            }
            ("Fn::Join", Value::Array(a)) if a.len() == 2 => {
                let sep = a[0].as_str().unwrap_or("");
                let parts: Vec<String> = match &a[1] {
                    Value::Array(p) => p.iter().map(|x| self.text_of(x)).collect(),
                    other => vec![self.text_of(other)],
                };
                parts.join(sep)
            }
            ("Fn::Sub", Value::String(s)) => self.sub(s, &serde_json::Map::new()),
            ("Fn::Sub", Value::Array(a)) if !a.is_empty() => {
                let vars = a
                    .get(1)
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                self.sub(a[0].as_str().unwrap_or(""), &vars)
            }
            _ => "{?}".into(),
        }
    }

    /// `Fn::Sub`: `${Name}`, `${Name.Attr}`, `${AWS::Region}`, variables of the map; `${!x}` is
    /// the literal `${x}`.
    fn sub(&self, s: &str, vars: &serde_json::Map<String, Value>) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(j) = after.find('}') else {
                out.push_str(&rest[i..]);
                return out;
            };
            let name = &after[..j];
            if let Some(lit) = name.strip_prefix('!') {
                out.push_str(&format!("${{{lit}}}"));
            } else if let Some(v) = vars.get(name) {
                out.push_str(&self.text_of(v));
            } else if let Some((a, b)) = name.split_once('.').filter(|_| !name.starts_with("AWS::"))
            {
                out.push_str(&self.attribute(a, b));
            } else {
                out.push_str(&self.reference(name));
            }
            rest = &after[j + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Reads policy document `doc` of resource `id` as `(policy id, name, kind)`; false when it
    /// could not be read (reported).
    fn document(
        &self,
        change: &mut Change,
        id: &str,
        resource: &Node,
        doc: &Node,
        (pid, name, kind): (&str, &str, PolicyKind),
        holder: &str,
    ) -> bool {
        let location = self.location(id, resource);
        let doc_kind = match kind {
            PolicyKind::Trust => DocumentKind::Trust,
            PolicyKind::ResourceBased => DocumentKind::Resource,
            _ => DocumentKind::Identity,
        };
        let value = match self.resolve(&doc.to_json()) {
            // a document written as a JSON string
            Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
            v => v,
        };
        if !value.is_object() {
            // `Fn::If` and the like around the whole document: decided at deployment
            change.invalid.push(decided_at_deployment(
                &location, doc, pid, name, kind, holder,
            ));
            return false;
        }
        let text = value.to_string();
        match PolicyDocument::parse(&text, DocumentKind::AsGiven) {
            Ok(mut document) => {
                // statements sit where the template writes them
                let items = doc.get("Statement").map(Node::items).unwrap_or_default();
                for s in &mut document.statements {
                    let at = items.get(s.index).copied().unwrap_or(doc);
                    s.span = None;
                    s.line = Some(at.line);
                    s.column = Some(at.column);
                }
                change.documents.push(Declared {
                    policy: pid.to_string(),
                    resource: kind == PolicyKind::ResourceBased,
                    kind: doc_kind,
                    holder: holder.to_string(),
                });
                let policy = Policy {
                    id: pid.to_string(),
                    name: name.to_string(),
                    kind,
                    document,
                    location,
                };
                if kind == PolicyKind::ResourceBased {
                    change
                        .inventory
                        .resource_policies
                        .insert(pid.to_string(), policy);
                } else {
                    change.inventory.policies.insert(pid.to_string(), policy);
                }
                true
            }
            Err(e) => {
                let mut at = location.clone();
                at.line = Some(doc.line);
                at.column = Some(doc.column);
                at.json_path = format!("{}.{}", location.json_path, e.json_path);
                let mut f = crate::aws::validate::syntax(&e, (pid, name, kind), &at, None, holder);
                if let Some(o) = f.granted_by.as_mut() {
                    o.location = at;
                }
                change.invalid.push(f);
                false
            }
        }
    }

    fn resource_policy(
        &self,
        change: &mut Change,
        id: &str,
        node: &Node,
        doc: Option<&Node>,
        arns: impl Iterator<Item = String>,
    ) {
        let Some(doc) = doc else { return };
        for arn in arns {
            if self.document(
                change,
                id,
                node,
                doc,
                (&arn, id, PolicyKind::ResourceBased),
                &arn,
            ) {
                change.planned.insert(arn);
            }
        }
    }
}

/// SAM's transform is read; any other (a macro, `AWS::Include`, `AWS::LanguageExtensions`)
/// rewrites the template at deployment, so what it generates is reported as not checked, at
/// the `Transform` or `Fn::Transform` that asks for it.
fn transforms(t: &Template, root: &Node, change: &mut Change) {
    const SAM: &str = "AWS::Serverless-2016-10-31";
    const HOW: &str = "check the processed template as well (`aws cloudformation get-template \
                       --template-stage Processed`)";
    for name in root.get("Transform").map(Node::items).unwrap_or_default() {
        let Some(n) = name.str().filter(|n| *n != SAM) else {
            continue;
        };
        t.warn(
            change,
            "Transform",
            name,
            format!("`Transform: {n}` rewrites the template at deployment; what it generates is not checked: {HOW}"),
        );
    }
    let mut stack: Vec<(String, &Node)> = vec![(
        "Resources".to_string(),
        root.get("Resources").unwrap_or(root),
    )];
    while let Some((path, node)) = stack.pop() {
        for (k, v) in node.entries() {
            let here = format!("{path}.{k}");
            if k == "Fn::Transform" {
                let n = v.get("Name").and_then(Node::str).unwrap_or("?");
                t.warn(
                    change,
                    &here,
                    v,
                    format!("`Fn::Transform` ({n}) inserts content at deployment that is not checked: {HOW}"),
                );
            } else {
                stack.push((here, v));
            }
        }
        if let Tree::Seq(items) = &node.value {
            stack.extend(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{path}[{i}]"), v)),
            );
        }
    }
}

/// Resource types whittle does not read that grant or carry permissions: the property that
/// does it (`None`: the resource itself) and what it is.
fn not_read(ty: &str) -> Option<(Option<&'static str>, &'static str)> {
    let policy = "a resource policy";
    Some(match ty {
        "AWS::Lambda::Permission" | "AWS::Lambda::LayerVersionPermission" => {
            (None, "a resource-based permission")
        }
        "AWS::IAM::UserToGroupAddition" => (None, "a group membership"),
        "AWS::SSO::PermissionSet" => (None, "an IAM Identity Center permission set"),
        "AWS::IoT::Policy" => (None, "an IoT policy"),
        "AWS::SecretsManager::ResourcePolicy"
        | "AWS::Logs::ResourcePolicy"
        | "AWS::Events::EventBusPolicy"
        | "AWS::S3::MultiRegionAccessPointPolicy"
        | "AWS::S3Express::BucketPolicy"
        | "AWS::ECR::RegistryPolicy"
        | "AWS::Kinesis::ResourcePolicy" => (None, policy),
        "AWS::KMS::ReplicaKey" => (Some("KeyPolicy"), "a key policy"),
        "AWS::ECR::Repository" => (Some("RepositoryPolicyText"), policy),
        "AWS::S3::AccessPoint" => (Some("Policy"), policy),
        "AWS::ApiGateway::RestApi" => (Some("Policy"), policy),
        "AWS::EFS::FileSystem" => (Some("FileSystemPolicy"), policy),
        "AWS::Backup::BackupVault" => (Some("AccessPolicy"), policy),
        "AWS::CodeArtifact::Repository" | "AWS::CodeArtifact::Domain" => {
            (Some("PermissionsPolicyDocument"), policy)
        }
        "AWS::OpenSearchService::Domain" | "AWS::Elasticsearch::Domain" => {
            (Some("AccessPolicies"), policy)
        }
        "AWS::DynamoDB::Table" => (Some("ResourcePolicy"), policy),
        "AWS::Serverless::Api" => (Some("Auth"), "a resource policy or authorizers (SAM)"),
        "AWS::Serverless::StateMachine" => (Some("Policies"), "policies SAM attaches"),
        _ => return None,
    })
}

/// A policy document the template leaves to the deployment to decide.
fn decided_at_deployment(
    location: &Location,
    doc: &Node,
    pid: &str,
    name: &str,
    kind: PolicyKind,
    holder: &str,
) -> crate::model::Finding {
    use crate::aws::validate::checks::KNOWN_AFTER_APPLY as C;
    let mut at = location.clone();
    at.line = Some(doc.line);
    at.column = Some(doc.column);
    crate::model::Finding {
        rule: C.id.to_string(),
        severity: C.severity,
        message: format!(
            "`{}` is decided at deployment (`Fn::If`, `Fn::ImportValue`, …): not checked",
            at.json_path
        ),
        remediation: Some(C.remediation.to_string()),
        principal: holder.to_string(),
        permissions: Vec::new(),
        granted_by: Some(crate::model::Origin {
            policy: pid.to_string(),
            policy_name: name.to_string(),
            policy_kind: kind,
            via_group: None,
            statement: 0,
            sid: None,
            location: at,
        }),
        evidence: crate::model::Evidence::none(),
        rule_location: crate::aws::validate::RULE_LOCATION.to_string(),
        notes: Vec::new(),
        owner: None,
    }
}

#[cfg(test)]
mod tests;
