//! Markdown to styled, wrapped terminal lines: headings, lists, emphasis, inline code and fenced
//! code blocks (in their own style, never re-wrapped by words).

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::theme::Theme;

/// Renders markdown `text` as lines no wider than `width`.
pub fn render(text: &str, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let mut r = Renderer {
        theme,
        lines: Vec::new(),
        current: Vec::new(),
        styles: vec![theme.assistant],
        lists: Vec::new(),
        in_code: false,
        prefix: String::new(),
    };
    for event in Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH) {
        r.event(event);
    }
    r.flush();
    while r.lines.last().is_some_and(|(l, _)| l.spans.is_empty()) {
        r.lines.pop();
    }
    r.lines
        .into_iter()
        .flat_map(|(line, code)| {
            if code {
                hard_wrap(line, width)
            } else {
                wrap(line, width)
            }
        })
        .collect()
}

struct Renderer<'t> {
    theme: &'t Theme,
    /// Finished lines, each marked when it is code (hard-wrapped, not by words).
    lines: Vec<(Line<'static>, bool)>,
    current: Vec<Span<'static>>,
    styles: Vec<Style>,
    /// Open lists: `None` bulleted, `Some(n)` numbered from n.
    lists: Vec<Option<u64>>,
    in_code: bool,
    prefix: String,
}

impl Renderer<'_> {
    fn style(&self) -> Style {
        *self.styles.last().expect("base style")
    }

    fn push_style(&mut self, style: Style) {
        let merged = self.style().patch(style);
        self.styles.push(merged);
    }

    fn text(&mut self, text: &str) {
        let style = self.style();
        self.current.push(Span::styled(text.to_string(), style));
    }

    fn flush(&mut self) {
        if !self.current.is_empty() {
            let spans = std::mem::take(&mut self.current);
            self.lines.push((Line::from(spans), self.in_code));
        }
    }

    fn blank(&mut self) {
        self.flush();
        if self.lines.last().is_some_and(|(l, _)| !l.spans.is_empty()) {
            self.lines.push((Line::default(), false));
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) if self.in_code => {
                for (i, line) in text.split('\n').enumerate() {
                    if i > 0 {
                        self.flush();
                    }
                    if !line.is_empty() || i == 0 {
                        self.current
                            .push(Span::styled(format!("│ {line}"), self.theme.code));
                    }
                }
            }
            Event::Text(text) => self.text(&text),
            Event::Code(code) => self
                .current
                .push(Span::styled(format!("`{code}`"), self.theme.code)),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => {
                self.flush();
                let prefix = " ".repeat(self.prefix.width());
                self.text(&prefix);
            }
            Event::Rule => {
                self.blank();
                self.current.push(Span::styled("────────", self.theme.meta));
                self.blank();
            }
            Event::Html(html) | Event::InlineHtml(html) => self.text(&html),
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
            Event::FootnoteReference(r) => self.text(&format!("[{r}]")),
            Event::InlineMath(m) | Event::DisplayMath(m) => self.text(&m),
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Paragraph => {}
            Tag::Heading { level, .. } => {
                self.blank();
                let marks = match level {
                    HeadingLevel::H1 => "# ",
                    HeadingLevel::H2 => "## ",
                    _ => "### ",
                };
                self.push_style(self.theme.heading);
                self.text(marks);
            }
            Tag::CodeBlock(kind) => {
                self.blank();
                if let CodeBlockKind::Fenced(lang) = kind
                    && !lang.is_empty()
                {
                    self.current
                        .push(Span::styled(format!("╭ {lang}"), self.theme.meta));
                    self.flush();
                }
                self.in_code = true;
            }
            Tag::List(start) => {
                if self.lists.is_empty() {
                    self.blank();
                } else {
                    self.flush();
                }
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "• ".to_string(),
                };
                self.prefix = format!("{}{marker}", "  ".repeat(depth));
                let prefix = self.prefix.clone();
                self.current.push(Span::styled(prefix, self.theme.meta));
            }
            Tag::Emphasis => self.push_style(self.theme.emphasis),
            Tag::Strong => self.push_style(self.theme.strong),
            Tag::Strikethrough => {
                self.push_style(Style::default().add_modifier(Modifier::CROSSED_OUT))
            }
            Tag::BlockQuote(_) => {
                self.blank();
                self.push_style(self.theme.meta);
                self.text("▎ ");
            }
            Tag::Link { .. } => {
                self.push_style(self.theme.emphasis.add_modifier(Modifier::UNDERLINED))
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                if self.lists.is_empty() {
                    self.blank();
                } else {
                    self.flush();
                }
            }
            TagEnd::Heading(_) => {
                self.styles.pop();
                self.blank();
            }
            TagEnd::CodeBlock => {
                self.flush();
                self.in_code = false;
                self.blank();
            }
            TagEnd::List(_) => {
                self.lists.pop();
                self.flush();
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            TagEnd::Item => {
                self.flush();
                self.prefix.clear();
            }
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::BlockQuote(_) => {
                self.styles.pop();
            }
            _ => {}
        }
    }
}

