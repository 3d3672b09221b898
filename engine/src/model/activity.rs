//! Activity kept whole: the classes of high-risk events a rule set declares (identity and
//! permission changes, credential creation, logging tampering, root use, console sign-in without
//! MFA, calls on critical resources) and the journal entries ingest keeps for the events of
//! those classes — the original record, compressed, with the facts to find it again.

use super::time::Epoch;
use super::Provider;
use serde::{Deserialize, Serialize};

/// Which outcome of a call a class takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Allowed and denied calls alike (the default: a denied attempt is evidence too).
    #[default]
    Any,
    /// Only calls that were allowed.
    Allowed,
    /// Only calls that were denied.
    Denied,
}

/// A class of high-risk events, as a rule pack declares it (`[[activity.class]]`). An event is
/// of the class when it meets every criterion the class sets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ActivityClass {
    /// Id (`identity-change`), used by `whittle events --class` and by alert rules.
    pub id: String,
    /// What the class is about.
    pub description: String,
    /// Operations, as `service:Operation` patterns over the log's own names (CloudTrail: the
    /// event source's prefix and the event name, `iam:CreateAccessKey`, `signin:ConsoleLogin`);
    /// `*` and `?` are wildcards, case-insensitive.
    #[serde(default)]
    pub events: Vec<String>,
    /// Identity types the caller must be (CloudTrail `userIdentity.type`: `Root`, `IAMUser`, …).
    #[serde(default)]
    pub identity_types: Vec<String>,
    /// Whether the caller signed in with MFA (console sign-in: `additionalEventData.MFAUsed`;
    /// sessions: `mfaAuthenticated`); an event that does not say is not of the class.
    #[serde(default)]
    pub mfa: Option<bool>,
    /// The call touches a resource the settings' `critical-resources` list.
    #[serde(default)]
    pub critical_resources: bool,
    /// Allowed calls, denied calls, or both (default).
    #[serde(default)]
    pub outcome: Outcome,
}

impl ActivityClass {
    /// True when the class sets no criterion at all (it would take every event).
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.identity_types.is_empty()
            && self.mfa.is_none()
            && !self.critical_resources
    }
}

/// What ingest keeps of high-risk activity: the classes, and the resources the rule set calls
/// critical (ARN patterns).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityRules {
    /// Classes, in rule-set order.
    pub classes: Vec<ActivityClass>,
    /// Resource ARN patterns (`arn:aws:s3:::prod-*`) that make a call on them high-risk.
    pub critical_resources: Vec<String>,
}

/// One event kept whole in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// The log's own id of the event (CloudTrail `eventID`): an event read twice is kept once.
    pub event_id: String,
    /// When it happened.
    pub time: Epoch,
    /// Whose log it is.
    pub provider: Provider,
    /// The principal it is attributed to (a role for its sessions).
    pub principal: String,
    /// The person or session behind it when the log says (a role session's name, an IAM
    /// Identity Center user, `sourceIdentity`).
    pub actor: Option<String>,
    /// `service:Operation` as the log names it (`iam:CreateAccessKey`).
    pub operation: String,
    /// Account (or project, subscription) and region.
    pub scope: String,
    /// Region (or location).
    pub location: String,
    /// Resources the event names (ARNs).
    pub resources: Vec<String>,
    /// Classes it is of.
    pub classes: Vec<String>,
    /// The error code when the call failed (`AccessDenied`, …).
    pub error_code: Option<String>,
    /// Denied for lack of permission.
    pub denied: bool,
    /// Source address as logged (an IP, or a service name).
    pub source_ip: Option<String>,
    /// The original record, deflate-compressed.
    pub record: Vec<u8>,
}
