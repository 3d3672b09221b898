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

fn explain(args: &[&str]) -> (Option<i32>, String, String) {
    outcome(
        whittle()
            .args(["explain", "--snapshot"])
            .args(files(&[
                "role-assignments-az-cli.json",
                "role-definitions-az-cli.json",
                "arm-rest-deny-and-assignments.json",
            ]))
            .args(args),
    )
}

/// A principal's assignments by name or object id, whether each grants an operation, and the
/// deny assignment that takes it away where the principal reaches.
#[test]
fn explain_of_an_azure_principal_is_reviewed() {
    let (code, out, err) = explain(&[
        "--principal",
        "ci-deployer",
        "--action",
        "Microsoft.Web/sites/delete",
    ]);
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("azure_explain_ci_deployer", out);
    let v = json_of(
        whittle()
            .args(["explain", "--format", "json", "--snapshot"])
            .args(files(&[
                "role-assignments-az-cli.json",
                "role-definitions-az-cli.json",
            ]))
            .args([
                "--principal",
                "dddddddd-0000-4000-8000-000000000004",
                "--action",
                "Microsoft.Authorization/roleAssignments/write",
            ]),
    );
    assert_eq!(v["principal_name"], "bob@contoso.com");
    let grants: Vec<(&str, bool)> = v["assignments"]
        .as_array()
        .expect("assignments")
        .iter()
        .map(|a| {
            (
                a["role"].as_str().unwrap_or(""),
                a["grants"].as_bool().unwrap_or(true),
            )
        })
        .collect();
    // Reader reads; the `*` custom role takes Microsoft.Authorization/*/Write out again
    assert_eq!(grants, [("Reader", false), ("Everything Operator", false)]);
    let (code, _, err) = explain(&["--principal", "carol@contoso.com"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no principal `carol@contoso.com`"), "{err}");
}

/// Activity Log records beside CloudTrail in one `ingest`: uses by object id, each object
/// recorded with its format.
#[test]
fn ingest_reads_the_activity_log() {
    let dir = common::tmp("azure-ingest");
    let db = dir.join("usage.db");
    let (code, out, err) = outcome(
        whittle()
            .args(["ingest", "--no-journal", "--db"])
            .arg(&db)
            .args(["testdata/azure/activity", "testdata/demo/cloudtrail"]),
    );
    // the export's last line is cut short: named, exit 1, the rest counted
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("PT1H.json") && err.contains("line 3"), "{err}");
    assert!(out.contains("1366 events"), "{out}");
    let (code, show, err) = outcome(
        whittle()
            .args(["usage", "show", "--db"])
            .arg(&db)
            .args(["--principal", "bbbbbbbb-0000-4000-8000-000000000002"]),
    );
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("azure_usage_show_app", show);
    let formats = common::store_dump(&db, &["SELECT DISTINCT source FROM log_objects"]);
    assert_eq!(
        formats,
        [r#"Text("azure-activity")"#, r#"Text("cloudtrail")"#]
    );
}

/// With the management-group tree among the snapshots, an assignment on a group shows the
/// subscriptions it reaches.
#[test]
fn a_management_group_assignment_reaches_its_subscriptions() {
    let v = json_of(
        whittle()
            .args(["explain", "--format", "json", "--snapshot"])
            .args(files(&[
                "role-assignments-az-cli.json",
                "management-groups-az-cli.json",
            ]))
            .args(["--principal", "ci-deployer"]),
    );
    let mg = &v["assignments"][0];
    assert_eq!(mg["level"], "management-group");
    assert_eq!(
        mg["reaches"],
        serde_json::json!(["/subscriptions/11111111-2222-3333-4444-555555555555"])
    );
}

/// `explain --db`: per assignment the operations used in the window that its role grants, and the
/// asked operation's last use.
#[test]
fn explain_with_a_store_shows_held_versus_used() {
    let dir = common::tmp("azure-explain-db");
    let db = dir.join("usage.db");
    let (code, _, err) = outcome(
        whittle()
            .args(["ingest", "-q", "--no-journal", "--db"])
            .arg(&db)
            .arg("testdata/azure/activity"),
    );
    assert_eq!(code, Some(1), "{err}");
    let (code, out, err) = explain_with_db(&db, "Microsoft.Compute/virtualMachines/write");
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("used in the window: Microsoft.Compute/virtualMachines/write"),
        "{out}"
    );
    assert!(
        out.contains("last used 2026-11-02T08:02:00Z (1 call(s))"),
        "{out}"
    );
    let (_, out, _) = explain_with_db(&db, "Microsoft.Compute/virtualMachines/delete");
    assert!(
        out.contains("not seen in the Activity Log (it cannot vouch that it was unused)"),
        "{out}"
    );
}

fn explain_with_db(db: &std::path::Path, op: &str) -> (Option<i32>, String, String) {
    outcome(
        whittle()
            .args(["explain", "--now", "2026-11-30", "--db"])
            .arg(db)
            .arg("--snapshot")
            .args(files(&["role-assignments-az-cli.json"]))
            .args(["--principal", "alice@contoso.com", "--action", op]),
    )
}

#[test]
fn check_holds_azure_assignments_to_the_builtin_guardrails() {
    let (code, out, err) = outcome(
        whittle()
            .args(["check", "--rules", "@builtin", "--snapshot"])
            .args(files(&[
                "role-assignments-az-cli.json",
                "role-definitions-az-cli.json",
                "management-groups-az-cli.json",
                "arm-rest-deny-and-assignments.json",
            ])),
    );
    assert_eq!(code, Some(1), "{err}");
    insta::assert_snapshot!("azure_check", out);
}

/// `usage summary` over a store with GCP and Azure logs: a coverage section per provider, each
/// saying what its logs cannot show (Data Access where not enabled; the data plane).
#[test]
fn usage_summary_speaks_of_each_cloud_in_its_own_words() {
    let dir = common::tmp("three-clouds-summary");
    let db = dir.join("usage.db");
    let (code, _, err) = outcome(
        whittle()
            .args(["ingest", "-q", "--no-journal", "--db"])
            .arg(&db)
            .args([
                "testdata/gcp/audit",
                "testdata/azure/activity/az-activity-log-list.json",
            ]),
    );
    // the GCP sink export has a bad line on purpose: named, exit 1, the rest counted
    assert_eq!(code, Some(1), "{err}");
    let (code, out, err) = outcome(whittle().args(["usage", "summary", "--db"]).arg(&db));
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.contains("coverage by account and region:"), "{out}");
    insta::assert_snapshot!("gcp_and_azure_usage_summary", out);
}

