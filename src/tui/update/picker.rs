//! The conversations screen: its rows and keys.

use super::super::keys::Action;
use super::super::state::{Screen, State};
use super::{Effect, Msg, move_selection, navigate};

/// The rows of the picker.
pub(super) fn on_message(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Sessions(rows) => {
            state.picker.rows = rows;
            state.picker.loading = false;
            move_selection(&mut state.picker.selected, state.picker.rows.len(), 0);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

pub(super) fn picker_key(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    if navigate(&mut state.picker.selected, state.picker.rows.len(), action) {
        return Vec::new();
    }
    match action {
        Some(Action::Cancel) => state.screen = Screen::Chat,
        Some(Action::Send) => {
            if let Some(row) = state.picker.rows.get(state.picker.selected) {
                let id = row.id.clone();
                state.screen = Screen::Chat;
                if id != state.chat.session_id {
                    return vec![Effect::OpenSession { id, focus: None }];
                }
            }
        }
        _ => {}
    }
    Vec::new()
}
