//! Conformance: the CLI on real public data from `$WHITTLE_DATASETS` (skipped, and says so, when unset).
#![allow(clippy::print_stderr, reason = "a skipped conformance test says so")]

use std::path::PathBuf;

fn datasets() -> Option<PathBuf> {
    match std::env::var_os("WHITTLE_DATASETS") {
        // absolute: the binary runs from the repository root
        Some(d) => Some(std::fs::canonicalize(&d).unwrap_or_else(|_| PathBuf::from(d))),
        None => {
            eprintln!("skipped: WHITTLE_DATASETS is not set");
            None
        }
    }
}

mod common;
use common::{admins, tmp, whittle};

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
    let admins = admins(&v);
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

#[test]
fn every_cloudtrail_dataset_ingests_without_panics_and_maps_most_events() {
    let Some(root) = datasets() else { return };
    let inputs = [
        "cloud-snitch-testdata",
        "stratus-red-team-detonation-logs",
        "otrf-security-datasets",
        "plaso-test-data/aws_cloudtrail.jsonl",
        "panther-analysis-test-events/AWS_CloudTrail.events.jsonl",
    ];
    let dir = tmp("conformance");
    let db = dir.join("usage.db");
    for input in inputs {
        let out = whittle()
            .arg("ingest")
            .arg(root.join(input))
            .arg("--db")
            .arg(&db)
            .args(["-q", "--format", "json"])
            .output()
            .expect("runs");
        // 0 clean, 1 something skipped (hand-written partial events in some sets); never 2, never a panic
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{input}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
        assert!(
            v["events"].as_u64().is_some_and(|n| n > 0),
            "{input}: no events ingested"
        );
    }
    let out = whittle()
        .args(["usage", "summary", "--format", "json", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let events = s["events"].as_u64().unwrap_or(0);
    let unmapped = s["unmapped_events"].as_u64().unwrap_or(0);
    let permissionless = s["permissionless_events"].as_u64().unwrap_or(0);
    eprintln!(
        "conformance: {events} events, {} mapped to permissions, {permissionless} need none, {unmapped} unmapped ({:.1} %)",
        s["allowed_calls"].as_u64().unwrap_or(0) + s["denied_calls"].as_u64().unwrap_or(0),
        100.0 * unmapped as f64 / events.max(1) as f64
    );
    assert!(events > 800, "{events}");
    assert!(
        unmapped * 20 < events,
        "more than 5 % of events unmapped: {unmapped} of {events}"
    );
    assert_eq!(s["id_collisions"], 0);
    assert!(
        s["principals"].as_u64().is_some_and(|n| n > 20),
        "users, roles, services and cross-account callers: {}",
        s["principals"]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn cloudmapper_snapshot_checked_against_the_builtin_pack() {
    let Some(root) = datasets() else { return };
    let snap = root.join("cloudmapper-demo/iam-get-account-authorization-details.json");
    let out = whittle()
        .args([
            "check",
            "--rules",
            "@builtin",
            "--format",
            "json",
            "--now",
            "2026-11-25",
            "--snapshot",
        ])
        .arg(&snap)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "critical findings expected: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    let has = |rule: &str, principal: &str| {
        findings
            .iter()
            .any(|f| f["rule"] == rule && f["principal"] == principal)
    };
    assert!(has(
        "aws-admin-equivalent-grant",
        "arn:aws:iam::123456789012:role/bad_role"
    ));
    assert!(
        has(
            "aws-wildcard-data-access",
            "arn:aws:iam::123456789012:role/exfiller"
        ),
        "s3:* on * in `exfiller`"
    );
}

/// `recommend` on a real snapshot with logs of other accounts (an organisation trail's test
/// files) and a real credential report: a warning per account without logs, nothing removed,
/// every proposal safe, the stale credentials listed — the root user's access key among them.
#[test]
fn recommend_on_a_snapshot_whose_account_the_logs_do_not_cover() {
    let Some(root) = datasets() else { return };
    let out = whittle()
        .args([
            "recommend",
            "--format",
            "json",
            "--rules",
            "@builtin",
            "--now",
            "2025-03-10",
        ])
        .arg("--snapshot")
        .arg(root.join("cloudmapper-demo/iam-get-account-authorization-details.json"))
        .arg("--logs")
        .arg(root.join("cloud-snitch-testdata"))
        .arg("--credential-report")
        .arg(root.join("cloudmapper-demo/iam-get-credential-report.json"))
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let warnings = v["warnings"].to_string();
    assert!(
        warnings.contains("no logs for account 123456789012 in the window"),
        "{warnings}"
    );
    assert_eq!(v["summary"]["with_changes"], 0, "no evidence, no change");
    for p in v["principals"].as_array().expect("principals") {
        assert_eq!(p["safety"]["no_new_access"]["passed"], true);
        assert_eq!(p["removed"], serde_json::json!([]), "{}", p["principal"]);
    }
    let unused: Vec<(&str, &str)> = v["credentials"]["unused"]
        .as_array()
        .expect("credentials")
        .iter()
        .map(|c| {
            (
                c["user"].as_str().unwrap_or(""),
                c["credential"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        unused.contains(&("<root_account>", "access-key-1")),
        "{unused:?}"
    );
    assert!(
        unused.contains(&("auditor_tmp", "access-key-1")),
        "{unused:?}"
    );
}

/// checkov's IAM fixtures (CloudFormation YAML and JSON with intrinsics, and `.tf` files, which
/// are not plans and are skipped): every template is read, and the roles that fixture set marks
/// as publicly assumable are exactly the ones whittle flags.
#[test]
fn checkov_cloudformation_fixtures_are_read_and_public_trust_is_flagged() {
    let Some(root) = datasets() else { return };
    let dir = root.join("checkov-iam-fixtures");
    let out = whittle()
        .args([
            "check",
            "--rules",
            "@builtin",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .arg(&dir)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("whittle::input"), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    let flagged: std::collections::BTreeSet<String> = findings
        .iter()
        .filter(|f| f["rule"] == "policy-trust-any-principal")
        .filter_map(|f| f["granted_by"]["location"]["file"].as_str())
        .filter(|f| f.contains("example_IAMRoleAllowsPublicAssume"))
        .filter_map(|f| f.rsplit('/').next().map(str::to_string))
        .collect();
    assert_eq!(
        flagged.into_iter().collect::<Vec<_>>(),
        ["FAILED-2.yml", "FAILED.yml"]
    );
    // the misspelt and API-only action names that fixture set uses are caught
    assert!(findings.iter().any(|f| f["rule"] == "policy-unknown-action"
        && f["message"]
            .as_str()
            .is_some_and(|m| m.contains("s3:HeadBucket"))));
}

/// `check --format json` on real GCP or Azure exports: exit 1 (high findings), and the rule ids
/// with their counts; no rule may have errored.
fn cloud_check(files: &[PathBuf]) -> std::collections::BTreeMap<String, usize> {
    let out = whittle()
        .args([
            "check",
            "--rules",
            "@builtin",
            "--format",
            "json",
            "--snapshot",
        ])
        .args(files)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut by_rule = std::collections::BTreeMap::new();
    for f in v["findings"].as_array().into_iter().flatten() {
        *by_rule
            .entry(f["rule"].as_str().unwrap_or_default().to_string())
            .or_insert(0) += 1;
    }
    assert!(!by_rule.contains_key("whittle-rule-error"), "{by_rule:?}");
    by_rule
}

#[test]
fn gcp_policy_library_fixtures_checked_against_the_builtin_pack() {
    let Some(root) = datasets() else { return };
    let dir = root.join("gcp-policy-library-fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("dataset")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let by_rule = cloud_check(&files);
    // the fixtures hold world-readable buckets and datasets, Owner bindings and service-account
    // roles on projects: each built-in GCP rule for them fires
    for rule in [
        "gcp-public-binding",
        "gcp-basic-role-on-project-or-above",
        "gcp-service-account-impersonation",
    ] {
        assert!(
            by_rule.get(rule).is_some_and(|&n| n > 0),
            "{rule}: {by_rule:?}"
        );
    }
    assert!(by_rule.keys().all(|r| r.starts_with("gcp-")), "{by_rule:?}");
}

#[test]
fn custodian_azure_rbac_checked_against_the_builtin_pack() {
    let Some(root) = datasets() else { return };
    let dir = root.join("cloud-custodian/azure");
    let by_rule = cloud_check(&[
        dir.join("role_assignments.json"),
        dir.join("role_definitions.json"),
    ]);
    // 74 assignments in the recording; the privileged ones at subscription scope are flagged
    let privileged = by_rule
        .get("azure-privileged-role-at-subscription-or-above")
        .copied()
        .unwrap_or_default();
    assert!((1..=74).contains(&privileged), "{by_rule:?}");
    assert!(
        by_rule.keys().all(|r| r.starts_with("azure-")),
        "{by_rule:?}"
    );
}
