use crate::cli::{rules_or_default, IngestArgs};
use crate::{diagnostics, exit, progress, render};
use whittle_engine::IngestRequest;

pub fn run(a: IngestArgs) -> miette::Result<u8> {
    let Some(now) = crate::cli::now_or_today(a.now.as_deref()) else {
        return Ok(exit::INPUT_ERROR);
    };
    let rules = if a.no_journal || a.aggregate {
        Vec::new()
    } else {
        let (rules, note) = rules_or_default(&a.rules);
        if let Some(n) = note.filter(|_| !a.quiet) {
            diagnostics::note(&n);
        }
        rules
    };
    // an aggregate raises no alerts: a webhook set in the environment is not even opened
    let delivery = if a.aggregate {
        crate::cli::AlertDelivery::none()
    } else {
        a.delivery
    };
    let Some(mut sinks) = crate::delivery::AlertSinks::open_or_say(&delivery) else {
        return Ok(exit::INPUT_ERROR);
    };
    let progress = progress::IngestProgress::new(a.quiet);
    let run = whittle_engine::ingest(&IngestRequest {
        paths: a.paths.clone(),
        db: a.db.clone(),
        commit_every: a.commit_every,
        progress: &progress,
        now,
        wait: !a.no_wait,
        rules,
        settle: None,
        snapshots: a.snapshots.clone(),
        aggregate: a.aggregate,
    })?;
    diagnostics::rule_diagnostics(&run.rule_diagnostics);
    sinks.deliver(&run.alerts);
    diagnostics::ingest_problems(&run.report, a.quiet);
    if let Some(s) = &run.snapshot {
        diagnostics::load_problems(&s.errors, &s.warnings);
    }
    let report = render::ingest_report(a.format, &a.db, &run);
    // the report is out; delivery ends before the command does, whatever the report's fate
    sinks.finish(a.quiet);
    report?;
    let alarming = a
        .fail_on
        .and_then(crate::cli::FailOn::severity)
        .is_some_and(|min| run.alerts.iter().any(|al| al.finding.severity >= min));
    // a query result that could not be read is bad input: nothing of it was recorded
    let bad_result = a.aggregate && !run.report.failed.is_empty();
    Ok(
        if run.rules_failed() || run.snapshot_failed() || bad_result {
            exit::INPUT_ERROR
        } else if run.report.anything_skipped() || alarming {
            exit::FINDINGS
        } else {
            exit::CLEAN
        },
    )
}
