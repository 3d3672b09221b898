//! What reading one log object produced.

use crate::source::{InputError, SourceFile};
use crate::usage::Batch;
use std::path::PathBuf;

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
    /// A log object for `path` named `name`.
    pub fn new(path: PathBuf, name: &str, size: u64) -> Self {
        let delivery = name.contains("_CloudTrail_") && name.ends_with(".json.gz");
        let key = if delivery {
            format!("cloudtrail:{name}")
        } else {
            let abs = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            format!("file:{}", abs.display())
        };
        LogObject { path, key, size }
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
    pub batch: Batch,
    /// Set when the file as a whole could not be used: it must not be marked done.
    pub failed: Option<InputError>,
    /// Records skipped, each with its index.
    pub record_errors: Vec<InputError>,
    /// Records skipped in total (the list above is capped).
    pub skipped_records: u64,
    /// The file held CloudTrail records (or was a valid empty delivery file).
    pub recognised: bool,
    /// Top-level JSON values that were not CloudTrail.
    pub unrecognised: u64,
    /// The file is a digest file.
    pub digest: bool,
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
            batch: Batch::default(),
            failed: None,
            record_errors: Vec::new(),
            skipped_records: 0,
            recognised: false,
            unrecognised: 0,
            digest: false,
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
