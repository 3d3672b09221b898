use crate::cli::CatalogCommand;
use crate::{exit, render};
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::CatalogEntry;

pub fn run(c: CatalogCommand) -> miette::Result<u8> {
    let catalog = AwsCatalog::embedded();
    match c {
        CatalogCommand::Show { action, format } => match whittle_engine::catalog_show(&action)? {
            CatalogEntry::Aws(id) => render::catalog_action(format, catalog, id)?,
            CatalogEntry::GcpPermission(id) => render::gcp_permission(format, id)?,
            CatalogEntry::GcpRole(role) => render::gcp_role(format, role)?,
        },
        CatalogCommand::Expand { pattern, format } if whittle_engine::is_gcp_name(&pattern) => {
            let ids = whittle_engine::catalog_expand_gcp(&pattern)?;
            render::gcp_expansion(format, &pattern, &ids)?
        }
        CatalogCommand::Expand { pattern, format } => {
            let e = whittle_engine::catalog_expand(&pattern)?;
            render::catalog_expansion(format, catalog, &e.pattern, &e.actions)?
        }
        CatalogCommand::Info { format } => render::catalog_info(format, catalog)?,
    }
    Ok(exit::CLEAN)
}
