//! One turn of a chat, the same for every front end (`ask`, the plain chat, the TUI): recall →
//! record the recall → save the question → generate (streamed, cancellable) → save the reply or
//! the partial → let the daemon ingest. Front ends only render `TurnEvent`s and the outcome.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::App;
use super::conversation::Conversation;
use super::writes;
use crate::daemon::writes::WriteOp;
use crate::domain::{Recall, Recalled, Turn};
use crate::engine::{
    Completion, Engine, EngineError, GenerateRequest, GenerationEvent, SamplingParams,
};
use crate::memory::recall::{RecallContext, RecallLimits};
use crate::memory::service::MemoryService;
use crate::session::{Session, SessionError};

/// How long a turn that waits for memory writes gives the daemon before leaving them to it.
const WRITE_WAIT: Duration = Duration::from_secs(10);

/// How long a background memory write may take.
const BACKGROUND_WRITE_WAIT: Duration = Duration::from_secs(30);

/// A failed memory load is tried again on a use at least this long after it.
const RELOAD_MEMORY_AFTER: Duration = Duration::from_secs(15);

/// The memory service, loaded on first use and shared. A load that failed (object storage
/// offline, a locked or damaged database) is tried again on a later use, so a long chat gets its
/// memory back once the store is back.
#[derive(Clone, Default)]
pub struct SharedMemory(Arc<tokio::sync::Mutex<MemorySlot>>);

#[derive(Default)]
struct MemorySlot {
    loaded: Option<Arc<MemoryService>>,
    failed: Option<(std::time::Instant, String)>,
}

impl SharedMemory {
    /// The memory service, or why it cannot load.
    pub async fn get(&self, app: &App) -> Result<Arc<MemoryService>, String> {
        let mut slot = self.0.lock().await;
        if let Some(memory) = &slot.loaded {
            return Ok(memory.clone());
        }
        if let Some((at, why)) = &slot.failed
            && at.elapsed() < RELOAD_MEMORY_AFTER
        {
            return Err(why.clone());
        }
        match app.memory().await {
            Ok(memory) => {
                let memory = Arc::new(memory);
                slot.loaded = Some(memory.clone());
                slot.failed = None;
                Ok(memory)
            }
            Err(e) => {
                let why = format!("{e:#}");
                tracing::warn!("memory unavailable: {why}");
                slot.failed = Some((std::time::Instant::now(), why.clone()));
                Err(why)
            }
        }
    }
}

/// Gets the memory service, loading it on first use; `None` (with the reason logged) when it
/// cannot load.
pub async fn shared_memory(app: &App, cell: &SharedMemory) -> Option<Arc<MemoryService>> {
    cell.get(app).await.ok()
}

/// How one turn runs.
#[derive(Debug, Clone)]
pub struct TurnOptions {
    pub sampling: SamplingParams,
    pub max_tokens: u32,
    /// Recall memories into the prompt.
    pub recall: bool,
    /// Cancelling stops generation; the partial reply is saved, marked interrupted.
    pub cancel: CancellationToken,
    /// Wait (a bounded time) for the recall record and the ingest before returning, for a process
    /// that exits right after; otherwise they finish in the background.
    pub wait_for_memory: bool,
}

impl TurnOptions {
    /// The config's sampling and reply length, recall as configured.
    pub fn from_config(app: &App) -> Self {
        Self {
            sampling: SamplingParams::from_config(&app.config.generation),
            max_tokens: app.config.generation.max_tokens.max(1),
            recall: app.config.memory.recall,
            cancel: CancellationToken::new(),
            wait_for_memory: false,
        }
    }
}

/// What a front end sees of a turn while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnEvent {
    /// Something went wrong that the turn carries on without (memory unavailable, recall failed).
    Notice(String),
    /// The memories recalled into this turn's prompt (possibly none).
    Recalled(Vec<Recalled>),
    /// Prompt tokens read so far.
    Prefill { done: usize, total: usize },
    /// A piece of the reply (whole characters).
    Piece(String),
}

/// A finished turn: both turns as saved.
#[derive(Debug, Clone)]
pub struct TurnOutcome {
    pub user_turn: Turn,
    pub reply_turn: Turn,
    pub completion: Completion,
}

