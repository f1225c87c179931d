//! `update`: the only place state changes. It takes one message (a key, a paste, news from a
//! background task) and returns the effects to run; it never does I/O itself.

use chrono::{DateTime, NaiveDate, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keys::Action;
use crate::sanitize::for_screen;
use super::state::{
    Entry, Input, MemoryDetail, MemoryItem, MemoryMode, Reply, Screen, SessionRow, State,
};
use crate::daemon::status::DaemonState;
use crate::engine::{Role, StopReason, TurnStats};
use crate::memory::recall::Recalled;
use crate::memory::{Memory, MemoryFilter, MemoryKind};

/// The largest paste kept whole; beyond it the paste is cut and the user told.
pub const MAX_PASTE_BYTES: usize = 256 * 1024;

/// Something that happened.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    /// Mouse wheel: positive scrolls up.
    Scroll(i32),
    /// 100 ms passed; it is now this time.
    Tick(DateTime<Utc>),
    /// SIGTERM or SIGHUP: leave as if the user quit.
    Terminate,
    /// A conversation is open (at start, from the picker, or new).
    Opened {
        session_id: String,
        title: String,
        entries: Vec<Entry>,
        last_time: Option<String>,
    },
    /// The history is being read back into the model.
    Loading {
        done: usize,
        total: usize,
    },
    LoadingDone,
    ModelInfo {
        model: String,
        context_size: usize,
    },
    /// Memories recalled for the question being answered.
    Recalled(Vec<Recalled>),
    Prefill {
        done: usize,
        total: usize,
    },
    Piece(String),
    Finished {
        text: String,
        stats: TurnStats,
        stop: StopReason,
    },
    Failed(String),
    Sessions(Vec<SessionRow>),
    MemoryResults {
        query: String,
        items: Vec<MemoryItem>,
    },
    MemoryOpened(MemoryDetail),
    /// A write went through; `memory` is the memory as it is now.
    MemorySaved {
        notice: String,
        memory: Memory,
    },
    MemoryDeleted(Memory),
    MemoryRestored(Memory),
    /// The daemon's state (`None`: not running) and memory count.
    Daemon {
        state: Option<DaemonState>,
        memories: Option<usize>,
    },
    Notice(String),
    Error(String),
}

/// Work for the runner: generation, loading, memory reads and writes, the editor, quitting.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Ask(String),
    Cancel,
    Quit,
    ListSessions,
    OpenSession(String),
    NewSession,
    SearchMemories { query: String, filter: MemoryFilter },
    OpenMemory(String),
    SaveMemory { id: String, text: String },
    EditInEditor(Memory),
    Pin { id: String, pinned: bool },
    Delete(String),
    Restore(Memory),
    AddNote(String),
}

