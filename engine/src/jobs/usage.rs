//! `ingest` and the usage store's queries: `usage summary`, `usage show`, `usage unmapped`,
//! `usage prune` and `events` (the activity journal).

use super::{JobError, NotFound};
use crate::catalog::Registry;
use crate::ingest::audit_logs::AuditLogs;
use crate::ingest::cloudtrail::aggregate::Aggregates;
use crate::ingest::cloudtrail::{Activity, CloudTrail};
use crate::model::time::Epoch;
use crate::model::JournalEntry;
use crate::usage::{
    self, use_events, EventCount, IngestOptions, IngestReport, JournalQuery, Progress, Store,
    Summary, Thresholds, UsageRow,
};
use std::path::{Path, PathBuf};

/// What to ingest, and where.
pub struct IngestRequest<'p> {
    /// Files or directories of CloudTrail logs.
    pub paths: Vec<PathBuf>,
    /// The store (created when absent).
    pub db: PathBuf,
    /// Commit after this many log objects.
    pub commit_every: usize,
    /// Told about progress.
    pub progress: &'p dyn Progress,
    /// "Now", recorded with each object.
    pub now: Epoch,
    /// When another ingest holds the store, wait for it (else fail with [`JobError::StoreBusy`]).
    pub wait: bool,
    /// Rule directories whose activity classes and retention the journal follows (`@builtin`
    /// for the built-in packs); none: no journal is kept.
    pub rules: Vec<PathBuf>,
    /// Leave objects modified less than this long ago for a later run (`watch --logs`).
    pub settle: Option<std::time::Duration>,
    /// Entitlement snapshots whose admin-equivalent and permission-management holders alert
    /// rules call privileged (besides those that used such permissions before).
    pub snapshots: Vec<PathBuf>,
    /// `paths` are results of `whittle usage sql` queries, not logs: usage and coverage only
    /// (no journal, no alerts: an aggregate has no single events).
    pub aggregate: bool,
}

/// What the snapshots given to an ingest contributed.
#[derive(Debug, Default)]
pub struct SnapshotUse {
    /// Files read.
    pub files: usize,
    /// Principals they make privileged.
    pub privileged: usize,
    /// Input that could not be used (the rest was).
    pub errors: Vec<crate::InputError>,
    /// Input used with a caveat.
    pub warnings: Vec<crate::InputError>,
}

/// What an ingest did, and what the rules it followed said.
#[derive(Debug)]
pub struct Ingested {
    /// The run.
    pub report: IngestReport,
    /// Problems in the rules; with an error among them no journal was kept (usage was).
    pub rule_diagnostics: Vec<crate::rules::RuleDiagnostic>,
    /// The journal's retention, when one was kept.
    pub retention_days: Option<u32>,
    /// Alerts raised by this run (each once per triggering event, ever).
    pub alerts: Vec<crate::model::Alert>,
    /// What `snapshots` gave, when some were given and alerts evaluated.
    pub snapshot: Option<SnapshotUse>,
}

impl Ingested {
    /// True when the rules could not be used.
    pub fn rules_failed(&self) -> bool {
        self.rule_diagnostics.iter().any(|d| d.is_error())
    }

    /// True when a snapshot could not be used.
    pub fn snapshot_failed(&self) -> bool {
        self.snapshot.as_ref().is_some_and(|s| !s.errors.is_empty())
    }
}

/// The lock an ingest holds on its store for as long as it writes: `<db>.lock`, holding the
/// holder's process id and start time. Released when dropped (or when the process dies).
struct WriteLock {
    _file: std::fs::File,
}

impl WriteLock {
    fn take(db: &Path, wait: bool, progress: &dyn Progress) -> Result<WriteLock, JobError> {
        use std::io::{Read, Seek, Write};
        let path = PathBuf::from(format!("{}.lock", db.display()));
        let lock_err = |e: std::io::Error| JobError::Lock {
            path: path.clone(),
            message: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(lock_err)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(lock_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = match holder.trim() {
                    "" => "a process that has not said who it is".to_string(),
                    h => h.to_string(),
                };
                if !wait {
                    return Err(JobError::StoreBusy {
                        path: db.to_path_buf(),
                        holder,
                    });
                }
                progress.waiting(&holder);
                file.lock().map_err(lock_err)?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(lock_err(e)),
        }
        let me = format!(
            "pid {} since {}",
            std::process::id(),
            crate::model::time::iso(crate::model::time::now())
        );
        file.set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| file.write_all(me.as_bytes()))
            .map_err(lock_err)?;
        Ok(WriteLock { _file: file })
    }
}

