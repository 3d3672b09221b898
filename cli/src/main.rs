//! `whittle`: least-privilege engine for cloud entitlements. This binary parses arguments, calls
//! the engine, hands results to `render` (stdout) and `diagnostics` (stderr) and maps them to an
//! exit code.

mod cli;
mod commands;
mod delivery;
mod diagnostics;
mod progress;
mod render;
mod webhook;

use clap::Parser;
use std::process::ExitCode;

/// Exit codes (documented in docs/cli.md).
pub(crate) mod exit {
    /// Nothing at or above the threshold.
    pub const CLEAN: u8 = 0;
    /// Findings at or above `--fail-on`; for `ingest`, something was skipped.
    pub const FINDINGS: u8 = 1;
    /// Usage or input error.
    pub const INPUT_ERROR: u8 = 2;
}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let code = match commands::run(args) {
        Ok(code) => code,
        Err(e) => diagnostics::fatal(&e),
    };
    ExitCode::from(code)
}
