//! What users read, as reviewed snapshots: `check` in every format over the demo account with
//! its usage, and the diagnostics of broken rules and inputs. A change to any of them is a diff
//! in `cli/tests/snapshots/` to review (`cargo insta review`).

use std::path::Path;

mod common;
use common::{demo_store, tmp, whittle};

const DEMO: &str = "testdata/demo/snapshot/authorization-details.json";

fn stdout_of(args: &[&str], db: &Path) -> String {
    let out = whittle()
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn check_in_every_format() {
    let dir = tmp("snapshots-check");
    let db = demo_store(&dir);
    for format in ["text", "json", "sarif", "markdown"] {
        let out = stdout_of(
            &[
                "check",
                "--snapshot",
                DEMO,
                "--rules",
                "rules/",
                "--now",
                "2026-11-25",
                "--format",
                format,
            ],
            &db,
        );
        insta::assert_snapshot!(format!("check_demo_{format}"), out);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Resource policies naming partners, anyone and the demo's own principals, and an organisation
/// whose SCP takes privilege-escalation permissions away: what guardrails see of them.
#[test]
fn check_sees_resource_policies_and_scps() {
    for format in ["text", "json"] {
        let out = whittle()
            .args([
                "check",
                "--snapshot",
                DEMO,
                "--snapshot",
                "testdata/aws/resource-policies/same-account-names-role-session-user-account-and-partner.json",
                "--snapshot",
                "testdata/aws/resource-policies/bucket-trusts-analyst-role-and-public-queue.json",
                "--snapshot",
                "testdata/aws/org/prod-ou-scp-denies-access-keys-and-role-policy-writes.json",
                "--rules",
                "rules/",
                "--now",
                "2026-11-25",
                "--rule",
                "aws-resource-policy-*",
                "--rule",
                "*-blocked-by-scp",
                "--format",
                format,
            ])
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).expect("utf-8");
        insta::assert_snapshot!(format!("check_resource_policies_and_scps_{format}"), text);
    }
}

fn stderr_of(args: &[&str]) -> (Option<i32>, String) {
    let out = whittle().args(args).output().expect("runs");
    (
        out.status.code(),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

#[test]
fn diagnostics_of_broken_rules() {
    let (code, err) = stderr_of(&["rules", "validate", "testdata/rules/every-kind-of-mistake"]);
    assert_eq!(code, Some(2));
    insta::assert_snapshot!("validate_every_kind_of_mistake", err);
    let (code, err) = stderr_of(&[
        "rules",
        "validate",
        "testdata/rules/impossible-combinations",
    ]);
    assert_eq!(code, Some(2));
    insta::assert_snapshot!("validate_impossible_combinations", err);
}

#[test]
fn diagnostics_of_broken_inputs() {
    let (code, err) = stderr_of(&[
        "inventory",
        "--snapshot",
        "testdata/aws/authz/truncated-mid-user.json",
        "--snapshot",
        "testdata/aws/authz/bad-effect-in-second-role-inline-policy.json",
    ]);
    assert_eq!(code, Some(2));
    insta::assert_snapshot!("inventory_truncated_and_bad_effect", err);
}

#[test]
fn diagnostics_of_names_that_are_not_there() {
    for (name, args) in [
        (
            "explain_unknown_principal",
            &["explain", "--snapshot", DEMO, "--principal", "alic"][..],
        ),
        (
            "catalog_unknown_action",
            &["catalog", "show", "iam:PassRoel"][..],
        ),
        (
            "catalog_unknown_gcp_permission",
            &["catalog", "show", "storage.object.get"][..],
        ),
        (
            "rules_explain_unknown_rule",
            &["rules", "explain", "aws-passrole", "--rules", "rules"][..],
        ),
        (
            "usage_without_a_store",
            &["usage", "summary", "--db", "testdata/no-such-store.db"][..],
        ),
    ] {
        let (code, err) = stderr_of(args);
        assert_eq!(code, Some(2), "{name}");
        insta::assert_snapshot!(name, err);
    }
}
