//! Least-privilege rules in TOML: settings, risk classes, unused-permission thresholds, keep lists
//! and exemptions. Parsed strictly (unknown keys are errors with spans), then checked for meaning
//! with every problem collected.

use super::diags::{Problem, RuleDiagnostic};
pub use crate::model::Severity;
use crate::model::{ActivityClass, ActivityRules, CoverageMode, OwnerRule, Owners, ResourceMode};
use crate::source::SourceFile;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use toml::Spanned;

/// One TOML rule file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct File {
    #[serde(default)]
    settings: Option<Spanned<Settings>>,
    #[serde(default)]
    risk: Vec<Spanned<RiskClass>>,
    #[serde(default)]
    combination: Vec<Spanned<Combination>>,
    #[serde(default)]
    unused: Vec<Spanned<UnusedRule>>,
    #[serde(default)]
    keep: Vec<Spanned<Keep>>,
    #[serde(default)]
    exemption: Vec<Spanned<Exemption>>,
    #[serde(default)]
    activity: Option<ActivitySection>,
    /// Who answers for which principals (`owners.toml` by convention).
    #[serde(default)]
    owner: Vec<Spanned<OwnerRule>>,
    /// Rule tests, read by the tests module.
    #[serde(default)]
    #[allow(dead_code)]
    test: Vec<toml::Value>,
}

/// Finds the span of a key inside an item (`at(item, "retention-days")`).
type SpanOf<'a, 'f> = dyn Fn(&ItemSource, &str) -> Option<(&'f SourceFile, Range<usize>)> + 'a;

/// Observation settings.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Days of usage looked at.
    pub window_days: u32,
    /// Days of log coverage needed before absence of use counts as evidence.
    pub min_coverage_days: u32,
    /// `per-account` (default: a multi-region trail covers every region of the account on the
    /// days it has logs) or `per-region` (single-region trails: each region counts on its own).
    #[serde(default)]
    pub coverage: CoverageMode,
    /// How far `recommend` narrows the resources of kept permissions: `observed`, `prefix`
    /// (default) or `granted`.
    #[serde(default)]
    pub resources: ResourceMode,
    /// Days after which an active password or access key no one used is reported by
    /// `recommend --credential-report`.
    #[serde(default = "default_credentials_unused_days")]
    pub credentials_unused_days: u32,
    /// Days the activity journal keeps an event (at least 90 unless `force-short-retention`).
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
    /// Accept a `retention-days` below 90 (forensics usually needs at least 90).
    #[serde(default)]
    pub force_short_retention: bool,
    /// Resource ARN patterns whose calls are high-risk activity (`arn:aws:s3:::prod-*`).
    #[serde(default)]
    pub critical_resources: Vec<String>,
    /// Days without activity after which a principal's return is asked about (alert rules:
    /// `context.thresholds.dormant_days`).
    #[serde(default = "default_dormant_days")]
    pub dormant_days: u32,
    /// Days of history a principal (or access key) needs before a first use or a new network is
    /// asked about: before, everything is new.
    #[serde(default = "default_alert_baseline_days")]
    pub alert_baseline_days: u32,
    /// Denied calls by one principal within `denied-burst-minutes` that make a burst.
    #[serde(default = "default_denied_burst_count")]
    pub denied_burst_count: u32,
    /// The burst window, in minutes.
    #[serde(default = "default_denied_burst_minutes")]
    pub denied_burst_minutes: u32,
    /// Principal tag keys naming its team, tried in order (case-insensitive).
    #[serde(default = "default_team_tags")]
    pub team_tags: Vec<String>,
    /// Principal tag keys naming how to reach its owners (an address, a channel), tried in order.
    #[serde(default = "default_contact_tags")]
    pub contact_tags: Vec<String>,
}

fn default_team_tags() -> Vec<String> {
    vec!["team".into(), "owner".into()]
}

fn default_contact_tags() -> Vec<String> {
    vec!["contact".into(), "owner-email".into()]
}

fn default_dormant_days() -> u32 {
    30
}

fn default_alert_baseline_days() -> u32 {
    14
}

fn default_denied_burst_count() -> u32 {
    50
}

fn default_denied_burst_minutes() -> u32 {
    5
}

fn default_credentials_unused_days() -> u32 {
    90
}

