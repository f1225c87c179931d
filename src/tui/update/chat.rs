//! The chat screen's messages (a conversation opened, a reply streaming in) and keys.

use crossterm::event::{KeyCode, KeyEvent};

use super::super::keys::Action;
use super::super::state::{Entry, Input, MemoryMode, Reply, Screen, State};
use super::{Effect, Msg, edit, scroll};
use crate::engine::{Role, StopReason};
use crate::memory::Memory;

/// News about the open conversation and the reply being written.
pub(super) fn on_message(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Opened {
            session_id,
            title,
            entries,
            last_time,
            incognito,
            focus,
        } => {
            // The status bar shows this conversation's numbers, not the last one's: as of its last
            // reply until the model reports what it holds.
            let last_stats = entries.iter().rev().find_map(|e| e.stats.clone());
            state.status.context_used = last_stats.as_ref().map_or(0, |s| s.context_used);
            state.status.tokens_per_s = last_stats.map(|s| s.decode_tps);
            let selected = focus.filter(|&i| i < entries.len());
            state.chat = super::super::state::Chat {
                session_id,
                title,
                entries,
                last_time,
                incognito,
                selected,
                ..Default::default()
            };
            if !incognito {
                state.before_incognito = None;
            }
            state.rendered.truncate(0);
            state.screen = Screen::Chat;
            state.recall_selected = 0;
            state.recall_entry = None;
            Vec::new()
        }
        Msg::Loading { done, total } => {
            state.chat.loading = Some((done, total));
            Vec::new()
        }
        Msg::ContextUsed(tokens) => {
            state.status.context_used = tokens;
            Vec::new()
        }
        Msg::LoadingDone => {
            state.chat.loading = None;
            Vec::new()
        }
        Msg::ModelInfo {
            model,
            context_size,
        } => {
            state.status.model = model;
            state.status.context_size = context_size;
            Vec::new()
        }
        Msg::Recalled(items) => {
            if let Some(reply) = &mut state.chat.reply {
                reply.recalling = false;
            }
            if !items.is_empty() {
                state.notify(format!(
                    "recalled {} (F4 shows them)",
                    crate::domain::counted(items.len(), "memory", "memories")
                ));
            }
            if let Some(user) = state
                .chat
                .entries
                .iter_mut()
                .rev()
                .find(|e| e.role == Role::User)
            {
                user.recalled = items;
            }
            state.recall_selected = 0;
            Vec::new()
        }
        Msg::Prefill { done, total } => {
            if let Some(reply) = &mut state.chat.reply {
                reply.prefill = (done < total).then_some((done, total));
            }
            Vec::new()
        }
        Msg::Piece(piece) => {
            if let Some(reply) = &mut state.chat.reply {
                reply.prefill = None;
                reply.recalling = false;
                reply.text.push_str(&piece);
            }
            Vec::new()
        }
        Msg::Finished { text, stats, stop } => {
            state.chat.reply = None;
            state.status.tokens_per_s = Some(stats.decode_tps);
            state.status.context_used = stats.context_used;
            state.status.context_size = stats.context_size;
            if stop == StopReason::ContextFull {
                state.warn("the context is full: the reply was cut short");
            }
            state.chat.entries.push(Entry {
                role: Role::Assistant,
                text,
                time: state.now,
                recalled: Vec::new(),
                interrupted: stop == StopReason::Cancelled,
                stats: Some(stats),
            });
            after_reply(state)
        }
        Msg::Failed(message) => {
            if let Some(reply) = state.chat.reply.take()
                && !reply.text.is_empty()
            {
                state.chat.entries.push(Entry {
                    role: Role::Assistant,
                    text: reply.text,
                    time: state.now,
                    recalled: Vec::new(),
                    interrupted: true,
                    stats: None,
                });
            }
            state.warn(message);
            after_reply(state)
        }
        _ => Vec::new(),
    }
}

