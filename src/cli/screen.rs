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

/// Writes formatted text to standard output. When the reader has gone (`mneme doctor | head -1`),
/// the process ends at once and quietly with 141, as Unix tools killed by SIGPIPE do; any other
/// write error ends it with a message. (`println!` would panic with "failed printing to stdout".)
pub fn print_out(args: std::fmt::Arguments) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|_| out.flush()) {
        exit_for_stdout_error(&e);
    }
}

/// Ends the process for a failed write to standard output (see `print_out`).
pub fn exit_for_stdout_error(e: &std::io::Error) -> ! {
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        eprintln!("mneme: cannot write to standard output: {e}");
        std::process::exit(1);
    }
    std::process::exit(141)
}

/// `println!` for command output: see `print_out`.
#[macro_export]
macro_rules! outln {
    () => { $crate::cli::screen::print_out(format_args!("\n")) };
    ($($arg:tt)*) => {
        $crate::cli::screen::print_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` for command output: see `print_out`.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::screen::print_out(format_args!($($arg)*)) };
}

/// `text` made safe for the terminal when standard output is one; as it is for a pipe or file.
pub fn for_stdout(text: &str) -> Cow<'_, str> {
    if std::io::stdout().is_terminal() {
        Cow::Owned(for_screen(text))
    } else {
        Cow::Borrowed(text)
    }
}
