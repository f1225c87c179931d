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
    let segments = transcript_segments(state, width);
    let mut lines = Vec::new();
    for segment in &segments {
        lines.extend(segment.iter().cloned());
    }
    lines
}

/// The transcript in pieces, top to bottom: the "last time" note, each message (from the render
/// cache, with its blank line), and what is streaming now.
fn transcript_segments(state: &State, width: u16) -> Vec<Segment> {
    let theme = &state.theme;
    let mut segments = Vec::with_capacity(state.chat.entries.len() + 2);
    if let Some(note) = &state.chat.last_time {
        let mut lines = markdown::plain(&for_screen(note), width, theme.notice);
        lines.push(Line::default());
        segments.push(Segment::Owned(lines));
    }
    for (index, entry) in state.chat.entries.iter().enumerate() {
        let fingerprint = Fingerprint {
            text_len: entry.text.len(),
            time_micros: entry.time.timestamp_micros(),
            recalled: entry.recalled.len(),
            interrupted: entry.interrupted,
            role: entry.role as u8,
        };
        segments.push(Segment::Cached(state.rendered.lines(
            index,
            width,
            fingerprint,
            || {
                let mut lines = entry_lines(state, entry, width);
                lines.push(Line::default());
                lines
            },
        )));
    }
    segments.push(Segment::Owned(live_lines(state, width)));
    segments
}

/// A run of transcript lines, owned or shared with the render cache.
enum Segment {
    Owned(Vec<Line<'static>>),
    Cached(std::sync::Arc<Vec<Line<'static>>>),
}

impl std::ops::Deref for Segment {
    type Target = [Line<'static>];
    fn deref(&self) -> &Self::Target {
        match self {
            Segment::Owned(lines) => lines,
            Segment::Cached(lines) => lines,
        }
    }
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
/// bottom, and whether there is more above and below. Only those lines are copied.
pub fn visible_transcript(
    state: &State,
    width: u16,
    height: usize,
) -> (Vec<Line<'static>>, bool, bool) {
    let segments = transcript_segments(state, width);
    let total: usize = segments.iter().map(|s| s.len()).sum();
    let bottom = total.saturating_sub(state.chat.scroll.min(total.saturating_sub(height)));
    let top = bottom.saturating_sub(height);
    let mut visible = Vec::with_capacity(bottom - top);
    let mut offset = 0;
    for segment in &segments {
        let (start, end) = (offset, offset + segment.len());
        offset = end;
        if end <= top || start >= bottom {
            continue;
        }
        let from = top.max(start) - start;
        let to = bottom.min(end) - start;
        visible.extend(segment[from..to].iter().cloned());
    }
    (visible, top > 0, bottom < total)
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
            format!(" · {} memories recalled", entry.recalled.len()),
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
    let input_lines = state.input.text.split('\n').count().clamp(1, 6) as u16;
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
    let width = area.width.saturating_sub(1).max(1);
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
