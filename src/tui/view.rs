//! `view`: draws the state. It only reads; every line it shows has been made screen-safe.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::keys::Action;
use super::markdown;
use super::render_cache::Fingerprint;
use crate::sanitize::for_screen;
use super::state::{Entry, Input, MemoryMode, Screen, State};
use crate::engine::Role;
use crate::session::one_line;

/// Draws the whole screen.
pub fn view(state: &State, frame: &mut Frame) {
    let area = frame.area();
    let [main, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    match state.screen {
        Screen::Chat => chat(state, frame, main),
        Screen::Picker => picker(state, frame, main),
        Screen::Memories => memories(state, frame, main),
    }
    status_bar(state, frame, status);
    if state.help {
        help(state, frame, area);
    }
}

fn time_of(state: &State, t: chrono::DateTime<chrono::Utc>) -> String {
    state.zone.format(t, "%Y-%m-%d %H:%M")
}

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

fn chat(state: &State, frame: &mut Frame, area: Rect) {
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
                "{} · {} · {:.3}",
                state.zone.format(r.time, "%Y-%m-%d"),
                r.kind.as_str(),
                r.score
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

/// A bordered text field; puts the terminal cursor at the input's cursor when `focused`.
fn text_box(
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

fn picker(state: &State, frame: &mut Frame, area: Rect) {
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
            "{}  {}  ({} turns){current}",
            time_of(state, row.updated),
            for_screen(&row.title),
            row.turns
        );
        lines.push(Line::from(Span::styled(one_line(&head, width), style)));
        lines.push(Line::from(Span::styled(
            format!(
                "   {}",
                one_line(&for_screen(&row.summary), width.saturating_sub(3))
            ),
            state.theme.meta,
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn memories(state: &State, frame: &mut Frame, area: Rect) {
    let m = &state.memories;
    let kind = m.kind.map_or("all", |k| k.as_str());
    let [search, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
    let title = format!(
        " search memories · kind: {kind} ({} next) · Esc back ",
        state.keys.label(Action::NextKind)
    );
    text_box(
        state,
        frame,
        search,
        &m.query,
        &title,
        m.mode == MemoryMode::List,
    );
    let (list_area, side) = if body.width >= 80 {
        let [l, d] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(body);
        (Some(l), d)
    } else if matches!(m.mode, MemoryMode::List) {
        (Some(body), Rect::default())
    } else {
        (None, body)
    };
    if let Some(list_area) = list_area {
        memory_list(state, frame, list_area);
    }
    if side.width > 0 {
        match &m.mode {
            MemoryMode::Edit(input) => text_box(
                state,
                frame,
                side,
                input,
                " edit · Enter save · Esc cancel ",
                true,
            ),
            MemoryMode::Note(input) => text_box(
                state,
                frame,
                side,
                input,
                " new note · Enter save · Esc cancel ",
                true,
            ),
            _ => memory_detail(state, frame, side),
        }
    }
    if let MemoryMode::Confirm(id) = &m.mode {
        let text = format!("Delete memory {id}? y deletes, any other key keeps it.");
        let w = (text.width() as u16 + 4).min(area.width);
        let popup = centered(area, w, 3);
        frame.render_widget(Clear, popup);
        frame.render_widget(
            Paragraph::new(Span::styled(text, state.theme.error))
                .block(Block::default().borders(Borders::ALL)),
            popup,
        );
    }
}

fn memory_list(state: &State, frame: &mut Frame, area: Rect) {
    let m = &state.memories;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border)
        .title(format!(" {} memories ", m.items.len()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let height = usize::from(inner.height).max(1);
    let first = m.selected.saturating_sub(height - 1);
    let lines: Vec<Line> = m
        .items
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, item)| {
            let mem = &item.memory;
            let pin = if mem.pinned { "📌" } else { "  " };
            let text = format!(
                "{pin}{} {:<7} {}",
                state.zone.format(mem.time_start, "%m-%d"),
                mem.kind.as_str(),
                for_screen(&mem.text)
            );
            let style = if i == m.selected {
                state.theme.selected
            } else {
                Style::default()
            };
            Line::from(Span::styled(one_line(&text, width), style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn memory_detail(state: &State, frame: &mut Frame, area: Rect) {
    let m = &state.memories;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border)
        .title(format!(
            " {} pin · {} edit · {} $EDITOR · {} delete · {} note ",
            state.keys.label(Action::Pin),
            state.keys.label(Action::EditInPlace),
            state.keys.label(Action::EditInEditor),
            state.keys.label(Action::Delete),
            state.keys.label(Action::AddNote),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width.max(1);
    let (memory, sources) = match &m.detail {
        Some(d) => (Some(&d.memory), d.sources.as_slice()),
        None => (m.items.get(m.selected).map(|i| &i.memory), &[][..]),
    };
    let Some(memory) = memory else {
        frame.render_widget(
            Paragraph::new(Span::styled("no memory selected", state.theme.meta)),
            inner,
        );
        return;
    };
    let theme = &state.theme;
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{} · {} · {}{}",
            memory.kind.as_str(),
            time_of(state, memory.time_start),
            memory.id,
            if memory.pinned { " · pinned" } else { "" }
        ),
        theme.meta,
    ))];
    if let Some(session) = &memory.session {
        lines.push(Line::from(Span::styled(
            format!("session {session} · recalled {} times", memory.recall_count),
            theme.meta,
        )));
    }
    lines.push(Line::default());
    lines.extend(markdown::plain(
        &for_screen(&memory.text),
        width,
        theme.assistant,
    ));
    if !sources.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled("from these turns:", theme.heading)));
        for (id, speaker, text) in sources {
            lines.push(Line::from(Span::styled(id.clone(), theme.meta)));
            lines.extend(markdown::plain(
                &format!("{speaker}: {}", for_screen(text)),
                width,
                theme.assistant,
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
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

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}
