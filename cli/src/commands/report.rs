use crate::cli::ReportArgs;
use crate::{diagnostics, exit, progress, render};
use whittle_engine::ReportRequest;

pub fn run(a: ReportArgs) -> miette::Result<u8> {
    let Some(evidence) = a.evidence.request() else {
        return Ok(exit::INPUT_ERROR);
    };
    let now = evidence.now;
    let progress = progress::IngestProgress::new(false);
    let run = whittle_engine::report(&ReportRequest {
        evidence,
        progress: &progress,
    })?;
    if let Some(ingest) = &run.recommend.ingest {
        diagnostics::ingest_problems(ingest, false);
    }
    // both jobs load the same rules and snapshots: their problems are shown once
    diagnostics::rule_diagnostics(&run.recommend.rule_diagnostics);
    diagnostics::load_problems(&run.check.input_errors, &run.check.input_warnings);
    if run.recommend.rules.is_none() {
        return Ok(exit::INPUT_ERROR);
    }
    let mut page = render::html::Page::new("Least-privilege review", now, &a.evidence.snapshots);
    if let Some(limit) = a.inline_limit {
        page.inline_limit = limit;
    }
    render::report(a.format, &run, &page)?;
    Ok(if run.input_failed() {
        exit::INPUT_ERROR
    } else {
        exit::CLEAN
    })
}
