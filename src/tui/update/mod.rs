//! `update`: the only place state changes. It takes one message (a key, a paste, news from a
//! background task) and returns the effects to run; it never does I/O itself. Each screen (chat,
//! conversations, memories) handles its own messages and keys in its own file.

mod chat;
mod memories;
mod picker;
mod search;

pub use memories::{parse_query, query_problem, shown_kinds};

use chat::chat_key;
use memories::{browsing, memories_key, search};
use picker::picker_key;
use search::search_key;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keys::Action;
use super::state::{
    ChatHit, Entry, Input, MemoryDetail, MemoryItem, MemoryMode, Screen, SessionRow, State,
};
use crate::daemon::status::DaemonState;
use crate::engine::{StopReason, TurnStats};
use crate::memory::recall::Recalled;
use crate::memory::{Memory, MemoryFilter};
use crate::sanitize::for_screen;

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
    /// A conversation is open (at start, from the picker, a search, a fork, or new).
    Opened {
        session_id: String,
        title: String,
        entries: Vec<Entry>,
        last_time: Option<String>,
        /// Nothing of it is saved.
        incognito: bool,
        /// The message to show and select (a search hit), by its place among the messages.
        focus: Option<usize>,
    },
    /// The history is being read back into the model.
    Loading {
        done: usize,
        total: usize,
    },
    LoadingDone,
    /// The model holds this many tokens of the open conversation.
    ContextUsed(usize),
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
    /// Messages of every conversation that match `query`.
    ChatHits {
        query: String,
        hits: Vec<ChatHit>,
    },
    MemoryResults {
        query: String,
        items: Vec<MemoryItem>,
        /// Results left out as unrelated.
        hidden: usize,
    },
    MemoryOpened(MemoryDetail),
    /// A write went through; `memory` is the memory as it is now.
    MemorySaved {
        notice: String,
        memory: Memory,
    },
    MemoryDeleted(Memory),
    /// `/remember` in the chat saved this memory.
    Remembered(Memory),
    /// The daemon stored these facts from the user's last message.
    Learned(Vec<LearnedFact>),
    MemoryRestored(Memory),
    /// The daemon's state (`None`: not running) and memory count.
    Daemon {
        state: Option<DaemonState>,
        memories: Option<usize>,
    },
    Notice(String),
    Error(String),
}

/// A fact the daemon stored from the user's last message.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedFact {
    pub fact: Memory,
    /// The text of the fact it supersedes, if any ("I'm no longer vegetarian" after "I'm
    /// vegetarian").
    pub replaces: Option<String>,
}

/// Work for the runner: generation, loading, memory reads and writes, the editor, quitting.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Ask(String),
    Cancel,
    Quit,
    ListSessions,
    /// Open a conversation, scrolled to its message at `focus` (a search hit) if given.
    OpenSession {
        id: String,
        focus: Option<usize>,
    },
    NewSession,
    /// Start an incognito conversation (nothing saved).
    Incognito,
    /// A new conversation with this one's messages up to and including the one at `position`.
    Fork(usize),
    /// Find messages in every conversation.
    SearchChats(String),
    SearchMemories {
        query: String,
        filter: MemoryFilter,
    },
    OpenMemory(String),
    SaveMemory {
        id: String,
        text: String,
    },
    EditInEditor(Memory),
    Pin {
        id: String,
        pinned: bool,
    },
    Delete(String),
    Restore(Memory),
    AddNote(String),
    /// `/remember TEXT` in the chat.
    Remember(String),
}

