//! One function per command: call the engine, hand the result to `output`, return the exit code.

mod catalog;
mod check;
mod docs;
mod events;
mod explain;
mod generate;
mod ingest;
mod inventory;
mod recommend;
mod report;
mod rules;
mod simulate;
mod usage;
mod watch;

use crate::cli::{Cli, Command};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> miette::Result<u8> {
    crate::render::set_output(cli.output.clone(), cli.color);
    crate::diagnostics::set_color(cli.color);
    match cli.command {
        Command::Simulate(a) => simulate::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Catalog(c) => catalog::run(c),
        Command::Inventory(a) => inventory::run(a),
        Command::Ingest(a) => ingest::run(a),
        Command::Usage(c) => usage::run(c),
        Command::Events(a) => events::run(a),
        Command::Rules(c) => rules::run(c),
        Command::Check(a) => check::run(a),
        Command::Watch(a) => watch::run(a),
        Command::Recommend(a) => recommend::run(a),
        Command::Report(a) => report::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man => docs::man(),
    }
}
