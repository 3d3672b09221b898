//! `whittle ingest --aggregate`: the results of `whittle usage sql` queries (CSV with a header,
//! or JSON lines; gzipped or not), read into the store as a log would be.
//!
//! Each usage row stands for calls alike: it becomes the CloudTrail record its columns describe
//! (or the Cloud Audit Logs entry, or the Activity Log record: `aggregate_clouds.rs`) and goes
//! through the same attribution, event → permission mapping and resource derivation as a logged
//! event, counted as many times as the row says. Coverage rows add their events to
//! their day. A result is one log object, identified by its content: the same result read again
//! adds nothing. A file with a bad row or a bad header adds nothing either (the error names the
//! line and column); the other files are read.

use super::mapping::source_prefix;
use super::record::Record;
use super::result_table::{cell_error, count_cell, csv_table, json_lines, time_cell, Row, Table};
use super::{process_calls, walk_files, Mapper};
use crate::aggregate::columns::{
    Column, Into, AZURE_USAGE, CLOUDTRAIL_COVERAGE, CLOUDTRAIL_USAGE, CLOUD_COVERAGE, GCP_USAGE,
};
use crate::catalog::AwsCatalog;
use crate::ingest::log_source::{FileOutcome, LogObject, LogSource, Skipped};
use crate::model::time::{day_of, parse_date};
use crate::model::{Calls, LogClass, Provider, UsageSummary};
use crate::source::{InputError, SourceFile};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// Query results as a [`LogSource`].
pub struct Aggregates<'c> {
    catalog: &'c AwsCatalog,
}

impl<'c> Aggregates<'c> {
    /// Results whose calls map to permissions of `catalog`.
    pub fn new(catalog: &'c AwsCatalog) -> Self {
        Aggregates { catalog }
    }
}

impl LogSource for Aggregates<'_> {
    type Reader<'a>
        = Mapper<'a>
    where
        Self: 'a;

    fn name(&self) -> &'static str {
        "aggregate"
    }

    fn discover(&self, paths: &[PathBuf]) -> (Vec<LogObject>, Vec<Skipped>) {
        discover(paths)
    }

    fn reader(&self) -> Mapper<'_> {
        Mapper::new(self.catalog)
    }

    fn read(&self, object: &LogObject, reader: &mut Mapper<'_>) -> FileOutcome {
        read_result(object, reader)
    }
}

const EXTENSIONS: &[&str] = &[".csv", ".jsonl", ".ndjson", ".json"];

/// Finds result files: the files named, and under directories the files ending in `.csv`,
/// `.jsonl`, `.ndjson` or `.json` (each also `.gz`). Each is identified by a hash of its content.
pub fn discover(paths: &[PathBuf]) -> (Vec<LogObject>, Vec<Skipped>) {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    let named: Vec<&PathBuf> = paths.iter().filter(|p| p.is_file()).collect();
    walk_files(paths, &mut skipped, |path, name, size, skipped| {
        if name.starts_with('_') && !named.contains(&&path) {
            // Hadoop's markers beside a result (`_SUCCESS`, `_committed_…`), hidden by convention
            return;
        }
        let lower = name.to_ascii_lowercase();
        let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
        if !named.contains(&&path) && !EXTENSIONS.iter().any(|x| lower.ends_with(x)) {
            skipped.push(Skipped {
                path,
                reason: "not a query result (.csv, .jsonl, .ndjson, .json)".into(),
                error: false,
            });
            return;
        }
        match std::fs::read(&path) {
            Ok(bytes) => found.push(LogObject {
                key: format!("aggregate:{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes)),
                path,
                size,
            }),
            Err(e) => skipped.push(Skipped {
                path,
                reason: format!("cannot read: {e}"),
                error: true,
            }),
        }
    });
    (found, skipped)
}

/// Reads one result file.
pub fn read_result(obj: &LogObject, mapper: &mut Mapper<'_>) -> FileOutcome {
    let path = obj.path.display().to_string();
    let (mut raw, mut buf) = (Vec::new(), Vec::new());
    if let Err(e) = super::load(&obj.path, &mut raw, &mut buf) {
        return FileOutcome::failed(obj, InputError::plain(&path, e));
    }
    let text = match String::from_utf8(buf) {
        Ok(t) => t,
        Err(e) => {
            return FileOutcome::failed(
                obj,
                InputError::plain(&path, format!("not UTF-8 text: {e}")),
            )
        }
    };
    let src = SourceFile::from_text(&path, &text);
    let mut out = FileOutcome {
        object: obj.clone(),
        ..FileOutcome::empty(&path)
    };
    match summarise(&src, &text, mapper) {
        Ok((summary, warnings)) => {
            out.summary = summary;
            out.warnings = warnings;
            out.recognised = true;
        }
        Err(e) => out.failed = Some(e),
    }
    out
}

/// The columns no row leaves empty.
const NEVER_EMPTY: &[&str] = &[
    "event_source",
    "event_name",
    "service_name",
    "operation_name",
    "provider",
    "first_seen",
    "last_seen",
    "events",
    "day",
];

/// What a result holds, told by its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    CloudTrailUsage,
    CloudTrailCoverage,
    GcpUsage,
    AzureUsage,
    CloudCoverage,
}

