//! `rules validate | test | list | explain`: rule directories loaded with every problem found,
//! their tests run, one rule explained.

use super::{JobError, NotFound};
use crate::catalog::AwsCatalog;
use crate::rules::{self, RuleDiagnostic, RuleDoc, RuleSet, TestOutcome};
use std::path::PathBuf;

/// A rule set as loaded.
pub struct RulesReport {
    /// The rule set; `None` when nothing usable could be built.
    pub rules: Option<RuleSet>,
    /// Every problem found, errors and warnings.
    pub diagnostics: Vec<RuleDiagnostic>,
}

impl RulesReport {
    /// Errors among the diagnostics.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// The rule set, when it loaded without errors.
    pub fn valid(&self) -> Option<&RuleSet> {
        self.rules.as_ref().filter(|_| self.errors() == 0)
    }
}

/// Loads rule directories (`@builtin` for the packs embedded in the binary).
pub fn rules_load(dirs: &[PathBuf]) -> RulesReport {
    let (rules, diagnostics) = rules::load(dirs, AwsCatalog::embedded());
    RulesReport { rules, diagnostics }
}

/// A rule set's tests, run.
pub struct TestReport {
    /// The rule set as loaded; no test ran when it has errors.
    pub loaded: RulesReport,
    /// One outcome per test.
    pub outcomes: Vec<TestOutcome>,
}

impl TestReport {
    /// True when every test passed.
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.passed)
    }
}

/// Loads the rules and runs their tests (none when the rules have errors).
pub fn rules_test(dirs: &[PathBuf]) -> TestReport {
    let loaded = rules_load(dirs);
    let outcomes = match loaded.valid() {
        Some(set) => rules::run_tests(set, AwsCatalog::embedded()),
        None => Vec::new(),
    };
    TestReport { loaded, outcomes }
}

/// The documentation of rule `id`.
pub fn rules_explain(set: &RuleSet, id: &str) -> Result<RuleDoc, JobError> {
    set.explain(id).ok_or_else(|| {
        let missing = NotFound {
            name: id.to_string(),
            close: set
                .rule_ids()
                .into_iter()
                .filter(|r| r.contains(id) || id.contains(*r))
                .map(str::to_string)
                .collect(),
        };
        JobError::UnknownRule {
            hint: missing.hint(),
            name: missing.name,
        }
    })
}
