//! `whittle usage sql` and `whittle ingest --aggregate`: the queries users paste into their
//! engines (reviewed snapshots), and their results read into exactly the store raw ingest of the
//! same trail makes. The results under `testdata/aggregate/results` were made by the queries on
//! the trail beside them (`testdata/aggregate/README.md`); `sql_equivalence.rs` runs the engines.

use std::path::{Path, PathBuf};

mod common;
use common::{outcome, store_dump, tmp, whittle, USE_AND_COVERAGE};

const TRAIL: &str = "testdata/aggregate/trail";
const RESULTS: &str = "testdata/aggregate/results";

fn result(name: &str) -> PathBuf {
    common::root().join(RESULTS).join(name)
}

fn sql(args: &[&str]) -> String {
    let (code, out, err) = outcome(
        whittle()
            .args(["usage", "sql", "--now", "2026-11-30"])
            .args(args),
    );
    assert_eq!(code, Some(0), "{err}");
    out
}

#[test]
fn the_queries_users_run_are_reviewed() {
    for engine in ["athena", "trino", "spark", "bigquery", "kusto"] {
        for query in ["usage", "coverage"] {
            insta::assert_snapshot!(
                format!("usage_sql__{engine}_{query}"),
                sql(&["--engine", engine, "--query", query])
            );
        }
    }
}

#[test]
fn days_and_table_reach_the_query_and_a_bad_table_name_is_refused() {
    let q = sql(&[
        "--engine",
        "athena",
        "--days",
        "30",
        "--table",
        "audit.trail_logs",
    ]);
    assert!(q.contains("FROM audit.trail_logs"), "{q}");
    assert!(q.contains("eventtime >= '2026-10-31'"), "{q}");
    let (code, out, err) = outcome(whittle().args([
        "usage",
        "sql",
        "--engine",
        "trino",
        "--table",
        "logs; DROP TABLE x",
    ]));
    assert_eq!(code, Some(2));
    assert!(out.is_empty() && err.contains("not a table name"), "{err}");
}

fn ingest_raw(db: &Path) {
    let (code, _, err) = outcome(
        whittle()
            .args(["ingest", "-q", "--no-journal", "--db"])
            .arg(db)
            .arg(TRAIL),
    );
    assert_eq!(code, Some(0), "{err}");
}

fn ingest_aggregate(db: &Path, files: &[PathBuf]) -> (Option<i32>, String, String) {
    outcome(
        whittle()
            .args(["ingest", "--aggregate", "--db"])
            .arg(db)
            .args(files),
    )
}

/// Athena's CSV (every value quoted, a quoted newline in an S3 key) and Spark's JSON lines (null
/// columns left out) give the usage, sessions, coverage and unmapped events raw ingest gives,
/// principal by principal and resource by resource; reading a result again adds nothing.
#[test]
fn athena_and_spark_results_make_the_store_raw_ingest_makes() {
    let dir = tmp("aggregate-equal");
    let raw = dir.join("raw.db");
    ingest_raw(&raw);
    let expected = store_dump(&raw, USE_AND_COVERAGE);
    assert!(expected.len() > 40, "{expected:?}");

    let athena = dir.join("athena.db");
    let files = [result("athena-usage.csv"), result("athena-coverage.csv")];
    let (code, out, err) = ingest_aggregate(&athena, &files);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("ingested 2 log object(s), 33 events (2 denied)"),
        "{out}"
    );
    assert_eq!(store_dump(&athena, USE_AND_COVERAGE), expected);

    let (code, out, err) = ingest_aggregate(&athena, &files);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("2 already ingested"), "{out}");
    assert_eq!(store_dump(&athena, USE_AND_COVERAGE), expected);

    // Spark writes a directory: part files beside `_SUCCESS` and hidden checksums
    let spark_dir = dir.join("spark-result");
    std::fs::create_dir_all(&spark_dir).expect("dir");
    std::fs::copy(
        result("spark-usage.json"),
        spark_dir.join("part-00000-c000.json"),
    )
    .expect("copy");
    std::fs::write(spark_dir.join("_SUCCESS"), "").expect("marker");
    let spark = dir.join("spark.db");
    let (code, _, err) = ingest_aggregate(&spark, &[spark_dir, result("athena-coverage.csv")]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("_SUCCESS"), "{err}");
    assert_eq!(store_dump(&spark, USE_AND_COVERAGE), expected);
}

