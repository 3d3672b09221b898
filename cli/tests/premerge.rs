//! `whittle check PATH...`: what a pull request declares, validated and checked against the rules.

use serde_json::Value;

mod common;
use common::{outcome, whittle};

const FILES: &str = "testdata/iac/policy-files";

fn check(args: &[&str]) -> (Option<i32>, String, String) {
    outcome(
        whittle()
            .arg("check")
            .args(args)
            .args(["--rules", "@builtin", "--now", "2026-11-25"]),
    )
}

#[test]
fn policy_files_are_validated_and_held_to_the_rules() {
    let (code, text, err) = check(&[FILES]);
    assert_eq!(code, Some(1), "{err}");
    insta::assert_snapshot!("check_policy_files_text", text);
}

#[test]
fn findings_point_at_file_line_and_column_in_json_and_sarif() {
    let (code, out, err) = check(&[FILES, "--format", "json"]);
    assert_eq!(code, Some(1), "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    let unknown = findings
        .iter()
        .find(|f| f["rule"] == "policy-unknown-action")
        .expect("the misspelt action");
    let loc = &unknown["granted_by"]["location"];
    assert_eq!(
        loc["file"],
        "testdata/iac/policy-files/deploy-role-policy.json"
    );
    assert_eq!(
        (loc["line"].as_u64(), loc["column"].as_u64()),
        (Some(7), Some(35))
    );
    assert_eq!(unknown["severity"], "high");
    // the OIDC trust policy pins no repository
    assert!(findings
        .iter()
        .any(|f| f["rule"] == "policy-trust-any-principal"
            && f["principal"] == "testdata/iac/policy-files/ci-role-trust.json"));
    let (_, out, _) = check(&[FILES, "--format", "sarif"]);
    let v: Value = serde_json::from_str(&out).expect("sarif");
    let run = &v["runs"][0];
    let result = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "policy-unknown-action")
        .expect("result");
    let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(
        artifact["uri"],
        "testdata/iac/policy-files/deploy-role-policy.json"
    );
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(7), Some(35))
    );
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(rules.iter().any(|r| r["id"] == "policy-unknown-action"
        && r["name"] == "PolicyUnknownAction"
        && r["helpUri"]
            .as_str()
            .is_some_and(|u| u.ends_with("docs/validation.md"))
        && r["help"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("catalog expand"))));
}

