//! AWS CloudTrail: delivery files (`.json`/`.json.gz` in the S3 key layout, organization trails
//! included), JSON-lines exports, `aws cloudtrail lookup-events` output (the record as a JSON
//! string) and EventBridge envelopes. Each log object lowers into a [`UsageSummary`] of the model.
//!
//! A file that cannot be read or decoded as a whole (truncated gzip, invalid JSON) fails as a
//! whole: nothing from it is counted and it is not marked done, so a repaired file ingests later.
//! A bad record inside a readable file (no `eventName`, wrong field types) is skipped and
//! reported with its index; the rest of the file counts.

mod activity;
pub mod aggregate;
mod aggregate_clouds;
mod attribution;
mod diags;
mod mapping;
mod record;
mod resources;
mod result_table;

pub use activity::{decompress, Activity};
use attribution::attribute;
pub use attribution::Attributed;
pub use diags::log_object;
pub use mapping::{
    map_event, source_prefix, strip_api_version, Mapping, EXCEPTIONS, PERMISSIONLESS,
    SOURCE_PREFIXES,
};

use crate::catalog::AwsCatalog;
use crate::ingest::log_source::{FileOutcome, LogObject, LogSource, Skipped};
use crate::model::time::{parse_time, Epoch};
use crate::model::{Calls, JournalEntry, LogClass, PermissionRef, Provider, UsageSummary};
use crate::source::InputError;
use record::{opt, Probe, Record, S};
use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Finds log objects under `paths` (files or directories, walked recursively, hidden entries
/// skipped). Digest files and files that are not JSON are returned as skipped, with the reason.
pub fn discover(paths: &[PathBuf]) -> (Vec<LogObject>, Vec<Skipped>) {
    let mut logs = Vec::new();
    let mut skipped = Vec::new();
    walk_files(paths, &mut skipped, |path, name, size, skipped| {
        let lower = name.to_ascii_lowercase();
        let is_json = [
            ".json",
            ".json.gz",
            ".jsonl",
            ".jsonl.gz",
            ".ndjson",
            ".ndjson.gz",
        ]
        .iter()
        .any(|x| lower.ends_with(x));
        if path
            .components()
            .any(|c| c.as_os_str() == "CloudTrail-Digest")
            || name.contains("_CloudTrail-Digest_")
        {
            skipped.push(Skipped {
                path,
                reason: diags::DIGEST.into(),
                error: false,
            });
        } else if !is_json {
            skipped.push(Skipped {
                path,
                reason: "not a JSON log file".into(),
                error: false,
            });
        } else {
            logs.push(log_object(path, name, size));
        }
    });
    (logs, skipped)
}

/// Calls `each` with every file under `paths` (files or directories, walked recursively in name
/// order, hidden entries skipped): its path, file name and size. What cannot be read is skipped,
/// as an error.
pub(crate) fn walk_files(
    paths: &[PathBuf],
    skipped: &mut Vec<Skipped>,
    mut each: impl FnMut(PathBuf, &str, u64, &mut Vec<Skipped>),
) {
    for root in paths {
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        for entry in walker
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| root.clone());
                    skipped.push(Skipped {
                        path,
                        reason: format!("cannot read: {e}"),
                        error: true,
                    });
                    continue;
                }
            };
            if entry.file_type().is_file() {
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                let name = entry.file_name().to_string_lossy();
                each(entry.path().to_path_buf(), &name, size, skipped);
            }
        }
    }
}

/// Per-thread state: the catalog and a cache of event mappings.
pub struct Mapper<'c> {
    catalog: &'c AwsCatalog,
    /// The high-risk activity classes to keep whole (none: no journal).
    activity: &'c Activity,
    /// Mappings by event, as indexes into `mappings`, keyed as [`Mapper::event_key`] writes.
    cache: FxHashMap<Box<str>, usize>,
    mappings: Vec<Mapping>,
    /// Per mapping: the activity classes an event of it may be of.
    candidates: Vec<Box<[u16]>>,
    /// Journal entries of the file being read in one pass, by record index: their records are
    /// taken from the file afterwards.
    pending: Vec<(usize, JournalEntry)>,
    /// Compresses journal records.
    zip: activity::Zip,
    /// Scratch space for source networks.
    net: String,
    /// Scratch space for cache keys and resource ARNs: no allocation per event.
    key: String,
    arn: String,
    /// The file as read, and decompressed: reused from file to file.
    buffers: (Vec<u8>, Vec<u8>),
    /// The last date seen (`YYYY-MM-DD`) and its midnight: a delivery file spans minutes.
    day: Option<([u8; 10], Epoch)>,
}