/// Applies `msg` to `state`; returns what to do about it.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Paste(text) => {
            on_paste(state, text);
            Vec::new()
        }
        Msg::Scroll(lines) => {
            scroll(state, lines);
            Vec::new()
        }
        Msg::Tick(now) => {
            state.now = now;
            if let Some(n) = &mut state.notice {
                n.ttl = n.ttl.saturating_sub(1);
                if n.ttl == 0 {
                    state.notice = None;
                }
            }
            Vec::new()
        }
        Msg::Terminate => quit(state),
        Msg::Opened {
            session_id,
            title,
            entries,
            last_time,
        } => {
            state.chat = super::state::Chat {
                session_id,
                title,
                entries,
                last_time,
                ..Default::default()
            };
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
                state.notify(format!("recalled {} memories (F4 shows them)", items.len()));
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
            if state.quitting {
                return vec![Effect::Quit];
            }
            Vec::new()
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
            if state.quitting {
                return vec![Effect::Quit];
            }
            Vec::new()
        }
        Msg::Sessions(rows) => {
            state.picker.rows = rows;
            state.picker.loading = false;
            move_selection(&mut state.picker.selected, state.picker.rows.len(), 0);
            Vec::new()
        }
        Msg::MemoryResults { query, items } => {
            // Results for an older query (typing went on) are dropped.
            if query == state.memories.query.text {
                state.memories.items = items;
                move_selection(&mut state.memories.selected, state.memories.items.len(), 0);
            }
            Vec::new()
        }
        Msg::MemoryOpened(detail) => {
            state.screen = Screen::Memories;
            state.memories.detail = Some(detail);
            state.memories.mode = MemoryMode::View;
            Vec::new()
        }
        Msg::MemorySaved { notice, memory } => {
            state.notify(notice);
            for item in &mut state.memories.items {
                if item.memory.id == memory.id {
                    item.memory = memory.clone();
                }
            }
            if let Some(detail) = &mut state.memories.detail
                && detail.memory.id == memory.id
            {
                detail.memory = memory.clone();
            }
            if !state
                .memories
                .items
                .iter()
                .any(|i| i.memory.id == memory.id)
            {
                state.memories.items.insert(
                    0,
                    MemoryItem {
                        memory,
                        score: None,
                    },
                );
                state.memories.selected = 0;
            }
            if matches!(
                state.memories.mode,
                MemoryMode::Edit(_) | MemoryMode::Note(_)
            ) {
                state.memories.mode = browsing(state);
            }
            Vec::new()
        }
        Msg::MemoryDeleted(memory) => {
            state.memories.items.retain(|i| i.memory.id != memory.id);
            move_selection(&mut state.memories.selected, state.memories.items.len(), 0);
            state.memories.detail = None;
            state.memories.mode = MemoryMode::List;
            state.notify(format!(
                "deleted; {} undoes it",
                state.keys.label(Action::Undo)
            ));
            state.memories.undo = Some(memory);
            Vec::new()
        }
        Msg::MemoryRestored(memory) => {
            state.notify("restored");
            state.memories.undo = None;
            state.memories.items.insert(
                0,
                MemoryItem {
                    memory,
                    score: None,
                },
            );
            state.memories.selected = 0;
            Vec::new()
        }
        Msg::Daemon { state: d, memories } => {
            if d == Some(DaemonState::Consolidating) && state.status.daemon != d {
                state.notify("the memory daemon is consolidating");
            }
            state.status.daemon = d;
            state.status.memories = memories;
            Vec::new()
        }
        Msg::Notice(text) => {
            state.notify(text);
            Vec::new()
        }
        Msg::Error(text) => {
            state.warn(text);
            Vec::new()
        }
    }
}

fn quit(state: &mut State) -> Vec<Effect> {
    state.quitting = true;
    if state.generating() {
        // The partial reply is saved when the engine stops; then we quit.
        vec![Effect::Cancel]
    } else {
        vec![Effect::Quit]
    }
}

fn scroll(state: &mut State, lines: i32) {
    match state.screen {
        Screen::Chat => {
            state.chat.scroll = if lines > 0 {
                state.chat.scroll.saturating_add(lines as usize)
            } else {
                state
                    .chat
                    .scroll
                    .saturating_sub(lines.unsigned_abs() as usize)
            };
        }
        Screen::Picker => {
            move_selection(&mut state.picker.selected, state.picker.rows.len(), -lines)
        }
        Screen::Memories => move_selection(
            &mut state.memories.selected,
            state.memories.items.len(),
            -lines,
        ),
    }
}

/// The browser's mode after an edit, a note or a question ends: back to the open memory, else the list.
fn browsing(state: &State) -> MemoryMode {
    if state.memories.detail.is_some() {
        MemoryMode::View
    } else {
        MemoryMode::List
    }
}

/// Moves a list selection by `by`, kept inside the list (0 just clamps it).
fn move_selection(selected: &mut usize, len: usize, by: i32) {
    if len == 0 {
        *selected = 0;
        return;
    }
    let next = (*selected as i64 + i64::from(by)).clamp(0, len as i64 - 1);
    *selected = next as usize;
}

fn on_paste(state: &mut State, text: String) {
    let mut text = for_screen(&text);
    if text.len() > MAX_PASTE_BYTES {
        let mut cut = MAX_PASTE_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        state.warn(format!(
            "the paste was {} KB; kept the first {} KB",
            text.len() / 1024,
            MAX_PASTE_BYTES / 1024
        ));
        text.truncate(cut);
    }
    if let Some(input) = focused_input(state) {
        input.insert(&text);
    }
}

/// The text field that typing goes to on this screen, if any.
fn focused_input(state: &mut State) -> Option<&mut Input> {
    match state.screen {
        Screen::Chat => Some(&mut state.input),
        Screen::Picker => None,
        Screen::Memories => match &mut state.memories.mode {
            MemoryMode::List => Some(&mut state.memories.query),
            MemoryMode::Edit(input) | MemoryMode::Note(input) => Some(input),
            MemoryMode::View | MemoryMode::Confirm(_) => None,
        },
    }
}

