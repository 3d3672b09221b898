//! The activity journal end to end: `ingest` keeps the high-risk events whole, `events` finds
//! them, `usage prune` and the rules' retention remove the old ones while usage stays.

use serde_json::Value;
use std::path::{Path, PathBuf};

mod common;
use common::{outcome, tmp, whittle};

const TRAIL: &str = "testdata/activity/high-risk-events";

/// A store of the fixture trail, ingested with `rules` (and `extra` arguments).
fn store(name: &str, rules: &str, extra: &[&str]) -> (PathBuf, Value) {
    let dir = tmp(name);
    let db = dir.join("usage.db");
    let (code, out, err) = outcome(
        whittle()
            .args([
                "ingest", TRAIL, "-q", "--format", "json", "--rules", rules, "--db",
            ])
            .arg(&db)
            .args(extra),
    );
    assert_eq!(code, Some(0), "{err}");
    (db, serde_json::from_str(&out).expect("json"))
}

fn events(db: &Path, args: &[&str]) -> Vec<Value> {
    let (code, out, err) = outcome(
        whittle()
            .args(["events", "--format", "json", "--db"])
            .arg(db)
            .args(args),
    );
    assert_eq!(code, Some(0), "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    v["events"].as_array().cloned().unwrap_or_default()
}

fn ops(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| e["operation"].as_str())
        .collect()
}

#[test]
fn ingest_keeps_each_high_risk_event_once_with_its_classes() {
    let (db, report) = store("journal", "@builtin", &[]);
    // StopLogging arrives twice (delivery file and a JSON-lines export): kept once
    assert_eq!(report["journal"]["kept"], 6, "{report:#}");
    let (_, text, _) = outcome(whittle().args(["events", "--db"]).arg(&db));
    insta::assert_snapshot!("events_text", text);
    let all = events(&db, &[]);
    assert_eq!(
        ops(&all),
        [
            "cloudtrail:StopLogging",
            "iam:CreateAccessKey",
            "iam:PutRolePolicy",
            "signin:ConsoleLogin",
            "iam:AttachRolePolicy",
            "kms:PutKeyPolicy"
        ]
    );
    // reading the same files again keeps nothing new
    let (code, out, err) = outcome(
        whittle()
            .args([
                "ingest", TRAIL, "-q", "--format", "json", "--rules", "@builtin", "--db",
            ])
            .arg(&db),
    );
    assert_eq!(code, Some(0), "{err}");
    let again: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(again["journal"]["kept"], 0);
    assert_eq!(events(&db, &[]).len(), 6);
}

#[test]
fn events_are_found_by_class_person_principal_operation_resource_and_time() {
    let (db, _) = store("journal-query", "@builtin", &[]);
    let q = |args: &[&str]| ops(&events(&db, args)).join(" ");
    assert_eq!(
        q(&["--class", "logging-tampering"]),
        "cloudtrail:StopLogging"
    );
    // the person behind an IAM Identity Center session, and a `sourceIdentity`
    assert_eq!(
        q(&["--principal", "alice@example.com"]),
        "cloudtrail:StopLogging"
    );
    assert_eq!(q(&["--principal", "octocat"]), "iam:PutRolePolicy");
    assert_eq!(
        q(&["--principal", "arn:aws:iam::111122223333:user/*"]),
        "iam:CreateAccessKey iam:AttachRolePolicy kms:PutKeyPolicy"
    );
    assert_eq!(
        q(&["--action", "IAM:*Role*"]),
        "iam:PutRolePolicy iam:AttachRolePolicy"
    );
    // who changed this role
    assert_eq!(
        q(&["--resource", "arn:aws:iam::*:role/orders-api"]),
        "iam:PutRolePolicy iam:AttachRolePolicy"
    );
    // a day is the whole day
    assert_eq!(
        q(&["--since", "2026-11-21", "--until", "2026-11-21"]),
        "signin:ConsoleLogin iam:AttachRolePolicy"
    );
    let root = events(&db, &["--class", "root-activity"]);
    assert_eq!(root.len(), 1);
    assert_eq!(
        root[0]["classes"],
        serde_json::json!(["root-activity", "console-login-without-mfa"])
    );
    assert_eq!(root[0]["outcome"], "allowed");
    let denied = events(&db, &["--action", "iam:CreateAccessKey"]);
    assert_eq!(denied[0]["outcome"], "denied");
    assert_eq!(denied[0]["error_code"], "AccessDenied");
    // a record without `eventID` gets a stable id of its own
    let attach = events(&db, &["--action", "iam:AttachRolePolicy"]);
    assert!(attach[0]["event_id"]
        .as_str()
        .is_some_and(|id| id.starts_with("whittle:")));
}

