//! IAM policy documents exactly as AWS accepts them: `Statement` as an object or an array,
//! string-or-array values, `Not*` elements, conditions kept verbatim.

use super::condition::{Condition, ConditionOp};
use crate::source::offset_of;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

/// The policy language version; policy variables exist only in `2012-10-17`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PolicyVersion {
    /// `2012-10-17`.
    #[serde(rename = "2012-10-17")]
    V2012_10_17,
    /// `2008-10-17`.
    #[serde(rename = "2008-10-17")]
    V2008_10_17,
    /// No `Version` element: AWS treats it as `2008-10-17`.
    #[serde(rename = "unspecified")]
    Unspecified,
}

impl PolicyVersion {
    /// True when `${...}` is a policy variable rather than literal text.
    pub fn supports_variables(self) -> bool {
        self == PolicyVersion::V2012_10_17
    }
}

/// Allow or Deny (case-sensitive, as AWS requires).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// `Action` or `NotAction`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "patterns")]
pub enum ActionSpec {
    /// The listed patterns.
    Action(Vec<String>),
    /// Everything except the listed patterns.
    NotAction(Vec<String>),
}

impl ActionSpec {
    /// The patterns as written.
    pub fn patterns(&self) -> &[String] {
        match self {
            ActionSpec::Action(p) | ActionSpec::NotAction(p) => p,
        }
    }

    /// The model's form.
    pub fn lower(&self) -> crate::model::Actions {
        match self {
            ActionSpec::Action(p) => crate::model::Actions::Action(p.clone()),
            ActionSpec::NotAction(p) => crate::model::Actions::NotAction(p.clone()),
        }
    }
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "patterns")]
pub enum ResourceSpec {
    /// The listed ARN patterns.
    Resource(Vec<String>),
    /// Everything except the listed ARN patterns.
    NotResource(Vec<String>),
}

impl ResourceSpec {
    /// The patterns as written.
    pub fn patterns(&self) -> &[String] {
        match self {
            ResourceSpec::Resource(p) | ResourceSpec::NotResource(p) => p,
        }
    }

    /// True for `Resource: "*"` (or a list containing `*`).
    pub fn is_star(&self) -> bool {
        matches!(self, ResourceSpec::Resource(p) if p.iter().any(|r| r == "*"))
    }
}

/// `Principal` or `NotPrincipal` of a resource or trust policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PrincipalSpec {
    /// `Principal`: `"*"` is `{"AWS": ["*"]}`.
    Principal(BTreeMap<String, Vec<String>>),
    /// `NotPrincipal`.
    NotPrincipal(BTreeMap<String, Vec<String>>),
}

/// One statement.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    /// Position in the document's statement list (0-based).
    pub index: usize,
    /// `Sid`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Principal` / `NotPrincipal` (resource and trust policies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<PrincipalSpec>,
    /// `Action` / `NotAction`.
    pub action: ActionSpec,
    /// `Resource` / `NotResource` (absent in trust policies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceSpec>,
    /// Parsed conditions (all must hold).
    #[serde(skip)]
    pub conditions: Vec<Condition>,
    /// The `Condition` block verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Box<RawValue>>,
    /// Byte span of the statement in the text it was parsed from.
    #[serde(skip)]
    pub span: Option<Range<usize>>,
    /// 1-based line of the span start.
    #[serde(skip)]
    pub line: Option<usize>,
    /// 1-based column of the span start.
    #[serde(skip)]
    pub column: Option<usize>,
}

impl Statement {
    /// The condition keys the statement tests, in order.
    pub fn condition_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.conditions.iter().map(|c| c.key.clone()).collect();
        keys.dedup();
        keys
    }

    /// A short label: `#1 (Sid "AllowS3")`.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => format!("statement {} (Sid `{sid}`)", self.index),
            _ => format!("statement {}", self.index),
        }
    }
}

/// An IAM policy document.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyDocument {
    /// `Version`.
    pub version: PolicyVersion,
    /// `Id`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Statements in document order.
    pub statements: Vec<Statement>,
}

/// What kind of policy a document is; decides which elements are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// Attached to a user, group or role: no `Principal`, `Resource` required.
    Identity,
    /// Attached to a resource: `Principal` and `Resource` required.
    Resource,
    /// A role's trust policy: `Principal` required, no `Resource`.
    Trust,
    /// Any policy type, read as given: no element is required or refused (`simulate` warns
    /// about what AWS would reject instead; see [`PolicyDocument::misplaced`]).
    AsGiven,
}

