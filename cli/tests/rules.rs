//! `whittle rules …` and `whittle check` end to end.

use predicates::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

mod common;
use common::{demo_store, outcome, tmp, whittle};

const DEMO: &str = "testdata/demo/snapshot/authorization-details.json";
const USER_REPO: &str = "testdata/rules/user-repo";

#[test]
fn validate_reports_every_problem_with_file_and_line_and_exits_2() {
    whittle()
        .args(["rules", "validate", "testdata/rules/every-kind-of-mistake"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("12 error(s)"))
        .stderr(predicate::str::contains("typos.cedar:6: `iam:PassRoel` in rule `typo-in-permission` is not an action in the catalog"))
        .stderr(predicate::str::contains("did you mean `iam:PassRole`"))
        .stderr(predicate::str::contains("did you mean `days_unused`?"))
        .stderr(predicate::str::contains("settings.toml:3: unknown field `min-coverage-dayz`"));
    whittle()
        .args(["rules", "validate", "rules", USER_REPO])
        .assert()
        .success()
        .stdout(predicate::str::contains("ok: 22 guardrail(s)"));
    whittle()
        .args(["rules", "validate", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file or directory"));
}

#[test]
fn rule_tests_end_with_the_tally_and_fail_with_1() {
    whittle()
        .args(["rules", "test", "rules", USER_REPO])
        .assert()
        .success()
        .stdout(predicate::str::ends_with("68 passed, 0 failed\n"));
    let dir = tmp("rules-failing");
    std::fs::write(
        dir.join("wrong-expectation.toml"),
        r#"
[[test]]
name = "expects a finding that cannot happen"
rules = ["aws-passrole-star"]
[[test.principal]]
arn = "arn:aws:iam::111122223333:role/x"
policy = ['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/app"}]}']
[[test.expect]]
rule = "aws-passrole-star"
principal = "arn:aws:iam::111122223333:role/x"
"#,
    )
    .expect("write");
    whittle()
        .args(["rules", "test", "rules"])
        .arg(&dir)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL expects a finding that cannot happen",
        ))
        .stdout(predicate::str::contains(
            "expected, not found: aws-passrole-star on arn:aws:iam::111122223333:role/x",
        ))
        .stdout(predicate::str::ends_with("63 passed, 1 failed\n"));
    // the same for machines: JSON, and JUnit XML as CI systems read it
    let out = whittle()
        .args(["rules", "test", "--format", "json", "rules"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (v["passed"].as_u64(), v["failed"].as_u64()),
        (Some(63), Some(1))
    );
    let failed = v["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .find(|t| t["passed"] == false)
        .expect("the failing test");
    assert_eq!(failed["name"], "expects a finding that cannot happen");
    let out = whittle()
        .args(["rules", "test", "--format", "junit", "rules"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(
        "rules_test_junit_failing_case",
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .lines()
            .filter(|l| l.contains("wrong-expectation") || !l.contains("<testcase"))
            .collect::<Vec<_>>()
            .join("\n")
            .replace(&dir.display().to_string(), "<tmp>")
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn rules_commands_speak_json() {
    let out = whittle()
        .args([
            "rules",
            "validate",
            "--format",
            "json",
            "testdata/rules/every-kind-of-mistake",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["valid"], false);
    let codes: Vec<&str> = v["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert!(codes.contains(&"whittle::rules::duplicate-id"), "{codes:?}");
    assert!(codes.contains(&"whittle::rules::cedar-syntax"), "{codes:?}");
    let explain = whittle()
        .args([
            "rules",
            "explain",
            "aws-unused-credential-exposure",
            "--rules",
            "rules",
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&explain.stdout).expect("json");
    assert_eq!(
        (v["kind"].as_str(), v["severity"].as_str()),
        (Some("unused"), Some("medium"))
    );
    let schema = whittle()
        .args(["rules", "schema", "--format", "json"])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&schema.stdout).expect("json");
    assert!(v["schema"]
        .as_str()
        .is_some_and(|s| s.contains("action hold appliesTo")));
}

#[test]
fn list_explain_schema() {
    whittle()
        .args(["rules", "list", "rules"])
        .assert()
        .success()
        .stdout(predicate::str::contains("aws-passrole-star"));
    whittle()
        .args(["rules", "explain", "aws-passrole-star", "--rules", "rules"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Why it matters"))
        .stdout(predicate::str::contains("How to fix it"))
        .stdout(predicate::str::contains("PassRole on * is flagged"));
    whittle()
        .args(["rules", "explain", "aws-passrole", "--rules", "rules"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean"));
    // TOML rules, risk classes and combinations are explained too
    let explain = |id: &str| {
        let out = whittle()
            .args(["rules", "explain", id, "--rules", "rules"])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{id}");
        String::from_utf8(out.stdout).expect("utf-8")
    };
    insta::assert_snapshot!(
        "explain_unused_rule",
        explain("aws-unused-credential-exposure")
    );
    insta::assert_snapshot!("explain_risk_class", explain("privilege-escalation"));
    assert!(explain("passrole-lambda").contains("lambda:CreateFunction"));
    assert!(explain("whittle-expired-exemption").contains("renew it"));
    whittle()
        .args(["rules", "schema"])
        .assert()
        .success()
        .stdout(predicate::str::contains("action hold appliesTo"))
        .stdout(predicate::str::contains("\"aws:s3\""));
}

fn check_json(extra: &[&str]) -> Value {
    let out = whittle()
        .args([
            "check",
            "--snapshot",
            DEMO,
            "--rules",
            "rules",
            "--now",
            "2026-11-25",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .args(extra)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn check_finds_what_the_demo_account_over_grants() {
    let v = check_json(&[]);
    let findings = v["findings"].as_array().expect("findings");
    let has = |rule: &str, principal: &str| {
        findings
            .iter()
            .any(|f| f["rule"] == rule && f["principal"] == principal)
    };
    assert!(has(
        "aws-admin-equivalent-grant",
        "arn:aws:iam::111122223333:role/admin"
    ));
    assert!(has(
        "aws-passrole-star",
        "arn:aws:iam::111122223333:role/service/ci-deployer"
    ));
    assert!(has(
        "aws-privilege-escalation",
        "arn:aws:iam::111122223333:role/service/ci-deployer"
    ));
    assert!(has(
        "aws-wildcard-data-access",
        "arn:aws:iam::111122223333:role/app/orders-api"
    ));
    // the boundary keeps iam:* away from the analyst: no escalation finding
    assert!(!has(
        "aws-privilege-escalation",
        "arn:aws:iam::111122223333:role/data-analyst"
    ));
    // NotAction grants are not mistaken for `*`
    assert!(!has(
        "aws-admin-equivalent-grant",
        "arn:aws:iam::111122223333:user/ops/legacy-ops"
    ));
    let f = findings
        .iter()
        .find(|f| {
            f["rule"] == "aws-passrole-star"
                && f["principal"] == "arn:aws:iam::111122223333:role/service/ci-deployer"
        })
        .expect("finding");
    assert_eq!(f["granted_by"]["sid"], "ManageRoles");
    assert_eq!(
        f["granted_by"]["location"]["json_path"],
        "RoleDetailList[1].RolePolicyList[0].PolicyDocument.Statement[1]"
    );
    // deterministic output
    assert_eq!(check_json(&[]), v);
}

#[test]
fn usage_evidence_exemptions_and_expiry() {
    let dir = tmp("check-usage");
    let db = demo_store(&dir);
    let v = check_json(&["--rules", USER_REPO, "--db", db.to_str().expect("utf-8")]);
    let findings = v["findings"].as_array().expect("findings");
    // exempted until 2026-12-31
    assert!(!findings.iter().any(|f| f["rule"] == "aws-passrole-star"
        && f["principal"] == "arn:aws:iam::111122223333:role/service/ci-deployer"));
    // expired on 2026-06-30: the exemption itself is a finding, and the finding is back
    assert!(findings
        .iter()
        .any(|f| f["rule"] == "whittle-expired-exemption"));
    assert!(findings.iter().any(|f| f["rule"] == "aws-assume-role-star"
        && f["principal"] == "arn:aws:iam::111122223333:role/admin"));
    // evidence from the store
    let unused = findings
        .iter()
        .find(|f| {
            f["rule"] == "aws-unused-high-risk"
                && f["principal"] == "arn:aws:iam::111122223333:role/service/ci-deployer"
        })
        .expect("unused finding");
    assert_eq!(unused["evidence"]["usage_known"], true);
    let perms: Vec<&str> = unused["permissions"]
        .as_array()
        .expect("perms")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(perms.contains(&"iam:PutRolePolicy"), "{perms:?}");
    assert!(
        !perms.contains(&"lambda:UpdateFunctionCode"),
        "used every other day: {perms:?}"
    );
    // a grouped finding's evidence covers all its permissions: the first listed
    // (dynamodb:BatchGetItem) is unused, dynamodb:GetItem is used daily
    let data = findings
        .iter()
        .find(|f| {
            f["rule"] == "aws-wildcard-data-access"
                && f["principal"] == "arn:aws:iam::111122223333:role/app/orders-api"
        })
        .expect("wildcard data access by orders-api");
    assert_eq!(data["permissions"][0], "dynamodb:BatchGetItem");
    assert_eq!(data["evidence"]["used"], true, "{data}");
    assert!(
        data["evidence"]["last_used"]
            .as_str()
            .is_some_and(|t| t.starts_with("2026-11-")),
        "{data}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fail_on_sarif_and_markdown() {
    let base = [
        "check",
        "--snapshot",
        DEMO,
        "--rules",
        "rules",
        "--now",
        "2026-11-25",
    ];
    whittle()
        .args(base)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "19 finding(s): 5 critical, 7 high, 7 medium",
        ));
    whittle()
        .args(base)
        .args(["--fail-on", "never"])
        .assert()
        .code(0);
    let out = whittle()
        .args(base)
        .args(["--format", "sarif"])
        .output()
        .expect("runs");
    let s: Value = serde_json::from_slice(&out.stdout).expect("sarif json");
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "whittle");
    let result = &run["results"][0];
    assert_eq!(result["level"], "error");
    assert!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .is_some_and(|l| l > 1)
    );
    assert!(run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .any(|r| r["id"] == result["ruleId"]));
    whittle()
        .args(base)
        .args(["--format", "markdown"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("### whittle:"))
        .stdout(predicate::str::contains(
            "| critical | `aws-admin-equivalent-grant` |",
        ));
    whittle()
        .args([
            "check",
            "--snapshot",
            DEMO,
            "--rules",
            "testdata/rules/every-kind-of-mistake",
        ])
        .assert()
        .code(2);
}

#[test]
fn watch_reruns_when_a_rule_file_changes() {
    let dir = tmp("watch");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    for f in ["prod-guardrails.cedar", "acme.toml", "owners.toml"] {
        std::fs::copy(root.join(USER_REPO).join(f), dir.join(f)).expect("copy");
    }
    let bin = assert_cmd::cargo::cargo_bin("whittle");
    let child = std::process::Command::new(bin)
        .current_dir(&root)
        .args(["watch", "rules", "--debounce-ms", "100", "--max-runs", "2"])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // break the user's rule: the second run must report it
    let cedar = dir.join("prod-guardrails.cedar");
    let text = std::fs::read_to_string(&cedar).expect("read").replace(
        "when { resource.name like \"s3:Delete*\" }",
        "when { context.days_unsed > 1 }",
    );
    std::fs::write(&cedar, text).expect("write");
    let out = child
        .wait_with_output()
        .expect("watch exits after two runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("68 passed, 0 failed"),
        "first run: {stdout}"
    );
    assert!(
        stderr.contains("-- changed:") && stderr.contains("run 2 done"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `days_unused`?"),
        "the second run validates the edited rule: {stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "the last run was not clean");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_rule_that_errors_is_a_finding_not_a_silent_pass() {
    let dir = tmp("check-error");
    let db = demo_store(&dir);
    let out = whittle()
        .args([
            "check",
            "--snapshot",
            DEMO,
            "--rules",
            "testdata/rules/rule-that-errors",
            "--now",
            "2026-11-25",
            "--format",
            "json",
            "--db",
        ])
        .arg(&db)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a rule error is a high finding: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let f = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "whittle-rule-error")
        .expect("rule error finding");
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("overflowing-rule") && m.contains("overflow")),
        "{f}"
    );
    assert_eq!(f["severity"], "high");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_exemption_that_never_matches_is_a_warning() {
    let dir = tmp("stale-exemption");
    std::fs::write(
        dir.join("stale.toml"),
        r#"
[[exemption]]
rule = "aws-passrole-star"
principal = "arn:aws:iam::111122223333:role/decommissioned-*"
reason = "the old deployer, since removed"
expires = 2027-01-01
"#,
    )
    .expect("write");
    whittle()
        .args(["check", "--snapshot", DEMO, "--rules", "rules", "--now", "2026-11-25", "--fail-on", "never", "--rules"])
        .arg(&dir)
        .assert()
        .success()
        .stderr(predicate::str::contains("stale.toml:2"))
        .stderr(predicate::str::contains("exemption from `aws-passrole-star` for `arn:aws:iam::111122223333:role/decommissioned-*` matched no finding"));
    std::fs::remove_dir_all(&dir).ok();
}

/// At account scale: filters by principal, rule and severity, a tally by rule and principal,
/// one line of remediation per finding, and combination findings that say which combination.
#[test]
fn check_output_at_scale_filters_tallies_and_explains() {
    let run = |args: &[&str]| {
        let out = whittle()
            .args([
                "check",
                "--snapshot",
                DEMO,
                "--rules",
                "rules",
                "--fail-on",
                "never",
            ])
            .args(args)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let all = run(&[]);
    assert!(
        all.contains("\nby rule:\n") && all.contains("\nby principal:\n"),
        "{all}"
    );
    assert!(all.contains("         fix: "), "{all}");
    let combo = run(&["--rule", "*combination", "--principal", "ci-deployer"]);
    assert!(
        combo.contains(
            "holds `passrole-lambda`: iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction"
        ),
        "{combo}"
    );
    assert!(combo.contains("1 finding(s): 1 critical"), "{combo}");
    assert!(
        combo.contains("left out by --principal, --rule or --severity"),
        "{combo}"
    );
    let critical = run(&["--severity", "critical", "--format", "json"]);
    let v: Value = serde_json::from_str(&critical).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["severity"] == "critical"), "{v}");
    assert!(v["filtered_out"].as_u64().is_some_and(|n| n > 0));
}

#[test]
fn watch_json_prints_one_document_per_run() {
    // a valid repo: the run is clean, with the tests' tally
    let out = whittle()
        .args([
            "watch",
            "rules",
            USER_REPO,
            "--max-runs",
            "1",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one line per run: {stdout}");
    let doc: Value = serde_json::from_str(lines[0]).expect("a JSON document");
    assert_eq!(doc["run"], 1);
    assert_eq!(doc["clean"], true);
    assert_eq!(doc["validate"]["valid"], true);
    assert_eq!(doc["test"]["passed"], 68);
    assert_eq!(doc["test"]["failed"], 0);

    // a broken repo, written to --output: not clean, the problems listed, no tests run
    let file = tmp("watch-json").join("runs.jsonl");
    let out = whittle()
        .args([
            "watch",
            "testdata/rules/every-kind-of-mistake",
            "--max-runs",
            "1",
        ])
        .args(["--format", "json", "--output"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(&file).expect("written");
    let doc: Value = serde_json::from_str(text.trim_end()).expect("one JSON document");
    assert_eq!(doc["clean"], false);
    assert_eq!(doc["validate"]["valid"], false);
    assert!(doc["validate"]["errors"].as_u64().unwrap_or(0) > 0, "{doc}");
    assert!(!doc["validate"]["problems"]
        .as_array()
        .expect("problems")
        .is_empty());
    assert!(doc.get("test").is_none(), "{doc}");
}

#[test]
fn output_file_keeps_every_part_of_a_text_report() {
    // watch writes the validation line, then the test outcomes: the file used to keep only the
    // last part
    let file = tmp("watch-text-output").join("run.txt");
    whittle()
        .args(["watch", "rules", USER_REPO, "--max-runs", "1", "--output"])
        .arg(&file)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&file).expect("written");
    assert!(text.starts_with("ok: 22 guardrail(s)"), "{text}");
    assert!(text.contains("68 passed, 0 failed"), "{text}");
}

#[test]
fn alert_rule_tests_name_the_event_that_should_have_fired_or_should_not_have() {
    let dir = tmp("rules-alert-tests");
    std::fs::write(
        dir.join("alert-tests.toml"),
        r#"
[[test]]
name = "a user named root is expected to be the root user"
rules = ["activity-root-use"]
[[test.event]]
id = "e1"
principal = "arn:aws:iam::111122223333:user/root"
operation = "s3:ListBuckets"
[[test.expect]]
rule = "activity-root-use"
principal = "arn:aws:iam::111122223333:user/root"
event = "e1"

[[test]]
name = "a key from a new network is expected to be quiet"
rules = ["activity-access-key-new-network"]
[[test.event]]
principal = "arn:aws:iam::111122223333:user/ops"
operation = "ec2:DescribeInstances"
new-network = true

[[test]]
name = "a time that is not one"
rules = ["activity-root-use"]
[[test.event]]
principal = "arn:aws:iam::111122223333:root"
operation = "s3:ListBuckets"
time = "yesterday"
"#,
    )
    .expect("write");
    let (code, out, err) = outcome(whittle().args(["rules", "test", "rules"]).arg(&dir));
    assert_eq!(code, Some(1), "{err}");
    let failures: Vec<&str> = out.lines().filter(|l| !l.starts_with("ok ")).collect();
    insta::assert_snapshot!(
        "alert_rule_tests_failing",
        failures
            .join("\n")
            .replace(&dir.display().to_string(), "<tmp>")
    );
}
