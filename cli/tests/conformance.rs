//! Conformance: the CLI on real public data from `$WHITTLE_DATASETS` (skipped, and says so, when unset).
#![allow(clippy::print_stderr, reason = "a skipped conformance test says so")]

use assert_cmd::Command;
use std::path::PathBuf;

fn datasets() -> Option<PathBuf> {
    match std::env::var_os("WHITTLE_DATASETS") {
        Some(d) => Some(PathBuf::from(d)),
        None => {
            eprintln!("skipped: WHITTLE_DATASETS is not set");
            None
        }
    }
}

fn whittle() -> Command {
    Command::cargo_bin("whittle").expect("binary built")
}

#[test]
fn cloudmapper_snapshot_inventory_and_explain_every_principal() {
    let Some(root) = datasets() else { return };
    let snap = root.join("cloudmapper-demo/iam-get-account-authorization-details.json");
    let out = whittle()
        .args(["inventory", "--format", "json", "--snapshot"])
        .arg(&snap)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["counts"]["users"], 2);
    assert_eq!(v["counts"]["roles"], 4);
    let admins: Vec<&str> = v["admin_equivalent"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["principal"].as_str())
        .collect();
    assert_eq!(
        admins,
        ["arn:aws:iam::123456789012:role/bad_role"],
        "only bad_role holds Action * on *"
    );
    for name in [
        "USER",
        "USER_WITH_BAD_INLINE_POLICY",
        "exfiller",
        "bad_role",
        "level1",
        "level3",
    ] {
        let out = whittle()
            .args([
                "explain",
                "--format",
                "json",
                "--principal",
                name,
                "--snapshot",
            ])
            .arg(&snap)
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert!(
            v["actions_held"].as_u64().is_some_and(|n| n > 0),
            "{name} holds something"
        );
    }
}
