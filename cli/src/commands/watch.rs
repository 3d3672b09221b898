use crate::cli::{Format, WatchArgs};
use crate::delivery::AlertSinks;
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
                window_days: None,
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
                        let page = render::html::Page::new("Findings", req.now, &req.snapshots);
                        let _ = render::check(crate::cli::CheckFormat::Text, &r, set, false, &page);
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

/// One ingest of what landed under `--logs`; whether everything was read.
fn ingest_pass(
    a: &WatchArgs,
    dirs: &[PathBuf],
    sinks: &mut AlertSinks,
    run: u32,
    changed: &[PathBuf],
) -> (bool, u64) {
    let json = matches!(a.format, Format::Json);
    let db = a.db.clone().unwrap_or_else(crate::cli::default_db);
    let progress = crate::progress::IngestProgress::new(true);
    let result = whittle_engine::ingest(&whittle_engine::IngestRequest {
        paths: a.logs.clone(),
        db: db.clone(),
        commit_every: 2000,
        progress: &progress,
        now: whittle_engine::model::time::now(),
        wait: true,
        rules: dirs.to_vec(),
        settle: Some(Duration::from_millis(a.settle_ms)),
        aggregate: false,
        snapshots: a.snapshots.clone(),
    });
    let run_report = match result {
        Ok(r) => r,
        Err(e) => {
            diagnostics::fatal(&miette::Report::new(e));
            return (false, 0);
        }
    };
    diagnostics::rule_diagnostics(&run_report.rule_diagnostics);
    sinks.deliver(&run_report.alerts);
    diagnostics::ingest_problems(&run_report.report, true);
    if let Some(s) = &run_report.snapshot {
        diagnostics::load_problems(&s.errors, &s.warnings);
    }
    let clean = !run_report.rules_failed()
        && !run_report.snapshot_failed()
        && !run_report.report.anything_skipped();
    let out = if json {
        render::json_line(render::json::WatchIngest {
            run,
            changed: changed.iter().map(|p| p.display().to_string()).collect(),
            clean,
            ingest: render::json::Ingest::new(&db, &run_report),
        })
    } else {
        render::ingest_report(Format::Text, &db, &run_report)
    };
    if let Err(e) = out {
        diagnostics::fatal(&e);
    }
    (clean, run_report.report.deferred)
}

pub fn run(a: WatchArgs) -> miette::Result<u8> {
    let (dirs, note) = crate::cli::rules_or_default(&a.dirs);
    if let Some(n) = note {
        diagnostics::note(&n);
    }
    if let Some(missing) = a.logs.iter().find(|p| !p.is_dir()) {
        diagnostics::watch_error(&format!(
            "`{}` is not a directory: --logs follows directories",
            missing.display()
        ));
        return Ok(exit::INPUT_ERROR);
    }
    let following = !a.logs.is_empty();
    let Some(mut sinks) = AlertSinks::open_or_say(&a.delivery) else {
        return Ok(exit::INPUT_ERROR);
    };
    // with only --logs, the rules are the journal's: they are read by each ingest, not tested
    let rule_runs = !following || !a.dirs.is_empty() || !a.snapshots.is_empty();
    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(Duration::from_millis(a.debounce_ms), tx)
        .map_err(|e| miette::miette!("cannot watch files: {e}"))?;
    // the built-in packs are in the binary: nothing on disk to watch; with --logs the store is
    // what the ingest writes, not an input
    let on_disk = dirs.iter().filter(|d| d.as_os_str() != rules::BUILTIN);
    let db = a.db.iter().filter(|_| !following);
    for p in on_disk.chain(&a.snapshots).chain(db).chain(&a.logs) {
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
    let settle = Duration::from_millis(a.settle_ms);
    let mut runs = 0u32;
    let mut seen = fingerprint(&a, &dirs);
    let mut clean = true;
    if rule_runs {
        runs += 1;
        clean = pass(&a, &dirs, runs, &[]);
    }
    let mut deferred = 0;
    let mut logs_seen = logs_fingerprint(&a.logs);
    let mut retry_at = std::time::Instant::now() + settle;
    if following {
        runs += 1;
        let (ok, d) = ingest_pass(&a, &dirs, &mut sinks, runs, &[]);
        (clean, deferred) = (clean && ok, d);
        retry_at = std::time::Instant::now() + settle;
    }
    diagnostics::watch_waiting(runs);
    while a.max_runs.is_none_or(|m| runs < m) {
        // files still being written are read once they settle, even if nothing else changes
        let event = if deferred > 0 {
            match rx.recv_timeout(retry_at.saturating_duration_since(std::time::Instant::now())) {
                Ok(e) => Some(e),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(e) => Some(e),
                Err(_) => break,
            }
        };
        let changed: Vec<PathBuf> = match event {
            None => Vec::new(),
            Some(Ok(events)) => events
                .into_iter()
                .map(|e| e.path)
                .filter(|p| is_relevant(p))
                .collect(),
            Some(Err(e)) => {
                diagnostics::watch_error(&e.to_string());
                continue;
            }
        };
        let others: Vec<PathBuf> = changed
            .into_iter()
            .filter(|p| !a.logs.iter().any(|d| under(p, d)))
            .collect();
        // reading the logs raises events of its own: only new or changed files, or files left
        // to settle, trigger an ingest
        let now_logs = logs_fingerprint(&a.logs);
        let landed: Vec<PathBuf> = now_logs
            .iter()
            .filter(|(p, f)| logs_seen.get(*p) != Some(*f))
            .map(|(p, _)| p.clone())
            .collect();
        // a file left to settle is read when its time is up, whatever else happens meanwhile
        let due = deferred > 0 && std::time::Instant::now() >= retry_at;
        if following && (!landed.is_empty() || due) {
            logs_seen = now_logs;
            if !landed.is_empty() {
                diagnostics::watch_changed(&landed);
            }
            runs += 1;
            let (ok, d) = ingest_pass(&a, &dirs, &mut sinks, runs, &landed);
            (clean, deferred) = (ok, d);
            retry_at = std::time::Instant::now() + settle;
            diagnostics::watch_waiting(runs);
        }
        if !rule_runs || a.max_runs.is_some_and(|m| runs >= m) {
            continue;
        }
        // Reading files can raise events of its own (attributes, directories): only a change in
        // what the rule and input files hold triggers a run.
        let now = fingerprint(&a, &dirs);
        if others.is_empty() || now == seen {
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
    sinks.finish(false);
    Ok(if clean { exit::CLEAN } else { exit::FINDINGS })
}

/// Size and modification time of every file under the log directories.
fn logs_fingerprint(dirs: &[PathBuf]) -> BTreeMap<PathBuf, (u64, Option<std::time::SystemTime>)> {
    dirs.iter()
        .flat_map(|d| walkdir::WalkDir::new(d).into_iter().filter_map(Result::ok))
        .filter(|e| e.file_type().is_file() && is_relevant(e.path()))
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            Some((e.into_path(), (m.len(), m.modified().ok())))
        })
        .collect()
}

/// True when `path` is `dir` or inside it (the watcher reports absolute paths).
fn under(path: &std::path::Path, dir: &std::path::Path) -> bool {
    let abs = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let dir = abs(dir);
    path.starts_with(&dir)
        || path
            .parent()
            .map(abs)
            .is_some_and(|parent| parent.starts_with(&dir))
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