/// Keys while a message is picked: ↑↓ move, Enter forks there, Esc (or anything else) leaves.
fn message_key(state: &mut State, at: usize, action: Option<Action>) -> Option<Vec<Effect>> {
    let last = state.chat.entries.len().checked_sub(1)?;
    match action {
        Some(Action::HistoryPrev | Action::SelectMessage) => {
            state.chat.selected = Some(at.saturating_sub(1));
        }
        Some(Action::HistoryNext) => state.chat.selected = Some((at + 1).min(last)),
        Some(Action::Send) => {
            if state.chat.incognito {
                state.warn("an incognito chat is not saved, so it cannot be forked");
            } else if state.generating() {
                state.warn("wait for the reply to end before forking");
            } else {
                state.chat.selected = None;
                return Some(vec![Effect::Fork(at)]);
            }
        }
        Some(Action::Cancel) => state.chat.selected = None,
        _ => {
            state.chat.selected = None;
            return None;
        }
    }
    Some(Vec::new())
}

pub(super) fn chat_key(state: &mut State, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    if let Some(at) = state.chat.selected
        && let Some(effects) = message_key(state, at, action)
    {
        return effects;
    }
    let recalled = state.shown_recalled().len();
    match action {
        Some(Action::SelectMessage) => {
            state.chat.selected = state.chat.entries.len().checked_sub(1);
            if state.chat.selected.is_some() {
                state.notify("↑↓ pick a message · Enter forks the conversation there · Esc back");
            }
        }
        Some(Action::Cancel) => {
            if state.generating() {
                return vec![Effect::Cancel];
            }
            state.recall_panel = false;
        }
        Some(Action::Send) if state.recall_panel && recalled > 0 && state.input.text.is_empty() => {
            let id = state.shown_recalled()[state.recall_selected.min(recalled - 1)]
                .id
                .clone();
            return vec![Effect::OpenMemory(id)];
        }
        Some(Action::Send) => {
            if state.input.text.trim().is_empty() {
                return Vec::new();
            }
            let text = state.input.take();
            state.history.push(text.clone());
            state.history_pos = None;
            state.draft.clear();
            if let Some(effects) = memory_command(state, &text) {
                return effects;
            }
            // A message sent while a reply streams waits, shown as queued, and goes after it.
            // (While the history is read back the question waits its turn in the worker.)
            if state.generating() {
                state.chat.queued.push(text);
                state.chat.scroll = 0;
                state.notify("queued: it is sent when this reply ends");
                return Vec::new();
            }
            return send(state, text);
        }
        Some(Action::Undo) if state.input.text.is_empty() => {
            if !state.chat.remembered.is_empty() {
                return forget_remembered(state);
            }
            match state.memories.undo.clone() {
                Some(memory) => return vec![Effect::Restore(memory)],
                None => state.notify("nothing to undo"),
            }
        }
        Some(Action::Newline) => state.input.insert("\n"),
        Some(Action::ScrollUp) => scroll(state, 10),
        Some(Action::ScrollDown) => scroll(state, -10),
        Some(Action::RecallPanel) => {
            state.recall_panel = !state.recall_panel;
            state.recall_selected = 0;
        }
        Some(Action::HistoryPrev) => {
            if state.recall_panel && recalled > 0 && state.input.text.is_empty() {
                state.recall_selected = state.recall_selected.saturating_sub(1);
            } else if !state.input.up() {
                history(state, -1);
            }
        }
        Some(Action::HistoryNext) => {
            if state.recall_panel && recalled > 0 && state.input.text.is_empty() {
                state.recall_selected = (state.recall_selected + 1).min(recalled - 1);
            } else if !state.input.down() {
                history(state, 1);
            }
        }
        // With the panel open and nothing typed, ←/→ step through earlier and later replies.
        _ if state.recall_panel
            && state.input.text.is_empty()
            && matches!(key.code, KeyCode::Left | KeyCode::Right) =>
        {
            let users = state.user_entries();
            let at = state
                .recall_shown()
                .and_then(|e| users.iter().position(|u| *u == e))
                .unwrap_or(0);
            let next = if key.code == KeyCode::Left {
                at.saturating_sub(1)
            } else {
                (at + 1).min(users.len().saturating_sub(1))
            };
            state.recall_entry = (next + 1 < users.len()).then(|| users[next]);
            state.recall_selected = 0;
        }
        _ => {
            edit(&mut state.input, &key);
        }
    }
    Vec::new()
}

