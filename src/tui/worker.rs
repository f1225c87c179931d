//! The chat worker: a task that owns the engine and the open conversation, answers questions
//! (recall, save, stream, save) and opens conversations (restoring or re-reading the KV cache).

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio_util::sync::CancellationToken;

use super::state::Entry;
use super::update::Msg;
use crate::cli::App;
use crate::conversation::Conversation;
use crate::daemon::writes::WriteOp;
use crate::engine::{Engine, GenerateRequest, GenerationEvent, Role, SamplingParams};
use crate::memory::recall::RecallLimits;
use crate::memory::service::MemoryService;
use crate::session::{Session, SessionStore, one_line};

/// What the worker is asked to do.
pub enum ChatCommand {
    Ask {
        text: String,
        cancel: CancellationToken,
    },
    Open(String),
    New,
}

/// A resumed conversation older than this gets a "last time" note.
const LAST_TIME_AFTER: chrono::Duration = chrono::Duration::days(1);

/// Memory shared by the worker and the runner, loaded once in the background.
pub type SharedMemory = Arc<tokio::sync::OnceCell<Option<Arc<MemoryService>>>>;

/// Gets the memory service, loading it on first use; `None` when it cannot load.
pub async fn memory(app: &App, cell: &SharedMemory) -> Option<Arc<MemoryService>> {
    cell.get_or_init(|| async {
        match app.memory().await {
            Ok(m) => Some(Arc::new(m)),
            Err(e) => {
                tracing::warn!("memory unavailable in the chat: {e:#}");
                None
            }
        }
    })
    .await
    .clone()
}

pub struct Worker {
    pub app: Arc<App>,
    pub engine: Engine,
    pub store: SessionStore,
    pub session: Option<Session>,
    pub memory: SharedMemory,
    pub msgs: UnboundedSender<Msg>,
}

impl Worker {
    pub async fn run(mut self, mut commands: UnboundedReceiver<ChatCommand>) {
        let _ = self.msgs.send(Msg::ModelInfo {
            model: self.engine.info().name.clone(),
            context_size: self.engine.info().context_size as usize,
        });
        if let Some(session) = self.session.take() {
            self.open(session).await;
        }
        while let Some(command) = commands.recv().await {
            match command {
                ChatCommand::Ask { text, cancel } => self.ask(text, cancel).await,
                ChatCommand::Open(id) => match self.store.open(&id) {
                    Ok(session) => self.open(session).await,
                    Err(e) => self.error(format!("cannot open {id}: {e}")),
                },
                ChatCommand::New => match self.store.create() {
                    Ok(session) => self.open(session).await,
                    Err(e) => self.error(format!("cannot start a conversation: {e}")),
                },
            }
        }
    }

    fn error(&self, text: String) {
        let _ = self.msgs.send(Msg::Error(text));
    }

    /// Shows `session` and gets the model ready to continue it.
    async fn open(&mut self, session: Session) {
        let entries: Vec<Entry> = session
            .turns
            .iter()
            .filter(|t| t.role != Role::System)
            .map(|t| Entry {
                role: t.role,
                text: match &t.speaker {
                    Some(s) if t.role == Role::Other => format!("{s}: {}", t.text),
                    _ => t.text.clone(),
                },
                time: t.time,
                recalled: t
                    .recall
                    .as_ref()
                    .map(|r| r.items.clone())
                    .unwrap_or_default(),
                interrupted: t.interrupted,
                stats: t.stats.clone(),
            })
            .collect();
        let last_time = self.last_time(&session).await;
        let _ = self.msgs.send(Msg::Opened {
            session_id: session.id().to_string(),
            title: session.title(),
            entries,
            last_time,
        });
        let conversation = conversation(&self.engine, &self.store, &self.app, session);
        let restored = conversation.restore_cache();
        if restored.is_none() && !conversation.session.turns.is_empty() {
            // No valid saved cache: read the history back now, with progress, so the next reply is quick.
            let request = GenerateRequest {
                messages: conversation.messages(),
                sampling: SamplingParams::greedy(),
                max_tokens: 0,
                cancel: CancellationToken::new(),
            };
            let mut events = self.engine.generate(request);
            while let Some(event) = events.recv().await {
                match event {
                    GenerationEvent::Prefill { done, total } => {
                        let _ = self.msgs.send(Msg::Loading { done, total });
                    }
                    GenerationEvent::Finished(_) => break,
                    GenerationEvent::Failed(e) => {
                        self.error(format!("could not read the conversation back: {e}"));
                        break;
                    }
                    GenerationEvent::Piece(_) => {}
                }
            }
        }
        let _ = self.msgs.send(Msg::LoadingDone);
        self.session = Some(conversation.session);
    }

