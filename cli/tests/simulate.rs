//! `whittle simulate` over the whole decision: the caller, resource policies across accounts,
//! SCP and RCP levels, anonymous callers, and `blocked_by` naming the policy types that denied.

use serde_json::Value;

mod common;
use common::{json_of, whittle};

const P: &str = "testdata/aws/policies";

fn simulate(args: &[&str]) -> Value {
    json_of(
        whittle()
            .arg("simulate")
            .args(args)
            .args(["--format", "json"]),
    )
}

fn policy(name: &str) -> String {
    format!("{P}/{name}")
}

#[test]
fn cross_account_reads_need_the_bucket_policy_to_trust_the_caller() {
    let identity = policy("identity-s3-read-any-bucket.json");
    let base = [
        "--principal",
        "arn:aws:iam::111122223333:role/analytics",
        "--resource-account",
        "444455556666",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::shared-reports/2026/q3.csv",
        "--policy",
        &identity,
    ];
    let v = simulate(&base);
    assert_eq!(v["decision"], "implicit-deny", "{v}");
    assert_eq!(v["blocked_by"], serde_json::json!(["resource"]));
    let bucket = policy("bucket-policy-trusts-account-111122223333.json");
    let mut with = base.to_vec();
    with.extend(["--resource-policy", &bucket]);
    let v = simulate(&with);
    assert_eq!(v["decision"], "allowed", "{v}");
    assert_eq!(v["blocked_by"], serde_json::json!([]));
    // the bucket trusts the account, not this other one
    let other = [
        "--principal",
        "arn:aws:iam::777788889999:role/analytics",
        "--resource-account",
        "444455556666",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::shared-reports/2026/q3.csv",
        "--policy",
        &identity,
        "--resource-policy",
        &bucket,
    ];
    assert_eq!(simulate(&other)["decision"], "implicit-deny");
}

#[test]
fn scp_levels_and_an_empty_level() {
    let root = policy("scp-root-full-access.json");
    let ou = policy("scp-ou-deny-outside-eu-and-full-access.json");
    let empty = policy("scp-level-with-nothing-attached.json");
    let identity = policy("identity-s3-read-any-bucket.json");
    let common = [
        "--principal",
        "arn:aws:iam::111122223333:role/analytics",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::data/x",
        "--policy",
        &identity,
        "--scp",
        &root,
        "--scp",
        &ou,
        "--complete-context",
    ];
    let mut eu = common.to_vec();
    eu.extend(["--context", "aws:RequestedRegion=eu-west-1", "--scp", &root]);
    assert_eq!(simulate(&eu)["decision"], "allowed");
    let mut us = common.to_vec();
    us.extend(["--context", "aws:RequestedRegion=us-east-1", "--scp", &root]);
    let v = simulate(&us);
    assert_eq!(v["decision"], "explicit-deny");
    assert_eq!(v["blocked_by"], serde_json::json!(["scp"]));
    assert_eq!(v["deciding"][0]["role"], "scp");
    let mut nothing = common.to_vec();
    nothing.extend([
        "--context",
        "aws:RequestedRegion=eu-west-1",
        "--scp",
        &empty,
    ]);
    let v = simulate(&nothing);
    assert_eq!(
        v["decision"], "implicit-deny",
        "the account level attaches nothing"
    );
    assert_eq!(v["blocked_by"], serde_json::json!(["scp"]));
    nothing.push("--management-account");
    assert_eq!(
        simulate(&nothing)["decision"],
        "allowed",
        "SCPs spare the management account"
    );
}

#[test]
fn an_rcp_denies_callers_outside_the_organisation() {
    let rcp = policy("rcp-deny-principals-outside-org.json");
    let bucket = policy("bucket-policy-public-read.json");
    let args = |org: &'static str| {
        vec![
            "--anonymous".to_string(),
            "--action".into(),
            "s3:GetObject".into(),
            "--resource".into(),
            "arn:aws:s3:::public-site/index.html".into(),
            "--resource-policy".into(),
            bucket.clone(),
            "--rcp".into(),
            rcp.clone(),
            "--complete-context".into(),
            "--context".into(),
            format!("aws:PrincipalOrgID={org}"),
        ]
    };
    let outside: Vec<String> = args("o-someoneelse");
    let outside: Vec<&str> = outside.iter().map(String::as_str).collect();
    let v = simulate(&outside);
    assert_eq!(v["decision"], "explicit-deny", "{v}");
    assert_eq!(v["blocked_by"], serde_json::json!(["rcp"]));
    let inside: Vec<String> = args("o-exampleorg");
    let inside: Vec<&str> = inside.iter().map(String::as_str).collect();
    assert_eq!(simulate(&inside)["decision"], "allowed");
}

#[test]
fn anonymous_callers_and_no_identity_policy_at_all() {
    let bucket = policy("bucket-policy-public-read.json");
    let v = simulate(&[
        "--anonymous",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::public-site/index.html",
        "--resource-policy",
        &bucket,
    ]);
    assert_eq!(v["decision"], "allowed");
    let v = simulate(&[
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::private/x",
    ]);
    assert_eq!(
        v["decision"], "implicit-deny",
        "no --policy: no identity policy, not an error"
    );
    assert_eq!(v["blocked_by"], serde_json::json!(["identity"]));
}