/// Ingests every new log object under the paths into the store, keeping the events of the
/// rules' activity classes in the journal and pruning it to their retention.
pub fn ingest(req: &IngestRequest<'_>) -> Result<Ingested, JobError> {
    // a path that does not exist is a mistake, not an empty log: fail before creating anything
    if let Some(missing) = req.paths.iter().chain(&req.snapshots).find(|p| !p.exists()) {
        return Err(JobError::NoSuchPath {
            path: missing.clone(),
        });
    }
    // one writer at a time: what a second ingest reads as done is what the first committed
    let _lock = WriteLock::take(&req.db, req.wait, req.progress)?;
    let catalogs = Registry::embedded();
    let opts = IngestOptions {
        commit_every_files: req.commit_every.max(1),
        settle: req.settle,
        ..IngestOptions::default()
    };
    if req.aggregate {
        let mut store = Store::open(&req.db)?;
        let source = Aggregates::new(catalogs.aws());
        let report = usage::ingest(
            &source,
            &req.paths,
            &mut store,
            catalogs,
            opts,
            req.progress,
            req.now,
        )?;
        return Ok(Ingested {
            report,
            rule_diagnostics: Vec::new(),
            retention_days: None,
            alerts: Vec::new(),
            snapshot: None,
        });
    }
    let (set, mut rule_diagnostics) = usable_rules(&req.rules, catalogs);
    let mut store = Store::open(&req.db)?;
    let source = AuditLogs::new(match &set {
        Some(s) => CloudTrail::with_activity(catalogs.aws(), Activity::new(&s.lp.activity_rules())),
        None => CloudTrail::new(catalogs.aws()),
    });
    // what alert candidates are measured against: the store as it is before this run
    let mut snapshot = None;
    let prior = match &set {
        Some(_) => {
            let mut prior = store.prior_activity(catalogs)?;
            if !req.snapshots.is_empty() {
                let load = crate::ingest::aws_authz::load_files(&req.snapshots);
                let privileged =
                    crate::summary::privileged_principals(catalogs.aws(), &load.inventory);
                // the owners' tags, for alerts and `events` when no snapshot is at hand
                store.record_principal_tags(
                    load.inventory
                        .principals
                        .iter()
                        .filter(|p| p.kind != crate::model::PrincipalKind::Group)
                        .map(|p| (p.id.as_str(), &p.tags)),
                    req.now,
                )?;
                snapshot = Some(SnapshotUse {
                    files: load.files,
                    privileged: privileged.len(),
                    errors: load.errors,
                    warnings: load.warnings,
                });
                prior.add_privileged(privileged);
            }
            Some(prior)
        }
        None => None,
    };
    let mut report = usage::ingest(
        &source,
        &req.paths,
        &mut store,
        catalogs,
        opts,
        req.progress,
        req.now,
    )?;
    let mut alerts = Vec::new();
    if let (Some(set), Some(prior)) = (&set, &prior) {
        let s = &set.lp.settings;
        let thresholds = Thresholds {
            baseline_days: i64::from(s.alert_baseline_days),
            dormant_days: i64::from(s.dormant_days),
            burst_count: u64::from(s.denied_burst_count.max(1)),
            burst_minutes: i64::from(s.denied_burst_minutes.max(1)),
        };
        let mut events = use_events(prior, &report.activity, catalogs, thresholds);
        if let Some(owners) = OwnerLookup::new(&store, set)? {
            for e in &mut events {
                e.owner = owners.of(&e.principal);
            }
        }
        let (raised, diags) = crate::rules::evaluate_use(set, &events, catalogs.aws(), req.now);
        rule_diagnostics.extend(diags);
        // once per triggering event: an event read again (another file) raises nothing new
        for a in raised {
            if store.raise(&a.finding.rule, &a.event.event_id, req.now)? {
                alerts.push(a);
            }
        }
        store.record_networks(&report.activity)?;
        report.pruned = store.prune_journal(retention_cutoff(req.now, s.retention_days))?;
    }
    Ok(Ingested {
        retention_days: set.as_ref().map(|s| s.lp.settings.retention_days),
        report,
        rule_diagnostics,
        alerts,
        snapshot,
    })
}

