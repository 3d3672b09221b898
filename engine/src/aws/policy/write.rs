//! Policy documents back to AWS's JSON, in one fixed layout, so that a current policy and its
//! proposed replacement diff only where they differ in meaning. Conditions are written verbatim
//! (the block as the input had it, re-indented), never rebuilt from their parsed form.

use super::document::{ActionSpec, PolicyDocument, PolicyVersion, ResourceSpec, Statement};
use std::fmt::Write as _;

/// `doc` as AWS JSON: two-space indentation, one element per line, a single-element list as a
/// plain string.
pub fn to_json(doc: &PolicyDocument) -> String {
    let mut out = String::from("{\n");
    if let Some(v) = version_text(doc.version) {
        let _ = writeln!(out, "  \"Version\": \"{v}\",");
    }
    if let Some(id) = &doc.id {
        let _ = writeln!(out, "  \"Id\": {},", quote(id));
    }
    out.push_str("  \"Statement\": [");
    for (i, s) in doc.statements.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        statement(&mut out, s);
    }
    out.push_str(if doc.statements.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    out
}

/// The characters AWS counts against a policy's size quota: the JSON without whitespace outside
/// strings.
pub fn quota_size(doc: &PolicyDocument) -> usize {
    let text = to_json(doc);
    let mut n = 0;
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            n += 1;
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if !c.is_whitespace() {
            n += 1;
            in_string = c == '"';
        }
    }
    n
}

fn version_text(v: PolicyVersion) -> Option<&'static str> {
    match v {
        PolicyVersion::V2012_10_17 => Some("2012-10-17"),
        PolicyVersion::V2008_10_17 => Some("2008-10-17"),
        PolicyVersion::Unspecified => None,
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

fn list(out: &mut String, key: &str, items: &[String], last: bool) {
    let _ = write!(out, "      \"{key}\": ");
    match items {
        [one] => out.push_str(&quote(one)),
        _ => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                let _ = write!(out, "        {}", quote(item));
            }
            out.push_str(if items.is_empty() { "]" } else { "\n      ]" });
        }
    }
    out.push_str(if last { "\n" } else { ",\n" });
}

fn statement(out: &mut String, s: &Statement) {
    out.push_str("    {\n");
    if let Some(sid) = &s.sid {
        let _ = writeln!(out, "      \"Sid\": {},", quote(sid));
    }
    let effect = match s.effect {
        super::Effect::Allow => "Allow",
        super::Effect::Deny => "Deny",
    };
    let _ = writeln!(out, "      \"Effect\": \"{effect}\",");
    let has_resource = s.resource.is_some();
    let has_condition = s.condition.is_some();
    let (akey, actions) = match &s.action {
        ActionSpec::Action(a) => ("Action", a),
        ActionSpec::NotAction(a) => ("NotAction", a),
    };
    list(out, akey, actions, !has_resource && !has_condition);
    if let Some(r) = &s.resource {
        let (rkey, res) = match r {
            ResourceSpec::Resource(p) => ("Resource", p),
            ResourceSpec::NotResource(p) => ("NotResource", p),
        };
        list(out, rkey, res, !has_condition);
    }
    if let Some(c) = &s.condition {
        let _ = writeln!(out, "      \"Condition\": {}", reindent(c.get(), 6));
    }
    out.push_str("    }");
}

/// Re-indents compact or pretty JSON `text`, keeping its order and its string contents exactly;
/// `base` is the indentation of the line the value starts on.
fn reindent(text: &str, base: usize) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = base;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.trim().chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    depth += 2;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(2);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::document::DocumentKind;
    use super::*;

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::b/*",
         "Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]},"Bool":{"aws:SecureTransport":"true"}}},
        {"Effect":"Deny","NotAction":"iam:*","NotResource":["arn:aws:s3:::b","x\"y"]}]}"#;

    #[test]
    fn written_documents_parse_back_to_the_same_statements() {
        let doc = PolicyDocument::parse(POLICY, DocumentKind::Identity).expect("valid");
        let text = to_json(&doc);
        let back = PolicyDocument::parse(&text, DocumentKind::Identity).expect("reparses");
        assert_eq!(back.statements.len(), 2);
        for (a, b) in doc.statements.iter().zip(&back.statements) {
            assert_eq!((&a.sid, a.effect, &a.action), (&b.sid, b.effect, &b.action));
            assert_eq!(a.resource, b.resource);
            assert_eq!(a.conditions, b.conditions);
        }
        assert_eq!(to_json(&back), text, "writing is a fixed point");
    }

    #[test]
    fn conditions_keep_their_order_and_layout_is_fixed() {
        let doc = PolicyDocument::parse(POLICY, DocumentKind::Identity).expect("valid");
        let text = to_json(&doc);
        let string_equals = text.find("StringEquals").expect("kept");
        let bool_op = text.find("\"Bool\"").expect("kept");
        assert!(string_equals < bool_op, "operators stay in written order");
        assert!(text.contains("      \"Resource\": \"arn:aws:s3:::b/*\",\n"));
        assert!(text.contains("\"x\\\"y\""), "strings stay escaped: {text}");
    }

    #[test]
    fn quota_size_ignores_whitespace_outside_strings() {
        let doc = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a b"}]}"#,
            DocumentKind::Identity,
        )
        .expect("valid");
        let compact = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a b"}]}"#;
        assert_eq!(quota_size(&doc), compact.chars().count());
    }
}