#[test]
fn a_principal_element_in_an_identity_policy_is_warned_about_and_evaluated() {
    let out = whittle()
        .args([
            "simulate",
            "--policy",
            &policy("bucket-policy-public-read.json"),
        ])
        .args([
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::public-site/a",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`Principal` or `NotPrincipal` is not allowed here (evaluated as given)"),
        "{err}"
    );
    let bad = whittle()
        .args([
            "simulate",
            "--principal",
            "alice",
            "--action",
            "s3:GetObject",
        ])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is neither an IAM ARN"));
}

#[test]
fn a_resource_pattern_asks_about_some_resource_it_matches() {
    let p = policy("identity-read-bucket-except-secret-prefix.json");
    let ask = |resource: &str| {
        simulate(&[
            "--policy",
            &p,
            "--action",
            "s3:GetObject",
            "--resource",
            resource,
        ])
    };
    let v = ask("arn:aws:s3:::data/*");
    assert_eq!(
        v["decision"], "allowed",
        "some object outside secret/ is readable"
    );
    let w = v["resource_witness"].as_str().expect("a witness");
    assert!(
        w.starts_with("arn:aws:s3:::data/") && !w.contains("secret"),
        "{w}"
    );
    let v = ask("arn:aws:s3:::data/secret/*");
    assert_eq!(
        v["decision"], "explicit-deny",
        "every object under secret/ is denied"
    );
    assert_eq!(ask("arn:aws:s3:::other/*")["decision"], "implicit-deny");
    assert!(ask("arn:aws:s3:::data/report.csv")["resource_witness"].is_null());
}

#[test]
fn explain_with_an_organisation_export_shows_what_its_scps_block() {
    let v = json_of(
        whittle()
            .args(["explain", "--principal", "admin", "--snapshot"])
            .arg("testdata/demo/snapshot/authorization-details.json")
            .arg("--snapshot")
            .arg("testdata/aws/org/root-prod-ou-two-accounts-scps-and-rcp.json")
            .args(["--action", "cloudtrail:*Logging", "--format", "json"]),
    );
    assert_eq!(
        v["blocked"][0]["actions"],
        serde_json::json!(["cloudtrail:StopLogging"])
    );
    assert_eq!(v["blocked"][0]["origin"]["sid"], "NoTrailTampering");
    assert_eq!(v["blocked"][0]["origin"]["policy_kind"], "service-control");
    let held: Vec<&str> = v["grants"][0]["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        held,
        ["cloudtrail:StartLogging"],
        "StopLogging is not effective"
    );
}

#[test]
fn explain_lists_who_can_assume_a_role() {
    let run = |role: &str| -> Value {
        json_of(
            whittle()
                .args(["explain", "--format", "json", "--principal", role])
                .arg("--snapshot")
                .arg("testdata/demo/snapshot/authorization-details.json"),
        )
    };
    let v = run("data-analyst");
    assert_eq!(v["assumable_by"]["trusted"][0]["type"], "AWS");
    assert_eq!(
        v["assumable_by"]["trusted"][0]["value"],
        "arn:aws:iam::111122223333:root"
    );
    let callers: Vec<&str> = v["assumable_by"]["callers"]
        .as_array()
        .expect("callers")
        .iter()
        .filter_map(|c| c["principal"].as_str())
        .collect();
    assert!(
        callers.contains(&"arn:aws:iam::111122223333:user/ops/legacy-ops"),
        "{callers:?}"
    );
    assert!(
        !callers.contains(&"arn:aws:iam::111122223333:user/alice"),
        "alice holds no sts:AssumeRole"
    );
    let v = run("ci-deployer");
    assert_eq!(v["assumable_by"]["trusted"][0]["type"], "Federated");
    assert_eq!(v["assumable_by"]["callers"], serde_json::json!([]));
    assert!(
        run("alice")["assumable_by"].is_null(),
        "users have no trust policy"
    );
}

#[test]
fn explain_shows_access_resource_policies_grant() {
    let v = json_of(
        whittle()
            .args([
                "explain",
                "--format",
                "json",
                "--principal",
                "data-analyst",
                "--snapshot",
            ])
            .arg("testdata/demo/snapshot/authorization-details.json")
            .arg("--snapshot")
            .arg("testdata/aws/resource-policies/bucket-trusts-analyst-role-and-public-queue.json"),
    );
    let grants = v["resource_grants"].as_array().expect("resource grants");
    let sids: Vec<&str> = grants
        .iter()
        .filter_map(|g| g["origin"]["sid"].as_str())
        .collect();
    assert_eq!(
        sids,
        ["AnalystReadsCurated", "AnyoneMaySend"],
        "the partner-account statement names another account"
    );
    assert_eq!(grants[0]["naming"], "directly");
    assert_eq!(grants[0]["origin"]["location"]["line"], 5);
    assert_eq!(
        grants[1]["resource"],
        "arn:aws:sqs:eu-west-1:111122223333:orders-intake"
    );
}