fn kind_of(names: &[String]) -> Option<Kind> {
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("event_name") {
        Some(Kind::CloudTrailUsage)
    } else if has("authorization_info") {
        Some(Kind::GcpUsage)
    } else if has("operation_name") {
        Some(Kind::AzureUsage)
    } else if has("provider") && has("log") {
        Some(Kind::CloudCoverage)
    } else if has("day") && (has("event_source") || has("account_id")) {
        Some(Kind::CloudTrailCoverage)
    } else {
        None
    }
}

/// The summary of a result, and its caveats.
type Summarised = (UsageSummary, Vec<InputError>);

fn summarise(
    src: &SourceFile,
    text: &str,
    mapper: &mut Mapper<'_>,
) -> Result<Summarised, InputError> {
    let start = text.trim_start();
    let table = if start.starts_with('{') {
        json_lines(src, text)?
    } else if start.starts_with('[') {
        return Err(src.error(
            "",
            Some(text.len() - start.len()),
            "a JSON array: give the rows as JSON lines, one object per line \
             (`jq -c '.[]' FILE`), or as CSV with a header",
        ));
    } else {
        csv_table(src, text)?
    };
    let kind = kind_of(&table.names).ok_or_else(|| {
        src.error(
            "",
            Some(0),
            format!(
                "not a result of `whittle usage sql`: its columns ({}) are none of its \
                 results' — CloudTrail usage (`event_source`, `event_name`, …, `events`), \
                 CloudTrail coverage (`{}`), Cloud Audit Logs usage (`authorization_info`, …), \
                 Activity Log usage (`operation_name`, …), GCP and Azure coverage (`{}`)",
                table.names.join(", "),
                CLOUDTRAIL_COVERAGE.join("`, `"),
                CLOUD_COVERAGE.join("`, `")
            ),
        )
    })?;
    let expected: Vec<(&str, bool)> = match kind {
        Kind::CloudTrailUsage => CLOUDTRAIL_USAGE
            .iter()
            .map(|c| (c.name, c.optional || c.names_resources()))
            .collect(),
        Kind::CloudTrailCoverage => CLOUDTRAIL_COVERAGE.iter().map(|&n| (n, false)).collect(),
        Kind::GcpUsage => GCP_USAGE.iter().map(|&n| (n, false)).collect(),
        Kind::AzureUsage => AZURE_USAGE.iter().map(|&n| (n, false)).collect(),
        Kind::CloudCoverage => CLOUD_COVERAGE.iter().map(|&n| (n, false)).collect(),
    };
    check_columns(src, &table, &expected)?;
    let mut warnings = Vec::new();
    if kind == Kind::CloudTrailUsage && !table.sparse {
        warnings.extend(resource_columns(src, &table)?);
    }
    let index = |n: &str| table.names.iter().position(|x| x == n);
    let mut summary = UsageSummary::default();
    match kind {
        Kind::CloudTrailUsage => {
            let columns: Vec<(&Column, Option<usize>)> = CLOUDTRAIL_USAGE
                .iter()
                .map(|c| (c, index(c.name)))
                .collect();
            for row in &table.rows {
                usage_row(src, row, &columns, mapper, &mut summary)?;
            }
        }
        Kind::CloudTrailCoverage => {
            let at: Vec<Option<usize>> = CLOUDTRAIL_COVERAGE.iter().map(|n| index(n)).collect();
            for row in &table.rows {
                coverage_row(src, row, &at, &mut summary)?;
            }
        }
        Kind::GcpUsage | Kind::AzureUsage => {
            let columns = if kind == Kind::GcpUsage {
                GCP_USAGE
            } else {
                AZURE_USAGE
            };
            let at: Vec<Option<usize>> = columns.iter().map(|n| index(n)).collect();
            for row in &table.rows {
                super::aggregate_clouds::usage_row(
                    src,
                    row,
                    kind == Kind::GcpUsage,
                    &at,
                    &mut summary,
                )?;
            }
        }
        Kind::CloudCoverage => {
            let at: Vec<Option<usize>> = CLOUD_COVERAGE.iter().map(|n| index(n)).collect();
            for row in &table.rows {
                super::aggregate_clouds::coverage_row(src, row, &at, &mut summary)?;
            }
        }
    }
    Ok((summary, warnings))
}

