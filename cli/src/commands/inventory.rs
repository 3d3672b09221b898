use crate::cli::InventoryArgs;
use crate::{diagnostics, exit, render};
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::ingest::aws_authz;
use whittle_engine::model::PrincipalKind;
use whittle_engine::{admin_equivalence, count, unknown_actions, Resolver};

pub fn run(a: InventoryArgs) -> miette::Result<u8> {
    let report = aws_authz::load_files(&a.snapshots);
    diagnostics::load_problems(&report.errors, &report.warnings);
    let inv = &report.inventory;
    let catalog = AwsCatalog::embedded();
    let mut resolver = Resolver::new(catalog, inv);
    let admins: Vec<_> = inv
        .principals
        .iter()
        .filter(|p| p.kind != PrincipalKind::Group)
        .filter_map(|p| admin_equivalence(catalog, p, &resolver.resolve(p)))
        .collect();
    let unknown = unknown_actions(catalog, inv);
    render::inventory(a.format, catalog, &count(inv), &admins, &unknown, &report)?;
    Ok(if report.errors.is_empty() {
        exit::CLEAN
    } else {
        exit::INPUT_ERROR
    })
}