/// The rules in `dirs` when they can be used (none given, or errors: `None`), and what they said.
fn usable_rules(
    dirs: &[PathBuf],
    catalogs: &Registry,
) -> (
    Option<crate::rules::RuleSet>,
    Vec<crate::rules::RuleDiagnostic>,
) {
    if dirs.is_empty() {
        return (None, Vec::new());
    }
    let (set, diagnostics) = crate::rules::load(dirs, catalogs.aws());
    (
        set.filter(|_| !diagnostics.iter().any(|d| d.is_error())),
        diagnostics,
    )
}

/// The oldest time a journal of `days` retention keeps, as of `now`.
fn retention_cutoff(now: Epoch, days: u32) -> Epoch {
    now - i64::from(days) * crate::model::time::DAY
}

/// What `usage prune` removed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PruneReport {
    /// Journal entries removed.
    pub pruned: u64,
    /// The retention applied, in days.
    pub retention_days: u32,
    /// Entries older than this were removed.
    pub cutoff: Epoch,
    /// Entries left, and their time span.
    pub kept: u64,
    /// The oldest and newest entry left.
    pub span: (Option<Epoch>, Option<Epoch>),
}

/// Removes the journal entries older than the retention (`days`, else the rules' `retention-days`).
pub fn usage_prune(
    db: &Path,
    days: Option<u32>,
    rules: &[PathBuf],
    now: Epoch,
) -> Result<(PruneReport, Vec<crate::rules::RuleDiagnostic>), JobError> {
    let catalogs = Registry::embedded();
    let (settings, diagnostics) = match days {
        Some(d) => (Some(d), Vec::new()),
        None => {
            let (s, d) = usable_rules(rules, catalogs);
            (s.map(|s| s.lp.settings.retention_days), d)
        }
    };
    let Some(retention_days) = settings else {
        return Ok((
            PruneReport {
                pruned: 0,
                retention_days: 0,
                cutoff: 0,
                kept: 0,
                span: (None, None),
            },
            diagnostics,
        ));
    };
    if !db.exists() {
        return Err(JobError::NoStore {
            path: db.to_path_buf(),
        });
    }
    let mut store = Store::open(db)?;
    let cutoff = retention_cutoff(now, retention_days);
    let pruned = store.prune_journal(cutoff)?;
    let (kept, first, last) = store.journal_span()?;
    Ok((
        PruneReport {
            pruned,
            retention_days,
            cutoff,
            kept,
            span: (first, last),
        },
        diagnostics,
    ))
}

/// The journal entries a query asks for.
/// The journal entries `query` selects, each with its principal's owner by `rules` (their
/// `[[owner]]` entries and tag keys, over the tags `ingest --snapshot` recorded); rules that
/// cannot be used name no owner, and what they said is returned.
pub fn events(
    db: &Path,
    query: &JournalQuery,
    rules: &[PathBuf],
) -> Result<(Vec<JournalEntry>, Vec<crate::rules::RuleDiagnostic>), JobError> {
    let store = open_existing(db)?;
    let mut entries = store.journal(query)?;
    let (set, diagnostics) = usable_rules(rules, Registry::embedded());
    if let Some(owners) = set
        .map(|s| OwnerLookup::new(&store, &s))
        .transpose()?
        .flatten()
    {
        for e in &mut entries {
            e.owner = owners.of(&e.principal);
        }
    }
    Ok((entries, diagnostics))
}

/// Who answers for the principals of a store: a rule set's `[[owner]]` entries and tag keys,
/// over the tags `ingest --snapshot` recorded.
struct OwnerLookup {
    owners: crate::model::Owners,
    tags: crate::usage::PrincipalTags,
}

