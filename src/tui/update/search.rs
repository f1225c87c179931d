//! The search over every conversation: type to search, ↑↓ to pick a message, Enter to open its
//! conversation at that message.

use crossterm::event::KeyEvent;

use super::super::keys::Action;
use super::super::state::{Screen, State};
use super::{Effect, Msg, edit, move_selection, navigate};

/// Queries shorter than this find too much to be useful.
pub const MIN_QUERY_CHARS: usize = 2;

pub(super) fn on_message(state: &mut State, msg: Msg) -> Vec<Effect> {
    if let Msg::ChatHits { query, hits } = msg
        && query == state.search.query.text
    {
        state.search.hits = hits;
        state.search.searched = query;
        move_selection(&mut state.search.selected, state.search.hits.len(), 0);
    }
    Vec::new()
}

pub(super) fn search_key(state: &mut State, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    if navigate(&mut state.search.selected, state.search.hits.len(), action) {
        return Vec::new();
    }
    match action {
        Some(Action::Cancel) => state.screen = Screen::Chat,
        Some(Action::Send) => {
            if let Some(hit) = state.search.hits.get(state.search.selected) {
                return vec![Effect::OpenSession {
                    id: hit.session_id.clone(),
                    focus: Some(hit.position),
                }];
            }
        }
        _ if edit(&mut state.search.query, &key) => return for_query(state),
        _ => {}
    }
    Vec::new()
}

/// The search for what the query says now (nothing for a query too short to be useful).
pub(super) fn for_query(state: &mut State) -> Vec<Effect> {
    state.search.selected = 0;
    let query = state.search.query.text.clone();
    if query.trim().chars().count() < MIN_QUERY_CHARS {
        state.search.hits.clear();
        state.search.searched = query;
        return Vec::new();
    }
    vec![Effect::SearchChats(query)]
}
