//! `whittle ingest`: find log objects, read the new ones in parallel (rayon), merge their
//! summaries on one writer thread and commit them to the store in transactions that also mark
//! the objects done. Memory is bounded by the pending summary, not by the input.

use super::store::{Store, StoreError};
use super::Batch;
use crate::catalog::AwsCatalog;
use crate::ingest::cloudtrail::{self, FileOutcome, LogObject, Mapper, Skipped};
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
}

/// How often to commit.
#[derive(Debug, Clone, Copy)]
pub struct IngestOptions {
    /// Commit after this many log objects…
    pub commit_every_files: usize,
    /// …or this many events, whichever comes first.
    pub commit_every_events: u64,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            commit_every_files: 2_000,
            commit_every_events: 250_000,
        }
    }
}

/// Told about progress; the CLI draws a bar with it. Called from one thread.
pub trait Progress {
    /// Work is known: `files` new objects of `bytes` total.
    fn start(&self, files: u64, bytes: u64);
    /// One object is read.
    fn advance(&self, bytes: u64, events: u64);
    /// All done.
    fn finish(&self);
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
    /// Objects that failed as a whole (not marked done).
    #[serde(skip)]
    pub failed: Vec<InputError>,
    /// Record-level problems (capped per file).
    #[serde(skip)]
    pub record_errors: Vec<InputError>,
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

/// Ingests every new log object under `paths` into `store`.
pub fn ingest(
    paths: &[PathBuf],
    store: &mut Store,
    catalog: &AwsCatalog,
    opts: IngestOptions,
    progress: &dyn Progress,
    now: i64,
) -> Result<IngestReport, StoreError> {
    let (found, skipped) = cloudtrail::discover(paths);
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
    progress.start(todo.len() as u64, todo.iter().map(|o| o.size).sum());
    // Three stages so neither the parsers nor SQLite wait for each other: rayon workers read and
    // summarise objects; this thread merges summaries; a committer thread writes them.
    let (tx, rx) = mpsc::sync_channel::<FileOutcome>(16);
    let (commit_tx, commit_rx) = mpsc::sync_channel::<(Batch, Vec<LogObjectRecord>)>(1);
    let result = std::thread::scope(|scope| {
        let todo = &todo;
        scope.spawn(move || {
            todo.par_iter()
                .map_init(
                    || Mapper::new(catalog),
                    |m, o| cloudtrail::read_object(o, m),
                )
                .for_each_with(tx, |tx, out| {
                    // the receiver only goes away on a store error; then the remaining work is moot
                    let _ = tx.send(out);
                });
        });
        let committer = scope.spawn(move || -> Result<Committed, StoreError> {
            let mut done = Committed::default();
            for (batch, objects) in commit_rx {
                store.commit(&batch, &objects, catalog, now)?;
                done.commits += 1;
                done.objects += objects.len() as u64;
                done.events += batch.events;
                done.denied_events += batch.denied_events;
            }
            Ok(done)
        });
        let mut pending = Batch::default();
        let mut objects: Vec<LogObjectRecord> = Vec::new();
        for out in rx {
            progress.advance(out.object.size, out.batch.events);
            report.record_errors.extend(out.record_errors);
            if let Some(e) = out.failed {
                report.failed.push(e);
                continue;
            }
            if !out.recognised && out.batch.events == 0 {
                let reason = if out.digest {
                    "CloudTrail digest file"
                } else {
                    "no CloudTrail records in this JSON"
                };
                report.skipped_files.push(Skipped {
                    path: out.object.path.clone(),
                    reason: reason.into(),
                    error: false,
                });
                continue;
            }
            report.skipped_records += out.skipped_records;
            objects.push(LogObjectRecord {
                key: out.object.key.clone(),
                path: out.object.path.display().to_string(),
                size: out.object.size,
                events: out.batch.events,
                skipped_records: out.skipped_records,
            });
            pending.merge(out.batch);
            if objects.len() >= opts.commit_every_files
                || pending.events >= opts.commit_every_events
            {
                let full = (std::mem::take(&mut pending), std::mem::take(&mut objects));
                if commit_tx.send(full).is_err() {
                    break; // the committer stopped on a store error, reported below
                }
            }
        }
        if !objects.is_empty() {
            let _ = commit_tx.send((pending, objects));
        }
        drop(commit_tx);
        match committer.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    progress.finish();
    let done = result?;
    report.commits = done.commits;
    report.ingested = done.objects;
    report.events = done.events;
    report.denied_events = done.denied_events;
    Ok(report)
}

#[derive(Default)]
struct Committed {
    commits: u64,
    objects: u64,
    events: u64,
    denied_events: u64,
}