/// A problem in a policy document, relative to the text it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocError {
    /// JSON path inside the document (`Statement[1].Effect`).
    pub json_path: String,
    /// Byte offset into the parsed text, when known.
    pub offset: Option<usize>,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoc<'a> {
    #[serde(rename = "Version")]
    version: Option<String>,
    #[serde(rename = "Id")]
    id: Option<String>,
    #[serde(rename = "Statement", borrow)]
    statement: &'a RawValue,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatement<'a> {
    #[serde(rename = "Sid")]
    sid: Option<String>,
    #[serde(rename = "Effect")]
    effect: Effect,
    #[serde(rename = "Principal")]
    principal: Option<Principals>,
    #[serde(rename = "NotPrincipal")]
    not_principal: Option<Principals>,
    #[serde(rename = "Action")]
    action: Option<StrList>,
    #[serde(rename = "NotAction")]
    not_action: Option<StrList>,
    #[serde(rename = "Resource")]
    resource: Option<StrList>,
    #[serde(rename = "NotResource")]
    not_resource: Option<StrList>,
    #[serde(rename = "Condition", borrow)]
    condition: Option<&'a RawValue>,
}

impl PolicyDocument {
    /// What AWS would reject in this document were it a policy of `kind`: `Principal` in an
    /// identity policy, no `Principal` in a resource policy, no `Resource` where one is needed.
    pub fn misplaced(&self, kind: DocumentKind) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.statements {
            let problem = match kind {
                DocumentKind::Identity if s.principal.is_some() => {
                    Some("`Principal` or `NotPrincipal` is not allowed here")
                }
                DocumentKind::Resource | DocumentKind::Trust if s.principal.is_none() => {
                    Some("`Principal` or `NotPrincipal` is required here")
                }
                DocumentKind::Identity | DocumentKind::Resource if s.resource.is_none() => {
                    Some("`Resource` or `NotResource` is required here")
                }
                _ => None,
            };
            if let Some(p) = problem {
                out.push(format!("{}: {p}", s.label()));
            }
        }
        out
    }

    /// Parses a policy document of `kind` from JSON text.
    pub fn parse(text: &str, kind: DocumentKind) -> Result<PolicyDocument, DocError> {
        let raw: RawDoc = from_str_at(text, "", 0)?;
        let version = match raw.version.as_deref() {
            Some("2012-10-17") => PolicyVersion::V2012_10_17,
            Some("2008-10-17") => PolicyVersion::V2008_10_17,
            None => PolicyVersion::Unspecified,
            Some(other) => {
                return Err(DocError {
                    json_path: "Version".into(),
                    offset: text.find(other),
                    message: format!(
                        "unknown policy version `{other}`, expected `2012-10-17` or `2008-10-17`"
                    ),
                })
            }
        };
        let items: Vec<(&RawValue, String)> = if raw.statement.get().trim_start().starts_with('[') {
            let list: Vec<&RawValue> =
                from_str_at(raw.statement.get(), "Statement", base(text, raw.statement))?;
            list.into_iter()
                .enumerate()
                .map(|(i, r)| (r, format!("Statement[{i}]")))
                .collect()
        } else {
            vec![(raw.statement, "Statement".to_string())]
        };
        let mut statements = Vec::with_capacity(items.len());
        for (index, (rs, path)) in items.into_iter().enumerate() {
            statements.push(parse_statement(text, rs, &path, index, kind)?);
        }
        Ok(PolicyDocument {
            version,
            id: raw.id,
            statements,
        })
    }

    /// Parses a document that may be URL-encoded, as `get-account-authorization-details` returns it
    /// from the API (the CLI decodes it; raw API output does not).
    pub fn parse_maybe_encoded(text: &str, kind: DocumentKind) -> Result<PolicyDocument, DocError> {
        let trimmed = text.trim_start();
        if trimmed.starts_with('{') {
            return Self::parse(text, kind);
        }
        let decoded = percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .map_err(|e| DocError {
                json_path: String::new(),
                offset: None,
                message: format!("URL-encoded policy document is not UTF-8: {e}"),
            })?;
        // Spans inside a decoded document do not point into the file: drop them.
        let mut doc = Self::parse(&decoded, kind).map_err(|e| DocError { offset: None, ..e })?;
        doc.place_at(None, None);
        Ok(doc)
    }

    /// Moves the statements' spans from the text the document was parsed from into `file`,
    /// where that text starts at byte `at`; their lines and columns follow. A statement without
    /// a span keeps none.
    pub fn place_in(&mut self, file: &crate::source::SourceFile, at: usize) {
        for s in &mut self.statements {
            s.span = s.span.take().map(|r| r.start + at..r.end + at);
            s.line = s.span.as_ref().map(|r| file.line_of(r.start));
            s.column = s
                .span
                .as_ref()
                .map(|r| crate::source::column_of(&file.text, r.start));
        }
    }

    /// For a document whose text is not in the file verbatim (URL-encoded, or a string inside
    /// another document): no spans, every statement at `line` and `column`.
    pub fn place_at(&mut self, line: Option<usize>, column: Option<usize>) {
        for s in &mut self.statements {
            s.span = None;
            s.line = line;
            s.column = column;
        }
    }
}

