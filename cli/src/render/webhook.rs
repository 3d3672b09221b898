//! The bodies alerts are posted as: what a chat channel shows. Slack incoming webhooks take
//! `{"text": …}`; Microsoft Teams workflows ("When a Teams webhook request is received") take a
//! message with an Adaptive Card; any other endpoint gets the text and the alert as JSON lines
//! show it, so a script can read what a person reads.

use super::json::AlertDoc;
use serde_json::{json, Value};
use whittle_engine::model::Alert;

/// Which body an endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum WebhookFormat {
    /// By the URL's host: Slack's `hooks.slack.com`, Teams workflow hosts, else `json`.
    #[default]
    Auto,
    /// `{"text": …}` (Slack, Mattermost, Rocket.Chat, Teams' retired connectors).
    Slack,
    /// A message with an Adaptive Card (Teams workflows).
    Teams,
    /// `{"text": …, "alert": {…}}`: the text and the alert as `--alerts` writes it.
    Json,
}

impl WebhookFormat {
    /// The format for `host` when `self` is `Auto`.
    pub fn for_host(self, host: &str) -> WebhookFormat {
        if self != WebhookFormat::Auto {
            return self;
        }
        let host = host.to_ascii_lowercase();
        let teams = [
            ".webhook.office.com",
            ".logic.azure.com",
            ".powerautomate.com",
            ".powerplatform.com",
        ];
        if host == "hooks.slack.com" {
            WebhookFormat::Slack
        } else if teams.iter().any(|t| host.ends_with(t)) {
            WebhookFormat::Teams
        } else {
            WebhookFormat::Json
        }
    }
}

/// The body posting `a` in `format` (never `Auto`: resolve it with [`WebhookFormat::for_host`]).
pub fn alert_body(a: &Alert, format: WebhookFormat) -> Value {
    let doc = AlertDoc::new(a);
    match format {
        WebhookFormat::Slack => json!({ "text": text(&doc) }),
        WebhookFormat::Teams => teams_card(&title(&doc), &facts(&doc), &doc.message),
        WebhookFormat::Json | WebhookFormat::Auto => {
            json!({ "text": text(&doc), "alert": doc })
        }
    }
}

/// The body saying that `count` alerts were not posted one by one (the queue was full).
pub fn overflow_body(count: u64, format: WebhookFormat) -> Value {
    let msg = format!(
        "whittle: {count} more alert(s) were raised than one run posts; they are in the \
         `--alerts` file and in `whittle events`"
    );
    match format {
        WebhookFormat::Teams => teams_card("whittle: more alerts", &[], &msg),
        _ => json!({ "text": msg, "overflow": count }),
    }
}

fn title(a: &AlertDoc) -> String {
    format!("whittle alert [{}] {}", a.severity, a.rule)
}

fn facts(a: &AlertDoc) -> Vec<(&'static str, String)> {
    let mut f = vec![("Principal", a.principal.clone())];
    if let Some(actor) = &a.actor {
        f.push(("Actor", actor.clone()));
    }
    if let Some(o) = &a.owner {
        let who: Vec<&str> = o
            .team
            .iter()
            .chain(&o.contact)
            .map(String::as_str)
            .collect();
        f.push(("Owner", who.join(", ")));
    }
    let action = match &a.permission {
        Some(p) if !p.eq_ignore_ascii_case(&a.operation) => format!("{} ({p})", a.operation),
        _ => a.operation.clone(),
    };
    f.push(("Action", action));
    f.push(("Time", a.time.clone()));
    let more = a.events.len().saturating_sub(1);
    let event = if more > 0 {
        format!("{} (+{more} more)", a.event_id)
    } else {
        a.event_id.clone()
    };
    f.push(("Event", event));
    f
}

fn text(a: &AlertDoc) -> String {
    let mut t = title(a);
    for (k, v) in facts(a) {
        t.push_str(&format!("\n{k}: {v}"));
    }
    t.push('\n');
    t.push_str(&a.message);
    t
}

fn teams_card(title: &str, facts: &[(&str, String)], message: &str) -> Value {
    let facts: Vec<Value> = facts
        .iter()
        .map(|(k, v)| json!({ "title": k, "value": v }))
        .collect();
    let mut body = vec![json!({
        "type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": true
    })];
    if !facts.is_empty() {
        body.push(json!({ "type": "FactSet", "facts": facts }));
    }
    body.push(json!({ "type": "TextBlock", "text": message, "wrap": true }));
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body
            }
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_the_body_by_host() {
        let auto = WebhookFormat::Auto;
        assert_eq!(auto.for_host("hooks.slack.com"), WebhookFormat::Slack);
        assert_eq!(
            auto.for_host("contoso.webhook.office.com"),
            WebhookFormat::Teams
        );
        assert_eq!(
            auto.for_host("prod-12.westeurope.logic.azure.com"),
            WebhookFormat::Teams
        );
        assert_eq!(auto.for_host("127.0.0.1"), WebhookFormat::Json);
        assert_eq!(
            WebhookFormat::Teams.for_host("hooks.slack.com"),
            WebhookFormat::Teams
        );
    }
}
