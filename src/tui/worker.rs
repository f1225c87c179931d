//! The chat worker: a task that owns the chat (engine and open conversation), runs turns through
//! the application's one turn pipeline and opens conversations (restoring or re-reading the KV
//! cache), reporting everything as messages for the event loop.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio_util::sync::CancellationToken;

use super::state::Entry;
use super::update::{LearnedFact, Msg};
use crate::app::App;
use crate::app::chat::{Chat, Opening, Readiness, SharedMemory, TurnError, TurnEvent, TurnOptions};
use crate::domain::Role;
use crate::memory::{Memory, MemoryKind};
use crate::session::{Session, one_line};

/// What the worker is asked to do.
pub enum ChatCommand {
    Ask {
        text: String,
        cancel: CancellationToken,
    },
    /// Open a saved conversation, showing its message at `focus` if given.
    Open {
        id: String,
        focus: Option<usize>,
    },
    New,
    Incognito,
    /// Fork the open conversation at its message at this position, and open the fork.
    Fork(usize),
}

/// How long the chat looks for the facts learned from a message before giving up (the daemon
/// is down or busy: they show in the memory browser when it catches up).
const LEARNED_WAIT: Duration = Duration::from_secs(30);
/// How soon it first looks; it looks half as often again each time (a store scan each), up to
/// every `LEARNED_POLL_MAX`, so a daemon that is down costs little.
const LEARNED_POLL: Duration = Duration::from_millis(500);
const LEARNED_POLL_MAX: Duration = Duration::from_secs(4);
/// Facts are stored just after their turn's chunk: how long after the chunk it looks for them.
const FACTS_AFTER_CHUNK: Duration = Duration::from_millis(1500);

/// Tells the chat which facts the daemon stored from the user's message `turn` (`Msg::Learned`),
/// once it has; nothing when the message stated none.
async fn report_learned(
    app: Arc<App>,
    memory: SharedMemory,
    turn: String,
    msgs: UnboundedSender<Msg>,
) {
    let Some(memory) = crate::app::chat::shared_memory(&app, &memory).await else {
        return;
    };
    let deadline = Instant::now() + LEARNED_WAIT;
    let mut chunk_seen: Option<Instant> = None;
    let mut poll = LEARNED_POLL;
    while Instant::now() < deadline {
        tokio::time::sleep(poll).await;
        poll = (poll * 3 / 2).min(LEARNED_POLL_MAX);
        let drawn = match memory.store().drawn_from(&turn).await {
            Ok(drawn) => drawn,
            Err(e) => {
                tracing::debug!("could not look for the facts learned from {turn}: {e}");
                return;
            }
        };
        let facts: Vec<Memory> = drawn
            .iter()
            .filter(|m| m.kind == MemoryKind::Fact)
            .cloned()
            .collect();
        if !facts.is_empty() {
            let mut learned = Vec::new();
            for fact in facts {
                // The fact just before it in its chain is the one it supersedes.
                let chain = memory
                    .store()
                    .fact_chain(&fact.id)
                    .await
                    .unwrap_or_default();
                let replaces = chain
                    .iter()
                    .position(|f| f.id == fact.id)
                    .filter(|at| *at > 0 && *at + 1 == chain.len())
                    .map(|at| chain[at - 1].text.clone());
                learned.push(LearnedFact { fact, replaces });
            }
            let _ = msgs.send(Msg::Learned(learned));
            return;
        }
        if drawn.iter().any(|m| m.kind == MemoryKind::Chunk) {
            let seen = *chunk_seen.get_or_insert_with(Instant::now);
            if seen.elapsed() >= FACTS_AFTER_CHUNK {
                return;
            }
        }
    }
}

/// A resumed conversation older than this gets a "last time" note.
const LAST_TIME_AFTER: chrono::Duration = chrono::Duration::days(1);

pub struct Worker {
    pub chat: Chat,
    /// The conversation to open first.
    pub opening: Option<Opening>,
    pub msgs: UnboundedSender<Msg>,
}

impl Worker {
    fn app(&self) -> &Arc<App> {
        self.chat.app()
    }

