//! The memories screen's messages (results, saves, deletes) and keys: search, browse, edit, pin.

use chrono::{DateTime, NaiveDate, Utc};
use crossterm::event::KeyEvent;

use super::super::keys::Action;
use super::super::state::{Input, MemoryItem, MemoryMode, Screen, State};
use super::{Effect, Msg, edit, move_selection, navigate};
use crate::memory::{MemoryFilter, MemoryKind};

/// Results of memory reads and writes.
pub(super) fn on_message(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::MemoryResults {
            query,
            items,
            hidden,
        } => {
            // Results for an older query (typing went on) are dropped.
            if query == state.memories.query.text {
                state.memories.items = items;
                state.memories.hidden = hidden;
                move_selection(&mut state.memories.selected, state.memories.items.len(), 0);
            }
            Vec::new()
        }
        Msg::MemoryOpened(detail) => {
            let came_from_elsewhere = state.screen != Screen::Memories;
            state.screen = Screen::Memories;
            if let Some(at) = state
                .memories
                .items
                .iter()
                .position(|i| i.memory.id == detail.memory.id)
            {
                state.memories.selected = at;
            }
            state.memories.detail = Some(detail);
            state.memories.mode = MemoryMode::View;
            // Opened from the recall panel: the list behind it is filled too.
            if came_from_elsewhere && state.memories.items.is_empty() {
                return vec![search(state)];
            }
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
                        relevance: None,
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
            state.offer_undo(format!(
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
                    relevance: None,
                },
            );
            state.memories.selected = 0;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// The search for what the browser's query says now (a query naming an unknown kind is shown as a
/// problem, not searched for).
pub(super) fn search(state: &mut State) -> Effect {
    state.memories.problem = query_problem(&state.memories.query.text);
    Effect::SearchMemories {
        query: state.memories.query.text.clone(),
        filter: browser_filter(state),
    }
}

/// The filter the browser searches with: the query's, with the kind Tab picked when the query
/// names none.
fn browser_filter(state: &State) -> MemoryFilter {
    let (_, mut filter) = parse_query(&state.memories.query.text);
    if filter.kinds.is_empty() {
        filter.kinds = state.memories.kind.into_iter().collect();
    }
    filter
}

/// The kinds the browser filters on (what its title shows).
pub fn shown_kinds(state: &State) -> Vec<MemoryKind> {
    browser_filter(state).kinds
}

/// What is wrong with a browser query: a `kind:` that names no kind.
pub fn query_problem(query: &str) -> Option<String> {
    query
        .split_whitespace()
        .filter_map(|t| t.strip_prefix("kind:"))
        .find(|k| k.parse::<MemoryKind>().is_err())
        .map(|k| {
            let kinds: Vec<&str> = MemoryKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("no kind `{k}`: the kinds are {}", kinds.join(", "))
        })
}

/// Splits a browser query into its words and its `kind:`, `session:`, `after:`, `before:`
/// filters. A `kind:` naming no kind is left out (see `query_problem`), never searched for.
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
                if let Ok(kind) = k.parse::<MemoryKind>()
                    && !filter.kinds.contains(&kind)
                {
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

pub(super) fn memories_key(
    state: &mut State,
    key: KeyEvent,
    action: Option<Action>,
) -> Vec<Effect> {
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
    if !viewing && navigate(&mut state.memories.selected, len, action) {
        return Vec::new();
    }
    // With a memory open, ↑↓ open the one above or below it in the list.
    if viewing && len > 0 && matches!(action, Some(Action::HistoryPrev | Action::HistoryNext)) {
        navigate(&mut state.memories.selected, len, action);
        let next = state.memories.items[state.memories.selected]
            .memory
            .id
            .clone();
        return vec![Effect::OpenMemory(next)];
    }
    match action {
        Some(Action::Cancel) => {
            if viewing {
                state.memories.mode = MemoryMode::List;
                state.memories.detail = None;
            } else {
                state.screen = Screen::Chat;
            }
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
                state.memories.mode = MemoryMode::Confirm(m);
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

/// The browser's mode after an edit, a note or a question ends: back to the open memory, else the list.
pub(super) fn browsing(state: &State) -> MemoryMode {
    if state.memories.detail.is_some() {
        MemoryMode::View
    } else {
        MemoryMode::List
    }
}