/// Shows `text` as the user's newest message and asks for a reply to it.
/// `/remember TEXT` saves a note; `/forget` deletes what `/remember` saved last, `/forget TEXT`
/// opens the memory browser searching for it (deleting asks first there). `None`: not a command.
fn memory_command(state: &mut State, text: &str) -> Option<Vec<Effect>> {
    let text = text.trim();
    let (command, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let rest = rest.trim();
    match command {
        "/remember" if rest.is_empty() => {
            state.notify("/remember TEXT: say what to remember");
            Some(Vec::new())
        }
        "/remember" if state.chat.incognito => {
            state.notify("incognito: nothing is saved, memories neither (F6 leaves it)");
            Some(Vec::new())
        }
        "/remember" => Some(vec![Effect::Remember(rest.to_string())]),
        "/forget" if rest.is_empty() => Some(if state.chat.remembered.is_empty() {
            state.notify("nothing remembered in this chat yet; /forget TEXT finds memories");
            Vec::new()
        } else {
            forget_remembered(state)
        }),
        "/forget" => {
            state.screen = Screen::Memories;
            state.memories.mode = MemoryMode::List;
            state.memories.detail = None;
            state.memories.query = Input::with_text(rest);
            state.notify(format!(
                "pick what to forget; {} deletes it (asking first)",
                state.keys.label(Action::Delete)
            ));
            Some(vec![super::memories::search(state)])
        }
        _ => None,
    }
}

/// `/remember` saved `memory`: say so, and keep it for undo.
pub(super) fn on_remembered(state: &mut State, memory: Memory) -> Vec<Effect> {
    state.offer_undo(format!(
        "memory saved: “{}” · {} or /forget undoes it",
        crate::session::one_line(&memory.text, 40),
        state.keys.label(Action::Undo)
    ));
    state.chat.remembered = vec![memory.id];
    Vec::new()
}

/// The daemon stored `facts` from the user's last message: say what was learned, and keep them
/// for undo, as `/remember` does.
pub(super) fn on_learned(state: &mut State, facts: Vec<super::LearnedFact>) -> Vec<Effect> {
    let Some(first) = facts.first() else {
        return Vec::new();
    };
    let short = |text: &str| crate::session::one_line(text, 40);
    let (what, them) = match (facts.len(), &first.replaces) {
        (1, Some(old)) => (
            format!(
                "memory updated: “{}” (was “{}”)",
                short(&first.fact.text),
                short(old)
            ),
            "it",
        ),
        (1, None) => (format!("memory saved: “{}”", short(&first.fact.text)), "it"),
        (n, _) => (
            format!("{n} memories saved: “{}” …", short(&first.fact.text)),
            "them",
        ),
    };
    state.offer_undo(format!(
        "{what} · {} or /forget undoes {them}",
        state.keys.label(Action::Undo)
    ));
    state.chat.remembered = facts.into_iter().map(|f| f.fact.id).collect();
    Vec::new()
}

/// Deletes what was saved last in this chat.
fn forget_remembered(state: &mut State) -> Vec<Effect> {
    std::mem::take(&mut state.chat.remembered)
        .into_iter()
        .map(Effect::Delete)
        .collect()
}

fn send(state: &mut State, text: String) -> Vec<Effect> {
    state.chat.entries.push(Entry {
        role: Role::User,
        text: text.clone(),
        time: state.now,
        recalled: Vec::new(),
        interrupted: false,
        stats: None,
    });
    state.chat.reply = Some(Reply {
        recalling: true,
        ..Reply::default()
    });
    state.chat.scroll = 0;
    state.chat.last_time = None;
    state.recall_entry = None;
    vec![Effect::Ask(text)]
}

/// After a reply ends: quit if asked to, else send the next queued message, if any.
fn after_reply(state: &mut State) -> Vec<Effect> {
    if state.quitting {
        return vec![Effect::Quit];
    }
    if state.chat.queued.is_empty() {
        return Vec::new();
    }
    let next = state.chat.queued.remove(0);
    send(state, next)
}

pub(super) fn history(state: &mut State, step: i32) {
    if state.history.is_empty() {
        return;
    }
    let last = state.history.len() - 1;
    let next = match (state.history_pos, step < 0) {
        (None, true) => {
            state.draft = state.input.text.clone();
            Some(last)
        }
        (None, false) => None,
        (Some(p), true) => Some(p.saturating_sub(1)),
        (Some(p), false) if p >= last => None,
        (Some(p), false) => Some(p + 1),
    };
    state.history_pos = next;
    state.input = Input::with_text(match next {
        Some(p) => &state.history[p],
        None => &state.draft,
    });
}
