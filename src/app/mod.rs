//! The application core between the front ends (CLI, plain chat, TUI, daemon) and the domain
//! (engine, memory, sessions): the composition root, the one turn pipeline, and memory writes.

pub mod chat;
pub mod conversation;
pub mod writes;

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::config::Config;
use crate::engine::{Engine, EngineSettings, EngineSpec};
use crate::memory::embed::Embedder;
use crate::memory::location::StoreLocation;
use crate::memory::service::MemoryService;
use crate::memory::store::MemoryStore;
use crate::models::Catalog;
use crate::paths::Paths;
use crate::session::SessionStore;

/// The command line's choices of engine, over the config's.
#[derive(Debug, Clone, Default)]
pub struct EngineChoice {
    pub backend: Option<crate::config::Backend>,
    /// A fetched model's name or a GGUF path; with a model server, the server's model name.
    pub model: Option<String>,
    pub attention: Option<crate::engine::Attention>,
}

/// What every front end shares: where things are and the config.
pub struct App {
    pub paths: Paths,
    pub config: Config,
    _log: Option<tracing_appender::non_blocking::WorkerGuard>,
}

impl App {
    /// Resolves paths, creates the private data dir, starts logging and loads the config.
    pub fn load(data_dir: Option<PathBuf>, config: Option<PathBuf>, process: &str) -> Result<Self> {
        let (paths, log) = Self::prepare(data_dir, config, process)?;
        let config = Config::load_or_create(&paths.config_file)?;
        Ok(Self {
            paths,
            config,
            _log: log,
        })
    }

    pub fn prepare(
        data_dir: Option<PathBuf>,
        config: Option<PathBuf>,
        process: &str,
    ) -> Result<(Paths, Option<tracing_appender::non_blocking::WorkerGuard>)> {
        let paths = Paths::resolve(data_dir, config)?;
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
        self.engine_settings_with(model, None)
    }

    /// Engine settings with the attention strategy chosen on the command line, if any.
    pub fn engine_settings_with(
        &self,
        model: Option<&str>,
        attention: Option<crate::engine::Attention>,
    ) -> Result<EngineSettings> {
        Ok(EngineSettings::for_config(
            &self.catalog(),
            &self.config,
            model,
            attention,
        )?)
    }

    /// Where the memory table is: the data dir, or object storage (`[memory] uri`).
    pub fn memory_location(&self) -> StoreLocation {
        StoreLocation::for_config(&self.config.memory, self.paths.memory_dir())
    }

    /// Opens the memory store and loads the embedder (once per process).
    pub async fn memory(&self) -> Result<MemoryService> {
        let store = MemoryStore::open(&self.memory_location()).await?;
        let catalog = self.catalog();
        let embedder = tokio::task::spawn_blocking(move || Embedder::load(&catalog)).await??;
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
        let options = crate::daemon::lifecycle::StartOptions::default();
        let started = crate::daemon::lifecycle::ensure_running(&self.paths, &options).await?;
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

    /// Loads the chat model (seconds) or connects to the model server; errors are one clear line.
    pub async fn load_engine(&self, choice: &EngineChoice) -> Result<Engine> {
        let spec = EngineSpec::from_config(
            &self.catalog(),
            &self.config,
            choice.backend,
            choice.model.as_deref(),
            choice.attention,
        )?;
        Ok(Engine::start(spec).await?)
    }

    /// What to tell the user about `choice` before the engine starts (see `EngineSpec::notice`).
    pub fn engine_notice(&self, choice: &EngineChoice) -> Option<String> {
        EngineSpec::notice(&self.config, choice.backend, choice.attention)
    }
}

/// What the user is told when the memory daemon cannot start.
pub fn daemon_unavailable(e: &anyhow::Error) -> String {
    format!(
        "the memory daemon could not start ({e:#}); carrying on, your turns are saved and will be remembered later"
    )
}