fn default_retention_days() -> u32 {
    400
}

/// The shortest journal retention accepted without `force-short-retention`.
pub const MIN_RETENTION_DAYS: u32 = 90;

/// `[activity]`: `[[activity.class]]` tables.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivitySection {
    #[serde(default)]
    class: Vec<Spanned<ActivityClass>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            window_days: 90,
            min_coverage_days: 60,
            coverage: CoverageMode::PerScope,
            resources: ResourceMode::default(),
            credentials_unused_days: default_credentials_unused_days(),
            retention_days: default_retention_days(),
            force_short_retention: false,
            critical_resources: Vec::new(),
            dormant_days: default_dormant_days(),
            alert_baseline_days: default_alert_baseline_days(),
            denied_burst_count: default_denied_burst_count(),
            denied_burst_minutes: default_denied_burst_minutes(),
            team_tags: default_team_tags(),
            contact_tags: default_contact_tags(),
        }
    }
}

/// A named class of risky permissions.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RiskClass {
    /// Id used by rules (`Iam::Risk::"privilege-escalation"`).
    pub id: String,
    /// What the class means.
    pub description: String,
    /// Action patterns in the class.
    pub actions: Vec<String>,
}

/// Permissions that are dangerous together (privilege-escalation paths such as PassRole plus a
/// service that runs code as the passed role). Principals holding all of them carry the id in
/// their `combinations` attribute.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Combination {
    /// Id (`passrole-lambda`).
    pub id: String,
    /// What holding them all allows.
    pub description: String,
    /// Exact action names, all of which must be held.
    pub actions: Vec<String>,
}

/// "Permissions of this class unused for this long are findings".
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnusedRule {
    /// Rule id.
    pub id: String,
    /// Restrict to a risk class.
    #[serde(default)]
    pub risk: Option<String>,
    /// Restrict to access levels.
    #[serde(default)]
    pub access_levels: Vec<String>,
    /// Unused for at least this many days.
    pub after_days: u32,
    /// Severity of the finding.
    pub severity: Severity,
}

/// Permissions kept whatever the usage says.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Keep {
    /// Principal ARN pattern (`*`, `?`).
    pub principal: String,
    /// Action patterns kept.
    pub actions: Vec<String>,
    /// Why.
    pub reason: String,
    /// Until when (`YYYY-MM-DD`); absent means no expiry.
    #[serde(default)]
    pub expires: Option<toml::value::Datetime>,
}

/// An accepted exception to a rule.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Exemption {
    /// The rule id it exempts from.
    pub rule: String,
    /// Principal ARN pattern.
    pub principal: String,
    /// Why (required, reviewed).
    pub reason: String,
    /// Until when (`YYYY-MM-DD`, required): an expired exemption is a finding.
    pub expires: toml::value::Datetime,
}

/// Where a TOML item is, for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemSource {
    /// File path.
    pub file: String,
    /// Byte span.
    #[serde(skip)]
    pub span: Range<usize>,
    /// 1-based line.
    pub line: usize,
    /// The item's text as written.
    #[serde(skip)]
    pub text: String,
}

/// Merged least-privilege rules.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LeastPrivilege {
    /// Settings (defaults when no file sets them).
    pub settings: Settings,
    /// Risk classes.
    pub risks: Vec<(RiskClass, ItemSource)>,
    /// Dangerous combinations.
    pub combinations: Vec<(Combination, ItemSource)>,
    /// Unused-permission rules.
    pub unused: Vec<(UnusedRule, ItemSource)>,
    /// Keep lists.
    pub keep: Vec<(Keep, ItemSource)>,
    /// Exemptions.
    pub exemptions: Vec<(Exemption, ItemSource)>,
    /// Where `[settings]` is set, when a file sets it.
    pub settings_from: Option<ItemSource>,
    /// High-risk activity classes (`[[activity.class]]`).
    pub activity: Vec<(ActivityClass, ItemSource)>,
    /// `[[owner]]` entries, in rule-set order.
    pub owners: Vec<(OwnerRule, ItemSource)>,
}