fn base(text: &str, raw: &RawValue) -> usize {
    raw.get().as_ptr() as usize - text.as_ptr() as usize
}

fn join(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty() || rest == ".") {
        (true, _) => {
            if rest == "." {
                String::new()
            } else {
                rest.to_string()
            }
        }
        (false, true) => prefix.to_string(),
        (false, false) if rest.starts_with('[') => format!("{prefix}{rest}"),
        (false, false) => format!("{prefix}.{rest}"),
    }
}

/// Deserializes `text` (which sits at byte `at` of the whole document) and maps errors to paths.
fn from_str_at<'a, T: Deserialize<'a>>(
    text: &'a str,
    prefix: &str,
    at: usize,
) -> Result<T, DocError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = join(prefix, &e.path().to_string());
        let inner = e.into_inner();
        DocError {
            json_path: path,
            offset: (inner.line() > 0).then(|| at + offset_of(text, inner.line(), inner.column())),
            message: strip_position(&inner),
        }
    })?;
    de.end().map_err(|e| DocError {
        json_path: prefix.to_string(),
        offset: Some(at + offset_of(text, e.line(), e.column())),
        message: strip_position(&e),
    })?;
    Ok(value)
}

/// serde_json appends " at line L column C"; the location is reported separately.
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn parse_statement(
    text: &str,
    raw: &RawValue,
    path: &str,
    index: usize,
    kind: DocumentKind,
) -> Result<Statement, DocError> {
    let at = base(text, raw);
    let rs: RawStatement = from_str_at(raw.get(), path, at)?;
    let err = |message: String| DocError {
        json_path: path.to_string(),
        offset: Some(at),
        message,
    };
    let action = match (rs.action, rs.not_action) {
        (Some(a), None) => ActionSpec::Action(a.0),
        (None, Some(n)) => ActionSpec::NotAction(n.0),
        (Some(_), Some(_)) => {
            return Err(err("statement has both `Action` and `NotAction`".into()))
        }
        (None, None) => return Err(err("statement has neither `Action` nor `NotAction`".into())),
    };
    let resource = match (rs.resource, rs.not_resource) {
        (Some(r), None) => Some(ResourceSpec::Resource(r.0)),
        (None, Some(n)) => Some(ResourceSpec::NotResource(n.0)),
        (Some(_), Some(_)) => {
            return Err(err("statement has both `Resource` and `NotResource`".into()))
        }
        (None, None) => None,
    };
    let principal = match (rs.principal, rs.not_principal) {
        (Some(p), None) => Some(PrincipalSpec::Principal(p.0)),
        (None, Some(n)) => Some(PrincipalSpec::NotPrincipal(n.0)),
        (Some(_), Some(_)) => {
            return Err(err(
                "statement has both `Principal` and `NotPrincipal`".into()
            ))
        }
        (None, None) => None,
    };
    match kind {
        DocumentKind::Identity if principal.is_some() => {
            return Err(err(
                "an identity policy statement cannot have `Principal` or `NotPrincipal`".into(),
            ))
        }
        DocumentKind::Identity | DocumentKind::Resource if resource.is_none() => {
            return Err(err(
                "statement has neither `Resource` nor `NotResource`".into()
            ))
        }
        DocumentKind::Resource | DocumentKind::Trust if principal.is_none() => {
            return Err(err(
                "statement has neither `Principal` nor `NotPrincipal`".into()
            ))
        }
        _ => {}
    }
    let (conditions, condition) = match rs.condition {
        Some(c) => {
            let cpath = join(path, "Condition");
            let cat = base(text, c);
            let block: CondBlock = from_str_at(c.get(), &cpath, cat)?;
            let mut conds = Vec::new();
            for (op_name, keys) in block.0 {
                let op = ConditionOp::parse(&op_name).map_err(|message| DocError {
                    json_path: join(&cpath, &op_name),
                    offset: c.get().find(&op_name).map(|o| cat + o),
                    message,
                })?;
                for (key, values) in keys {
                    conds.push(Condition {
                        operator: op_name.clone(),
                        op,
                        key,
                        values,
                    });
                }
            }
            (conds, Some(c.to_owned()))
        }
        None => (Vec::new(), None),
    };
    Ok(Statement {
        index,
        sid: rs.sid,
        effect: rs.effect,
        principal,
        action,
        resource,
        conditions,
        condition,
        span: Some(at..at + raw.get().len()),
        line: Some(text[..at].matches('\n').count() + 1),
        column: Some(crate::source::column_of(text, at)),
    })
}

