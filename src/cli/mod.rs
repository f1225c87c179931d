//! The command line: global options, subcommands, and the shared set-up every command needs.

mod ask;
mod bench;
mod chat;
mod daemon;
mod doctor;
mod import;
mod mcp;
mod memory;
mod models;
mod recall;
pub mod screen;
mod sessions;
mod shell;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

pub use crate::app::App;
use crate::paths::DATA_DIR_ENV;

/// mneme: chat with a local model that remembers.
#[derive(Debug, Parser)]
#[command(name = "mneme", version, about, propagate_version = true)]
pub struct Cli {
    /// Data dir for sessions, memory and logs (default: the platform's data dir).
    #[arg(long, global = true, env = DATA_DIR_ENV, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Config file (default: DATA_DIR/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the chat (the default when no command is given).
    Chat(chat::ChatArgs),
    /// Ask one question and print the reply.
    Ask(ask::AskArgs),
    /// List, show, export, rename and delete conversations.
    #[command(subcommand)]
    Sessions(sessions::SessionsCommand),
    /// List, choose and fetch models.
    #[command(subcommand)]
    Models(models::ModelsCommand),
    /// See, search, add, edit, pin and delete memories.
    #[command(subcommand)]
    Memory(memory::MemoryCommand),
    /// Show what `ask` would recall for a question (items, scores, the quoted block).
    Recall(recall::RecallArgs),
    /// Import past conversations into sessions and memory.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Run, start, stop or ask about the background memory daemon.
    #[command(subcommand)]
    Daemon(daemon::DaemonCommand),
    /// Summarise a day into memory now (the daemon does this nightly).
    Consolidate(daemon::ConsolidateArgs),
    /// Serve memory to other AI tools over the Model Context Protocol on stdio.
    Mcp,
    /// Check that models, runtime and data dir are in order.
    Doctor,
    /// Measure performance; prints machine-readable results.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(shell::CompletionsArgs),
    /// Print the manual page (or write every page with --dir).
    Man(shell::ManArgs),
}

impl Cli {
    /// The application for this command line: paths, private data dir, logging and config.
    pub fn app(&self, process: &str) -> Result<App> {
        App::load(self.data_dir.clone(), self.config.clone(), process)
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<std::process::ExitCode> {
    match &cli.command {
        None => chat::run(&cli, &chat::ChatArgs::default()).await,
        Some(Command::Chat(args)) => chat::run(&cli, args).await,
        Some(Command::Ask(args)) => ask::run(&cli, args).await,
        Some(Command::Sessions(cmd)) => sessions::run(&cli, cmd).await,
        Some(Command::Models(cmd)) => models::run(&cli, cmd).await,
        Some(Command::Memory(cmd)) => memory::run(&cli, cmd).await,
        Some(Command::Import(cmd)) => import::run(&cli, cmd).await,
        Some(Command::Recall(args)) => recall::run(&cli, args).await,
        Some(Command::Daemon(cmd)) => daemon::run(&cli, cmd).await,
        Some(Command::Consolidate(args)) => daemon::consolidate(&cli, args).await,
        Some(Command::Mcp) => mcp::run(&cli).await,
        Some(Command::Doctor) => doctor::run(&cli).await,
        Some(Command::Bench(cmd)) => bench::run(&cli, cmd).await,
        Some(Command::Completions(args)) => shell::completions(args),
        Some(Command::Man(args)) => shell::man(args),
    }
}

/// An error as the one line the user sees: each cause once (a message that already quotes its
/// cause is not followed by it again), without the source paths some libraries put in messages.
pub fn error_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if text.is_empty() || parts.last().is_some_and(|outer| outer.contains(&text)) {
            continue;
        }
        parts.push(text);
    }
    without_build_paths(&parts.join(": "))
}

/// Drops words that are paths into the build machine's crate sources (`…/.cargo/registry/…`).
fn without_build_paths(text: &str) -> String {
    let is_build_path = |word: &str| {
        ["/.cargo/registry/", "/.cargo/git/", "/rustc/"]
            .iter()
            .any(|p| word.contains(p))
    };
    text.split(' ')
        .filter(|w| !is_build_path(w))
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ,", ",")
        .trim_end_matches([',', ' '])
        .to_string()
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    crate::outln!("{text}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every option and argument of every command says what it does in `--help`.
    #[test]
    fn every_flag_has_help_text() {
        use clap::CommandFactory;
        fn missing(command: &clap::Command, path: &str, out: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() {
                    out.push(format!("{path} --{id}"));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    out.push(format!("{path} {} (no description)", sub.get_name()));
                }
                missing(sub, &format!("{path} {}", sub.get_name()), out);
            }
        }
        let mut out = Vec::new();
        missing(&Cli::command(), "mneme", &mut out);
        assert!(out.is_empty(), "without help text: {out:#?}");
    }

    #[test]
    fn an_error_line_names_each_cause_once_and_no_build_paths() {
        #[derive(Debug, thiserror::Error)]
        #[error("memory database: {0}")]
        struct Outer(#[from] std::io::Error);
        let inner = std::io::Error::other(
            "commit conflict, /root/.cargo/registry/src/index-abc/lance-14.0.2/src/io/commit.rs:812:17",
        );
        let err = anyhow::Error::from(Outer(inner)).context("cannot forget");
        assert_eq!(
            error_line(&err),
            "cannot forget: memory database: commit conflict"
        );
    }
}
