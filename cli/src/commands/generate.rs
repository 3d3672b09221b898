use crate::cli::{GenerateArgs, GenerateFormat};
use crate::{diagnostics, exit, progress, render};
use whittle_engine::aws::policy::{to_json, to_terraform};
use whittle_engine::model::time;
use whittle_engine::GenerateRequest;

pub fn run(a: GenerateArgs) -> miette::Result<u8> {
    let Some(now) = crate::cli::now_or_today(a.now.as_deref()) else {
        return Ok(exit::INPUT_ERROR);
    };
    let progress = progress::IngestProgress::new(false);
    let report = whittle_engine::generate(&GenerateRequest {
        db: a.db.clone(),
        logs: a.logs.clone(),
        principal: a.principal.clone(),
        window_days: a.window,
        now,
        resources: a.resources.mode(),
        progress: &progress,
    })?;
    if let Some(ingest) = &report.ingest {
        diagnostics::ingest_problems(ingest, false);
    }
    for w in &report.warnings {
        diagnostics::note(w);
    }
    let check = &report.all_calls_allowed;
    if let Some(c) = &check.counterexample {
        return Err(miette::miette!(
            code = "whittle::generate::breaks",
            help = "this is a bug in whittle: please report it with the counterexample",
            "the generated policy does not allow `{}` on `{}` ({}), which was seen in the window",
            c.action,
            c.resource,
            c.proposed
        ));
    }
    diagnostics::note(&format!(
        "{} permission(s) in {} statement(s); all {} call(s) seen {}..{} are allowed",
        report.permissions,
        report.document.statements.len(),
        check.checked,
        time::iso_day(report.window.first),
        time::iso_day(report.window.last)
    ));
    let name = a.principal.rsplit('/').next().unwrap_or(&a.principal);
    render::plain(&match a.format {
        GenerateFormat::Json => to_json(&report.document),
        GenerateFormat::Terraform => to_terraform(name, &report.document),
    })?;
    Ok(exit::CLEAN)
}
