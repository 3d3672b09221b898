use crate::cli::{default_db, rules_or_default, RecommendArgs, ResourcesArg};
use crate::{diagnostics, exit, progress, render};
use whittle_engine::RecommendRequest;

pub fn run(a: RecommendArgs) -> miette::Result<u8> {
    let Some(now) = crate::cli::now_or_today(a.now.as_deref()) else {
        return Ok(exit::INPUT_ERROR);
    };
    let (rules, rules_note) = rules_or_default(&a.rules);
    if let Some(n) = &rules_note {
        diagnostics::note(n);
    }
    let progress = progress::IngestProgress::new(false);
    let report = whittle_engine::recommend(&RecommendRequest {
        snapshots: a.snapshots.clone(),
        db: a
            .logs
            .is_empty()
            .then(|| a.db.clone().unwrap_or_else(default_db)),
        logs: a.logs.clone(),
        rules,
        window_days: a.window,
        now,
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
    let page = render::html::Page::new("Least-privilege recommendations", now, &a.snapshots);
    render::recommend(a.format, &report, a.verbose, &page)?;
    Ok(if report.input_failed() {
        exit::INPUT_ERROR
    } else {
        exit::CLEAN
    })
}
