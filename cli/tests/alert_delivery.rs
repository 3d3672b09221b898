//! Alerts delivered: posted to a webhook (a local HTTP server stands in for Slack or Teams),
//! retried when it fails, given up on without failing the ingest, the URL never shown; and
//! `ingest --fail-on` turning alerts into an exit status.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

mod common;
use common::{outcome, tmp, whittle};

const TRIGGERS: &str = "testdata/activity/alert-triggers";
/// The token part of the URL: a secret that must not appear in any output.
const TOKEN: &str = "T0000SECRET/B0000SECRET/XXXXsecretXXXXtoken";

/// A request the server received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    content_type: String,
    body: String,
}

/// A local HTTP server answering the `n`th request with `statuses[n]`, then `then` for every
/// later one; it records what it was sent.
struct Server {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Server {
    fn start(statuses: &[u16], then: u16) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        let statuses = statuses.to_vec();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { continue };
                let Some(req) = read_request(&mut stream) else {
                    continue;
                };
                if let Ok(mut l) = log.lock() {
                    l.push(req);
                }
                let status = statuses.get(n).copied().unwrap_or(then);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                );
            }
        });
        Server {
            url: format!("http://127.0.0.1:{port}/services/{TOKEN}"),
            received,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Received> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let (mut length, mut content_type) = (0usize, String::new());
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "content-type" => content_type = value.trim().to_string(),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Received {
        path,
        content_type,
        body: String::from_utf8(body).ok()?,
    })
}

/// `ingest` of the trigger trail into the store in `dir`.
fn ingest_into(dir: &std::path::Path) -> assert_cmd::Command {
    let mut c = whittle();
    c.args([
        "ingest",
        TRIGGERS,
        "--rules",
        "@builtin",
        "--now",
        "2026-07-01",
    ])
    .arg("--db")
    .arg(dir.join("usage.db"));
    c
}

/// `ingest` of the trigger trail into a new store, with `args`.
fn ingest(name: &str, args: &[&str]) -> (Option<i32>, String, String, PathBuf) {
    let dir = tmp(name);
    let (code, out, err) = outcome(ingest_into(&dir).args(args));
    (code, out, err, dir)
}

fn texts(received: &[Received]) -> Vec<String> {
    received
        .iter()
        .filter_map(|r| serde_json::from_str::<Value>(&r.body).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn each_alert_is_posted_naming_rule_principal_action_and_time() {
    let server = Server::start(&[], 200);
    let (code, out, err, _) = ingest("webhook-ok", &["--webhook", &server.url]);
    assert_eq!(code, Some(0), "{err}");
    let got = server.received();
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got
        .iter()
        .all(|r| r.path.ends_with(TOKEN) && r.content_type == "application/json"));
    let bodies: Vec<Value> = got
        .iter()
        .map(|r| serde_json::from_str(&r.body).expect("json body"))
        .collect();
    // a body any chat webhook shows (`text`), and the alert as `--alerts` writes it
    let root = bodies
        .iter()
        .find(|b| b["alert"]["rule"] == "activity-root-use")
        .expect("root alert posted");
    assert_eq!(root["alert"]["event_id"], "at-21-ListBuckets");
    insta::assert_snapshot!("webhook_text_root_use", root["text"].as_str().unwrap_or(""));
    for t in texts(&got) {
        assert!(t.contains("Principal: arn:aws:iam::111122223333:"), "{t}");
        assert!(t.contains("Action: "), "{t}");
        assert!(t.contains("Time: 2026-06-2"), "{t}");
    }
    assert!(
        err.contains("webhook (127.0.0.1): 3 alert(s) delivered"),
        "{err}"
    );
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN), "{out}\n{err}");
}

#[test]
fn a_webhook_failing_twice_still_gets_every_alert() {
    let server = Server::start(&[500, 503], 200);
    let (code, _, err, _) = ingest(
        "webhook-retry",
        &["--webhook", &server.url, "--webhook-retries", "2", "-q"],
    );
    assert_eq!(code, Some(0), "{err}");
    let got = server.received();
    // the first alert took three attempts, the two others one each
    assert_eq!(got.len(), 5, "{got:#?}");
    assert_eq!(got[0].body, got[1].body);
    assert_eq!(got[1].body, got[2].body);
    let mut rules: Vec<String> = got[2..]
        .iter()
        .filter_map(|r| serde_json::from_str::<Value>(&r.body).ok())
        .filter_map(|v| v["alert"]["rule"].as_str().map(str::to_string))
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            "activity-access-key-new-network",
            "activity-logging-tampering",
            "activity-root-use"
        ]
    );
    assert!(!err.contains("not delivered"), "{err}");
}

#[test]
fn a_webhook_that_keeps_failing_is_given_up_without_failing_the_ingest() {
    let server = Server::start(&[], 503);
    let alerts = tmp("webhook-down-file").join("alerts.jsonl");
    let (code, out, err, dir) = ingest(
        "webhook-down",
        &[
            "--webhook",
            &server.url,
            "--webhook-retries",
            "1",
            "--alerts",
            alerts.to_str().unwrap_or_default(),
            "--format",
            "json",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    // two attempts on the first alert; the two others are not tried against a broken endpoint
    assert_eq!(server.received().len(), 2);
    assert!(
        err.contains("webhook (127.0.0.1): 3 alert(s) not delivered (HTTP 503 after 2 attempt(s))"),
        "{err}"
    );
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN), "{out}\n{err}");
    // what was ingested and written elsewhere is whole
    let report: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(report["alerts"].as_array().map(Vec::len), Some(3));
    let lines = std::fs::read_to_string(&alerts).expect("alerts file");
    assert_eq!(lines.lines().count(), 3);
    let (code, out, _) = outcome(
        whittle()
            .args(["events", "--format", "json", "--db"])
            .arg(dir.join("usage.db")),
    );
    assert_eq!(code, Some(0));
    assert!(out.contains("at-22-StopLogging"), "{out}");
}