impl<'c> Mapper<'c> {
    /// A mapper over `catalog`, keeping no journal.
    pub fn new(catalog: &'c AwsCatalog) -> Self {
        static NONE: std::sync::OnceLock<Activity> = std::sync::OnceLock::new();
        Mapper::with_activity(catalog, NONE.get_or_init(Activity::default))
    }

    /// A mapper over `catalog` that keeps the events of `activity`'s classes whole.
    pub fn with_activity(catalog: &'c AwsCatalog, activity: &'c Activity) -> Self {
        Mapper {
            catalog,
            activity,
            cache: FxHashMap::default(),
            mappings: Vec::new(),
            candidates: Vec::new(),
            pending: Vec::new(),
            zip: activity::Zip::new(),
            net: String::new(),
            key: String::new(),
            arn: String::new(),
            buffers: Default::default(),
            day: None,
        }
    }

    /// [`parse_time`], with the date part of `YYYY-MM-DDTHH:MM:SSZ` computed once per day.
    fn time(&mut self, s: &str) -> Option<Epoch> {
        let b = s.as_bytes();
        if b.len() != 20
            || !(b[10] == b'T' || b[10] == b' ')
            || b[13] != b':'
            || b[16] != b':'
            || b[19] != b'Z'
        {
            return parse_time(s);
        }
        let date: [u8; 10] = b[..10].try_into().ok()?;
        let midnight = match self.day {
            Some((d, m)) if d == date => m,
            _ => {
                let m = parse_time(&format!("{}T00:00:00Z", &s[..10]))?;
                self.day = Some((date, m));
                m
            }
        };
        let two = |i: usize| -> Option<i64> {
            let (a, c) = (b[i], b[i + 1]);
            (a.is_ascii_digit() && c.is_ascii_digit())
                .then(|| i64::from((a - b'0') * 10 + (c - b'0')))
        };
        let (h, m, sec) = (two(11)?, two(14)?, two(17)?);
        (h < 24 && m < 60 && sec < 61).then_some(midnight + h * 3600 + m * 60 + sec)
    }

    /// The mapping of an event (an index into `mappings`), computed once per event kind.
    fn map(&mut self, source: &str, name: &str, event_type: Option<&str>) -> usize {
        let special = matches!(
            event_type,
            Some("AwsConsoleSignIn" | "AwsServiceEvent" | "AwsCloudTrailInsight")
        );
        self.key.clear();
        self.key.push(if special { '!' } else { '.' });
        self.key.push_str(source);
        self.key.push('\0');
        self.key.push_str(name);
        if let Some(&i) = self.cache.get(self.key.as_str()) {
            return i;
        }
        self.mappings
            .push(map_event(self.catalog, source, name, event_type));
        self.candidates
            .push(self.activity.candidates(source_prefix(source), name));
        let i = self.mappings.len() - 1;
        self.cache.insert(self.key.as_str().into(), i);
        i
    }
}

/// Read buffers larger than this are freed after their file instead of kept for the next one.
const KEEP_BUFFER: usize = 64 << 20;

/// Reads and summarises one log object.
pub fn read_object(obj: &LogObject, mapper: &mut Mapper<'_>) -> FileOutcome {
    let path = obj.path.display().to_string();
    let (mut raw, mut buf) = std::mem::take(&mut mapper.buffers);
    let outcome = match load(&obj.path, &mut raw, &mut buf) {
        Ok(()) => parse(&path, &buf, mapper),
        Err(e) => FileOutcome::failed(obj, InputError::plain(&path, e)),
    };
    // keep buffers the size of a delivery file; one huge export must not stay allocated
    let keep = |b: Vec<u8>| {
        if b.capacity() > KEEP_BUFFER {
            Vec::new()
        } else {
            b
        }
    };
    mapper.buffers = (keep(raw), keep(buf));
    let mut outcome = FileOutcome {
        object: obj.clone(),
        ..outcome
    };
    if outcome.failed.is_none() && !outcome.recognised && outcome.summary.events == 0 {
        outcome.skip_reason.get_or_insert(diags::NOT_CLOUDTRAIL);
    }
    outcome
}

