//! The event loop: terminal events and background news become messages, `update` turns them into
//! effects, effects start background work, and the screen is redrawn at most every 33 ms.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use crossterm::event::{Event, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio_util::sync::CancellationToken;

use super::keys::KeyMap;
use super::state::{ChatHit, MemoryDetail, MemoryItem, SessionRow, State};
use super::terminal::Guard;
use super::theme::Theme;
use super::update::{Effect, Msg, parse_query, update};
use super::view::view;
use super::worker::{ChatCommand, Worker};
use crate::app::App;
use crate::app::chat::{Chat, Opening, SharedMemory, shared_memory as memory};
use crate::daemon::writes::{WriteOp, WriteResult};
use crate::engine::Engine;
use crate::memory::service::relevance_label;
use crate::memory::{Memory, MemoryFilter, MemoryKind};

/// Redraws happen at most this often, however fast tokens arrive.
const FRAME: Duration = Duration::from_millis(33);
/// How long quitting waits for a cancelled reply to be saved.
const QUIT_GRACE: Duration = Duration::from_secs(5);

/// Runs the chat, starting in `opening`, until the user quits.
/// `notice` is shown first (a setting that does nothing with this engine).
pub async fn run(
    app: Arc<App>,
    engine: Engine,
    opening: Opening,
    notice: Option<String>,
) -> Result<()> {
    let keys = KeyMap::with_overrides(&app.config.tui.keys).map_err(anyhow::Error::msg)?;
    let mut state = State::new(keys, Theme::from_env(&app.config.tui.theme));
    let (msgs, mut inbox) = unbounded_channel::<Msg>();
    let (commands, command_rx) = unbounded_channel::<ChatCommand>();
    let shared_memory = SharedMemory::default();
    let stop = CancellationToken::new();

    let worker = Worker {
        chat: Chat::new(app.clone(), engine, shared_memory.clone()),
        opening: Some(opening),
        msgs: msgs.clone(),
    };
    tokio::spawn(worker.run(command_rx));
    if let Some(notice) = notice {
        let _ = msgs.send(Msg::Notice(notice));
    }
    start_daemon(app.clone(), msgs.clone());
    {
        let (app, cell) = (app.clone(), shared_memory.clone());
        tokio::spawn(async move { memory(&app, &cell).await });
    }
    poll_daemon(app.clone(), msgs.clone(), stop.clone());
    forward_signals(msgs.clone(), stop.clone());

    let mut guard = Guard::enter()?;
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut frame = tokio::time::interval(FRAME);
    frame.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    let mut generation: Option<CancellationToken> = None;
    let mut quit_by: Option<tokio::time::Instant> = None;
    let ctx = Context {
        app: app.clone(),
        msgs: msgs.clone(),
        memory: shared_memory,
        searches: Default::default(),
    };
    loop {
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => Msg::Key(key),
                Some(Ok(Event::Paste(text))) => Msg::Paste(text),
                Some(Ok(Event::Mouse(m))) => match m.kind {
                    MouseEventKind::ScrollUp => Msg::Scroll(3),
                    MouseEventKind::ScrollDown => Msg::Scroll(-3),
                    _ => continue,
                },
                Some(Ok(Event::Resize(..))) => {
                    dirty = true;
                    continue;
                }
                Some(Ok(_)) => continue,
                // The terminal is gone: leave as if asked to.
                Some(Err(_)) | None => Msg::Terminate,
            },
            Some(msg) = inbox.recv() => msg,
            _ = tick.tick() => {
                if quit_by.is_some_and(|t| tokio::time::Instant::now() > t) {
                    break;
                }
                Msg::Tick(chrono::Utc::now())
            }
            _ = frame.tick() => {
                if dirty {
                    guard.terminal.draw(|f| view(&state, f))?;
                    dirty = false;
                }
                continue;
            }
        };
        let is_tick = matches!(msg, Msg::Tick(_));
        let had_notice = state.notice.is_some();
        let effects = update(&mut state, msg);
        dirty |= !is_tick || had_notice != state.notice.is_some();
        let mut quit = false;
        for effect in effects {
            match effect {
                Effect::Quit => quit = true,
                Effect::Cancel => {
                    if let Some(token) = &generation {
                        token.cancel();
                    }
                    if state.quitting {
                        quit_by = Some(tokio::time::Instant::now() + QUIT_GRACE);
                    }
                }
                Effect::Ask(text) => {
                    let cancel = CancellationToken::new();
                    generation = Some(cancel.clone());
                    let _ = commands.send(ChatCommand::Ask { text, cancel });
                }
                Effect::OpenSession { id, focus } => {
                    let _ = commands.send(ChatCommand::Open { id, focus });
                }
                Effect::NewSession => {
                    let _ = commands.send(ChatCommand::New);
                }
                Effect::Incognito => {
                    let _ = commands.send(ChatCommand::Incognito);
                }
                Effect::Fork(position) => {
                    let _ = commands.send(ChatCommand::Fork(position));
                }
                Effect::EditInEditor(memory) => {
                    // crossterm's reader would take the editor's keystrokes: stop reading input
                    // while the editor owns the terminal, and start again after.
                    drop(events);
                    let edited = guard.suspended(|| edit_in_editor(&app, &memory));
                    events = EventStream::new();
                    match edited {
                        Ok(Ok(Some(text))) => ctx.save(memory.id, text),
                        Ok(Ok(None)) => {
                            let _ = msgs.send(Msg::Notice("unchanged".into()));
                        }
                        Ok(Err(e)) => {
                            let _ = msgs.send(Msg::Error(format!("{e:#}")));
                        }
                        Err(e) => return Err(e.into()),
                    }
                    dirty = true;
                }
                Effect::SearchChats(query) => ctx.search_chats(query),
                other => ctx.spawn(other),
            }
        }
        if quit {
            break;
        }
    }
    stop.cancel();
    drop(guard);
    Ok(())
}

