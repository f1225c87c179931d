//! Colours: a dark and a light theme, and none at all when `NO_COLOR` is set.

use ratatui::style::{Color, Modifier, Style};

/// Styles for every kind of thing on screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    pub user: Style,
    pub assistant: Style,
    pub meta: Style,
    pub heading: Style,
    pub code: Style,
    pub emphasis: Style,
    pub strong: Style,
    pub selected: Style,
    pub status: Style,
    pub notice: Style,
    pub error: Style,
    pub border: Style,
    pub cursor: Style,
}

impl Theme {
    /// The theme for `name` (`dark` or `light`), plain when `no_color`.
    pub fn named(name: &str, no_color: bool) -> Self {
        if no_color {
            return Self::plain();
        }
        let light = name == "light";
        let fg = if light { Color::Black } else { Color::White };
        let accent = if light { Color::Blue } else { Color::Cyan };
        let dim = if light { Color::DarkGray } else { Color::Gray };
        let code_bg = if light {
            Color::Rgb(235, 235, 235)
        } else {
            Color::Rgb(40, 40, 48)
        };
        Self {
            user: Style::default().fg(accent).add_modifier(Modifier::BOLD),
            assistant: Style::default().fg(fg),
            meta: Style::default().fg(dim),
            heading: Style::default().fg(accent).add_modifier(Modifier::BOLD),
            code: Style::default()
                .fg(if light { Color::Magenta } else { Color::Yellow })
                .bg(code_bg),
            emphasis: Style::default().add_modifier(Modifier::ITALIC),
            strong: Style::default().add_modifier(Modifier::BOLD),
            selected: Style::default().add_modifier(Modifier::REVERSED),
            status: Style::default()
                .fg(if light { Color::White } else { Color::Black })
                .bg(accent),
            notice: Style::default().fg(if light { Color::Magenta } else { Color::Yellow }),
            error: Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            border: Style::default().fg(dim),
            cursor: Style::default()
                .fg(accent)
                .add_modifier(Modifier::SLOW_BLINK),
        }
    }

    /// No colours: only bold, italic and reverse video, which `NO_COLOR` allows.
    pub fn plain() -> Self {
        let none = Style::default();
        Self {
            user: none.add_modifier(Modifier::BOLD),
            assistant: none,
            meta: none,
            heading: none.add_modifier(Modifier::BOLD),
            code: none,
            emphasis: none.add_modifier(Modifier::ITALIC),
            strong: none.add_modifier(Modifier::BOLD),
            selected: none.add_modifier(Modifier::REVERSED),
            status: none.add_modifier(Modifier::REVERSED),
            notice: none.add_modifier(Modifier::BOLD),
            error: none.add_modifier(Modifier::BOLD),
            border: none,
            cursor: none,
        }
    }

    /// From the environment: `NO_COLOR` set (to anything) turns colour off.
    pub fn from_env(name: &str) -> Self {
        Self::named(
            name,
            std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        )
    }
}
