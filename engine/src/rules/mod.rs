//! Rule sets: Cedar guardrails (`*.cedar`) and least-privilege rules (`*.toml`), loaded
//! recursively from one or more directories (the built-in packs and the user's repo), validated
//! with every problem collected, and evaluated into findings.

mod alerts;
mod bindings;
pub mod cedar;
mod diags;
mod docs;
mod eval;
mod test_events;
mod test_runner;
pub mod toml_rules;

pub use crate::model::{Evidence, Finding};
pub use alerts::evaluate_use;
pub use diags::{Level, Problem, RuleDiagnostic};
pub use docs::{RuleDoc, RuleKind};
pub use eval::{active_keeps, evaluate, CheckInput};
pub use test_runner::{run_tests, TestCase, TestOutcome};
pub use toml_rules::{ItemSource, Keep, LeastPrivilege, Severity, MIN_RETENTION_DAYS};

use crate::catalog::{ActionSet, AwsCatalog};
use crate::source::SourceFile;
use cedar::{CedarSources, Guardrails};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A loaded rule set.
pub struct RuleSet {
    /// Cedar guardrails.
    pub guardrails: Guardrails,
    /// TOML least-privilege rules.
    pub lp: LeastPrivilege,
    /// Risk class id → the catalog actions in it.
    pub risk_actions: BTreeMap<String, ActionSet>,
    /// Combination id → the catalog actions that must all be held.
    pub combinations: BTreeMap<String, Vec<crate::catalog::ActionId>>,
    /// Rule tests found in the TOML files.
    pub tests: Vec<TestCase>,
    /// Files read.
    pub files: Vec<PathBuf>,
}

/// Every rule file (`*.cedar`, `*.toml`) under `dirs`, recursively, hidden entries skipped, sorted.
pub fn rule_files(dirs: &[PathBuf]) -> (Vec<PathBuf>, Vec<RuleDiagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for dir in dirs {
        if !dir.exists() {
            let name = dir.display().to_string();
            // `@buitlin`, `builtin`: the built-in packs, misspelt
            let close = strsim::jaro_winkler(name.trim_start_matches('@'), "builtin") > 0.85;
            let mut d =
                RuleDiagnostic::general(Level::Error, &name, "no such file or directory".into())
                    .with(Problem::Io);
            if close {
                d.help = Some(format!(
                    "did you mean `{BUILTIN}`, the packs built into whittle?"
                ));
            }
            diags.push(d);
            continue;
        }
        for e in walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        {
            match e {
                Ok(e) if e.file_type().is_file() => {
                    let p = e.path();
                    if matches!(
                        p.extension().and_then(|x| x.to_str()),
                        Some("cedar" | "toml")
                    ) {
                        files.push(p.to_path_buf());
                    }
                }
                Ok(_) => {}
                Err(err) => diags.push(
                    RuleDiagnostic::general(
                        Level::Error,
                        &dir.display().to_string(),
                        err.to_string(),
                    )
                    .with(Problem::Io),
                ),
            }
        }
    }
    (files, diags)
}

/// The name that stands for the built-in packs embedded in the binary: `--rules @builtin`.
pub const BUILTIN: &str = "@builtin";

/// The built-in packs as embedded in the binary (a test checks they match `rules/` on disk).
pub fn builtin_sources() -> Vec<SourceFile> {
    [
        (
            "@builtin/aws/activity.toml",
            include_str!("../../../rules/aws/activity.toml"),
        ),
        (
            "@builtin/aws/alerts.cedar",
            include_str!("../../../rules/aws/alerts.cedar"),
        ),
        (
            "@builtin/aws/guardrails.cedar",
            include_str!("../../../rules/aws/guardrails.cedar"),
        ),
        (
            "@builtin/aws/risk-classes.toml",
            include_str!("../../../rules/aws/risk-classes.toml"),
        ),
        (
            "@builtin/aws/settings.toml",
            include_str!("../../../rules/aws/settings.toml"),
        ),
        (
            "@builtin/aws/tests/alerts.toml",
            include_str!("../../../rules/aws/tests/alerts.toml"),
        ),
        (
            "@builtin/aws/tests/guardrails.toml",
            include_str!("../../../rules/aws/tests/guardrails.toml"),
        ),
        (
            "@builtin/azure/guardrails.cedar",
            include_str!("../../../rules/azure/guardrails.cedar"),
        ),
        (
            "@builtin/azure/tests/guardrails.toml",
            include_str!("../../../rules/azure/tests/guardrails.toml"),
        ),
        (
            "@builtin/gcp/guardrails.cedar",
            include_str!("../../../rules/gcp/guardrails.cedar"),
        ),
        (
            "@builtin/gcp/tests/guardrails.toml",
            include_str!("../../../rules/gcp/tests/guardrails.toml"),
        ),
    ]
    .into_iter()
    .map(|(path, text)| SourceFile::from_text(path, text))
    .collect()
}

