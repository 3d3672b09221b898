//! Who answers for a principal: its team and a contact, from its own tags (`team`, else `owner`;
//! `contact`, `owner-email`: the keys are settings) or from the rule repo's `[[owner]]` entries (`owners.toml`: principal
//! pattern → team, contact). Shown with findings, alerts, events and usage, and given to rules.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An `[[owner]]` entry: principals matching `principal` belong to `team`, reached at `contact`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OwnerRule {
    /// Principal ARN pattern (`*`, `?`; `arn:aws:iam::111122223333:role/payments-*`).
    pub principal: String,
    /// The team.
    #[serde(default)]
    pub team: Option<String>,
    /// How to reach them (an address, a channel, an on-call alias).
    #[serde(default)]
    pub contact: Option<String>,
}

/// A principal's team and contact, and where they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Owner {
    /// The team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// How to reach them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// Where it comes from: `tag team`, `owners.toml:12`, or both (`tag team, owners.toml:12`).
    pub from: String,
}

/// How owners are found: tag keys first (the principal's own word), then the `[[owner]]`
/// entries in order (the first match fills what the tags left open).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owners {
    /// Tag keys naming the team, tried in order (case-insensitive).
    pub team_tags: Vec<String>,
    /// Tag keys naming how to reach the owners, tried in order (case-insensitive).
    pub contact_tags: Vec<String>,
    /// `[[owner]]` entries, with where each is (`owners.toml:12`).
    pub rules: Vec<(OwnerRule, String)>,
}

impl Owners {
    /// The owner of `principal`, whose tags are `tags`; `None` when nothing says.
    pub fn of(&self, principal: &str, tags: &BTreeMap<String, String>) -> Option<Owner> {
        let tag = |keys: &[String]| {
            keys.iter().find_map(|k| {
                tags.iter()
                    .find(|(t, v)| t.eq_ignore_ascii_case(k) && !v.trim().is_empty())
                    .map(|(t, v)| (t.clone(), v.trim().to_string()))
            })
        };
        let team = tag(&self.team_tags);
        let contact = tag(&self.contact_tags);
        let mut from: Vec<String> = team
            .iter()
            .chain(&contact)
            .map(|(k, _)| format!("tag {k}"))
            .collect();
        let mut owner = Owner {
            team: team.map(|(_, v)| v),
            contact: contact.map(|(_, v)| v),
            from: String::new(),
        };
        if owner.team.is_none() || owner.contact.is_none() {
            if let Some((rule, at)) = self
                .rules
                .iter()
                .find(|(r, _)| crate::glob::matches(&r.principal, principal, true))
            {
                let before = owner.clone();
                owner.team = owner.team.or_else(|| rule.team.clone());
                owner.contact = owner.contact.or_else(|| rule.contact.clone());
                if owner != before {
                    from.push(at.clone());
                }
            }
        }
        from.dedup();
        owner.from = from.join(", ");
        (owner.team.is_some() || owner.contact.is_some()).then_some(owner)
    }

    /// True when nothing could name an owner.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.team_tags.is_empty() && self.contact_tags.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners() -> Owners {
        Owners {
            team_tags: vec!["team".into()],
            contact_tags: vec!["owner-email".into(), "contact".into()],
            rules: vec![
                (
                    OwnerRule {
                        principal: "arn:aws:iam::*:role/payments-*".into(),
                        team: Some("payments".into()),
                        contact: Some("#payments-oncall".into()),
                    },
                    "owners.toml:2".into(),
                ),
                (
                    OwnerRule {
                        principal: "*".into(),
                        team: Some("platform".into()),
                        contact: None,
                    },
                    "owners.toml:7".into(),
                ),
            ],
        }
    }

    fn tags(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn tags_come_first_and_the_first_matching_entry_fills_the_rest() {
        let o = owners();
        let arn = "arn:aws:iam::111122223333:role/payments-api";
        let got = o.of(arn, &tags(&[("Team", "checkout")])).expect("owner");
        assert_eq!(got.team.as_deref(), Some("checkout"));
        assert_eq!(got.contact.as_deref(), Some("#payments-oncall"));
        assert_eq!(got.from, "tag Team, owners.toml:2");
        let got = o.of(arn, &tags(&[])).expect("owner");
        assert_eq!(
            (got.team.as_deref(), got.from.as_str()),
            (Some("payments"), "owners.toml:2")
        );
        // the catch-all gives a team and no contact
        let got = o
            .of(
                "arn:aws:iam::111122223333:user/ci",
                &tags(&[("contact", " ")]),
            )
            .expect("owner");
        assert_eq!(got.team.as_deref(), Some("platform"));
        assert_eq!(got.contact, None);
        // tags that say everything need no entry
        let got = o
            .of(
                arn,
                &tags(&[("team", "a"), ("owner-email", "bob@example.com")]),
            )
            .expect("owner");
        assert_eq!(got.from, "tag team, tag owner-email");
        assert_eq!(Owners::default().of(arn, &tags(&[])), None);
    }
}