/// AWS CloudTrail as a [`LogSource`].
pub struct CloudTrail<'c> {
    catalog: &'c AwsCatalog,
    activity: Activity,
}

impl<'c> CloudTrail<'c> {
    /// CloudTrail events mapped to permissions of `catalog`, keeping no journal.
    pub fn new(catalog: &'c AwsCatalog) -> Self {
        CloudTrail {
            catalog,
            activity: Activity::default(),
        }
    }

    /// Also keeps the events of `activity`'s classes whole, in the summaries' journal.
    pub fn with_activity(catalog: &'c AwsCatalog, activity: Activity) -> Self {
        CloudTrail { catalog, activity }
    }
}

impl<'c> LogSource for CloudTrail<'c> {
    type Reader<'a>
        = Mapper<'a>
    where
        Self: 'a;

    fn name(&self) -> &'static str {
        "cloudtrail"
    }

    fn discover(&self, paths: &[PathBuf]) -> (Vec<LogObject>, Vec<Skipped>) {
        discover(paths)
    }

    fn reader(&self) -> Mapper<'_> {
        Mapper::with_activity(self.catalog, &self.activity)
    }

    fn read(&self, object: &LogObject, reader: &mut Mapper<'_>) -> FileOutcome {
        read_object(object, reader)
    }
}

/// Reads a file into `buf`, gunzipping when it starts with the gzip magic bytes. Both buffers
/// are reused from file to file: `raw` holds the file as read.
pub(crate) fn load(path: &Path, raw: &mut Vec<u8>, buf: &mut Vec<u8>) -> Result<(), String> {
    raw.clear();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(raw))
        .map_err(|e| format!("cannot read: {e}"))?;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        std::mem::swap(raw, buf);
        return Ok(());
    }
    // Fast path: one gzip member whose trailer gives the size (CloudTrail's files), decoded in
    // one call by libdeflate. Anything else (several members, a damaged trailer) goes through the
    // streaming decoder, which also gives the precise error.
    if raw.len() >= 18 {
        let n = raw.len();
        let isize = u32::from_le_bytes([raw[n - 4], raw[n - 3], raw[n - 2], raw[n - 1]]) as usize;
        if isize > 0 && isize <= raw.len().saturating_mul(64).max(1 << 20) {
            // only grow: the decoder overwrites what it reports written, so no zeroing per file
            if buf.len() < isize {
                buf.resize(isize, 0);
            }
            let out = &mut buf[..isize];
            if let Ok(written) = libdeflater::Decompressor::new().gzip_decompress(raw, out) {
                if written == isize {
                    buf.truncate(isize);
                    return Ok(());
                }
            }
        }
    }
    buf.clear();
    flate2::read::MultiGzDecoder::new(&raw[..])
        .read_to_end(buf)
        .map_err(|e| format!("gzip: {e} (after {} decompressed bytes)", buf.len()))?;
    Ok(())
}

