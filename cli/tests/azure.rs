//! Azure RBAC exports through the CLI: `inventory` reads `az` and ARM exports, told from AWS and
//! GCP snapshots by content, and says what cannot be read.

mod common;
use common::{json_of, outcome, whittle};

const DIR: &str = "testdata/azure/rbac";

fn files(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| format!("{DIR}/{n}")).collect()
}

#[test]
fn inventory_of_azure_exports_is_reviewed() {
    let (code, out, err) = outcome(whittle().arg("inventory").arg("--snapshot").args(files(&[
        "role-assignments-az-cli.json",
        "role-definitions-az-cli.json",
        "arm-rest-deny-and-assignments.json",
    ])));
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("azure_inventory", out);
}

#[test]
fn three_clouds_side_by_side_and_bad_items_named() {
    let v = json_of(
        whittle()
            .args(["inventory", "--format", "json", "--snapshot"])
            .arg("testdata/demo/snapshot/authorization-details.json")
            .arg("testdata/gcp/iam/project-policy-wrapped.json")
            .args(files(&["role-assignments-az-cli.json"])),
    );
    assert_eq!(v["files"], 1);
    assert_eq!(v["gcp"]["files"], 1);
    let az = &v["azure"];
    assert_eq!(az["assignments"], 9);
    assert_eq!(az["privileged"][0]["principal"], "alice@contoso.com");
    assert_eq!(az["deleted_principals"].as_array().map(Vec::len), Some(1));

    let (code, out, err) = outcome(
        whittle()
            .args(["inventory", "--snapshot"])
            .args(files(&["bad-assignments.json"])),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(".value[0]") && err.contains("`roleDefinitionId` is not a string"),
        "{err}"
    );
    assert!(out.contains("1 role assignment(s)"), "{out}");
}
