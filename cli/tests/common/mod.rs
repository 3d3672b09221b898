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