/// Plain editing keys, common to every text field. Returns whether the key was used.
fn edit(input: &mut Input, key: &KeyEvent) -> bool {
    let plain = !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match key.code {
        KeyCode::Char(c) if plain => input.insert(c.encode_utf8(&mut [0; 4])),
        KeyCode::Backspace => input.backspace(),
        KeyCode::Delete => input.delete(),
        KeyCode::Left => input.left(),
        KeyCode::Right => input.right(),
        KeyCode::Home => input.home(),
        KeyCode::End => input.end(),
        _ => return false,
    }
    true
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let action = state.keys.action(&key);
    if state.help {
        state.help = false;
        return Vec::new();
    }
    // Answering "delete?" takes any key.
    if let MemoryMode::Confirm(id) = &state.memories.mode
        && state.screen == Screen::Memories
    {
        let id = id.clone();
        state.memories.mode = browsing(state);
        return if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
            vec![Effect::Delete(id)]
        } else {
            state.notify("kept");
            Vec::new()
        };
    }
    match action {
        Some(Action::Quit) => return quit(state),
        Some(Action::Help) => {
            state.help = true;
            return Vec::new();
        }
        Some(Action::Sessions) if !state.generating() => {
            state.screen = Screen::Picker;
            state.picker.loading = true;
            return vec![Effect::ListSessions];
        }
        Some(Action::Memories) => {
            state.screen = Screen::Memories;
            state.memories.mode = MemoryMode::List;
            state.memories.detail = None;
            return vec![search(state)];
        }
        Some(Action::NewChat) if !state.generating() => return vec![Effect::NewSession],
        _ => {}
    }
    match state.screen {
        Screen::Chat => chat_key(state, key, action),
        Screen::Picker => picker_key(state, action),
        Screen::Memories => memories_key(state, key, action),
    }
}

