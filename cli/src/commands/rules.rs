use crate::cli::RulesCommand;
use crate::{diagnostics, exit, render};
use std::path::PathBuf;
use whittle_engine::catalog::AwsCatalog;

fn dirs_or_default(dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    let (dirs, note) = crate::cli::rules_or_default(&dirs);
    if let Some(n) = note {
        diagnostics::note(&n);
    }
    dirs
}

pub fn run(c: RulesCommand) -> miette::Result<u8> {
    match c {
        RulesCommand::Schema { format } => {
            let schema = whittle_engine::rules::cedar::schema_text(AwsCatalog::embedded());
            render::rules_schema(format, &schema)?;
            Ok(exit::CLEAN)
        }
        RulesCommand::Validate { dirs, format } => {
            let r = whittle_engine::rules_load(&dirs_or_default(dirs));
            diagnostics::rule_diagnostics(&r.diagnostics);
            render::validate_summary(format, &r)?;
            Ok(if r.valid().is_some() {
                exit::CLEAN
            } else {
                exit::INPUT_ERROR
            })
        }
        RulesCommand::Test { dirs, format } => {
            let r = whittle_engine::rules_test(&dirs_or_default(dirs));
            diagnostics::rule_diagnostics(&r.loaded.diagnostics);
            if r.loaded.valid().is_none() {
                if !matches!(format, crate::cli::TestFormat::Text) {
                    render::test_outcomes(format, &r)?;
                }
                return Ok(exit::INPUT_ERROR);
            }
            render::test_outcomes(format, &r)?;
            Ok(if r.passed() {
                exit::CLEAN
            } else {
                exit::FINDINGS
            })
        }
        RulesCommand::List { dirs, format } => {
            let r = whittle_engine::rules_load(&dirs_or_default(dirs));
            diagnostics::rule_diagnostics(&r.diagnostics);
            let Some(set) = &r.rules else {
                return Ok(exit::INPUT_ERROR);
            };
            render::rule_list(format, set)?;
            Ok(if r.errors() > 0 {
                exit::INPUT_ERROR
            } else {
                exit::CLEAN
            })
        }
        RulesCommand::Explain { id, dirs, format } => {
            let r = whittle_engine::rules_load(&dirs_or_default(dirs));
            diagnostics::rule_diagnostics(&r.diagnostics);
            let Some(set) = &r.rules else {
                return Ok(exit::INPUT_ERROR);
            };
            render::rule_explain(format, &whittle_engine::rules_explain(set, &id)?)?;
            Ok(exit::CLEAN)
        }
    }
}
