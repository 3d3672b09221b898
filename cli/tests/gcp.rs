//! GCP snapshots through the CLI: `inventory` reads gcloud and Asset Inventory exports (told
//! from AWS snapshots by their content) beside AWS snapshots, and says what cannot be read.

mod common;
use common::{json_of, outcome, whittle};

const DIR: &str = "testdata/gcp/iam";

fn files(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| format!("{DIR}/{n}")).collect()
}

#[test]
fn inventory_of_gcp_exports_is_reviewed() {
    let (code, out, err) = outcome(whittle().arg("inventory").arg("--snapshot").args(files(&[
        "project-policy-wrapped.json",
        "custom-roles-gcloud-list.json",
        "asset-export-with-ancestors.jsonl",
        "search-all-iam-policies.json",
    ])));
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("gcp_inventory", out);
}

#[test]
fn aws_and_gcp_snapshots_are_summed_up_side_by_side() {
    let v = json_of(
        whittle()
            .args(["inventory", "--format", "json", "--snapshot"])
            .arg("testdata/demo/snapshot/authorization-details.json")
            .args(files(&["project-policy-wrapped.json"])),
    );
    assert_eq!(v["files"], 1);
    assert!(v["counts"]["roles"].as_u64().is_some_and(|n| n > 0), "{v}");
    let g = &v["gcp"];
    assert_eq!(g["files"], 1);
    assert_eq!(g["bindings"], 8);
    assert_eq!(g["admin_equivalent"][0]["member"], "user:alice@example.com");
    assert_eq!(g["public"][0]["member"], "allUsers");
    // without the custom roles' export, both custom roles are unknown
    assert_eq!(
        g["unknown_roles"],
        serde_json::json!([
            "projects/demo-app-prod/roles/deployer",
            "projects/demo-app-prod/roles/notExported"
        ])
    );
}

#[test]
fn a_bare_policy_and_bad_members_are_named_and_the_rest_is_read() {
    let (code, out, err) = outcome(whittle().args(["inventory", "--snapshot"]).args(files(&[
        "bare-get-iam-policy.json",
        "bad-members-and-a-binding-without-role.json",
        "deny-policy.json",
    ])));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("bare-get-iam-policy.json") && err.contains("jq '{resource:"),
        "{err}"
    );
    assert!(err.contains("`robot:x`: unknown member type"), "{err}");
    assert!(err.contains("deny policy"), "{err}");
    assert!(out.contains("2 binding(s) on 1 resource(s)"), "{out}");
}
