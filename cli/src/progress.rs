//! Progress bars of `ingest` and of snapshot loading, on stderr when it is a terminal.

use std::io;

/// A bar drawn on stderr, unless `quiet` or stderr is not a terminal.
fn stderr_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    (!quiet && io::stderr().is_terminal()).then(|| {
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr())
    })
}

/// Progress bar for `ingest`, on stderr when it is a terminal.
pub struct IngestProgress {
    bar: Option<indicatif::ProgressBar>,
    files: std::sync::atomic::AtomicU64,
    total: std::sync::atomic::AtomicU64,
}

impl IngestProgress {
    pub fn new(quiet: bool) -> Self {
        let bar = stderr_bar(quiet).inspect(|b| {
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {bar:30} {bytes}/{total_bytes} {msg} ({eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
        });
        IngestProgress {
            bar,
            files: Default::default(),
            total: Default::default(),
        }
    }
}

impl whittle_engine::usage::Progress for IngestProgress {
    fn start(&self, files: u64, bytes: u64) {
        self.total
            .store(files, std::sync::atomic::Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.set_length(bytes);
            b.set_message(format!("0/{files} files"));
        }
    }
    fn advance(&self, bytes: u64, _events: u64) {
        if let Some(b) = &self.bar {
            let done = self
                .files
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                + 1;
            b.set_message(format!(
                "{done}/{} files",
                self.total.load(std::sync::atomic::Ordering::Relaxed)
            ));
            b.inc(bytes);
        }
    }
    fn waiting(&self, holder: &str) {
        #[allow(
            clippy::print_stderr,
            reason = "the one line that says why ingest pauses"
        )]
        {
            eprintln!(
                "waiting: the usage store is being written by another whittle ingest ({holder})"
            );
        }
    }
    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// One bar per stage of a job (reading snapshots, resolving principals), on stderr when it is a
/// terminal.
pub struct StageBar {
    bar: Option<indicatif::ProgressBar>,
}

impl StageBar {
    pub fn new(quiet: bool) -> Self {
        StageBar {
            bar: stderr_bar(quiet),
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl whittle_engine::progress::Stages for StageBar {
    fn stage(&self, what: &str, total: u64, unit: whittle_engine::progress::Unit) {
        let Some(b) = &self.bar else { return };
        let counts = match unit {
            whittle_engine::progress::Unit::Bytes => "{bytes}/{total_bytes}",
            whittle_engine::progress::Unit::Items => "{human_pos}/{human_len}",
        };
        b.set_length(total);
        b.set_position(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{spinner}} {{msg}} {{bar:30}} {counts} ({{eta}})"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.set_message(what.to_string());
        b.enable_steady_tick(std::time::Duration::from_millis(120));
    }
    fn advance(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }
}