/// The resource columns are all there (no caveat) or none (a caveat: the calls are recorded on
/// `*`, which proposals never narrow); some of them is an error, as a column lost on the way.
fn resource_columns(src: &SourceFile, table: &Table) -> Result<Option<InputError>, InputError> {
    let (present, missing): (Vec<&Column>, Vec<&Column>) = CLOUDTRAIL_USAGE
        .iter()
        .filter(|c| c.names_resources())
        .partition(|c| table.names.iter().any(|n| n == c.name));
    if missing.is_empty() {
        return Ok(None);
    }
    if present.is_empty() {
        return Ok(Some(src.error(
            "",
            Some(0),
            "no resource columns (`param_*`, `resource_arns`): the resources of these calls are \
             unknown and recorded as `*`, so proposals keep the resources granted for them",
        )));
    }
    let names: Vec<&str> = missing.iter().map(|c| c.name).collect();
    Err(src.error(
        "",
        Some(0),
        format!(
            "missing column(s) `{}`: a result has all the query's resource columns or none",
            names.join("`, `")
        ),
    ))
}

/// Every expected column is there (unless optional), and no other.
fn check_columns(
    src: &SourceFile,
    table: &Table,
    expected: &[(&str, bool)],
) -> Result<(), InputError> {
    let missing: Vec<&str> = expected
        .iter()
        .filter(|(n, optional)| !optional && (!table.sparse || NEVER_EMPTY.contains(n)))
        .filter(|(n, _)| !table.names.iter().any(|x| x == n))
        .map(|(n, _)| *n)
        .collect();
    let unknown: Vec<&str> = table
        .names
        .iter()
        .filter(|n| !expected.iter().any(|(e, _)| e == n))
        .map(String::as_str)
        .collect();
    if missing.is_empty() && unknown.is_empty() {
        return Ok(());
    }
    let mut msg = String::new();
    if !missing.is_empty() {
        msg.push_str(&format!("missing column(s) `{}`", missing.join("`, `")));
    }
    if !unknown.is_empty() {
        if !msg.is_empty() {
            msg.push_str("; ");
        }
        msg.push_str(&format!(
            "unknown column(s) `{}` (a renamed column? the query's columns are kept as written)",
            unknown.join("`, `")
        ));
    }
    let at = unknown
        .first()
        .and_then(|u| table.names.iter().position(|n| n == u))
        .map_or(0, |i| table.name_offsets[i]);
    Err(src.error("", Some(at), msg))
}

fn usage_row(
    src: &SourceFile,
    row: &Row,
    columns: &[(&Column, Option<usize>)],
    mapper: &mut Mapper<'_>,
    summary: &mut UsageSummary,
) -> Result<(), InputError> {
    let mut record = Map::new();
    let mut calls = Calls::one(0);
    for &(c, i) in columns {
        match c.into {
            Into::Field(path) => {
                if let Some(v) = row.cell(i) {
                    set(&mut record, path, Value::String(v.to_string()));
                }
            }
            Into::Param(key, _) => {
                if let Some(v) = row.cell(i) {
                    set(
                        &mut record,
                        &["requestParameters", key],
                        Value::String(v.to_string()),
                    );
                }
            }
            Into::ParamList(key, _) => {
                if let Some(v) = row.cell(i) {
                    let list = json_list(src, row, i, c.name, v)?;
                    set(&mut record, &["requestParameters", key], Value::Array(list));
                }
            }
            Into::ResourceArns => {
                if let Some(v) = row.cell(i) {
                    let arns = json_list(src, row, i, c.name, v)?
                        .into_iter()
                        .filter(Value::is_string)
                        .map(|a| Value::Object(Map::from_iter([("ARN".to_string(), a)])))
                        .collect();
                    record.insert("resources".into(), Value::Array(arns));
                }
            }
            Into::FirstSeen => calls.first = time_cell(src, row, i, c.name)?,
            Into::LastSeen => calls.last = time_cell(src, row, i, c.name)?,
            Into::Events => calls.count = count_cell(src, row, i)?,
        }
    }
    if calls.first > calls.last {
        let i = columns
            .iter()
            .find(|(c, _)| c.into == Into::FirstSeen)
            .and_then(|c| c.1);
        return Err(cell_error(
            src,
            row,
            i,
            "first_seen",
            "after `last_seen`".into(),
        ));
    }
    let text = Value::Object(record).to_string();
    let rec: Record = serde_json::from_str(&text).map_err(|e| {
        src.error(
            "",
            Some(row.at),
            format!("row is not a CloudTrail call: {e}"),
        )
    })?;
    process_calls(&rec, calls, mapper, summary).map_err(|m| {
        src.error(
            "",
            Some(row.at),
            m.replace("record has no `eventName`", "`event_name` is empty")
                .replace("record has no `eventSource`", "`event_source` is empty"),
        )
    })
}