/// Applies `msg` to `state`; returns what to do about it.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Paste(text) => {
            on_paste(state, text);
            // A paste into a search box searches, as typing there does.
            match (state.screen, &state.memories.mode) {
                (Screen::Memories, MemoryMode::List) => vec![search(state)],
                (Screen::Search, _) => search::for_query(state),
                _ => Vec::new(),
            }
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
        msg @ (Msg::Opened { .. }
        | Msg::Loading { .. }
        | Msg::LoadingDone
        | Msg::ContextUsed(_)
        | Msg::ModelInfo { .. }
        | Msg::Recalled(_)
        | Msg::Prefill { .. }
        | Msg::Piece(_)
        | Msg::Finished { .. }
        | Msg::Failed(_)) => chat::on_message(state, msg),
        Msg::Remembered(memory) => chat::on_remembered(state, memory),
        Msg::Learned(facts) => chat::on_learned(state, facts),
        msg @ (Msg::MemoryResults { .. }
        | Msg::MemoryOpened(_)
        | Msg::MemorySaved { .. }
        | Msg::MemoryDeleted(_)
        | Msg::MemoryRestored(_)) => memories::on_message(state, msg),
        msg @ Msg::Sessions(_) => picker::on_message(state, msg),
        msg @ Msg::ChatHits { .. } => search::on_message(state, msg),
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
        Screen::Search => {
            move_selection(&mut state.search.selected, state.search.hits.len(), -lines)
        }
    }
}

/// ↑↓ and the page keys move a list's selection (the picker, search hits, memories); returns
/// whether `action` was one of them.
fn navigate(selected: &mut usize, len: usize, action: Option<Action>) -> bool {
    let by = match action {
        Some(Action::HistoryPrev) => -1,
        Some(Action::HistoryNext) => 1,
        Some(Action::ScrollUp) => -10,
        Some(Action::ScrollDown) => 10,
        _ => return false,
    };
    move_selection(selected, len, by);
    true
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
    // Terminals (tmux by default) send a pasted line break as CR: it is a line break all the same.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
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
        Screen::Search => Some(&mut state.search.query),
        Screen::Picker => None,
        Screen::Memories => match &mut state.memories.mode {
            MemoryMode::List => Some(&mut state.memories.query),
            MemoryMode::Edit(input) | MemoryMode::Note(input) => Some(input),
            MemoryMode::View | MemoryMode::Confirm(_) => None,
        },
    }
}