/// A result that cannot be read adds nothing and says where (file, line, column); the other
/// files are still read; exit 2.
#[test]
fn bad_results_name_the_file_line_and_column_and_add_nothing() {
    let dir = tmp("aggregate-bad");
    let db = dir.join("usage.db");
    let (code, _, err) = ingest_aggregate(
        &db,
        &[
            result("renamed-and-missing-columns.csv"),
            result("malformed-time-on-line-4.csv"),
            result("columns-of-no-whittle-query.csv"),
            result("athena-coverage.csv"),
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    let err = err.replace(&common::root().display().to_string(), "<root>");
    for want in [
        "missing column(s) `region`",
        "unknown column(s) `event_count`",
        "malformed-time-on-line-4.csv:4:",
        "at `first_seen`: `2026-11-02T25:61:00Z` is not a date-time",
        "columns-of-no-whittle-query.csv:1:1: not a result of `whittle usage sql`",
    ] {
        assert!(err.contains(want), "{want} in\n{err}");
    }
    // the good file was read, the bad ones not marked done
    let dump = store_dump(
        &db,
        &[
            "SELECT count(*) FROM log_objects",
            "SELECT count(*) FROM usage",
            "SELECT count(*) > 0 FROM coverage",
        ],
    );
    assert_eq!(dump, ["Integer(1)", "Integer(0)", "Integer(1)"]);
}

#[test]
fn aggregate_results_raise_no_alerts_so_alert_options_are_refused() {
    let dir = tmp("aggregate-alerts");
    let (code, _, err) = outcome(
        whittle()
            .args(["ingest", "--aggregate", "--rules", "@builtin", "--db"])
            .arg(dir.join("u.db"))
            .arg(result("athena-usage.csv")),
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("cannot be used with"), "{err}");
    assert!(!dir.join("u.db").exists());
}

/// A result without the resource columns (a table without `requestparameters`, say) still gives
/// every call, recorded on `*` — which proposals never narrow — and says so; a result with only
/// some of them lost a column on the way and is refused.
#[test]
fn without_resource_columns_calls_are_on_any_resource_and_some_of_them_is_an_error() {
    let dir = tmp("aggregate-no-resources");
    let db = dir.join("usage.db");
    let (code, _, err) = ingest_aggregate(&db, &[result("usage-without-resource-columns.csv")]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("warning: ") && err.contains("no resource columns"),
        "{err}"
    );
    let resources = store_dump(&db, &["SELECT DISTINCT resource FROM usage_view"]);
    assert_eq!(resources, [r#"Text("*")"#], "{resources:?}");
    // who used which permission, and when, is as raw ingest has it
    let used = &["SELECT principal, permission, min(first_seen), max(last_seen), max(denied_last) FROM usage_view GROUP BY 1, 2"];
    let raw = dir.join("raw.db");
    ingest_raw(&raw);
    assert_eq!(store_dump(&db, used), store_dump(&raw, used));

    let (code, _, err) = ingest_aggregate(&db, &[result("usage-missing-resource-arns.csv")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("missing column(s) `resource_arns`: a result has all the query's resource columns or none"),
        "{err}"
    );
}

/// A string field, or the `value` of an `{value, localizedValue}` pair (the Activity Log's).
fn text_of(v: &serde_json::Value, key: &str) -> Option<String> {
    let f = v.get(key)?;
    f.as_str()
        .or_else(|| f.get("value").and_then(|x| x.as_str()))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Groups rows by their key columns as the query does: `min(first_seen)`, `max(last_seen)`,
/// `count(*)`; written as JSON lines, the way `bq query --format=json` rows read once flattened
/// (`jq -c '.[]'`) and `az monitor log-analytics query` rows do.
fn grouped(rows: Vec<(serde_json::Value, String)>, usage: bool) -> String {
    let mut groups: std::collections::BTreeMap<String, (serde_json::Value, String, String, u64)> =
        std::collections::BTreeMap::new();
    for (key, time) in rows {
        let g = groups
            .entry(key.to_string())
            .or_insert_with(|| (key.clone(), time.clone(), time.clone(), 0));
        g.1 = g.1.clone().min(time.clone());
        g.2 = g.2.clone().max(time);
        g.3 += 1;
    }
    let mut out = String::new();
    for (_, (mut key, first, last, n)) in groups {
        if let Some(o) = key.as_object_mut() {
            if usage {
                o.insert("first_seen".into(), first.into());
                o.insert("last_seen".into(), last.into());
            }
            o.insert("events".into(), n.into());
        }
        out.push_str(&key.to_string());
        out.push('\n');
    }
    out
}

/// The BigQuery queries over the sink tables, run here on the same entries: what the usage and
/// coverage results hold.
fn bigquery_results(entries: &[serde_json::Value]) -> (String, String) {
    use serde_json::json;
    let (mut usage, mut coverage) = (Vec::new(), Vec::new());
    for e in entries {
        let p = &e["protoPayload"];
        let authn = &p["authenticationInfo"];
        let time = e["timestamp"].as_str().unwrap_or_default();
        // second precision, as FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%SZ') writes it
        let second = format!("{}Z", &time[..19]);
        let delegated = authn["serviceAccountDelegationInfo"].get(0).and_then(|d| {
            d["principalSubject"]
                .as_str()
                .or(d["firstPartyPrincipal"]["principalEmail"].as_str())
        });
        let authz: Vec<serde_json::Value> = p["authorizationInfo"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| json!({"resource": a["resource"], "permission": a["permission"], "granted": a["granted"]}))
            .collect();
        usage.push((
            json!({
                "principal_email": authn["principalEmail"],
                "principal_subject": authn["principalSubject"],
                "delegated_by": delegated,
                "service_name": p["serviceName"],
                "method_name": p["methodName"],
                "resource_name": p["resourceName"],
                "status_code": p["status"]["code"],
                "authorization_info": serde_json::Value::Array(authz).to_string(),
            }),
            second,
        ));
        let labels = &e["resource"]["labels"];
        let log = e["logName"].as_str().unwrap_or_default();
        coverage.push((
            json!({
                "provider": "gcp",
                // the label, else the project the entry was logged in
                "scope": labels["project_id"].as_str().or_else(|| {
                    log.strip_prefix("projects/").and_then(|r| r.split('/').next())
                }),
                "location": labels["location"].as_str().or(labels["region"].as_str()).or(labels["zone"].as_str()).unwrap_or("global"),
                "day": &time[..10],
                "service": p["serviceName"],
                "log": if log.ends_with("data_access") { "data_access" } else { "activity" },
            }),
            String::new(),
        ));
    }
    (grouped(usage, true), grouped(coverage, false))
}

/// The Kusto queries over `AzureActivity`, run here on the same records (the table's columns are
/// the records' fields: `Caller`, `Claims_d`, `Authorization_d`, `OperationNameValue`,
/// `ActivityStatusValue`, `ActivitySubstatusValue`, `SubscriptionId`).
fn kusto_results(records: &[serde_json::Value]) -> (String, String) {
    use serde_json::json;
    let (mut usage, mut coverage) = (Vec::new(), Vec::new());
    for r in records {
        let time = text_of(r, "eventTimestamp").unwrap_or_default();
        let second = format!("{}Z", &time[..19]);
        let claims = &r["claims"];
        let claim = |k: &str| claims[k].as_str().filter(|s| !s.is_empty());
        let app = claim("idtyp") == Some("app")
            || (claim("appid").is_some()
                && claim("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn").is_none()
                && claim("name").is_none());
        let operation = text_of(&r["authorization"], "action").or(text_of(r, "operationName"));
        let resource = text_of(&r["authorization"], "scope").or(text_of(r, "resourceId"));
        usage.push((
            json!({
                "caller": text_of(r, "caller"),
                "caller_object_id": claim("http://schemas.microsoft.com/identity/claims/objectidentifier"),
                "caller_type": if app { "app" } else { "user" },
                "operation_name": operation,
                "resource_id": resource,
                "outcome": text_of(r, "status"),
                "sub_status": text_of(r, "subStatus"),
            }),
            second,
        ));
        let op_name = text_of(r, "operationName").unwrap_or_default();
        coverage.push((
            json!({
                "provider": "azure",
                "scope": text_of(r, "subscriptionId"),
                "location": "global",
                "day": &time[..10],
                "service": op_name.split('/').next(),
                "log": text_of(r, "category"),
            }),
            String::new(),
        ));
    }
    (grouped(usage, true), grouped(coverage, false))
}

/// The GCP (BigQuery) and Azure (Kusto) results of the audit-log fixtures read into the store
/// raw ingest of the same entries makes: usage per permission, sessions (impersonation),
/// unmapped and permission-free calls, coverage.
#[test]
fn bigquery_and_kusto_results_make_the_store_raw_ingest_makes() {
    let dir = tmp("aggregate-clouds");
    let root = common::root();
    // the sink tables hold Admin Activity and Data Access: the entries of those logs
    let sink = std::fs::read_to_string(
        root.join("testdata/gcp/audit/sink-export-activity-and-data-access.jsonl"),
    )
    .expect("fixture");
    let entries: Vec<serde_json::Value> = sink
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| {
            let log = e["logName"].as_str().unwrap_or_default();
            // (the fixture's entry without a timestamp is one no sink table can hold)
            (log.ends_with("%2Factivity") || log.ends_with("%2Fdata_access"))
                && e["timestamp"].is_string()
        })
        .collect();
    assert!(entries.len() >= 5, "{}", entries.len());
    let records: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(root.join("testdata/azure/activity/az-activity-log-list.json"))
            .expect("fixture"),
    )
    .expect("json");
    let raw_files = [dir.join("entries.jsonl"), dir.join("activity.json")];
    let lines: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
    std::fs::write(&raw_files[0], lines.join("\n")).expect("write");
    std::fs::write(
        &raw_files[1],
        serde_json::Value::Array(records.clone()).to_string(),
    )
    .expect("write");
    let raw = dir.join("raw.db");
    let (code, _, err) = outcome(
        whittle()
            .args(["ingest", "-q", "--no-journal", "--db"])
            .arg(&raw)
            .args(&raw_files),
    );
    assert_eq!(code, Some(0), "{err}");
    let expected = store_dump(&raw, USE_AND_COVERAGE);
    assert!(
        expected.iter().any(|r| r.starts_with("Text(\"gcp\")"))
            && expected.iter().any(|r| r.starts_with("Text(\"azure\")")),
        "{expected:?}"
    );

    let (gcp_usage, gcp_coverage) = bigquery_results(&entries);
    let (az_usage, az_coverage) = kusto_results(&records);
    let results = [
        ("gcp-usage.jsonl", gcp_usage),
        ("gcp-coverage.jsonl", gcp_coverage),
        ("azure-usage.jsonl", az_usage),
        ("azure-coverage.jsonl", az_coverage),
    ];
    let mut files = Vec::new();
    for (name, text) in results {
        let f = dir.join(name);
        std::fs::write(&f, text).expect("write");
        files.push(f);
    }
    let agg = dir.join("aggregate.db");
    let (code, _, err) = ingest_aggregate(&agg, &files);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(store_dump(&agg, USE_AND_COVERAGE), expected);
}