/// Summarises log text (already decompressed). `path` names it in errors.
pub fn parse(path: &str, bytes: &[u8], mapper: &mut Mapper<'_>) -> FileOutcome {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return FileOutcome::failed_path(
                path,
                InputError::plain(path, format!("not UTF-8 text: {e}")),
            )
        }
    };
    // Fast path: a CloudTrail delivery file, parsed in one typed pass, each record summarised as
    // soon as it is read. Anything else (or a delivery file with a bad record) starts again below.
    // CloudTrail's own layout, `{"Records":[…]}`, hands each record's text along: the records of
    // high-risk events are kept whole in the same pass
    let mut out = FileOutcome::empty(path);
    mapper.pending.clear();
    let simple = record::each_delivery_record_with_text(text, |i, raw, rec| {
        if let Err(msg) = process(&rec, Raw::Text(raw), mapper, &mut out.summary) {
            out.record_error(path, None, i, &msg);
        }
    });
    if simple.is_some() {
        out.recognised = true;
        return out;
    }
    let mut out = FileOutcome::empty(path);
    mapper.pending.clear();
    let delivery = record::each_delivery_record(text, |i, rec| {
        if let Err(msg) = process(&rec, Raw::Index(i), mapper, &mut out.summary) {
            out.record_error(path, None, i, &msg);
        }
    });
    if delivery.is_ok() {
        out.recognised = true;
        if !mapper.pending.is_empty() {
            // the records of the few high-risk events, kept whole: one more pass over this file
            activity::fill_records(text, &mut mapper.pending, &mut mapper.zip);
            out.summary
                .journal
                .extend(mapper.pending.drain(..).map(|(_, e)| e));
        }
        return out;
    }
    mapper.pending.clear();
    let mut out = FileOutcome::empty(path);
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    let mut values = Vec::new();
    let mut stream_error = None;
    for v in stream.by_ref() {
        match v {
            Ok(v) => values.push(v),
            Err(e) => {
                stream_error = Some(e);
                break;
            }
        }
    }
    if let Some(e) = stream_error {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.len() > 1 && lines.iter().all(|l| l.trim_start().starts_with('{')) {
            // JSON lines with a bad line: each line is a record; bad lines are record errors.
            let mut offset_line = 0;
            for (i, line) in text.lines().enumerate() {
                offset_line += 1;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<&RawValue>(line) {
                    Ok(v) => value(path, v, i, &mut out, mapper),
                    Err(e) => out.record_error(
                        path,
                        Some(offset_line),
                        i,
                        &format!("invalid JSON: {}", crate::source::json_message(&e)),
                    ),
                }
            }
            return out;
        }
        let at = crate::source::offset_of(text, e.line(), e.column());
        let src = crate::SourceFile::from_text(path, text);
        return FileOutcome::failed_path(
            path,
            src.error(
                "",
                Some(at),
                format!("invalid JSON: {}", crate::source::json_message(&e)),
            ),
        );
    }
    for (i, v) in values.into_iter().enumerate() {
        value(path, v, i, &mut out, mapper);
    }
    out
}

/// One top-level JSON value: a delivery file, a lookup-events page, an EventBridge envelope, an
/// array of records, or one record.
fn value(path: &str, v: &RawValue, index: usize, out: &mut FileOutcome, mapper: &mut Mapper<'_>) {
    value_at(path, v, index, out, mapper, 0);
}

fn value_at(
    path: &str,
    v: &RawValue,
    index: usize,
    out: &mut FileOutcome,
    mapper: &mut Mapper<'_>,
    depth: usize,
) {
    let raw = v.get();
    if raw.starts_with('[') {
        if depth > 0 {
            // an array of records is one level; anything deeper is not a log
            out.record_error(path, None, index, "nested array: not a CloudTrail record");
            return;
        }
        match serde_json::from_str::<Vec<&RawValue>>(raw) {
            Ok(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    value_at(path, item, i, out, mapper, depth + 1);
                }
            }
            Err(e) => out.record_error(path, None, index, &crate::source::json_message(&e)),
        }
        return;
    }
    let probe: Probe = match serde_json::from_str(raw) {
        Ok(p) => p,
        Err(_) => {
            out.unrecognised += 1;
            return;
        }
    };
    if probe.digest_start_time.is_some() {
        out.skip_reason = Some(diags::DIGEST);
        return;
    }
    out.recognised = true;
    if let Some(records) = probe.records {
        match serde_json::from_str::<Vec<&RawValue>>(records.get()) {
            Ok(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    one_record(path, item.get(), i, out, mapper);
                }
            }
            Err(e) => out.record_error(
                path,
                None,
                index,
                &format!("`Records`: {}", crate::source::json_message(&e)),
            ),
        }
    } else if let Some(events) = probe.events {
        // `aws cloudtrail lookup-events`: {"Events": [{"CloudTrailEvent": "<record as a string>"}]}
        match serde_json::from_str::<Vec<LookupEvent>>(events.get()) {
            Ok(items) => {
                for (i, ev) in items.iter().enumerate() {
                    match &ev.cloudtrail_event {
                        Some(s) => one_record(path, s.as_str(), i, out, mapper),
                        None => {
                            out.record_error(path, None, i, "lookup event has no `CloudTrailEvent`")
                        }
                    }
                }
            }
            Err(e) => out.record_error(
                path,
                None,
                index,
                &format!("`Events`: {}", crate::source::json_message(&e)),
            ),
        }
    } else if let Some(ev) = probe.cloudtrail_event {
        match serde_json::from_str::<S>(ev.get()) {
            Ok(s) => one_record(path, s.as_str(), index, out, mapper),
            Err(e) => out.record_error(
                path,
                None,
                index,
                &format!("`CloudTrailEvent`: {}", crate::source::json_message(&e)),
            ),
        }
    } else if let (Some(detail), Some(_)) = (probe.detail, probe.detail_type) {
        one_record(path, detail.get(), index, out, mapper);
    } else if probe.event_name.is_some() || probe.event_source.is_some() {
        one_record(path, raw, index, out, mapper);
    } else {
        out.recognised = false;
        out.unrecognised += 1;
    }
}

