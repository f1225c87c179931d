//! The memories screen: search, the list, a memory with its sources, and its editors.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::super::keys::Action;
use super::super::markdown;
use super::super::state::{MemoryMode, State};
use super::super::update::shown_kinds;
use super::{centered, text_box, time_of};
use crate::domain::counted;
use crate::sanitize::for_screen;
use crate::session::one_line;

pub(super) fn memories(state: &State, frame: &mut Frame, area: Rect) {
    let m = &state.memories;
    let kinds: Vec<&str> = shown_kinds(state).iter().map(|k| k.as_str()).collect();
    let kind = if kinds.is_empty() {
        "all".to_string()
    } else {
        kinds.join(", ")
    };
    let [search, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
    let title = match &m.problem {
        Some(problem) => format!(" {problem} "),
        None => format!(
            " search memories · kind: {kind} ({} next) · Esc back ",
            state.keys.label(Action::NextKind)
        ),
    };
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
    if let MemoryMode::Confirm(memory) = &m.mode {
        confirm_delete(state, frame, area, memory);
    }
}

/// "Delete this memory?" with the memory's text, so the user sees what goes.
fn confirm_delete(state: &State, frame: &mut Frame, area: Rect, memory: &crate::memory::Memory) {
    let width = area.width.min(70);
    let inner = width.saturating_sub(2).max(1);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "Delete this {} from {}?",
            memory.kind.as_str(),
            time_of(state, memory.time_start)
        ),
        state.theme.error,
    ))];
    let text = one_line(&for_screen(&memory.text), usize::from(inner) * 4);
    lines.extend(markdown::plain(&text, inner, state.theme.assistant));
    lines.push(Line::from(Span::styled(
        "y deletes it (and forgets its turns); any other key keeps it",
        state.theme.meta,
    )));
    let lines: Vec<Line> = lines
        .into_iter()
        .flat_map(|l| markdown::wrap(l, inner))
        .collect();
    let popup = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(state.theme.error)
                .title(" delete "),
        ),
        popup,
    );
}

/// The list's title: how many, of which kinds, and how many unrelated results were left out.
fn list_title(state: &State) -> String {
    let m = &state.memories;
    let mut title = format!(" {}", counted(m.items.len(), "memory", "memories"));
    if m.hidden > 0 {
        title.push_str(&format!(" · {} unrelated hidden", m.hidden));
    }
    if m.mode != MemoryMode::List {
        title.push_str(" · Esc to browse");
    }
    title.push(' ');
    title
}

fn memory_list(state: &State, frame: &mut Frame, area: Rect) {
    let m = &state.memories;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border)
        .title(list_title(state));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let height = usize::from(inner.height).max(1);
    let first = m.selected.saturating_sub(height - 1);
    // With a memory open the list is not where keys go: its selection is only marked.
    let browsing = m.mode == MemoryMode::List;
    let lines: Vec<Line> = m
        .items
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, item)| {
            let mem = &item.memory;
            let pin = if mem.pinned { "📌" } else { "  " };
            let relevance = item
                .relevance
                .as_ref()
                .map(|r| format!("({r}) "))
                .unwrap_or_default();
            let text = format!(
                "{pin}{} {:<7} {relevance}{}",
                state.zone.format(mem.time_start, "%m-%d"),
                mem.kind.as_str(),
                for_screen(&mem.text)
            );
            let (marker, style) = match (i == m.selected, browsing) {
                (true, true) => ("", state.theme.selected),
                (true, false) => ("▶", state.theme.heading),
                _ => ("", Style::default()),
            };
            Line::from(Span::styled(
                one_line(&format!("{marker}{text}"), width),
                style,
            ))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The detail pane's title: the keys for the open memory, as many whole hints as fit in
/// `width` columns, and where the rest are when some do not.
fn detail_title(state: &State, width: usize) -> String {
    let m = &state.memories;
    let mut hints: Vec<String> = Vec::new();
    if m.mode == MemoryMode::View {
        hints.extend(["open memory", "↑↓ next", "Esc list"].map(String::from));
    }
    for (action, what) in [
        (Action::Pin, "pin"),
        (Action::EditInPlace, "edit"),
        (Action::EditInEditor, "$EDITOR"),
        (Action::Delete, "delete"),
        (Action::AddNote, "note"),
    ] {
        hints.push(format!("{} {what}", state.keys.label(action)));
    }
    super::fitting_hints(
        &hints,
        &format!("{} keys", state.keys.label(Action::Help)),
        width,
    )
}

fn memory_detail(state: &State, frame: &mut Frame, area: Rect) {
    let m = &state.memories;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(state.theme.border)
        .title(detail_title(
            state,
            usize::from(area.width.saturating_sub(2)),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width.max(1);
    let (memory, sources, chain) = match &m.detail {
        Some(d) => (Some(&d.memory), d.sources.as_slice(), d.chain.as_slice()),
        None => (m.items.get(m.selected).map(|i| &i.memory), &[][..], &[][..]),
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
            format!(
                "session {session} · recalled {}",
                match memory.recall_count {
                    0 => "never".to_string(),
                    n => counted(n as usize, "time", "times"),
                }
            ),
            theme.meta,
        )));
    }
    lines.push(Line::default());
    lines.extend(markdown::plain(
        &for_screen(&memory.text),
        width,
        theme.assistant,
    ));
    if chain.len() > 1 {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            "about the same, oldest first (the newest is recalled):",
            theme.heading,
        )));
        let newest = chain.len() - 1;
        for (i, fact) in chain.iter().enumerate() {
            let status = match (fact.id == memory.id, i == newest) {
                (true, true) => "▶ current",
                (true, false) => "▶ superseded",
                (false, true) => "  current",
                (false, false) => "  superseded",
            };
            lines.push(Line::from(Span::styled(
                format!("{status} · {}", time_of(state, fact.time_start)),
                theme.meta,
            )));
            lines.extend(markdown::plain(
                &for_screen(&fact.text),
                width,
                theme.assistant,
            ));
        }
    }
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
