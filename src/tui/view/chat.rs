//! The chat screen: the transcript (rendered once per message and width, only the visible part
//! copied into a frame), the recall panel and the input.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::super::keys::Action;
use super::super::markdown;
use super::super::render_cache::Fingerprint;
use super::super::state::{Entry, State};
use super::{text_box, time_of};
use crate::engine::Role;
use crate::sanitize::for_screen;
use crate::session::one_line;

/// The transcript as wrapped lines for a text area `width` wide (all of it; a frame only takes
/// the visible part, see `visible_transcript`).
pub fn transcript_lines(state: &State, width: u16) -> Vec<Line<'static>> {
    let mut lines = note_lines(state, width);
    for index in 0..state.chat.entries.len() {
        lines.extend(message_lines(state, index, width).iter().cloned());
    }
    lines.extend(live_lines(state, width));
    lines
}

/// Prose is not stretched wider than this many columns: long lines are hard to read.
pub const MAX_READING_WIDTH: u16 = 100;

/// The "last time" note shown above a resumed conversation, or a welcome on an empty one.
fn note_lines(state: &State, width: u16) -> Vec<Line<'static>> {
    if state.chat.entries.is_empty() && state.chat.reply.is_none() && state.chat.last_time.is_none()
    {
        return welcome_lines(state, width);
    }
    let Some(note) = &state.chat.last_time else {
        return Vec::new();
    };
    let mut lines = markdown::plain(&for_screen(note), width, state.theme.notice);
    lines.push(Line::default());
    lines
}

/// What a new conversation shows before the first message: what mneme is, the model, the keys.
fn welcome_lines(state: &State, width: u16) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let keys = &state.keys;
    let model = if state.status.model.is_empty() {
        "the model is loading".to_string()
    } else {
        format!("model {}", state.status.model)
    };
    let mode = if state.chat.incognito {
        " Incognito: nothing of this conversation is saved or remembered."
    } else {
        ""
    };
    let text = format!(
        "mneme: a local chat that remembers what you tell it ({model}).{mode}\n\
         {} send · {} stop a reply · {} conversations · {} search them · {} memories · {} help\n\
         /remember TEXT saves a memory · /forget undoes it · /forget TEXT finds memories to delete",
        keys.label(Action::Send),
        keys.label(Action::Cancel),
        keys.label(Action::Sessions),
        keys.label(Action::SearchChats),
        keys.label(Action::Memories),
        keys.label(Action::Help),
    );
    let mut lines = markdown::plain(&for_screen(&text), width, theme.meta);
    lines.push(Line::default());
    lines
}

fn fingerprint(entry: &Entry) -> Fingerprint {
    Fingerprint {
        text_len: entry.text.len(),
        time_micros: entry.time.timestamp_micros(),
        recalled: entry.recalled.len(),
        interrupted: entry.interrupted,
        role: entry.role as u8,
    }
}

/// Message `index` with its blank line, rendered once per width (from the render cache).
fn message_lines(state: &State, index: usize, width: u16) -> std::sync::Arc<Vec<Line<'static>>> {
    let entry = &state.chat.entries[index];
    state.rendered.lines(index, width, fingerprint(entry), || {
        let mut lines = entry_lines(state, entry, width);
        lines.push(Line::default());
        lines
    })
}

