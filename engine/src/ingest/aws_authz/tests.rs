use super::*;
use crate::model::PolicyKind;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name)
}

#[test]
fn demo_snapshot_loads_every_principal_and_policy() {
    let r = load_files(&[fixture("demo/snapshot/authorization-details.json")]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let inv = &r.inventory;
    let kinds: Vec<(&str, PrincipalKind)> = inv
        .principals
        .iter()
        .map(|p| (p.name.as_str(), p.kind))
        .collect();
    assert_eq!(kinds.len(), 8, "{kinds:?}");
    let alice = inv.find_principal("alice").expect("alice");
    assert_eq!(
        alice.groups,
        vec![
            "arn:aws:iam::111122223333:group/developers",
            "arn:aws:iam::111122223333:group/readonly"
        ]
    );
    assert_eq!(alice.tags.get("team").map(String::as_str), Some("payments"));
    assert_eq!(
        alice.policies,
        vec![
            "arn:aws:iam::111122223333:user/alice#require-mfa",
            "arn:aws:iam::aws:policy/IAMUserChangePassword"
        ]
    );
    let analyst = inv.find_principal("data-analyst").expect("analyst");
    assert_eq!(
        analyst.boundary.as_deref(),
        Some("arn:aws:iam::111122223333:policy/analyst-boundary")
    );
    let admin = inv
        .find_principal("arn:aws:iam::111122223333:role/admin")
        .expect("admin by ARN");
    assert_eq!(
        admin.last_used.as_deref(),
        Some("2026-11-20T17:32:11+00:00")
    );
    assert!(admin.trust_policy.is_some());
    // the default version is used, not the first listed
    let s3ro = &inv.policies["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"];
    assert_eq!(s3ro.kind, PolicyKind::AwsManaged);
    assert_eq!(s3ro.document.statements[0].action.patterns().len(), 4);
    // URL-encoded inline documents decode
    let legacy = &inv.policies["arn:aws:iam::111122223333:user/ops/legacy-ops#power-user-inline"];
    assert_eq!(
        legacy.document.statements[0].sid.as_deref(),
        Some("EverythingButIam")
    );
    // statement spans point into the file
    let text =
        std::fs::read_to_string(fixture("demo/snapshot/authorization-details.json")).expect("read");
    let orders = &inv.policies["arn:aws:iam::111122223333:policy/app/orders-api-data"];
    let span = orders.document.statements[1].span.clone().expect("span");
    assert!(text[span].contains("\"Sid\": \"Logs\""));
}

#[test]
fn a_bad_policy_is_reported_with_its_path_and_the_rest_loads() {
    let r = load_files(&[fixture(
        "aws/authz/bad-effect-in-second-role-inline-policy.json",
    )]);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    let e = &r.errors[0];
    assert_eq!(
        e.json_path,
        "RoleDetailList[1].RolePolicyList[0].PolicyDocument.Statement[1].Effect"
    );
    assert!(
        e.message.contains("unknown variant `allow`"),
        "{}",
        e.message
    );
    assert_eq!(e.line, Some(28), "{e}");
    assert!(e.to_string().starts_with(&format!(
        "{}:28:",
        fixture("aws/authz/bad-effect-in-second-role-inline-policy.json").display()
    )));
    // both roles and the good policies are still there
    assert_eq!(r.inventory.principals.len(), 2);
    let broken = r
        .inventory
        .find_principal("broken")
        .expect("broken role kept");
    assert_eq!(
        broken.policies,
        vec!["arn:aws:iam::222233334444:role/broken#ok"]
    );
}

#[test]
fn structural_errors_name_the_path() {
    let r = load_files(&[fixture("aws/authz/role-name-has-wrong-type.json")]);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].json_path, "RoleDetailList[0].RoleName");
    assert!(
        r.errors[0].message.contains("invalid type: integer `42`"),
        "{}",
        r.errors[0].message
    );
    let r = load_files(&[
        fixture("aws/authz/truncated-mid-user.json"),
        fixture("demo/snapshot/authorization-details.json"),
    ]);
    assert_eq!(
        r.errors.len(),
        1,
        "the truncated file fails, the demo still loads"
    );
    assert!(
        r.errors[0].message.contains("EOF"),
        "{}",
        r.errors[0].message
    );
    assert_eq!(r.inventory.principals.len(), 8);
    let r = load_files(&[fixture("aws/authz/does-not-exist.json")]);
    assert!(r.errors[0].message.contains("cannot read"));
}

#[test]
fn unknown_fields_missing_policies_and_truncation_warn() {
    let r = load_files(&[fixture(
        "aws/authz/unknown-fields-and-missing-managed-policy.json",
    )]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let msgs: Vec<String> = r.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("LoginProfileHint") && m.contains("unknown field")),
        "{msgs:#?}"
    );
    assert!(msgs.iter().any(|m| m.contains("truncated")), "{msgs:#?}");
    assert!(msgs.iter().any(|m| m.contains("ghost-group")), "{msgs:#?}");
    assert!(r
        .missing_policies
        .contains("arn:aws:iam::222233334444:policy/NotExported"));
}

#[test]
fn paginated_pages_merge() {
    let r = load_files(&[
        fixture("aws/authz/paginated-page-1-users.json"),
        fixture("aws/authz/paginated-page-2-groups-and-policies.json"),
    ]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    // page 1 says it is truncated, page 2 completes it: the group resolves across files
    let dave = r.inventory.find_principal("dave").expect("dave");
    assert_eq!(dave.groups, vec!["arn:aws:iam::222233334444:group/admins"]);
    assert!(r.missing_policies.is_empty());
}
