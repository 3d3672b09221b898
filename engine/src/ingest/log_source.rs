//! Log sources: one trait for every audit-log format (find log objects; read one into the
//! model's [`UsageSummary`]), and what reading one object produced. CloudTrail is the first
//! implementation; the ingest pipeline (`usage`) runs any of them.

use crate::model::UsageSummary;
use crate::source::{InputError, SourceFile};
use std::path::PathBuf;

/// An audit-log format.
pub trait LogSource: Sync {
    /// Per-thread reading state (caches, reusable buffers).
    type Reader<'a>: Send
    where
        Self: 'a;

    /// Short name, recorded with each ingested object (`cloudtrail`).
    fn name(&self) -> &'static str;

    /// Finds log objects under `paths` (files or directories); what is found and is not a log
    /// comes back as skipped, with the reason.
    fn discover(&self, paths: &[PathBuf]) -> (Vec<LogObject>, Vec<Skipped>);

    /// A reader for one thread.
    fn reader(&self) -> Self::Reader<'_>;

    /// Reads one object into its usage summary.
    fn read(&self, object: &LogObject, reader: &mut Self::Reader<'_>) -> FileOutcome;
}

/// A log object to ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogObject {
    /// Where it is.
    pub path: PathBuf,
    /// Identity for exactly-once ingest: the object name for CloudTrail delivery files (unique
    /// per trail, so a moved or re-synced tree is not counted twice), else the absolute path.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
}

impl LogObject {
    /// A log object identified by its absolute path.
    pub fn by_path(path: PathBuf, size: u64) -> Self {
        let abs = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        LogObject {
            key: format!("file:{}", abs.display()),
            path,
            size,
        }
    }
}

/// A file found but not ingested.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// Where.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
    /// True when it could not be read (an error), false when it is simply not a log (a note).
    pub error: bool,
}

/// The result of reading one log object.
#[derive(Debug)]
pub struct FileOutcome {
    /// The object.
    pub object: LogObject,
    /// Its usage summary (empty when the file failed).
    pub summary: UsageSummary,
    /// Set when the file as a whole could not be used: it must not be marked done.
    pub failed: Option<InputError>,
    /// Records skipped, each with its index.
    pub record_errors: Vec<InputError>,
    /// Records skipped in total (the list above is capped).
    pub skipped_records: u64,
    /// What was read with a caveat (a query result without resource columns).
    pub warnings: Vec<InputError>,
    /// The format it was read as, when a source reads several (`gcp-audit`); else the source's
    /// name is recorded.
    pub format: Option<&'static str>,
    /// The file held CloudTrail records (or was a valid empty delivery file).
    pub recognised: bool,
    /// Top-level JSON values that were not CloudTrail.
    pub unrecognised: u64,
    /// Why an object that yielded nothing is not a log (`CloudTrail digest file`), when it is not.
    pub skip_reason: Option<&'static str>,
}

const MAX_RECORD_ERRORS: usize = 20;

impl FileOutcome {
    pub(crate) fn empty(path: &str) -> Self {
        FileOutcome {
            object: LogObject {
                path: PathBuf::from(path),
                key: String::new(),
                size: 0,
            },
            summary: UsageSummary::default(),
            failed: None,
            record_errors: Vec::new(),
            skipped_records: 0,
            warnings: Vec::new(),
            format: None,
            recognised: false,
            unrecognised: 0,
            skip_reason: None,
        }
    }

    pub(crate) fn failed(obj: &LogObject, e: InputError) -> Self {
        FileOutcome {
            object: obj.clone(),
            failed: Some(e),
            ..Self::empty("")
        }
    }

    pub(crate) fn failed_path(path: &str, e: InputError) -> Self {
        FileOutcome {
            failed: Some(e),
            ..Self::empty(path)
        }
    }

    pub(crate) fn record_error(
        &mut self,
        path: &str,
        line: Option<usize>,
        index: usize,
        msg: &str,
    ) {
        self.skipped_records += 1;
        if self.record_errors.len() < MAX_RECORD_ERRORS {
            let what = match line {
                Some(l) => format!("line {l}"),
                None => format!("record {index}"),
            };
            self.record_errors
                .push(SourceFile::from_text(path, "").error(what, None, format!("skipped: {msg}")));
        }
    }

    /// True when the object counts as ingested (it may still have skipped records).
    pub fn succeeded(&self) -> bool {
        self.failed.is_none()
    }
}

/// Calls `each` with every record of a JSON file that is an array of records (`gcloud logging
/// read`, `az … list`) or JSON lines (log sinks, diagnostic exports): its line (JSON lines) and
/// index. A line that is not JSON is a record error of its own; an array that is not JSON fails
/// the file.
pub(crate) fn each_json_record(
    path: &str,
    text: &str,
    out: &mut FileOutcome,
    mut each: impl FnMut(&mut FileOutcome, Option<usize>, usize, &serde_json::value::RawValue),
) {
    use serde_json::value::RawValue;
    if text.trim_start().starts_with('[') {
        match serde_json::from_str::<Vec<&RawValue>>(text) {
            Ok(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    each(out, None, i, item);
                }
            }
            Err(e) => out.failed = Some(SourceFile::from_text(path, text).json_error(&e)),
        }
        return;
    }
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<&RawValue>(line) {
            Ok(item) => each(out, Some(i + 1), i, item),
            Err(e) => out.record_error(
                path,
                Some(i + 1),
                i,
                &format!("invalid JSON: {}", crate::source::json_message(&e)),
            ),
        }
    }
}

/// The outcome of reading `obj`, whose text is `text`, with `parse`; an object that gave nothing
/// is skipped for `not_this` (`no Cloud Audit Logs entries in this JSON`).
pub(crate) fn read_text_object(
    obj: &LogObject,
    text: &str,
    not_this: &'static str,
    parse: impl FnOnce(&str, &str, &mut FileOutcome),
) -> FileOutcome {
    let path = obj.path.display().to_string();
    let mut out = FileOutcome {
        object: obj.clone(),
        ..FileOutcome::empty(&path)
    };
    parse(&path, text, &mut out);
    if out.failed.is_none() && !out.recognised && out.summary.events == 0 {
        out.skip_reason.get_or_insert(not_this);
    }
    out
}
