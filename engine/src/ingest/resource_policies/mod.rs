//! Resource-based policies as a plain JSON object mapping each resource ARN to its policy
//! document (or the document as JSON text, as `get-bucket-policy` and `get-queue-attributes`
//! return it). Read by `--snapshot` beside authorization-details files, recognised by keys that
//! are all ARNs.

use crate::aws::policy::{DocumentKind, PolicyDocument};
use crate::aws::Policy;
use crate::model::PolicyKind;
use crate::source::{InputError, SourceFile};
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// True when top-level `keys` are a resource-policy map's (every key an ARN).
pub fn looks_like(keys: &[&str]) -> bool {
    !keys.is_empty() && keys.iter().all(|k| k.starts_with("arn:"))
}

/// The resource policies of `file`, by ARN; a document that does not parse is an error naming
/// its ARN and position, the others are read. What AWS would reject in a resource policy (no
/// `Principal`) is a warning.
pub fn parse(
    file: &SourceFile,
    errors: &mut Vec<InputError>,
    warnings: &mut Vec<InputError>,
) -> BTreeMap<String, Policy> {
    let mut out = BTreeMap::new();
    let map: BTreeMap<String, &RawValue> = match serde_json::from_str(&file.text) {
        Ok(m) => m,
        Err(e) => {
            errors.push(file.json_error(&e));
            return out;
        }
    };
    for (arn, raw) in map {
        let at = raw.get().as_ptr() as usize - file.text.as_ptr() as usize;
        let parsed = if raw.get().starts_with('"') {
            serde_json::from_str::<String>(raw.get())
                .map_err(|e| (None, String::new(), e.to_string()))
                .and_then(|text| {
                    PolicyDocument::parse(&text, DocumentKind::AsGiven)
                        .map_err(|e| (None, e.json_path, e.message))
                })
                .map(|mut d| {
                    d.place_at(
                        Some(file.line_of(at)),
                        Some(crate::source::column_of(&file.text, at)),
                    );
                    d
                })
        } else {
            PolicyDocument::parse(raw.get(), DocumentKind::AsGiven)
                .map(|mut d| {
                    d.place_in(file, at);
                    d
                })
                .map_err(|e| (e.offset.map(|o| o + at), e.json_path, e.message))
        };
        match parsed {
            Ok(document) => {
                for w in document.misplaced(DocumentKind::Resource) {
                    warnings.push(file.error(
                        arn.clone(),
                        Some(at),
                        format!("{w}: evaluated as given"),
                    ));
                }
                let name = arn.rsplit([':', '/']).next().unwrap_or(&arn).to_string();
                out.insert(
                    arn.clone(),
                    Policy {
                        id: arn.clone(),
                        name,
                        kind: PolicyKind::ResourceBased,
                        document,
                        location: file.location(arn.clone(), Some(at..at + raw.get().len())),
                    },
                );
            }
            Err((offset, path, message)) => {
                let path = if path.is_empty() {
                    arn.clone()
                } else {
                    format!("{arn}.{path}")
                };
                errors.push(file.error(path, offset.or(Some(at)), message));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_encoded_documents_by_arn_and_errors_name_the_arn() {
        let text = r#"{
  "arn:aws:s3:::shared-reports": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-reports/*"}]},
  "arn:aws:sqs:eu-west-1:111122223333:jobs": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sqs:SendMessage\",\"Resource\":\"*\"}]}",
  "arn:aws:sns:eu-west-1:111122223333:alerts": {"Statement":[{"Effect":"Perhaps","Action":"sns:Publish","Resource":"*"}]}
}"#;
        let (mut errors, mut warnings) = (Vec::new(), Vec::new());
        let m = parse(
            &SourceFile::from_text("rp.json", text),
            &mut errors,
            &mut warnings,
        );
        assert_eq!(m.len(), 2);
        assert_eq!(
            m["arn:aws:s3:::shared-reports"].document.statements[0].line,
            Some(2)
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0]
                .to_string()
                .contains("arn:aws:sns:eu-west-1:111122223333:alerts.Statement[0].Effect"),
            "{}",
            errors[0]
        );
        assert!(looks_like(&["arn:aws:s3:::a", "arn:aws:sqs:x"]));
        assert!(!looks_like(&["RoleDetailList"]));
    }
}
