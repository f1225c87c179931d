//! `view`: draws the state, one file per screen (chat, conversations, memories) plus what they
//! share (status bar, help, text fields). It only reads; every line it shows is screen-safe.

mod chat;
mod memories;
mod picker;

pub use chat::{transcript_lines, visible_transcript};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::keys::Action;
use super::state::{Input, Screen, State};
use crate::sanitize::for_screen;

/// Draws the whole screen.
pub fn view(state: &State, frame: &mut Frame) {
    let area = frame.area();
    let [main, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    match state.screen {
        Screen::Chat => chat::chat(state, frame, main),
        Screen::Picker => picker::picker(state, frame, main),
        Screen::Memories => memories::memories(state, frame, main),
    }
    status_bar(state, frame, status);
    if state.help {
        help(state, frame, area);
    }
}

pub(super) fn time_of(state: &State, t: chrono::DateTime<chrono::Utc>) -> String {
    state.zone.format(t, "%Y-%m-%d %H:%M")
}

/// A bordered text field; puts the terminal cursor at the input's cursor when `focused`.
pub(super) fn text_box(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    input: &Input,
    title: &str,
    focused: bool,
) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border)
        .title(Span::styled(title.to_string(), state.theme.meta));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let text = for_screen(&input.text);
    let all: Vec<&str> = text.split('\n').collect();
    let (line, col) = input.cursor_line_col();
    let height = usize::from(inner.height);
    let first = (line + 1).saturating_sub(height);
    let width = usize::from(inner.width);
    let lines: Vec<Line> = all
        .iter()
        .skip(first)
        .take(height)
        .map(|l| {
            // Long lines scroll horizontally to keep the cursor in view.
            let skip = if l.chars().count() >= width {
                col.saturating_sub(width - 1)
            } else {
                0
            };
            Line::from(l.chars().skip(skip).collect::<String>())
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    if focused && !state.help {
        let before: String = all
            .get(line)
            .map(|l| l.chars().take(col).collect())
            .unwrap_or_default();
        let x = before.width().min(width - 1);
        frame.set_cursor_position(Position::new(
            inner.x + x as u16,
            inner.y + (line - first) as u16,
        ));
    }
}

fn status_bar(state: &State, frame: &mut Frame, area: Rect) {
    let s = &state.status;
    let mut parts = vec![format!(
        " {}",
        if s.model.is_empty() {
            "loading…"
        } else {
            &s.model
        }
    )];
    if s.context_size > 0 {
        parts.push(format!("ctx {}/{}", s.context_used, s.context_size));
    }
    if let Some(tps) = s.tokens_per_s {
        parts.push(format!("{tps:.0} tok/s"));
    }
    parts.push(format!(
        "memory daemon: {}",
        s.daemon.map_or("off", |d| d.as_str())
    ));
    if let Some(n) = s.memories {
        parts.push(format!("{n} memories"));
    }
    let mut spans = vec![Span::styled(parts.join(" │ "), state.theme.status)];
    if let Some(notice) = &state.notice {
        let style = if notice.error {
            state.theme.error
        } else {
            state.theme.notice
        };
        spans.push(Span::styled(
            format!(" {}", for_screen(&notice.text)),
            style,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn help(state: &State, frame: &mut Frame, area: Rect) {
    let labels: Vec<String> = Action::ALL
        .iter()
        .map(|(action, ..)| state.keys.label(*action))
        .collect();
    let column = labels.iter().map(|l| l.width()).max().unwrap_or(0) + 2;
    let rows: Vec<Line> = Action::ALL
        .iter()
        .zip(&labels)
        .map(|((_, _, _, what), label)| {
            Line::from(vec![
                Span::styled(format!("{label:<column$}"), state.theme.heading),
                Span::raw(*what),
            ])
        })
        .collect();
    let height = (rows.len() as u16 + 4).min(area.height);
    let width = (column as u16 + 44).min(area.width);
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    let mut lines = rows;
    lines.push(Line::from(Span::styled(
        "Mouse wheel scrolls. Keys are set in [tui.keys] of the config. Any key closes this.",
        state.theme.meta,
    )));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(state.theme.border)
                    .title(" keys "),
            ),
        popup,
    );
}

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}
