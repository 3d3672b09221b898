//! What proposals are shaped by, as rules and flags name it.

use serde::{Deserialize, Serialize};

/// How far a proposal narrows the resources of the permissions it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceMode {
    /// Exactly the resources seen in the logs.
    Observed,
    /// The seen resources generalised to their container and common path
    /// (`arn:aws:s3:::bucket/reports/*`); names without a container stay exact.
    #[default]
    Prefix,
    /// As granted today: only actions are narrowed.
    Granted,
}

impl ResourceMode {
    /// The name used in flags and settings.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceMode::Observed => "observed",
            ResourceMode::Prefix => "prefix",
            ResourceMode::Granted => "granted",
        }
    }

    /// From a flag or setting value.
    pub fn parse(s: &str) -> Option<ResourceMode> {
        match s {
            "observed" => Some(ResourceMode::Observed),
            "prefix" => Some(ResourceMode::Prefix),
            "granted" => Some(ResourceMode::Granted),
            _ => None,
        }
    }
}
