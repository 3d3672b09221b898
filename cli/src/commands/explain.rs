use crate::cli::ExplainArgs;
use crate::{diagnostics, exit, render};
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::ExplainRequest;

pub fn run(a: ExplainArgs) -> miette::Result<u8> {
    let Some(now) = crate::cli::now_or_today(a.now.as_deref()) else {
        return Ok(exit::INPUT_ERROR);
    };
    // a GCP member string is GCP's; a bare email or object id goes to Azure when Azure exports
    // are given, else to GCP
    let gcp_member = whittle_engine::gcp::member::parse(&a.principal).is_ok();
    if whittle_engine::is_gcp_explain(&a.snapshots, &a.principal)
        && (gcp_member || !whittle_engine::is_azure_explain(&a.snapshots, &a.principal))
    {
        return gcp(&a, now);
    }
    if whittle_engine::is_azure_explain(&a.snapshots, &a.principal) {
        return azure(&a, now);
    }
    let req = ExplainRequest {
        snapshots: a.snapshots.clone(),
        principal: a.principal.clone(),
        action: a.action.clone(),
        db: a.db.clone(),
        now,
        window_days: a.window,
        min_coverage_days: a.window.min(60),
    };
    let r = match whittle_engine::explain(&req) {
        Ok(r) => r,
        Err((load, e)) => {
            diagnostics::load_problems(&load.errors, &load.warnings);
            return Ok(diagnostics::fatal(&miette::Report::new(e)));
        }
    };
    diagnostics::load_problems(&r.load.errors, &r.load.warnings);
    let catalog = AwsCatalog::embedded();
    render::explanation(a.format, catalog, &r)?;
    Ok(if r.load.errors.is_empty() {
        exit::CLEAN
    } else {
        exit::INPUT_ERROR
    })
}

/// `explain` of a GCP member.
fn gcp(a: &ExplainArgs, now: whittle_engine::model::time::Epoch) -> miette::Result<u8> {
    let usage = a.db.as_deref().map(|db| whittle_engine::UsageEvidence {
        db,
        window_days: a.window,
    });
    let r = match whittle_engine::explain_gcp(
        &a.snapshots,
        &a.principal,
        a.action.as_deref(),
        now,
        usage,
    ) {
        Ok(r) => r,
        Err((load, e)) => {
            diagnostics::load_problems(&load.errors, &load.warnings);
            return Ok(diagnostics::fatal(&miette::Report::new(e)));
        }
    };
    diagnostics::load_problems(&r.load.errors, &r.load.warnings);
    render::gcp_explanation(a.format, &r)?;
    Ok(if r.load.errors.is_empty() {
        exit::CLEAN
    } else {
        exit::INPUT_ERROR
    })
}

/// `explain` of an Azure principal.
fn azure(a: &ExplainArgs, now: whittle_engine::model::time::Epoch) -> miette::Result<u8> {
    let usage = a.db.as_deref().map(|db| whittle_engine::UsageEvidence {
        db,
        window_days: a.window,
    });
    let r = match whittle_engine::explain_azure(
        &a.snapshots,
        &a.principal,
        a.action.as_deref(),
        now,
        usage,
    ) {
        Ok(r) => r,
        Err((load, e)) => {
            diagnostics::load_problems(&load.errors, &load.warnings);
            return Ok(diagnostics::fatal(&miette::Report::new(e)));
        }
    };
    diagnostics::load_problems(&r.load.errors, &r.load.warnings);
    render::azure_explanation(a.format, &r)?;
    Ok(if r.load.errors.is_empty() {
        exit::CLEAN
    } else {
        exit::INPUT_ERROR
    })
}
