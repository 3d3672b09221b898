//! Resource-based policies from an AWS Config configuration snapshot (the JSON Config delivers to
//! S3, `{"fileVersion": …, "configurationItems": [ … ]}`): bucket, key, queue, topic, function,
//! secret and repository policies, by resource ARN. Items of other types are counted in one
//! warning; items with no policy are skipped.

use crate::aws::Policy;
use crate::source::{InputError, SourceFile};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Resource types whose policies are read.
const TYPES: &[&str] = &[
    "AWS::S3::Bucket",
    "AWS::KMS::Key",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::Lambda::Function",
    "AWS::SecretsManager::Secret",
    "AWS::ECR::Repository",
];

/// Where a configuration item carries its resource policy, by type (object paths; the value is
/// the document or its JSON text).
const PLACES: &[&[&str]] = &[
    &["supplementaryConfiguration", "BucketPolicy", "policyText"],
    &["supplementaryConfiguration", "Policy"],
    &["supplementaryConfiguration", "ResourcePolicy"],
    &["configuration", "Policy"],
    &["configuration", "policy"],
    &["configuration", "KeyPolicy"],
    &["configuration", "keyPolicy"],
    &["configuration", "RepositoryPolicyText"],
    &["configuration", "repositoryPolicyText"],
    &["configuration", "ResourcePolicy"],
];

/// True when top-level `keys` are a Config snapshot's.
pub fn looks_like(keys: &[&str]) -> bool {
    keys.contains(&"configurationItems")
}

/// What a Config snapshot says about resources.
#[derive(Debug, Default)]
pub struct Found {
    /// Resource policies by ARN.
    pub policies: BTreeMap<String, Policy>,
    /// The owning account (`awsAccountId`) of each resource read, by ARN.
    pub owners: BTreeMap<String, String>,
}

/// The resource policies of a Config snapshot, by ARN, with their resources' accounts.
pub fn parse(
    file: &SourceFile,
    errors: &mut Vec<InputError>,
    warnings: &mut Vec<InputError>,
) -> Found {
    let mut found = Found::default();
    let out = &mut found.policies;
    let doc: Value = match serde_json::from_str(&file.text) {
        Ok(v) => v,
        Err(e) => {
            errors.push(file.json_error(&e));
            return found;
        }
    };
    let Some(items) = doc.get("configurationItems").and_then(Value::as_array) else {
        errors.push(file.error(
            "configurationItems",
            None,
            "expected an array of configuration items",
        ));
        return found;
    };
    let mut other: BTreeMap<String, usize> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("configurationItems[{i}]");
        let kind = item
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !TYPES.contains(&kind) {
            *other.entry(kind.to_string()).or_default() += 1;
            continue;
        }
        let Some(arn) = ["ARN", "arn", "resourceArn"]
            .iter()
            .find_map(|k| item.get(*k).and_then(Value::as_str))
        else {
            warnings.push(file.error(
                &path,
                None,
                format!("a {kind} item without an ARN: skipped"),
            ));
            continue;
        };
        if let Some(account) = item.get("awsAccountId").and_then(Value::as_str) {
            found.owners.insert(arn.to_string(), account.to_string());
        }
        let at_place = PLACES.iter().find_map(|place| {
            let mut at = item;
            for k in *place {
                at = at.get(*k)?;
            }
            (!at.is_null()).then_some((place, at))
        });
        let Some((place, value)) = at_place else {
            continue; // no resource policy
        };
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let json_path = format!("{path}.{}", place.join("."));
        let one = format!(
            "{{\"{}\": {}}}",
            arn,
            serde_json::to_string(&text).unwrap_or_default()
        );
        // reuse the ARN-map reader for the document, then point its location at this item
        let tmp = SourceFile::from_text(&file.path, &one);
        let mut item_errors = Vec::new();
        let mut item_warnings = Vec::new();
        let mut parsed =
            super::resource_policies::parse(&tmp, &mut item_errors, &mut item_warnings);
        let offset = file.text.find(arn);
        for e in item_errors {
            errors.push(file.error(&json_path, offset, e.message));
        }
        for w in item_warnings {
            warnings.push(file.error(&json_path, offset, w.message));
        }
        if let Some(mut p) = parsed.remove(arn) {
            p.location = file.location(json_path, offset.map(|o| o..o + arn.len()));
            p.document.place_at(p.location.line, p.location.column);
            out.insert(arn.to_string(), p);
        }
    }
    if !other.is_empty() {
        let kinds: BTreeSet<String> = other.iter().map(|(k, n)| format!("{k} ({n})")).collect();
        warnings.push(file.error(
            "configurationItems",
            None,
            format!(
                "{} item(s) of types whose policies whittle does not read: {}",
                other.values().sum::<usize>(),
                kinds.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_queue_and_function_policies_by_arn_other_types_counted() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/aws/config/snapshot-bucket-queue-function-and-a-volume.json");
        let file = SourceFile::read(&path).expect("fixture");
        let (mut errors, mut warnings) = (Vec::new(), Vec::new());
        let found = parse(&file, &mut errors, &mut warnings);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            found
                .owners
                .get("arn:aws:s3:::demo-datalake")
                .map(String::as_str),
            Some("111122223333"),
            "a bucket's account comes from its item"
        );
        let m = found.policies;
        let arns: Vec<&str> = m.keys().map(String::as_str).collect();
        assert_eq!(
            arns,
            [
                "arn:aws:lambda:eu-west-1:111122223333:function:orders-api",
                "arn:aws:s3:::demo-datalake",
                "arn:aws:sqs:eu-west-1:111122223333:orders-intake",
            ]
        );
        assert_eq!(
            m["arn:aws:s3:::demo-datalake"].document.statements[0]
                .sid
                .as_deref(),
            Some("PartnerReads")
        );
        assert!(m["arn:aws:s3:::demo-datalake"].location.line.is_some());
        let w: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert!(
            w.iter().any(|m| m.contains(
                "1 item(s) of types whose policies whittle does not read: AWS::EC2::Volume (1)"
            )),
            "{w:?}"
        );
    }
}
