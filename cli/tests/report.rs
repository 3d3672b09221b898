//! `whittle report` (and `check`/`recommend --format html`): the page shows the numbers the JSON
//! outputs give, is self-contained, and its overview reads as reviewed.

mod common;

use common::{demo_report, json_of, outcome, root, whittle};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SNAPSHOT: &str = "testdata/demo/snapshot/authorization-details.json";
const LOGS: &str = "testdata/demo/cloudtrail";
const NOW: &str = "2026-11-25";

/// The demo's logs ingested into a fresh store.
fn demo_store(dir: &Path) -> PathBuf {
    let db = dir.join("usage.db");
    let (code, _, err) = outcome(whittle().args(["ingest", "-q", LOGS, "--db"]).arg(&db));
    assert_eq!(code, Some(0), "{err}");
    db
}

fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target").join("report-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The value of `attr` on every element that has `marker` in its start tag.
fn attrs_of(html: &str, marker: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    html.match_indices(marker)
        .filter_map(|(at, _)| {
            let start = html[..at].rfind('<')?;
            let end = at + html[at..].find('>')?;
            let tag = &html[start..end];
            let v = tag.find(&needle)? + needle.len();
            Some(tag[v..v + tag[v..].find('"')?].to_string())
        })
        .collect()
}

fn headline(html: &str, key: &str) -> String {
    let v = attrs_of(html, &format!("data-key=\"{key}\""), "data-value");
    assert_eq!(v.len(), 1, "one headline `{key}`");
    v[0].clone()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn the_page_shows_the_numbers_recommend_and_check_give_as_json() {
    let dir = scratch("numbers");
    let db = demo_store(&dir);
    let page = dir.join("report.html");
    let common = |cmd: &mut assert_cmd::Command| {
        cmd.args([
            "--snapshot",
            SNAPSHOT,
            "--rules",
            "rules/",
            "--now",
            NOW,
            "--db",
        ])
        .arg(&db);
    };
    let mut report = whittle();
    report.arg("report");
    common(&mut report);
    let (code, _, err) = outcome(report.arg("--output").arg(&page));
    assert_eq!(code, Some(0), "{err}");
    let html = std::fs::read_to_string(&page).expect("page written");

    let mut rec = whittle();
    rec.args(["recommend", "--format", "json"]);
    common(&mut rec);
    let rec = json_of(&mut rec);
    let mut chk = whittle();
    chk.args(["check", "--format", "json", "--fail-on", "never"]);
    common(&mut chk);
    let chk = json_of(&mut chk);

    // the headline numbers
    let summary = &rec["summary"];
    for key in ["principals", "granted", "used", "proposed"] {
        assert_eq!(
            headline(&html, key),
            summary[key].to_string(),
            "headline `{key}`"
        );
    }
    assert_eq!(
        headline(&html, "proposals"),
        summary["with_changes"].to_string()
    );
    let reduction: f64 = headline(&html, "reduction").parse().expect("a number");
    assert!((reduction - summary["reduction_percent"].as_f64().expect("number")).abs() < 0.05);
    let findings = chk["findings"].as_array().expect("findings");
    assert!(!findings.is_empty(), "the demo has findings");
    assert_eq!(headline(&html, "findings"), findings.len().to_string());

    // every principal's row
    let rows: Vec<(String, String, String, String)> = {
        let ids = attrs_of(&html, "data-granted=", "data-principal");
        let granted = attrs_of(&html, "data-granted=", "data-granted");
        let used = attrs_of(&html, "data-granted=", "data-used");
        let proposed = attrs_of(&html, "data-granted=", "data-proposed");
        (0..ids.len())
            .map(|i| {
                (
                    unescape(&ids[i]),
                    granted[i].clone(),
                    used[i].clone(),
                    proposed[i].clone(),
                )
            })
            .collect()
    };
    let expected: Vec<(String, String, String, String)> = rec["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .map(|p| {
            let c = &p["counts"];
            (
                p["principal"].as_str().expect("id").to_string(),
                c["granted"].to_string(),
                c["used"].to_string(),
                c["proposed"].to_string(),
            )
        })
        .collect();
    assert_eq!(rows, expected);

    // findings per severity, as the severity chart draws them
    let mut by_severity: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings {
        *by_severity
            .entry(f["severity"].as_str().expect("severity").to_string())
            .or_default() += 1;
    }
    for sev in ["critical", "high", "medium", "low", "info"] {
        let drawn = html
            .split(&format!("<title>{sev}: "))
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .expect("a bar per severity");
        assert_eq!(
            drawn,
            by_severity.get(sev).copied().unwrap_or(0).to_string(),
            "{sev}"
        );
    }
    // every finding once in the findings table
    assert_eq!(
        html.matches("<tr class=\"finding\"").count(),
        findings.len()
    );

    // the report's own JSON has the same totals
    let mut data = whittle();
    data.args(["report", "--format", "json"]);
    common(&mut data);
    let data = json_of(&mut data);
    for key in ["principals", "granted", "used", "proposed", "findings"] {
        assert_eq!(
            data["totals"][key],
            summary
                .get(key)
                .cloned()
                .unwrap_or_else(|| Value::from(findings.len())),
            "{key}"
        );
    }
}

