use crate::cli::{SqlEngine, SqlQuery, UsageCommand};
use crate::{exit, render};
use whittle_engine::rules::MIN_RETENTION_DAYS;

pub fn run(c: UsageCommand) -> miette::Result<u8> {
    match c {
        UsageCommand::Summary { db, format } => {
            render::usage_summary(format, &whittle_engine::usage_summary(&db)?)?
        }
        UsageCommand::Show {
            principal,
            resource,
            action,
            by,
            db,
            rules,
            format,
        } => {
            let query = whittle_engine::UsageQuery {
                principal,
                resource,
                action,
                by_action: by.is_some(),
            };
            let (rules, _) = crate::cli::rules_or_default(&rules);
            let report = whittle_engine::usage_show(&db, &query, &rules)?;
            crate::diagnostics::rule_diagnostics(&report.rule_diagnostics);
            render::usage_show(format, &report)?
        }
        UsageCommand::Prune {
            db,
            rules,
            days,
            force,
            now,
            format,
        } => {
            let Some(now) = crate::cli::now_or_today(now.as_deref()) else {
                return Ok(exit::INPUT_ERROR);
            };
            if let Some(d) = days.filter(|d| *d < MIN_RETENTION_DAYS && !force) {
                crate::diagnostics::short_retention(d, MIN_RETENTION_DAYS);
                return Ok(exit::INPUT_ERROR);
            }
            let (rules, note) = crate::cli::rules_or_default(&rules);
            if let Some(n) = note.filter(|_| days.is_none()) {
                crate::diagnostics::note(&n);
            }
            let (report, diagnostics) = whittle_engine::usage_prune(&db, days, &rules, now)?;
            crate::diagnostics::rule_diagnostics(&diagnostics);
            if diagnostics.iter().any(|d| d.is_error()) {
                return Ok(exit::INPUT_ERROR);
            }
            render::usage_prune(format, &db, &report)?
        }
        UsageCommand::Merge {
            shards,
            db,
            no_wait,
            format,
        } => {
            let progress = crate::progress::IngestProgress::new(true);
            let report = whittle_engine::usage_merge(&shards, &db, !no_wait, &progress)?;
            render::usage_merge(format, &db, &report)?
        }
        UsageCommand::Sql {
            engine,
            query,
            days,
            table,
            now,
        } => return sql(engine, query, days, table, now.as_deref()),
        UsageCommand::Unmapped { db, format } => {
            let r = whittle_engine::usage_unmapped(&db)?;
            render::usage_unmapped(format, &r.unmapped, &r.permissionless)?
        }
    }
    Ok(exit::CLEAN)
}

/// `usage sql`: the query on stdout.
fn sql(
    engine: SqlEngine,
    query: SqlQuery,
    days: u32,
    table: Option<String>,
    now: Option<&str>,
) -> miette::Result<u8> {
    use whittle_engine::aggregate::{Engine, Query, QueryRequest};
    let Some(now) = crate::cli::now_or_today(now) else {
        return Ok(exit::INPUT_ERROR);
    };
    if let Some(t) = table
        .as_deref()
        .filter(|t| !whittle_engine::aggregate::sql::is_table_name(t))
    {
        crate::diagnostics::usage_error(&format!(
            "`--table {t}` is not a table name (letters, digits, `_`, `-`, `.`, `:`, quotes)"
        ));
        return Ok(exit::INPUT_ERROR);
    }
    let engine = match engine {
        SqlEngine::Athena => Engine::Athena,
        SqlEngine::Trino => Engine::Trino,
        SqlEngine::Spark => Engine::Spark,
        SqlEngine::BigQuery => Engine::BigQuery,
        SqlEngine::Kusto => Engine::Kusto,
    };
    let query = match query {
        SqlQuery::Usage => Query::Usage,
        SqlQuery::Coverage => Query::Coverage,
    };
    render::query_text(&whittle_engine::aggregate::query(&QueryRequest {
        engine,
        query,
        days,
        now,
        table,
    }))?;
    Ok(exit::CLEAN)
}
