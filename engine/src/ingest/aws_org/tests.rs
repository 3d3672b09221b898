use super::*;
use crate::model::OrgPolicyKind;

fn fixture() -> OrgReport {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/aws/org/root-prod-ou-two-accounts-scps-and-rcp.json");
    parse(&SourceFile::read(&path).expect("fixture"))
}

#[test]
fn the_tree_and_the_levels_of_each_account() {
    let r = fixture();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let org = r.organization.expect("organisation");
    assert_eq!(org.management_account.as_deref(), Some("999999999999"));
    assert_eq!(
        org.path("111122223333").expect("in the tree"),
        ["r-ab12", "ou-ab12-prod0001", "111122223333"]
    );
    let scps = org
        .levels("111122223333", OrgPolicyKind::ServiceControl)
        .expect("levels");
    let names: Vec<Vec<&str>> = scps
        .iter()
        .map(|l| l.iter().map(|p| p.name.as_str()).collect())
        .collect();
    assert_eq!(
        names,
        [
            vec!["FullAWSAccess"],
            vec!["FullAWSAccess", "DenyLeavingAndTrailTampering"],
            vec!["FullAWSAccess"]
        ]
    );
    let rcps = org
        .levels("444455556666", OrgPolicyKind::ResourceControl)
        .expect("levels");
    assert_eq!(rcps.iter().map(Vec::len).collect::<Vec<_>>(), [1, 0, 0]);
    assert!(org
        .levels("000000000000", OrgPolicyKind::ServiceControl)
        .is_none());
    // statements of an inline document point at their line
    let deny = &org.policies[1].document.statements[0];
    assert_eq!(deny.line, Some(24));
}

#[test]
fn unknown_targets_and_other_policy_types_are_warnings() {
    let r = fixture();
    let w: Vec<String> = r.warnings.iter().map(ToString::to_string).collect();
    assert!(
        w.iter()
            .any(|m| m.contains("target `ou-gone-0000` of OrgIdentitiesOnly is not in the export")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|m| m.contains("policy type `TAG_POLICY` is not an SCP or RCP")),
        "{w:?}"
    );
}

#[test]
fn a_cycle_and_an_unknown_parent_are_errors() {
    let text = r#"{"Organization":{"Id":"o-x"},"Roots":[{"Id":"r-1"}],
      "OrganizationalUnits":[{"Id":"ou-a","ParentId":"ou-b"},{"Id":"ou-b","ParentId":"ou-a"}],
      "Accounts":[{"Id":"111122223333","ParentId":"ou-zz"}]}"#;
    let r = parse(&SourceFile::from_text("org.json", text));
    let e: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
    assert!(e.iter().any(|m| m.contains("cycle")), "{e:?}");
    assert!(
        e.iter().any(|m| m.contains("names parent `ou-zz`")),
        "{e:?}"
    );
}
