//! The command line: global options, subcommands, and the shared set-up every command needs.

mod ask;
mod bench;
mod chat;
mod daemon;
mod doctor;
mod import;
mod memory;
mod models;
mod sessions;
pub mod writes;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::engine::{Engine, EngineSettings};
use crate::memory::embed::Embedder;
use crate::memory::service::MemoryService;
use crate::memory::store::MemoryStore;
use crate::models::Catalog;
use crate::paths::{DATA_DIR_ENV, Paths};
use crate::session::SessionStore;

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
    /// Import past conversations into sessions and memory.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Run, start, stop or ask about the background memory daemon.
    #[command(subcommand)]
    Daemon(daemon::DaemonCommand),
    /// Summarise a day into memory now (the daemon does this nightly).
    Consolidate(daemon::ConsolidateArgs),
    /// Check that models, runtime and data dir are in order.
    Doctor,
    /// Measure performance; prints machine-readable results.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// What every command shares: where things are and the config.
pub struct App {
    pub paths: Paths,
    pub config: Config,
    _log: Option<tracing_appender::non_blocking::WorkerGuard>,
}

impl App {
    /// Resolves paths, creates the private data dir, starts logging and loads the config.
    pub fn load(cli: &Cli, process: &str) -> Result<Self> {
        let (paths, log) = Self::prepare(cli, process)?;
        let config = Config::load_or_create(&paths.config_file)?;
        Ok(Self {
            paths,
            config,
            _log: log,
        })
    }

    fn prepare(
        cli: &Cli,
        process: &str,
    ) -> Result<(Paths, Option<tracing_appender::non_blocking::WorkerGuard>)> {
        let paths = Paths::resolve(cli.data_dir.clone(), cli.config.clone())?;
        paths
            .ensure_data_dir()
            .with_context(|| format!("cannot create the data dir {}", paths.data_dir.display()))?;
        let log = crate::logging::init(&paths.log_dir(), process);
        tracing::info!(data_dir = %paths.data_dir.display(), "mneme {} {process}", env!("CARGO_PKG_VERSION"));
        Ok((paths, log))
    }

    pub fn catalog(&self) -> Catalog {
        Catalog::new(&self.paths.models_dir)
    }

    pub fn sessions(&self) -> SessionStore {
        SessionStore::new(self.paths.sessions_dir())
    }

    /// Engine settings from the config, with an optional model chosen on the command line.
    pub fn engine_settings(&self, model: Option<&str>) -> Result<EngineSettings> {
        let mut settings = EngineSettings::from_config(&self.catalog(), &self.config.model, model)?;
        settings.attention = self.config.attention.strategy;
        Ok(settings)
    }

    /// Engine settings with the attention strategy chosen on the command line, if any.
    pub fn engine_settings_with(
        &self,
        model: Option<&str>,
        attention: Option<crate::engine::Attention>,
    ) -> Result<EngineSettings> {
        let mut settings = self.engine_settings(model)?;
        if let Some(attention) = attention {
            settings.attention = attention;
        }
        Ok(settings)
    }

    /// Opens the memory store and loads the embedder (once per process).
    pub async fn memory(&self) -> Result<MemoryService> {
        let store = MemoryStore::open(&self.paths.memory_dir()).await?;
        let catalog = self.catalog();
        let embedder = tokio::task::block_in_place(|| Embedder::load(&catalog))?;
        Ok(MemoryService::new(store, embedder))
    }

    /// The session a command continues: by id, the most recent (`resume`), or a new one.
    pub fn pick_session(&self, id: Option<&str>, resume: bool) -> Result<crate::session::Session> {
        let store = self.sessions();
        Ok(match (id, resume) {
            (Some(id), _) => store.open(id)?,
            (None, true) => store
                .latest()?
                .context("there is no conversation to resume")?,
            (None, false) => store.create()?,
        })
    }

    /// Starts the memory daemon if the config allows and none runs; `Ok(None)` when autostart is off.
    pub async fn start_daemon(&self) -> Result<Option<crate::daemon::lifecycle::Started>> {
        if !self.config.daemon.autostart {
            return Ok(None);
        }
        let paths = self.paths.clone();
        let options = crate::daemon::lifecycle::StartOptions::default();
        let started = tokio::task::spawn_blocking(move || {
            crate::daemon::lifecycle::ensure_running(&paths, &options)
        })
        .await??;
        Ok(Some(started))
    }

    /// `start_daemon` for a command line: a failure is reported on stderr and is not fatal, since
    /// transcripts are the daemon's queue and it catches up whenever it next runs.
    pub async fn ensure_daemon(&self) -> Option<crate::daemon::lifecycle::Started> {
        self.start_daemon().await.unwrap_or_else(|e| {
            tracing::warn!("memory daemon unavailable: {e:#}");
            eprintln!("mneme: {}", daemon_unavailable(&e));
            None
        })
    }

    /// Loads the chat model (seconds); errors are one clear line.
    pub fn load_engine(
        &self,
        model: Option<&str>,
        attention: Option<crate::engine::Attention>,
    ) -> Result<Engine> {
        Ok(Engine::load(self.engine_settings_with(model, attention)?)?)
    }
}

/// What the user is told when the memory daemon cannot start.
pub fn daemon_unavailable(e: &anyhow::Error) -> String {
    format!(
        "the memory daemon could not start ({e:#}); carrying on, your turns are saved and will be remembered later"
    )
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<std::process::ExitCode> {
    match &cli.command {
        None => chat::run(&cli, &chat::ChatArgs::default()).await,
        Some(Command::Chat(args)) => chat::run(&cli, args).await,
        Some(Command::Ask(args)) => ask::run(&cli, args).await,
        Some(Command::Sessions(cmd)) => sessions::run(&cli, cmd),
        Some(Command::Models(cmd)) => models::run(&cli, cmd),
        Some(Command::Memory(cmd)) => memory::run(&cli, cmd).await,
        Some(Command::Import(cmd)) => import::run(&cli, cmd).await,
        Some(Command::Daemon(cmd)) => daemon::run(&cli, cmd).await,
        Some(Command::Consolidate(args)) => daemon::consolidate(&cli, args).await,
        Some(Command::Doctor) => doctor::run(&cli).await,
        Some(Command::Bench(cmd)) => bench::run(&cli, cmd).await,
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}