/// The reply being written and the progress of reading a conversation back.
fn live_lines(state: &State, width: u16) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(reply) = &state.chat.reply {
        lines.push(Line::from(Span::styled("mneme", theme.user)));
        let mut body = markdown::render(&for_screen(&reply.text), width, theme);
        let status = if reply.recalling {
            Some("recalling memories…".to_string())
        } else {
            reply
                .prefill
                .map(|(done, total)| format!("reading the prompt… {}%", done * 100 / total.max(1)))
        };
        match status {
            Some(s) if reply.text.is_empty() => {
                body.push(Line::from(Span::styled(s, theme.meta)));
            }
            _ => {
                let cursor = Span::styled("▌", theme.cursor);
                match body.last_mut() {
                    Some(last) if last.width() < usize::from(width) => last.spans.push(cursor),
                    _ => body.push(Line::from(cursor)),
                }
            }
        }
        lines.extend(body);
    }
    for queued in &state.chat.queued {
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.push(Line::from(vec![
            Span::styled("you", theme.user),
            Span::styled(" · queued: sent when the reply ends", theme.meta),
        ]));
        lines.extend(markdown::plain(&for_screen(queued), width, theme.assistant));
    }
    if let Some((done, total)) = state.chat.loading {
        lines.push(Line::from(Span::styled(
            format!(
                "reading the conversation back into the model… {}%",
                done * 100 / total.max(1)
            ),
            theme.notice,
        )));
    }
    lines
}

/// The `height` lines a transcript `width` wide shows, scrolled `scroll` lines up from the
/// bottom, and whether there is more above and below. Only the messages in view are touched
/// (their line offsets are cached), so a frame costs what is visible.
pub fn visible_transcript(
    state: &State,
    width: u16,
    height: usize,
) -> (Vec<Line<'static>>, bool, bool) {
    let note = note_lines(state, width);
    let live = live_lines(state, width);
    let entries = &state.chat.entries;
    let starts =
        state
            .rendered
            .offsets(width, entries.len(), entries.last().map(fingerprint), |i| {
                message_lines(state, i, width).len()
            });
    let messages = starts[entries.len()];
    let total = note.len() + messages + live.len();
    let bottom = match state.chat.selected.filter(|&i| i < entries.len()) {
        // A picked message is kept in view: its top row at the top when it is long.
        Some(i) => (note.len() + starts[i] + height)
            .min(total)
            .max(height.min(total)),
        None => total.saturating_sub(state.chat.scroll.min(total.saturating_sub(height))),
    };
    let top = bottom.saturating_sub(height);
    let mut visible = Vec::with_capacity(bottom - top);
    // Lines [from, to) of a run that starts at line `start` of the transcript.
    let mut take = |run: &[Line<'static>], start: usize| {
        let end = start + run.len();
        if end > top && start < bottom {
            let (from, to) = (top.max(start) - start, bottom.min(end) - start);
            visible.extend(run[from..to].iter().cloned());
        }
    };
    take(&note, 0);
    let first_line = top.saturating_sub(note.len());
    let first = starts
        .partition_point(|&s| s <= first_line)
        .saturating_sub(1);
    for (index, &offset) in starts.iter().enumerate().take(entries.len()).skip(first) {
        let start = note.len() + offset;
        if start >= bottom {
            break;
        }
        if state.chat.selected == Some(index) {
            take(&picked(state, &message_lines(state, index, width)), start);
        } else {
            take(&message_lines(state, index, width), start);
        }
    }
    take(&live, note.len() + messages);
    (visible, top > 0, bottom < total)
}

