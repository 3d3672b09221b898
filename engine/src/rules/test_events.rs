//! Events in rule tests (`[[test.event]]`): what alert rules are asked about, written as the
//! facts `ingest` gives them (`whittle rules schema`, `Guard::Use`), so an alert rule is tested
//! with a flagged and a clean example like a guardrail.
//!
//! ```toml
//! [[test]]
//! name = "a break-glass role back after 45 days"
//! rules = ["activity-privileged-principal-active-again"]
//! [[test.event]]
//! id = "evt-1"
//! principal = "arn:aws:iam::111122223333:role/break-glass"
//! privileged = true
//! operation = "ec2:DescribeInstances"
//! time = "2026-11-20T10:00:00Z"
//! days-dormant = 45
//! [[test.expect]]
//! rule = "activity-privileged-principal-active-again"
//! principal = "arn:aws:iam::111122223333:role/break-glass"
//! event = "evt-1"
//! ```

use crate::aws::arn::IamPrincipal;
use crate::catalog::AwsCatalog;
use crate::model::time::{parse_time, Epoch};
use crate::model::UseEvent;
use serde::{Deserialize, Serialize};

/// One event of a rule test: the facts of [`UseEvent`], with defaults for what a test does not
/// care about.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct TestEvent {
    /// Event id (default: `event-N`, N its position from 1).
    #[serde(default)]
    id: Option<String>,
    /// The caller's ARN (an IAM user or role, or `arn:aws:iam::ACCOUNT:root`).
    principal: String,
    /// `user`, `role`, `root`, … (default: from the ARN).
    #[serde(default)]
    kind: Option<String>,
    /// `service:Operation` as the log names it.
    operation: String,
    /// The permission it used (default: the operation when the catalog knows it as an action).
    #[serde(default)]
    permission: Option<String>,
    /// `YYYY-MM-DDTHH:MM:SSZ` (default: the test's `now`, at noon).
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    classes: Vec<String>,
    #[serde(default)]
    denied: bool,
    #[serde(default)]
    first_use: bool,
    #[serde(default)]
    days_dormant: Option<i64>,
    #[serde(default)]
    history_days: Option<i64>,
    #[serde(default)]
    denied_recent: u64,
    #[serde(default)]
    new_network: bool,
    #[serde(default)]
    access_key: Option<String>,
    #[serde(default)]
    network: Option<String>,
    #[serde(default)]
    source_ip: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    mfa: Option<bool>,
    #[serde(default)]
    privileged: bool,
    /// The caller's team and contact (default: the rule set's `[[owner]]` entries).
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    contact: Option<String>,
}

/// The [`UseEvent`]s a test's events describe, `now` the test's day.
pub(super) fn use_events(
    events: &[TestEvent],
    now: Epoch,
    catalog: &AwsCatalog,
    owners: &crate::model::Owners,
) -> Result<Vec<UseEvent>, String> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let id = e.id.clone().unwrap_or_else(|| format!("event-{}", i + 1));
            let time = match &e.time {
                Some(t) => parse_time(t).ok_or_else(|| {
                    format!("event `{id}`: `time = {t}` is not a time (YYYY-MM-DDTHH:MM:SSZ)")
                })?,
                None => now + 12 * 3600,
            };
            let kind = match &e.kind {
                Some(k) => k.clone(),
                None if e.principal.ends_with(":root") => "root".into(),
                None => IamPrincipal::parse(&e.principal)
                    .map(|p| p.kind.as_str().to_string())
                    .map_err(|m| format!("event `{id}`: {m} (or give `kind`)"))?,
            };
            if !e.operation.contains(':') {
                return Err(format!(
                    "event `{id}`: operation `{}` is not `service:Operation`",
                    e.operation
                ));
            }
            let permission = match &e.permission {
                Some(p) => Some(
                    catalog
                        .lookup(p)
                        .map(|a| catalog.action(a).name.clone())
                        .ok_or_else(|| {
                            format!("event `{id}`: `{p}` is not an action in the catalog")
                        })?,
                ),
                None => catalog
                    .lookup(&e.operation)
                    .map(|a| catalog.action(a).name.clone()),
            };
            Ok(UseEvent {
                events: vec![(id.clone(), time)],
                event_id: id,
                time,
                principal: e.principal.clone(),
                principal_kind: kind,
                actor: e.actor.clone(),
                operation: e.operation.clone(),
                permission,
                classes: e.classes.clone(),
                denied: e.denied,
                first_use: e.first_use,
                days_dormant: e.days_dormant,
                history_days: e.history_days,
                denied_recent: e.denied_recent,
                new_network: e.new_network,
                access_key: e.access_key.clone(),
                network: e.network.clone(),
                source_ip: e.source_ip.clone(),
                region: e.region.clone(),
                mfa: e.mfa,
                privileged: e.privileged,
                owner: if e.team.is_some() || e.contact.is_some() {
                    Some(crate::model::Owner {
                        team: e.team.clone(),
                        contact: e.contact.clone(),
                        from: "test".into(),
                    })
                } else {
                    owners.of(&e.principal, &Default::default())
                },
            })
        })
        .collect()
}