/// Loads rule directories (`@builtin` for the embedded packs). `None` only when nothing usable
/// could be built; otherwise the rule set comes back with every problem found.
pub fn load(dirs: &[PathBuf], catalog: &AwsCatalog) -> (Option<RuleSet>, Vec<RuleDiagnostic>) {
    let builtin = dirs.iter().any(|d| d.as_os_str() == BUILTIN);
    let dirs: Vec<PathBuf> = dirs
        .iter()
        .filter(|d| d.as_os_str() != BUILTIN)
        .cloned()
        .collect();
    let (mut files, mut diags) = rule_files(&dirs);
    let mut sources = if builtin {
        builtin_sources()
    } else {
        Vec::new()
    };
    let embedded: Vec<PathBuf> = sources.iter().map(|s| PathBuf::from(&*s.path)).collect();
    for f in &files {
        match SourceFile::read(f) {
            Ok(s) => sources.push(s),
            Err(e) => diags.push(
                RuleDiagnostic::general(Level::Error, &e.file, e.message.clone()).with(Problem::Io),
            ),
        }
    }
    files.extend(embedded);
    let (set, more) = load_sources(&sources, catalog);
    diags.extend(more);
    if let Some(s) = &set {
        if s.guardrails.rules.is_empty() && s.lp.unused.is_empty() && diags.is_empty() {
            let names: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            diags.push(
                RuleDiagnostic::general(
                    Level::Error,
                    &names.join(", "),
                    "no rules here: no `*.cedar` guardrail and no `[[unused]]` rule was found, so nothing would be checked".into(),
                )
                .with(Problem::NoRules),
            );
        }
    }
    (set.map(|s| RuleSet { files, ..s }), diags)
}

/// Loads rules from in-memory files (the built-in packs, tests).
pub fn load_sources(
    sources: &[SourceFile],
    catalog: &AwsCatalog,
) -> (Option<RuleSet>, Vec<RuleDiagnostic>) {
    let mut diags = Vec::new();
    let mut lp = LeastPrivilege::default();
    let mut cedar = CedarSources::default();
    let mut tests = Vec::new();
    for s in sources {
        if s.path.ends_with(".toml") {
            lp.add_file(s, &mut diags);
            tests.extend(test_runner::parse_tests(s, &mut diags));
        } else {
            cedar.add_file(s, &mut diags);
        }
    }
    // An action named in a TOML item that the catalog does not know: point at it in the item.
    let mut unknown_action = |src: &toml_rules::ItemSource, action: &str, what: String| {
        if let Some(file) = sources.iter().find(|s| *s.path == *src.file) {
            let quoted = format!("\"{action}\"");
            let span = file.text[src.span.clone()]
                .find(&quoted)
                .map(|o| src.span.start + o..src.span.start + o + quoted.len());
            diags.push(
                RuleDiagnostic::error(
                    file,
                    span,
                    what,
                    crate::catalog::did_you_mean(&catalog.suggest(action, 3)),
                )
                .with(Problem::UnknownPermission),
            );
        }
    };
    let mut risk_actions = BTreeMap::new();
    for (r, src) in &lp.risks {
        let mut set = catalog.empty_set();
        for a in &r.actions {
            let e = catalog.expand(a);
            if e.is_empty() {
                unknown_action(
                    src,
                    a,
                    format!(
                        "`{a}` in risk class `{}` matches no action in the catalog",
                        r.id
                    ),
                );
            }
            set.union_with(&e);
        }
        risk_actions.insert(r.id.clone(), set);
    }
    let mut combinations = BTreeMap::new();
    for (c, src) in &lp.combinations {
        let mut ids = Vec::new();
        for a in &c.actions {
            match catalog.lookup(a) {
                Some(id) => ids.push(id),
                None => unknown_action(
                    src,
                    a,
                    format!(
                        "`{a}` in combination `{}` is not an action in the catalog",
                        c.id
                    ),
                ),
            }
        }
        combinations.insert(c.id.clone(), ids);
    }
    lp.check_meaning(|name| sources.iter().find(|s| *s.path == *name), &mut diags);
    let risk_ids: BTreeSet<String> = lp.risks.iter().map(|(r, _)| r.id.clone()).collect();
    let guardrails = cedar.finish(catalog, &risk_ids, &risk_actions, &mut diags);
    // Exemptions and tests must name known rules.
    if let Some(g) = &guardrails {
        let known: BTreeSet<&str> = g
            .rules
            .iter()
            .map(|r| r.id.as_str())
            .chain(lp.unused.iter().map(|(u, _)| u.id.as_str()))
            .collect();
        for (x, src) in &lp.exemptions {
            if !known.contains(x.rule.as_str()) && !x.rule.starts_with("whittle-") {
                if let Some(file) = sources.iter().find(|s| *s.path == *src.file) {
                    diags.push(
                        RuleDiagnostic::error(
                            file,
                            Some(src.span.clone()),
                            format!("exemption names unknown rule `{}`", x.rule),
                            None,
                        )
                        .with(Problem::Exemption),
                    );
                }
            }
            if x.reason.trim().is_empty() {
                if let Some(file) = sources.iter().find(|s| *s.path == *src.file) {
                    diags.push(
                        RuleDiagnostic::error(
                            file,
                            Some(src.span.clone()),
                            "an exemption needs a reason".into(),
                            None,
                        )
                        .with(Problem::Exemption),
                    );
                }
            }
        }
    }
    let set = guardrails.map(|guardrails| RuleSet {
        guardrails,
        lp,
        risk_actions,
        combinations,
        tests,
        files: Vec::new(),
    });
    (set, diags)
}

