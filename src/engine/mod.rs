//! The local model engine: one thread owns llama.cpp's model and context; everyone else talks to it over channels.

pub mod attention;
mod backend;
pub mod openai;
pub mod prompt;
pub mod sampling;
mod sse;
pub mod utf8;
pub mod window;
mod worker;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use serde::Serialize;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

pub use crate::domain::{Attention, Role, StopReason, TurnStats};
pub use backend::{backend as backend_handle, simd_paths, system_info};
pub use prompt::neutralise_markup;
pub use sampling::SamplingParams;

use crate::models::ChatModel;

/// How to load a model.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineSettings {
    pub model: ChatModel,
    /// A built-in template name that overrides the model's own (from the config).
    pub template_override: Option<String>,
    pub context_size: u32,
    /// 0 uses every core.
    pub threads: u32,
    pub batch_size: u32,
    pub attention: Attention,
}

impl EngineSettings {
    /// Settings from the config, with an optional model chosen on the command line.
    pub fn from_config(
        catalog: &crate::models::Catalog,
        config: &crate::config::ModelConfig,
        model: Option<&str>,
    ) -> Result<Self, crate::models::ModelError> {
        Ok(Self {
            model: catalog.resolve_chat(model.unwrap_or(&config.chat))?,
            template_override: Some(config.template.clone()).filter(|t| !t.is_empty()),
            context_size: config.context_size,
            threads: config.threads,
            batch_size: config.batch_size,
            attention: Attention::default(),
        })
    }

    /// `from_config` with the config's attention strategy, or `attention` chosen over it.
    pub fn for_config(
        catalog: &crate::models::Catalog,
        config: &crate::config::Config,
        model: Option<&str>,
        attention: Option<Attention>,
    ) -> Result<Self, crate::models::ModelError> {
        let mut settings = Self::from_config(catalog, &config.model, model)?;
        settings.attention = attention.unwrap_or(config.attention.strategy);
        Ok(settings)
    }

    /// CPU threads to use: the configured number, or every core for 0.
    pub fn resolved_threads(&self) -> u32 {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()) as u32,
            n => n,
        }
    }

    /// llama.cpp context parameters for these settings (windowed layers get a window-sized cache).
    pub fn context_params(&self) -> llama_cpp_2::context::params::LlamaContextParams {
        let threads = self.resolved_threads() as i32;
        llama_cpp_2::context::params::LlamaContextParams::default()
            .with_n_ctx(std::num::NonZeroU32::new(
                self.attention.context_size(self.context_size),
            ))
            .with_n_batch(self.batch_size)
            .with_n_ubatch(self.batch_size)
            .with_n_threads(threads)
            .with_n_threads_batch(threads)
            .with_swa_full(window::full_swa_cache(self.attention.sliding().is_some()))
    }
}

/// One message of a conversation as the model sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }
}

/// A request for one reply.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    /// The whole conversation, oldest first, ending with the user's new message.
    pub messages: Vec<ChatMessage>,
    pub sampling: SamplingParams,
    pub max_tokens: u32,
    /// Cancelling stops generation within one decode step.
    pub cancel: CancellationToken,
    /// Keep decoding past end of turn until `max_tokens` (benchmarks compare equal work).
    pub ignore_end_of_turn: bool,
}

/// What the engine reports while it answers.
#[derive(Debug, Clone, PartialEq)]
pub enum GenerationEvent {
    /// Prompt tokens decoded so far, for a progress indicator.
    Prefill { done: usize, total: usize },
    /// A piece of the reply: always whole UTF-8 characters.
    Piece(String),
    /// The reply is complete (or was stopped).
    Finished(Completion),
    /// The request failed; the conversation is unchanged.
    Failed(EngineError),
}

/// A finished reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub text: String,
    pub stop: StopReason,
    pub stats: TurnStats,
}

/// Which engine to start: llama.cpp here, or a model server.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineSpec {
    Local(EngineSettings),
    OpenAi(openai::OpenAiSettings),
}

impl EngineSpec {
    /// The engine the config asks for, with command-line choices over it; a server's URL, model
    /// and key come from the environment as `OpenAiSettings::resolve` says.
    pub fn from_config(
        catalog: &crate::models::Catalog,
        config: &crate::config::Config,
        backend: Option<crate::config::Backend>,
        model: Option<&str>,
        attention: Option<Attention>,
    ) -> Result<Self, crate::models::ModelError> {
        Ok(match backend.unwrap_or(config.model.backend) {
            crate::config::Backend::Local => EngineSpec::Local(EngineSettings::for_config(
                catalog, config, model, attention,
            )?),
            crate::config::Backend::OpenAi => EngineSpec::OpenAi(openai::OpenAiSettings::resolve(
                &config.model,
                |name| std::env::var(name).ok(),
                model,
            )),
        })
    }