#[test]
fn jsonl_gives_back_the_original_records() {
    let (db, _) = store("journal-jsonl", "@builtin", &[]);
    let (code, out, err) = outcome(
        whittle()
            .args([
                "events",
                "--format",
                "jsonl",
                "--class",
                "root-activity",
                "--db",
            ])
            .arg(&db),
    );
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1);
    let record: Value = serde_json::from_str(lines[0]).expect("a record per line");
    assert_eq!(record["eventID"], "0b1e5e4c-2222-4e1a-9a1e-000000000006");
    // whole: what whittle itself never reads is there too
    assert_eq!(
        record["additionalEventData"]["LoginTo"],
        "https://console.aws.amazon.com/console/home"
    );
    assert_eq!(record["responseElements"]["ConsoleLogin"], "Success");
}

#[test]
fn prune_removes_what_is_older_than_the_retention_and_usage_stays() {
    let (db, _) = store("journal-prune", "@builtin", &[]);
    let summary = |db: &Path| -> Value {
        let (_, out, _) = outcome(
            whittle()
                .args(["usage", "summary", "--format", "json", "--db"])
                .arg(db),
        );
        serde_json::from_str(&out).expect("json")
    };
    let before = summary(&db);
    // under 90 days is refused unless forced
    let (code, _, err) = outcome(
        whittle()
            .args([
                "usage",
                "prune",
                "--days",
                "30",
                "--now",
                "2026-12-21",
                "--db",
            ])
            .arg(&db),
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("--force"), "{err}");
    assert_eq!(events(&db, &[]).len(), 6);
    // 30 days before 2026-12-21 is 2026-11-21: the three events of 2026-11-20 go
    let (code, out, err) = outcome(
        whittle()
            .args([
                "usage",
                "prune",
                "--days",
                "30",
                "--force",
                "--now",
                "2026-12-21",
            ])
            .args(["--format", "json", "--db"])
            .arg(&db),
    );
    assert_eq!(code, Some(0), "{err}");
    let r: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        (r["pruned"].as_u64(), r["kept"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(r["cutoff"], "2026-11-21T00:00:00Z");
    assert_eq!(r["oldest"], "2026-11-21T07:30:00Z");
    assert_eq!(
        ops(&events(&db, &[])),
        [
            "signin:ConsoleLogin",
            "iam:AttachRolePolicy",
            "kms:PutKeyPolicy"
        ]
    );
    assert_eq!(
        summary(&db),
        before,
        "aggregates outlive pruned journal entries"
    );
}

/// A rule set of its own: the built-in packs with `settings`.
fn rules_with(name: &str, settings: &str) -> PathBuf {
    let dir = tmp(name);
    for f in ["activity.toml", "guardrails.cedar", "risk-classes.toml"] {
        std::fs::copy(common::root().join("rules/aws").join(f), dir.join(f)).expect("copy");
    }
    std::fs::write(dir.join("settings.toml"), settings).expect("write");
    dir
}

#[test]
fn ingest_prunes_to_the_rules_retention_and_keeps_calls_on_critical_resources() {
    let rules = rules_with(
        "journal-rules",
        "[settings]\nwindow-days = 90\nmin-coverage-days = 60\nretention-days = 100\ncritical-resources = [\"arn:aws:s3:::acme-reports/*\"]\n",
    );
    let rules = rules.to_str().expect("utf-8");
    // 100 days before 2027-03-01 is 2026-11-21
    let (db, report) = store("journal-retention", rules, &["--now", "2027-03-01"]);
    assert_eq!(report["journal"]["retention_days"], 100);
    // kept: 6 of the built-in classes + the read of a critical bucket; pruned: the 4 of 11-20
    assert_eq!(report["journal"]["kept"], 7, "{report:#}");
    assert_eq!(report["journal"]["pruned"], 4, "{report:#}");
    assert_eq!(events(&db, &[]).len(), 3);
    let (db, _) = store("journal-critical", rules, &["--now", "2026-11-25"]);
    let critical = events(&db, &["--class", "critical-resource-access"]);
    assert_eq!(ops(&critical), ["s3:GetObject"]);
    assert_eq!(
        critical[0]["resources"],
        serde_json::json!(["arn:aws:s3:::acme-reports/q3.csv"])
    );
}

#[test]
fn a_retention_under_90_days_is_a_rule_error_and_ingest_keeps_usage_but_no_journal() {
    let rules = rules_with(
        "journal-short",
        "[settings]\nwindow-days = 90\nmin-coverage-days = 60\nretention-days = 30\n",
    );
    let (code, _, err) = outcome(whittle().args(["rules", "validate"]).arg(&rules));
    assert_eq!(code, Some(2));
    assert!(
        err.contains("retention-days = 30") && err.contains("force-short-retention"),
        "{err}"
    );
    let dir = tmp("journal-short-ingest");
    let db = dir.join("usage.db");
    let (code, out, err) = outcome(
        whittle()
            .args(["ingest", TRAIL, "-q", "--rules"])
            .arg(&rules)
            .arg("--db")
            .arg(&db),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        out.contains("10 events") && out.contains("journal: not kept"),
        "{out}"
    );
    assert!(events(&db, &[]).is_empty());
    // forced, it is accepted
    std::fs::write(
        rules.join("settings.toml"),
        "[settings]\nwindow-days = 90\nmin-coverage-days = 60\nretention-days = 30\nforce-short-retention = true\n",
    )
    .expect("write");
    let (code, _, err) = outcome(whittle().args(["rules", "validate"]).arg(&rules));
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn no_journal_keeps_usage_only() {
    let dir = tmp("journal-none");
    let db = dir.join("usage.db");
    let (code, out, err) = outcome(
        whittle()
            .args([
                "ingest",
                TRAIL,
                "-q",
                "--no-journal",
                "--format",
                "json",
                "--db",
            ])
            .arg(&db),
    );
    assert_eq!(code, Some(0), "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert!(v.get("journal").is_none());
    assert_eq!(v["events"], 10);
    assert!(events(&db, &[]).is_empty());
}

#[test]
fn activity_classes_that_cannot_work_are_rule_errors_at_their_line() {
    let rules = rules_with(
        "journal-bad-classes",
        "[settings]\nwindow-days = 90\nmin-coverage-days = 60\n",
    );
    std::fs::write(
        rules.join("more-activity.toml"),
        r#"[[activity.class]]
id = "everything"
description = "no criterion"

[[activity.class]]
id = "logging-tampering"
description = "declared twice"
events = ["StopLogging"]
"#,
    )
    .expect("write");
    let (code, _, err) = outcome(whittle().args(["rules", "validate"]).arg(&rules));
    assert_eq!(code, Some(2), "{err}");
    for expected in [
        "activity class `everything` sets no criterion",
        "activity class `logging-tampering` is already declared in",
        "`StopLogging` is not a `service:Operation` pattern",
    ] {
        assert!(err.contains(expected), "{expected}: {err}");
    }
    assert!(
        err.contains("more-activity.toml:1") || err.contains("more-activity.toml:"),
        "{err}"
    );
}

/// `watch --logs` ingests what lands in a followed directory, keeping its journal; a file that
/// changed within the settle time is left for the next run, not read half-written.
#[test]
fn watch_logs_ingests_log_objects_as_they_land() {
    use std::io::BufRead;
    let dir = tmp("watch-logs");
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).expect("dir");
    let db = dir.join("usage.db");
    let bin = assert_cmd::cargo::cargo_bin("whittle");
    let mut child = std::process::Command::new(bin)
        .current_dir(common::root())
        .env("WHITTLE_DB", &db)
        .args(["watch", "--logs"])
        .arg(&logs)
        .args([
            "--format",
            "json",
            "--settle-ms",
            "400",
            "--debounce-ms",
            "100",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Ok(v) = serde_json::from_str(&line) {
                if tx.send(v).is_err() {
                    break;
                }
            }
        }
    });
    let next = |rx: &std::sync::mpsc::Receiver<Value>| {
        rx.recv_timeout(std::time::Duration::from_secs(30))
            .expect("a run within 30 s")
    };
    let first = next(&rx);
    assert_eq!(first["run"], 1);
    assert_eq!(first["ingest"]["ingested"], 0, "{first}");
    // a delivery file lands (as `aws s3 sync` leaves it)
    let name = "111122223333_CloudTrail_us-east-1_20261120T0905Z_stoplogging.json";
    let from = common::root()
        .join(TRAIL)
        .join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20")
        .join(name);
    let to = logs.join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20");
    std::fs::create_dir_all(&to).expect("dir");
    std::fs::copy(&from, to.join(name)).expect("copy");
    // runs until it is read: first deferred while it settles, or read at once
    let mut read = None;
    for _ in 0..5 {
        let run = next(&rx);
        if run["ingest"]["ingested"] == 1 {
            read = Some(run);
            break;
        }
        assert_eq!(run["ingest"]["deferred"], 1, "not read, so waiting: {run}");
    }
    let _ = child.kill();
    let _ = child.wait();
    let read = read.expect("the file was ingested");
    assert_eq!(read["ingest"]["events"], 5, "{read}");
    assert_eq!(read["ingest"]["journal"]["kept"], 3, "{read}");
    assert_eq!(read["clean"], true);
    assert_eq!(events(&db, &[]).len(), 3);
}
