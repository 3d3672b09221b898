//! `aws_iam_policy_document` data sources Terraform reads only during apply (their configuration
//! names something the plan creates, such as a new bucket's ARN): the policy that renders them
//! is unknown in the plan, but the data source's statement blocks are there, known in part. The
//! document is rebuilt from them as the provider renders it, each value known only after apply
//! written as a placeholder naming what it comes from (`{aws_s3_bucket.exports.arn}`) — never
//! guessed. What a placeholder cannot stand for (an action, an effect, a condition operator, a
//! merged source document) leaves the document unknown.

use serde_json::{Map, Value};

/// The plan's view of a data source read during apply.
pub struct DataRead<'a> {
    /// `change.after`: known values; unknown ones absent (attributes) or `null` (list items).
    pub after: &'a Value,
    /// `change.after_unknown`: `true` where a value is known only after apply.
    pub unknown: &'a Value,
    /// The data source's block in the plan's `configuration` (its expressions' references).
    pub config: Option<&'a Value>,
}

/// The policy document the data source renders, or what keeps it unknown.
pub fn rebuild(d: &DataRead<'_>) -> Result<Value, String> {
    for merged in [
        "source_policy_documents",
        "override_policy_documents",
        "source_json",
        "override_json",
    ] {
        let known_empty = match d.after.get(merged) {
            None | Some(Value::Null) => true,
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        if is_unknown(d.unknown.get(merged)) || !known_empty {
            return Err(format!("it merges `{merged}`"));
        }
    }
    let mut doc = Map::new();
    doc.insert(
        "Version".into(),
        d.after
            .get("version")
            .filter(|v| v.is_string())
            .cloned()
            .unwrap_or_else(|| "2012-10-17".into()),
    );
    if let Some(id) = d.after.get("policy_id").filter(|v| v.is_string()) {
        doc.insert("Id".into(), id.clone());
    }
    if is_unknown(d.unknown.get("statement")) {
        return Err("its statements are known only after apply".into());
    }
    let statements = d.after.get("statement").and_then(Value::as_array);
    let mut out = Vec::new();
    for (i, st) in statements.into_iter().flatten().enumerate() {
        let s = Block {
            after: st,
            unknown: d.unknown.get("statement").and_then(|u| u.get(i)),
            config: d
                .config
                .and_then(|c| c.get("expressions"))
                .and_then(|e| e.get("statement"))
                .and_then(|s| s.get(i)),
        };
        out.push(
            s.statement()
                .map_err(|why| format!("statement {i}: {why}"))?,
        );
    }
    doc.insert("Statement".into(), Value::Array(out));
    Ok(Value::Object(doc))
}

fn is_unknown(u: Option<&Value>) -> bool {
    u == Some(&Value::Bool(true))
}

/// One block of the data source (a statement, a principals or condition block).
struct Block<'a> {
    after: &'a Value,
    unknown: Option<&'a Value>,
    config: Option<&'a Value>,
}