#[test]
fn an_unreachable_webhook_is_said_by_host_only() {
    // a port nothing listens on: bind one, then free it
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let url = format!("http://127.0.0.1:{port}/hook/{TOKEN}");
    let (code, out, err, _) = ingest(
        "webhook-unreachable",
        &["--webhook", &url, "--webhook-retries", "0"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("3 alert(s) not delivered (connection refused after 1 attempt(s))"),
        "{err}"
    );
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN), "{out}\n{err}");
}

#[test]
fn the_webhook_url_comes_from_the_environment_and_is_never_printed() {
    let server = Server::start(&[], 200);
    let dir = tmp("webhook-env");
    let (code, out, err) = outcome(ingest_into(&dir).env("WHITTLE_WEBHOOK_URL", &server.url));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(server.received().len(), 3);
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN));
    let (_, help, _) = outcome(
        whittle()
            .args(["ingest", "--help"])
            .env("WHITTLE_WEBHOOK_URL", &server.url),
    );
    assert!(
        help.contains("WHITTLE_WEBHOOK_URL") && !help.contains(TOKEN),
        "{help}"
    );
}

#[test]
fn a_webhook_url_that_cannot_be_used_stops_before_anything_is_read() {
    for bad in [
        format!("ftp://example.com/{TOKEN}"),
        format!("not a url {TOKEN}"),
    ] {
        let (code, out, err, dir) = ingest("webhook-bad", &["--webhook", &bad]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("webhook URL"), "{err}");
        assert!(!out.contains(TOKEN) && !err.contains(TOKEN), "{err}");
        assert!(!dir.join("usage.db").exists());
    }
}

#[test]
fn teams_and_slack_get_the_body_they_take() {
    let server = Server::start(&[], 200);
    let (code, _, err, _) = ingest(
        "webhook-teams",
        &["--webhook", &server.url, "--webhook-format", "teams"],
    );
    assert_eq!(code, Some(0), "{err}");
    let got = server.received();
    let card: Value = serde_json::from_str(&got[0].body).expect("json");
    assert_eq!(card["type"], "message");
    let att = &card["attachments"][0];
    assert_eq!(
        att["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(att["content"]["type"], "AdaptiveCard");
    let facts = att["content"]["body"][1]["facts"].to_string();
    assert!(
        facts.contains("Principal") && facts.contains("Action") && facts.contains("Time"),
        "{facts}"
    );
    let server = Server::start(&[], 200);
    let (code, _, err, _) = ingest(
        "webhook-slack",
        &["--webhook", &server.url, "--webhook-format", "slack"],
    );
    assert_eq!(code, Some(0), "{err}");
    let body: Value = serde_json::from_str(&server.received()[0].body).expect("json");
    let keys: Vec<&String> = body
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["text"]);
}

#[test]
fn fail_on_turns_alerts_at_or_above_a_severity_into_exit_1() {
    // without --fail-on, alerts do not change the exit status
    let (code, _, err, _) = ingest("fail-on-none", &["-q"]);
    assert_eq!(code, Some(0), "{err}");
    // the trail raises a critical alert
    let (code, _, err, _) = ingest("fail-on-critical", &["-q", "--fail-on", "critical"]);
    assert_eq!(code, Some(1), "{err}");
    let (code, _, err, _) = ingest("fail-on-never", &["-q", "--fail-on", "never"]);
    assert_eq!(code, Some(0), "{err}");
    // a second ingest of the same logs raises nothing: clean again
    let dir = tmp("fail-on-again");
    let run = |fail_on: &str| {
        outcome(
            whittle()
                .args(["ingest", TRIGGERS, "-q", "--rules", "@builtin"])
                .args(["--now", "2026-07-01", "--fail-on", fail_on, "--db"])
                .arg(dir.join("usage.db")),
        )
        .0
    };
    assert_eq!(run("medium"), Some(1));
    assert_eq!(run("medium"), Some(0));
}

#[test]
fn watch_logs_delivers_the_alerts_of_each_run() {
    let server = Server::start(&[503], 200);
    let dir = tmp("webhook-watch");
    let logs = dir.join("logs");
    for f in common::walk(&common::root().join(TRIGGERS)) {
        let rel = f
            .strip_prefix(common::root().join(TRIGGERS))
            .expect("under the fixture");
        let to = logs.join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("dir");
        std::fs::copy(&f, &to).expect("copy");
    }
    let alerts = dir.join("alerts.jsonl");
    let (code, _, err) = outcome(
        whittle()
            .env("WHITTLE_DB", dir.join("usage.db"))
            .args(["watch", "--logs"])
            .arg(&logs)
            .args([
                "--settle-ms",
                "0",
                "--max-runs",
                "1",
                "--webhook",
                &server.url,
            ])
            .arg("--alerts")
            .arg(&alerts),
    );
    assert_eq!(code, Some(0), "{err}");
    // one failed attempt, then the three alerts
    assert_eq!(server.received().len(), 4, "{err}");
    assert!(err.contains("3 alert(s) delivered"), "{err}");
    let lines = std::fs::read_to_string(&alerts).expect("alerts file");
    assert_eq!(lines.lines().count(), 3);
}