/// A picked message: its header marked and highlighted.
fn picked(state: &State, lines: &[Line<'static>]) -> Vec<Line<'static>> {
    let mut lines = lines.to_vec();
    if let Some(header) = lines.first_mut() {
        header
            .spans
            .insert(0, Span::styled("▶ ", state.theme.selected));
        for span in &mut header.spans {
            span.style = span.style.patch(state.theme.selected);
        }
    }
    lines
}

fn entry_lines(state: &State, entry: &Entry, width: u16) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut header = vec![Span::styled(
        match entry.role {
            Role::User => "you",
            Role::Assistant => "mneme",
            Role::System => "system",
            Role::Other => "other",
        },
        theme.user,
    )];
    header.push(Span::styled(
        format!(" · {}", time_of(state, entry.time)),
        theme.meta,
    ));
    if !entry.recalled.is_empty() {
        header.push(Span::styled(
            format!(
                " · {} recalled",
                crate::domain::counted(entry.recalled.len(), "memory", "memories")
            ),
            theme.meta,
        ));
    }
    if entry.interrupted {
        header.push(Span::styled(" · interrupted", theme.notice));
    }
    let mut lines = vec![Line::from(header)];
    let text = for_screen(&entry.text);
    lines.extend(match entry.role {
        Role::Assistant => markdown::render(&text, width, theme),
        _ => markdown::plain(&text, width, theme.assistant),
    });
    lines
}

pub(super) fn chat(state: &State, frame: &mut Frame, area: Rect) {
    let rows = super::input_rows(&state.input, usize::from(area.width.saturating_sub(2))).0;
    let input_lines = rows.len().clamp(1, 6) as u16;
    // The transcript keeps at least three rows.
    let input_height = (input_lines + 2).min(area.height.saturating_sub(3)).max(3);
    let [body, input] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(input_height)]).areas(area);
    let recalled = state.shown_recalled();
    let (transcript_area, panel_area) = if state.recall_panel {
        if body.width >= 70 {
            let [t, p] =
                Layout::horizontal([Constraint::Min(30), Constraint::Length(body.width / 3)])
                    .areas(body);
            (Some(t), Some(p))
        } else {
            (None, Some(body))
        }
    } else {
        (Some(body), None)
    };
    if let Some(t) = transcript_area {
        transcript(state, frame, t);
    }
    if let Some(p) = panel_area {
        recall_panel(state, frame, p, recalled);
    }
    let hint = format!(
        " {} send · {} new line · {} help ",
        state.keys.label(Action::Send),
        state
            .keys
            .label(Action::Newline)
            .split(" / ")
            .next()
            .unwrap_or(""),
        state.keys.label(Action::Help),
    );
    text_box(state, frame, input, &state.input, &hint, true);
}

fn transcript(state: &State, frame: &mut Frame, area: Rect) {
    let width = area.width.saturating_sub(1).clamp(1, MAX_READING_WIDTH);
    let (visible, above, below) = visible_transcript(state, width, usize::from(area.height));
    frame.render_widget(Paragraph::new(visible), area);
    if above || below {
        let marker = if below { "↓" } else { "↑" };
        frame.render_widget(
            Paragraph::new(Span::styled(marker, state.theme.meta)),
            Rect::new(area.x + area.width.saturating_sub(1), area.y, 1, 1),
        );
    }
}

fn recall_panel(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    recalled: &[crate::memory::recall::Recalled],
) {
    let users = state.user_entries();
    let shown = state.recall_shown();
    let position = shown
        .and_then(|e| users.iter().position(|u| *u == e))
        .map_or(0, |p| p + 1);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border)
        .title(format!(" recalled · reply {position} of {} ", users.len()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width.max(1);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(entry) = shown.map(|i| &state.chat.entries[i]) {
        lines.push(Line::from(Span::styled(
            one_line(&for_screen(&entry.text), usize::from(width)),
            state.theme.heading,
        )));
    }
    if recalled.is_empty() {
        lines.push(Line::from(Span::styled(
            "nothing was recalled",
            state.theme.meta,
        )));
    }
    for (i, r) in recalled.iter().enumerate() {
        let style = if i == state.recall_selected {
            state.theme.selected
        } else {
            Style::default()
        };
        lines.push(Line::from(Span::styled(
            format!(
                "{} · {} · {:.3}{}",
                state.zone.format(r.time, "%Y-%m-%d"),
                r.kind.as_str(),
                r.score,
                if r.cut { " · cut to fit" } else { "" }
            ),
            style.patch(state.theme.meta),
        )));
        lines.extend(markdown::plain(
            &one_line(&for_screen(&r.text), usize::from(width) * 3),
            width,
            style,
        ));
        lines.push(Line::default());
    }
    if !recalled.is_empty() {
        lines.push(Line::from(Span::styled(
            "↑↓ select · Enter open",
            state.theme.meta,
        )));
        lines.push(Line::from(Span::styled(
            "←→ earlier and later replies",
            state.theme.meta,
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
