//! The demo report in a real browser: headless Chromium driven over WebDriver (chromedriver).
//! The page must load without console errors, show its key elements and numbers, filter on a
//! click, open a principal from a deep link, and leave a screenshot in
//! `target/report-browser/`. Where Chromium or chromedriver is missing the test says so plainly
//! and fails when `WHITTLE_REQUIRE_BROWSER=1` (as `.ci/run` sets after installing them).
#![allow(clippy::print_stderr)]

mod common;

use base64::Engine as _;
use common::{demo_report, root};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A program: `$VAR`, else the first of `candidates` that exists, else one on `PATH`.
fn program(var: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var) {
        return Some(PathBuf::from(p));
    }
    for c in candidates {
        let p = Path::new(c);
        if p.is_absolute() && p.exists() {
            return Some(p.to_path_buf());
        }
        if let Some(paths) = std::env::var_os("PATH") {
            if let Some(found) = std::env::split_paths(&paths)
                .map(|d| d.join(c))
                .find(|f| f.exists())
            {
                return Some(found);
            }
        }
    }
    None
}

/// A running chromedriver, stopped when dropped.
struct Driver {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start(chromedriver: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(false)
            .build()
            .into();
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            agent,
        };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if driver
                .call("GET", "/status", None)
                .is_some_and(|v| v["ready"] == json!(true))
            {
                return driver;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("chromedriver did not answer on port {port} within 20 s");
    }

    /// One WebDriver command; its `value` (None when the driver is not reachable).
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Option<Value> {
        let url = format!("{}{path}", self.base);
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or_else(|| json!({})).to_string()),
        };
        let mut response = response.ok()?;
        let text = response.body_mut().read_to_string().ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        Some(v["value"].clone())
    }
}

/// A browser session on one page.
struct Session<'d> {
    driver: &'d Driver,
    id: String,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self
            .driver
            .call("DELETE", &format!("/session/{}", self.id), None);
    }
}

