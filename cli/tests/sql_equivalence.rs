//! Equivalence, run by the engines themselves: for the demo trail and the every-resource-kind
//! trail, raw `ingest` and "the query run by the engine over the same files laid out as the
//! Athena table, then `ingest --aggregate`" make the same usage, sessions, coverage and unmapped
//! events —
//! - DuckDB (embedded, PyPI `duckdb`) running the Trino query, translated by sqlglot
//!   (`sqlglot.transpile(sql, read="trino", write="duckdb")`, the translation docs/scale.md
//!   documents), its result written as CSV;
//! - Apache Spark in local mode (PyPI `pyspark`, Java 17) running the Spark query, its result
//!   written by Spark as JSON lines;
//!
//! and the Athena, Trino, Spark and BigQuery queries parse in their dialects (sqlglot).
//!
//! The engines are installed into `target/sql-engines` (a Python virtual environment) when
//! missing. When they cannot be, each test says so plainly on stderr and passes — unless
//! `WHITTLE_REQUIRE_SQL_ENGINES=1` (set by `.ci/run`), where that is a failure.
#![allow(clippy::print_stderr, reason = "a test that cannot run says so")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

mod common;
use common::{outcome, store_dump, tmp, whittle, USE_AND_COVERAGE};

const PINS: &[&str] = &["duckdb==2.0.1", "sqlglot==30.31.0", "pyspark==4.3.0"];
const SCRIPT: &str = "cli/tests/sql/equivalence.py";
const TRAILS: &[&str] = &["testdata/demo/cloudtrail", "testdata/aggregate/trail"];

/// The Python with the engines, or why there is none.
fn engines() -> &'static Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = common::root().join("target/sql-engines");
        let python = venv.join("bin/python");
        let ready = |p: &Path| {
            Command::new(p)
                .args(["-c", "import duckdb, sqlglot, pyspark"])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if ready(&python) {
            return Ok(python);
        }
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .output()
            .map_err(|e| format!("python3 is not available: {e}"))?;
        if !made.status.success() {
            return Err(format!(
                "cannot make a Python virtual environment: {}",
                String::from_utf8_lossy(&made.stderr)
            ));
        }
        let pip = Command::new(&python)
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
            .args(PINS)
            .output()
            .map_err(|e| format!("pip did not run: {e}"))?;
        if !pip.status.success() || !ready(&python) {
            return Err(format!(
                "cannot install {} from PyPI: {}",
                PINS.join(" "),
                String::from_utf8_lossy(&pip.stderr)
            ));
        }
        Ok(python)
    })
}

/// The engines' Python, or `None` after saying plainly why the test does not run.
fn python_or_say(test: &str) -> Option<PathBuf> {
    match engines() {
        Ok(p) => Some(p.clone()),
        Err(why) => {
            assert!(
                std::env::var("WHITTLE_REQUIRE_SQL_ENGINES").as_deref() != Ok("1"),
                "{test}: the SQL engines are required here and {why}"
            );
            eprintln!("SKIPPED {test}: {why}");
            None
        }
    }
}

fn run_script(python: &Path, args: &[&Path]) {
    let out = Command::new(python)
        .current_dir(common::root())
        .arg(SCRIPT)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{SCRIPT} {args:?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes whittle's query for `engine` into `dir`.
fn query_file(dir: &Path, engine: &str, query: &str) -> PathBuf {
    let (code, sql, err) = outcome(whittle().args([
        "usage",
        "sql",
        "--engine",
        engine,
        "--query",
        query,
        "--days",
        "3650",
        "--now",
        "2026-11-30",
    ]));
    assert_eq!(code, Some(0), "{err}");
    let path = dir.join(format!("{engine}-{query}.sql"));
    std::fs::write(&path, sql).expect("write");
    path
}

/// The trail's table rows, and the store raw ingest makes of it.
fn table_and_raw_store(python: &Path, dir: &Path, trail: &str) -> (PathBuf, Vec<String>) {
    let rows = dir.join("rows.jsonl");
    run_script(python, &[Path::new("layout"), Path::new(trail), &rows]);
    let raw = dir.join("raw.db");
    let (code, _, err) = outcome(
        whittle()
            .args(["ingest", "-q", "--no-journal", "--db"])
            .arg(&raw)
            .arg(trail),
    );
    assert_eq!(code, Some(0), "{err}");
    (rows, store_dump(&raw, USE_AND_COVERAGE))
}

fn ingest_results(db: &Path, results: &[PathBuf]) -> Vec<String> {
    let (code, _, err) = outcome(
        whittle()
            .args(["ingest", "--aggregate", "-q", "--db"])
            .arg(db)
            .args(results),
    );
    assert_eq!(code, Some(0), "{err}");
    store_dump(db, USE_AND_COVERAGE)
}

#[test]
fn duckdb_running_the_trino_queries_gives_what_raw_ingest_gives() {
    let Some(python) = python_or_say("duckdb_running_the_trino_queries") else {
        return;
    };
    for (i, trail) in TRAILS.iter().enumerate() {
        let dir = tmp(&format!("sql-duckdb-{i}"));
        let (rows, expected) = table_and_raw_store(&python, &dir, trail);
        let mut results = Vec::new();
        for query in ["usage", "coverage"] {
            let sql = query_file(&dir, "trino", query);
            let out = dir.join(format!("{query}.csv"));
            run_script(&python, &[Path::new("duckdb"), &rows, &sql, &out]);
            results.push(out);
        }
        assert_eq!(
            ingest_results(&dir.join("agg.db"), &results),
            expected,
            "{trail}"
        );
    }
}

#[test]
fn spark_running_the_spark_queries_gives_what_raw_ingest_gives() {
    let Some(python) = python_or_say("spark_running_the_spark_queries") else {
        return;
    };
    let java = Command::new("java").arg("-version").output();
    if !java.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var("WHITTLE_REQUIRE_SQL_ENGINES").as_deref() != Ok("1"),
            "Spark needs Java 17 and `java` does not run"
        );
        eprintln!(
            "SKIPPED spark_running_the_spark_queries: Spark needs Java 17; `java` does not run"
        );
        return;
    }
    for (i, trail) in TRAILS.iter().enumerate() {
        let dir = tmp(&format!("sql-spark-{i}"));
        let (rows, expected) = table_and_raw_store(&python, &dir, trail);
        let usage = query_file(&dir, "spark", "usage");
        let coverage = query_file(&dir, "spark", "coverage");
        let (u, c) = (dir.join("usage"), dir.join("coverage"));
        run_script(
            &python,
            &[Path::new("spark"), &rows, &usage, &u, &coverage, &c],
        );
        assert_eq!(
            ingest_results(&dir.join("agg.db"), &[u, c]),
            expected,
            "{trail}"
        );
    }
}

#[test]
fn the_queries_parse_in_their_dialects() {
    let Some(python) = python_or_say("the_queries_parse_in_their_dialects") else {
        return;
    };
    let dir = tmp("sql-parse");
    for (engine, dialect) in [
        ("athena", "athena"),
        ("trino", "trino"),
        ("spark", "spark"),
        ("bigquery", "bigquery"),
    ] {
        for query in ["usage", "coverage"] {
            let sql = query_file(&dir, engine, query);
            run_script(&python, &[Path::new("parse"), Path::new(dialect), &sql]);
        }
    }
}
