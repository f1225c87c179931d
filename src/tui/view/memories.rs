//! The memories screen: search, the list, a memory with its sources, and its editors.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::super::keys::Action;
use super::super::markdown;
use super::super::state::{MemoryMode, State};
use super::{centered, text_box, time_of};
use crate::sanitize::for_screen;
use crate::session::one_line;

pub(super) fn memories(state: &State, frame: &mut Frame, area: Rect) {
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
                &for_screen(&format!("{speaker}: {text}")),
                width,
                theme.assistant,
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
