//! `whittle ingest`: find log objects, read the new ones in parallel (rayon), merge their
//! summaries on one writer thread and commit them to the store in transactions that also mark
//! the objects done. Memory is bounded by the pending summary, not by the input.

use super::log_keeper::{Checkpoint, LogKeeper};
use super::store::{Store, StoreError};
use crate::catalog::Registry;
use crate::ingest::{FileOutcome, LogObject, LogSource, Skipped};
use crate::model::UsageSummary;
use crate::source::InputError;
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::mpsc;

/// A log object as recorded in the store.
#[derive(Debug, Clone, Serialize)]
pub struct LogObjectRecord {
    /// Identity (see [`LogObject::key`]).
    pub key: String,
    /// Path it was read from.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Events counted from it.
    pub events: u64,
    /// Records skipped in it.
    pub skipped_records: u64,
    /// The format it was read as, when not the source's own (see [`FileOutcome::format`]).
    pub format: Option<&'static str>,
}

/// How often to commit.
#[derive(Debug, Clone, Copy)]
pub struct IngestOptions {
    /// Commit after this many log objects…
    pub commit_every_files: usize,
    /// …or this many events, whichever comes first.
    pub commit_every_events: u64,
    /// The write-ahead log may grow to this before the committer waits for it to be copied and
    /// emptied (see [`Checkpointer::restart`](super::store::Checkpointer::restart)).
    pub max_log_bytes: u64,
    /// Leave for a later run the objects modified less than this long ago: a file still being
    /// written (a JSON-lines drop) must not be read half-way and marked done.
    pub settle: Option<std::time::Duration>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            commit_every_files: 2_000,
            commit_every_events: 250_000,
            max_log_bytes: 64 << 20,
            settle: None,
        }
    }
}

/// Told about progress; the CLI draws a bar with it. Called from the worker threads.
pub trait Progress: Sync {
    /// Work is known: `files` new objects of `bytes` total.
    fn start(&self, files: u64, bytes: u64);
    /// One object is read.
    fn advance(&self, bytes: u64, events: u64);
    /// All done.
    fn finish(&self);
    /// Another ingest holds the store (`holder` says who and since when): this one waits.
    fn waiting(&self, _holder: &str) {}
}

/// No progress reporting.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: u64, _: u64) {}
    fn advance(&self, _: u64, _: u64) {}
    fn finish(&self) {}
}

/// What an ingest run did.
#[derive(Debug, Default, Serialize)]
pub struct IngestReport {
    /// Log objects found.
    pub found: u64,
    /// Already in the store, not read again.
    pub already_ingested: u64,
    /// Same object seen twice in this run (same key), read once.
    pub duplicates: u64,
    /// Read and committed.
    pub ingested: u64,
    /// Events counted.
    pub events: u64,
    /// Denied events.
    pub denied_events: u64,
    /// Records skipped inside ingested objects.
    pub skipped_records: u64,
    /// Transactions committed.
    pub commits: u64,
    /// High-risk events newly kept in the journal (an event already kept is not counted).
    pub journaled: u64,
    /// Journal entries removed for being older than the retention (at the end of the run).
    pub pruned: u64,
    /// Objects left for a later run because they changed within the settle time.
    pub deferred: u64,
    /// What the run saw that alert rules look at.
    #[serde(skip)]
    pub activity: super::RunActivity,
    /// Objects that failed as a whole (not marked done).
    #[serde(skip)]
    pub failed: Vec<InputError>,
    /// Record-level problems (capped per file).
    #[serde(skip)]
    pub record_errors: Vec<InputError>,
    /// Objects read with a caveat.
    #[serde(skip)]
    pub warnings: Vec<InputError>,
    /// Files that are not logs (digests, other JSON, other files).
    #[serde(skip)]
    pub skipped_files: Vec<Skipped>,
}

impl IngestReport {
    /// True when anything was skipped: failed objects or records, unreadable paths.
    pub fn anything_skipped(&self) -> bool {
        !self.failed.is_empty()
            || self.skipped_records > 0
            || self.skipped_files.iter().any(|s| s.error)
    }
}