impl OwnerLookup {
    /// `None` when the rules could name no owner.
    fn new(store: &Store, set: &crate::rules::RuleSet) -> Result<Option<OwnerLookup>, JobError> {
        let owners = set.lp.owners();
        if owners.is_empty() {
            return Ok(None);
        }
        Ok(Some(OwnerLookup {
            owners,
            tags: store.principal_tags()?,
        }))
    }

    fn of(&self, principal: &str) -> Option<crate::model::Owner> {
        let none = std::collections::BTreeMap::new();
        self.owners
            .of(principal, self.tags.get(principal).unwrap_or(&none))
    }
}

fn open_existing(db: &Path) -> Result<Store, JobError> {
    if !db.exists() {
        return Err(JobError::NoStore {
            path: db.to_path_buf(),
        });
    }
    Ok(Store::open_read_only(db)?)
}

/// Totals and coverage of the store at `db`.
pub fn usage_summary(db: &Path) -> Result<Summary, JobError> {
    Ok(open_existing(db)?.summary()?)
}

/// What usage to show.
#[derive(Debug, Clone, Default)]
pub struct UsageQuery {
    /// One principal's usage (its ARN; roles: the role, not the session).
    pub principal: Option<String>,
    /// Usage of resources matching this pattern (`*`, `?`): who used them, how, when.
    pub resource: Option<String>,
    /// Only permissions matching this pattern (`s3:Get*`; any casing).
    pub action: Option<String>,
    /// Roll resources up: one row per principal and permission.
    pub by_action: bool,
}

/// A principal's use of one permission over all the resources it touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRollup {
    /// The principal.
    pub principal: String,
    /// The permission.
    pub permission: String,
    /// Distinct resources.
    pub resources: u64,
    /// Allowed calls.
    pub count: u64,
    /// Denied calls.
    pub denied: u64,
    /// First allowed call.
    pub first_seen: Option<Epoch>,
    /// Last allowed call.
    pub last_seen: Option<Epoch>,
}

/// Usage, as asked.
pub struct UsageShowReport {
    /// The query.
    pub query: UsageQuery,
    /// The rows, by principal, permission, resource (empty when rolled up).
    pub rows: Vec<UsageRow>,
    /// One row per principal and permission (`by_action`).
    pub rollup: Vec<ActionRollup>,
    /// The principal's role sessions: (name, calls, last seen), when one principal was asked for.
    pub sessions: Vec<(String, u64, Epoch)>,
    /// Who answers for the principals shown (those the rules name an owner for).
    pub owners: std::collections::BTreeMap<String, crate::model::Owner>,
    /// What the rules said (with errors, no owners are named).
    pub rule_diagnostics: Vec<crate::rules::RuleDiagnostic>,
}

/// The one principal of the store an email names: the GCP member with that email
/// (`user:alice@example.com`), else the Azure principal whose calls were signed in as that UPN
/// (its object id); `None` when there is none, or more than one.
fn principal_named(store: &Store, email: &str) -> Result<Option<String>, JobError> {
    if email.contains(':') || !email.contains('@') {
        return Ok(None);
    }
    let one = |mut found: std::vec::IntoIter<String>| match (found.next(), found.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    };
    let members: Vec<String> = store
        .principals()?
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| {
            p.split_once(':')
                .is_some_and(|(kind, e)| !kind.contains('/') && e.eq_ignore_ascii_case(email))
        })
        .collect();
    if let Some(m) = one(members.into_iter()) {
        return Ok(Some(m));
    }
    let signed_in =
        store.principals_with_session(&crate::ingest::azure_activity::signed_in_as(email))?;
    Ok(one(signed_in.into_iter()))
}

/// The error for a principal the store has no usage of, naming the ones with the same name.
pub(super) fn no_usage(store: &Store, principal: &str) -> Result<JobError, JobError> {
    let tail = |s: &str| s.rsplit(['/', ':']).next().unwrap_or("").to_string();
    let close = store
        .principals()?
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| tail(p) == tail(principal))
        .collect();
    let missing = NotFound {
        name: principal.to_string(),
        close,
    };
    Ok(JobError::NoUsage {
        hint: missing.hint(),
        name: missing.name,
    })
}