#[derive(Deserialize)]
struct LookupEvent<'a> {
    #[serde(borrow, default, rename = "CloudTrailEvent")]
    cloudtrail_event: Option<S<'a>>,
}

fn one_record(path: &str, raw: &str, index: usize, out: &mut FileOutcome, mapper: &mut Mapper<'_>) {
    match serde_json::from_str::<Record>(raw) {
        Ok(rec) => {
            if let Err(msg) = process(&rec, Raw::Text(raw), mapper, &mut out.summary) {
                out.record_error(path, None, index, &msg);
            }
        }
        Err(e) => out.record_error(path, None, index, &crate::source::json_message(&e)),
    }
}

fn is_denied(code: &str) -> bool {
    code.ends_with("AccessDenied")
        || code.ends_with("AccessDeniedException")
        || code.ends_with("UnauthorizedOperation")
        || code.starts_with("AuthorizationError")
        || matches!(
            code,
            "NotAuthorized"
                | "Forbidden"
                | "ForbiddenException"
                | "UnauthorizedAccess"
                | "UnauthorizedException"
        )
}

/// Where a record's text is: at hand, or at an index of the delivery file being read.
#[derive(Clone, Copy)]
enum Raw<'t> {
    Text(&'t str),
    Index(usize),
}

/// Adds one record to the summary (and, when it is high-risk activity, to its journal); an
/// `Err` is a record-level problem.
fn process(
    rec: &Record<'_>,
    raw: Raw<'_>,
    mapper: &mut Mapper<'_>,
    summary: &mut UsageSummary,
) -> Result<(), String> {
    let event_type = opt(&rec.event_type);
    if event_type == Some("AwsCloudTrailInsight") {
        // not a call: its event source and name are in `insightDetails`
        return Ok(());
    }
    let (source, name) = operation(rec)?;
    let time_s = opt(&rec.event_time)
        .or(opt(&rec.at_timestamp))
        .ok_or("record has no `eventTime`")?;
    let at = mapper
        .time(time_s)
        .ok_or_else(|| format!("`eventTime` `{time_s}` is not a date-time"))?;
    let (account, region) = place(rec);
    let class = if opt(&rec.event_category) == Some("Data") || rec.management_event == Some(false) {
        LogClass::Data
    } else {
        LogClass::Management
    };
    summary.cover(
        Provider::Aws,
        account,
        region,
        source_prefix(source),
        class,
        at,
    );
    let denied = opt(&rec.error_code).is_some_and(is_denied);
    let mapping = mapper.map(source, name, event_type);
    let default_identity = Default::default();
    let who = attribute(rec.user_identity.as_ref().unwrap_or(&default_identity));
    if !mapper.candidates[mapping].is_empty() {
        journal(rec, raw, mapping, &who, (at, denied), mapper, summary);
    }
    // what alert rules look at: kept only when the rules keep activity
    let sighted = (!mapper.activity.is_empty()).then(|| {
        sight(
            rec,
            &who,
            (source, name),
            (at, denied),
            &mut mapper.net,
            summary,
        )
    });
    let calls = Calls::one(at);
    count_calls(
        rec,
        mapping,
        &who,
        (calls, denied),
        sighted.as_ref(),
        mapper,
        summary,
    );
    Ok(())
}

