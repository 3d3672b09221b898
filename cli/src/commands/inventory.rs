use crate::cli::InventoryArgs;
use crate::progress::StageBar;
use crate::{diagnostics, exit, render};
use whittle_engine::catalog::AwsCatalog;

pub fn run(a: InventoryArgs) -> miette::Result<u8> {
    let progress = StageBar::new(a.quiet);
    let r = whittle_engine::inventory_reporting(&a.snapshots, &progress);
    progress.finish();
    diagnostics::load_problems(&r.load.errors, &r.load.warnings);
    if let Some(g) = &r.gcp {
        diagnostics::load_problems(&g.load.errors, &g.load.warnings);
    }
    if let Some(az) = &r.azure {
        diagnostics::load_problems(&az.load.errors, &az.load.warnings);
    }
    let catalog = AwsCatalog::embedded();
    render::inventory(a.format, catalog, &r)?;
    Ok(if r.has_errors() {
        exit::INPUT_ERROR
    } else {
        exit::CLEAN
    })
}