impl LeastPrivilege {
    /// Checks what no single file shows: combinations of settings and rules that can never
    /// work (an `[[unused]]` rule longer than the window, a minimum coverage the window cannot
    /// reach). `file_of` finds a file's text for the span.
    pub fn check_meaning<'f>(
        &self,
        file_of: impl Fn(&str) -> Option<&'f SourceFile>,
        diags: &mut Vec<RuleDiagnostic>,
    ) {
        let s = &self.settings;
        let settings_at = self
            .settings_from
            .as_ref()
            .map(|f| format!(" (set in {}:{})", f.file, f.line))
            .unwrap_or_else(|| " (the default)".into());
        // a key inside an item: its span, or the item's
        let at = |src: &ItemSource, key: &str| -> Option<(&'f SourceFile, Range<usize>)> {
            let file = file_of(&src.file)?;
            let span = file.text[src.span.clone()]
                .find(key)
                .map(|o| src.span.start + o..src.span.start + o + key.len())
                .unwrap_or(src.span.clone());
            Some((file, span))
        };
        if let Some(src) = &self.settings_from {
            for (key, value) in [
                ("window-days", s.window_days),
                ("min-coverage-days", s.min_coverage_days),
                ("credentials-unused-days", s.credentials_unused_days),
            ] {
                if value == 0 {
                    if let Some((file, span)) = at(src, key) {
                        diags.push(
                            RuleDiagnostic::error(
                                file,
                                Some(span),
                                format!("`{key} = 0`: it must be at least 1 day"),
                                None,
                            )
                            .with(Problem::ImpossibleSetting),
                        );
                    }
                }
            }
            if s.retention_days < MIN_RETENTION_DAYS && !s.force_short_retention {
                if let Some((file, span)) = at(src, "retention-days") {
                    diags.push(RuleDiagnostic::error(
                        file,
                        Some(span),
                        format!(
                            "`retention-days = {}` is shorter than {MIN_RETENTION_DAYS} days: an investigation usually starts weeks after the event",
                            s.retention_days
                        ),
                        Some(format!("keep at least {MIN_RETENTION_DAYS} days, or set `force-short-retention = true` to accept it")),
                    ).with(Problem::ImpossibleSetting));
                }
            }
            if s.min_coverage_days > s.window_days {
                if let Some((file, span)) = at(src, "min-coverage-days") {
                    diags.push(RuleDiagnostic::error(
                        file,
                        Some(span),
                        format!(
                            "`min-coverage-days = {}` is longer than `window-days = {}`: the logs can never cover enough of the window, so no permission is ever found unused",
                            s.min_coverage_days, s.window_days
                        ),
                        Some("lower `min-coverage-days` or raise `window-days`".into()),
                    ).with(Problem::ImpossibleSetting));
                }
            }
        }
        self.check_activity(&at, diags);
        for (o, src) in &self.owners {
            let mut error = |key: &str, message: String| {
                if let Some((file, span)) = at(src, key) {
                    diags.push(
                        RuleDiagnostic::error(file, Some(span), message, None)
                            .with(Problem::ImpossibleSetting),
                    );
                }
            };
            if o.principal.trim().is_empty() {
                error("principal", "`[[owner]]`: `principal` is empty".into());
            }
            if o.team.is_none() && o.contact.is_none() {
                error(
                    "principal",
                    format!(
                        "`[[owner]]` for `{}` gives neither `team` nor `contact`",
                        o.principal
                    ),
                );
            }
        }
        for (u, src) in &self.unused {
            if u.after_days > s.window_days {
                if let Some((file, span)) = at(src, "after-days") {
                    diags.push(RuleDiagnostic::error(
                        file,
                        Some(span),
                        format!(
                            "rule `{}`: `after-days = {}` is longer than the observation window, `window-days = {}`{settings_at}: usage is only looked at within the window, so the rule can never fire",
                            u.id, u.after_days, s.window_days
                        ),
                        Some(format!(
                            "raise `window-days` in `[settings]` to at least {}, or lower `after-days`",
                            u.after_days
                        )),
                    ).with(Problem::ImpossibleSetting));
                }
            } else if u.after_days == 0 {
                if let Some((file, span)) = at(src, "after-days") {
                    diags.push(
                        RuleDiagnostic::error(
                            file,
                            Some(span),
                            format!(
                                "rule `{}`: `after-days = 0`: it must be at least 1 day",
                                u.id
                            ),
                            None,
                        )
                        .with(Problem::ImpossibleSetting),
                    );
                }
            }
        }
    }

    /// Activity classes that can never work: a class with no criterion, an id used twice, an
    /// operation pattern that is not `service:Operation`.
    fn check_activity<'f>(&self, at: &SpanOf<'_, 'f>, diags: &mut Vec<RuleDiagnostic>) {
        let mut seen: std::collections::BTreeMap<&str, &ItemSource> = Default::default();
        for (c, src) in &self.activity {
            let mut error = |key: &str, message: String, help: Option<String>| {
                if let Some((file, span)) = at(src, key) {
                    diags.push(
                        RuleDiagnostic::error(file, Some(span), message, help)
                            .with(Problem::ImpossibleSetting),
                    );
                }
            };
            if let Some(prev) = seen.insert(&c.id, src) {
                error(
                    "id",
                    format!(
                        "activity class `{}` is already declared in {}:{}",
                        c.id, prev.file, prev.line
                    ),
                    None,
                );
            }
            if c.is_empty() {
                error(
                    "id",
                    format!(
                        "activity class `{}` sets no criterion: it would keep every event",
                        c.id
                    ),
                    Some("give `events`, `identity-types`, `mfa` or `critical-resources`".into()),
                );
            }
            for e in &c.events {
                if !e.contains(':') {
                    error(
                        e,
                        format!("`{e}` is not a `service:Operation` pattern (`iam:CreateAccessKey`, `cloudtrail:Stop*`)"),
                        None,
                    );
                }
            }
        }
    }

    /// What ingest keeps of high-risk activity: the classes and the critical resources.
    pub fn activity_rules(&self) -> ActivityRules {
        ActivityRules {
            classes: self.activity.iter().map(|(c, _)| c.clone()).collect(),
            critical_resources: self.settings.critical_resources.clone(),
        }
    }

    /// How owners are found: the settings' tag keys, then the `[[owner]]` entries.
    pub fn owners(&self) -> Owners {
        Owners {
            team_tags: self.settings.team_tags.clone(),
            contact_tags: self.settings.contact_tags.clone(),
            rules: self
                .owners
                .iter()
                .map(|(o, src)| (o.clone(), format!("{}:{}", src.file, src.line)))
                .collect(),
        }
    }

    /// Adds one TOML file; problems go to `diags`.
    pub fn add_file(&mut self, file: &SourceFile, diags: &mut Vec<RuleDiagnostic>) {
        let parsed: File = match toml::from_str(&file.text) {
            Ok(f) => f,
            Err(e) => {
                diags.push(
                    RuleDiagnostic::error(file, e.span(), e.message().to_string(), None)
                        .with(Problem::Toml),
                );
                return;
            }
        };
        let src = |span: Range<usize>| ItemSource {
            file: file.path.to_string(),
            line: file.line_of(span.start),
            text: file.text.get(span.clone()).unwrap_or_default().to_string(),
            span,
        };
        if let Some(s) = parsed.settings {
            let span = s.span();
            match &self.settings_from {
                Some(prev) if self.settings != *s.get_ref() => diags.push(
                    RuleDiagnostic::error(
                        file,
                        Some(span),
                        format!(
                            "`[settings]` is already set in {}:{} with other values",
                            prev.file, prev.line
                        ),
                        Some("keep one `[settings]` table per rule set".into()),
                    )
                    .with(Problem::SettingsConflict),
                ),
                _ => {
                    self.settings = s.into_inner();
                    self.settings_from = Some(src(span));
                }
            }
        }
        for r in parsed.risk {
            let span = r.span();
            self.risks.push((r.into_inner(), src(span)));
        }
        for c in parsed.combination {
            let span = c.span();
            self.combinations.push((c.into_inner(), src(span)));
        }
        for u in parsed.unused {
            let span = u.span();
            self.unused.push((u.into_inner(), src(span)));
        }
        for k in parsed.keep {
            let span = k.span();
            self.keep.push((k.into_inner(), src(span)));
        }
        for c in parsed.activity.map(|a| a.class).unwrap_or_default() {
            let span = c.span();
            self.activity.push((c.into_inner(), src(span)));
        }
        for o in parsed.owner {
            let span = o.span();
            self.owners.push((o.into_inner(), src(span)));
        }
        for x in parsed.exemption {
            let span = x.span();
            self.exemptions.push((x.into_inner(), src(span)));
        }
    }
}