/// A cell holding a JSON array (`["a","b"]`); a bare string is a list of one.
fn json_list(
    src: &SourceFile,
    row: &Row,
    i: Option<usize>,
    name: &str,
    v: &str,
) -> Result<Vec<Value>, InputError> {
    if !v.trim_start().starts_with('[') {
        return Ok(vec![Value::String(v.to_string())]);
    }
    match serde_json::from_str::<Value>(v) {
        Ok(Value::Array(items)) => Ok(items),
        _ => Err(cell_error(
            src,
            row,
            i,
            name,
            "not a JSON array of strings".to_string(),
        )),
    }
}

fn set(record: &mut Map<String, Value>, path: &[&str], v: Value) {
    let (last, parents) = match path.split_last() {
        Some(x) => x,
        None => return,
    };
    let mut at = record;
    for p in parents {
        let next = at
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        at = match next {
            Value::Object(m) => m,
            _ => return,
        };
    }
    at.insert(last.to_string(), v);
}

fn coverage_row(
    src: &SourceFile,
    row: &Row,
    at: &[Option<usize>],
    summary: &mut UsageSummary,
) -> Result<(), InputError> {
    let [account, region, day, source, category, events] = [0, 1, 2, 3, 4, 5].map(|k| at[k]);
    let day_text = row.cell(day).unwrap_or("");
    let d = parse_date(day_text.strip_suffix(" UTC").unwrap_or(day_text))
        .ok_or_else(|| cell_error(src, row, day, "day", format!("`{day_text}` is not a date")))?;
    let events = count_cell(src, row, events)?;
    let class = if row.cell(category) == Some("Data") {
        LogClass::Data
    } else {
        LogClass::Management
    };
    let source = row
        .cell(source)
        .ok_or_else(|| cell_error(src, row, at[3], "event_source", "empty".into()))?;
    summary.cover_day(
        Provider::Aws,
        (
            row.cell(account).unwrap_or("unknown"),
            row.cell(region).unwrap_or("unknown"),
            source_prefix(source),
        ),
        class,
        day_of(d),
        events,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    /// A record of one of a few callers and operations, with parameters that need quoting.
    fn record((who, op, text, t, denied): (u8, u8, String, i64, bool)) -> Value {
        let a = "111122223333";
        let identity = match who {
            0 => {
                json!({"type": "AssumedRole", "arn": format!("arn:aws:sts::{a}:assumed-role/app/s-{}", t % 3),
                        "principalId": "AROAX:s", "accountId": a,
                        "sessionContext": {"sessionIssuer": {"arn": format!("arn:aws:iam::{a}:role/app")}}})
            }
            1 => {
                json!({"type": "IAMUser", "arn": format!("arn:aws:iam::{a}:user/alice"), "accountId": a, "userName": "alice"})
            }
            2 => json!({"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}),
            _ => json!({"type": "Root", "arn": format!("arn:aws:iam::{a}:root"), "accountId": a}),
        };
        let (source, name, params, resources) = match op {
            0 => (
                "s3.amazonaws.com",
                "GetObject",
                json!({"bucketName": "b", "key": text}),
                Value::Null,
            ),
            1 => (
                "iam.amazonaws.com",
                "AttachRolePolicy",
                json!({"roleName": text, "policyArn": "arn:aws:iam::aws:policy/X"}),
                Value::Null,
            ),
            2 => (
                "ssm.amazonaws.com",
                "GetParameters",
                json!({"names": [text, "/fixed"]}),
                Value::Null,
            ),
            3 => (
                "sts.amazonaws.com",
                "AssumeRole",
                json!({"roleArn": "x"}),
                json!([{"ARN": format!("arn:aws:iam::{a}:role/{text}")}]),
            ),
            4 => (
                "sts.amazonaws.com",
                "GetCallerIdentity",
                Value::Null,
                Value::Null,
            ),
            _ => (
                "nothing.amazonaws.com",
                "DoNothing",
                Value::Null,
                Value::Null,
            ),
        };
        let time = chrono::DateTime::from_timestamp(1_790_000_000 + t, 0)
            .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default();
        let mut r = json!({"eventTime": time, "eventSource": source, "eventName": name,
            "awsRegion": "us-east-1", "recipientAccountId": a, "userIdentity": identity,
            "requestParameters": params, "eventType": "AwsApiCall"});
        if !resources.is_null() {
            r["resources"] = resources;
        }
        if denied {
            r["errorCode"] = json!("AccessDenied");
        }
        r
    }

    /// What the usage query computes of one record: its group's key.
    fn key_of(r: &Value) -> Vec<String> {
        let source = r["eventSource"].as_str().unwrap_or("");
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        CLOUDTRAIL_USAGE
            .iter()
            .filter(|c| !c.optional)
            .filter_map(|c| {
                let host = |services: &[&str]| {
                    services
                        .iter()
                        .any(|s| format!("{s}.amazonaws.com") == source)
                };
                Some(match c.into {
                    Into::Field(path) => text(path.iter().fold(r, |v, k| &v[*k])),
                    Into::Param(key, services) if host(services) => r["requestParameters"][key]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                    Into::ParamList(key, services) if host(services) => {
                        text(&r["requestParameters"][key])
                    }
                    Into::Param(..) | Into::ParamList(..) => String::new(),
                    Into::ResourceArns => match r["resources"].as_array() {
                        Some(rs) => {
                            Value::Array(rs.iter().map(|x| x["ARN"].clone()).collect()).to_string()
                        }
                        None => String::new(),
                    },
                    Into::FirstSeen | Into::LastSeen | Into::Events => return None,
                })
            })
            .collect()
    }

    /// The usage query, run on `records` in Rust, its result written as CSV.
    fn usage_result(records: &[Value]) -> String {
        let mut groups: BTreeMap<Vec<String>, (String, String, u64)> = BTreeMap::new();
        for r in records {
            let t = r["eventTime"].as_str().unwrap_or("").to_string();
            let g = groups.entry(key_of(r)).or_insert((t.clone(), t.clone(), 0));
            g.0 = g.0.clone().min(t.clone());
            g.1 = g.1.clone().max(t);
            g.2 += 1;
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<&str> = CLOUDTRAIL_USAGE
            .iter()
            .filter(|c| {
                !c.optional && !matches!(c.into, Into::FirstSeen | Into::LastSeen | Into::Events)
            })
            .map(|c| c.name)
            .collect();
        header.extend(["first_seen", "last_seen", "events"]);
        w.write_record(&header).expect("header");
        for (k, (first, last, n)) in groups {
            let mut row = k;
            row.extend([first, last, n.to_string()]);
            w.write_record(&row).expect("row");
        }
        String::from_utf8(w.into_inner().expect("csv")).expect("utf-8")
    }

    /// `az … -o json` and `bq --format=json` print one JSON array: said so, with the fix.
    #[test]
    fn a_json_array_is_refused_with_how_to_make_json_lines() {
        let text = "\n[{\"event_name\": \"GetObject\"}]\n";
        let src = SourceFile::from_text("rows.json", text);
        let e = summarise(&src, text, &mut Mapper::new(AwsCatalog::embedded()))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("rows.json:2:1") && e.contains("jq -c"), "{e}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Grouping records as the usage query does and reading the result gives the usage,
        /// sessions, unmapped and permission-free events, and totals reading the records gives.
        #[test]
        fn a_usage_result_reads_as_the_records_it_groups(
            events in prop::collection::vec(
                (0u8..4, 0u8..6, "[a-z/ ,\"\n\u{e9}]{1,8}", 0i64..(5 * 86_400), any::<bool>()),
                1..40,
            )
        ) {
            let records: Vec<Value> = events.into_iter().map(record).collect();
            let catalog = AwsCatalog::embedded();
            let delivery = json!({"Records": records}).to_string();
            let raw = super::super::parse("trail.json", delivery.as_bytes(), &mut Mapper::new(catalog));
            prop_assert_eq!(raw.skipped_records, 0);
            let csv = usage_result(&records);
            let src = SourceFile::from_text("usage.csv", &csv);
            let (agg, warnings) = summarise(&src, &csv, &mut Mapper::new(catalog))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(warnings.is_empty());
            let r = &raw.summary;
            prop_assert_eq!(&agg.usage, &r.usage);
            prop_assert_eq!(&agg.sessions, &r.sessions);
            prop_assert_eq!(&agg.unmapped, &r.unmapped);
            prop_assert_eq!(&agg.permissionless, &r.permissionless);
            prop_assert_eq!(&agg.resources, &r.resources);
            prop_assert_eq!((agg.events, agg.denied_events), (r.events, r.denied_events));
        }
    }
}
