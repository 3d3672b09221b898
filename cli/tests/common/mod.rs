//! What the end-to-end test files share: the binary run from the repository root, scratch
//! directories, and reading the JSON the binary prints.
#![allow(dead_code, reason = "each test file uses its own share of these")]

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

/// The repository root: fixtures are named relative to it.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `whittle` binary, run from the repository root, with no default usage store (a
/// developer's `.whittle/usage.db` must not change what the tests see).
pub fn whittle() -> Command {
    let mut c = Command::cargo_bin("whittle").expect("binary built");
    c.current_dir(root());
    // a developer's webhook must never receive the tests' alerts
    c.env_remove("WHITTLE_WEBHOOK_URL");
    c.env(
        "WHITTLE_DB",
        std::env::temp_dir().join("whittle-tests-no-default-store.db"),
    );
    c
}

/// Runs `cmd` and returns its exit code, stdout and stderr (as text).
pub fn outcome(cmd: &mut Command) -> (Option<i32>, String, String) {
    let out = cmd.output().expect("runs");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

/// Runs `cmd`, which must succeed, and reads the JSON it prints.
pub fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

/// An empty scratch directory for one test.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("whittle-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
}

/// A usage store of the whole demo trail, in `dir`.
pub fn demo_store(dir: &std::path::Path) -> PathBuf {
    let db = dir.join("usage.db");
    whittle()
        .args(["ingest", "testdata/demo/cloudtrail", "-q", "--db"])
        .arg(&db)
        .assert()
        .success();
    db
}

/// The principals an `inventory --format json` report calls admin-equivalent.
pub fn admins(inventory: &Value) -> Vec<&str> {
    inventory["admin_equivalent"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["principal"].as_str())
        .collect()
}

/// Every file under `dir`, recursively.
pub fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// What a usage store says was used, by whom, and what the logs covered: the usage rows,
/// role sessions, coverage, unmapped and permission-free operations, and how many principals
/// and resources.
pub const USE_AND_COVERAGE: &[&str] = &[
    "SELECT provider, principal, principal_kind, permission, resource, first_seen, last_seen, count, denied, denied_last FROM usage_view",
    "SELECT p.ident, s.session, s.count, s.last_seen FROM sessions s JOIN principals p ON p.id = s.principal",
    "SELECT provider, scope, location, service, class, day, events FROM coverage",
    "SELECT 'unmapped', provider, service, operation, count, last_seen FROM unmapped",
    "SELECT 'permissionless', provider, service, operation, count, last_seen FROM permissionless",
    "SELECT 'principals', count(*) FROM principals",
    "SELECT 'resources', count(*) FROM resources",
];

/// [`USE_AND_COVERAGE`], the log objects and the journal: everything a store holds that ingest
/// order cannot change.
pub const STORE_CONTENT: &[&str] = &[
    USE_AND_COVERAGE[0],
    USE_AND_COVERAGE[1],
    USE_AND_COVERAGE[2],
    USE_AND_COVERAGE[3],
    USE_AND_COVERAGE[4],
    "SELECT key, size, events, skipped_records, source FROM log_objects",
    "SELECT provider, event_id, time, principal, operation, classes FROM journal",
    USE_AND_COVERAGE[5],
    USE_AND_COVERAGE[6],
];

/// The rows `queries` read from the store `db`, each as `a|b|c`, sorted per query.
pub fn store_dump(db: &std::path::Path, queries: &[&str]) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut out = Vec::new();
    for sql in queries {
        let mut st = conn.prepare(sql).expect(sql);
        let n = st.column_count();
        let rows = st
            .query_map([], |r| {
                let cols: Vec<String> = (0..n)
                    .map(|i| match r.get_ref(i) {
                        Ok(rusqlite::types::ValueRef::Text(t)) => {
                            format!("Text({:?})", String::from_utf8_lossy(t))
                        }
                        Ok(v) => format!("{v:?}"),
                        Err(e) => e.to_string(),
                    })
                    .collect();
                Ok(cols.join("|"))
            })
            .expect("query");
        let mut rows: Vec<String> = rows.map(|r| r.expect("row")).collect();
        rows.sort();
        out.extend(rows);
    }
    out
}

/// `whittle report` on the demo account and its logs (`testdata/demo`, as of 2026-11-25, the
/// repository's rules), written to `page`, with `extra` flags.
pub fn demo_report(page: &std::path::Path, extra: &[&str]) {
    let (code, _, err) = outcome(
        whittle()
            .args([
                "report",
                "--snapshot",
                "testdata/demo/snapshot/authorization-details.json",
            ])
            .args(["--logs", "testdata/demo/cloudtrail", "--now", "2026-11-25"])
            .args(["--rules", "rules/"])
            .args(extra)
            .arg("--output")
            .arg(page),
    );
    assert_eq!(code, Some(0), "{err}");
}