    /// What the user should know before it starts: an attention strategy set for a model
    /// server does nothing (the server decides how its model attends).
    pub fn notice(
        config: &crate::config::Config,
        backend: Option<crate::config::Backend>,
        attention: Option<Attention>,
    ) -> Option<String> {
        let remote = backend.unwrap_or(config.model.backend) == crate::config::Backend::OpenAi;
        let strategy = attention.unwrap_or(config.attention.strategy);
        (remote && strategy != Attention::Full).then(|| {
            format!(
                "attention strategy `{strategy}` applies only to the local backend; the model server decides its own attention"
            )
        })
    }
}

/// Facts about the loaded model.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    pub name: String,
    /// The GGUF file (local backend; empty for a server).
    pub path: PathBuf,
    /// `local` or `openai`.
    pub backend: String,
    /// The server's base URL (openai backend).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub architecture: String,
    pub description: String,
    pub layers: u32,
    pub train_context: u32,
    /// Tokens the model sees at once: the context, or a sliding window's sinks and window.
    pub context_size: u32,
    /// `model` when the file's own template is used, else the built-in name.
    pub template: String,
    /// The window its layers attend within (its own, or `window:W`); 0 when none.
    pub sliding_window: u32,
    /// The model's own sliding-window size, 0 when it has none.
    pub native_sliding_window: u32,
    /// The attention strategy it was loaded with.
    pub attention: String,
    pub size_bytes: u64,
    pub parameters: u64,
}

/// Why the engine could not do what was asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error("model file {0} does not exist")]
    MissingModel(PathBuf),
    #[error(
        "llama.cpp could not load {path}: the file is corrupt, truncated or not a supported GGUF model"
    )]
    LoadFailed { path: PathBuf },
    #[error("could not create a llama.cpp context of {context} tokens: {reason}")]
    Context { context: u32, reason: String },
    #[error("{0}")]
    Template(String),
    #[error(
        "the message is {tokens} tokens but the context holds {context}: shorten it or raise model.context_size"
    )]
    PromptTooLong { tokens: usize, context: usize },
    #[error("llama.cpp failed: {0}")]
    Llama(String),
    /// The model server could not be reached, refused, failed, or sent something unreadable.
    #[error("{0}")]
    Server(String),
    #[error("the engine thread has stopped")]
    Stopped,
}

enum Command {
    Generate(Box<GenerateRequest>, UnboundedSender<GenerationEvent>),
    SaveState(PathBuf, oneshot::Sender<Result<usize, EngineError>>),
    LoadState(PathBuf, oneshot::Sender<Result<usize, EngineError>>),
    Tokenize(String, oneshot::Sender<usize>),
    Reset,
}

/// A handle to the engine: the thread that owns llama.cpp (dropping the handle stops it), or a
/// model server's client.
pub struct Engine {
    inner: Inner,
    info: ModelInfo,
}

enum Inner {
    Local {
        commands: Option<mpsc::Sender<Command>>,
        thread: Option<JoinHandle<()>>,
    },
    Remote(std::sync::Arc<openai::OpenAiClient>),
}

impl Engine {
    /// Loads the model on a new thread and waits until it is ready.
    pub fn load(settings: EngineSettings) -> Result<Self, EngineError> {
        if !settings.model.path.is_file() {
            return Err(EngineError::MissingModel(settings.model.path.clone()));
        }
        let (commands, inbox) = mpsc::channel();
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("mneme-engine".into())
            .spawn(move || worker::run(settings, inbox, ready_tx))
            .map_err(|e| EngineError::Llama(e.to_string()))?;
        match ready_rx.recv() {
            Ok(Ok(info)) => Ok(Self {
                inner: Inner::Local {
                    commands: Some(commands),
                    thread: Some(thread),
                },
                info,
            }),
            Ok(Err(err)) => {
                let _ = thread.join();
                Err(err)
            }
            Err(_) => {
                let _ = thread.join();
                Err(EngineError::Stopped)
            }
        }
    }

    /// Connects to a model server (checking that it answers and serves the model).
    pub async fn connect(settings: openai::OpenAiSettings) -> Result<Self, EngineError> {
        let (client, info) = openai::OpenAiClient::connect(settings).await?;
        Ok(Self {
            inner: Inner::Remote(std::sync::Arc::new(client)),
            info,
        })
    }

