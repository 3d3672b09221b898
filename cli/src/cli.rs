//! Command-line interface: every command, flag and format users' scripts depend on.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// whittle: find the permissions nobody uses, and propose what each principal actually needs.
#[derive(Debug, Parser)]
#[command(name = "whittle", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Write the report to FILE instead of stdout (diagnostics stay on stderr).
    #[arg(long, global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Colour: `auto` on a terminal unless NO_COLOR is set, `always`, or `never`.
    #[arg(long, global = true, value_enum, default_value_t)]
    pub color: ColorChoice,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, Default, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Shells `whittle completions` writes scripts for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate one request against policy files: allowed, denied or conditional, and why.
    Simulate(SimulateArgs),
    /// Show a principal's effective permissions and where each comes from.
    Explain(ExplainArgs),
    /// Look up actions in the embedded AWS catalog.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Summarise a snapshot: counts, and principals with admin-equivalent access.
    Inventory(InventoryArgs),
    /// Read CloudTrail logs into the usage store, incrementally (each log object once).
    Ingest(IngestArgs),
    /// Query the usage store.
    #[command(subcommand)]
    Usage(UsageCommand),
    /// The activity journal: high-risk events kept whole (who changed this role, when were
    /// permissions granted), filtered by principal, operation, resource, time and class.
    Events(EventsArgs),
    /// Work with rule repositories: validate, test, list, explain, schema.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Evaluate rules over a snapshot (and usage): findings, exit 1 at or above `--fail-on`.
    Check(CheckArgs),
    /// Re-run `rules validate` + `rules test` (and a check, with `--snapshot`) whenever a rule or
    /// input file changes.
    Watch(WatchArgs),
    /// Propose each principal's minimal policy from its usage: diffs, evidence, safety checks,
    /// ready-to-apply policy files.
    Recommend(RecommendArgs),
    /// Write the periodic review for people: one self-contained HTML page with charts —
    /// proposals, findings, risk classes, coverage over time, alerts (`--output report.html`).
    Report(ReportArgs),
    /// Write a policy from observed usage alone: for a new role, or to replace a hand-written one.
    Generate(GenerateArgs),
    /// Print a shell completion script: `whittle completions bash > /etc/bash_completion.d/whittle`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff): `whittle man > whittle.1 && man ./whittle.1`.
    Man,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Rule directories to watch and test (default: `rules`).
    #[arg(value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Also run `check` on these snapshots after the tests (and watch them); with `--logs`,
    /// their admin-equivalent and permission-management holders are privileged for alert rules.
    #[arg(long = "snapshot", value_name = "FILE")]
    pub snapshots: Vec<PathBuf>,
    /// Usage store for the check (and, with `--logs`, the one logs are ingested into; default
    /// `$WHITTLE_DB`, else `.whittle/usage.db`).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Follow these log directories: new log objects (CloudTrail's S3 layout synced locally, a
    /// JSON-lines drop) are ingested as they land, with the journal of the rules' activity classes.
    #[arg(long = "logs", value_name = "DIR")]
    pub logs: Vec<PathBuf>,
    /// A log file is read once it has not changed for this long, in milliseconds (a file still
    /// being written waits).
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub settle_ms: u64,
    /// Quiet period before a burst of changes triggers a run, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 300)]
    pub debounce_ms: u64,
    /// Stop after this many runs (for scripts and tests).
    #[arg(long, value_name = "N", hide = true)]
    pub max_runs: Option<u32>,
    /// With `--logs`: where the alerts go.
    #[command(flatten)]
    pub delivery: AlertDelivery,
    /// `json`: one JSON document per run on a line of its own (JSON Lines), for editors and
    /// scripts; diagnostics and the run markers stay on stderr.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Check rule directories: every problem at once, pointing at file:line:col. Exit 2 on error.
    Validate {
        /// Rule directories (default: `./rules`, else the built-in packs).
        #[arg(value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Run the rule tests (`[[test]]` tables) and end with `N passed, N failed`.
    Test {
        /// Rule directories (default: `./rules`, else the built-in packs).
        #[arg(value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Output format: `junit` is JUnit XML, as CI systems read test reports.
        #[arg(long, value_enum, default_value_t)]
        format: TestFormat,
    },
    /// List the rules.
    List {
        /// Rule directories (default: `rules`).
        #[arg(value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// What a rule flags, why, how to fix it, and its tests.
    Explain {
        /// Rule id.
        id: String,
        /// Rule directories (default: `./rules`, else the built-in packs).
        #[arg(long = "rules", value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Print the Cedar schema rules are validated against.
    Schema {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

/// How `usage show` rolls rows up.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum UsageBy {
    /// One row per principal and permission, resources counted.
    Action,
}

/// Formats of `rules test`.
#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum TestFormat {
    /// Human-readable text.
    #[default]
    Text,
    /// JSON (versioned; see docs/formats.md).
    Json,
    /// JUnit XML.
    Junit,
}

/// `--fail-on` thresholds.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailOn {
    Info,
    Low,
    Medium,
    High,
    Critical,
    /// Never fail on findings.
    Never,
}

impl FailOn {
    /// The lowest severity that fails (`None` for `never`).
    pub fn severity(self) -> Option<whittle_engine::model::Severity> {
        use whittle_engine::model::Severity;
        match self {
            FailOn::Info => Some(Severity::Info),
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum CheckFormat {
    #[default]
    Text,
    Json,
    Sarif,
    Markdown,
    /// A self-contained HTML page (as `whittle report` writes, with the findings only).
    Html,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// What a change declares, recognised by content: plain IAM policy documents (identity,
    /// trust or resource policies); directories are walked. Validated by the built-in policy
    /// checks and checked against the rules.
    #[arg(value_name = "PATH", required_unless_present = "snapshots")]
    pub paths: Vec<PathBuf>,
    /// `get-account-authorization-details` output (and organisation, Config and resource-policy
    /// exports); several files merge.
    #[arg(long = "snapshot", value_name = "FILE", num_args = 1..)]
    pub snapshots: Vec<PathBuf>,
    /// The same kind of inputs as PATH as they were before the change (say, the base branch's
    /// template): the access diff compares with them instead of a plan's before-state.
    #[arg(long = "baseline", value_name = "PATH", num_args = 1..)]
    pub baseline: Vec<PathBuf>,
    /// Usage store from `whittle ingest`: adds used / last used / coverage evidence (default:
    /// `$WHITTLE_DB` or `.whittle/usage.db`, when it exists).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Rule directories (repeatable; `@builtin` for the built-in packs). Default: `./rules` when
    /// it exists, else `@builtin`.
    #[arg(long = "rules", value_name = "DIR", num_args = 1..)]
    pub rules: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: CheckFormat,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// Evaluate as of this date (YYYY-MM-DD); default today.
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    /// Only findings on principals whose ARN or name matches (`*`, `?`).
    #[arg(long, value_name = "PATTERN")]
    pub principal: Option<String>,
    /// Only findings of rules whose id matches (repeatable; `*`, `?`).
    #[arg(long = "rule", value_name = "ID")]
    pub rules_shown: Vec<String>,
    /// Only findings at or above this severity.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub severity: Option<SeverityArg>,
    /// Text: every line of each finding's remediation, not only the first.
    #[arg(long, short)]
    pub verbose: bool,
}

/// `recommend` output formats.
#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum RecommendFormat {
    #[default]
    Text,
    Json,
    Markdown,
    /// A self-contained HTML page (as `whittle report` writes, with the proposals only).
    Html,
}

/// What `recommend` and `report` read: the snapshots, the usage evidence, the rules and the window.
#[derive(Debug, Args)]
pub struct EvidenceArgs {
    /// `get-account-authorization-details` output; several files merge.
    #[arg(long = "snapshot", value_name = "FILE", required = true, num_args = 1..)]
    pub snapshots: Vec<PathBuf>,
    /// Usage store from `whittle ingest` (default: `$WHITTLE_DB` or `.whittle/usage.db`).
    #[arg(long, value_name = "FILE", conflicts_with = "logs")]
    pub db: Option<PathBuf>,
    /// CloudTrail logs to read into a temporary store first, instead of `--db`.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub logs: Vec<PathBuf>,
    /// Rule directories (repeatable; `@builtin` for the built-in packs): window, coverage,
    /// `[[keep]]` entries. Default: `./rules` when it exists, else `@builtin`.
    #[arg(long = "rules", value_name = "DIR", num_args = 1..)]
    pub rules: Vec<PathBuf>,
    /// Days of usage to look at (default: the rules' `window-days`).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    pub window: Option<u32>,
    /// End the window on this date (YYYY-MM-DD); default today.
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
}

impl EvidenceArgs {
    /// The engine's request: the store to read (`--db`, else the default store; none when
    /// `--logs` are read instead), the rules (with a note saying which were chosen when none
    /// were given), "now". `None` (exit 2) when `--now` is not a date, which was said.
    pub fn request(&self) -> Option<whittle_engine::EvidenceRequest> {
        let now = now_or_today(self.now.as_deref())?;
        let (rules, note) = rules_or_default(&self.rules);
        if let Some(n) = &note {
            crate::diagnostics::note(n);
        }
        Some(whittle_engine::EvidenceRequest {
            snapshots: self.snapshots.clone(),
            db: self
                .logs
                .is_empty()
                .then(|| self.db.clone().unwrap_or_else(default_db)),
            logs: self.logs.clone(),
            rules,
            window_days: self.window,
            now,
        })
    }
}

/// `report` output formats.
#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML page: inline CSS, SVG and script, no network access.
    #[default]
    Html,
    /// The numbers the page shows, as a versioned JSON document.
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Snapshots, usage evidence, rules and window.
    #[command(flatten)]
    pub evidence: EvidenceArgs,
    /// Output format (the page goes to `--output FILE`, else stdout).
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
    /// Largest page written as plain HTML, in bytes; past it the details are stored compressed
    /// (for tests of that mode).
    #[arg(long, value_name = "BYTES", hide = true)]
    pub inline_limit: Option<usize>,
}

/// How far `recommend` and `generate` narrow resources.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ResourcesArg {
    /// Exactly the resources seen in the logs.
    Observed,
    /// The seen resources generalised to their container and common path (`bucket/reports/*`).
    Prefix,
    /// As granted today: only actions are narrowed.
    Granted,
}

impl ResourcesArg {
    /// The engine's mode.
    pub fn mode(self) -> whittle_engine::model::ResourceMode {
        use whittle_engine::model::ResourceMode as M;
        match self {
            ResourcesArg::Observed => M::Observed,
            ResourcesArg::Prefix => M::Prefix,
            ResourcesArg::Granted => M::Granted,
        }
    }
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// Snapshots, usage evidence, rules and window.
    #[command(flatten)]
    pub evidence: EvidenceArgs,
    /// Only principals whose ARN or name matches (`*`, `?`).
    #[arg(long, value_name = "PATTERN")]
    pub principal: Option<String>,
    /// How far to narrow resources (default: the rules' `resources`, else `prefix`).
    #[arg(long, value_enum, value_name = "MODE")]
    pub resources: Option<ResourcesArg>,
    /// Write one ready-to-apply policy per principal here: `<name>.json` and `<name>.tf`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// IAM credential report (`aws iam get-credential-report`: its JSON, or the CSV inside):
    /// adds passwords and access keys unused past the rules' `credentials-unused-days`.
    #[arg(long, value_name = "FILE")]
    pub credential_report: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: RecommendFormat,
    /// Text: every proposal, also those that change nothing, and every removed permission.
    #[arg(long, short)]
    pub verbose: bool,
}

/// `generate` output formats.
#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum GenerateFormat {
    /// The AWS policy document.
    #[default]
    Json,
    /// An `aws_iam_policy_document` data source.
    Terraform,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("evidence").required(true).args(["db", "logs"])))]