/// Usage from the store at `db`, as `query` asks.
/// The usage `query` selects from the store at `db`, with the owners `rules` name.
pub fn usage_show(
    db: &Path,
    query: &UsageQuery,
    rules: &[PathBuf],
) -> Result<UsageShowReport, JobError> {
    let store = open_existing(db)?;
    let mut query = query.clone();
    let mut rows = store.usage_rows(query.principal.as_deref(), query.resource.as_deref())?;
    if let Some(principal) = query.principal.clone() {
        if rows.is_empty() && !store.principals()?.iter().any(|(p, _)| *p == principal) {
            // a GCP member's bare email, an Azure user's UPN: the principal they name
            let Some(id) = principal_named(&store, &principal)? else {
                return Err(no_usage(&store, &principal)?);
            };
            rows = store.usage_rows(Some(&id), query.resource.as_deref())?;
            query.principal = Some(id);
        }
    }
    if let Some(pat) = &query.action {
        rows.retain(|r| crate::glob::matches(pat, &r.permission, true));
    }
    let rollup = if query.by_action {
        let mut by: std::collections::BTreeMap<(String, String), ActionRollup> = Default::default();
        for r in &rows {
            let e = by
                .entry((r.principal.clone(), r.permission.clone()))
                .or_insert_with(|| ActionRollup {
                    principal: r.principal.clone(),
                    permission: r.permission.clone(),
                    resources: 0,
                    count: 0,
                    denied: 0,
                    first_seen: None,
                    last_seen: None,
                });
            e.resources += 1;
            e.count += r.count;
            e.denied += r.denied;
            e.first_seen = match (e.first_seen, r.first_seen) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            e.last_seen = e.last_seen.max(r.last_seen);
        }
        rows.clear();
        by.into_values().collect()
    } else {
        Vec::new()
    };
    let sessions = match &query.principal {
        Some(p) => store.sessions(p)?,
        None => Vec::new(),
    };
    let (set, rule_diagnostics) = usable_rules(rules, Registry::embedded());
    let mut owners = std::collections::BTreeMap::new();
    if let Some(lookup) = set
        .map(|s| OwnerLookup::new(&store, &s))
        .transpose()?
        .flatten()
    {
        let shown = rows
            .iter()
            .map(|r| &r.principal)
            .chain(rollup.iter().map(|r| &r.principal))
            .chain(&query.principal);
        for p in shown {
            if !owners.contains_key(p) {
                if let Some(o) = lookup.of(p) {
                    owners.insert(p.clone(), o);
                }
            }
        }
    }
    Ok(UsageShowReport {
        query,
        rows,
        rollup,
        sessions,
        owners,
        rule_diagnostics,
    })
}

/// Events no mapping knows, and events that need no permission.
pub struct UnmappedReport {
    /// No known permission.
    pub unmapped: Vec<EventCount>,
    /// Need no permission.
    pub permissionless: Vec<EventCount>,
}

/// The events of the store at `db` that map to no permission.
pub fn usage_unmapped(db: &Path) -> Result<UnmappedReport, JobError> {
    let store = open_existing(db)?;
    Ok(UnmappedReport {
        unmapped: store.unmapped()?,
        permissionless: store.permissionless()?,
    })
}

/// What `usage merge` did.
#[derive(Debug, Default)]
pub struct MergeReport {
    /// Per store merged, in order (the existing output store first, when there was one).
    pub shards: Vec<(PathBuf, crate::usage::ShardMerged)>,
}

impl MergeReport {
    /// Usage rows read from all shards.
    pub fn usage_rows(&self) -> u64 {
        self.shards.iter().map(|(_, s)| s.usage_rows).sum()
    }
}

