use super::*;
use std::path::Path;

fn plan() -> Change {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/iac/terraform/plan-ci-role-policies-attachment-module-and-bucket.json");
    let change = crate::ingest::change::load(&[path]);
    assert!(change.errors.is_empty(), "{:?}", change.errors);
    change
}

#[test]
fn roles_policies_attachments_and_bucket_policies_come_out_of_resource_changes() {
    let change = plan();
    let inv = &change.inventory;
    let deploy = inv
        .principal("aws_iam_role.deploy")
        .expect("the new role, by address");
    assert_eq!(deploy.name, "deploy");
    assert_eq!(deploy.path, "/ci/");
    // the attachment's policy_arn is known only after apply: resolved through the configuration
    assert!(
        deploy
            .policies
            .contains(&"aws_iam_policy.deploy".to_string()),
        "{:?}",
        deploy.policies
    );
    assert!(deploy
        .policies
        .contains(&"aws_iam_role.deploy#logs".to_string()));
    assert_eq!(
        deploy.trust_policy.as_deref(),
        Some("aws_iam_role.deploy#trust")
    );
    assert!(inv
        .resource_policies
        .contains_key("arn:aws:s3:::public-reports"));
    // deleted resources are gone, unchanged ones kept but not planned
    assert!(inv
        .principal("arn:aws:iam::111122223333:user/legacy")
        .is_none());
    assert!(inv
        .principal("arn:aws:iam::111122223333:role/existing")
        .is_some());
    assert!(!change
        .planned
        .contains("arn:aws:iam::111122223333:role/existing"));
    assert!(change.planned.contains("aws_iam_role.deploy"));
}

#[test]
fn a_document_known_only_after_apply_is_reported_not_guessed() {
    let change = plan();
    let unknown: Vec<&Finding> = change
        .invalid
        .iter()
        .filter(|f| f.rule == "policy-known-after-apply")
        .collect();
    assert_eq!(unknown.len(), 1, "{:?}", change.invalid);
    assert!(unknown[0]
        .message
        .contains("module.app.aws_iam_role_policy.runtime.policy"));
    assert_eq!(unknown[0].notes, ["in module.app"]);
    // the stand-in for the role the module's policy is for holds nothing guessed
    let runner = change.inventory.principal("app-runner").expect("stand-in");
    assert!(runner.policies.is_empty());
    // documents of changed resources are declared for validation, the unchanged role's is not
    let holders: Vec<&str> = change.documents.iter().map(|d| d.holder.as_str()).collect();
    assert!(holders
        .iter()
        .any(|h| h.starts_with("aws_iam_policy.deploy")));
    assert!(!holders
        .iter()
        .any(|h| h.starts_with("aws_iam_role.existing")));
}

/// A role policy rendered by an `aws_iam_policy_document` that names a new bucket is unknown in
/// the plan: it used to be reported as known after apply and not checked at all.
#[test]
fn a_policy_document_read_during_apply_is_rebuilt_from_its_known_statements() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../testdata/iac/terraform/plan-role-policy-from-a-policy-document-read-during-apply.json",
    );
    let change = crate::ingest::change::load(&[path]);
    assert!(change.errors.is_empty(), "{:?}", change.errors);
    let role = change
        .inventory
        .principal("aws_iam_role.exporter")
        .expect("role");
    assert_eq!(
        role.policies,
        vec!["aws_iam_role.exporter#exports".to_string()]
    );
    let policy = &change.inventory.policies["aws_iam_role.exporter#exports"];
    let resources: Vec<Vec<String>> = policy
        .document
        .statements
        .iter()
        .map(|s| {
            s.resource
                .as_ref()
                .map(|r| r.patterns().to_vec())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        resources,
        vec![
            vec!["{aws_s3_bucket.exports.arn}".to_string()],
            vec!["{aws_s3_bucket.exports.arn}".to_string()],
            vec!["*".to_string()],
        ]
    );
    // placed at the data source's resource change, where its statements are
    assert!(
        policy.location.json_path.starts_with("resource_changes[2]"),
        "{:?}",
        policy.location
    );
    // an action known only after apply cannot be a placeholder: reported, with why
    let unknown: Vec<&str> = change.invalid.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(unknown.len(), 1, "{unknown:#?}");
    assert!(
        unknown[0].contains("module.intake.data.aws_iam_policy_document.send[0]")
            && unknown[0].contains("`actions` is known only after apply"),
        "{}",
        unknown[0]
    );
}
