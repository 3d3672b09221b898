//! Where the alerts of an ingest go besides its report: appended to `--alerts FILE` as JSON
//! lines, and posted to `--webhook URL`. Delivery never changes what was ingested nor the exit
//! status; what could not be delivered is said on stderr.

use crate::cli::AlertDelivery;
use crate::webhook::{Webhook, WebhookConfig};
use crate::{diagnostics, render};
use whittle_engine::model::Alert;

/// The open destinations of one command.
pub struct AlertSinks {
    file: Option<std::path::PathBuf>,
    webhook: Option<Webhook>,
}

impl AlertSinks {
    /// [`AlertSinks::open`], saying why on stderr when it cannot (`None`: the command stops
    /// with exit 2 before anything is read).
    pub fn open_or_say(d: &AlertDelivery) -> Option<AlertSinks> {
        AlertSinks::open(d)
            .map_err(|e| diagnostics::usage_error(&e))
            .ok()
    }

    /// Opens the destinations `d` names; a webhook URL that cannot be used is an error before
    /// anything is read (it is not shown: it may hold a token).
    pub fn open(d: &AlertDelivery) -> Result<AlertSinks, String> {
        let webhook = match d.webhook.as_deref().filter(|u| !u.trim().is_empty()) {
            Some(url) => Some(Webhook::start(WebhookConfig::new(
                url.trim().to_string(),
                d.webhook_format,
                d.webhook_retries,
            ))?),
            None => None,
        };
        Ok(AlertSinks {
            file: d.alerts.clone(),
            webhook,
        })
    }

    /// Appends `alerts` to the file and queues them for the webhook. A file that cannot be
    /// written is said, and the webhook still gets them.
    pub fn deliver(&mut self, alerts: &[Alert]) {
        if let Some(file) = &self.file {
            if let Err(e) = render::append_alerts(file, alerts) {
                diagnostics::warning(&format!("alerts not written: {e}"));
            }
        }
        if let Some(w) = &mut self.webhook {
            w.send(alerts);
        }
    }

    /// Waits for the webhook to be done with what was queued, and says how it went.
    pub fn finish(self, quiet: bool) {
        if let Some(w) = self.webhook {
            let host = w.host().to_string();
            let d = w.finish();
            diagnostics::webhook_delivery(&host, &d, quiet);
        }
    }
}
