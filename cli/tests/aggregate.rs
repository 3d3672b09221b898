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
            result("gcp-usage-from-bigquery.csv"),
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
        "whittle does not read GCP or Azure usage yet",
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
