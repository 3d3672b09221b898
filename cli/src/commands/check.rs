use crate::cli::{rules_or_default, usage_db, CheckArgs};
use crate::{diagnostics, exit, render};
use whittle_engine::{CheckRequest, FindingFilter};

pub fn run(a: CheckArgs) -> miette::Result<u8> {
    let Some(now) = crate::cli::now_or_today(a.now.as_deref()) else {
        return Ok(exit::INPUT_ERROR);
    };
    let (rules, rules_note) = rules_or_default(&a.rules);
    let (db, db_note) = usage_db(a.db.as_ref());
    for n in rules_note.iter().chain(&db_note) {
        diagnostics::note(n);
    }
    let report = whittle_engine::check(&CheckRequest {
        paths: a.paths.clone(),
        snapshots: a.snapshots.clone(),
        baseline: a.baseline.clone(),
        rules,
        db,
        now,
        window_days: None,
        filter: FindingFilter {
            principal: a.principal.clone(),
            rules: a.rules_shown.clone(),
            min_severity: a.severity.map(|s| s.severity()),
            aliases: Vec::new(),
        },
    })?;
    diagnostics::rule_diagnostics(&report.rule_diagnostics);
    diagnostics::load_problems(&report.input_errors, &report.input_warnings);
    let Some(set) = &report.rules else {
        return Ok(exit::INPUT_ERROR);
    };
    let page = render::html::Page::new("Findings", now, &a.snapshots);
    render::check(a.format, &report, set, a.verbose, &page)?;
    let threshold = a.fail_on.severity();
    if report.input_failed() {
        return Ok(exit::INPUT_ERROR);
    }
    let failing = threshold.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    Ok(if failing { exit::FINDINGS } else { exit::CLEAN })
}
