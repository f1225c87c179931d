//! Text on its way to the screen: control characters and escape sequences are neutralised, so model
//! output, memories or pasted text can never move the cursor, change colours or retitle the terminal.

/// Keeps printable text, newlines and tabs (as spaces); drops escape sequences and other controls.
pub fn for_screen(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            '\r' => {}
            // ESC [ ... final byte, ESC ] ... BEL/ST, or ESC + one char: the whole sequence goes.
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    for c in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    chars.next();
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            // C1 controls (0x80–0x9f) act like escapes on some terminals.
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::for_screen;

    #[test]
    fn escapes_and_controls_are_removed_and_text_kept() {
        assert_eq!(for_screen("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(for_screen("x\u{1b}]0;pwned\u{7}y"), "xy");
        assert_eq!(for_screen("x\u{1b}]0;t\u{1b}\\y"), "xy");
        assert_eq!(
            for_screen("bell\u{7}\u{8}\u{9b}2J ok\r\n\tz"),
            "bell2J ok\n    z"
        );
        assert_eq!(for_screen("héllo 世界"), "héllo 世界");
    }
}