impl Session<'_> {
    fn new<'d>(driver: &'d Driver, chromium: &Path, profile: &Path) -> Session<'d> {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1280,1600",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        }}});
        let v = driver
            .call("POST", "/session", Some(caps))
            .expect("chromedriver answers");
        let id = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Session { driver, id }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let v = self
            .driver
            .call(method, &format!("/session/{}{path}", self.id), body)
            .expect("chromedriver answers");
        assert!(
            v.get("error").is_none(),
            "WebDriver {method} {path} failed: {v}"
        );
        v
    }

    fn script(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// The value of `script` once it is not null (events such as `hashchange` run after the
    /// script that caused them); null after 5 s.
    fn wait_for(&self, script: &str) -> Value {
        let start = Instant::now();
        loop {
            let v = self.script(script);
            if !v.is_null() || start.elapsed() > Duration::from_secs(5) {
                return v;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn click(&self, css: &str) {
        let el = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        let id = el
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element `{css}`"))
            .to_string();
        self.cmd("POST", &format!("/element/{id}/click"), None);
    }

    /// Browser console entries of level SEVERE (errors, uncaught exceptions).
    fn console_errors(&self) -> Vec<String> {
        let v = self.cmd("POST", "/se/log", Some(json!({"type": "browser"})));
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter(|e| e["level"] == json!("SEVERE"))
                    .map(|e| e["message"].to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn screenshot(&self, path: &Path) {
        let v = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64"))
            .expect("a PNG");
        std::fs::write(path, png).expect("screenshot written");
    }
}

fn visible_rows(s: &Session<'_>) -> u64 {
    s.script("return document.querySelectorAll('#principal-table tbody tr:not([hidden])').length")
        .as_u64()
        .expect("a count")
}

#[test]
fn the_demo_report_works_in_headless_chromium() {
    let required = std::env::var("WHITTLE_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let chromium = program(
        "WHITTLE_CHROMIUM",
        &["/usr/bin/chromium", "chromium", "chromium-browser"],
    );
    let chromedriver = program(
        "WHITTLE_CHROMEDRIVER",
        &["/usr/bin/chromedriver", "chromedriver"],
    );
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        let msg = "browser test NOT RUN: Chromium or chromedriver not found (install the Debian packages `chromium` and `chromium-driver`, or set WHITTLE_CHROMIUM and WHITTLE_CHROMEDRIVER)";
        assert!(!required, "{msg}");
        // straight to stderr, past the test harness's capture of `eprintln!`: a test that did
        // not run must not look like one that passed
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "\n{msg}\n");
        return;
    };

    let dir = root().join("target").join("report-browser");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let page = dir.join("demo.html");
    demo_report(&page, &[]);
    let html = std::fs::read_to_string(&page).expect("page");
    let total = html.matches(" data-granted=\"").count() as u64;
    let critical = html
        .split("<tr ")
        .skip(1)
        .map(|rest| &rest[..rest.find('>').unwrap_or(rest.len())])
        .filter(|tag| tag.contains("data-granted=") && tag.contains("data-sev=\"5\""))
        .count() as u64;
    assert!(
        critical > 0 && critical < total,
        "the demo has principals with and without critical findings"
    );

    let driver = Driver::start(&chromedriver);
    // Chromium writes its DevTools port into the profile; chromedriver reads it from the path
    // it gave, so the path must be the one Chromium sees (no `..`)
    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile).expect("profile dir");
    let session = Session::new(
        &driver,
        &chromium,
        &profile.canonicalize().expect("profile"),
    );
    let url = format!("file://{}", page.canonicalize().expect("path").display());
    session.cmd("POST", "/url", Some(json!({"url": url})));

    // key elements and numbers
    let granted =
        session.script("return document.querySelector('[data-key=granted]').dataset.value");
    assert_eq!(granted, json!("45686"));
    for id in [
        "chart-principals",
        "chart-severity",
        "chart-coverage",
        "principal-table",
        "finding-table",
    ] {
        assert_eq!(
            session.script(&format!("return !!document.getElementById('{id}')")),
            json!(true),
            "#{id}"
        );
    }
    assert_eq!(visible_rows(&session), total);
    session.screenshot(&dir.join("demo-report.png"));

    // a click on the severity chart's `critical` bar filters the page
    session.click("#chart-severity a[href='#severity=critical']");
    // the link changes the fragment; the page filters on `hashchange`, after the click returns
    let shown = session.wait_for(
        "return document.getElementById('f-severity').value === 'critical' ? document.querySelectorAll('#principal-table tbody tr:not([hidden])').length : null",
    );
    assert_eq!(shown, json!(critical), "filtered to critical findings");
    assert_eq!(
        session.script("return document.getElementById('f-severity').value"),
        json!("critical")
    );
    assert_eq!(
        session.script("return document.getElementById('f-count').textContent"),
        json!(format!("{critical} of {total} principals"))
    );
    // a sortable column sorts on a click
    session.click("#principal-table thead th:nth-child(4) button");
    session.click("#f-reset");
    assert_eq!(visible_rows(&session), total);
    let first = session
        .script("return document.querySelector('#principal-table tbody tr').dataset.granted");
    assert_eq!(first, json!("22321"), "sorted by granted, most first");

    // a deep link opens the principal's section
    session.script("location.hash = '#principal=' + encodeURIComponent('arn:aws:iam::111122223333:role/service/ci-deployer')");
    let open = session.wait_for(
        "var a = document.querySelector('article.principal.target'); return a ? [a.dataset.principal, a.querySelector('details').open] : null",
    );
    assert_eq!(
        open,
        json!(["arn:aws:iam::111122223333:role/service/ci-deployer", true])
    );
    session.screenshot(&dir.join("demo-principal.png"));

    let errors = session.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");

    // a page past the inline limit keeps its details gzipped and expands them as it loads
    let packed = dir.join("demo-packed.html");
    demo_report(&packed, &["--inline-limit", "0"]);
    let text = std::fs::read_to_string(&packed).expect("page");
    assert!(text.contains("id=\"deferred-data\"") && !text.contains("<article"));
    let url = format!(
        "file://{}#rule=aws-wildcard-data-access",
        packed.canonicalize().expect("path").display()
    );
    session.cmd("POST", "/url", Some(json!({"url": url})));
    let expanded = session.wait_for(
        "return document.body.dataset.ready === 'true' ? [document.querySelectorAll('article.principal').length, document.querySelectorAll('article.principal:not([hidden])').length, document.querySelectorAll('tr.finding').length] : null",
    );
    let wildcard = html
        .split("<tr ")
        .skip(1)
        .map(|rest| &rest[..rest.find('>').unwrap_or(rest.len())])
        .filter(|tag| tag.contains("data-granted=") && tag.contains("aws-wildcard-data-access"))
        .count();
    assert_eq!(
        expanded,
        json!([
            total,
            wildcard,
            html.matches("<tr class=\"finding\"").count()
        ]),
        "every section expanded, and the deep link's rule filter applied to them"
    );
    let errors = session.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    eprintln!(
        "browser test: {} rendered in {}, screenshots in {}",
        page.display(),
        chromium.display(),
        dir.display()
    );
}