    /// Starts the engine `spec` names.
    pub async fn start(spec: EngineSpec) -> Result<Self, EngineError> {
        match spec {
            EngineSpec::Local(settings) => Self::spawn(settings).await,
            EngineSpec::OpenAi(settings) => Self::connect(settings).await,
        }
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The KV cache lives here and can be saved and restored (the local backend).
    pub fn keeps_state(&self) -> bool {
        matches!(self.inner, Inner::Local { .. })
    }

    fn send(&self, command: Command) -> Result<(), EngineError> {
        match &self.inner {
            Inner::Local { commands, .. } => commands
                .as_ref()
                .ok_or(EngineError::Stopped)?
                .send(command)
                .map_err(|_| EngineError::Stopped),
            Inner::Remote(_) => Err(EngineError::Server(
                "a model server keeps no cache mneme can save or load".into(),
            )),
        }
    }

    /// Starts a reply; events arrive on the returned receiver, ending with `Finished` or `Failed`.
    /// With a model server this must be called within a tokio runtime.
    pub fn generate(&self, request: GenerateRequest) -> UnboundedReceiver<GenerationEvent> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        if let Inner::Remote(client) = &self.inner {
            let client = client.clone();
            tokio::spawn(async move { client.generate(request, tx).await });
            return rx;
        }
        if self
            .send(Command::Generate(Box::new(request), tx.clone()))
            .is_err()
        {
            let _ = tx.send(GenerationEvent::Failed(EngineError::Stopped));
        }
        rx
    }

    /// Generates a whole reply, calling `on_piece` for each piece as it streams.
    pub fn generate_blocking(
        &self,
        request: GenerateRequest,
        mut on_piece: impl FnMut(&str),
    ) -> Result<Completion, EngineError> {
        let mut events = self.generate(request);
        while let Some(event) = events.blocking_recv() {
            match event {
                GenerationEvent::Piece(piece) => on_piece(&piece),
                GenerationEvent::Prefill { .. } => {}
                GenerationEvent::Finished(done) => return Ok(done),
                GenerationEvent::Failed(e) => return Err(e),
            }
        }
        Err(EngineError::Stopped)
    }

    /// Generates a whole reply without streaming it (async callers: consolidation, benches).
    pub async fn complete(&self, request: GenerateRequest) -> Result<Completion, EngineError> {
        let mut events = self.generate(request);
        while let Some(event) = events.recv().await {
            match event {
                GenerationEvent::Finished(done) => return Ok(done),
                GenerationEvent::Failed(e) => return Err(e),
                GenerationEvent::Piece(_) | GenerationEvent::Prefill { .. } => {}
            }
        }
        Err(EngineError::Stopped)
    }

    /// Loads the model on its thread without blocking the async runtime.
    pub async fn spawn(settings: EngineSettings) -> Result<Self, EngineError> {
        tokio::task::spawn_blocking(move || Self::load(settings))
            .await
            .map_err(|_| EngineError::Stopped)?
    }

    /// Saves the KV cache and its tokens to `path` (atomically).
    pub async fn save_state(&self, path: &Path) -> Result<usize, EngineError> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::SaveState(path.to_path_buf(), tx))?;
        rx.await.map_err(|_| EngineError::Stopped)?
    }

    /// Restores a KV cache saved by `save_state`; returns the number of cached tokens.
    pub async fn load_state(&self, path: &Path) -> Result<usize, EngineError> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::LoadState(path.to_path_buf(), tx))?;
        rx.await.map_err(|_| EngineError::Stopped)?
    }

    /// Counts the tokens of `text` with the model's tokenizer (about, for a model server).
    pub async fn count_tokens(&self, text: &str) -> Result<usize, EngineError> {
        if !self.keeps_state() {
            return Ok(openai::estimate_tokens(text));
        }
        let (tx, rx) = oneshot::channel();
        self.send(Command::Tokenize(text.to_string(), tx))?;
        rx.await.map_err(|_| EngineError::Stopped)
    }

    /// Empties the KV cache (nothing to do for a model server).
    pub fn reset(&self) -> Result<(), EngineError> {
        if !self.keeps_state() {
            return Ok(());
        }
        self.send(Command::Reset)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Inner::Local { commands, thread } = &mut self.inner {
            commands.take();
            if let Some(thread) = thread.take() {
                let _ = thread.join();
            }
        }
    }
}
