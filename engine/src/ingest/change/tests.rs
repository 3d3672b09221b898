use super::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

#[test]
fn lone_documents_become_a_role_a_trust_policy_or_a_resource_policy() {
    let v = root().join("aws/validation");
    let change = load(&[
        v.join("policy-unknown-action/fail.identity.json"),
        v.join("policy-trust-any-principal/fail.trust.json"),
        v.join("policy-misplaced-element/pass.resource.json"),
        v.join("policy-syntax/fail.identity.json"),
    ]);
    assert!(change.errors.is_empty(), "{:?}", change.errors);
    let kinds: Vec<(DocumentKind, bool)> = change
        .documents
        .iter()
        .map(|d| (d.kind, d.resource))
        .collect();
    assert_eq!(
        kinds,
        [
            (DocumentKind::Identity, false),
            (DocumentKind::Trust, false),
            (DocumentKind::Resource, true)
        ]
    );
    assert_eq!(change.inventory.principals.len(), 2);
    assert!(change
        .inventory
        .resource_policies
        .contains_key("arn:aws:s3:::reports"));
    assert_eq!(change.invalid.len(), 1, "the broken document is a finding");
    assert_eq!(change.invalid[0].rule, "policy-syntax");
    assert_eq!(change.planned.len(), 3);
}

#[test]
fn a_walked_directory_skips_what_it_does_not_read_but_a_named_file_is_an_error() {
    let change = load(&[root().join("aws/authz")]);
    assert!(change.documents.is_empty());
    assert_eq!(change.warnings.len(), 1, "{:?}", change.warnings);
    assert!(change.warnings[0].to_string().contains("skipped"));
    let named = load(&[root().join("demo/snapshot/authorization-details.json")]);
    assert_eq!(named.errors.len(), 1);
    assert!(
        named.errors[0]
            .to_string()
            .contains("authorization-details snapshot"),
        "{}",
        named.errors[0]
    );
}

#[test]
fn a_walk_leaves_out_hidden_and_dependency_directories() {
    let dir = std::env::temp_dir().join(format!("whittle-walk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    for sub in ["policies", ".terraform/modules/x", "node_modules/pkg"] {
        std::fs::create_dir_all(dir.join(sub)).expect("dir");
        std::fs::write(dir.join(sub).join("p.json"), doc).expect("write");
    }
    let change = load(std::slice::from_ref(&dir));
    let read: Vec<&str> = change.documents.iter().map(|d| d.policy.as_str()).collect();
    assert_eq!(read.len(), 1, "{read:?}");
    assert!(read[0].ends_with("policies/p.json"), "{read:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
