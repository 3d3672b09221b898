use crate::cli::UsageCommand;
use crate::{exit, render};
use whittle_engine::rules::MIN_RETENTION_DAYS;

pub fn run(c: UsageCommand) -> miette::Result<u8> {
    match c {
        UsageCommand::Summary { db, format } => {
            render::usage_summary(format, &whittle_engine::usage_summary(&db)?)?
        }
        UsageCommand::Show {
            principal,
            resource,
            action,
            by,
            db,
            rules,
            format,
        } => {
            let query = whittle_engine::UsageQuery {
                principal,
                resource,
                action,
                by_action: by.is_some(),
            };
            let (rules, _) = crate::cli::rules_or_default(&rules);
            let report = whittle_engine::usage_show(&db, &query, &rules)?;
            crate::diagnostics::rule_diagnostics(&report.rule_diagnostics);
            render::usage_show(format, &report)?
        }
        UsageCommand::Prune {
            db,
            rules,
            days,
            force,
            now,
            format,
        } => {
            let Some(now) = crate::cli::now_or_today(now.as_deref()) else {
                return Ok(exit::INPUT_ERROR);
            };
            if let Some(d) = days.filter(|d| *d < MIN_RETENTION_DAYS && !force) {
                crate::diagnostics::short_retention(d, MIN_RETENTION_DAYS);
                return Ok(exit::INPUT_ERROR);
            }
            let (rules, note) = crate::cli::rules_or_default(&rules);
            if let Some(n) = note.filter(|_| days.is_none()) {
                crate::diagnostics::note(&n);
            }
            let (report, diagnostics) = whittle_engine::usage_prune(&db, days, &rules, now)?;
            crate::diagnostics::rule_diagnostics(&diagnostics);
            if diagnostics.iter().any(|d| d.is_error()) {
                return Ok(exit::INPUT_ERROR);
            }
            render::usage_prune(format, &db, &report)?
        }
        UsageCommand::Merge {
            shards,
            db,
            no_wait,
            format,
        } => {
            let progress = crate::progress::IngestProgress::new(true);
            let report = whittle_engine::usage_merge(&shards, &db, !no_wait, &progress)?;
            render::usage_merge(format, &db, &report)?
        }
        UsageCommand::Unmapped { db, format } => {
            let r = whittle_engine::usage_unmapped(&db)?;
            render::usage_unmapped(format, &r.unmapped, &r.permissionless)?
        }
    }
    Ok(exit::CLEAN)
}
