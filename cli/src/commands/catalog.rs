use crate::cli::CatalogCommand;
use crate::{exit, render};
use whittle_engine::catalog::AwsCatalog;

pub fn run(c: CatalogCommand) -> miette::Result<u8> {
    let catalog = AwsCatalog::embedded();
    match c {
        CatalogCommand::Show { action, format } => {
            render::catalog_action(format, catalog, whittle_engine::catalog_show(&action)?)?
        }
        CatalogCommand::Expand { pattern, format } => {
            let e = whittle_engine::catalog_expand(&pattern)?;
            render::catalog_expansion(format, catalog, &e.pattern, &e.actions)?
        }
        CatalogCommand::Info { format } => render::catalog_info(format, catalog)?,
    }
    Ok(exit::CLEAN)
}
