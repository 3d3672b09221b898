use crate::cli::IngestArgs;
use crate::{diagnostics, exit, progress, render};
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::ingest::cloudtrail::CloudTrail;
use whittle_engine::usage::{ingest, IngestOptions, Store};

pub fn run(a: IngestArgs) -> miette::Result<u8> {
    let mut store = Store::open(&a.db)?;
    let opts = IngestOptions {
        commit_every_files: a.commit_every.max(1),
        ..IngestOptions::default()
    };
    let progress = progress::IngestProgress::new(a.quiet);
    let now = whittle_engine::model::time::now();
    let catalog = AwsCatalog::embedded();
    let report = ingest(
        &CloudTrail::new(catalog),
        &a.paths,
        &mut store,
        catalog,
        opts,
        &progress,
        now,
    )?;
    diagnostics::ingest_problems(&report, a.quiet);
    render::ingest_report(a.format, &a.db, &report)?;
    Ok(if report.anything_skipped() {
        exit::FINDINGS
    } else {
        exit::CLEAN
    })
}
