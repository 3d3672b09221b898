//! A finding: a rule that fired on a principal's grant, with the evidence and where both the
//! grant and the rule are written.

use super::grant::Origin;
use serde::{Deserialize, Serialize};

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Parses a severity name.
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Evidence attached to a finding (over all its permissions: `used` if any of them was).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Evidence {
    /// Whether the permission was used in the window (when usage is known).
    pub used: Option<bool>,
    /// Last use, ISO time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// Whether the logs could have seen use.
    pub usage_known: bool,
    /// What the logs covered, in words, once per distinct answer: `logs cover 85 of 90 days
    /// (gaps 2026-09-01..2026-09-05); s3 data events: not logged`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<String>,
}

impl Evidence {
    /// No usage evidence (rule-level findings: expired exemptions, rule errors).
    pub fn none() -> Evidence {
        Evidence {
            used: None,
            last_used: None,
            usage_known: false,
            coverage: Vec::new(),
        }
    }

    /// Evidence of a finding over several permissions: used if any was, the latest use.
    pub fn absorb(&mut self, other: &Evidence) {
        self.used = match (self.used, other.used) {
            (Some(a), Some(b)) => Some(a || b),
            (a, b) => a.or(b),
        };
        if other.last_used > self.last_used {
            self.last_used = other.last_used.clone();
        }
        self.usage_known |= other.usage_known;
        for c in &other.coverage {
            if !self.coverage.contains(c) {
                self.coverage.push(c.clone());
            }
        }
    }
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Rule id.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// What the rule flags.
    pub message: String,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// Principal id.
    pub principal: String,
    /// The permissions involved, in catalog casing.
    pub permissions: Vec<String>,
    /// The grant: policy and statement (none for rule-level findings such as expired exemptions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granted_by: Option<Origin>,
    /// Usage evidence.
    pub evidence: Evidence,
    /// Rule file and line.
    pub rule_location: String,
    /// What else the rule saw, in words (for a combination rule: which combinations, of which
    /// permissions, the principal holds).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub notes: Vec<String>,
    /// Who answers for the principal (its tags, or the rule repo's `[[owner]]` entries).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub owner: Option<super::Owner>,
}
