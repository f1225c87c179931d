//! `view`: draws the state, one file per screen (chat, conversations, memories) plus what they
//! share (status bar, help, text fields). It only reads; every line it shows is screen-safe.

mod chat;
mod memories;
mod picker;
mod search;

pub use chat::{MAX_READING_WIDTH, transcript_lines, visible_transcript};

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
        Screen::Search => search::search(state, frame, main),
    }
    status_bar(state, frame, status);
    if let Some(scroll) = state.help {
        help(state, frame, area, scroll);
    }
}

/// A list item of two rows: `head` (already screen-safe) in `style`, then `detail` indented and
/// dimmed, each cut to `width`.
pub(super) fn two_row_item(
    state: &State,
    head: &str,
    detail: &str,
    width: usize,
    style: ratatui::style::Style,
) -> [Line<'static>; 2] {
    let detail = crate::session::one_line(&for_screen(detail), width.saturating_sub(3));
    [
        Line::from(Span::styled(crate::session::one_line(head, width), style)),
        Line::from(Span::styled(format!("   {detail}"), state.theme.meta)),
    ]
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
    let width = usize::from(inner.width);
    let (rows, cursor) = input_rows(input, width);
    let height = usize::from(inner.height);
    let first = (cursor.0 + 1).saturating_sub(height);
    let lines: Vec<Line> = rows
        .into_iter()
        .skip(first)
        .take(height)
        .map(Line::from)
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    if focused && state.help.is_none() {
        frame.set_cursor_position(Position::new(
            inner.x + cursor.1.min(width - 1) as u16,
            inner.y + (cursor.0 - first) as u16,
        ));
    }
}

/// An input's text cut into rows `width` columns wide (long lines wrap, never scroll sideways),
/// and the cursor's (row, column).
pub(super) fn input_rows(input: &Input, width: usize) -> (Vec<String>, (usize, usize)) {
    let width = width.max(2);
    let mut rows = Vec::new();
    let mut cursor = (0, 0);
    let mut offset = 0;
    for line in input.text.split('\n') {
        let mut row = String::new();
        let mut used = 0;
        for (i, c) in line.char_indices() {
            // Shown as `for_screen` shows it: a tab as four spaces, other controls not at all.
            let tab = c == '\t';
            let w = if tab {
                4
            } else {
                unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
            };
            if used + w > width {
                rows.push(std::mem::take(&mut row));
                used = 0;
            }
            if offset + i == input.cursor {
                cursor = (rows.len(), used);
            }
            if tab {
                row.push_str("    ");
            } else if !c.is_control() {
                row.push(c);
            }
            used += w;
        }
        if offset + line.len() == input.cursor {
            // At the end of a full row the cursor starts the next one.
            cursor = if used >= width {
                (rows.len() + 1, 0)
            } else {
                (rows.len(), used)
            };
        }
        rows.push(row);
        offset += line.len() + 1;
    }
    if cursor.0 >= rows.len() {
        rows.push(String::new());
    }
    (rows, cursor)
}