fn chat_key(state: &mut State, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let recalled = state.shown_recalled().len();
    match action {
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
            // While the history is read back the question waits its turn in the worker.
            if state.generating() {
                state.notify("wait for the reply (Esc stops it)");
                return Vec::new();
            }
            let text = state.input.take();
            state.history.push(text.clone());
            state.history_pos = None;
            state.draft.clear();
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
            return vec![Effect::Ask(text)];
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

fn history(state: &mut State, step: i32) {
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

fn picker_key(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let len = state.picker.rows.len();
    match action {
        Some(Action::Cancel) => state.screen = Screen::Chat,
        Some(Action::HistoryPrev) => move_selection(&mut state.picker.selected, len, -1),
        Some(Action::HistoryNext) => move_selection(&mut state.picker.selected, len, 1),
        Some(Action::ScrollUp) => move_selection(&mut state.picker.selected, len, -10),
        Some(Action::ScrollDown) => move_selection(&mut state.picker.selected, len, 10),
        Some(Action::Send) => {
            if let Some(row) = state.picker.rows.get(state.picker.selected) {
                let id = row.id.clone();
                state.screen = Screen::Chat;
                if id != state.chat.session_id {
                    return vec![Effect::OpenSession(id)];
                }
            }
        }
        _ => {}
    }
    Vec::new()
}

/// The search for what the browser's query says now.
fn search(state: &State) -> Effect {
    let (_, mut filter) = parse_query(&state.memories.query.text);
    if filter.kinds.is_empty()
        && let Some(kind) = state.memories.kind
    {
        filter.kinds = vec![kind];
    }
    Effect::SearchMemories {
        query: state.memories.query.text.clone(),
        filter,
    }
}

/// Splits a browser query into its words and its `kind:`, `session:`, `after:`, `before:` filters.
pub fn parse_query(query: &str) -> (String, MemoryFilter) {
    let mut filter = MemoryFilter::default();
    let mut words = Vec::new();
    for token in query.split_whitespace() {
        let date = |s: &str| -> Option<DateTime<Utc>> {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        };
        match token.split_once(':') {
            Some(("kind", k)) => {
                if let Ok(kind) = k.parse::<MemoryKind>() {
                    filter.kinds.push(kind);
                }
            }
            Some(("session", s)) if !s.is_empty() => filter.session = Some(s.to_string()),
            Some(("after", d)) if date(d).is_some() => filter.after = date(d),
            Some(("before", d)) if date(d).is_some() => filter.before = date(d),
            _ => words.push(token),
        }
    }
    (words.join(" "), filter)
}

fn memories_key(state: &mut State, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let len = state.memories.items.len();
    let selected = state.memories.selected_memory().cloned();
    match state.memories.mode.clone() {
        MemoryMode::Edit(mut input) | MemoryMode::Note(mut input) => {
            let is_note = matches!(state.memories.mode, MemoryMode::Note(_));
            match action {
                Some(Action::Cancel) => {
                    state.memories.mode = browsing(state);
                    return Vec::new();
                }
                Some(Action::Send) => {
                    let text = input.text.trim().to_string();
                    if text.is_empty() {
                        state.warn("a memory cannot be empty (Esc leaves it as it was)");
                        return Vec::new();
                    }
                    if is_note {
                        return vec![Effect::AddNote(text)];
                    }
                    return selected
                        .map(|m| vec![Effect::SaveMemory { id: m.id, text }])
                        .unwrap_or_default();
                }
                Some(Action::Newline) => input.insert("\n"),
                Some(Action::HistoryPrev) => {
                    input.up();
                }
                Some(Action::HistoryNext) => {
                    input.down();
                }
                _ => {
                    edit(&mut input, &key);
                }
            }
            state.memories.mode = if is_note {
                MemoryMode::Note(input)
            } else {
                MemoryMode::Edit(input)
            };
            return Vec::new();
        }
        MemoryMode::Confirm(_) => return Vec::new(),
        MemoryMode::View | MemoryMode::List => {}
    }
    let viewing = state.memories.mode == MemoryMode::View;
    match action {
        Some(Action::Cancel) => {
            if viewing {
                state.memories.mode = MemoryMode::List;
                state.memories.detail = None;
            } else {
                state.screen = Screen::Chat;
            }
        }
        Some(Action::HistoryPrev) if !viewing => {
            move_selection(&mut state.memories.selected, len, -1)
        }
        Some(Action::HistoryNext) if !viewing => {
            move_selection(&mut state.memories.selected, len, 1)
        }
        Some(Action::ScrollUp) if !viewing => {
            move_selection(&mut state.memories.selected, len, -10)
        }
        Some(Action::ScrollDown) if !viewing => {
            move_selection(&mut state.memories.selected, len, 10)
        }
        Some(Action::Send) if !viewing => {
            if let Some(m) = selected {
                return vec![Effect::OpenMemory(m.id)];
            }
        }
        Some(Action::NextKind) => {
            state.memories.kind = match state.memories.kind {
                None => Some(MemoryKind::Chunk),
                Some(MemoryKind::Chunk) => Some(MemoryKind::Summary),
                Some(MemoryKind::Summary) => Some(MemoryKind::Note),
                Some(MemoryKind::Note) => Some(MemoryKind::Fact),
                Some(MemoryKind::Fact) => None,
            };
            return vec![search(state)];
        }
        Some(Action::Pin) => {
            if let Some(m) = selected {
                return vec![Effect::Pin {
                    id: m.id,
                    pinned: !m.pinned,
                }];
            }
        }
        Some(Action::Delete) => {
            if let Some(m) = selected {
                state.memories.mode = MemoryMode::Confirm(m.id);
            }
        }
        Some(Action::Undo) => match state.memories.undo.clone() {
            Some(m) => return vec![Effect::Restore(m)],
            None => state.notify("nothing to undo"),
        },
        Some(Action::EditInPlace) => {
            if let Some(m) = selected {
                state.memories.mode = MemoryMode::Edit(Input::with_text(&m.text));
            }
        }
        Some(Action::EditInEditor) => {
            if let Some(m) = selected {
                return vec![Effect::EditInEditor(m)];
            }
        }
        Some(Action::AddNote) => state.memories.mode = MemoryMode::Note(Input::default()),
        _ if !viewing && edit(&mut state.memories.query, &key) => {
            state.memories.selected = 0;
            return vec![search(state)];
        }
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keys::KeyMap;
    use crate::tui::theme::Theme;

    fn state() -> State {
        State::new(KeyMap::default(), Theme::plain())
    }

    fn press(state: &mut State, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
        update(state, Msg::Key(KeyEvent::new(code, modifiers)))
    }

    fn typed(state: &mut State, text: &str) {
        for c in text.chars() {
            press(state, KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    #[test]
    fn enter_sends_alt_enter_breaks_the_line_and_up_recalls_history() {
        let mut s = state();
        typed(&mut s, "one");
        press(&mut s, KeyCode::Enter, KeyModifiers::ALT);
        typed(&mut s, "two");
        let effects = press(&mut s, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(effects, [Effect::Ask("one\ntwo".into())]);
        assert!(s.generating() && s.input.text.is_empty());
        assert_eq!(press(&mut s, KeyCode::Enter, KeyModifiers::NONE), []);
        update(
            &mut s,
            Msg::Finished {
                text: "ok".into(),
                stats: TurnStats::default(),
                stop: StopReason::EndOfTurn,
            },
        );
        typed(&mut s, "draft");
        press(&mut s, KeyCode::Up, KeyModifiers::NONE);
        assert_eq!(s.input.text, "one\ntwo");
        press(&mut s, KeyCode::Down, KeyModifiers::NONE);
        assert_eq!(s.input.text, "draft");
    }

    #[test]
    fn esc_cancels_a_reply_and_quitting_waits_for_it_to_be_saved() {
        let mut s = state();
        typed(&mut s, "hi");
        press(&mut s, KeyCode::Enter, KeyModifiers::NONE);
        update(&mut s, Msg::Piece("Hel".into()));
        assert_eq!(
            press(&mut s, KeyCode::Esc, KeyModifiers::NONE),
            [Effect::Cancel]
        );
        assert_eq!(
            press(&mut s, KeyCode::Char('q'), KeyModifiers::CONTROL),
            [Effect::Cancel]
        );
        let effects = update(
            &mut s,
            Msg::Finished {
                text: "Hel".into(),
                stats: TurnStats::default(),
                stop: StopReason::Cancelled,
            },
        );
        assert_eq!(effects, [Effect::Quit]);
        assert!(s.chat.entries.last().unwrap().interrupted);
    }

    #[test]
    fn the_recall_panel_steps_through_every_reply() {
        let mut s = state();
        for (q, id) in [("first", "m-1"), ("second", "m-2")] {
            typed(&mut s, q);
            press(&mut s, KeyCode::Enter, KeyModifiers::NONE);
            update(
                &mut s,
                Msg::Recalled(vec![Recalled {
                    id: id.into(),
                    kind: MemoryKind::Chunk,
                    score: 0.1,
                    time: Utc::now(),
                    text: id.into(),
                }]),
            );
            update(
                &mut s,
                Msg::Finished {
                    text: "ok".into(),
                    stats: TurnStats::default(),
                    stop: StopReason::EndOfTurn,
                },
            );
        }
        press(&mut s, KeyCode::F(4), KeyModifiers::NONE);
        assert_eq!(s.shown_recalled()[0].id, "m-2");
        press(&mut s, KeyCode::Left, KeyModifiers::NONE);
        assert_eq!(s.shown_recalled()[0].id, "m-1");
        assert_eq!(
            press(&mut s, KeyCode::Enter, KeyModifiers::NONE),
            [Effect::OpenMemory("m-1".into())]
        );
        press(&mut s, KeyCode::Right, KeyModifiers::NONE);
        assert_eq!(s.shown_recalled()[0].id, "m-2");
        assert_eq!(s.recall_entry, None, "the newest reply is followed again");
    }

    #[test]
    fn pastes_are_neutralised_and_huge_ones_cut_with_a_notice() {
        let mut s = state();
        update(&mut s, Msg::Paste("a\u{1b}[2Jb\nc".into()));
        assert_eq!(s.input.text, "ab\nc");
        update(&mut s, Msg::Paste("x".repeat(MAX_PASTE_BYTES + 10)));
        assert_eq!(s.input.text.len(), 4 + MAX_PASTE_BYTES);
        assert!(s.notice.as_ref().unwrap().error);
    }

    #[test]
    fn browser_queries_carry_filters_and_delete_asks_first_then_undoes() {
        let (words, filter) = parse_query("kind:note bees after:2026-11-01 session:abc");
        assert_eq!(words, "bees");
        assert_eq!(filter.kinds, [MemoryKind::Note]);
        assert_eq!(filter.session.as_deref(), Some("abc"));
        assert!(filter.after.is_some());

        let mut s = state();
        let effects = press(&mut s, KeyCode::F(3), KeyModifiers::NONE);
        assert!(matches!(effects[..], [Effect::SearchMemories { .. }]));
        let memory = Memory::new(MemoryKind::Note, "bees".into(), vec![], Utc::now());
        s.memories.items = vec![MemoryItem {
            memory: memory.clone(),
            score: None,
        }];
        assert_eq!(press(&mut s, KeyCode::Char('d'), KeyModifiers::CONTROL), []);
        assert_eq!(
            press(&mut s, KeyCode::Char('y'), KeyModifiers::NONE),
            [Effect::Delete(memory.id.clone())]
        );
        update(&mut s, Msg::MemoryDeleted(memory.clone()));
        assert!(s.memories.items.is_empty());
        assert_eq!(
            press(&mut s, KeyCode::Char('z'), KeyModifiers::CONTROL),
            [Effect::Restore(memory)]
        );
    }
}