/// Ingests every new log object of `source` under `paths` into `store`.
pub fn ingest<S: LogSource>(
    source: &S,
    paths: &[PathBuf],
    store: &mut Store,
    catalogs: &Registry,
    opts: IngestOptions,
    progress: &dyn Progress,
    now: i64,
) -> Result<IngestReport, StoreError> {
    let (found, skipped) = source.discover(paths);
    let mut report = IngestReport {
        found: found.len() as u64,
        skipped_files: skipped,
        ..Default::default()
    };
    let done = store.ingested_keys()?;
    let mut seen = FxHashSet::default();
    let mut todo: Vec<LogObject> = Vec::new();
    for o in found {
        if done.contains(&o.key) {
            report.already_ingested += 1;
        } else if !seen.insert(o.key.clone()) {
            report.duplicates += 1;
        } else {
            todo.push(o);
        }
    }
    if let Some(settle) = opts.settle {
        let settled = |o: &LogObject| {
            std::fs::metadata(&o.path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age >= settle)
        };
        let before = todo.len();
        todo.retain(settled);
        report.deferred = (before - todo.len()) as u64;
    }
    progress.start(todo.len() as u64, todo.iter().map(|o| o.size).sum());
    // Rayon workers read objects and merge their summaries into per-worker pending batches (the
    // merge runs in parallel too); a full batch goes to the committer thread, which alone writes
    // to SQLite. A full batch is handed over, not queued: at most one batch per worker plus the
    // one being written are in memory.
    let (tx, rx) = mpsc::sync_channel::<Pending>(0);
    // Copying committed pages from the write-ahead log into the file runs on its own thread and
    // connection: the committer goes on to the next batch meanwhile.
    let checkpointer = store.checkpointer()?;
    store.defer_checkpoints(true)?;
    let (ck_tx, ck_rx) = mpsc::sync_channel::<Checkpoint>(1);
    let keeper = LogKeeper::default();
    let writer = &mut *store;
    let result = std::thread::scope(|scope| {
        let keeper = &keeper;
        scope.spawn(move || keeper.serve(&checkpointer, ck_rx));
        let committer = scope.spawn(move || -> Result<Pending, StoreError> {
            let mut total = Pending::default();
            for mut p in rx {
                if !p.objects.is_empty() {
                    total.journaled +=
                        writer.commit(&p.summary, &p.objects, source.name(), catalogs, now)?;
                    total.commits += 1;
                    keeper.after_commit(&ck_tx, opts.max_log_bytes);
                    total.activity.absorb(&mut p.summary);
                }
                total.absorb(&mut p);
            }
            Ok(total)
        });
        // one long run of objects per worker: fewer, larger batches to commit
        let workers = rayon::current_num_threads();
        let per_worker = todo.len().div_ceil(workers).max(1);
        // each worker commits about twice (or every `commit_every_events`): a key seen in several
        // batches is written once per batch, so fewer, larger commits write fewer rows
        let total_bytes: u64 = todo.iter().map(|o| o.size).sum();
        let flush_bytes = (total_bytes / (workers as u64 * 2)).max(8 << 20);
        todo.par_iter()
            .with_min_len(per_worker)
            .fold(
                || (source.reader(), Pending::default()),
                |(mut reader, mut pending), o| {
                    let out = source.read(o, &mut reader);
                    progress.advance(out.object.size, out.summary.events);
                    pending.add(out);
                    if pending.objects.len() >= opts.commit_every_files
                        || pending.summary.events >= opts.commit_every_events
                        || pending.bytes >= flush_bytes
                    {
                        // the next batch will be about as big: no growing its maps step by step
                        let next = Pending {
                            summary: UsageSummary::with_capacity_of(&pending.summary),
                            ..Pending::default()
                        };
                        // a send fails only when the committer stopped on a store error, reported below
                        let _ = tx.send(std::mem::replace(&mut pending, next));
                    }
                    (reader, pending)
                },
            )
            .for_each_with(tx.clone(), |tx, (_, pending)| {
                let _ = tx.send(pending);
            });
        drop(tx);
        match committer.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    progress.finish();
    store.defer_checkpoints(false)?;
    let done = result?;
    report.commits = done.commits;
    report.journaled = done.journaled;
    report.activity = done.activity;
    report.ingested = done.ingested;
    report.events = done.events;
    report.denied_events = done.denied_events;
    report.skipped_records = done.skipped_records;
    report.failed = done.failed;
    report.record_errors = done.record_errors;
    report.warnings = done.warnings;
    report.skipped_files.extend(done.skipped_files);
    Ok(report)
}

/// Summaries not yet committed, and what reading their objects reported.
#[derive(Default)]
struct Pending {
    summary: UsageSummary,
    objects: Vec<LogObjectRecord>,
    failed: Vec<InputError>,
    record_errors: Vec<InputError>,
    warnings: Vec<InputError>,
    skipped_files: Vec<Skipped>,
    skipped_records: u64,
    /// Size of the objects in `objects`.
    bytes: u64,
    // totals, filled in by the committer
    commits: u64,
    journaled: u64,
    activity: super::RunActivity,
    ingested: u64,
    events: u64,
    denied_events: u64,
}

impl Pending {
    fn add(&mut self, out: FileOutcome) {
        self.record_errors.extend(out.record_errors);
        self.warnings.extend(out.warnings);
        if let Some(e) = out.failed {
            self.failed.push(e);
            return;
        }
        if let Some(reason) = out.skip_reason {
            self.skipped_files.push(Skipped {
                path: out.object.path.clone(),
                reason: reason.into(),
                error: false,
            });
            return;
        }
        self.skipped_records += out.skipped_records;
        self.bytes += out.object.size;
        self.objects.push(LogObjectRecord {
            key: out.object.key.clone(),
            path: out.object.path.display().to_string(),
            size: out.object.size,
            events: out.summary.events,
            skipped_records: out.skipped_records,
            format: out.format,
        });
        self.summary.merge(out.summary);
    }

    /// Takes the committed batch's counts and reports into the run's totals.
    fn absorb(&mut self, p: &mut Pending) {
        self.ingested += p.objects.len() as u64;
        self.events += p.summary.events;
        self.denied_events += p.summary.denied_events;
        self.skipped_records += p.skipped_records;
        self.failed.append(&mut p.failed);
        self.record_errors.append(&mut p.record_errors);
        self.warnings.append(&mut p.warnings);
        self.skipped_files.append(&mut p.skipped_files);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(db: &std::path::Path, opts: IngestOptions) -> (IngestReport, super::super::Summary) {
        let mut store = Store::open(db).expect("store");
        run_on(&mut store, opts)
    }

    fn run_on(store: &mut Store, opts: IngestOptions) -> (IngestReport, super::super::Summary) {
        let trail =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/demo/cloudtrail");
        let catalogs = Registry::embedded();
        let source = crate::ingest::cloudtrail::CloudTrail::new(catalogs.aws());
        let report =
            ingest(&source, &[trail], store, catalogs, opts, &NoProgress, 0).expect("ingest");
        (report, store.summary().expect("summary"))
    }

    /// Many commits, each followed by a request to restart the log.
    fn restart_after_every_commit() -> IngestOptions {
        IngestOptions {
            commit_every_files: 7,
            max_log_bytes: 0,
            ..IngestOptions::default()
        }
    }

    /// A scratch directory, and the summary of a default run there to compare with.
    fn scratch(name: &str) -> (std::path::PathBuf, super::super::Summary) {
        let dir = std::env::temp_dir().join(format!("whittle-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let (_, plain) = run(&dir.join("plain.db"), IngestOptions::default());
        (dir, plain)
    }

    /// A file that changed within the settle time is left for a later run, unread and not
    /// marked done: a JSON-lines drop still being written is not read half-way.
    #[test]
    fn objects_still_changing_are_left_for_a_later_run() {
        let dir = std::env::temp_dir().join(format!("whittle-settle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        std::fs::copy(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
                "../testdata/activity/high-risk-events/exports/siem-export-stoplogging-again.jsonl",
            ),
            dir.join("drop.jsonl"),
        )
        .expect("copy");
        let mut store = Store::open(&dir.join("u.db")).expect("store");
        let catalogs = Registry::embedded();
        let source = crate::ingest::cloudtrail::CloudTrail::new(catalogs.aws());
        let run = |store: &mut Store, settle| {
            let opts = IngestOptions {
                settle,
                ..IngestOptions::default()
            };
            ingest(
                &source,
                std::slice::from_ref(&dir),
                store,
                catalogs,
                opts,
                &NoProgress,
                0,
            )
            .expect("ingest")
        };
        let young = run(&mut store, Some(std::time::Duration::from_secs(3600)));
        assert_eq!((young.deferred, young.ingested, young.events), (1, 0, 0));
        let settled = run(&mut store, None);
        assert_eq!(
            (settled.deferred, settled.ingested, settled.events),
            (0, 1, 2)
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn restarting_the_log_after_every_commit_changes_nothing() {
        let (dir, plain) = scratch("pipeline");
        let (report, bounded) = run(&dir.join("bounded.db"), restart_after_every_commit());
        assert!(report.commits > 10, "{} commits", report.commits);
        assert_eq!(format!("{bounded:?}"), format!("{plain:?}"));
        assert!(bounded.events > 0 && bounded.usage_keys > 0);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_reader_holding_the_log_does_not_stop_ingest() {
        let (dir, plain) = scratch("pipeline-reader");
        let db = dir.join("read.db");
        let mut store = Store::open(&db).expect("store");
        // another process looking at the store: an open read transaction pins the log
        let reader = rusqlite::Connection::open(&db).expect("reader");
        reader.execute_batch("BEGIN").expect("begin");
        let before: i64 = reader
            .query_row("SELECT count(*) FROM usage", [], |r| r.get(0))
            .expect("read");
        let (report, summary) = run_on(&mut store, restart_after_every_commit());
        assert!(report.commits > 10, "{} commits", report.commits);
        assert_eq!(format!("{summary:?}"), format!("{plain:?}"));
        // the reader still sees the store as it was when its transaction began
        let during: i64 = reader
            .query_row("SELECT count(*) FROM usage", [], |r| r.get(0))
            .expect("read");
        assert_eq!((before, during), (0, 0));
        reader.execute_batch("COMMIT").expect("end");
        drop(store);
        std::fs::remove_dir_all(&dir).ok();
    }
}
