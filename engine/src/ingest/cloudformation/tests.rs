use super::*;
use std::path::Path;

fn load(name: &str) -> Change {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/iac/cloudformation")
        .join(name);
    crate::ingest::change::load(&[path])
}

#[test]
fn short_form_intrinsics_become_long_forms_with_positions() {
    let n = yaml::parse("A: !GetAtt Role.Arn\nB: !Join ['', [x, !Ref Y]]\nC: !Sub 'a-${Z}'\n")
        .expect("yaml");
    assert_eq!(
        n.to_json(),
        serde_json::json!({
            "A": {"Fn::GetAtt": ["Role", "Arn"]},
            "B": {"Fn::Join": ["", ["x", {"Ref": "Y"}]]},
            "C": {"Fn::Sub": "a-${Z}"}
        })
    );
    let b = n.get("B").expect("B");
    assert_eq!(
        (b.line, b.column),
        (2, 1),
        "a block entry starts at its key"
    );
    let e = yaml::parse("A: [1, 2\nB: 3\n").expect_err("unclosed");
    assert_eq!(e.line, 2);
}

#[test]
fn a_yaml_template_yields_roles_policies_and_resource_policies() {
    let change = load("ci-role-managed-policy-and-public-bucket.yaml");
    assert!(change.errors.is_empty(), "{:?}", change.errors);
    let inv = &change.inventory;
    let role = inv.principal("DeployRole").expect("role by logical id");
    assert_eq!((role.name.as_str(), role.path.as_str()), ("deploy", "/ci/"));
    // `ManagedPolicyArns: [!Ref DeployPolicy]` names the template's managed policy
    assert!(role
        .policies
        .contains(&"arn:aws:iam::{AccountId}:policy/DeployPolicy".to_string()));
    assert!(role.policies.contains(&"DeployRole#logs".to_string()));
    // `!Sub` with a pseudo parameter and a resource whose name the template sets
    let bucket = &inv.resource_policies["arn:aws:s3:::acme-public-reports"];
    assert_eq!(
        bucket.document.statements[0]
            .resource
            .as_ref()
            .map(|r| r.patterns().to_vec()),
        Some(vec!["arn:aws:s3:::acme-public-reports/*".to_string()])
    );
    assert_eq!(bucket.document.statements[0].line, Some(18));
    // a queue named by `!Ref`, its ARN from `!GetAtt … .Arn`
    assert!(inv
        .resource_policies
        .contains_key("arn:aws:sqs:{Region}:{AccountId}:intake"));
    // a parameter stays a placeholder, never a guess
    let managed = &inv.policies["arn:aws:iam::{AccountId}:policy/DeployPolicy"];
    assert_eq!(
        managed.document.statements[0]
            .resource
            .as_ref()
            .map(|r| r.patterns().to_vec()),
        Some(vec!["arn:aws:s3:::{ArtifactBucketName}/*".to_string()])
    );
    assert!(change.planned.contains("DeployRole"));
}

#[test]
fn a_json_template_with_long_form_intrinsics() {
    let change = load("app-role-json-with-long-form-intrinsics.json");
    assert!(change.errors.is_empty(), "{:?}", change.errors);
    let data = &change.inventory.policies["AppRole#data"];
    assert_eq!(
        data.document.statements[0]
            .resource
            .as_ref()
            .map(|r| r.patterns().to_vec()),
        Some(vec![
            "arn:aws:dynamodb:{Region}:{AccountId}:table/orders".to_string()
        ])
    );
}

#[test]
fn a_broken_template_is_an_error_at_its_line() {
    let dir = std::env::temp_dir().join(format!("whittle-cfn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let f = dir.join("broken.yaml");
    std::fs::write(
        &f,
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  R: {Type: AWS::IAM::Role\n",
    )
    .expect("write");
    let change = crate::ingest::change::load(&[f]);
    assert_eq!(change.errors.len(), 1, "{:?}", change.errors);
    assert!(change.errors[0].line.is_some());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_sam_function_without_a_role_gets_the_execution_role_sam_creates() {
    let change = load("sam-function-inline-managed-and-template-policies.yaml");
    assert!(change.errors.is_empty(), "{:?}", change.errors);
    let role = change
        .inventory
        .principal("OrderHandlerRole")
        .expect("the implicit role");
    assert_eq!(
        role.policies,
        [
            "arn:aws:iam::aws:policy/AmazonSQSFullAccess",
            "SAM policy template DynamoDBCrudPolicy",
            "OrderHandlerRole#OrderHandlerRolePolicy2",
        ]
    );
    assert!(change
        .inventory
        .principal("ExistingRoleFunctionRole")
        .is_none());
}

#[test]
fn policies_on_undeclared_principals_newer_types_and_unread_constructs() {
    let change = load("existing-roles-single-principal-policies-and-unread-constructs.yaml");
    assert!(change.errors.is_empty(), "{:?}", change.errors);
    let inv = &change.inventory;
    // a role the template only names: a stand-in a snapshot's `ops-admin` replaces
    let ops = inv.principal("ops-admin").expect("stand-in");
    assert_eq!(ops.kind, PrincipalKind::Role);
    assert_eq!(ops.policies, vec!["ops-admin#ops-pass-roles".to_string()]);
    assert!(change.stand_ins.contains("ops-admin") && change.planned.contains("ops-admin"));
    let auditors = inv.principal("auditors").expect("group stand-in");
    assert_eq!(auditors.kind, PrincipalKind::Group);
    // `Roles: [!Ref BatchRoleName]`: a parameter stays a placeholder, never its default
    let batch = inv
        .principal("{BatchRoleName}")
        .expect("parameter-named stand-in");
    assert_eq!(batch.policies, vec!["BatchDataPolicy".to_string()]);
    assert!(inv
        .resource_policies
        .contains_key("arn:aws:sqs:{Region}:{AccountId}:reports"));
    assert!(inv
        .resource_policies
        .contains_key("arn:aws:sns:{Region}:{AccountId}:alerts"));
    // what the template asks for and whittle cannot check: said, with where
    let warnings: Vec<String> = change.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    for (what, line) in [
        ("`Transform: AcmeTagging`", 8),
        ("`PublicInvoke` (AWS::Lambda::Permission)", 81),
        ("`Fn::Transform` (AWS::Include)", 89),
    ] {
        let w = change
            .warnings
            .iter()
            .find(|w| w.to_string().contains(what))
            .unwrap_or_else(|| panic!("no warning for {what}: {warnings:#?}"));
        assert_eq!(w.line, Some(line), "{w}");
    }
}