pub struct GenerateArgs {
    /// Usage store from `whittle ingest`.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// CloudTrail logs to read into a temporary store first.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub logs: Vec<PathBuf>,
    /// The principal's ARN (assumed-role sessions count for their role).
    #[arg(long, value_name = "ARN", required = true)]
    pub principal: String,
    /// Days of usage to look at.
    #[arg(long, value_name = "DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..))]
    pub window: u32,
    /// End the window on this date (YYYY-MM-DD); default today.
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    /// How far to narrow resources.
    #[arg(long, value_enum, value_name = "MODE", default_value = "prefix")]
    pub resources: ResourcesArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: GenerateFormat,
}

/// A severity on the command line.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl SeverityArg {
    /// The engine's severity.
    pub fn severity(self) -> whittle_engine::rules::Severity {
        use whittle_engine::rules::Severity as S;
        match self {
            SeverityArg::Info => S::Info,
            SeverityArg::Low => S::Low,
            SeverityArg::Medium => S::Medium,
            SeverityArg::High => S::High,
            SeverityArg::Critical => S::Critical,
        }
    }
}

/// `--now DATE` as a time, or now when not given; `None` (said on stderr) when it is not a date.
pub fn now_or_today(now: Option<&str>) -> Option<whittle_engine::model::time::Epoch> {
    use whittle_engine::model::time;
    match now {
        None => Some(time::now()),
        Some(d) => {
            let t = time::parse_date(d);
            if t.is_none() {
                crate::diagnostics::bad_date(d);
            }
            t
        }
    }
}