    pub async fn run(mut self, mut commands: UnboundedReceiver<ChatCommand>) {
        let info = self.chat.engine().info();
        let _ = self.msgs.send(Msg::ModelInfo {
            model: info.name.clone(),
            context_size: info.context_size as usize,
        });
        match self.opening.take() {
            Some(Opening::Saved(session)) => self.open(session, None).await,
            Some(Opening::Incognito) => self.incognito(),
            None => {}
        }
        while let Some(command) = commands.recv().await {
            let store = self.app().sessions();
            match command {
                ChatCommand::Ask { text, cancel } => self.ask(text, cancel).await,
                ChatCommand::Open { id, focus } => match store.open(&id) {
                    Ok(session) => self.open(session, focus).await,
                    Err(e) => self.error(format!("cannot open {id}: {e}")),
                },
                ChatCommand::New => match store.create() {
                    Ok(session) => self.open(session, None).await,
                    Err(e) => self.error(format!("cannot start a conversation: {e}")),
                },
                ChatCommand::Incognito => self.incognito(),
                ChatCommand::Fork(position) => {
                    let forked = match self.chat.session() {
                        Some(source) => store.fork(source, position),
                        None => {
                            self.error("no conversation is open".into());
                            continue;
                        }
                    };
                    match forked {
                        Ok(fork) => {
                            let _ = self.msgs.send(Msg::Notice(format!(
                                "forked: a new conversation with the first {}",
                                crate::domain::counted(position + 1, "message", "messages")
                            )));
                            let focus = Some(position);
                            self.open(fork, focus).await;
                        }
                        Err(e) => self.error(format!("cannot fork: {e}")),
                    }
                }
            }
        }
    }

    /// Starts an incognito conversation: shown empty, nothing of it saved.
    fn incognito(&mut self) {
        let session = self.chat.open_incognito();
        let _ = self.msgs.send(Msg::Opened {
            session_id: session.id().to_string(),
            title: session.title(),
            entries: Vec::new(),
            last_time: None,
            incognito: true,
            focus: None,
        });
        let _ = self.msgs.send(Msg::ContextUsed(0));
        let _ = self.msgs.send(Msg::Notice(
            "incognito: memories are recalled, nothing is saved".into(),
        ));
    }

    fn error(&self, text: String) {
        let _ = self.msgs.send(Msg::Error(text));
    }

    /// Shows `session` (at its message at `focus`) and gets the model ready to continue it.
    async fn open(&mut self, session: Session, focus: Option<usize>) {
        // The same messages, in the same order, that search hits and forks count positions in.
        let entries: Vec<Entry> = crate::session::messages(&session)
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
            incognito: false,
            focus,
        });
        // No valid saved cache: read the history back now, with progress, so the next reply is quick.
        let msgs = self.msgs.clone();
        let opened = self
            .chat
            .open(session, true, |done, total| {
                let _ = msgs.send(Msg::Loading { done, total });
            })
            .await;
        match opened {
            Ok(Readiness::Restored(tokens)) => {
                let _ = self.msgs.send(Msg::ContextUsed(tokens));
            }
            Ok(_) => {}
            Err(e) => self.error(format!("could not read the conversation back: {e}")),
        }
        let _ = self.msgs.send(Msg::LoadingDone);
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
            match crate::memory::store::MemoryStore::open(&self.app().memory_location()).await {
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
        let mut options = TurnOptions::from_config(self.app());
        options.cancel = cancel;
        let msgs = self.msgs.clone();
        let outcome = self
            .chat
            .turn(&text, options, |event| {
                let msg = match event {
                    TurnEvent::Recalled(items) => Msg::Recalled(items),
                    TurnEvent::Prefill { done, total } => Msg::Prefill { done, total },
                    TurnEvent::Piece(piece) => Msg::Piece(piece),
                    TurnEvent::Notice(notice) => Msg::Error(notice),
                };
                let _ = msgs.send(msg);
            })
            .await;
        if let Ok(done) = &outcome
            && !self.chat.incognito()
        {
            tokio::spawn(report_learned(
                self.app().clone(),
                self.chat.memory(),
                done.user_turn.id.clone(),
                self.msgs.clone(),
            ));
        }
        let msg = match outcome {
            Ok(done) => Msg::Finished {
                text: done.completion.text,
                stats: done.completion.stats,
                stop: done.completion.stop,
            },
            Err(TurnError::Engine { error, .. }) => Msg::Failed(error.to_string()),
            Err(e) => Msg::Failed(e.to_string()),
        };
        let _ = self.msgs.send(msg);
    }
}
