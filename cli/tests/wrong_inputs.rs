//! Input given to the wrong flag, or missing, fails the run loudly: exit 2, what the file looks
//! like, and no output that a CI gate could take for a clean result.

use predicates::prelude::*;
use serde_json::Value;

mod common;
use common::{outcome, whittle};

fn check(snapshot: &str, format: &str) -> (Option<i32>, String, String) {
    outcome(whittle().args([
        "check",
        "--snapshot",
        snapshot,
        "--rules",
        "rules/",
        "--format",
        format,
    ]))
}

/// A CloudTrail log, a lone policy, `{}` or `[]` as `--snapshot` used to be `0 finding(s)`, exit 0.
#[test]
fn a_file_that_is_not_a_snapshot_is_refused_with_what_it_looks_like() {
    for (file, says) in [
        (
            "testdata/aws/cloudtrail/delivery-file-mixed-identities.json",
            "looks like a CloudTrail log: read it with `whittle ingest`",
        ),
        (
            "testdata/aws/policies/boundary-s3-read-only.json",
            "looks like a lone IAM policy document",
        ),
        (
            "testdata/aws/authz/empty-object-is-not-a-snapshot.json",
            "holds no users, groups, roles or policies",
        ),
        (
            "testdata/aws/authz/json-array-is-not-a-snapshot.json",
            "a JSON array: not an authorization-details snapshot",
        ),
    ] {
        let (code, stdout, stderr) = check(file, "text");
        assert_eq!(code, Some(2), "{file}: {stderr}");
        assert!(stderr.contains(says), "{file}: {stderr}");
        assert!(!stdout.contains("finding(s)"), "{file}: {stdout}");
        whittle()
            .args(["inventory", "--snapshot", file])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
}

/// A missing snapshot used to write SARIF with zero results and no failure: an upload would
/// have closed every open alert.
#[test]
fn a_missing_snapshot_fails_the_run_in_every_format() {
    let (code, sarif, _) = check("testdata/no-such-snapshot.json", "sarif");
    assert_eq!(code, Some(2));
    let v: Value = serde_json::from_str(&sarif).expect("sarif");
    let inv = &v["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false, "{inv}");
    assert!(inv["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("no-such-snapshot.json")));
    let (code, json, _) = check("testdata/no-such-snapshot.json", "json");
    assert_eq!(code, Some(2));
    let v: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(1), "{v}");
    let (code, text, _) = check("testdata/no-such-snapshot.json", "text");
    assert_eq!(code, Some(2));
    assert!(!text.contains("0 finding(s)"), "{text}");
    assert!(text.contains("could not be used"), "{text}");
}

/// A rule directory with no rules used to check nothing and pass (`rules test`: `0 passed,
/// 0 failed`).
#[test]
fn a_rule_set_with_no_rules_is_an_error() {
    let dir = common::tmp("no-rules");
    std::fs::write(dir.join("README.md"), "no rules in here").expect("write");
    for args in [
        vec!["rules", "test"],
        vec!["rules", "validate"],
        vec![
            "check",
            "--snapshot",
            "testdata/demo/snapshot/authorization-details.json",
            "--rules",
        ],
    ] {
        whittle()
            .args(&args)
            .arg(&dir)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("whittle::rules::none"))
            .stderr(predicate::str::contains("no rules here"))
            .stdout(predicate::str::contains("0 passed").not());
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// `--rules` defaults to `./rules` when it exists, else the built-in packs, and says which;
/// outside the checkout `rules explain` used to fail.
#[test]
fn rules_default_to_the_checkout_or_the_built_in_packs() {
    let snapshot = common::root().join("testdata/demo/snapshot/authorization-details.json");
    whittle()
        .args(["check", "--fail-on", "never", "--snapshot"])
        .arg(&snapshot)
        .assert()
        .success()
        .stderr(predicate::str::contains("note: rules: ./rules"))
        .stderr(predicate::str::contains("note: no usage evidence"))
        .stdout(predicate::str::contains("aws-passrole-star"));
    let elsewhere = common::tmp("elsewhere");
    whittle()
        .current_dir(&elsewhere)
        .args(["check", "--fail-on", "never", "--snapshot"])
        .arg(&snapshot)
        .assert()
        .success()
        .stderr(predicate::str::contains("note: rules: @builtin"))
        .stdout(predicate::str::contains("aws-passrole-star"));
    whittle()
        .current_dir(&elsewhere)
        .args(["rules", "explain", "aws-passrole-star"])
        .assert()
        .success()
        .stdout(predicate::str::contains("@builtin/aws/guardrails.cedar"));
    std::fs::remove_dir_all(&elsewhere).ok();
}

/// "Did you mean" wherever a name is looked up: the built-in packs misspelt, a command.
#[test]
fn misspelt_names_get_a_suggestion() {
    whittle()
        .args(["rules", "validate", "@buitlin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `@builtin`"));
    whittle()
        .args(["chekc"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("similar").or(predicate::str::contains("check")));
}
