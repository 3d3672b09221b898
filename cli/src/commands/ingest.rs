use crate::cli::IngestArgs;
use crate::{diagnostics, exit, progress, render};
use whittle_engine::IngestRequest;

pub fn run(a: IngestArgs) -> miette::Result<u8> {
    let progress = progress::IngestProgress::new(a.quiet);
    let report = whittle_engine::ingest(&IngestRequest {
        paths: a.paths.clone(),
        db: a.db.clone(),
        commit_every: a.commit_every,
        progress: &progress,
        now: whittle_engine::model::time::now(),
        wait: !a.no_wait,
    })?;
    diagnostics::ingest_problems(&report, a.quiet);
    render::ingest_report(a.format, &a.db, &report)?;
    Ok(if report.anything_skipped() {
        exit::FINDINGS
    } else {
        exit::CLEAN
    })
}
