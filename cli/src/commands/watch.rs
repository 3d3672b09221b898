use crate::cli::{Format, WatchArgs};
use crate::{diagnostics, exit, render};
use notify_debouncer_mini::{new_debouncer, notify::RecursiveMode, DebounceEventResult};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;
use whittle_engine::rules;

/// One pass: validate, test, and check when snapshots are given. Returns whether it was clean.
fn pass(a: &WatchArgs, dirs: &[PathBuf], run: u32, changed: &[PathBuf]) -> bool {
    let json = matches!(a.format, Format::Json);
    let tests = whittle_engine::rules_test(dirs);
    let loaded = &tests.loaded;
    diagnostics::rule_diagnostics(&loaded.diagnostics);
    let mut clean = loaded.valid().is_some() && tests.passed();
    let mut report = None;
    if !json {
        let _ = render::validate_summary(Format::Text, loaded);
    }
    if loaded.valid().is_some() {
        if !json {
            let _ = render::test_outcomes(crate::cli::TestFormat::Text, &tests);
        }
        if !a.snapshots.is_empty() {
            let req = whittle_engine::CheckRequest {
                paths: Vec::new(),
                snapshots: a.snapshots.clone(),
                baseline: Vec::new(),
                rules: dirs.to_vec(),
                db: a.db.clone(),
                now: whittle_engine::model::time::now(),
                filter: whittle_engine::FindingFilter::default(),
            };
            match whittle_engine::check(&req) {
                Ok(r) => {
                    // the rule diagnostics were shown above; evaluation adds its own after them
                    let shown = loaded.diagnostics.len();
                    diagnostics::rule_diagnostics(
                        r.rule_diagnostics.get(shown..).unwrap_or_default(),
                    );
                    diagnostics::load_problems(&r.input_errors, &r.input_warnings);
                    if let (false, Some(set)) = (json, &r.rules) {
                        let _ = render::check(crate::cli::CheckFormat::Text, &r, set, false);
                    }
                    clean &= !r.input_failed();
                    report = Some(r);
                }
                Err(e) => {
                    diagnostics::fatal(&miette::Report::new(e));
                    clean = false;
                }
            }
        }
    }
    if json {
        let doc = render::json::WatchRun::new(run, changed, &tests, report.as_ref(), clean);
        if let Err(e) = render::json_line(doc) {
            diagnostics::fatal(&e);
        }
    }
    clean
}

pub fn run(a: WatchArgs) -> miette::Result<u8> {
    let (dirs, note) = crate::cli::rules_or_default(&a.dirs);
    if let Some(n) = note {
        diagnostics::note(&n);
    }
    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(Duration::from_millis(a.debounce_ms), tx)
        .map_err(|e| miette::miette!("cannot watch files: {e}"))?;
    // the built-in packs are in the binary: nothing on disk to watch
    let on_disk = dirs.iter().filter(|d| d.as_os_str() != rules::BUILTIN);
    for p in on_disk.chain(&a.snapshots).chain(a.db.iter()) {
        let mode = if p.is_dir() {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        debouncer
            .watcher()
            .watch(p, mode)
            .map_err(|e| miette::miette!("cannot watch `{}`: {e}", p.display()))?;
    }
    let mut runs = 0u32;
    let mut seen = fingerprint(&a, &dirs);
    runs += 1;
    let mut clean = pass(&a, &dirs, runs, &[]);
    diagnostics::watch_waiting(runs);
    while a.max_runs.is_none_or(|m| runs < m) {
        let Ok(event) = rx.recv() else { break };
        let changed: Vec<PathBuf> = match event {
            Ok(events) => events
                .into_iter()
                .map(|e| e.path)
                .filter(|p| is_relevant(p))
                .collect(),
            Err(e) => {
                diagnostics::watch_error(&e.to_string());
                continue;
            }
        };
        // Reading files can raise events of its own (attributes, directories): only a change in
        // what the rule and input files hold triggers a run.
        let now = fingerprint(&a, &dirs);
        if changed.is_empty() || now == seen {
            continue;
        }
        let differ: Vec<PathBuf> = now
            .iter()
            .filter(|(p, f)| seen.get(*p) != Some(*f))
            .map(|(p, _)| p.clone())
            .chain(seen.keys().filter(|p| !now.contains_key(*p)).cloned())
            .collect();
        seen = now;
        diagnostics::watch_changed(&differ);
        runs += 1;
        clean = pass(&a, &dirs, runs, &differ);
        diagnostics::watch_waiting(runs);
    }
    Ok(if clean { exit::CLEAN } else { exit::FINDINGS })
}

/// Size and modification time of every rule file and input.
fn fingerprint(
    a: &WatchArgs,
    dirs: &[PathBuf],
) -> BTreeMap<PathBuf, (u64, Option<std::time::SystemTime>)> {
    let (files, _) = rules::rule_files(dirs);
    files
        .iter()
        .chain(&a.snapshots)
        .chain(a.db.iter())
        .map(|p| {
            let m = std::fs::metadata(p).ok();
            (
                p.clone(),
                (
                    m.as_ref().map_or(0, |m| m.len()),
                    m.and_then(|m| m.modified().ok()),
                ),
            )
        })
        .collect()
}

/// Rule files and inputs; editor swap and backup files are not.
fn is_relevant(p: &std::path::Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    !(name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp"))
}
