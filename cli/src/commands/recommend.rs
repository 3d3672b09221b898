use crate::cli::{RecommendArgs, ResourcesArg};
use crate::{diagnostics, exit, progress, render};
use whittle_engine::RecommendRequest;

pub fn run(a: RecommendArgs) -> miette::Result<u8> {
    let Some(evidence) = a.evidence.request() else {
        return Ok(exit::INPUT_ERROR);
    };
    let now = evidence.now;
    let progress = progress::IngestProgress::new(false);
    let report = whittle_engine::recommend(&RecommendRequest {
        evidence,
        principal: a.principal.clone(),
        resources: a.resources.map(ResourcesArg::mode),
        credential_report: a.credential_report.clone(),
        progress: &progress,
    })?;
    if let Some(ingest) = &report.ingest {
        diagnostics::ingest_problems(ingest, false);
    }
    diagnostics::rule_diagnostics(&report.rule_diagnostics);
    diagnostics::load_problems(&report.input_errors, &report.input_warnings);
    if report.rules.is_none() {
        return Ok(exit::INPUT_ERROR);
    }
    if let Some(dir) = &a.out {
        let written = render::policy_files(dir, &report.proposals)?;
        diagnostics::note(&format!(
            "wrote {written} policy file(s) to {}",
            dir.display()
        ));
    }
    let page = render::html::Page::new(
        "Least-privilege recommendations",
        now,
        &a.evidence.snapshots,
    );
    render::recommend(a.format, &report, a.verbose, &page)?;
    Ok(if report.input_failed() {
        exit::INPUT_ERROR
    } else {
        exit::CLEAN
    })
}