/// What background effects need.
#[derive(Clone)]
struct Context {
    app: Arc<App>,
    msgs: UnboundedSender<Msg>,
    memory: SharedMemory,
    /// Counts searches asked for: a search starts only if no newer one was asked for while it
    /// waited (typing a word asks once per key; only the last one reads the transcripts).
    searches: Arc<std::sync::atomic::AtomicU64>,
}

impl Context {
    /// Runs a search over every conversation after a short pause, unless another was asked for.
    fn search_chats(&self, query: String) {
        use std::sync::atomic::Ordering;
        let mine = self.searches.fetch_add(1, Ordering::SeqCst) + 1;
        let (searches, ctx) = (self.searches.clone(), self.clone());
        tokio::spawn(async move {
            tokio::time::sleep(SEARCH_PAUSE).await;
            if searches.load(Ordering::SeqCst) == mine {
                ctx.spawn(Effect::SearchChats(query));
            }
        });
    }

    fn spawn(&self, effect: Effect) {
        let (app, msgs, cell) = (self.app.clone(), self.msgs.clone(), self.memory.clone());
        tokio::spawn(async move {
            if let Err(e) = run_effect(&app, &msgs, &cell, effect).await {
                let _ = msgs.send(Msg::Error(format!("{e:#}")));
            }
        });
    }

    fn save(&self, id: String, text: String) {
        self.spawn(Effect::SaveMemory { id, text });
    }
}

/// The memory a write returned.
fn written(result: WriteResult) -> Result<Memory> {
    match result {
        WriteResult::Memory { memory } => Ok(memory),
        other => anyhow::bail!("the write answered with {other:?}"),
    }
}

async fn write(app: &App, cell: &SharedMemory, op: WriteOp) -> Result<WriteResult> {
    let local = memory(app, cell).await;
    crate::app::writes::send_within(app, op, None, local.as_deref()).await
}