/// Adds `calls` alike to the summary: the events of one row of an aggregate
/// (`whittle ingest --aggregate`), whose record carries what the query grouped by. The same
/// mapping, attribution and resources as a logged event; no coverage (the coverage query gives
/// it), no journal and no sightings (an aggregate has no single events).
pub(crate) fn process_calls(
    rec: &Record<'_>,
    calls: Calls,
    mapper: &mut Mapper<'_>,
    summary: &mut UsageSummary,
) -> Result<(), String> {
    let event_type = opt(&rec.event_type);
    if event_type == Some("AwsCloudTrailInsight") {
        return Ok(());
    }
    let (source, name) = operation(rec)?;
    let denied = opt(&rec.error_code).is_some_and(is_denied);
    let mapping = mapper.map(source, name, event_type);
    let default_identity = Default::default();
    let who = attribute(rec.user_identity.as_ref().unwrap_or(&default_identity));
    count_calls(rec, mapping, &who, (calls, denied), None, mapper, summary);
    Ok(())
}

/// A record's event source and name.
fn operation<'r>(rec: &'r Record<'_>) -> Result<(&'r str, &'r str), String> {
    let name = opt(&rec.event_name).ok_or("record has no `eventName`")?;
    let source = opt(&rec.event_source).ok_or("record has no `eventSource`")?;
    Ok((source, name))
}

/// The account and region a record's coverage counts in.
fn place<'r>(rec: &'r Record<'_>) -> (&'r str, &'r str) {
    let account = opt(&rec.recipient_account_id)
        .or_else(|| rec.user_identity.as_ref().and_then(|i| opt(&i.account_id)))
        .unwrap_or("unknown");
    (account, opt(&rec.aws_region).unwrap_or("unknown"))
}

/// Counts calls of one record's kind: the events, and the use of every permission they map to
/// on every resource they name (or the unmapped or permission-free operation).
fn count_calls(
    rec: &Record<'_>,
    mapping: usize,
    who: &Attributed<'_>,
    (calls, denied): (Calls, bool),
    sighted: Option<&Sighter<'_>>,
    mapper: &mut Mapper<'_>,
    summary: &mut UsageSummary,
) {
    summary.events += calls.count;
    if denied {
        summary.denied_events += calls.count;
    }
    let (source, name) = (
        opt(&rec.event_source).unwrap_or(""),
        opt(&rec.event_name).unwrap_or(""),
    );
    let actions = match &mapper.mappings[mapping] {
        Mapping::Permissionless => {
            summary.permissionless(Provider::Aws, source, name, calls);
            return;
        }
        Mapping::Unmapped => {
            summary.unmapped(Provider::Aws, source, name, calls);
            return;
        }
        Mapping::Actions(ids) => ids,
    };
    let p = summary.principal(Provider::Aws, &who.principal, who.kind);
    if let Some(s) = who.session {
        summary.session(p, s, calls);
    }
    for &id in actions {
        let action = mapper.catalog.action(id);
        let a = PermissionRef::new(Provider::Aws, id);
        resources::for_each_resource(rec, action.prefix(), action, &mut mapper.arn, |r| {
            summary.record(p, a, r, calls, denied)
        });
        if let (Some(seen), false) = (sighted, denied) {
            summary.sightings.used(p, a, calls.last, || seen.seen());
        }
    }
}

