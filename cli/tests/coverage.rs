//! Coverage that vouches for non-use: gaps in the logs are not evidence, impossible rule
//! settings are errors, and a store written by the previous schema migrates in place.

use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

mod common;
use common::{demo_store, root, tmp, whittle};

const DEMO: &str = "testdata/demo/snapshot/authorization-details.json";
const TRAIL: &str = "testdata/demo/cloudtrail/AWSLogs/111122223333/CloudTrail";

/// Copies the demo trail's delivery files of `days` (`2026/08/22`) into `to`, both regions.
fn trail_days(to: &Path, days: &[&str]) {
    for region in ["eu-west-1", "us-east-1"] {
        for day in days {
            let from = root().join(TRAIL).join(region).join(day);
            let Ok(entries) = std::fs::read_dir(&from) else {
                continue;
            };
            let dest = to
                .join("AWSLogs/111122223333/CloudTrail")
                .join(region)
                .join(day);
            std::fs::create_dir_all(&dest).expect("mkdir");
            for e in entries {
                let e = e.expect("entry");
                std::fs::copy(e.path(), dest.join(e.file_name())).expect("copy");
            }
        }
    }
}

fn check_json(db: &Path, now: &str) -> Value {
    let out = whittle()
        .args([
            "check",
            "--snapshot",
            DEMO,
            "--rules",
            "rules/",
            "--fail-on",
            "never",
        ])
        .args(["--format", "json", "--now", now, "--db"])
        .arg(db)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn unused(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.contains("unused")))
        .collect()
}

/// Logs on three days in August and one in November, inside a 90-day window: four covered
/// days are not 60. Before coverage counted days, first-to-last (all 90 days) made every held
/// permission "unused for 90 days".
#[test]
fn four_days_of_logs_in_a_90_day_window_vouch_for_nothing() {
    let dir = tmp("four-days");
    trail_days(
        &dir.join("trail"),
        &["2026/08/23", "2026/08/24", "2026/08/25", "2026/11/20"],
    );
    let db = dir.join("usage.db");
    whittle()
        .args(["ingest", "-q", "--db"])
        .arg(&db)
        .arg(dir.join("trail"))
        .assert()
        .success();
    let report = check_json(&db, "2026-11-21");
    assert!(unused(&report).is_empty(), "{:#?}", unused(&report));
    // every finding says why usage is unknown
    let f = &report["findings"][0];
    assert_eq!(f["evidence"]["usage_known"], false);
    let words = f["evidence"]["coverage"][0].as_str().unwrap_or_default();
    assert!(
        words.starts_with("logs cover 4 of 90 days (gaps 2026-08-26..2026-11-19)"),
        "{words}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The whole demo trail covers the window: unused findings appear, with the coverage in words;
/// S3 object reads are data events the demo trail logs, so they are vouched for too.
#[test]
fn a_covered_window_still_finds_unused_permissions_and_says_why() {
    let dir = tmp("covered");
    let db = demo_store(&dir);
    let report = check_json(&db, "2026-11-25");
    let found = unused(&report);
    assert!(!found.is_empty());
    for f in &found {
        assert_eq!(f["evidence"]["usage_known"], true, "{f}");
        assert_eq!(
            f["evidence"]["coverage"][0], "logs cover 90 of 90 days",
            "{f}"
        );
    }
    // iam:PassRole is never an event of its own: never reported unused
    assert!(
        !found.iter().any(|f| f["permissions"]
            .as_array()
            .is_some_and(|p| p.iter().any(|x| x == "iam:PassRole"))),
        "{found:#?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `after-days` beyond the window and a minimum coverage the window cannot hold are errors
/// that point at the key; the rule's test does not get to pass.
#[test]
fn a_rule_that_can_never_fire_does_not_validate() {
    let dir = "testdata/rules/impossible-combinations";
    for cmd in ["validate", "test"] {
        whittle()
            .args(["rules", cmd, dir])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "settings.toml:9: rule `unused-for-four-months`: `after-days = 120` is longer than the observation window, `window-days = 90` (set in testdata/rules/impossible-combinations/settings.toml:3)",
            ))
            .stderr(predicate::str::contains(
                "settings.toml:5: `min-coverage-days = 120` is longer than `window-days = 90`",
            ))
            .stdout(predicate::str::contains("passed").not());
    }
}

/// A store written by the previous release is migrated on first use and takes new logs:
/// what it already holds is neither lost nor counted twice.
#[test]
fn a_v1_store_migrates_and_keeps_ingesting() {
    let dir = tmp("v1-store");
    let db = dir.join("usage.db");
    std::fs::copy(
        root().join("testdata/usage/store-v1-four-days-and-mixed-identities.db"),
        &db,
    )
    .expect("copy");
    let out = whittle()
        .args([
            "ingest",
            "testdata/demo/cloudtrail",
            "--format",
            "json",
            "-q",
            "--db",
        ])
        .arg(&db)
        .output()
        .expect("runs");
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    // the fixture holds 7 of the demo trail's delivery files (85 events with 5 other files): 1296 new events
    assert_eq!(
        (r["found"].as_u64(), r["already_ingested"].as_u64()),
        (Some(178), Some(7))
    );
    assert_eq!(r["ingested"].as_u64(), Some(171));
    whittle()
        .args(["usage", "summary", "--db"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains("migrated from schema version 1"))
        .stdout(predicate::str::contains("183 log objects, 1381 events"));
    std::fs::remove_dir_all(&dir).ok();
}