/// Where the built-in packs live in the source tree (they are also embedded in the binary).
pub fn builtin_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules"))
}

#[cfg(test)]
mod pack_tests {
    use super::*;

    /// The embedded packs are the files in `rules/`, all of them.
    #[test]
    fn embedded_packs_match_the_rules_directory() {
        let (files, diags) = rule_files(&[builtin_dir().to_path_buf()]);
        assert!(diags.is_empty());
        let embedded = builtin_sources();
        assert_eq!(
            files.len(),
            embedded.len(),
            "a rule file was added to rules/ but not to builtin_sources()"
        );
        for f in files {
            let rel = f
                .strip_prefix(builtin_dir())
                .expect("under rules/")
                .display()
                .to_string();
            let e = embedded
                .iter()
                .find(|s| s.path.ends_with(&rel))
                .unwrap_or_else(|| panic!("{rel} is not embedded"));
            assert_eq!(
                *e.text,
                std::fs::read_to_string(&f).expect("read"),
                "{rel} differs from its embedded copy"
            );
        }
    }

    /// `cargo test` runs the built-in pack's own cases, as `whittle rules test rules/` does.
    #[test]
    fn builtin_pack_validates_and_its_tests_pass() {
        let catalog = AwsCatalog::embedded();
        let (set, diags) = load(&[builtin_dir().to_path_buf()], catalog);
        assert!(
            diags.is_empty(),
            "{:#?}",
            diags.iter().map(|d| d.to_string()).collect::<Vec<_>>()
        );
        let set = set.expect("rule set");
        assert!(set.guardrails.rules.len() >= 8);
        // every guardrail documents itself and is exercised by a test that expects it to fire
        for r in &set.guardrails.rules {
            assert!(
                r.why.is_some() && r.remediation.is_some(),
                "{} lacks @why/@remediation",
                r.id
            );
            assert!(
                set.tests.iter().any(|t| t.covers(&r.id)),
                "{} has no test",
                r.id
            );
        }
        let outcomes = run_tests(&set, catalog);
        let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        assert!(outcomes.len() >= 18);
    }

    #[test]
    fn every_kind_of_mistake_is_reported_in_one_run() {
        let catalog = AwsCatalog::embedded();
        let dir = builtin_dir().join("../testdata/rules/every-kind-of-mistake");
        let (_, diags) = load(&[dir], catalog);
        let msgs: Vec<String> = diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        let expect = [
            "settings.toml:3: unknown field `min-coverage-dayz`",
            "syntax.cedar:5: unexpected token",
            "typos.cedar:6: `iam:PassRoel` in rule `typo-in-permission` is not an action",
            "typos.cedar:12: rule `typo-in-attribute`",
            "typos.cedar:15: unknown severity `urgent`",
            "typos.cedar:19: duplicate rule id `typo-in-attribute`",
            "typos.cedar:24: rule has no `@id",
            "typos.cedar:31: rule `unknown-service`",
            "typos.cedar:36: risk class `exfiltration`",
            "typos.cedar:41: rules must be `forbid` policies",
            "risk-and-exemptions.toml:4: `iam:PassRoel` in risk class",
            "risk-and-exemptions.toml:6: exemption names unknown rule `no-such-rule`",
        ];
        for e in expect {
            assert!(
                msgs.iter().any(|m| m.contains(e)),
                "missing `{e}` in {msgs:#?}"
            );
        }
        assert_eq!(msgs.len(), expect.len(), "{msgs:#?}");
    }
}