#[test]
fn a_named_file_whittle_does_not_read_is_exit_2_and_the_others_are_still_checked() {
    let (code, out, err) = check(&[FILES, "testdata/demo/snapshot/authorization-details.json"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("authorization-details.json"), "{err}");
    assert!(err.contains("authorization-details snapshot"), "{err}");
    assert!(out.contains("policy-unknown-action"), "{out}");
    // neither a path nor a snapshot: a usage error
    let out = whittle().args(["check"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn rules_explain_knows_the_validation_checks() {
    let out = whittle()
        .args([
            "rules",
            "explain",
            "policy-trust-any-principal",
            "--rules",
            "@builtin",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("policy-trust-any-principal (critical)"),
        "{text}"
    );
}

const PLAN: &str = "testdata/iac/terraform/plan-ci-role-policies-attachment-module-and-bucket.json";

#[test]
fn a_terraform_plan_is_checked_for_what_it_changes() {
    let (code, text, err) = check(&[PLAN]);
    assert_eq!(code, Some(1), "{err}");
    insta::assert_snapshot!("check_terraform_plan_text", text);
    let (_, out, _) = check(&[PLAN, "--format", "json"]);
    let v: Value = serde_json::from_str(&out).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    let principals: Vec<&str> = findings
        .iter()
        .filter_map(|f| f["principal"].as_str())
        .collect();
    assert!(principals.contains(&"aws_iam_role.deploy"));
    // the unchanged role's administrator policy is not a finding of this change
    assert!(
        !principals.iter().any(|p| p.contains("existing")),
        "{principals:?}"
    );
    assert!(findings
        .iter()
        .any(|f| f["rule"] == "policy-known-after-apply" && f["severity"] == "info"));
}

#[test]
fn a_broken_plan_is_exit_2_with_its_position_and_the_rest_is_still_checked() {
    let (code, out, err) = check(&[
        "testdata/iac/terraform-bad/plan-second-change-actions-not-a-list.json",
        "testdata/iac/terraform-bad/plan-truncated-mid-resource-change.json",
    ]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        err.contains("plan-second-change-actions-not-a-list.json:54:27")
            && err.contains("resource_changes[1]")
            && err.contains("this resource change is skipped"),
        "{err}"
    );
    assert!(
        err.contains("plan-truncated-mid-resource-change.json:48:18"),
        "{err}"
    );
    // the intact changes of the first plan were read: the role and its trust policy
    assert!(out.contains("policy-trust-any-principal"), "{out}");
}

#[test]
fn cloudformation_templates_yaml_and_json_are_checked() {
    let (code, text, err) = check(&["testdata/iac/cloudformation"]);
    assert_eq!(code, Some(1), "{err}");
    // AdministratorAccess attached by ARN, with no snapshot to read it from: its document is
    // known (`*` on `*`), so the role is an administrator, not an attachment left unread
    assert!(
        text.contains("aws-admin-equivalent-grant  AppRole"),
        "{text}"
    );
    assert!(
        !text.contains("policy-attached-not-read  AppRole"),
        "{text}"
    );
    insta::assert_snapshot!("check_cloudformation_text", text);
}

#[test]
fn the_access_diff_against_a_plans_before_state_and_against_a_baseline() {
    let (code, out, err) = check(&[
        "testdata/iac/terraform/plan-existing-role-gains-s3-write-and-loses-sqs.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let d = &v["access_diff"][0];
    assert_eq!(d["principal"], "arn:aws:iam::111122223333:role/reports");
    assert_eq!(d["new_principal"], false);
    assert_eq!(
        d["added"][0]["actions"],
        serde_json::json!(["s3:DeleteObject", "s3:PutObject"])
    );
    assert_eq!(
        d["removed"][0]["actions"],
        serde_json::json!(["sqs:SendMessage"])
    );
    let (_, md, _) = check(&[
        "testdata/iac/terraform/plan-existing-role-gains-s3-write-and-loses-sqs.json",
        "--format",
        "markdown",
    ]);
    assert!(
        md.contains("#### Access this change adds and removes"),
        "{md}"
    );
    // a template against its base-branch version
    let (code, out, err) = check(&[
        "testdata/iac/cloudformation/ci-role-managed-policy-and-public-bucket.yaml",
        "--baseline",
        "testdata/iac/cloudformation-base/ci-role-managed-policy-and-public-bucket.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(1), "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let diffs = v["access_diff"].as_array().expect("diffs");
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert_eq!(diffs[0]["principal"], "DeployRole");
    assert_eq!(diffs[0]["added"][0]["resources"], "*");
    assert_eq!(
        diffs[0]["added"][0]["actions"],
        serde_json::json!(["iam:PassRole"])
    );
    assert_eq!(
        diffs[0]["removed"][0]["actions"],
        serde_json::json!(["logs:DescribeLogStreams"])
    );
}

#[test]
fn the_markdown_report_says_what_and_where_for_a_pr_comment() {
    let (code, md, err) = check(&[FILES, "--format", "markdown"]);
    assert_eq!(code, Some(1), "{err}");
    insta::assert_snapshot!("check_policy_files_markdown", md);
}

#[test]
fn with_a_snapshot_a_role_the_plan_names_is_the_accounts_and_only_what_the_change_touches_is_reported(
) {
    let (code, out, err) = check(&[
        "testdata/iac/terraform/plan-inline-policy-on-existing-orders-api-role.json",
        "--snapshot",
        "testdata/demo/snapshot/authorization-details.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(1), "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let principals: std::collections::BTreeSet<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["principal"].as_str())
        .collect();
    assert_eq!(
        principals.into_iter().collect::<Vec<_>>(),
        [
            "arn:aws:iam::111122223333:role/app/orders-api",
            "aws_iam_role_policy.orders_extra (orders-api)"
        ],
        "the demo account's own findings (admin, ci-deployer) are context, not this change's"
    );
    // the role's managed policy is in the snapshot: nothing attached goes unread
    assert!(!v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["rule"] == "policy-attached-not-read"));
    let d = &v["access_diff"][0];
    assert_eq!(
        d["principal"],
        "arn:aws:iam::111122223333:role/app/orders-api"
    );
    assert_eq!(d["added"].as_array().map(Vec::len), Some(2));
}

/// What a template asks for and whittle cannot check (a macro, `AWS::Include`, a resource type
/// it does not read) used to go to stderr only: a PR comment or a code-scanning run looked as if
/// everything had been checked.
#[test]
fn what_is_not_checked_is_said_in_every_format() {
    const T: &str = "testdata/iac/cloudformation/existing-roles-single-principal-policies-and-unread-constructs.yaml";
    let (code, md, err) = check(&[T, "--format", "markdown"]);
    assert_eq!(code, Some(1), "{err}");
    insta::assert_snapshot!("check_not_checked_markdown", md);
    let (_, out, _) = check(&[T, "--format", "json"]);
    let v: Value = serde_json::from_str(&out).expect("json");
    let warnings = v["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    let (_, out, _) = check(&[T, "--format", "sarif"]);
    let v: Value = serde_json::from_str(&out).expect("sarif");
    let invocation = &v["runs"][0]["invocations"][0];
    // read but not checked: still a successful run, with warning notifications where they are
    assert_eq!(invocation["executionSuccessful"], Value::Bool(true));
    let lines: Vec<(&str, u64)> = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .map(|n| {
            (
                n["level"].as_str().unwrap_or_default(),
                n["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![("warning", 8), ("warning", 81), ("warning", 89)]
    );
}

/// A policy rendered by an `aws_iam_policy_document` Terraform reads during apply is checked
/// from the statement blocks the plan knows; what only apply knows is a named placeholder.
#[test]
fn a_policy_document_read_during_apply_is_checked_with_placeholders() {
    let (code, text, err) = check(&[
        "testdata/iac/terraform/plan-role-policy-from-a-policy-document-read-during-apply.json",
    ]);
    assert_eq!(code, Some(1), "{err}");
    insta::assert_snapshot!("check_policy_document_read_during_apply_text", text);
}