/// `check --principal` takes an Azure principal's UPN: its findings name its object id.
#[test]
fn check_finds_an_azure_principal_by_its_upn() {
    let (code, out, err) = outcome(
        whittle()
            .args([
                "check",
                "--rules",
                "@builtin",
                "--principal",
                "Alice@Contoso.com",
            ])
            .arg("--snapshot")
            .args(files(&[
                "role-assignments-az-cli.json",
                "role-definitions-az-cli.json",
            ])),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        out.contains(
            "azure-privileged-role-at-subscription-or-above  aaaaaaaa-0000-4000-8000-000000000001"
        ) && out.contains("1 finding(s)"),
        "{out}"
    );
}

/// `usage show --principal` takes the UPN a user signed in with: the Activity Log names it
/// beside the object id, and the usage is shown under the object id, the UPN as its session.
#[test]
fn usage_show_finds_an_azure_user_by_its_upn() {
    let db = common::tmp("azure-upn").join("usage.db");
    let (code, _, err) = outcome(
        whittle()
            .args(["ingest", "-q", "--no-journal", "--db"])
            .arg(&db)
            .arg("testdata/azure/activity/az-activity-log-list.json"),
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, out, err) = outcome(
        whittle()
            .args(["usage", "show", "--principal", "Alice@Contoso.com", "--db"])
            .arg(&db),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with("aaaaaaaa-0000-4000-8000-000000000001: 1 permission/resource pair(s)")
            && out.contains("signed in as alice@contoso.com"),
        "{out}"
    );
}