/// Default location of the usage store, unless `WHITTLE_DB` names another.
pub const DEFAULT_DB: &str = ".whittle/usage.db";

/// The default usage store: `$WHITTLE_DB` when set, else `.whittle/usage.db`.
pub fn default_db() -> PathBuf {
    std::env::var_os("WHITTLE_DB")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(DEFAULT_DB), PathBuf::from)
}

/// The rule directories to use: those given, else `./rules` when it exists, else the packs
/// built into the binary — with a note saying which, when it was a default.
pub fn rules_or_default(dirs: &[PathBuf]) -> (Vec<PathBuf>, Option<String>) {
    if !dirs.is_empty() {
        return (dirs.to_vec(), None);
    }
    if std::path::Path::new("rules").is_dir() {
        (
            vec![PathBuf::from("rules")],
            Some("rules: ./rules (give --rules to choose)".into()),
        )
    } else {
        (
            vec![PathBuf::from("@builtin")],
            Some("rules: @builtin, the packs built into whittle (no ./rules here; give --rules to choose)".into()),
        )
    }
}

/// The usage store to read: the one given, else the default store when it exists — with a
/// note, when there is none, that findings carry no usage evidence.
pub fn usage_db(db: Option<&PathBuf>) -> (Option<PathBuf>, Option<String>) {
    match db {
        Some(db) => (Some(db.clone()), None),
        None => {
            let default = default_db();
            if default.exists() {
                (Some(default), None)
            } else {
                let note = format!(
                    "no usage evidence: {} does not exist (run `whittle ingest` first, or give --db)",
                    default.display()
                );
                (None, Some(note))
            }
        }
    }
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files or directories (walked recursively): CloudTrail `.json`/`.json.gz` in the S3 key
    /// layout, JSON lines, `lookup-events` output, EventBridge envelopes; GCP Cloud Audit Logs
    /// (sink exports, `gcloud logging read --format=json`); the Azure Activity Log (`az monitor
    /// activity-log list`, diagnostic-settings exports); told apart by content.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The usage store (SQLite); created when absent.
    #[arg(long, value_name = "FILE", default_value_os_t = default_db())]
    pub db: PathBuf,
    /// Commit after this many log objects (smaller: less work lost to a crash, slower).
    #[arg(long, value_name = "N", default_value_t = 2000, hide = true)]
    pub commit_every: usize,
    /// When another `ingest` is writing the store, exit 2 saying who, instead of waiting.
    #[arg(long)]
    pub no_wait: bool,
    /// No progress bar, no per-file notes.
    #[arg(long, short)]
    pub quiet: bool,
    /// Output format of the final report.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Rule directories whose activity classes the journal keeps and whose `retention-days` it
    /// is pruned to (`@builtin`: the built-in packs). Default: `./rules` when present, else
    /// `@builtin`.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Keep no journal of high-risk events and raise no alerts (usage only).
    #[arg(long, conflicts_with_all = ["rules", "snapshots"])]
    pub no_journal: bool,
    /// Entitlement snapshots (`get-account-authorization-details`; several merge): their
    /// admin-equivalent and permission-management holders are privileged for alert rules.
    #[arg(long = "snapshot", value_name = "FILE", num_args = 1..)]
    pub snapshots: Vec<PathBuf>,
    /// Where the alerts go.
    #[command(flatten)]
    pub delivery: AlertDelivery,
    /// Exit 1 when an alert at or above this severity is raised (default: alerts do not change
    /// the exit status).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// The day retention counts back from (`YYYY-MM-DD`; default: today).
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    /// The PATHs are results of `whittle usage sql` queries (CSV with a header, or JSON lines;
    /// usage and coverage told apart by their columns), not logs: the same mapping and
    /// attribution, no journal and no alerts. A result read before adds nothing.
    #[arg(long, conflicts_with_all = ["rules", "snapshots", "fail_on", "alerts"])]
    pub aggregate: bool,
}

