use crate::cli::CatalogCommand;
use crate::{diagnostics, exit, render};
use whittle_engine::catalog::AwsCatalog;

pub fn run(c: CatalogCommand) -> miette::Result<u8> {
    let catalog = AwsCatalog::embedded();
    match c {
        CatalogCommand::Show { action, format } => match catalog.lookup(&action) {
            Some(id) => render::catalog_action(format, catalog, id)?,
            None => {
                diagnostics::unknown_action(&action, &catalog.suggest(&action, 3));
                return Ok(exit::INPUT_ERROR);
            }
        },
        CatalogCommand::Expand { pattern, format } => {
            let set = catalog.expand(&pattern);
            if set.is_empty() {
                diagnostics::unknown_action(&pattern, &catalog.suggest(&pattern, 3));
                return Ok(exit::INPUT_ERROR);
            }
            render::catalog_expansion(format, catalog, &pattern, &set)?;
        }
        CatalogCommand::Info { format } => render::catalog_info(format, catalog)?,
    }
    Ok(exit::CLEAN)
}