    /// "Last time…" for a conversation resumed after a day or more: its summary, else its last question.
    async fn last_time(&self, session: &Session) -> Option<String> {
        let last = session.turns.last()?;
        if Utc::now() - last.time < LAST_TIME_AFTER {
            return None;
        }
        let when = last
            .time
            .with_timezone(&chrono::Local)
            .format("%A %-d %B")
            .to_string();
        let summary =
            match crate::memory::store::MemoryStore::open(&self.app.paths.memory_dir()).await {
                Ok(store) => store
                    .latest_summary(session.id())
                    .await
                    .ok()
                    .flatten()
                    .map(|m| m.text),
                Err(_) => None,
            };
        Some(match summary {
            Some(text) => format!("Last time ({when}): {}", one_line(&text, 400)),
            None => {
                let question = session
                    .last_question()
                    .map(|t| one_line(&t.text, 160))
                    .unwrap_or_default();
                format!("Last time ({when}) you asked: {question}")
            }
        })
    }

    async fn ask(&mut self, text: String, cancel: CancellationToken) {
        let Some(session) = self.session.take() else {
            self.error("no conversation is open".into());
            return;
        };
        let app = self.app.clone();
        let memory = if app.config.memory.recall {
            memory(&app, &self.memory).await
        } else {
            None
        };
        let session_id = session.id().to_string();
        let recall = match &memory {
            Some(m) => {
                let limits = RecallLimits::from_config(&app.config.memory);
                m.recall(&text, Some(&session_id), limits)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!("recall failed: {e}");
                        None
                    })
            }
            None => None,
        };
        let _ = self.msgs.send(Msg::Recalled(
            recall.as_ref().map(|r| r.items.clone()).unwrap_or_default(),
        ));
        if let Some(r) = &recall {
            let op = WriteOp::RecordRecall {
                ids: r.items.iter().map(|i| i.id.clone()).collect(),
                at: Utc::now(),
            };
            background_write(app.clone(), op, memory.clone());
        }
        let mut conversation = conversation(&self.engine, &self.store, &self.app, session);
        if let Err(e) = conversation.add_user_turn_with_recall(&text, recall) {
            self.session = Some(conversation.session);
            let _ = self
                .msgs
                .send(Msg::Failed(format!("could not save your message: {e}")));
            return;
        }
        let request = GenerateRequest {
            messages: conversation.messages(),
            sampling: SamplingParams::from_config(&app.config.generation),
            max_tokens: app.config.generation.max_tokens,
            cancel,
        };
        let mut events = self.engine.generate(request);
        let mut streamed = String::new();
        let outcome = loop {
            match events.recv().await {
                Some(GenerationEvent::Prefill { done, total }) => {
                    let _ = self.msgs.send(Msg::Prefill { done, total });
                }
                Some(GenerationEvent::Piece(piece)) => {
                    streamed.push_str(&piece);
                    let _ = self.msgs.send(Msg::Piece(piece));
                }
                Some(GenerationEvent::Finished(done)) => break Ok(done),
                Some(GenerationEvent::Failed(e)) => break Err(e),
                None => break Err("the engine stopped".to_string()),
            }
        };
        let msg = match outcome {
            Ok(done) => match conversation.add_reply(&done) {
                Ok(_) => Msg::Finished {
                    text: done.text,
                    stats: done.stats,
                    stop: done.stop,
                },
                Err(e) => Msg::Failed(format!("could not save the reply: {e}")),
            },
            Err(e) => {
                let _ = conversation.add_partial_reply(&streamed);
                Msg::Failed(e)
            }
        };
        let _ = self.msgs.send(msg);
        self.session = Some(conversation.session);
        // The daemon would notice the new turns within a second; asking makes it immediate.
        let op = WriteOp::Ingest {
            sessions: vec![session_id],
            complete: false,
        };
        background_write(app, op, memory);
    }
}

fn conversation<'a>(
    engine: &'a Engine,
    store: &'a SessionStore,
    app: &App,
    session: Session,
) -> Conversation<'a> {
    Conversation::new(engine, store, session, &app.config.generation.system_prompt)
}

/// Sends a write without waiting for it (the daemon, or a direct write, finishes it).
fn background_write(app: Arc<App>, op: WriteOp, memory: Option<Arc<MemoryService>>) {
    tokio::spawn(async move {
        let wait = Some(std::time::Duration::from_secs(30));
        if let Err(e) = crate::cli::writes::send_within(&app, op, wait, memory.as_deref()).await {
            tracing::warn!("memory write failed: {e:#}");
        }
    });
}
