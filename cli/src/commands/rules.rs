use crate::cli::RulesCommand;
use crate::{diagnostics, exit, render};
use std::path::PathBuf;
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::rules::{self, run_tests};

fn dirs_or_default(dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    if dirs.is_empty() {
        vec![PathBuf::from("rules")]
    } else {
        dirs
    }
}

pub fn run(c: RulesCommand) -> miette::Result<u8> {
    let catalog = AwsCatalog::embedded();
    match c {
        RulesCommand::Schema => {
            render::plain(&rules::cedar::schema_text(catalog))?;
            Ok(exit::CLEAN)
        }
        RulesCommand::Validate { dirs } => {
            let dirs = dirs_or_default(dirs);
            let (set, diags) = rules::load(&dirs, catalog);
            diagnostics::rule_diagnostics(&diags);
            let errors = diags.iter().filter(|d| d.is_error()).count();
            render::validate_summary(set.as_ref(), errors, diags.len() - errors)?;
            Ok(if errors > 0 || set.is_none() {
                exit::INPUT_ERROR
            } else {
                exit::CLEAN
            })
        }
        RulesCommand::Test { dirs } => {
            let (set, diags) = rules::load(&dirs_or_default(dirs), catalog);
            diagnostics::rule_diagnostics(&diags);
            let Some(set) = set.filter(|_| !diags.iter().any(|d| d.is_error())) else {
                return Ok(exit::INPUT_ERROR);
            };
            let outcomes = run_tests(&set, catalog);
            render::test_outcomes(&outcomes)?;
            Ok(if outcomes.iter().all(|o| o.passed) {
                exit::CLEAN
            } else {
                exit::FINDINGS
            })
        }
        RulesCommand::List { dirs, format } => {
            let (set, diags) = rules::load(&dirs_or_default(dirs), catalog);
            diagnostics::rule_diagnostics(&diags);
            let Some(set) = set else {
                return Ok(exit::INPUT_ERROR);
            };
            render::rule_list(format, &set)?;
            Ok(if diags.iter().any(|d| d.is_error()) {
                exit::INPUT_ERROR
            } else {
                exit::CLEAN
            })
        }
        RulesCommand::Explain { id, dirs } => {
            let (set, diags) = rules::load(&dirs_or_default(dirs), catalog);
            diagnostics::rule_diagnostics(&diags);
            let Some(set) = set else {
                return Ok(exit::INPUT_ERROR);
            };
            let Some(doc) = set.explain(&id) else {
                diagnostics::unknown_rule(&id, &set.rule_ids());
                return Ok(exit::INPUT_ERROR);
            };
            render::rule_explain(&doc)?;
            Ok(exit::CLEAN)
        }
    }
}