/// Why a turn failed. Whatever was saved before the failure stays saved.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    #[error("no conversation is open")]
    NoConversation,
    #[error("could not save your message: {0}")]
    SaveQuestion(#[source] SessionError),
    /// Generation failed; what streamed before it is saved as an interrupted reply.
    #[error("{error} (your question was saved in session {session})")]
    Engine { error: EngineError, session: String },
    #[error("could not save the reply: {0}")]
    SaveReply(#[source] SessionError),
}

/// The conversation a chat starts in.
#[derive(Debug)]
pub enum Opening {
    /// A saved conversation (new, resumed or picked).
    Saved(Session),
    /// An incognito one: nothing of it is saved (`Chat::open_incognito`).
    Incognito,
}

/// How `Chat::open` got the model ready.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Readiness {
    /// The saved KV cache held this many tokens.
    Restored(usize),
    /// The history was read back now.
    Reread,
    /// Nothing to do (an empty conversation), or left for the first turn.
    Deferred,
}

/// The chat model plus the open conversation: every turn of every front end goes through here.
pub struct Chat {
    app: Arc<App>,
    engine: Engine,
    memory: SharedMemory,
    conversation: Option<Conversation>,
}

impl Chat {
    pub fn new(app: Arc<App>, engine: Engine, memory: SharedMemory) -> Self {
        Self {
            app,
            engine,
            memory,
            conversation: None,
        }
    }

    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether the open conversation is incognito (nothing of it is saved).
    pub fn incognito(&self) -> bool {
        self.conversation.as_ref().is_some_and(|c| c.incognito)
    }

    /// The memory service this chat recalls from, loaded on first use.
    pub fn memory(&self) -> SharedMemory {
        self.memory.clone()
    }

    /// The open conversation, if any.
    pub fn session(&self) -> Option<&Session> {
        self.conversation.as_ref().map(|c| &c.session)
    }

    /// Opens `session` and restores its saved KV cache when it fits this model. With `reread`, a
    /// conversation whose cache cannot be restored is read back now (reporting progress), so its
    /// next reply starts quickly.
    pub async fn open(
        &mut self,
        session: Session,
        reread: bool,
        mut on_progress: impl FnMut(usize, usize),
    ) -> Result<Readiness, EngineError> {
        let conversation = Conversation::new(
            self.engine.info(),
            self.app.sessions(),
            session,
            &self.app.config.generation.system_prompt,
        );
        let restored = conversation.restore_cache(&self.engine).await;
        if let Some(tokens) = restored {
            self.conversation = Some(conversation);
            return Ok(Readiness::Restored(tokens));
        }
        // A model server reads the history with the next question; nothing can be kept here.
        if !reread || conversation.session.turns.is_empty() || !self.engine.keeps_state() {
            self.conversation = Some(conversation);
            return Ok(Readiness::Deferred);
        }
        let request = GenerateRequest {
            messages: conversation.messages(),
            sampling: SamplingParams::greedy(),
            max_tokens: 0,
            cancel: CancellationToken::new(),
            ignore_end_of_turn: false,
        };
        self.conversation = Some(conversation);
        let mut events = self.engine.generate(request);
        while let Some(event) = events.recv().await {
            match event {
                GenerationEvent::Prefill { done, total } => on_progress(done, total),
                GenerationEvent::Finished(_) => return Ok(Readiness::Reread),
                GenerationEvent::Failed(e) => return Err(e),
                GenerationEvent::Piece(_) => {}
            }
        }
        Err(EngineError::Stopped)
    }

    /// Starts an incognito conversation: it recalls memories but nothing of it is written (no
    /// transcript, no memory, no KV state); it ends when another conversation is opened.
    pub fn open_incognito(&mut self) -> Session {
        let session = Session::unsaved("incognito");
        let mut conversation = Conversation::new(
            self.engine.info(),
            self.app.sessions(),
            session.clone(),
            &self.app.config.generation.system_prompt,
        );
        conversation.incognito = true;
        self.conversation = Some(conversation);
        session
    }

