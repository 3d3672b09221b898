use crate::cli::UsageCommand;
use crate::{exit, render};

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
            format,
        } => {
            let query = whittle_engine::UsageQuery {
                principal,
                resource,
                action,
                by_action: by.is_some(),
            };
            render::usage_show(format, &whittle_engine::usage_show(&db, &query)?)?
        }
        UsageCommand::Unmapped { db, format } => {
            let r = whittle_engine::usage_unmapped(&db)?;
            render::usage_unmapped(format, &r.unmapped, &r.permissionless)?
        }
    }
    Ok(exit::CLEAN)
}
