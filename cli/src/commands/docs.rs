use crate::cli::{Cli, Shell};
use crate::{exit, render};
use clap::CommandFactory;

pub fn completions(shell: Shell) -> miette::Result<u8> {
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "whittle", &mut script);
    render::plain(&String::from_utf8_lossy(&script))?;
    Ok(exit::CLEAN)
}

pub fn man() -> miette::Result<u8> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| miette::miette!("cannot render the manual page: {e}"))?;
    render::plain(&String::from_utf8_lossy(&page))?;
    Ok(exit::CLEAN)
}