    /// Runs one turn: the user says `text`, the model answers. Events stream to `on_event`.
    pub async fn turn(
        &mut self,
        text: &str,
        options: TurnOptions,
        mut on_event: impl FnMut(TurnEvent),
    ) -> Result<TurnOutcome, TurnError> {
        let conversation = self
            .conversation
            .as_mut()
            .ok_or(TurnError::NoConversation)?;
        let session_id = conversation.session.id().to_string();
        let incognito = conversation.incognito;
        let memory = match self.memory.get(&self.app).await {
            Ok(memory) => Some(memory),
            Err(why) => {
                on_event(TurnEvent::Notice(format!(
                    "memory is unavailable, answering without it: {why}"
                )));
                None
            }
        };
        let recall = match (&memory, options.recall) {
            (Some(memory), true) => {
                let reserve = self
                    .engine
                    .count_tokens(text)
                    .await
                    .unwrap_or(text.len() / 3)
                    + options.max_tokens as usize;
                let capacity = self.engine.info().context_size as usize;
                let evicted = conversation
                    .turns_out_of_context(&self.engine, capacity, reserve)
                    .await;
                let context = RecallContext {
                    session: Some(session_id.clone()),
                    in_context: crate::session::messages(&conversation.session)
                        .filter(|t| !evicted.contains(&t.id))
                        .map(|t| t.text.clone())
                        .collect(),
                    evicted,
                };
                recall(&self.app, memory, text, &context, &mut on_event).await
            }
            _ => None,
        };
        on_event(TurnEvent::Recalled(
            recall.as_ref().map(|r| r.items.clone()).unwrap_or_default(),
        ));
        // Incognito reads memories but leaves no trace, not even that they were recalled.
        if let Some(recall) = recall.as_ref().filter(|_| !incognito) {
            let op = WriteOp::RecordRecall {
                ids: recall.items.iter().map(|i| i.id.clone()).collect(),
                at: Utc::now(),
            };
            memory_write(&self.app, op, memory.clone(), options.wait_for_memory).await;
        }
        let user_turn = conversation
            .add_user_turn(text, recall)
            .map_err(TurnError::SaveQuestion)?;

        let request = GenerateRequest {
            messages: conversation.messages(),
            sampling: options.sampling,
            max_tokens: options.max_tokens.max(1),
            cancel: options.cancel,
            ignore_end_of_turn: false,
        };
        let mut events = self.engine.generate(request);
        let mut streamed = String::new();
        let generated = loop {
            match events.recv().await {
                Some(GenerationEvent::Prefill { done, total }) => {
                    on_event(TurnEvent::Prefill { done, total })
                }
                Some(GenerationEvent::Piece(piece)) => {
                    streamed.push_str(&piece);
                    on_event(TurnEvent::Piece(piece));
                }
                Some(GenerationEvent::Finished(done)) => break Ok(done),
                Some(GenerationEvent::Failed(e)) => break Err(e),
                None => break Err(EngineError::Stopped),
            }
        };
        let outcome = match generated {
            Ok(completion) => conversation
                .add_reply(&self.engine, &completion)
                .await
                .map(|reply_turn| TurnOutcome {
                    user_turn,
                    reply_turn,
                    completion,
                })
                .map_err(TurnError::SaveReply),
            Err(error) => {
                if let Err(e) = conversation.add_partial_reply(&streamed) {
                    tracing::error!("could not save the partial reply: {e}");
                }
                Err(TurnError::Engine {
                    error,
                    session: session_id.clone(),
                })
            }
        };
        // The daemon would notice the new turns within a second; asking makes it immediate.
        if memory.is_some() && !incognito {
            let op = WriteOp::Ingest {
                sessions: vec![session_id],
                complete: false,
            };
            memory_write(&self.app, op, memory, options.wait_for_memory).await;
        }
        outcome
    }
}

/// The memories for `text`, or `None` (reporting a failure as a notice).
async fn recall(
    app: &App,
    memory: &MemoryService,
    text: &str,
    context: &RecallContext,
    on_event: &mut impl FnMut(TurnEvent),
) -> Option<Recall> {
    let limits = RecallLimits::from_config(&app.config.memory);
    match memory.recall(text, context, limits).await {
        Ok(recall) => recall,
        Err(e) => {
            tracing::warn!("recall failed: {e}");
            on_event(TurnEvent::Notice(format!(
                "recall failed, answering without memories: {e}"
            )));
            None
        }
    }
}

/// Applies a memory write through the daemon (or directly), waiting a bounded time, or in the
/// background. A failure is logged: the daemon catches up from the transcripts.
async fn memory_write(app: &Arc<App>, op: WriteOp, memory: Option<Arc<MemoryService>>, wait: bool) {
    if wait {
        if let Err(e) = writes::send_within(app, op, Some(WRITE_WAIT), memory.as_deref()).await {
            tracing::warn!("memory write left to the daemon: {e:#}");
        }
        return;
    }
    let app = app.clone();
    tokio::spawn(async move {
        let wait = Some(BACKGROUND_WRITE_WAIT);
        if let Err(e) = writes::send_within(&app, op, wait, memory.as_deref()).await {
            tracing::warn!("memory write failed: {e:#}");
        }
    });
}