fn status_bar(state: &State, frame: &mut Frame, area: Rect) {
    let s = &state.status;
    let mut parts = Vec::new();
    if state.chat.incognito {
        parts.push(" INCOGNITO: nothing saved".to_string());
    }
    parts.push(format!(
        " {}",
        if s.model.is_empty() {
            "loading…"
        } else {
            &s.model
        }
    ));
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
        parts.push(crate::domain::counted(n, "memory", "memories"));
    }
    let Some(notice) = &state.notice else {
        let status = parts.join(" │ ");
        frame.render_widget(
            Paragraph::new(Span::styled(status, state.theme.status)),
            area,
        );
        return;
    };
    let style = if notice.error {
        state.theme.error
    } else {
        state.theme.notice
    };
    // A notice says what just happened and how to undo it: it is shown whole, and the status
    // gives up its parts from the right (the memory count first, the model last; "incognito"
    // never) until both fit. A notice wider than the line alone is cut, the cut shown.
    let text = for_screen(&notice.text);
    let width = usize::from(area.width);
    let kept = usize::from(state.chat.incognito);
    while parts.len() > kept && parts.join(" │ ").width() + 3 + text.width() > width {
        parts.pop();
    }
    let line = if parts.is_empty() {
        Line::from(Span::styled(
            cut_to_width(&format!(" {text}"), width),
            style,
        ))
    } else {
        let status = parts.join(" │ ");
        let room = width.saturating_sub(status.width() + 3);
        Line::from(vec![
            Span::styled(status, state.theme.status),
            Span::styled(" │ ", state.theme.status),
            Span::styled(cut_to_width(&text, room), style),
        ])
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// A block title of key hints: as many whole hints as fit in `width` columns, in order, then
/// `more` (where every key is listed) when some were left out.
fn fitting_hints(hints: &[String], more: &str, width: usize) -> String {
    let title = |shown: &[String], rest: bool| {
        let mut parts: Vec<&str> = shown.iter().map(String::as_str).collect();
        if rest {
            parts.push(more);
        }
        format!(" {} ", parts.join(" · "))
    };
    (0..=hints.len())
        .rev()
        .map(|n| title(&hints[..n], n < hints.len()))
        .find(|t| t.width() <= width)
        .unwrap_or_default()
}

/// `text` cut to `width` columns, with "…" where it was cut.
fn cut_to_width(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// The key help: every action's keys, what it does, and its name for `[tui.keys]`. Scrolls with
/// ↑↓ when the screen is too small for it.
fn help(state: &State, frame: &mut Frame, area: Rect, scroll: usize) {
    let popup = centered(area, area.width.min(100), area.height);
    let inner_width = usize::from(popup.width.saturating_sub(2));
    let labels: Vec<String> = Action::ALL
        .iter()
        .map(|(action, ..)| state.keys.label(*action))
        .collect();
    let column = labels.iter().map(|l| l.width()).max().unwrap_or(0) + 2;
    let names = Action::ALL
        .iter()
        .map(|(_, n, ..)| n.len())
        .max()
        .unwrap_or(0)
        + 2;
    // Wide enough: one row an action; else the keys and name on one row, what it does below.
    let one_row = column + names + 30 <= inner_width;
    let mut lines: Vec<Line<'static>> = Vec::new();
    for ((_, name, _, what), label) in Action::ALL.iter().zip(&labels) {
        let keys = Span::styled(format!("{label:<column$}"), state.theme.heading);
        let name = Span::styled(format!("{name:<names$}"), state.theme.meta);
        if one_row {
            // A long description wraps under itself, not under the keys.
            let hang = Span::raw(" ".repeat(column + names));
            lines.extend(super::markdown::wrap_under(
                Line::from(vec![keys, name, Span::raw(*what)]),
                inner_width as u16,
                Some(hang),
            ));
        } else {
            lines.push(Line::from(vec![keys, name]));
            lines.push(Line::from(Span::raw(format!("  {what}"))));
        }
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Rebind in the config: [tui.keys] name = [\"ctrl+x\"]. Mouse wheel scrolls.",
        state.theme.meta,
    )));
    lines.push(Line::from(Span::styled(
        "Input: Ctrl+A/E line start/end · Ctrl+U/K delete to them · Ctrl+W word · Alt+B/F words.",
        state.theme.meta,
    )));
    let lines: Vec<Line> = lines
        .into_iter()
        .flat_map(|l| super::markdown::wrap(l, inner_width as u16))
        .collect();
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = centered(area, popup.width, height);
    let visible = usize::from(height.saturating_sub(2));
    let scroll = scroll.min(lines.len().saturating_sub(visible));
    let more = lines.len() > visible;
    let title = if more {
        " keys · ↑↓ scroll · any other key closes "
    } else {
        " keys · any key closes "
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll as u16, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(state.theme.border)
                .title(title),
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

#[cfg(test)]
mod tests {
    use super::input_rows;
    use crate::tui::state::Input;

    #[test]
    fn input_rows_wrap_at_the_width_with_tabs_counted_and_controls_hidden() {
        let input = Input::with_text("a\tbc\u{1b}[1mdéf");
        let (rows, cursor) = input_rows(&input, 6);
        assert_eq!(rows, ["a    b", "c[1mdé", "f"]);
        assert_eq!(cursor, (2, 1), "after the last character");
        assert!(rows.iter().all(|r| !r.chars().any(char::is_control)));
    }
}