/// A string or an array of strings.
struct StrList(Vec<String>);

impl<'de> Deserialize<'de> for StrList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StrList, E> {
                Ok(StrList(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrList, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(StrList(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `"*"` or `{"AWS": "arn" | [...], "Service": ..., "Federated": ..., "CanonicalUser": ...}`.
struct Principals(BTreeMap<String, Vec<String>>);

impl<'de> Deserialize<'de> for Principals {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Principals;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`\"*\"` or an object of principal types")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Principals, E> {
                if v == "*" {
                    Ok(Principals(BTreeMap::from([(
                        "AWS".to_string(),
                        vec!["*".to_string()],
                    )])))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Principals, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<String, StrList>()? {
                    if !["AWS", "Service", "Federated", "CanonicalUser"].contains(&k.as_str()) {
                        return Err(de::Error::unknown_field(
                            &k,
                            &["AWS", "Service", "Federated", "CanonicalUser"],
                        ));
                    }
                    out.insert(k, v.0);
                }
                Ok(Principals(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `{"Operator": {"key": value | [values]}}`; values may be strings, booleans or numbers.
/// Condition keys of one operator with their values.
type KeyValues = Vec<(String, Vec<String>)>;

struct CondBlock(Vec<(String, KeyValues)>);

impl<'de> Deserialize<'de> for CondBlock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys(Vec<(String, Vec<String>)>);
        impl<'de> Deserialize<'de> for Keys {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let m: Vec<(String, CondValues)> =
                    d.deserialize_map(PairsVisitor::<CondValues>::default())?;
                Ok(Keys(m.into_iter().map(|(k, v)| (k, v.0)).collect()))
            }
        }
        let m: Vec<(String, Keys)> = d.deserialize_map(PairsVisitor::<Keys>::default())?;
        Ok(CondBlock(m.into_iter().map(|(k, v)| (k, v.0)).collect()))
    }
}

/// Visits a JSON object keeping entries in document order.
struct PairsVisitor<T>(std::marker::PhantomData<T>);

impl<T> Default for PairsVisitor<T> {
    fn default() -> Self {
        PairsVisitor(std::marker::PhantomData)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for PairsVisitor<T> {
    type Value = Vec<(String, T)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(entry) = map.next_entry::<String, T>()? {
            out.push(entry);
        }
        Ok(out)
    }
}

struct CondValues(Vec<String>);

impl<'de> Deserialize<'de> for CondValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct One(String);
        impl<'de> Deserialize<'de> for One {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(ScalarVisitor).map(One)
            }
        }
        struct ScalarVisitor;
        impl Visitor<'_> for ScalarVisitor {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
                Ok(v.to_string())
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CondValues;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a condition value or an array of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CondValues, E> {
                Ok(CondValues(vec![v.to_string()]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<CondValues, E> {
                Ok(CondValues(vec![v.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<CondValues, E> {
                Ok(CondValues(vec![v.to_string()]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<CondValues, E> {
                Ok(CondValues(vec![v.to_string()]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<CondValues, E> {
                Ok(CondValues(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CondValues, A::Error> {
                let mut out = Vec::new();
                while let Some(One(s)) = seq.next_element()? {
                    out.push(s);
                }
                Ok(CondValues(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PolicyDocument, DocError> {
        PolicyDocument::parse(text, DocumentKind::Identity)
    }

    #[test]
    fn statement_as_object_and_strings_as_scalars() {
        let d = parse(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#)
            .expect("valid");
        assert_eq!(d.statements.len(), 1);
        assert_eq!(
            d.statements[0].action,
            ActionSpec::Action(vec!["s3:GetObject".into()])
        );
        assert!(d.statements[0]
            .resource
            .as_ref()
            .is_some_and(ResourceSpec::is_star));
        assert_eq!(d.version, PolicyVersion::V2012_10_17);
    }

    #[test]
    fn not_elements_and_conditions_kept_verbatim() {
        let text = r#"{"Version":"2012-10-17","Statement":[
          {"Sid":"x","Effect":"Deny","NotAction":["iam:*","sts:*"],"NotResource":"arn:aws:s3:::b/*",
           "Condition":{"Bool":{"aws:MultiFactorAuthPresent":false},"NumericLessThan":{"s3:max-keys":[10, "20"]}}}]}"#;
        let d = parse(text).expect("valid");
        let s = &d.statements[0];
        assert_eq!(s.effect, Effect::Deny);
        assert!(matches!(&s.action, ActionSpec::NotAction(p) if p.len() == 2));
        assert!(matches!(&s.resource, Some(ResourceSpec::NotResource(_))));
        assert_eq!(s.conditions.len(), 2);
        assert_eq!(s.conditions[0].values, vec!["false"]);
        assert_eq!(s.conditions[1].values, vec!["10", "20"]);
        let verbatim = s
            .condition
            .as_ref()
            .map(|c| c.get().to_string())
            .unwrap_or_default();
        assert!(verbatim.contains(r#""aws:MultiFactorAuthPresent":false"#));
        let span = s.span.clone().expect("span");
        assert!(text[span].starts_with("{\"Sid\":\"x\""));
    }

    #[test]
    fn errors_name_the_json_path_and_position() {
        let text = "{\"Version\":\"2012-10-17\",\"Statement\":[\n {\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},\n {\"Effect\":\"allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}";
        let e = parse(text).expect_err("bad effect");
        assert_eq!(e.json_path, "Statement[1].Effect");
        assert!(
            e.message.contains("unknown variant `allow`"),
            "{}",
            e.message
        );
        let off = e.offset.expect("offset");
        assert!(
            text[..off].ends_with("\"Effect\":\"allow\"")
                || text[off..].starts_with('"')
                || off > 0
        );

        let e = parse(r#"{"Version":"2012-10-17","Statement":[],"Extra":1}"#)
            .expect_err("unknown field");
        assert!(e.message.contains("unknown field `Extra`"), "{}", e.message);

        let e = parse(r#"{"Statement":[{"Effect":"Allow","Action":7,"Resource":"*"}]}"#)
            .expect_err("type");
        assert_eq!(e.json_path, "Statement[0].Action");
        assert!(
            e.message.contains("a string or an array of strings"),
            "{}",
            e.message
        );

        let e =
            parse(r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#).expect_err("no action");
        assert_eq!(e.json_path, "Statement[0]");

        let e = parse(r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}"#)
            .expect_err("bad operator");
        assert_eq!(e.json_path, "Statement[0].Condition.StringEqualz");

        let e = parse(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}"#)
            .expect_err("truncated");
        assert!(e.message.contains("EOF"), "{}", e.message);
    }

    #[test]
    fn document_kinds_require_their_elements() {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let d = PolicyDocument::parse(trust, DocumentKind::Trust).expect("trust");
        assert!(
            matches!(&d.statements[0].principal, Some(PrincipalSpec::Principal(m)) if m["Service"] == ["ec2.amazonaws.com"])
        );
        assert!(PolicyDocument::parse(trust, DocumentKind::Identity).is_err());
        let star = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
        let d = PolicyDocument::parse(star, DocumentKind::Resource).expect("resource policy");
        assert!(
            matches!(&d.statements[0].principal, Some(PrincipalSpec::Principal(m)) if m["AWS"] == ["*"])
        );
    }

    #[test]
    fn url_encoded_documents_decode() {
        let enc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        let d = PolicyDocument::parse_maybe_encoded(enc, DocumentKind::Identity).expect("decodes");
        assert_eq!(d.statements[0].action.patterns(), ["s3:*"]);
        assert!(d.statements[0].span.is_none());
    }
}