/// Notes what alert rules need of one event: the principal active that day, a denied call, an
/// access key used from a network. The event as a first sighting is built only where one is
/// recorded (a new day, a new permission, a denied call): most events cost a few lookups.
fn sight<'r>(
    rec: &'r Record<'_>,
    who: &'r Attributed<'_>,
    (source, name): (&'r str, &'r str),
    (at, denied): (Epoch, bool),
    net: &mut String,
    summary: &mut UsageSummary,
) -> Sighter<'r> {
    let seen = Sighter {
        at,
        event_id: opt(&rec.event_id),
        source: source_prefix(source),
        name,
        principal: &who.principal,
    };
    let p = summary.principal(Provider::Aws, &who.principal, who.kind);
    summary.sightings.active_at(p, at, || seen.seen());
    if denied {
        summary.sightings.denied.push((p, seen.seen()));
    }
    let key = rec
        .user_identity
        .as_ref()
        .and_then(|i| opt(&i.access_key_id))
        .filter(|k| k.starts_with("AKIA"));
    if let (Some(key), Some(ip)) = (key, opt(&rec.source_ip_address)) {
        if crate::model::network_into(ip, net) {
            summary
                .sightings
                .from_network(key, net, p, at, || seen.seen());
        }
    }
    seen
}

/// Makes the [`crate::model::Seen`] of an event when one is recorded.
struct Sighter<'r> {
    at: Epoch,
    event_id: Option<&'r str>,
    source: &'r str,
    name: &'r str,
    principal: &'r str,
}

impl Sighter<'_> {
    fn seen(&self) -> crate::model::Seen {
        let operation = format!("{}:{}", self.source, self.name);
        let event_id = self.event_id.map(str::to_string).unwrap_or_else(|| {
            // no id in the record: one made of what identifies the call
            format!("{}:{}:{operation}", self.at, self.principal)
        });
        crate::model::Seen {
            time: self.at,
            event_id: event_id.into(),
            operation: operation.into(),
        }
    }
}

/// Keeps `rec` in the journal when it is of one of the candidate classes of its `mapping`.
fn journal(
    rec: &Record<'_>,
    raw: Raw<'_>,
    mapping: usize,
    who: &Attributed<'_>,
    (at, denied): (Epoch, bool),
    mapper: &mut Mapper<'_>,
    summary: &mut UsageSummary,
) {
    let passed = mapper
        .activity
        .first_pass(&mapper.candidates[mapping], rec, denied);
    if passed.is_empty() {
        return;
    }
    let mut resources: Vec<String> = rec
        .resources
        .iter()
        .flatten()
        .filter_map(|r| opt(&r.arn).map(str::to_string))
        .collect();
    if let Mapping::Actions(ids) = &mapper.mappings[mapping] {
        if mapper.activity.needs_resources(&passed) || resources.is_empty() {
            for &id in ids {
                let action = mapper.catalog.action(id);
                resources::for_each_resource(rec, action.prefix(), action, &mut mapper.arn, |r| {
                    if r != "*" && !resources.iter().any(|x| x == r) {
                        resources.push(r.to_string());
                    }
                });
            }
        }
    }
    let classes = mapper.activity.second_pass(&passed, &resources);
    if classes.is_empty() {
        return;
    }
    let source = opt(&rec.event_source).unwrap_or("");
    let mut entry = JournalEntry {
        event_id: opt(&rec.event_id).unwrap_or("").to_string(),
        time: at,
        provider: Provider::Aws,
        principal: who.principal.to_string(),
        actor: activity::actor_of(rec, who.session),
        operation: format!(
            "{}:{}",
            source_prefix(source),
            opt(&rec.event_name).unwrap_or("")
        ),
        scope: place(rec).0.to_string(),
        location: place(rec).1.to_string(),
        resources,
        classes,
        error_code: opt(&rec.error_code).map(str::to_string),
        denied,
        source_ip: opt(&rec.source_ip_address).map(str::to_string),
        record: Vec::new(),
        owner: None,
    };
    match raw {
        Raw::Text(text) => {
            entry.record = mapper.zip.compress(text);
            if entry.event_id.is_empty() {
                entry.event_id = activity::synthetic_id(text);
            }
            summary.journal.push(entry);
        }
        Raw::Index(i) => mapper.pending.push((i, entry)),
    }
}

#[cfg(test)]
mod tests;
