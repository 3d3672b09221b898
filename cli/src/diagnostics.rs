//! Everything whittle says on stderr: rule and input diagnostics (miette, with their source
//! snippets), errors that stop a command, hints, and watch mode's progress lines.
#![allow(
    clippy::print_stderr,
    reason = "this module is where the CLI talks to the user on stderr"
)]

use std::io;
use whittle_engine::InputError;

/// Diagnostics wrap to the terminal on a TTY; piped or in CI, lines stay whole so they can be
/// grepped. Colour follows `--color` and `NO_COLOR`.
pub fn set_color(choice: crate::cli::ColorChoice) {
    use crate::cli::ColorChoice;
    use std::io::IsTerminal;
    let tty = io::stderr().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && !no_color,
    };
    let _ = miette::set_hook(Box::new(move |_| {
        let mut opts = miette::MietteHandlerOpts::new().color(color);
        if !tty {
            opts = opts.width(400);
        }
        Box::new(opts.build())
    }));
}

/// Prints an error that stopped the command; returns the input-error exit code.
pub fn fatal(e: &miette::Report) -> u8 {
    eprintln!("{e:?}");
    crate::exit::INPUT_ERROR
}

/// Renders input errors with their source snippets.
pub fn input_errors(errors: &[InputError]) {
    for e in errors {
        eprintln!("{:?}", miette::Report::new(e.clone()));
    }
}

/// Errors in full, warnings one line each.
pub fn load_problems(errors: &[InputError], warnings: &[InputError]) {
    input_errors(errors);
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// A note on stderr: what a default chose.
pub fn note(text: &str) {
    eprintln!("note: {text}");
}

pub fn short_retention(days: u32, min: u32) {
    eprintln!(
        "error: `--days {days}` keeps less than {min} days of the journal (an investigation usually starts weeks after the event); add `--force` to accept it"
    );
}

pub fn bad_date(d: &str) {
    eprintln!("error: `{d}` is not a date (expected YYYY-MM-DD)");
}

/// Rule problems with their source snippets, errors first.
pub fn rule_diagnostics(diags: &[whittle_engine::rules::RuleDiagnostic]) {
    let mut sorted: Vec<_> = diags.iter().collect();
    sorted.sort_by_key(|d| (!d.is_error(), d.file.clone(), d.line));
    for d in sorted {
        eprintln!("{:?}", miette::Report::new(d.clone()));
    }
}

/// What ingest could not read: failed objects in full, skipped records and files one line each.
pub fn ingest_problems(r: &whittle_engine::usage::IngestReport, quiet: bool) {
    for e in &r.failed {
        eprintln!("{:?}", miette::Report::new(e.clone()));
    }
    for e in r.record_errors.iter().chain(&r.warnings) {
        eprintln!("warning: {e}");
    }
    if !quiet {
        for s in &r.skipped_files {
            let level = if s.error { "error" } else { "note" };
            eprintln!("{level}: skipped {}: {}", s.path.display(), s.reason);
        }
    }
}

pub fn watch_waiting(runs: u32) {
    eprintln!("-- run {runs} done; watching for changes (Ctrl-C to stop) --");
}

pub fn watch_changed(paths: &[std::path::PathBuf]) {
    let names: Vec<String> = paths
        .iter()
        .take(3)
        .map(|p| p.display().to_string())
        .collect();
    eprintln!(
        "-- changed: {}{} --",
        names.join(", "),
        if paths.len() > 3 { ", …" } else { "" }
    );
}

pub fn watch_error(e: &str) {
    eprintln!("warning: watching: {e}");
}

/// A problem that does not stop the command.
pub fn warning(text: &str) {
    eprintln!("warning: {text}");
}

/// What became of the alerts posted to the webhook at `host` (the URL itself is never shown).
pub fn webhook_delivery(host: &str, d: &crate::webhook::Delivery, quiet: bool) {
    if d.failed > 0 {
        eprintln!(
            "warning: webhook ({host}): {} alert(s) not delivered{}; the report lists every alert{}",
            d.failed,
            d.last_error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default(),
            if d.delivered > 0 {
                format!("; {} delivered", d.delivered)
            } else {
                String::new()
            }
        );
    } else if !quiet && (d.delivered > 0 || d.overflow > 0) {
        eprintln!("note: webhook ({host}): {} alert(s) delivered", d.delivered);
    }
    if d.overflow > 0 {
        eprintln!(
            "warning: webhook ({host}): {} more alert(s) than the queue holds were summed up in one message",
            d.overflow
        );
    }
}

/// A usage error that stops the command before it starts.
pub fn usage_error(text: &str) {
    eprintln!("error: {text}");
}
