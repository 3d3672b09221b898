//! Posting alerts to a webhook: a worker thread takes them from a bounded queue and posts each,
//! retrying with backoff; it never fails the command that raised them, and it is done (or has
//! given up, saying so) before that command exits. The URL is a secret (Slack's and Teams' carry
//! their token in it): only its host is ever shown.

use crate::render::webhook::{alert_body, overflow_body, WebhookFormat};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::Duration;
use whittle_engine::model::Alert;

/// How to reach the endpoint and how hard to try.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// The endpoint (secret: never printed).
    pub url: String,
    /// Body format (`Auto`: by the URL's host).
    pub format: WebhookFormat,
    /// Retries after a failed attempt (timeouts, connection errors, 429 and 5xx answers).
    pub retries: u32,
    /// Wait before the first retry; doubled for each next one (a `Retry-After` is honoured).
    pub backoff: Duration,
    /// Per request, connection to answer.
    pub timeout: Duration,
    /// Alerts waiting to be posted at most; more are counted and said in one message.
    pub queue: usize,
}

impl WebhookConfig {
    /// Defaults for `url`: 4 retries from 0.5 s (0.5, 1, 2, 4 s), 10 s per request, 256 queued.
    pub fn new(url: String, format: WebhookFormat, retries: u32) -> Self {
        WebhookConfig {
            url,
            format,
            retries,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
            queue: 256,
        }
    }
}

/// What became of the alerts given to a [`Webhook`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Posted and accepted (2xx).
    pub delivered: u64,
    /// Given up on (after the retries, or refused with a 4xx).
    pub failed: u64,
    /// Not posted one by one: the queue was full (said in one message instead).
    pub overflow: u64,
    /// Why the last failure happened (host, status or error kind; never the URL).
    pub last_error: Option<String>,
}

/// A running delivery: [`Webhook::send`] queues, [`Webhook::finish`] waits for the worker.
pub struct Webhook {
    tx: Option<SyncSender<Message>>,
    worker: Option<JoinHandle<Delivery>>,
    overflow: u64,
    host: String,
}

/// What the worker is given.
enum Message {
    Alert(Box<Alert>),
    /// This many alerts did not fit in the queue: one message says so.
    Overflow(u64),
}

/// Why a webhook URL cannot be used (said before anything is ingested).
pub fn check_url(url: &str) -> Result<String, String> {
    let uri: ureq::http::Uri = url.parse().map_err(|_| {
        "the webhook URL is not a valid URL (it is not shown: it may hold a token)".to_string()
    })?;
    match uri.scheme_str() {
        Some("https") | Some("http") => {}
        _ => return Err("the webhook URL must start with https:// (or http://)".into()),
    }
    uri.host()
        .map(str::to_string)
        .ok_or_else(|| "the webhook URL names no host".into())
}

impl Webhook {
    /// Starts the worker for `config` (its URL checked with [`check_url`] first).
    pub fn start(config: WebhookConfig) -> Result<Webhook, String> {
        let host = check_url(&config.url)?;
        let (tx, rx) = sync_channel(config.queue.max(1));
        let worker_host = host.clone();
        let worker = std::thread::Builder::new()
            .name("webhook".into())
            .spawn(move || deliver(config, &worker_host, rx))
            .map_err(|e| format!("cannot start the webhook delivery: {e}"))?;
        Ok(Webhook {
            tx: Some(tx),
            worker: Some(worker),
            overflow: 0,
            host,
        })
    }

    /// The endpoint's host (what may be shown of it).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Queues `alerts`; those that do not fit are counted (never blocks).
    pub fn send(&mut self, alerts: &[Alert]) {
        let Some(tx) = &self.tx else { return };
        for a in alerts {
            match tx.try_send(Message::Alert(Box::new(a.clone()))) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                    self.overflow += 1
                }
            }
        }
    }

    /// Waits until every queued alert is posted or given up on, posts one message for the
    /// overflow, and says what became of them.
    pub fn finish(mut self) -> Delivery {
        if let Some(tx) = self.tx.take() {
            if self.overflow > 0 {
                // blocks until the worker has room: it is being waited for anyway
                let _ = tx.send(Message::Overflow(self.overflow));
            }
        }
        let mut d = self
            .worker
            .take()
            .and_then(|w| w.join().ok())
            .unwrap_or_default();
        d.overflow = self.overflow;
        d
    }
}

/// The worker: posts each alert in turn; after one is given up on for a reason that retrying did
/// not cure, the rest are not tried (each would wait out its retries too).
fn deliver(config: WebhookConfig, host: &str, rx: Receiver<Message>) -> Delivery {
    let format = config.format.for_host(host);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(config.timeout))
        .http_status_as_error(false)
        .user_agent(concat!("whittle/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut d = Delivery::default();
    let mut broken = false;
    for message in rx {
        let (body, alerts) = match message {
            Message::Alert(a) => (alert_body(&a, format), 1),
            Message::Overflow(n) => (overflow_body(n, format), 0),
        };
        if broken {
            d.failed += alerts;
            continue;
        }
        match post(&agent, &config, &body) {
            Ok(()) => d.delivered += alerts,
            Err(e) => {
                d.failed += alerts;
                broken = e.retried;
                d.last_error = Some(e.reason);
            }
        }
    }
    d
}

/// Why a post failed, and whether retries were spent on it.
struct Failure {
    reason: String,
    retried: bool,
}

/// Posts `body`, retrying what may pass later.
fn post(agent: &ureq::Agent, c: &WebhookConfig, body: &serde_json::Value) -> Result<(), Failure> {
    let body = body.to_string();
    let mut wait = c.backoff;
    let mut attempt = 0;
    loop {
        let outcome = agent
            .post(&c.url)
            .header("Content-Type", "application/json")
            .send(body.as_str());
        let (reason, retry_after) = match outcome {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => {
                let status = r.status().as_u16();
                let transient = status == 408 || status == 429 || status >= 500;
                if !transient {
                    return Err(Failure {
                        reason: format!("refused with HTTP {status}"),
                        retried: false,
                    });
                }
                let after = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|s| Duration::from_secs(s.min(60)));
                (format!("HTTP {status}"), after)
            }
            Err(e) => (describe(&e), None),
        };
        if attempt >= c.retries {
            return Err(Failure {
                reason: format!("{reason} after {} attempt(s)", attempt + 1),
                retried: true,
            });
        }
        attempt += 1;
        let pause = retry_after.unwrap_or(wait);
        std::thread::sleep(pause);
        wait *= 2;
    }
}

/// A transport error in words that cannot hold the URL (ureq's own messages may quote it).
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                "connection reset".into()
            }
            std::io::ErrorKind::TimedOut => "timed out".into(),
            _ => "connection error".into(),
        },
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => "TLS error".into(),
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => "redirect failed".into(),
        _ => "request failed".into(),
    }
}
