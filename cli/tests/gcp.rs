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
    // the deny policy is read and applied, not reported
    assert!(!err.contains("deny policy"), "{err}");
    assert!(out.contains("1 deny policy(ies)"), "{out}");
    assert!(out.contains("2 binding(s) on 1 resource(s)"), "{out}");
}

fn explain(args: &[&str]) -> (Option<i32>, String, String) {
    outcome(
        whittle()
            .args(["explain", "--snapshot"])
            .args(files(&[
                "asset-export-with-ancestors.jsonl",
                "project-policy-wrapped.json",
                "custom-roles-gcloud-list.json",
            ]))
            .args(args),
    )
}

/// Each binding that reaches a member — through a collective, with its condition decided or
/// kept, inherited down the hierarchy — and per matching permission the bindings that grant it.
#[test]
fn explain_of_a_gcp_member_is_reviewed() {
    let (code, out, err) = explain(&[
        "--principal",
        "bob@example.com",
        "--action",
        "storage.objects.get*",
    ]);
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("gcp_explain_bob", out);
    let (code, out, err) = explain(&["--principal", "group:ops@example.com"]);
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("gcp_explain_folder_binding", out);
}

#[test]
fn explain_json_and_unknown_members() {
    let v = json_of(
        whittle()
            .args(["explain", "--format", "json", "--snapshot"])
            .args(files(&["asset-export-with-ancestors.jsonl"]))
            .args([
                "--principal",
                "user:admin@example.com",
                "--action",
                "resourcemanager.projects.get",
            ]),
    );
    assert_eq!(v["catalog"]["provider"], "gcp");
    assert_eq!(v["principal"], "user:admin@example.com");
    assert_eq!(v["bindings"][0]["resource"], "organizations/123456789012");
    let reaches = v["bindings"][0]["reaches"].as_array().expect("reaches");
    assert!(reaches.iter().any(|r| r == "projects/987654321098"), "{v}");
    assert_eq!(
        v["permissions"]["resourcemanager.projects.get"][0]["role"],
        "roles/resourcemanager.organizationAdmin"
    );
    assert_eq!(v["not_held"], 0);
    let (code, _, err) = explain(&["--principal", "alic@example.com"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no principal `alic@example.com`"), "{err}");
}

/// Cloud Audit Logs and CloudTrail in one `ingest`, told apart by content: GCP uses by member,
/// permission and resource; the impersonator kept as the session; each object recorded with
/// its format.
#[test]
fn ingest_reads_cloud_audit_logs_beside_cloudtrail() {
    let dir = common::tmp("gcp-ingest");
    let db = dir.join("usage.db");
    let (code, out, err) = outcome(
        whittle()
            .args(["ingest", "--no-journal", "--db"])
            .arg(&db)
            .args(["testdata/gcp/audit", "testdata/demo/cloudtrail"]),
    );
    // two entries of the sink export cannot be used (named on stderr): exit 1, the rest counted
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("line 11") && err.contains("no `timestamp`"),
        "{err}"
    );
    assert!(out.contains("1367 events"), "{out}");
    let (code, show, err) = outcome(whittle().args(["usage", "show", "--db"]).arg(&db).args([
        "--principal",
        "serviceAccount:ci-deployer@demo-app-prod.iam.gserviceaccount.com",
    ]));
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("gcp_usage_show_service_account", show);
    let formats = common::store_dump(&db, &["SELECT DISTINCT source FROM log_objects"]);
    assert_eq!(formats, [r#"Text("cloudtrail")"#, r#"Text("gcp-audit")"#]);
    let sessions = common::store_dump(
        &db,
        &["SELECT p.ident, s.session FROM sessions s JOIN principals p ON p.id = s.principal WHERE p.provider = 'gcp'"],
    );
    assert_eq!(
        sessions,
        [
            r#"Text("serviceAccount:deployer@demo-app-prod.iam.gserviceaccount.com")|Text("impersonated by alice@example.com")"#
        ]
    );
}

/// `explain --action` says which deny policy takes a held permission away, and where it is attached.
#[test]
fn explain_names_the_deny_policy_in_the_way() {
    let (code, out, err) = outcome(
        whittle()
            .args(["explain", "--snapshot"])
            .args(files(&["project-policy-wrapped.json", "deny-policy.json"]))
            .args([
                "--principal",
                "alice@example.com",
                "--action",
                "iam.serviceAccountKeys.create",
            ]),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("denied by deny policy policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fdemo-app-prod/denypolicies/no-sa-keys on projects/demo-app-prod"),
        "{out}"
    );
}

/// `explain --db`: per binding how many of its permissions were used in the window, per
/// permission the last use the store saw — and no claim of non-use the logs cannot back.
#[test]
fn explain_with_a_store_shows_held_versus_used() {
    let dir = common::tmp("gcp-explain-db");
    let db = dir.join("usage.db");
    let (code, _, err) = outcome(
        whittle()
            .args(["ingest", "-q", "--no-journal", "--db"])
            .arg(&db)
            .arg("testdata/gcp/audit"),
    );
    assert_eq!(code, Some(1), "{err}");
    let v = json_of(
        whittle()
            .args(["explain", "--format", "json", "--now", "2026-11-30", "--db"])
            .arg(&db)
            .arg("--snapshot")
            .args(files(&["project-policy-wrapped.json"]))
            .args(["--principal", "alice@example.com"]),
    );
    let viewer = v["bindings"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["role"] == "roles/storage.objectViewer"))
        .expect("binding");
    assert_eq!(viewer["used_in_window"], 1);
    let (code, out, err) = outcome(
        whittle()
            .args(["explain", "--now", "2026-11-30", "--db"])
            .arg(&db)
            .arg("--snapshot")
            .args(files(&["project-policy-wrapped.json"]))
            .args([
                "--principal",
                "alice@example.com",
                "--action",
                "storage.objects.*",
            ]),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("last used 2026-11-03T09:00:00Z (2 call(s))"),
        "{out}"
    );
    assert!(
        out.contains("not seen in the logs (they cannot vouch for GCP permissions yet)"),
        "{out}"
    );
}

#[test]
fn check_holds_gcp_bindings_to_the_builtin_guardrails() {
    let (code, out, err) = outcome(
        whittle()
            .args(["check", "--rules", "@builtin", "--snapshot"])
            .args(files(&[
                "project-policy-wrapped.json",
                "custom-roles-gcloud-list.json",
                "deny-policy.json",
            ])),
    );
    // a critical finding (allUsers) fails the check at the default `--fail-on high`
    assert_eq!(code, Some(1), "{err}");
    insta::assert_snapshot!("gcp_check", out);
}

#[test]
fn check_of_gcp_bindings_in_sarif_points_at_each_binding() {
    let (code, out, err) = outcome(
        whittle()
            .args([
                "check",
                "--rules",
                "@builtin",
                "--format",
                "sarif",
                "--snapshot",
            ])
            .args(files(&["project-policy-wrapped.json"])),
    );
    assert_eq!(code, Some(1), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    let results = v["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let public = results
        .iter()
        .find(|r| r["ruleId"] == "gcp-public-binding")
        .unwrap_or_else(|| panic!("no public-binding result: {v}"));
    let uri = &public["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert!(
        uri.as_str()
            .is_some_and(|u| u.ends_with("project-policy-wrapped.json")),
        "{public}"
    );
    // in Markdown (a PR comment), the role and where it is bound
    let (_, md, _) = outcome(
        whittle()
            .args([
                "check",
                "--rules",
                "@builtin",
                "--format",
                "markdown",
                "--snapshot",
            ])
            .args(files(&["project-policy-wrapped.json"])),
    );
    assert!(
        md.contains("`roles/owner` at `projects/demo-app-prod` (`testdata/gcp/iam/project-policy-wrapped.json:7:7`)"),
        "{md}"
    );
    // the line of the binding to allUsers in the file, not the top of the file
    let text =
        std::fs::read_to_string(common::root().join(DIR).join("project-policy-wrapped.json"))
            .unwrap_or_default();
    let expected = text
        .lines()
        .position(|l| l.contains("roles/storage.objectViewer"))
        .unwrap_or_default();
    let line = public["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .unwrap_or_default() as usize;
    assert!(
        line > 1 && line <= expected + 1 && expected + 1 - line <= 2,
        "binding at line {line}, its role on line {}",
        expected + 1
    );
    assert_eq!(
        public["message"]["text"],
        "a role is bound to allUsers or allAuthenticatedUsers: allUsers (role `roles/storage.objectViewer` at `projects/demo-app-prod`)"
    );
}

/// `--principal` takes the bare email of a GCP member where it is unambiguous: `check` keeps that
/// member's findings, `usage show` shows its usage under the member string.
#[test]
fn a_bare_email_names_the_gcp_member() {
    let (code, out, err) = outcome(
        whittle()
            .args([
                "check",
                "--rules",
                "@builtin",
                "--principal",
                "alice@example.com",
            ])
            .arg("--snapshot")
            .args(files(&["project-policy-wrapped.json"])),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        out.contains("gcp-basic-role-on-project-or-above  user:alice@example.com")
            && out.contains("1 finding(s)")
            && !out.contains("allUsers"),
        "{out}"
    );
    let db = common::tmp("gcp-bare-email").join("usage.db");
    let (code, _, err) = outcome(
        whittle()
            .args(["ingest", "-q", "--no-journal", "--db"])
            .arg(&db)
            .arg("testdata/gcp/audit/gcloud-logging-read.json"),
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, out, err) = outcome(
        whittle()
            .args(["usage", "show", "--principal", "alice@example.com", "--db"])
            .arg(&db),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("user:alice@example.com: "), "{out}");
    // not a member of the store: said so, with nothing guessed
    let (code, _, err) = outcome(
        whittle()
            .args(["usage", "show", "--principal", "nobody@example.com", "--db"])
            .arg(&db),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("no usage recorded for `nobody@example.com`"),
        "{err}"
    );
}
