//! The search over every conversation: the query, then each matching message with its
//! conversation and time; Enter opens the conversation at that message.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Paragraph};

use super::super::state::State;
use super::{text_box, time_of, two_row_item};
use crate::domain::{Role, counted};
use crate::sanitize::for_screen;
use crate::session::one_line;

pub(super) fn search(state: &State, frame: &mut Frame, area: Rect) {
    let s = &state.search;
    let [query, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
    text_box(
        state,
        frame,
        query,
        &s.query,
        " search every conversation · ↑↓ pick · Enter open there · Esc back ",
        true,
    );
    let title = if s.searched.trim().is_empty() {
        " type at least two characters ".to_string()
    } else {
        format!(
            " {} for “{}” ",
            counted(s.hits.len(), "message", "messages"),
            one_line(&for_screen(&s.searched), 40)
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border)
        .title(title);
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let width = usize::from(inner.width);
    // Two rows a hit: where and when, then the message; the selected one stays in view.
    let per_page = (usize::from(inner.height) / 2).max(1);
    let first = s.selected.saturating_sub(per_page - 1);
    let mut lines = Vec::new();
    for (i, hit) in s.hits.iter().enumerate().skip(first).take(per_page) {
        let style = if i == s.selected {
            state.theme.selected
        } else {
            Style::default()
        };
        let who = if hit.role == Role::User {
            "you"
        } else {
            "mneme"
        };
        let head = format!(
            "{} · {} · {who}",
            time_of(state, hit.time),
            for_screen(&hit.title)
        );
        lines.extend(two_row_item(state, &head, &hit.text, width, style));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