#[test]
fn the_page_is_self_contained() {
    let dir = scratch("self-contained");
    let page = dir.join("report.html");
    demo_report(&page, &[]);
    let html = std::fs::read_to_string(&page).expect("page");
    for needle in [
        " src=",
        "<link",
        "@import",
        "url(",
        "http://",
        "https://",
        "@font-face",
    ] {
        assert!(
            !html.contains(needle),
            "the page must load nothing: found `{needle}`"
        );
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<script>") && html.contains("<style>"));
    // accessible: every table has a caption, every chart a title
    assert_eq!(
        html.matches("<table").count(),
        html.matches("<caption>").count()
    );
    assert_eq!(
        html.matches("<svg ").count(),
        html.matches("role=\"img\" aria-labelledby=").count()
    );
}

#[test]
fn check_and_recommend_write_the_same_page_for_their_part() {
    let dir = scratch("formats");
    let db = demo_store(&dir);
    let (code, html, err) = outcome(
        whittle()
            .args([
                "check",
                "--snapshot",
                SNAPSHOT,
                "--rules",
                "rules/",
                "--now",
                NOW,
            ])
            .args(["--format", "html", "--fail-on", "never", "--db"])
            .arg(&db),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(html.contains("<title>Findings — 2026-11-25</title>"));
    assert!(html.contains("id=\"finding-table\""));
    assert!(
        !html.contains("<h4>Proposal</h4>"),
        "check proposes nothing"
    );
    let (code, html, err) = outcome(
        whittle()
            .args([
                "recommend",
                "--snapshot",
                SNAPSHOT,
                "--rules",
                "rules/",
                "--now",
                NOW,
            ])
            .args(["--format", "html", "--db"])
            .arg(&db),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(html.contains("<title>Least-privilege recommendations — 2026-11-25</title>"));
    assert!(html.contains("<h4>Proposal</h4>"));
    assert!(html.contains("id=\"chart-coverage\""));
    assert!(!html.contains("id=\"finding-table\""));
}

#[test]
fn the_overview_reads_as_reviewed() {
    let dir = scratch("overview");
    let page = dir.join("report.html");
    demo_report(&page, &[]);
    let html = std::fs::read_to_string(&page).expect("page");
    let start = html.find("<section id=\"overview\"").expect("overview");
    let end = start + html[start..].find("</section>").expect("end");
    // one element per line, so that a change reads as a small diff
    let overview = html[start..end].replace("><", ">\n<");
    insta::assert_snapshot!("report_overview", overview);
}

#[test]
fn alerts_raised_in_the_window_are_listed_newest_first() {
    let dir = scratch("alerts");
    let db = dir.join("usage.db");
    let (code, _, err) = outcome(
        whittle()
            .args(["ingest", "-q", "testdata/activity/alert-triggers"])
            .args(["--rules", "@builtin", "--now", "2026-06-25", "--db"])
            .arg(&db),
    );
    assert_eq!(code, Some(0), "{err}");
    let snapshot = "testdata/activity/privileged-from-snapshot/account-authorization-details.json";
    let page_at = |now: &str| {
        let (code, html, err) = outcome(
            whittle()
                .args(["report", "--snapshot", snapshot, "--rules", "@builtin"])
                .args(["--now", now, "--db"])
                .arg(&db),
        );
        assert_eq!(code, Some(0), "{err}");
        html
    };
    let html = page_at("2026-07-01");
    let start = html
        .find("<h3 id=\"alerts-h\">")
        .expect("an alerts section");
    let section = &html[start..start + html[start..].find("</table>").expect("a table")];
    let rules: Vec<&str> = [
        "activity-logging-tampering",
        "activity-root-use",
        "activity-access-key-new-network",
    ]
    .into_iter()
    .filter(|r| section.contains(&format!("<td>{r}</td>")))
    .collect();
    assert_eq!(rules.len(), 3, "{section}");
    let at = |r: &str| section.find(&format!("<td>{r}</td>")).expect("listed");
    assert!(
        at("activity-logging-tampering") < at("activity-root-use"),
        "newest first"
    );
    // a known key from a new network is not a high-risk event: the journal did not keep it,
    // the alert stands at the time it was raised
    assert!(
        at("activity-access-key-new-network") < at("activity-logging-tampering")
            && section.contains("not kept in the journal"),
        "{section}"
    );
    // months later the events are out of the window
    let html = page_at("2026-12-01");
    assert!(html.contains("No alert was raised in the window."));
}

#[test]
fn principals_that_only_findings_name_get_their_account_from_where_they_are_granted() {
    let rows = |args: &[&str]| -> Vec<(String, String)> {
        let (code, html, err) = outcome(
            whittle()
                .args([
                    "check",
                    "--rules",
                    "@builtin",
                    "--format",
                    "html",
                    "--fail-on",
                    "never",
                ])
                .args(args),
        );
        assert_eq!(code, Some(0), "{err}");
        let ids = attrs_of(&html, " data-granted=", "data-principal");
        let accounts = attrs_of(&html, " data-granted=", "data-account");
        ids.into_iter()
            .map(|i| unescape(&i))
            .zip(accounts)
            .collect()
    };
    // a GCP member: the project of its binding
    let gcp = rows(&["--snapshot", "testdata/gcp/iam/project-policy-wrapped.json"]);
    assert!(
        gcp.iter().any(|(p, _)| p == "user:alice@example.com"),
        "{gcp:?}"
    );
    assert!(
        gcp.iter().all(|(_, a)| a == "projects/demo-app-prod"),
        "{gcp:?}"
    );
    // a Terraform resource address is no account, and no policy address stands in for one
    let plan = rows(&["testdata/iac/terraform"]);
    assert!(!plan.is_empty());
    assert!(plan.iter().all(|(_, a)| a.is_empty()), "{plan:?}");
}

#[test]
fn a_snapshot_that_cannot_be_read_is_named_on_the_page_and_the_rest_is_reported() {
    let dir = scratch("bad-input");
    let truncated = dir.join("truncated.json");
    let text = std::fs::read_to_string(root().join(SNAPSHOT)).expect("demo snapshot");
    std::fs::write(&truncated, &text[..300]).expect("written");
    let page = dir.join("report.html");
    let (code, _, err) = outcome(
        whittle()
            .args(["report", "--snapshot", SNAPSHOT])
            .arg(&truncated)
            .args([
                "--logs", LOGS, "--now", NOW, "--rules", "rules/", "--output",
            ])
            .arg(&page),
    );
    assert_eq!(code, Some(2), "an input could not be used");
    assert!(err.contains("truncated.json:10:13"), "{err}");
    let html = std::fs::read_to_string(&page).expect("the page is still written");
    assert!(html.contains("Inputs not read: this report is incomplete"));
    assert!(html.contains("truncated.json:10:13"));
    assert_eq!(
        headline(&html, "principals"),
        "6",
        "the readable snapshot is reported"
    );
}