/// Editing keys, common to every text field: typing, and readline's conventions (Ctrl+A/E line
/// start and end, Ctrl+U/K delete to them, Ctrl+W and Alt+Backspace the word before, Alt+D the
/// word after, Alt+B/F and Ctrl+←/→ move by words). Returns whether the key was used.
fn edit(input: &mut Input, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let word = ctrl || alt;
    match key.code {
        KeyCode::Char(c) if !ctrl && !alt => input.insert(c.encode_utf8(&mut [0; 4])),
        KeyCode::Char('a') if ctrl => input.home(),
        KeyCode::Char('e') if ctrl => input.end(),
        KeyCode::Char('u') if ctrl => input.delete_to_line_start(),
        KeyCode::Char('k') if ctrl => input.delete_to_line_end(),
        KeyCode::Char('w') if ctrl => input.delete_word_before(),
        KeyCode::Char('h') if ctrl => input.backspace(),
        KeyCode::Char('b') if alt => input.word_left(),
        KeyCode::Char('f') if alt => input.word_right(),
        KeyCode::Char('d') if alt => input.delete_word_after(),
        KeyCode::Backspace if word => input.delete_word_before(),
        KeyCode::Backspace => input.backspace(),
        KeyCode::Delete => input.delete(),
        KeyCode::Left if word => input.word_left(),
        KeyCode::Right if word => input.word_right(),
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
    // The help scrolls with ↑↓ and the page keys; any other key closes it.
    if let Some(at) = state.help {
        state.help = match key.code {
            KeyCode::Up => Some(at.saturating_sub(1)),
            KeyCode::Down => Some(at + 1),
            KeyCode::PageUp => Some(at.saturating_sub(10)),
            KeyCode::PageDown => Some(at + 10),
            _ => None,
        };
        return Vec::new();
    }
    // Answering "delete?" takes any key.
    if let MemoryMode::Confirm(memory) = &state.memories.mode
        && state.screen == Screen::Memories
    {
        let id = memory.id.clone();
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
            state.help = Some(0);
            return Vec::new();
        }
        Some(Action::SearchChats) => {
            state.screen = Screen::Search;
            return Vec::new();
        }
        Some(Action::Incognito) if !state.generating() => {
            if state.chat.incognito {
                return vec![match state.before_incognito.take() {
                    Some(id) => Effect::OpenSession { id, focus: None },
                    None => Effect::NewSession,
                }];
            }
            state.before_incognito =
                Some(state.chat.session_id.clone()).filter(|id| !id.is_empty());
            return vec![Effect::Incognito];
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
        Screen::Search => search_key(state, key, action),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Role;
    use crate::memory::{Memory, MemoryKind};
    use crate::tui::keys::KeyMap;
    use crate::tui::theme::Theme;
    use chrono::Utc;

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
                    cut: false,
                    similarity: None,
                    answer_to: None,
                    follows: None,
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

    fn type_and_send(state: &mut State, text: &str) -> Vec<Effect> {
        update(state, Msg::Paste(text.into()));
        press(state, KeyCode::Enter, KeyModifiers::NONE)
    }

    #[test]
    fn facts_learned_from_a_message_are_announced_and_ctrl_z_or_forget_deletes_them() {
        let mut state = state();
        let fact = |text: &str| Memory::new(MemoryKind::Fact, text.into(), vec![], Utc::now());
        let learned = |fact: &Memory| LearnedFact {
            fact: fact.clone(),
            replaces: None,
        };
        let vegetarian = fact("The user is vegetarian.");
        update(&mut state, Msg::Learned(vec![learned(&vegetarian)]));
        let notice = state.notice.as_ref().map(|n| n.text.clone()).unwrap();
        assert!(
            notice.contains("memory saved: “The user is vegetarian.”") && notice.contains("Ctrl+Z"),
            "{notice}"
        );
        // It stays while the reply is read (the previous build cleared it after 4 s), then goes.
        let tick = |state: &mut State, ticks: usize| {
            for _ in 0..ticks {
                update(state, Msg::Tick(Utc::now()));
            }
        };
        tick(&mut state, 100);
        assert!(state.notice.is_some(), "gone after 10 s");
        tick(&mut state, 60);
        assert!(state.notice.is_none(), "still there after 16 s");
        assert_eq!(
            press(&mut state, KeyCode::Char('z'), KeyModifiers::CONTROL),
            [Effect::Delete(vegetarian.id.clone())]
        );
        // Two facts from one message: both are undone together.
        let (olek, gdansk) = (
            fact("The user's brother Olek is a firefighter."),
            fact("The user's brother Olek lives in Gdansk."),
        );
        update(
            &mut state,
            Msg::Learned(vec![learned(&olek), learned(&gdansk)]),
        );
        let notice = state.notice.as_ref().map(|n| n.text.clone()).unwrap();
        assert!(notice.starts_with("2 memories saved"), "{notice}");
        assert_eq!(
            type_and_send(&mut state, "/forget"),
            [Effect::Delete(olek.id), Effect::Delete(gdansk.id)]
        );
        assert!(type_and_send(&mut state, "/forget").is_empty());
        // A fact that supersedes another says what it replaced; undo deletes only the new one.
        let no_longer = fact("The user is no longer vegetarian.");
        update(
            &mut state,
            Msg::Learned(vec![LearnedFact {
                fact: no_longer.clone(),
                replaces: Some("The user is vegetarian.".into()),
            }]),
        );
        let notice = state.notice.as_ref().map(|n| n.text.clone()).unwrap();
        assert!(
            notice.starts_with(
                "memory updated: “The user is no longer vegetarian.” (was “The user is vegetarian.”)"
            ),
            "{notice}"
        );
        assert_eq!(
            press(&mut state, KeyCode::Char('z'), KeyModifiers::CONTROL),
            [Effect::Delete(no_longer.id)]
        );
        // A message that stated nothing says nothing.
        state.notice = None;
        update(&mut state, Msg::Learned(Vec::new()));
        assert!(state.notice.is_none());
    }

    #[test]
    fn remember_saves_a_note_that_ctrl_z_or_forget_deletes_and_forget_text_opens_the_browser() {
        let mut state = state();
        assert_eq!(
            type_and_send(&mut state, "/remember my locker code is 4417"),
            [Effect::Remember("my locker code is 4417".into())]
        );
        let memory = Memory::new(
            MemoryKind::Note,
            "my locker code is 4417".into(),
            vec![],
            Utc::now(),
        );
        update(&mut state, Msg::Remembered(memory.clone()));
        let notice = state
            .notice
            .as_ref()
            .map(|n| n.text.clone())
            .unwrap_or_default();
        assert!(
            notice.contains("memory saved") && notice.contains("Ctrl+Z"),
            "{notice}"
        );
        assert_eq!(
            press(&mut state, KeyCode::Char('z'), KeyModifiers::CONTROL),
            [Effect::Delete(memory.id.clone())]
        );
        update(&mut state, Msg::Remembered(memory.clone()));
        assert_eq!(
            type_and_send(&mut state, "/forget"),
            [Effect::Delete(memory.id.clone())]
        );
        assert!(
            type_and_send(&mut state, "/forget").is_empty(),
            "nothing left to forget"
        );

        let effects = type_and_send(&mut state, "/forget locker code");
        assert_eq!(state.screen, Screen::Memories);
        assert!(
            matches!(&effects[..], [Effect::SearchMemories { query, .. }] if query == "locker code"),
            "{effects:?}"
        );
        // Anything else starting with a slash is a message.
        state.screen = Screen::Chat;
        assert_eq!(
            type_and_send(&mut state, "/etc/hosts: what is it for?"),
            [Effect::Ask("/etc/hosts: what is it for?".into())]
        );
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
            relevance: None,
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

    fn finish(s: &mut State, text: &str) -> Vec<Effect> {
        update(
            s,
            Msg::Finished {
                text: text.into(),
                stats: TurnStats::default(),
                stop: StopReason::EndOfTurn,
            },
        )
    }

    #[test]
    fn a_message_sent_while_a_reply_streams_is_queued_and_sent_after_it() {
        let mut s = state();
        typed(&mut s, "first");
        press(&mut s, KeyCode::Enter, KeyModifiers::NONE);
        typed(&mut s, "second");
        assert_eq!(press(&mut s, KeyCode::Enter, KeyModifiers::NONE), []);
        typed(&mut s, "third");
        press(&mut s, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(s.chat.queued, ["second", "third"]);
        assert!(s.input.text.is_empty(), "the queued text left the input");
        assert_eq!(finish(&mut s, "one"), [Effect::Ask("second".into())]);
        assert_eq!(finish(&mut s, "two"), [Effect::Ask("third".into())]);
        assert_eq!(finish(&mut s, "three"), []);
        let said: Vec<&str> = s.chat.entries.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(said, ["first", "one", "second", "two", "third", "three"]);
    }

    #[test]
    fn a_paste_with_carriage_returns_keeps_its_line_breaks() {
        let mut s = state();
        update(&mut s, Msg::Paste("a\rb\r\nc".into()));
        assert_eq!(s.input.text, "a\nb\nc");
    }

    #[test]
    fn readline_keys_edit_the_chat_input() {
        let mut s = state();
        typed(&mut s, "hello big world");
        press(&mut s, KeyCode::Char('w'), KeyModifiers::CONTROL);
        assert_eq!(s.input.text, "hello big ");
        press(&mut s, KeyCode::Char('b'), KeyModifiers::ALT);
        press(&mut s, KeyCode::Char('a'), KeyModifiers::CONTROL);
        typed(&mut s, ">");
        press(&mut s, KeyCode::Char('e'), KeyModifiers::CONTROL);
        typed(&mut s, "!");
        assert_eq!(s.input.text, ">hello big !");
        press(&mut s, KeyCode::Char('u'), KeyModifiers::CONTROL);
        assert_eq!(s.input.text, "");
    }

    #[test]
    fn an_unknown_kind_is_named_with_the_kinds_there_are_and_the_title_follows_the_query() {
        let mut s = state();
        press(&mut s, KeyCode::F(3), KeyModifiers::NONE);
        typed(&mut s, "kind:notes bees");
        let problem = s.memories.problem.clone().unwrap();
        assert!(problem.contains("notes") && problem.contains("summary, note, fact"));
        assert_eq!(parse_query("kind:notes bees").0, "bees");
        for _ in 0.."notes bees".len() {
            press(&mut s, KeyCode::Backspace, KeyModifiers::NONE);
        }
        typed(&mut s, "note");
        assert_eq!(s.memories.problem, None);
        assert_eq!(shown_kinds(&s), [MemoryKind::Note]);
    }

    #[test]
    fn with_a_memory_open_up_and_down_open_its_neighbours() {
        let mut s = state();
        press(&mut s, KeyCode::F(3), KeyModifiers::NONE);
        let memories: Vec<Memory> = ["a", "b"]
            .iter()
            .map(|t| Memory::new(MemoryKind::Note, (*t).into(), vec![], Utc::now()))
            .collect();
        s.memories.items = memories
            .iter()
            .map(|m| MemoryItem {
                memory: m.clone(),
                relevance: None,
            })
            .collect();
        update(
            &mut s,
            Msg::MemoryOpened(MemoryDetail {
                memory: memories[0].clone(),
                sources: vec![],
                chain: Vec::new(),
            }),
        );
        assert_eq!(
            press(&mut s, KeyCode::Down, KeyModifiers::NONE),
            [Effect::OpenMemory(memories[1].id.clone())]
        );
    }

    #[test]
    fn incognito_starts_and_ends_back_in_the_conversation_it_left() {
        let mut s = state();
        s.chat.session_id = "20261127-090000-abcd".into();
        assert_eq!(
            press(&mut s, KeyCode::F(6), KeyModifiers::NONE),
            [Effect::Incognito]
        );
        update(
            &mut s,
            Msg::Opened {
                session_id: "unsaved-1".into(),
                title: "incognito".into(),
                entries: vec![],
                last_time: None,
                incognito: true,
                focus: None,
            },
        );
        assert!(s.chat.incognito);
        assert_eq!(
            press(&mut s, KeyCode::F(6), KeyModifiers::NONE),
            [Effect::OpenSession {
                id: "20261127-090000-abcd".into(),
                focus: None
            }]
        );
    }

    #[test]
    fn a_picked_message_forks_the_conversation_there() {
        let mut s = state();
        for text in ["q1", "a1", "q2"] {
            s.chat.entries.push(Entry {
                role: Role::User,
                text: text.into(),
                time: Utc::now(),
                recalled: vec![],
                interrupted: false,
                stats: None,
            });
        }
        press(&mut s, KeyCode::F(7), KeyModifiers::NONE);
        assert_eq!(s.chat.selected, Some(2));
        press(&mut s, KeyCode::Up, KeyModifiers::NONE);
        assert_eq!(
            press(&mut s, KeyCode::Enter, KeyModifiers::NONE),
            [Effect::Fork(1)]
        );
        assert_eq!(s.chat.selected, None);
    }

    #[test]
    fn the_status_bar_shows_the_opened_conversations_numbers_not_the_last_ones() {
        let mut s = state();
        s.status.context_used = 3000;
        s.status.tokens_per_s = Some(99.0);
        let reply = Entry {
            role: Role::Assistant,
            text: "ok".into(),
            time: Utc::now(),
            recalled: vec![],
            interrupted: false,
            stats: Some(TurnStats {
                context_used: 512,
                decode_tps: 40.0,
                ..TurnStats::default()
            }),
        };
        let opened = |entries: Vec<Entry>| Msg::Opened {
            session_id: "s".into(),
            title: "t".into(),
            entries,
            last_time: None,
            incognito: false,
            focus: None,
        };
        update(&mut s, opened(vec![reply]));
        assert_eq!(
            (s.status.context_used, s.status.tokens_per_s),
            (512, Some(40.0))
        );
        update(&mut s, Msg::ContextUsed(530));
        assert_eq!(
            s.status.context_used, 530,
            "what the restored KV cache holds"
        );
        update(&mut s, opened(vec![]));
        assert_eq!((s.status.context_used, s.status.tokens_per_s), (0, None));
    }
}