/// Merges the stores `shards` into `out` (created when absent; an existing `out` is merged
/// with them). Written beside `out` and put in its place by one rename: a failure leaves `out`
/// as it was. A log object two shards ingested counts once: its file is read again to take its
/// second contribution off; a shard of another schema version, or an overlapping object whose
/// file cannot be read as it was, stops the merge with nothing merged.
pub fn usage_merge(
    shards: &[PathBuf],
    out: &Path,
    wait: bool,
    progress: &dyn Progress,
) -> Result<MergeReport, JobError> {
    let fail = |shard: &Path, message: String| JobError::Merge {
        shard: shard.to_path_buf(),
        message,
    };
    let same = |a: &Path, b: &Path| {
        std::fs::canonicalize(a)
            .ok()
            .zip(std::fs::canonicalize(b).ok())
            .is_some_and(|(a, b)| a == b)
    };
    let version_of = |s: &Path| {
        match crate::usage::store_version(s) {
        Ok(crate::usage::SCHEMA_VERSION) => Ok(()),
        Ok(v) => Err(fail(
            s,
            format!(
                "it is a store of schema version {v}, this whittle merges version {}: open it once with this whittle (`whittle usage summary --db {}`) to migrate it, or merge it with the whittle that wrote it",
                crate::usage::SCHEMA_VERSION,
                s.display()
            ),
        )),
        Err(e) => Err(fail(s, e)),
    }
    };
    for s in shards {
        if !s.exists() {
            return Err(JobError::NoSuchPath { path: s.clone() });
        }
        if same(s, out) {
            return Err(fail(
                s,
                "it is the output store (`--db`), which is merged with the shards already".into(),
            ));
        }
        version_of(s)?;
    }
    let _lock = WriteLock::take(out, wait, progress)?;
    let existing = out.exists().then(|| out.to_path_buf());
    if let Some(o) = &existing {
        version_of(o)?;
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "usage.db".into());
    let temp = out.with_file_name(format!(".{name}.merging-{}", std::process::id()));
    let remove = |p: &Path| {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
        }
    };
    remove(&temp);
    let result = (|| -> Result<MergeReport, JobError> {
        let catalogs = Registry::embedded();
        let mut store = Store::open(&temp)?;
        // private until renamed into place, and deleted on any failure
        store.for_bulk_build()?;
        let mut report = MergeReport::default();
        let inputs: Vec<&Path> = existing
            .iter()
            .chain(shards)
            .map(PathBuf::as_path)
            .collect();
        // the small tables shard by shard (which also finds the log objects ingested twice) …
        let mut twice = crate::model::UsageSummary::default();
        for shard in &inputs {
            let merged = store
                .merge_shard(shard)
                .map_err(|e| fail(shard, e.to_string()))?;
            if !merged.overlapping.is_empty() {
                twice.merge(read_again(&merged.overlapping, catalogs).map_err(|m| fail(shard, m))?);
            }
            report.shards.push((shard.to_path_buf(), merged));
        }
        // … the large ones in one sorted pass over all of them, then what was counted twice off
        store.merge_large(&inputs)?;
        store.subtract(&twice, catalogs)?;
        store.settle()?;
        drop(store);
        // the old store's write-ahead log must not be applied to the new file
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", out.display()));
        }
        std::fs::rename(&temp, out).map_err(|e| fail(out, format!("cannot replace it: {e}")))?;
        Ok(report)
    })();
    if result.is_err() {
        remove(&temp);
    }
    result
}

/// What the log objects `objects` contribute, read again from their files (each must still be
/// there, the size it had).
fn read_again(
    objects: &[crate::usage::Overlap],
    catalogs: &Registry,
) -> Result<crate::model::UsageSummary, String> {
    use crate::ingest::cloudtrail::{read_object, Mapper};
    let mut mapper = Mapper::new(catalogs.aws());
    let mut total = crate::model::UsageSummary::default();
    for o in objects {
        let path = PathBuf::from(&o.path);
        let size = std::fs::metadata(&path).map(|m| m.len()).map_err(|e| {
            format!(
                "log object `{}` was ingested by an earlier shard too, and its file `{}` cannot be read again to count it once ({e}); merge on a machine that has it, or leave one of the two shards' copies out",
                o.key, o.path
            )
        })?;
        if size != o.size {
            return Err(format!(
                "log object `{}` was ingested by an earlier shard too, and its file `{}` has changed since ({} bytes, {} when ingested): it cannot be counted once",
                o.key, o.path, size, o.size
            ));
        }
        let obj = crate::ingest::LogObject {
            path,
            key: o.key.clone(),
            size,
        };
        let outcome = read_object(&obj, &mut mapper);
        if let Some(e) = outcome.failed {
            return Err(format!(
                "log object `{}` was ingested by an earlier shard too, and reading it again failed: {e}",
                o.key
            ));
        }
        total.merge(outcome.summary);
    }
    Ok(total)
}