impl<'a> Block<'a> {
    fn nested(&self, name: &str, i: usize) -> Block<'a> {
        Block {
            after: self
                .after
                .get(name)
                .and_then(|v| v.get(i))
                .unwrap_or(&Value::Null),
            unknown: self
                .unknown
                .and_then(|u| u.get(name))
                .and_then(|u| u.get(i)),
            config: self.config.and_then(|c| c.get(name)).and_then(|c| c.get(i)),
        }
    }

    fn blocks(&self, name: &str) -> Result<Vec<Block<'a>>, String> {
        if is_unknown(self.unknown.and_then(|u| u.get(name))) {
            return Err(format!("its `{name}` blocks are known only after apply"));
        }
        let n = self
            .after
            .get(name)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        Ok((0..n).map(|i| self.nested(name, i)).collect())
    }

    /// A string that must be known (an effect, a type, an operator).
    fn word(&self, name: &str) -> Result<Option<String>, String> {
        if is_unknown(self.unknown.and_then(|u| u.get(name))) {
            return Err(format!("`{name}` is known only after apply"));
        }
        Ok(self
            .after
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string))
    }

    /// A list of strings; `exact` lists (actions) cannot hold a placeholder.
    fn list(&self, name: &str, exact: bool) -> Result<Vec<Value>, String> {
        let unknown = self.unknown.and_then(|u| u.get(name));
        let known_after_apply = || format!("`{name}` is known only after apply");
        if is_unknown(unknown) {
            return if exact {
                Err(known_after_apply())
            } else {
                Ok(vec![self.placeholder(name).into()])
            };
        }
        let mut out = Vec::new();
        for (i, v) in self
            .after
            .get(name)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if is_unknown(unknown.and_then(|u| u.get(i))) || v.is_null() {
                if exact {
                    return Err(known_after_apply());
                }
                out.push(self.placeholder(name).into());
            } else if v.is_string() {
                out.push(v.clone());
            }
        }
        Ok(out)
    }

    /// What an unknown value of attribute `name` comes from: the one attribute its expression
    /// references (`{aws_s3_bucket.exports.arn}`), else `{known after apply}`.
    fn placeholder(&self, name: &str) -> String {
        let refs: Vec<&str> = self
            .config
            .and_then(|c| c.get(name))
            .and_then(|e| e.get("references"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        // references list `x.y.attr` and then `x.y`: keep those no other extends
        let leaves: Vec<&str> = refs
            .iter()
            .copied()
            .filter(|r| {
                !refs
                    .iter()
                    .any(|o| o.len() > r.len() && o.starts_with(r) && o[r.len()..].starts_with('.'))
            })
            .collect();
        match leaves.as_slice() {
            [one] => format!("{{{one}}}"),
            _ => "{known after apply}".to_string(),
        }
    }

    fn statement(&self) -> Result<Value, String> {
        let mut st = Map::new();
        if let Some(sid) = self.word("sid")? {
            st.insert("Sid".into(), sid.into());
        }
        let effect = self.word("effect")?.unwrap_or_else(|| "Allow".into());
        st.insert("Effect".into(), effect.into());
        for (attr, key, exact) in [
            ("actions", "Action", true),
            ("not_actions", "NotAction", true),
            ("resources", "Resource", false),
            ("not_resources", "NotResource", false),
        ] {
            let values = self.list(attr, exact)?;
            if !values.is_empty() {
                st.insert(key.into(), Value::Array(values));
            }
        }
        for (attr, key) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            let mut by_type: Map<String, Value> = Map::new();
            let mut anyone = false;
            for p in self.blocks(attr)? {
                let ty = p.word("type")?.ok_or("a principal without `type`")?;
                let ids = p.list("identifiers", false)?;
                if ty == "*" {
                    anyone = true;
                    continue;
                }
                if let Value::Array(list) =
                    by_type.entry(ty).or_insert_with(|| Value::Array(vec![]))
                {
                    list.extend(ids);
                }
            }
            if anyone {
                st.insert(key.into(), "*".into());
            } else if !by_type.is_empty() {
                st.insert(key.into(), Value::Object(by_type));
            }
        }
        let mut conditions: Map<String, Value> = Map::new();
        for c in self.blocks("condition")? {
            let test = c.word("test")?.ok_or("a condition without `test`")?;
            let variable = c
                .word("variable")?
                .ok_or("a condition without `variable`")?;
            let values = c.list("values", false)?;
            if let Value::Object(keys) = conditions
                .entry(test)
                .or_insert_with(|| Value::Object(Map::new()))
            {
                if let Value::Array(list) =
                    keys.entry(variable).or_insert_with(|| Value::Array(vec![]))
                {
                    list.extend(values);
                }
            }
        }
        if !conditions.is_empty() {
            st.insert("Condition".into(), Value::Object(conditions));
        }
        Ok(Value::Object(st))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_resources_and_identifiers_become_named_placeholders() {
        let after = json!({"version": "2012-10-17", "statement": [
            {"sid": "Write", "effect": "Allow", "actions": ["s3:PutObject"], "resources": [null, "arn:aws:s3:::fixed/*"],
             "principals": [], "not_principals": [], "condition": [
                {"test": "StringEquals", "variable": "aws:SourceAccount", "values": [null]}]},
            {"effect": "Allow", "actions": ["sts:AssumeRole"], "principals": [{"type": "AWS", "identifiers": [null]}]}
        ]});
        let unknown = json!({"statement": [
            {"resources": [true, false], "condition": [{"values": [true]}]},
            {"principals": [{"identifiers": [true]}]}
        ]});
        let config = json!({"expressions": {"statement": [
            {"resources": {"references": ["aws_s3_bucket.exports.arn", "aws_s3_bucket.exports"]},
             "condition": [{"values": {"references": ["data.aws_caller_identity.me.account_id", "data.aws_caller_identity.me"]}}]},
            {"principals": [{"identifiers": {"references": ["aws_iam_role.a.arn", "aws_iam_role.a", "aws_iam_role.b.arn", "aws_iam_role.b"]}}]}
        ]}});
        let doc = rebuild(&DataRead {
            after: &after,
            unknown: &unknown,
            config: Some(&config),
        })
        .expect("rebuilt");
        assert_eq!(
            doc,
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "Write", "Effect": "Allow", "Action": ["s3:PutObject"],
                 "Resource": ["{aws_s3_bucket.exports.arn}", "arn:aws:s3:::fixed/*"],
                 "Condition": {"StringEquals": {"aws:SourceAccount": ["{data.aws_caller_identity.me.account_id}"]}}},
                {"Effect": "Allow", "Action": ["sts:AssumeRole"],
                 "Principal": {"AWS": ["{known after apply}"]}}
            ]})
        );
    }

    #[test]
    fn what_a_placeholder_cannot_stand_for_keeps_the_document_unknown() {
        let after = json!({"statement": [{"actions": [null], "resources": ["*"]}]});
        let unknown = json!({"statement": [{"actions": [true]}]});
        let why = rebuild(&DataRead {
            after: &after,
            unknown: &unknown,
            config: None,
        })
        .expect_err("an unknown action");
        assert_eq!(why, "statement 0: `actions` is known only after apply");
        let merged = json!({"source_policy_documents": ["{}"], "statement": []});
        let why = rebuild(&DataRead {
            after: &merged,
            unknown: &Value::Null,
            config: None,
        })
        .expect_err("merges");
        assert!(why.contains("source_policy_documents"), "{why}");
    }
}