/// Where alerts are delivered, besides the report (`ingest`, `watch --logs`).
#[derive(Debug, Args)]
pub struct AlertDelivery {
    /// Append the alerts each run raises to FILE, one JSON document per line.
    #[arg(long, value_name = "FILE")]
    pub alerts: Option<PathBuf>,
    /// Post each alert to this webhook (Slack, Microsoft Teams workflow, or any endpoint taking
    /// JSON). The URL is a secret: it is never printed, only its host.
    #[arg(
        long,
        value_name = "URL",
        env = "WHITTLE_WEBHOOK_URL",
        hide_env_values = true
    )]
    pub webhook: Option<String>,
    /// Body posted to the webhook (`auto`: by the URL's host).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t)]
    pub webhook_format: crate::render::webhook::WebhookFormat,
    /// Retries of a failed post (backoff from 0.5 s, doubling; `Retry-After` honoured).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub webhook_retries: u32,
}

impl AlertDelivery {
    /// Nowhere.
    pub fn none() -> AlertDelivery {
        AlertDelivery {
            alerts: None,
            webhook: None,
            webhook_format: Default::default(),
            webhook_retries: 0,
        }
    }
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// The usage store whose journal to read.
    #[arg(long, value_name = "FILE", default_value_os_t = default_db())]
    pub db: PathBuf,
    /// Events by this principal (ARN pattern, `*` and `?`) or by the person behind a session
    /// (a role session name, an IAM Identity Center user, `sourceIdentity`).
    #[arg(long, value_name = "P")]
    pub principal: Option<String>,
    /// Events of this operation pattern (`iam:Put*Policy`, `cloudtrail:StopLogging`; any casing).
    #[arg(long, value_name = "PATTERN")]
    pub action: Option<String>,
    /// Events on a resource matching this ARN pattern.
    #[arg(long, value_name = "PATTERN")]
    pub resource: Option<String>,
    /// From this day or time on (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Before this day or time (a day: up to the end of that day).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Events of this activity class (`identity-change`, `logging-tampering`, …).
    #[arg(long, value_name = "CLASS")]
    pub class: Option<String>,
    /// Rule directories whose `[[owner]]` entries and tag keys name each principal's owner
    /// (`@builtin`: the built-in packs). Default: `./rules` when present, else `@builtin`.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Output format: `jsonl` prints each event's original record, one per line.
    #[arg(long, value_enum, default_value_t)]
    pub format: EventsFormat,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum EventsFormat {
    /// A table: time, principal (and who behind it), operation, outcome, resources, classes.
    #[default]
    Text,
    /// One JSON document (versioned), each event with its record.
    Json,
    /// The original records, one per line.
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum UsageCommand {
    /// Totals, and what the logs cover: per account × region (time span, gaps), per service (management and data events).
    Summary {
        /// The usage store.
        #[arg(long, value_name = "FILE", default_value_os_t = default_db())]
        db: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One principal's use of each permission on each resource.
    Show {
        /// Principal ARN (roles: the role ARN, not the session).
        #[arg(long, value_name = "ARN", required_unless_present = "resource")]
        principal: Option<String>,
        /// Resources matching this pattern (`*`, `?`): who used them, how, when.
        #[arg(long, value_name = "PATTERN")]
        resource: Option<String>,
        /// Only permissions matching this pattern (`s3:Get*`, any casing).
        #[arg(long, value_name = "PATTERN")]
        action: Option<String>,
        /// `action`: one row per permission, its resources rolled up.
        #[arg(long, value_enum)]
        by: Option<UsageBy>,
        /// The usage store.
        #[arg(long, value_name = "FILE", default_value_os_t = default_db())]
        db: PathBuf,
        /// Rule directories whose `[[owner]]` entries and tag keys name the owners (default:
        /// `./rules`, else `@builtin`).
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Remove journal entries older than the retention (`retention-days` of the rules, or
    /// `--days`); usage aggregates are kept.
    Prune {
        /// The usage store.
        #[arg(long, value_name = "FILE", default_value_os_t = default_db())]
        db: PathBuf,
        /// Rule directories whose `retention-days` applies (default: `./rules`, else `@builtin`).
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
        /// Keep this many days instead (at least 90 unless `--force`).
        #[arg(long, value_name = "N")]
        days: Option<u32>,
        /// Accept `--days` below 90.
        #[arg(long)]
        force: bool,
        /// The day retention counts back from (`YYYY-MM-DD`; default: today).
        #[arg(long, value_name = "DATE")]
        now: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Events no permission mapping knows (and those that need no permission).
    Unmapped {
        /// The usage store.
        #[arg(long, value_name = "FILE", default_value_os_t = default_db())]
        db: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Print the aggregation as one query for the engine that holds the logs (Athena, Trino or
    /// Spark over the CloudTrail table; BigQuery over Cloud Audit Logs sinks; Log Analytics over
    /// `AzureActivity`); `whittle ingest --aggregate` reads its result.
    Sql {
        /// The engine whose dialect to write.
        #[arg(long, value_enum, value_name = "ENGINE")]
        engine: SqlEngine,
        /// `usage`: calls per principal, operation, resource and outcome; `coverage`: events per
        /// account, region, day, service and event category.
        #[arg(long, value_enum, value_name = "QUERY", default_value_t)]
        query: SqlQuery,
        /// Events of the last N days.
        #[arg(long, value_name = "N", default_value_t = 90)]
        days: u32,
        /// The table (default: `cloudtrail_logs`; BigQuery: the sink tables' common prefix,
        /// `cloudaudit_googleapis_com`; Kusto: `AzureActivity`).
        #[arg(long, value_name = "NAME")]
        table: Option<String>,
        /// The day `--days` counts back from (`YYYY-MM-DD`; default: today).
        #[arg(long, value_name = "DATE")]
        now: Option<String>,
    },
    /// Merge stores built on other machines (per account, region or month) into `--db`
    /// exactly: counts add, first/last seen combine, coverage unites, a log object two shards
    /// ingested counts once. All or nothing.
    Merge {
        /// The stores to merge (`whittle ingest` stores of this release's schema).
        #[arg(value_name = "SHARD", required = true)]
        shards: Vec<PathBuf>,
        /// The store they merge into (created when absent; an existing one is merged with them).
        #[arg(long, value_name = "OUT", default_value_os_t = default_db())]
        db: PathBuf,
        /// When an ingest is writing `--db`, exit 2 saying who, instead of waiting.
        #[arg(long)]
        no_wait: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

/// `usage sql --engine`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SqlEngine {
    /// Amazon Athena (engine version 3).
    Athena,
    /// Trino or Presto.
    Trino,
    /// Apache Spark SQL.
    Spark,
    /// Google BigQuery.
    #[value(name = "bigquery")]
    BigQuery,
    /// Azure Monitor Log Analytics (KQL).
    Kusto,
}

/// `usage sql --query`.
#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum SqlQuery {
    /// Calls per principal, operation, resource and outcome.
    #[default]
    Usage,
    /// Events per account, region, day, service and event category.
    Coverage,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// JSON (versioned; see docs/formats.md).
    Json,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The caller's identity policy documents (JSON), evaluated together; none: it has none.
    #[arg(long = "policy", value_name = "FILE", num_args = 1..)]
    pub policies: Vec<PathBuf>,
    /// A permission boundary document that caps the identity policies.
    #[arg(long, value_name = "FILE")]
    pub boundary: Option<PathBuf>,
    /// The caller: an IAM ARN (user, role, role session) or a service principal
    /// (`lambda.amazonaws.com`). Default: a principal in the resource's account.
    #[arg(long, value_name = "ARN|SERVICE", conflicts_with = "anonymous")]
    pub principal: Option<String>,
    /// An unauthenticated caller.
    #[arg(long)]
    pub anonymous: bool,
    /// The account that owns the resource (default: from the resource ARN, else the caller's).
    #[arg(long, value_name = "ID")]
    pub resource_account: Option<String>,
    /// The resource's own policy: bucket, key, queue, topic, secret policy, or a role's trust policy.
    #[arg(long, value_name = "FILE")]
    pub resource_policy: Option<PathBuf>,
    /// One organisation level of service control policies, root first, the account last
    /// (repeatable): a policy document or a JSON array of those attached there (`[]`: none).
    #[arg(long = "scp", value_name = "FILE")]
    pub scps: Vec<PathBuf>,
    /// One organisation level of resource control policies, like `--scp`; AWS's default
    /// `RCPFullAWSAccess` is added to every level.
    #[arg(long = "rcp", value_name = "FILE")]
    pub rcps: Vec<PathBuf>,
    /// The caller's account is the organisation's management account: SCPs do not apply to it.
    #[arg(long)]
    pub management_account: bool,
    /// The session policy passed when the caller's session was created.
    #[arg(long, value_name = "FILE")]
    pub session_policy: Option<PathBuf>,
    /// The VPC endpoint policy the request goes through.
    #[arg(long, value_name = "FILE")]
    pub endpoint_policy: Option<PathBuf>,
    /// The IAM action, e.g. `s3:GetObject` (case-insensitive).
    #[arg(long)]
    pub action: String,
    /// The resource ARN, or `*`.
    #[arg(long, default_value = "*")]
    pub resource: String,
    /// Request context as KEY=VALUE (repeat a key for several values).
    #[arg(long = "context", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub context: Vec<(String, String)>,
    /// Treat the given context as complete: keys not given are absent from the request, not unknown.
    #[arg(long)]
    pub complete_context: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// `aws iam get-account-authorization-details` output; several files merge (pages, accounts).
    #[arg(long = "snapshot", value_name = "FILE", required = true, num_args = 1..)]
    pub snapshots: Vec<PathBuf>,
    /// Principal ARN, or its name when unambiguous.
    #[arg(long, value_name = "ARN|NAME")]
    pub principal: String,
    /// Only actions matching this pattern (`s3:Get*`, `iam:PassRole`); lists each action.
    #[arg(long, value_name = "PATTERN")]
    pub action: Option<String>,
    /// Usage store: adds held versus used — per permission, used in the window or not, and when
    /// last (the "last accessed" view).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// With `--db`: days of usage to look at.
    #[arg(long, value_name = "DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..))]
    pub window: u32,
    /// With `--db`: end the window on this date (YYYY-MM-DD); default today.
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Show one AWS action (access level, resource types, condition keys), GCP permission (the
    /// predefined roles that grant it) or GCP predefined role (what it grants).
    Show {
        /// `s3:GetObject` (any casing), `storage.objects.get`, `roles/storage.objectViewer`.
        action: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// List the actions a pattern matches (`s3:Get*`, `*`, `iam:*Policy*`, `?`; GCP:
    /// `storage.objects.*`).
    Expand {
        /// Action or permission pattern.
        pattern: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Where the catalog data comes from, and its size.
    Info {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// `aws iam get-account-authorization-details` output; several files merge.
    #[arg(long = "snapshot", value_name = "FILE", required = true, num_args = 1..)]
    pub snapshots: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got `{s}`")),
    }
}
