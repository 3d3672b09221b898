//! The activity journal end to end: `ingest` keeps the high-risk events whole, `events` finds
//! them, `usage prune` and the rules' retention remove the old ones while usage stays.

use serde_json::Value;
use std::path::{Path, PathBuf};

mod common;
use common::{outcome, tmp, walk, whittle};

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

/// A 120-day trail with four planted anomalies, one delivery file per day from `first` to
/// `last` (day 0 is 2026-06-01), written under `dir`.
fn planted_trail(dir: &Path, first: i64, last: i64) {
    use serde_json::json;
    const ACCT: &str = "111122223333";
    let user = |name: &str, key: &str| {
        json!({"type": "IAMUser", "principalId": format!("AIDA{}", name.to_uppercase()),
               "arn": format!("arn:aws:iam::{ACCT}:user/{name}"), "accountId": ACCT,
               "accessKeyId": key, "userName": name})
    };
    let role = |name: &str, session: &str| {
        json!({"type": "AssumedRole", "principalId": format!("AROA{}:{session}", name.to_uppercase()),
               "arn": format!("arn:aws:sts::{ACCT}:assumed-role/{name}/{session}"), "accountId": ACCT,
               "accessKeyId": "ASIAEXAMPLE",
               "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": format!("AROA{}", name.to_uppercase()),
                   "arn": format!("arn:aws:iam::{ACCT}:role/{name}"), "accountId": ACCT, "userName": name},
                   "attributes": {"creationDate": "2026-06-01T00:00:00Z", "mfaAuthenticated": "false"}}})
    };
    let mut n = 0;
    let mut event = |day: i64,
                     secs: i64,
                     who: &Value,
                     source: &str,
                     name: &str,
                     params: Value,
                     ip: &str,
                     denied: bool| {
        n += 1;
        let t = 1_780_272_000 + day * 86_400 + secs; // 2026-06-01T00:00:00Z
        let time = chrono_like(t);
        let mut r = json!({"eventVersion": "1.09", "userIdentity": who, "eventTime": time,
            "eventSource": format!("{source}.amazonaws.com"), "eventName": name, "awsRegion": "us-east-1",
            "sourceIPAddress": ip, "userAgent": "aws-cli/2.15.30", "requestParameters": params,
            "responseElements": null, "requestID": format!("req-{n}"), "eventID": format!("evt-{day:03}-{secs:05}"),
            "readOnly": false, "eventType": "AwsApiCall", "managementEvent": true,
            "recipientAccountId": ACCT, "eventCategory": "Management"});
        if denied {
            r["errorCode"] = json!("AccessDenied");
        }
        r
    };
    let admin = role("platform-admin", "admin-session");
    let app = role("orders-app", "task-1");
    let ops = user("ops-user", "AKIAOPSUSER0000001");
    let scanner = role("inventory-scanner", "scan");
    for day in first..=last {
        let mut records = Vec::new();
        // the app works every day, the same calls
        for (i, (src, op, p)) in [
            ("dynamodb", "GetItem", json!({"tableName": "orders"})),
            ("dynamodb", "PutItem", json!({"tableName": "orders"})),
            (
                "s3",
                "GetObject",
                json!({"bucketName": "orders-exports", "key": "daily.csv"}),
            ),
        ]
        .into_iter()
        .enumerate()
        {
            records.push(event(
                day,
                3600 + i as i64,
                &app,
                src,
                op,
                p,
                "10.0.1.15",
                false,
            ));
        }
        // the ops user reads every day from the office network, with a long-term key
        records.push(event(
            day,
            7200,
            &ops,
            "iam",
            "ListUsers",
            json!({}),
            "203.0.113.40",
            false,
        ));
        records.push(event(
            day,
            7201,
            &ops,
            "ec2",
            "DescribeInstances",
            json!({}),
            "203.0.113.41",
            false,
        ));
        // the scanner lists every day
        records.push(event(
            day,
            9000,
            &scanner,
            "s3",
            "ListBuckets",
            json!({}),
            "10.0.2.7",
            false,
        ));
        // the admin changes role policies on the first 40 days, then is idle
        if day < 40 {
            records.push(event(
                day,
                10_000,
                &admin,
                "iam",
                "PutRolePolicy",
                json!({"roleName": "orders-app", "policyName": "inline"}),
                "198.51.100.5",
                false,
            ));
        }
        // planted: the first iam:CreateAccessKey of the ops user
        if day == 100 {
            records.push(event(
                day,
                7300,
                &ops,
                "iam",
                "CreateAccessKey",
                json!({"userName": "ci-bot"}),
                "203.0.113.40",
                false,
            ));
        }
        // planted: 50 denied calls within three minutes
        if day == 110 {
            for i in 0..50 {
                records.push(event(
                    day,
                    20_000 + i * 3,
                    &scanner,
                    "s3",
                    "GetObject",
                    json!({"bucketName": "payroll", "key": format!("{i}.csv")}),
                    "10.0.2.7",
                    true,
                ));
            }
        }
        // planted: the trail stopped
        if day == 115 {
            records.push(event(
                day,
                30_000,
                &ops,
                "cloudtrail",
                "StopLogging",
                json!({"name": "org-trail"}),
                "203.0.113.40",
                false,
            ));
        }
        // planted: the dormant admin is back
        if day == 118 {
            records.push(event(
                day,
                40_000,
                &admin,
                "iam",
                "PutRolePolicy",
                json!({"roleName": "orders-app", "policyName": "inline"}),
                "198.51.100.5",
                false,
            ));
        }
        let stamp = chrono_like(1_780_272_000 + day * 86_400);
        let (date, _) = stamp.split_once('T').expect("iso");
        let d = dir.join(format!(
            "AWSLogs/{ACCT}/CloudTrail/us-east-1/{}",
            date.replace('-', "/")
        ));
        std::fs::create_dir_all(&d).expect("dir");
        let file = d.join(format!(
            "{ACCT}_CloudTrail_us-east-1_{}T2355Z_day{day:03}.json",
            date.replace('-', "")
        ));
        std::fs::write(
            file,
            serde_json::to_vec(&json!({"Records": records})).expect("json"),
        )
        .expect("write");
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` of an epoch second (civil-from-days, proleptic Gregorian).
fn chrono_like(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn alerts_of(db: &Path, logs: &Path, file: &Path) -> Vec<Value> {
    let (code, out, err) = outcome(
        whittle()
            .arg("ingest")
            .arg(logs)
            .args([
                "-q",
                "--rules",
                "@builtin",
                "--format",
                "json",
                "--now",
                "2026-10-01",
                "--db",
            ])
            .arg(db)
            .arg("--alerts")
            .arg(file),
    );
    assert_eq!(code, Some(0), "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    v["alerts"].as_array().cloned().unwrap_or_default()
}

fn rules_and_events(alerts: &[Value]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = alerts
        .iter()
        .map(|a| {
            (
                a["rule"].as_str().unwrap_or_default().to_string(),
                a["event_id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_planted_trail_raises_exactly_its_four_alerts_once() {
    let dir = tmp("alerts-planted");
    let logs = dir.join("logs");
    planted_trail(&logs, 0, 119);
    let db = dir.join("usage.db");
    let file = dir.join("alerts.jsonl");
    let alerts = alerts_of(&db, &logs, &file);
    let expected = vec![
        ("activity-denied-burst".to_string(), "evt-110-".to_string()),
        (
            "activity-first-use-of-high-risk-permission".to_string(),
            "evt-100-".to_string(),
        ),
        (
            "activity-logging-tampering".to_string(),
            "evt-115-".to_string(),
        ),
        (
            "activity-privileged-principal-active-again".to_string(),
            "evt-118-".to_string(),
        ),
    ];
    let got = rules_and_events(&alerts);
    assert_eq!(
        got.iter()
            .map(|(r, e)| (r.clone(), e[..8].to_string()))
            .collect::<Vec<_>>(),
        expected,
        "{alerts:#?}"
    );
    let burst = alerts
        .iter()
        .find(|a| a["rule"] == "activity-denied-burst")
        .expect("burst");
    assert_eq!(burst["events"].as_array().map(Vec::len), Some(50));
    assert_eq!(
        burst["principal"],
        "arn:aws:iam::111122223333:role/inventory-scanner"
    );
    let dormant = alerts
        .iter()
        .find(|a| a["rule"] == "activity-privileged-principal-active-again")
        .expect("dormant");
    assert!(
        dormant["notes"]
            .to_string()
            .contains("first activity after 79 days"),
        "{dormant}"
    );
    // the same JSON lines were appended to the file
    let lines = std::fs::read_to_string(&file).expect("alerts file");
    assert_eq!(lines.lines().count(), 4);
    // the same events again, from other files: nothing is raised twice
    let again = dir.join("again");
    planted_trail(&again, 100, 119);
    for f in walk(&again) {
        let renamed = f.with_file_name(format!(
            "copy-{}",
            f.file_name().and_then(|n| n.to_str()).unwrap_or_default()
        ));
        std::fs::rename(&f, renamed).expect("rename");
    }
    assert_eq!(alerts_of(&db, &again, &file), Vec::<Value>::new());
    assert_eq!(
        std::fs::read_to_string(&file)
            .expect("file")
            .lines()
            .count(),
        4
    );
}

#[test]
fn the_alerts_are_the_same_when_the_trail_arrives_in_two_ingests() {
    let dir = tmp("alerts-split");
    let (early, late) = (dir.join("early"), dir.join("late"));
    planted_trail(&early, 0, 59);
    planted_trail(&late, 60, 119);
    let db = dir.join("usage.db");
    let file = dir.join("alerts.jsonl");
    let first = alerts_of(&db, &early, &file);
    assert_eq!(first, Vec::<Value>::new(), "nothing planted before day 60");
    let second = rules_and_events(&alerts_of(&db, &late, &file));
    assert_eq!(
        second.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(),
        [
            "activity-denied-burst",
            "activity-first-use-of-high-risk-permission",
            "activity-logging-tampering",
            "activity-privileged-principal-active-again"
        ]
    );
}

#[test]
fn an_access_key_from_a_new_network_and_the_root_user_raise_alerts() {
    use serde_json::json;
    let dir = tmp("alerts-key-root");
    let logs = dir.join("logs");
    let d = logs.join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/06");
    std::fs::create_dir_all(&d).expect("dir");
    let ops = json!({"type": "IAMUser", "principalId": "AIDAOPS", "arn": "arn:aws:iam::111122223333:user/ops-user",
        "accountId": "111122223333", "accessKeyId": "AKIAOPSUSER0000001", "userName": "ops-user"});
    let root = json!({"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root",
        "accountId": "111122223333"});
    let event = |day: i64, who: &Value, source: &str, name: &str, ip: &str| {
        json!({"eventVersion": "1.09", "userIdentity": who,
            "eventTime": chrono_like(1_780_272_000 + day * 86_400 + 3600),
            "eventSource": format!("{source}.amazonaws.com"), "eventName": name, "awsRegion": "us-east-1",
            "sourceIPAddress": ip, "requestParameters": {}, "eventID": format!("kr-{day:03}-{name}"),
            "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "111122223333"})
    };
    let mut records: Vec<Value> = (0..30)
        .map(|day| event(day, &ops, "ec2", "DescribeInstances", "203.0.113.40"))
        .collect();
    // day 30: the same key from another network; day 31: the root user
    records.push(event(30, &ops, "ec2", "DescribeInstances", "192.0.2.77"));
    records.push(event(31, &root, "s3", "ListBuckets", "192.0.2.77"));
    std::fs::write(
        d.join("111122223333_CloudTrail_us-east-1_20260601T0000Z_month.json"),
        serde_json::to_vec(&json!({"Records": records})).expect("json"),
    )
    .expect("write");
    let alerts = alerts_of(&dir.join("usage.db"), &logs, &dir.join("alerts.jsonl"));
    assert_eq!(
        rules_and_events(&alerts),
        [
            (
                "activity-access-key-new-network".to_string(),
                "kr-030-DescribeInstances".to_string()
            ),
            (
                "activity-root-use".to_string(),
                "kr-031-ListBuckets".to_string()
            ),
        ]
    );
    let key = &alerts[0];
    assert!(
        key["notes"]
            .to_string()
            .contains("AKIAOPSUSER0000001 used from 192.0.2.0/24"),
        "{key}"
    );
}

const PRIVILEGED: &str = "testdata/activity/privileged-from-snapshot";

fn dormant_alerts(name: &str, extra: &[&str]) -> (Option<i32>, Value, String) {
    let dir = tmp(name);
    let (code, out, err) = outcome(
        whittle()
            .args(["ingest", &format!("{PRIVILEGED}/logs"), "--format", "json"])
            .args(["--rules", "@builtin", "--now", "2026-08-01", "--db"])
            .arg(dir.join("usage.db"))
            .args(extra),
    );
    (code, serde_json::from_str(&out).unwrap_or(Value::Null), err)
}

#[test]
fn a_snapshot_makes_its_admins_and_permission_managers_privileged_for_alert_rules() {
    // three roles, idle for 56 days, all back on the same day; none used a permission-management
    // permission in the logs, so the logs alone call none of them privileged
    let (code, report, err) = dormant_alerts("privileged-logs-only", &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(report["alerts"], serde_json::json!([]), "{report:#}");
    let snapshot = format!("{PRIVILEGED}/account-authorization-details.json");
    let (code, report, err) = dormant_alerts("privileged-snapshot", &["--snapshot", &snapshot]);
    assert_eq!(code, Some(0), "{err}");
    // `*` on `*`, and iam:AttachRolePolicy (permission management); not the reporting role
    let principals: Vec<&str> = report["alerts"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["principal"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        principals,
        [
            "arn:aws:iam::111122223333:role/break-glass-admin",
            "arn:aws:iam::111122223333:role/iam-operator"
        ],
        "{report:#}"
    );
    assert!(report["alerts"]
        .to_string()
        .contains("activity-privileged-principal-active-again"));
    assert_eq!(report["snapshot"]["privileged"], 2);
}

#[test]
fn a_snapshot_that_cannot_be_read_is_said_and_the_logs_are_still_ingested() {
    let (code, report, err) = dormant_alerts(
        "privileged-bad-snapshot",
        &["--snapshot", "testdata/aws/authz/truncated-mid-user.json"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("truncated-mid-user.json"), "{err}");
    assert_eq!(report["ingested"], 1, "{report:#}");
    assert_eq!(report["events"], 18);
    // a snapshot that does not exist stops before anything is created
    let dir = tmp("privileged-missing-snapshot");
    let (code, _, err) = outcome(
        whittle()
            .args([
                "ingest",
                &format!("{PRIVILEGED}/logs"),
                "--snapshot",
                "no/such.json",
            ])
            .arg("--db")
            .arg(dir.join("usage.db")),
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("no/such.json"), "{err}");
    assert!(!dir.join("usage.db").exists());
}

#[test]
fn alerts_and_events_name_the_owner_from_recorded_tags_and_owners_toml() {
    let dir = tmp("owners");
    let db = dir.join("usage.db");
    let snapshot = format!("{PRIVILEGED}/account-authorization-details.json");
    // a rule of the team's own: anything a security-team principal does is worth a look
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).expect("dir");
    std::fs::write(
        rules.join("security-team.cedar"),
        r#"@id("security-team-activity")
@severity("low")
@message("a security-team principal acted")
@why("the security team's principals are break-glass only")
@remediation("ask the security team")
forbid (principal, action == Guard::Action::"use", resource)
when { principal has team && principal.team == "security" };
"#,
    )
    .expect("write");
    let ingest = |logs: &str, extra: &[&str]| -> Value {
        let (code, out, err) = outcome(
            whittle()
                .args([
                    "ingest",
                    logs,
                    "-q",
                    "--format",
                    "json",
                    "--now",
                    "2026-09-01",
                ])
                .args(["--rules", "@builtin", "--rules", "testdata/activity/owners"])
                .arg("--rules")
                .arg(&rules)
                .arg("--db")
                .arg(&db)
                .args(extra),
        );
        assert_eq!(code, Some(0), "{err}");
        serde_json::from_str(&out).expect("json")
    };
    let report = ingest(&format!("{PRIVILEGED}/logs"), &["--snapshot", &snapshot]);
    let owner_of = |report: &Value, rule: &str, principal: &str| -> Value {
        report["alerts"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|x| x["rule"] == rule && x["principal"] == principal)
            })
            .map(|a| a["owner"].clone())
            .unwrap_or(Value::Null)
    };
    let admin = "arn:aws:iam::111122223333:role/break-glass-admin";
    let dormant = "activity-privileged-principal-active-again";
    // its `team` tag, and the contact owners.toml adds
    assert_eq!(
        owner_of(&report, dormant, admin),
        serde_json::json!({"team": "security", "contact": "#platform-oncall",
            "from": "tag team, testdata/activity/owners/owners.toml:13"}),
        "{report:#}"
    );
    assert_eq!(
        owner_of(
            &report,
            dormant,
            "arn:aws:iam::111122223333:role/iam-operator"
        )["team"],
        "identity"
    );
    assert!(owner_of(&report, "security-team-activity", admin).is_object());
    // a later ingest without the snapshot still knows the recorded tag (a first use: asked about)
    let later = dir.join("later");
    let d = later.join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/08");
    std::fs::create_dir_all(&d).expect("dir");
    let event = serde_json::json!({"Records": [{"eventVersion": "1.09",
        "userIdentity": {"type": "AssumedRole", "principalId": "AROABREAKGLASSADMIN01:ops",
            "arn": "arn:aws:sts::111122223333:assumed-role/break-glass-admin/ops", "accountId": "111122223333",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROABREAKGLASSADMIN01",
                "arn": "arn:aws:iam::111122223333:role/break-glass-admin", "accountId": "111122223333",
                "userName": "break-glass-admin"}}},
        "eventTime": "2026-08-02T10:00:00Z", "eventSource": "iam.amazonaws.com",
        "eventName": "ListRoles", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.20",
        "requestParameters": {}, "eventID": "later-1", "eventType": "AwsApiCall",
        "managementEvent": true, "recipientAccountId": "111122223333"}]});
    std::fs::write(
        d.join("111122223333_CloudTrail_us-east-1_20260802T1000Z_later.json"),
        event.to_string(),
    )
    .expect("write");
    let report = ingest(later.to_str().unwrap_or_default(), &[]);
    assert_eq!(
        owner_of(&report, "security-team-activity", admin)["from"],
        "tag team, testdata/activity/owners/owners.toml:13",
        "{report:#}"
    );
    // events name the owner too (the StopLogging of the trigger trail: owners.toml only)
    ingest(TRIGGERS_FOR_OWNERS, &[]);
    let all = events(
        &db,
        &["--rules", "@builtin", "--rules", "testdata/activity/owners"],
    );
    let stop = all
        .iter()
        .find(|e| e["operation"] == "cloudtrail:StopLogging")
        .expect("StopLogging kept");
    assert_eq!(stop["owner"]["team"], "operations");
    assert_eq!(stop["owner"]["contact"], "ops@example.com");
    let root = all
        .iter()
        .find(|e| e["operation"] == "s3:ListBuckets")
        .expect("root kept");
    assert!(root.get("owner").is_none(), "{root}");
    // and `usage show`
    let (code, out, err) = outcome(
        whittle()
            .args(["usage", "show", "--format", "json", "--principal", admin])
            .args([
                "--rules",
                "@builtin",
                "--rules",
                "testdata/activity/owners",
                "--db",
            ])
            .arg(&db),
    );
    assert_eq!(code, Some(0), "{err}");
    let shown: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(shown["owners"][admin]["team"], "security", "{shown:#}");
}

const TRIGGERS_FOR_OWNERS: &str = "testdata/activity/alert-triggers";
