//! The conversations screen: its rows and keys.

use super::super::keys::Action;
use super::super::state::{Screen, State};
use super::{Effect, Msg, move_selection};

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
