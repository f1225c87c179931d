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
        quotes: 0,
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
        .flat_map(|(line, hang)| match hang {
            Hang::Code => hard_wrap(line, width, theme),
            Hang::Text(hang) => wrap_hanging(line, width, hang),
        })
        .collect()
}

/// What a wrapped line's continuation rows start with.
#[derive(Debug, Clone)]
enum Hang {
    /// Prose: this (spaces under a list marker, the bar of a quote, or nothing).
    Text(Option<Span<'static>>),
    /// Code: the code gutter, and the line is cut by characters, not words.
    Code,
}

struct Renderer<'t> {
    theme: &'t Theme,
    /// Finished lines, each with what its continuation rows start with.
    lines: Vec<(Line<'static>, Hang)>,
    current: Vec<Span<'static>>,
    styles: Vec<Style>,
    /// Open lists: `None` bulleted, `Some(n)` numbered from n.
    lists: Vec<Option<u64>>,
    in_code: bool,
    prefix: String,
    /// Open block quotes.
    quotes: usize,
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

    /// What continuation rows of the current line start with: the gutter of code, the bar of a
    /// quote, or as many spaces as a list item's marker (never anything guessed from the text).
    fn hang(&self) -> Hang {
        if self.in_code {
            Hang::Code
        } else if self.quotes > 0 {
            Hang::Text(Some(Span::styled("▎ ", self.theme.meta)))
        } else if !self.prefix.is_empty() {
            Hang::Text(Some(Span::raw(" ".repeat(self.prefix.width()))))
        } else {
            Hang::Text(None)
        }
    }

    fn flush(&mut self) {
        if !self.current.is_empty() {
            let spans = std::mem::take(&mut self.current);
            let hang = self.hang();
            self.lines.push((Line::from(spans), hang));
        }
    }

    fn blank(&mut self) {
        self.flush();
        if self.lines.last().is_some_and(|(l, _)| !l.spans.is_empty()) {
            self.lines.push((Line::default(), Hang::Text(None)));
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
                        self.current.push(Span::styled(
                            format!("{CODE_GUTTER}{line}"),
                            self.theme.code,
                        ));
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
                self.quotes += 1;
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
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quotes = self.quotes.saturating_sub(1);
                self.styles.pop();
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link => {
                self.styles.pop();
            }
            _ => {}
        }
    }
}

/// Word-wraps a styled line to `width` columns; continuation rows start flush left.
pub fn wrap(line: Line<'static>, width: u16) -> Vec<Line<'static>> {
    wrap_hanging(line, width, None)
}

/// Word-wraps a styled line to `width` columns; continuation rows start with `hang` (the spaces
/// under a list marker, a quote's bar), which the caller knows from the line's structure. A
/// hanging indent never takes more than half the row.
fn wrap_hanging(
    line: Line<'static>,
    width: u16,
    hang: Option<Span<'static>>,
) -> Vec<Line<'static>> {
    let half = usize::from(width.max(4)) / 2;
    wrap_with(line, width, hang.filter(|h| h.width() <= half))
}

/// Word-wraps a styled line to `width` columns, continuation rows starting with `hang` when it
/// leaves at least 20 columns for the text (a table's last column, wrapped under itself).
pub fn wrap_under(
    line: Line<'static>,
    width: u16,
    hang: Option<Span<'static>>,
) -> Vec<Line<'static>> {
    let room = usize::from(width.max(4));
    wrap_with(line, width, hang.filter(|h| h.width() + 20 <= room))
}

/// Word-wraps a styled line to `width` columns, continuation rows starting with `hang`.
fn wrap_with(line: Line<'static>, width: u16, hang: Option<Span<'static>>) -> Vec<Line<'static>> {
    let width = usize::from(width.max(4));
    if line.width() <= width {
        return vec![line];
    }
    let indent = hang.as_ref().map_or(0, |h| h.width());
    let continuation = || hang.clone().into_iter().collect::<Vec<_>>();
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
                spans = continuation();
                used = indent;
                continue;
            }
            // A word longer than the line: cut it.
            let room = width - used;
            let (head, tail) = split_at_width(&word, room.max(1));
            spans.push(Span::styled(head, style));
            out.push(Line::from(std::mem::take(&mut spans)));
            spans = continuation();
            used = indent;
            word = tail;
            if word.is_empty() {
                break;
            }
        }
    }
    // A row holding only the hang (after a cut word ended exactly at the edge) is not shown.
    if spans.len() > continuation().len() || out.is_empty() {
        out.push(Line::from(spans));
    }
    out
}

/// Cuts a code line into `width`-column rows, character by character; every row after the first
/// starts with the code gutter again.
fn hard_wrap(line: Line<'static>, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let width = usize::from(width.max(4));
    if line.width() <= width {
        return vec![line];
    }
    let gutter = || Span::styled(CODE_GUTTER, theme.code);
    let mut out = Vec::new();
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let mut rest = span.content.to_string();
        while !rest.is_empty() {
            if used >= width {
                out.push(Line::from(std::mem::take(&mut spans)));
                spans.push(gutter());
                used = CODE_GUTTER.width();
            }
            let (head, tail) = split_at_width(&rest, width - used);
            used += head.width();
            spans.push(Span::styled(head, span.style));
            rest = tail;
        }
    }
    if !spans.is_empty() {
        out.push(Line::from(spans));
    }
    out
}

/// What every row of a code block starts with.
const CODE_GUTTER: &str = "│ ";

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

    fn indent_of(line: &str) -> usize {
        line.len() - line.trim_start().len()
    }

    #[test]
    fn prose_with_sentences_wraps_flush_left_and_list_items_hang_under_their_marker() {
        let theme = Theme::named("dark", false);
        let reply = "Sure. Paris is the capital of France. It lies on the Seine. \
                     It has about two million people. Its museums are famous.";
        let lines = texts(&render(reply, 30, &theme));
        assert!(lines.len() > 3, "{lines:?}");
        assert!(lines.iter().all(|l| indent_of(l) == 0), "{lines:?}");

        let list = "1. First. Then a long item that has to wrap onto more rows.\n\
                    2. Second";
        let lines = texts(&render(list, 24, &theme));
        assert!(lines[0].starts_with("1. First."), "{lines:?}");
        assert!(
            lines[1..lines.len() - 1].iter().all(|l| indent_of(l) == 3),
            "{lines:?}"
        );
        assert!(lines.last().unwrap().starts_with("2. "));
    }

    #[test]
    fn wrapped_code_rows_keep_the_gutter_and_quotes_keep_their_bar() {
        let theme = Theme::named("dark", false);
        let code = format!("```\nlet x = \"{}\";\n```\n", "a".repeat(50));
        let lines = texts(&render(&code, 20, &theme));
        assert!(lines.len() >= 3, "{lines:?}");
        assert!(lines.iter().all(|l| l.starts_with("│ ")), "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 20));
        let joined: String = lines.iter().map(|l| &l[CODE_GUTTER.len()..]).collect();
        assert_eq!(joined, format!("let x = \"{}\";", "a".repeat(50)));

        let quote = "> a quoted remark that is long enough to wrap twice over here";
        let lines = texts(&render(quote, 20, &theme));
        assert!(lines.len() >= 3, "{lines:?}");
        assert!(lines.iter().all(|l| l.starts_with("▎ ")), "{lines:?}");
    }
}
