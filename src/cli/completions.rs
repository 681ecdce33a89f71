//! Shell completions and man pages, generated from the clap model. The copies
//! committed under `completions/` and `man/` come from [`generated_files`];
//! a test fails when they are stale.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

/// `koncert-sf completions <SHELL>`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example: koncert-sf completions bash > ~/.local/share/bash-completion/completions/koncert-sf"
)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `koncert-sf generate-docs --out-dir DIR`.
#[derive(Debug, Args)]
pub struct GenerateDocsArgs {
    /// Directory that receives `completions/` and `man/`
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
}

/// A file generated from the command-line model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the repository root, e.g. `man/koncert-sf-sandbox.1`.
    pub path: PathBuf,
    pub contents: Vec<u8>,
}

const SHELLS: &[(Shell, &str)] = &[
    (Shell::Bash, "koncert-sf.bash"),
    (Shell::Zsh, "_koncert-sf"),
    (Shell::Fish, "koncert-sf.fish"),
    (Shell::PowerShell, "_koncert-sf.ps1"),
    (Shell::Elvish, "koncert-sf.elv"),
];

fn completion(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "koncert-sf", &mut out);
    out
}

/// Every completion script and man page (one per visible subcommand).
pub fn generated_files() -> anyhow::Result<Vec<GeneratedFile>> {
    let mut files: Vec<GeneratedFile> = SHELLS
        .iter()
        .map(|(shell, name)| GeneratedFile {
            path: Path::new("completions").join(name),
            contents: completion(*shell),
        })
        .collect();

    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    man_pages(&root, &mut files)?;
    Ok(files)
}

fn man_pages(cmd: &clap::Command, files: &mut Vec<GeneratedFile>) -> anyhow::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub, files)?;
    }
    let man = clap_mangen::Man::new(cmd.clone());
    let mut contents = Vec::new();
    man.render(&mut contents)
        .context("cannot render a man page")?;
    files.push(GeneratedFile {
        path: Path::new("man").join(man.get_filename()),
        contents,
    });
    Ok(())
}

/// Prints one completion script to stdout.
pub fn run(args: &CompletionsArgs) -> anyhow::Result<()> {
    std::io::stdout()
        .write_all(&completion(args.shell))
        .context("cannot write to stdout")
}

/// Writes every generated file under `out_dir`.
pub fn generate_docs(args: &GenerateDocsArgs) -> anyhow::Result<()> {
    for file in generated_files()? {
        let path = args.out_dir.join(&file.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        std::fs::write(&path, &file.contents)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(())
}
