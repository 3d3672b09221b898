//! Policy documents as Terraform: an `aws_iam_policy_document` data source per document, the
//! form Terraform users keep policies in. HCL interpolation sequences in policy text (`${…}`,
//! `%{…}`) are escaped so Terraform passes them to AWS unchanged.

use super::document::{ActionSpec, PolicyDocument, ResourceSpec};
use super::Effect;
use std::fmt::Write as _;

/// `doc` as `data "aws_iam_policy_document" "<name>" { … }`; `name` is made a valid identifier.
pub fn to_terraform(name: &str, doc: &PolicyDocument) -> String {
    let mut out = format!(
        "data \"aws_iam_policy_document\" \"{}\" {{\n",
        identifier(name)
    );
    if let Some(v) = match doc.version {
        super::PolicyVersion::V2012_10_17 => Some("2012-10-17"),
        super::PolicyVersion::V2008_10_17 => Some("2008-10-17"),
        super::PolicyVersion::Unspecified => None,
    } {
        let _ = writeln!(out, "  version = \"{v}\"");
    }
    for s in &doc.statements {
        out.push_str("\n  statement {\n");
        if let Some(sid) = s.sid.as_deref().filter(|s| !s.is_empty()) {
            let _ = writeln!(out, "    sid = {}", string(sid));
        }
        let effect = match s.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        let _ = writeln!(out, "    effect = \"{effect}\"");
        match &s.action {
            ActionSpec::Action(a) => list(&mut out, "actions", a),
            ActionSpec::NotAction(a) => list(&mut out, "not_actions", a),
        }
        match &s.resource {
            Some(ResourceSpec::Resource(r)) => list(&mut out, "resources", r),
            Some(ResourceSpec::NotResource(r)) => list(&mut out, "not_resources", r),
            None => {}
        }
        if let Some(raw) = &s.condition {
            conditions(&mut out, raw.get());
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

/// A Terraform identifier: letters, digits, `_` and `-`, not starting with a digit.
pub fn identifier(name: &str) -> String {
    let mut id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        id.insert(0, '_');
    }
    id
}

/// An HCL string literal.
fn string(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(out: &mut String, key: &str, items: &[String]) {
    if items.len() <= 1 {
        let items: Vec<String> = items.iter().map(|i| string(i)).collect();
        let _ = writeln!(out, "    {key} = [{}]", items.join(", "));
        return;
    }
    let _ = writeln!(out, "    {key} = [");
    for i in items {
        let _ = writeln!(out, "      {},", string(i));
    }
    out.push_str("    ]\n");
}

fn conditions(out: &mut String, raw: &str) {
    let Ok(serde_json::Value::Object(ops)) = serde_json::from_str::<serde_json::Value>(raw) else {
        return;
    };
    for (op, keys) in ops {
        let serde_json::Value::Object(keys) = keys else {
            continue;
        };
        for (key, values) in keys {
            let values: Vec<String> = match values {
                serde_json::Value::Array(v) => v.iter().map(value_text).collect(),
                v => vec![value_text(&v)],
            };
            out.push_str("\n    condition {\n");
            let _ = writeln!(out, "      test = {}", string(&op));
            let _ = writeln!(out, "      variable = {}", string(&key));
            let items: Vec<String> = values.iter().map(|v| string(v)).collect();
            let _ = writeln!(out, "      values = [{}]", items.join(", "));
            out.push_str("    }\n");
        }
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::document::DocumentKind;
    use super::*;

    #[test]
    fn statements_conditions_and_variables_become_terraform() {
        let doc = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Home","Effect":"Allow",
                "Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/home/${aws:username}/*",
                "Condition":{"Bool":{"aws:MultiFactorAuthPresent":true},"StringLike":{"s3:prefix":["a","b"]}}},
                {"Effect":"Deny","NotAction":"iam:*","NotResource":"*"}]}"#,
            DocumentKind::Identity,
        )
        .expect("valid");
        let tf = to_terraform("ci-deployer.v2", &doc);
        assert!(
            tf.starts_with("data \"aws_iam_policy_document\" \"ci-deployer_v2\" {\n"),
            "{tf}"
        );
        assert!(
            tf.contains("\"arn:aws:s3:::b/home/$${aws:username}/*\""),
            "{tf}"
        );
        assert!(tf.contains("test = \"Bool\"\n      variable = \"aws:MultiFactorAuthPresent\"\n      values = [\"true\"]"), "{tf}");
        assert!(tf.contains("values = [\"a\", \"b\"]"), "{tf}");
        assert!(tf.contains("not_actions = [\"iam:*\"]"), "{tf}");
        assert!(
            tf.contains("    sid = \"Home\"\n    effect = \"Allow\"\n"),
            "{tf}"
        );
    }
}
