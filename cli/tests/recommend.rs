//! `whittle recommend` end to end on the demo account: what reviewers read (snapshots), the
//! policy files it writes (and that whittle's own simulator agrees they allow what was used and
//! nothing else), `--logs` against `--db`, and the warnings on evidence that cannot vouch.

use serde_json::Value;
use std::path::Path;

mod common;
use common::{demo_store, tmp, whittle};

const DEMO: &str = "testdata/demo/snapshot/authorization-details.json";

fn recommend(db: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let now: &[&str] = if extra.contains(&"--now") {
        &[]
    } else {
        &["--now", "2026-11-25"]
    };
    let out = whittle()
        .args(["recommend", "--snapshot", DEMO, "--rules", "rules/"])
        .args(now)
        .args(extra)
        .arg("--db")
        .arg(db)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("JSON output")
}

#[test]
fn the_demo_report_in_text_markdown_and_json() {
    let dir = tmp("recommend-snapshots");
    let db = demo_store(&dir);
    let (code, text, err) = recommend(&db, &[]);
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("recommend_demo_text", text);
    let (code, md, _) = recommend(&db, &["--format", "markdown"]);
    assert_eq!(code, Some(0));
    insta::assert_snapshot!("recommend_demo_markdown", md);
    let (code, out, _) = recommend(&db, &["--format", "json", "--principal", "ci-deployer"]);
    assert_eq!(code, Some(0));
    insta::assert_snapshot!("recommend_ci_deployer_json", out);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_demo_proposal_is_safe_and_smaller_and_the_totals_add_up() {
    let dir = tmp("recommend-json");
    let db = demo_store(&dir);
    let (code, out, err) = recommend(&db, &["--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let doc = json(&out);
    let principals = doc["principals"].as_array().expect("principals");
    assert_eq!(principals.len(), 6);
    let mut granted = 0;
    for p in principals {
        assert_eq!(
            p["safety"]["no_new_access"]["passed"], true,
            "{}",
            p["principal"]
        );
        assert_eq!(
            p["safety"]["no_breakage"]["passed"], true,
            "{}",
            p["principal"]
        );
        let c = &p["counts"];
        assert!(c["proposed"].as_u64() <= c["granted"].as_u64());
        granted += c["granted"].as_u64().expect("count");
    }
    assert_eq!(doc["summary"]["granted"].as_u64(), Some(granted));
    assert_eq!(doc["summary"]["with_changes"].as_u64(), Some(6));
    let ci = principals
        .iter()
        .find(|p| p["name"] == "ci-deployer")
        .expect("ci-deployer");
    let removed: Vec<&str> = ci["removed"]
        .as_array()
        .expect("removed")
        .iter()
        .flat_map(|r| r["permissions"].as_array().expect("names"))
        .filter_map(Value::as_str)
        .collect();
    assert!(
        removed.contains(&"iam:AttachRolePolicy"),
        "unused escalation path goes"
    );
    assert!(removed.contains(&"s3:DeleteBucket"));
    let kept: Vec<&str> = ci["kept"]
        .as_array()
        .expect("kept")
        .iter()
        .flat_map(|k| k["permissions"].as_array().expect("names"))
        .filter_map(Value::as_str)
        .collect();
    assert!(
        kept.contains(&"iam:PassRole"),
        "never logged, so never proven unused"
    );
    std::fs::remove_dir_all(&dir).ok();
}

fn simulate(policy: &Path, action: &str, resource: &str) -> String {
    let out = whittle()
        .args(["simulate", "--policy"])
        .arg(policy)
        .args(["--action", action, "--resource", resource])
        .output()
        .expect("runs");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn written_policies_allow_what_was_used_and_nothing_else() {
    let dir = tmp("recommend-out");
    let db = demo_store(&dir);
    let out = dir.join("policies");
    let (code, _, err) = recommend(&db, &["--out", out.to_str().expect("utf-8 path")]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("wrote 12 policy file(s)"), "{err}");
    let policy = out.join("ci-deployer.json");
    let doc = json(&std::fs::read_to_string(&policy).expect("written"));
    assert_eq!(doc["Version"], "2012-10-17");
    let allowed = |a: &str, r: &str| {
        simulate(&policy, a, r)
            .lines()
            .next()
            .is_some_and(|l| l.ends_with(": allowed"))
    };
    assert!(allowed(
        "lambda:UpdateFunctionCode",
        "arn:aws:lambda:eu-west-1:111122223333:function:orders-api"
    ));
    assert!(allowed(
        "s3:PutObject",
        "arn:aws:s3:::demo-ci-artifacts/orders-api/20261201.zip"
    ));
    assert!(!allowed(
        "lambda:UpdateFunctionCode",
        "arn:aws:lambda:eu-west-1:111122223333:function:payments"
    ));
    assert!(!allowed(
        "iam:AttachRolePolicy",
        "arn:aws:iam::111122223333:role/admin"
    ));
    assert!(!allowed(
        "s3:DeleteBucket",
        "arn:aws:s3:::demo-ci-artifacts"
    ));
    let tf = std::fs::read_to_string(out.join("ci-deployer.tf")).expect("terraform written");
    assert!(
        tf.contains("data \"aws_iam_policy_document\" \"ci-deployer\" {"),
        "{tf}"
    );
    assert!(tf.contains("\"lambda:UpdateFunctionCode\""), "{tf}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn logs_give_the_same_proposals_as_a_store() {
    let dir = tmp("recommend-logs");
    let db = demo_store(&dir);
    let (_, from_db, _) = recommend(&db, &["--format", "json"]);
    let out = whittle()
        .args([
            "recommend",
            "--snapshot",
            DEMO,
            "--rules",
            "rules/",
            "--now",
            "2026-11-25",
        ])
        .args(["--format", "json", "--logs", "testdata/demo/cloudtrail"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_logs = json(&String::from_utf8(out.stdout).expect("utf-8"));
    assert_eq!(from_logs["principals"], json(&from_db)["principals"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_window_without_logs_removes_nothing_and_says_so() {
    let dir = tmp("recommend-no-logs");
    let db = demo_store(&dir);
    let (code, out, _) = recommend(&db, &["--format", "json", "--now", "2027-06-01"]);
    assert_eq!(code, Some(0));
    let doc = json(&out);
    let warnings = doc["warnings"].to_string();
    assert!(
        warnings.contains("the logs cover no day of the window"),
        "{warnings}"
    );
    for p in doc["principals"].as_array().expect("principals") {
        assert_eq!(p["removed"], Value::Array(vec![]), "{}", p["principal"]);
        assert_eq!(p["verdict"], "no-change", "{}", p["principal"]);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_missing_store_is_an_input_error() {
    let out = whittle()
        .args(["recommend", "--snapshot", DEMO, "--db", "no/such/usage.db"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no usage store at `no/such/usage.db`"),
        "{err}"
    );
}

#[test]
fn generate_writes_a_policy_from_usage_alone() {
    let dir = tmp("generate");
    let db = demo_store(&dir);
    let out = whittle()
        .args([
            "generate",
            "--principal",
            "arn:aws:iam::111122223333:role/service/ci-deployer",
        ])
        .args(["--now", "2026-11-25", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let policy = dir.join("generated.json");
    std::fs::write(&policy, &text).expect("written");
    let allowed = |a: &str, r: &str| {
        simulate(&policy, a, r)
            .lines()
            .next()
            .is_some_and(|l| l.ends_with(": allowed"))
    };
    assert!(allowed("cloudformation:ExecuteChangeSet", "*"));
    assert!(allowed(
        "s3:PutObject",
        "arn:aws:s3:::demo-ci-artifacts/orders-api/next.zip"
    ));
    assert!(!allowed(
        "iam:PassRole",
        "arn:aws:iam::111122223333:role/orders-api"
    ));
    let err = String::from_utf8(out.stderr).expect("utf-8");
    assert!(err.contains("cannot be generated: add them"), "{err}");

    let out = whittle()
        .args([
            "generate",
            "--principal",
            "arn:aws:iam::111122223333:role/ci-deployer",
            "--db",
        ])
        .arg(&db)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("did you mean `arn:aws:iam::111122223333:role/service/ci-deployer`"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn explain_with_a_store_shows_held_versus_used() {
    let dir = tmp("explain-db");
    let db = demo_store(&dir);
    let run = |extra: &[&str]| {
        let out = whittle()
            .args([
                "explain",
                "--snapshot",
                DEMO,
                "--principal",
                "ci-deployer",
                "--now",
                "2026-11-25",
                "--db",
            ])
            .arg(&db)
            .args(extra)
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let text = run(&[]);
    let table = &text[text.find("last accessed, window").expect("the view")..];
    insta::assert_snapshot!("explain_ci_deployer_last_accessed", table);
    let doc = json(&run(&["--format", "json", "--action", "iam:*"]));
    let perms = doc["last_accessed"]["permissions"]
        .as_array()
        .expect("permissions");
    let find = |name: &str| {
        perms
            .iter()
            .find(|p| p["permission"] == name)
            .unwrap_or_else(|| panic!("{name} held"))
    };
    assert_eq!(find("iam:GetRole")["used_in_window"], true);
    assert_eq!(find("iam:GetRole")["last_used"], "2026-11-24T14:12:24Z");
    assert_eq!(find("iam:AttachRolePolicy")["used_in_window"], false);
    assert_eq!(find("iam:AttachRolePolicy")["observable"], true);
    assert_eq!(find("iam:PassRole")["observable"], false, "never logged");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_credential_report_adds_unused_passwords_and_keys_and_a_bad_row_is_an_input_error() {
    let dir = tmp("recommend-credentials");
    let db = demo_store(&dir);
    let (code, out, err) = recommend(
        &db,
        &[
            "--format",
            "json",
            "--credential-report",
            "testdata/aws/credential-report/stale-password-and-keys-and-one-bad-time.csv",
        ],
    );
    assert_eq!(code, Some(2), "the bad row fails the run: {err}");
    assert!(err.contains("row 6, column user_creation_time"), "{err}");
    let doc = json(&out);
    let creds = &doc["credentials"];
    assert_eq!(creds["users"], 5);
    assert_eq!(creds["unused_days"], 90);
    let unused: Vec<(&str, &str)> = creds["unused"]
        .as_array()
        .expect("unused")
        .iter()
        .map(|c| {
            (
                c["user"].as_str().unwrap_or(""),
                c["credential"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        unused,
        [
            ("legacy-ops", "access-key-2"),
            ("legacy-ops", "password"),
            ("legacy-ops", "access-key-1")
        ]
    );
    assert!(
        !doc["principals"].as_array().expect("principals").is_empty(),
        "the rest still ran"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_principal_in_the_logs_but_not_in_the_snapshot_is_a_warning() {
    let dir = tmp("recommend-missing-principal");
    let db = demo_store(&dir);
    let mut snapshot: Value =
        json(&std::fs::read_to_string(common::root().join(DEMO)).expect("demo snapshot"));
    let roles = snapshot["RoleDetailList"].as_array_mut().expect("roles");
    roles.retain(|r| r["RoleName"] != "data-analyst");
    let trimmed = dir.join("without-data-analyst.json");
    std::fs::write(&trimmed, snapshot.to_string()).expect("written");
    let out = whittle()
        .args([
            "recommend",
            "--rules",
            "rules/",
            "--now",
            "2026-11-25",
            "--format",
            "json",
        ])
        .arg("--snapshot")
        .arg(&trimmed)
        .arg("--db")
        .arg(&db)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&String::from_utf8(out.stdout).expect("utf-8"));
    let warnings = doc["warnings"].to_string();
    assert!(
        warnings.contains("1 principal(s) in the logs are not in the snapshots")
            && warnings.contains("arn:aws:iam::111122223333:role/data-analyst"),
        "{warnings}"
    );
    assert_eq!(doc["summary"]["principals"], 5);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_window_shorter_than_the_rules_minimum_removes_nothing_and_says_so() {
    let dir = tmp("recommend-short-window");
    let db = demo_store(&dir);
    let (code, out, _) = recommend(&db, &["--format", "json", "--window", "30"]);
    assert_eq!(code, Some(0));
    let doc = json(&out);
    assert!(
        doc["warnings"]
            .to_string()
            .contains("shorter than the rules' min-coverage-days (60)"),
        "{}",
        doc["warnings"]
    );
    for p in doc["principals"].as_array().expect("principals") {
        assert_eq!(p["removed"], Value::Array(vec![]), "{}", p["principal"]);
    }
    std::fs::remove_dir_all(&dir).ok();
}
