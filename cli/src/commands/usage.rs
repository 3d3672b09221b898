use crate::cli::UsageCommand;
use crate::{exit, render};

pub fn run(c: UsageCommand) -> miette::Result<u8> {
    match c {
        UsageCommand::Summary { db, format } => {
            render::usage_summary(format, &whittle_engine::usage_summary(&db)?)?
        }
        UsageCommand::Show {
            principal,
            db,
            format,
        } => {
            let r = whittle_engine::usage_show(&db, &principal)?;
            render::usage_show(format, &r.principal, &r.rows, &r.sessions)?
        }
        UsageCommand::Unmapped { db, format } => {
            let r = whittle_engine::usage_unmapped(&db)?;
            render::usage_unmapped(format, &r.unmapped, &r.permissionless)?
        }
    }
    Ok(exit::CLEAN)
}
