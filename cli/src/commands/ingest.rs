use crate::cli::{rules_or_default, IngestArgs};
use crate::{diagnostics, exit, progress, render};
use whittle_engine::IngestRequest;

pub fn run(a: IngestArgs) -> miette::Result<u8> {
    let Some(now) = crate::cli::now_or_today(a.now.as_deref()) else {
        return Ok(exit::INPUT_ERROR);
    };
    let rules = if a.no_journal {
        Vec::new()
    } else {
        let (rules, note) = rules_or_default(&a.rules);
        if let Some(n) = note.filter(|_| !a.quiet) {
            diagnostics::note(&n);
        }
        rules
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
    })?;
    diagnostics::rule_diagnostics(&run.rule_diagnostics);
    if let Some(file) = &a.alerts {
        render::append_alerts(file, &run.alerts)?;
    }
    diagnostics::ingest_problems(&run.report, a.quiet);
    render::ingest_report(a.format, &a.db, &run)?;
    Ok(if run.rules_failed() {
        exit::INPUT_ERROR
    } else if run.report.anything_skipped() {
        exit::FINDINGS
    } else {
        exit::CLEAN
    })
}
