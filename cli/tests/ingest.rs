//! `whittle ingest` and `whittle usage` end to end: incremental, crash-safe, bad input.

use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

mod common;
use common::{root, tmp, walk, whittle};

const DEMO_TRAIL: &str = "testdata/demo/cloudtrail";

fn json(db: &Path, args: &[&str]) -> Value {
    let out = whittle()
        .args(args)
        .arg("--db")
        .arg(db)
        .args(["--format", "json"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Everything the store holds that counts: totals, coverage, and every principal's usage.
fn state(db: &Path) -> Value {
    let summary = json(db, &["usage", "summary"]);
    let mut per_principal = serde_json::Map::new();
    for p in [
        "arn:aws:iam::111122223333:role/app/orders-api",
        "arn:aws:iam::111122223333:role/service/ci-deployer",
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:iam::111122223333:role/data-analyst",
        "arn:aws:iam::111122223333:role/admin",
    ] {
        per_principal.insert(
            p.into(),
            json(db, &["usage", "show", "--principal", p])["usage"].clone(),
        );
    }
    serde_json::json!({"summary": summary, "usage": per_principal})
}

#[test]
fn ingest_is_incremental() {
    let dir = tmp("incremental");
    let db = dir.join("usage.db");
    whittle()
        .args(["ingest", DEMO_TRAIL, "--db"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "ingested 178 log object(s), 1357 events (2 denied)",
        ))
        .stderr(predicate::str::contains("CloudTrail digest file"));
    let first = state(&db);
    assert_eq!(first["summary"]["events"], 1357);
    assert_eq!(first["summary"]["log_objects"], 178);
    whittle()
        .args(["ingest", DEMO_TRAIL, "--db"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains("ingested 0 log object(s)"))
        .stdout(predicate::str::contains("178 already ingested"));
    assert_eq!(state(&db), first, "re-running adds nothing");
    // the same objects under another path are the same objects
    let copy = dir.join("copy");
    copy_tree(&root().join(DEMO_TRAIL), &copy);
    whittle()
        .args(["ingest"])
        .arg(&copy)
        .arg("--db")
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains("178 already ingested"));
    assert_eq!(state(&db), first);
    std::fs::remove_dir_all(&dir).ok();
}

fn copy_tree(from: &Path, to: &Path) {
    for e in walk(from) {
        let rel = e.strip_prefix(from).expect("under root");
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&e, &dest).expect("copy");
    }
}

fn committed_objects(db: &Path) -> i64 {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    conn.query_row("SELECT count(*) FROM log_objects", [], |r| r.get(0))
        .unwrap_or(0)
}

#[test]
fn killed_runs_resume_to_exactly_the_uninterrupted_counts() {
    let dir = tmp("crash");
    let reference = dir.join("reference.db");
    whittle()
        .args(["ingest", DEMO_TRAIL, "-q", "--db"])
        .arg(&reference)
        .assert()
        .success();
    let expected = state(&reference);
    let bin = assert_cmd::cargo::cargo_bin("whittle");
    let mut killed_mid_run = 0;
    for (i, after_commits) in [1i64, 40, 90, 150].into_iter().enumerate() {
        let db = dir.join(format!("killed-{i}.db"));
        // commit after every object so the kill lands between and inside many transactions
        let mut child = std::process::Command::new(&bin)
            .current_dir(root())
            .args(["ingest", DEMO_TRAIL, "-q", "--commit-every", "1", "--db"])
            .arg(&db)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        let started = std::time::Instant::now();
        while committed_objects(&db) < after_commits && started.elapsed() < Duration::from_secs(20)
        {
            if child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        let _ = child.kill(); // SIGKILL: no cleanup runs
        let _ = child.wait();
        let at_kill = committed_objects(&db);
        if at_kill > 0 && at_kill < 178 {
            killed_mid_run += 1;
        }
        whittle()
            .args(["ingest", DEMO_TRAIL, "-q", "--db"])
            .arg(&db)
            .assert()
            .success();
        assert_eq!(
            state(&db),
            expected,
            "run killed after {at_kill} committed objects, then resumed"
        );
    }
    assert!(
        killed_mid_run >= 2,
        "the kills should land mid-run ({killed_mid_run} did)"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_files_are_reported_not_marked_done_and_ingest_later() {
    let dir = tmp("bad");
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).expect("mkdir");
    let good =
        std::fs::read(root().join("testdata/aws/cloudtrail/delivery-file-mixed-identities.json"))
            .expect("fixture");
    std::fs::write(logs.join("good.json"), &good).expect("write");
    std::fs::copy(
        root().join("testdata/aws/cloudtrail/records-without-event-name-and-wrong-type.json"),
        logs.join("partly-bad.json"),
    )
    .expect("copy");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &good).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let name = "111122223333_CloudTrail_eu-west-1_20261001T1200Z_TRUNCATEDFIXTURE.json.gz";
    std::fs::write(logs.join(name), &gz[..gz.len() - 40]).expect("write");
    std::fs::write(logs.join("notes.txt"), "not a log").expect("write");
    let db = dir.join("usage.db");
    whittle()
        .arg("ingest")
        .arg(&logs)
        .arg("--db")
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(name).and(predicate::str::contains("gzip")))
        .stderr(predicate::str::contains(
            "partly-bad.json: at `record 0`: skipped: record has no `eventName`",
        ))
        .stderr(predicate::str::contains("not a JSON log file"))
        .stdout(predicate::str::contains(
            "1 failed (not marked done), 2 record(s) skipped",
        ));
    assert_eq!(json(&db, &["usage", "summary"])["events"], 17);
    // repair the truncated object: the next run ingests it, and only it
    std::fs::write(logs.join(name), &gz).expect("write");
    whittle()
        .arg("ingest")
        .arg(&logs)
        .arg("--db")
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "ingested 1 log object(s), 16 events",
        ));
    assert_eq!(json(&db, &["usage", "summary"])["events"], 33);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn usage_queries() {
    let dir = tmp("queries");
    let db = dir.join("usage.db");
    whittle()
        .args(["ingest", DEMO_TRAIL, "-q", "--db"])
        .arg(&db)
        .assert()
        .success();
    whittle()
        .args([
            "usage",
            "show",
            "--principal",
            "arn:aws:iam::111122223333:user/alice",
            "--db",
        ])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains("iam:CreateUser"))
        .stdout(predicate::str::contains("denied 1×"));
    whittle()
        .args([
            "usage",
            "show",
            "--principal",
            "arn:aws:iam::111122223333:role/orders-api",
            "--db",
        ])
        .arg(&db)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean `arn:aws:iam::111122223333:role/app/orders-api`",
        ));
    whittle()
        .args(["usage", "summary", "--db"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains("111122223333 us-east-1"))
        .stdout(predicate::str::contains("data"));
    let v = json(&db, &["usage", "unmapped"]);
    assert_eq!(v["unmapped"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["permissionless"][0]["operation"], "ConsoleLogin");
    assert_eq!(v["permissionless"][0]["service"], "signin.amazonaws.com");
    whittle()
        .args(["usage", "summary", "--db"])
        .arg(dir.join("missing.db"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no usage store"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A delivery file is one line: a syntax error past column 65,535 used to print the whole
/// line and then panic in the diagnostic renderer (exit 101).
#[test]
fn a_syntax_error_far_into_a_one_line_file_is_a_short_diagnostic() {
    let dir = tmp("long-line");
    let record = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"},"eventTime":"2026-11-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","recipientAccountId":"111122223333"}"#;
    let mut text = String::from(r#"{"Records":["#);
    while text.len() < 100_000 {
        text.push_str(record);
        text.push(',');
    }
    text.push_str(r#"{"eventName": oops}]}"#);
    let file = dir.join("111122223333_CloudTrail_eu-west-1_20261101T1000Z_long.json");
    std::fs::write(&file, &text).expect("write");
    let out = whittle()
        .args(["ingest", "-q", "--db"])
        .arg(dir.join("usage.db"))
        .arg(&file)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(":1:100"), "{stderr}");
    assert!(
        stderr.contains("oops"),
        "the snippet shows the error: {stderr}"
    );
    assert!(stderr.len() < 3_000, "{} bytes of stderr", stderr.len());
    std::fs::remove_dir_all(&dir).ok();
}

/// A path that does not exist used to exit 1 and leave an empty store behind.
#[test]
fn ingest_of_a_path_that_does_not_exist_creates_nothing() {
    let dir = tmp("no-such-path");
    let db = dir.join("sub/usage.db");
    whittle()
        .args(["ingest", "testdata/no-such-trail", "--db"])
        .arg(&db)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no such file or directory: `testdata/no-such-trail`",
        ));
    assert!(!db.exists() && !dir.join("sub").exists());
    std::fs::remove_dir_all(&dir).ok();
}

/// Two ingests at once used to kill the second with a raw `UNIQUE constraint failed:
/// log_objects.key`. Now the second waits for the first, then reads only what is left: both
/// succeed and every event is counted once.
#[test]
fn concurrent_ingests_take_turns_and_count_everything_once() {
    let dir = tmp("concurrent");
    let db = dir.join("usage.db");
    let run = || {
        let db = db.clone();
        std::thread::spawn(move || {
            whittle()
                .args(["ingest", DEMO_TRAIL, "-q", "--format", "json", "--db"])
                .arg(&db)
                .output()
                .expect("runs")
        })
    };
    let (a, b) = (run(), run());
    let (a, b) = (a.join().expect("a"), b.join().expect("b"));
    for out in [&a, &b] {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let ingested: u64 = [&a, &b]
        .iter()
        .map(|o| {
            let v: Value = serde_json::from_slice(&o.stdout).expect("json");
            v["ingested"].as_u64().expect("ingested")
        })
        .sum();
    assert_eq!(
        ingested, 178,
        "each delivery file ingested by exactly one of the two"
    );
    let v = json(&db, &["usage", "summary"]);
    assert_eq!(v["events"].as_u64(), Some(1357));
    std::fs::remove_dir_all(&dir).ok();
}

/// `--no-wait` says who holds the store instead of waiting; without it, ingest waits and says so.
#[test]
fn a_held_store_is_reported_or_waited_for() {
    let dir = tmp("held");
    let db = dir.join("usage.db");
    let lock = std::fs::File::create(dir.join("usage.db.lock")).expect("lock file");
    lock.lock().expect("lock");
    whittle()
        .args(["ingest", DEMO_TRAIL, "-q", "--no-wait", "--db"])
        .arg(&db)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is being written by another whittle ingest",
        ));
    assert!(!db.exists(), "nothing written while the store is held");
    let waiting = {
        let db = db.clone();
        std::thread::spawn(move || {
            whittle()
                .args(["ingest", DEMO_TRAIL, "-q", "--db"])
                .arg(&db)
                .output()
                .expect("runs")
        })
    };
    std::thread::sleep(Duration::from_millis(700));
    drop(lock);
    let out = waiting.join().expect("joins");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("waiting: the usage store is being written"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Commands that only read open the store read-only: an immutable store (as on read-only
/// media) used to fail with "attempt to write a readonly database".
#[test]
fn a_read_only_store_can_be_read() {
    let dir = tmp("read-only");
    let db = dir.join("usage.db");
    whittle()
        .args(["ingest", DEMO_TRAIL, "-q", "--db"])
        .arg(&db)
        .assert()
        .success();
    // fold the write-ahead log into the file, so the store is one file
    {
        let c = rusqlite::Connection::open(&db).expect("open");
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;")
            .expect("checkpoint");
    }
    let immutable = std::process::Command::new("chattr")
        .arg("+i")
        .arg(&db)
        .status()
        .is_ok_and(|s| s.success());
    if !immutable {
        #[allow(clippy::print_stderr, reason = "a skipped test says so")]
        {
            eprintln!("skipped: `chattr +i` is not available here to make the store read-only");
        }
        std::fs::remove_dir_all(&dir).ok();
        return;
    }
    let summary = whittle()
        .args(["usage", "summary", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let check = whittle()
        .args([
            "check",
            "--snapshot",
            "testdata/demo/snapshot/authorization-details.json",
        ])
        .args([
            "--rules",
            "rules/",
            "--now",
            "2026-11-25",
            "--fail-on",
            "never",
            "--db",
        ])
        .arg(&db)
        .output()
        .expect("runs");
    let _ = std::process::Command::new("chattr")
        .arg("-i")
        .arg(&db)
        .status();
    assert_eq!(
        summary.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&summary.stderr)
    );
    assert!(String::from_utf8_lossy(&summary.stdout).contains("1357 events"));
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `usage show` at scale: one row per S3 object rolled up by action, a permission filter, and
/// "who used this resource" without a principal.
#[test]
fn usage_show_rolls_up_filters_and_answers_who_used_a_resource() {
    let dir = tmp("usage-rollup");
    let db = dir.join("usage.db");
    whittle()
        .args(["ingest", DEMO_TRAIL, "-q", "--db"])
        .arg(&db)
        .assert()
        .success();
    let orders = "arn:aws:iam::111122223333:role/app/orders-api";
    let rolled = json(
        &db,
        &["usage", "show", "--principal", orders, "--by", "action"],
    );
    let get = rolled["by_action"]
        .as_array()
        .expect("by_action")
        .iter()
        .find(|a| a["permission"] == "s3:GetObject")
        .expect("s3:GetObject rolled up");
    assert_eq!(get["resources"].as_u64(), Some(49), "{get}");
    assert_eq!(rolled["usage"].as_array().map(Vec::len), Some(0));
    let filtered = json(
        &db,
        &[
            "usage",
            "show",
            "--principal",
            orders,
            "--action",
            "DYNAMODB:*",
        ],
    );
    let rows = filtered["usage"].as_array().expect("usage");
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["permission"]
        .as_str()
        .is_some_and(|p| p.starts_with("dynamodb:"))));
    let who = json(
        &db,
        &[
            "usage",
            "show",
            "--resource",
            "arn:aws:dynamodb:*:table/orders",
        ],
    );
    let rows = who["usage"].as_array().expect("usage");
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["principal"] == orders));
    std::fs::remove_dir_all(&dir).ok();
}
