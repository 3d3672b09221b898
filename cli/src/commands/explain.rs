use crate::cli::ExplainArgs;
use crate::{diagnostics, exit, render};
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::ingest::aws_authz;
use whittle_engine::Resolver;

pub fn run(a: ExplainArgs) -> miette::Result<u8> {
    let report = aws_authz::load_files(&a.snapshots);
    diagnostics::load_problems(&report.errors, &report.warnings);
    let inv = &report.inventory;
    let principal = match inv.find_principal(&a.principal) {
        Ok(p) => p,
        Err(candidates) => {
            diagnostics::principal_not_found(&a.principal, &candidates, inv);
            return Ok(exit::INPUT_ERROR);
        }
    };
    let catalog = AwsCatalog::embedded();
    let filter = a.action.as_deref().map(|p| catalog.expand(p));
    if let (Some(p), Some(f)) = (&a.action, &filter) {
        if f.is_empty() {
            diagnostics::unknown_action(p, &catalog.suggest(p, 3));
            return Ok(exit::INPUT_ERROR);
        }
    }
    let eff = Resolver::new(catalog, inv).resolve(principal);
    render::explanation(a.format, catalog, principal, &eff, filter.as_ref())?;
    Ok(if report.errors.is_empty() {
        exit::CLEAN
    } else {
        exit::INPUT_ERROR
    })
}
