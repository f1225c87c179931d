//! The conversations screen: past conversations, newest first, to resume.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph};

use super::super::keys::Action;
use super::super::state::State;
use super::{time_of, two_row_item};
use crate::sanitize::for_screen;

pub(super) fn picker(state: &State, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border)
        .title(format!(
            " conversations · Enter open · {} new · Esc back ",
            state.keys.label(Action::NewChat)
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    if state.picker.rows.is_empty() {
        let text = if state.picker.loading {
            "loading…"
        } else {
            "no conversations yet"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, state.theme.meta)), inner);
        return;
    }
    // Two lines a row; keep the selected one in view.
    let per_page = (usize::from(inner.height) / 2).max(1);
    let first = state.picker.selected.saturating_sub(per_page - 1);
    let mut lines = Vec::new();
    for (i, row) in state
        .picker
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(per_page)
    {
        let style = if i == state.picker.selected {
            state.theme.selected
        } else {
            Style::default()
        };
        let current = if row.id == state.chat.session_id {
            " ●"
        } else {
            ""
        };
        let head = format!(
            "{}  {}  ({}){current}",
            time_of(state, row.updated),
            for_screen(&row.title),
            crate::domain::counted(row.turns, "turn", "turns")
        );
        lines.extend(two_row_item(state, &head, &row.summary, width, style));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