/// Word-wraps a styled line to `width` columns; continuation lines keep the indent of a list item.
pub fn wrap(line: Line<'static>, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(4));
    if line.width() <= width {
        return vec![line];
    }
    // Split into (word-with-trailing-space, style) pieces.
    let mut pieces: Vec<(String, Style)> = Vec::new();
    for span in &line.spans {
        let mut word = String::new();
        for c in span.content.chars() {
            word.push(c);
            if c == ' ' {
                pieces.push((std::mem::take(&mut word), span.style));
            }
        }
        if !word.is_empty() {
            pieces.push((word, span.style));
        }
    }
    let indent = leading_indent(&line).min(width / 2);
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for (mut word, style) in pieces {
        loop {
            let w = word.width();
            if used + w <= width {
                used += w;
                spans.push(Span::styled(word, style));
                break;
            }
            // The word fits once its trailing space is dropped at the line's end.
            if word.ends_with(' ') && used + w - 1 <= width {
                word.pop();
                used += w - 1;
                spans.push(Span::styled(word, style));
                break;
            }
            if used > indent {
                out.push(Line::from(std::mem::take(&mut spans)));
                spans.push(Span::raw(" ".repeat(indent)));
                used = indent;
                continue;
            }
            // A word longer than the line: cut it.
            let room = width - used;
            let (head, tail) = split_at_width(&word, room.max(1));
            spans.push(Span::styled(head, style));
            out.push(Line::from(std::mem::take(&mut spans)));
            spans.push(Span::raw(" ".repeat(indent)));
            used = indent;
            word = tail;
            if word.is_empty() {
                break;
            }
        }
    }
    if !spans.is_empty() {
        out.push(Line::from(spans));
    }
    out
}

/// Cuts a line into `width`-column pieces, character by character (for code).
pub fn hard_wrap(line: Line<'static>, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(4));
    if line.width() <= width {
        return vec![line];
    }
    let mut out = Vec::new();
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let mut rest = span.content.to_string();
        while !rest.is_empty() {
            let (head, tail) = split_at_width(&rest, width - used);
            used += head.width();
            if !head.is_empty() {
                spans.push(Span::styled(head, span.style));
            }
            rest = tail;
            if used >= width || (!rest.is_empty()) {
                out.push(Line::from(std::mem::take(&mut spans)));
                used = 0;
            }
        }
    }
    if !spans.is_empty() {
        out.push(Line::from(spans));
    }
    out
}

fn leading_indent(line: &Line) -> usize {
    let first = line.spans.first().map(|s| s.content.as_ref()).unwrap_or("");
    if first.starts_with(' ') || first.contains("• ") || first.contains(". ") {
        first.width()
    } else {
        0
    }
}

fn split_at_width(text: &str, width: usize) -> (String, String) {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            return (text[..i].to_string(), text[i..].to_string());
        }
        used += w;
    }
    (text.to_string(), String::new())
}

/// Plain text (no markdown) wrapped to `width`, one styled line per visual row.
pub fn plain(text: &str, width: u16, style: Style) -> Vec<Line<'static>> {
    text.split('\n')
        .flat_map(|l| wrap(Line::from(Span::styled(l.to_string(), style)), width))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn markdown_blocks_become_styled_lines() {
        let theme = Theme::named("dark", false);
        let md = "# Title\n\nSome *soft* and **bold** `code`.\n\n- one\n- two\n\n```rust\nfn main() {}\n```\n";
        let lines = render(md, 60, &theme);
        assert_eq!(
            texts(&lines),
            [
                "# Title",
                "",
                "Some soft and bold `code`.",
                "",
                "• one",
                "• two",
                "",
                "╭ rust",
                "│ fn main() {}"
            ]
        );
        let code = &lines[8].spans[0];
        assert_eq!(code.style, theme.code);
        let bold = lines[2].spans.iter().find(|s| s.content == "bold").unwrap();
        assert!(
            bold.style
                .add_modifier
                .contains(ratatui::style::Modifier::BOLD)
        );
    }

    #[test]
    fn long_lines_wrap_within_the_width_and_keep_every_character() {
        let text = "the quick brown fox jumps over the lazy dog ".repeat(5);
        let lines = plain(&text, 20, Style::default());
        assert!(lines.iter().all(|l| l.width() <= 20));
        let joined: String = texts(&lines)
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            joined,
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        let long = plain(&"x".repeat(50), 20, Style::default());
        assert_eq!(
            texts(&long),
            ["x".repeat(20), "x".repeat(20), "x".repeat(10)]
        );
    }
}
