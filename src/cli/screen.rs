//! Stored or generated text on its way to standard output: made safe when stdout is a terminal
//! (no escape sequence can reach it), passed through exactly when it is a pipe or a file.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use crate::sanitize::for_screen;

/// Standard output for streamed text: write errors (a closed pipe) are swallowed so the caller
/// can finish its work (saving the reply) and exit normally.
pub struct ScreenWriter {
    out: std::io::Stdout,
    terminal: bool,
}

impl ScreenWriter {
    pub fn stdout() -> Self {
        let out = std::io::stdout();
        let terminal = out.is_terminal();
        Self { out, terminal }
    }

    /// Writes `text` (made safe for a terminal when stdout is one) and flushes; errors ignored.
    pub fn write_lossy(&mut self, text: &str) {
        let safe;
        let text = if self.terminal {
            safe = for_screen(text);
            &safe
        } else {
            text
        };
        let _ = self
            .out
            .write_all(text.as_bytes())
            .and_then(|_| self.out.flush());
    }
}

/// `text` made safe for the terminal when standard output is one; as it is for a pipe or file.
pub fn for_stdout(text: &str) -> Cow<'_, str> {
    if std::io::stdout().is_terminal() {
        Cow::Owned(for_screen(text))
    } else {
        Cow::Borrowed(text)
    }
}
