use crate::cli::UsageCommand;
use crate::{diagnostics, exit, render};
use std::path::Path;
use whittle_engine::usage::Store;

fn open_existing(db: &Path) -> miette::Result<Option<Store>> {
    if !db.exists() {
        diagnostics::no_store(db);
        return Ok(None);
    }
    Ok(Some(Store::open(db)?))
}

pub fn run(c: UsageCommand) -> miette::Result<u8> {
    match c {
        UsageCommand::Summary { db, format } => {
            let Some(store) = open_existing(&db)? else {
                return Ok(exit::INPUT_ERROR);
            };
            render::usage_summary(format, &store.summary()?)?;
        }
        UsageCommand::Show {
            principal,
            db,
            format,
        } => {
            let Some(store) = open_existing(&db)? else {
                return Ok(exit::INPUT_ERROR);
            };
            let rows = store.principal_usage(&principal)?;
            if rows.is_empty() {
                let known = store.principals()?;
                if !known.iter().any(|(p, _)| *p == principal) {
                    diagnostics::unknown_principal_in_store(&principal, &known);
                    return Ok(exit::INPUT_ERROR);
                }
            }
            render::usage_show(format, &principal, &rows, &store.sessions(&principal)?)?;
        }
        UsageCommand::Unmapped { db, format } => {
            let Some(store) = open_existing(&db)? else {
                return Ok(exit::INPUT_ERROR);
            };
            render::usage_unmapped(format, &store.unmapped()?, &store.permissionless()?)?;
        }
    }
    Ok(exit::CLEAN)
}