async fn run_effect(
    app: &App,
    msgs: &UnboundedSender<Msg>,
    cell: &SharedMemory,
    effect: Effect,
) -> Result<()> {
    let send = |m: Msg| {
        let _ = msgs.send(m);
    };
    match effect {
        Effect::ListSessions => send(Msg::Sessions(
            session_rows(&app.sessions(), &app.memory_location()).await?,
        )),
        Effect::SearchMemories { query, filter } => {
            // The browser shows text: the store never reads vectors for it.
            let filter = MemoryFilter {
                skip_vectors: true,
                ..filter
            };
            let memory = memory(app, cell)
                .await
                .ok_or_else(|| anyhow::anyhow!("memory is unavailable (see `mneme doctor`)"))?;
            let (words, _) = parse_query(&query);
            let (items, hidden) = if words.is_empty() {
                let listed = memory.store().browse(&filter, 500).await?;
                let items = listed
                    .into_iter()
                    .map(|memory| MemoryItem {
                        memory,
                        relevance: None,
                    })
                    .collect();
                (items, 0)
            } else {
                // Results neither sharing a word nor close in meaning are left out, and counted.
                let found = memory.search(&words, 50, &filter).await?;
                let total = found.len();
                let items: Vec<MemoryItem> = found
                    .into_iter()
                    .filter(|f| f.relevant())
                    .map(|f| MemoryItem {
                        relevance: Some(relevance_label(f.words_match, f.similarity)),
                        memory: f.memory,
                    })
                    .collect();
                let hidden = total - items.len();
                (items, hidden)
            };
            send(Msg::MemoryResults {
                query,
                items,
                hidden,
            });
        }
        Effect::OpenMemory(id) => {
            let memory = memory(app, cell)
                .await
                .ok_or_else(|| anyhow::anyhow!("memory is unavailable"))?;
            let found = memory
                .store()
                .get(&id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("memory {id} no longer exists"))?;
            let sources = source_turns(app, &found);
            let chain = match found.kind {
                MemoryKind::Fact => memory.store().fact_chain(&found.id).await?,
                _ => Vec::new(),
            };
            send(Msg::MemoryOpened(MemoryDetail {
                memory: found,
                sources,
                chain: if chain.len() > 1 { chain } else { Vec::new() },
            }));
        }
        Effect::SaveMemory { id, text } => {
            let memory = written(write(app, cell, WriteOp::Edit { id, text }).await?)?;
            send(Msg::MemorySaved {
                notice: "memory saved".into(),
                memory,
            });
        }
        Effect::Pin { id, pinned } => {
            let memory = written(write(app, cell, WriteOp::Pin { id, pinned }).await?)?;
            send(Msg::MemorySaved {
                notice: if pinned { "pinned" } else { "unpinned" }.into(),
                memory,
            });
        }
        Effect::Delete(id) => {
            let memory = memory(app, cell)
                .await
                .ok_or_else(|| anyhow::anyhow!("memory is unavailable"))?;
            let mut gone = memory
                .store()
                .get(&id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("memory {id} no longer exists"))?;
            write(app, cell, WriteOp::Delete { ids: vec![id] }).await?;
            gone.clear_vectors();
            send(Msg::MemoryDeleted(gone));
        }
        Effect::Restore(memory) => {
            write(
                app,
                cell,
                WriteOp::Import {
                    memories: vec![memory.clone()],
                },
            )
            .await?;
            send(Msg::MemoryRestored(memory));
        }
        Effect::Remember(text) => {
            let note = WriteOp::Add {
                kind: MemoryKind::Note,
                text,
            };
            send(Msg::Remembered(written(write(app, cell, note).await?)?));
        }
        Effect::AddNote(text) => {
            let note = WriteOp::Add {
                kind: MemoryKind::Note,
                text,
            };
            let memory = written(write(app, cell, note).await?)?;
            send(Msg::MemorySaved {
                notice: "note saved".into(),
                memory,
            });
        }
        // Handled by the loop itself.
        Effect::SearchChats(query) => {
            let sessions = app.sessions();
            let words = query.clone();
            let hits = tokio::task::spawn_blocking(move || sessions.search(&words, CHAT_HITS))
                .await??
                .into_iter()
                .map(|h| ChatHit {
                    session_id: h.session_id,
                    title: h.title,
                    position: h.position,
                    role: h.role,
                    time: h.time,
                    text: h.snippet,
                })
                .collect();
            send(Msg::ChatHits { query, hits });
        }
        Effect::Ask(_)
        | Effect::Cancel
        | Effect::Quit
        | Effect::OpenSession { .. }
        | Effect::NewSession
        | Effect::Incognito
        | Effect::Fork(_)
        | Effect::EditInEditor(_) => {}
    }
    Ok(())
}

