use crate::cli::{CheckArgs, FailOn};
use crate::{exit, output};
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::ingest::aws_authz;
use whittle_engine::rules::{self, Severity};
use whittle_engine::usage::Store;

pub fn run(a: CheckArgs) -> miette::Result<u8> {
    let catalog = AwsCatalog::embedded();
    let (set, diags) = rules::load(&a.rules, catalog);
    output::rule_diagnostics(&diags);
    let Some(set) = set.filter(|_| !diags.iter().any(|d| d.is_error())) else {
        return Ok(exit::INPUT_ERROR);
    };
    let report = aws_authz::load_files(&a.snapshots);
    output::load_problems(&report.errors, &report.warnings);
    let now = match &a.now {
        Some(d) => {
            match whittle_engine::ingest::cloudtrail::parse_time(&format!("{d}T00:00:00Z")) {
                Some(t) => t,
                None => {
                    output::bad_date(d);
                    return Ok(exit::INPUT_ERROR);
                }
            }
        }
        None => whittle_engine::usage::now(),
    };
    let store = match &a.db {
        Some(db) if !db.exists() => {
            output::no_store(db);
            return Ok(exit::INPUT_ERROR);
        }
        Some(db) => Some(Store::open(db)?),
        None => None,
    };
    let (findings, eval_diags) =
        rules::check(&set, &report.inventory, catalog, store.as_ref(), now)?;
    output::rule_diagnostics(&eval_diags);
    output::findings(a.format, &findings, &set)?;
    let threshold = match a.fail_on {
        FailOn::Info => Some(Severity::Info),
        FailOn::Low => Some(Severity::Low),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::High => Some(Severity::High),
        FailOn::Critical => Some(Severity::Critical),
        FailOn::Never => None,
    };
    if !report.errors.is_empty() {
        return Ok(exit::INPUT_ERROR);
    }
    let failing = threshold.is_some_and(|t| findings.iter().any(|f| f.severity >= t));
    Ok(if failing { exit::FINDINGS } else { exit::CLEAN })
}
