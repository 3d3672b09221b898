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
        RulesCommand::Schema => {
            let schema = whittle_engine::rules::cedar::schema_text(AwsCatalog::embedded());
            render::plain(&schema)?;
            Ok(exit::CLEAN)
        }
        RulesCommand::Validate { dirs } => {
            let r = whittle_engine::rules_load(&dirs_or_default(dirs));
            diagnostics::rule_diagnostics(&r.diagnostics);
            let errors = r.errors();
            render::validate_summary(r.rules.as_ref(), errors, r.diagnostics.len() - errors)?;
            Ok(if r.valid().is_some() {
                exit::CLEAN
            } else {
                exit::INPUT_ERROR
            })
        }
        RulesCommand::Test { dirs } => {
            let r = whittle_engine::rules_test(&dirs_or_default(dirs));
            diagnostics::rule_diagnostics(&r.loaded.diagnostics);
            if r.loaded.valid().is_none() {
                return Ok(exit::INPUT_ERROR);
            }
            render::test_outcomes(&r.outcomes)?;
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
        RulesCommand::Explain { id, dirs } => {
            let r = whittle_engine::rules_load(&dirs_or_default(dirs));
            diagnostics::rule_diagnostics(&r.diagnostics);
            let Some(set) = &r.rules else {
                return Ok(exit::INPUT_ERROR);
            };
            render::rule_explain(&whittle_engine::rules_explain(set, &id)?)?;
            Ok(exit::CLEAN)
        }
    }
}