/// How long typing must pause before a search over every conversation starts.
const SEARCH_PAUSE: Duration = Duration::from_millis(150);

/// The most messages a search over every conversation lists.
const CHAT_HITS: usize = 200;

/// The picker's rows: newest first, each with its latest summary or last question. Reads the
/// session index (no transcripts) and makes one memory query for all summaries.
pub async fn session_rows(
    sessions: &crate::session::SessionStore,
    memory: &crate::memory::location::StoreLocation,
) -> Result<Vec<SessionRow>> {
    let list = sessions.list()?;
    let summaries = match crate::memory::store::MemoryStore::open(memory).await {
        Ok(store) => store.latest_summaries().await.unwrap_or_default(),
        Err(_) => Default::default(),
    };
    Ok(list
        .into_iter()
        .take(200)
        .map(|s| {
            let summary = match summaries.get(&s.id) {
                Some(text) => crate::consolidate::session_summary_body(text).to_string(),
                None => s
                    .last_question
                    .as_deref()
                    .map(|q| format!("last asked: {q}"))
                    .unwrap_or_default(),
            };
            SessionRow {
                id: s.id,
                title: s.title,
                updated: s.updated,
                turns: s.turns,
                summary,
            }
        })
        .collect())
}

/// The turns a memory came from, read from their transcripts.
fn source_turns(app: &App, memory: &Memory) -> Vec<(String, String, String)> {
    let Some(session) = &memory.session else {
        return Vec::new();
    };
    let Ok(session) = app.sessions().open(session) else {
        return Vec::new();
    };
    memory
        .source_turns
        .iter()
        .filter_map(|id| {
            let turn = session.turns.iter().find(|t| &t.id == id)?;
            Some((
                id.clone(),
                crate::memory::service::speaker_of(turn),
                turn.text.clone(),
            ))
        })
        .collect()
}

/// Opens the memory's text in `$VISUAL`/`$EDITOR` (else `vi`); the new text, or `None` if unchanged.
fn edit_in_editor(app: &App, memory: &Memory) -> Result<Option<String>> {
    let path = app.paths.data_dir.join(format!(".edit-{}.txt", memory.id));
    crate::paths::write_private_atomic(&path, memory.text.as_bytes())?;
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi");
    let status = std::process::Command::new(program)
        .args(words)
        .arg(&path)
        .status();
    let text = std::fs::read_to_string(&path);
    let _ = std::fs::remove_file(&path);
    let status = status.map_err(|e| anyhow::anyhow!("cannot run the editor `{editor}`: {e}"))?;
    if !status.success() {
        anyhow::bail!("the editor exited with {status}; the memory is unchanged");
    }
    let text = text?.trim_end().to_string();
    Ok((text != memory.text && !text.trim().is_empty()).then_some(text))
}

fn start_daemon(app: Arc<App>, msgs: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        if let Err(e) = app.start_daemon().await {
            tracing::warn!("memory daemon unavailable: {e:#}");
            let _ = msgs.send(Msg::Error(crate::app::daemon_unavailable(&e)));
        }
    });
}

/// Reports the daemon's state and memory count every two seconds.
/// Reports the daemon's state every 2 s over one connection, kept open and made again only
/// when the daemon restarts.
fn poll_daemon(app: Arc<App>, msgs: UnboundedSender<Msg>, stop: CancellationToken) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(2));
        let mut client: Option<crate::daemon::client::DaemonClient> = None;
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = every.tick() => {}
            }
            if client.is_none() {
                client = crate::daemon::lifecycle::connect(&app.paths)
                    .await
                    .ok()
                    .flatten();
            }
            let status = match client.as_mut() {
                Some(c) => c.status().await.ok(),
                None => None,
            };
            if status.is_none() {
                // Gone or restarted: connect afresh next time.
                client = None;
            }
            let msg = Msg::Daemon {
                state: status.as_ref().map(|s| s.state),
                memories: status.map(|s| s.memories.values().sum()),
            };
            if msgs.send(msg).is_err() {
                return;
            }
        }
    });
}

/// SIGTERM and SIGHUP quit like the user would: the reply in progress is saved first.
fn forward_signals(msgs: UnboundedSender<Msg>, stop: CancellationToken) {
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = msgs.send(Msg::Terminate);
    });
}
