//! Key bindings of the chat: named actions, their defaults, and the `[tui.keys]` config that
//! overrides them (checked when the config loads, used by the TUI).

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can do outside plain typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Send,
    Newline,
    Cancel,
    Quit,
    Help,
    Sessions,
    Memories,
    RecallPanel,
    NewChat,
    ScrollUp,
    ScrollDown,
    HistoryPrev,
    HistoryNext,
    Pin,
    Delete,
    Undo,
    EditInPlace,
    EditInEditor,
    AddNote,
    NextKind,
    SearchChats,
    Incognito,
    SelectMessage,
}

impl Action {
    /// Every action, with its config name, default keys and what it does (for the help overlay).
    pub const ALL: [(Action, &'static str, &'static [&'static str], &'static str); 23] = [
        (Action::Send, "send", &["enter"], "send the message"),
        (
            Action::Newline,
            "newline",
            &["alt+enter", "shift+enter", "ctrl+j"],
            "new line in the message",
        ),
        (
            Action::Cancel,
            "cancel",
            &["esc"],
            "stop the reply / close / back",
        ),
        (Action::Quit, "quit", &["ctrl+q", "ctrl+c"], "quit"),
        (Action::Help, "help", &["f1"], "this help"),
        (
            Action::Sessions,
            "sessions",
            &["f2", "ctrl+o"],
            "conversations: pick one to resume",
        ),
        (
            Action::Memories,
            "memories",
            &["f3", "ctrl+b"],
            "memory browser",
        ),
        (
            Action::RecallPanel,
            "recall_panel",
            &["f4", "ctrl+r"],
            "memories recalled for each reply (←→)",
        ),
        (
            Action::NewChat,
            "new_chat",
            &["ctrl+n"],
            "start a new conversation",
        ),
        (Action::ScrollUp, "scroll_up", &["pageup"], "scroll up"),
        (
            Action::ScrollDown,
            "scroll_down",
            &["pagedown"],
            "scroll down",
        ),
        (
            Action::HistoryPrev,
            "history_prev",
            &["up"],
            "previous message / move up",
        ),
        (
            Action::HistoryNext,
            "history_next",
            &["down"],
            "next message / move down",
        ),
        (Action::Pin, "pin", &["ctrl+p"], "memories: pin or unpin"),
        (
            Action::Delete,
            "delete",
            &["ctrl+d"],
            "memories: delete (asks first)",
        ),
        (
            Action::Undo,
            "undo",
            &["ctrl+z"],
            "undo a delete, or the last /remember",
        ),
        (
            Action::EditInPlace,
            "edit",
            &["ctrl+e"],
            "memories: edit here (Enter saves)",
        ),
        (
            Action::EditInEditor,
            "edit_in_editor",
            &["ctrl+x"],
            "memories: edit in $EDITOR",
        ),
        (
            Action::AddNote,
            "add_note",
            &["ctrl+a"],
            "memories: write a note",
        ),
        (
            Action::NextKind,
            "next_kind",
            &["tab"],
            "memories: filter by the next kind",
        ),
        (
            Action::SearchChats,
            "search_chats",
            &["ctrl+f", "f5"],
            "search every conversation; Enter jumps to the message",
        ),
        (
            Action::Incognito,
            "incognito",
            &["f6"],
            "incognito chat: recalls memories, saves nothing (again: back)",
        ),
        (
            Action::SelectMessage,
            "select_message",
            &["f7", "alt+up"],
            "pick a message (↑↓); Enter forks the conversation there",
        ),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(a, ..)| *a == self)
            .map(|(_, n, ..)| *n)
            .unwrap_or("")
    }
}

/// A key with its modifiers, as written in the config (`ctrl+q`, `alt+enter`, `f1`, `pageup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeySpec {
    pub fn parse(spec: &str) -> Result<Self, String> {
        let lower = spec.trim().to_lowercase();
        let mut parts: Vec<&str> = lower.split('+').collect();
        let key = parts.pop().filter(|k| !k.is_empty()).ok_or("empty key")?;
        let mut modifiers = KeyModifiers::NONE;
        for m in parts {
            modifiers |= match m {
                "ctrl" | "control" => KeyModifiers::CONTROL,
                "alt" | "meta" => KeyModifiers::ALT,
                "shift" => KeyModifiers::SHIFT,
                other => return Err(format!("unknown modifier `{other}` in `{spec}`")),
            };
        }
        let code = match key {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            f if f.starts_with('f') && f.len() > 1 && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().expect("checked"))
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().expect("one")),
            other => return Err(format!("unknown key `{other}` in `{spec}`")),
        };
        Ok(Self { code, modifiers })
    }

    fn matches(&self, key: &KeyEvent) -> bool {
        let code = match key.code {
            KeyCode::Char(c) => KeyCode::Char(c.to_ascii_lowercase()),
            KeyCode::BackTab => KeyCode::Tab,
            c => c,
        };
        // Shift on a letter is part of the character, not a modifier to compare.
        let mods = match key.code {
            KeyCode::Char(_) => key.modifiers - KeyModifiers::SHIFT,
            _ => key.modifiers,
        };
        code == self.code && mods == self.modifiers
    }

    pub fn label(&self) -> String {
        let mut label = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            label.push_str("Ctrl+");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            label.push_str("Alt+");
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            label.push_str("Shift+");
        }
        label.push_str(&match self.code {
            KeyCode::Char(c) => c.to_ascii_uppercase().to_string(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            c => format!("{c:?}"),
        });
        label
    }
}

/// The bindings in force.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyMap {
    bindings: Vec<(Action, Vec<KeySpec>)>,
}

impl Default for KeyMap {
    fn default() -> Self {
        Self::with_overrides(&BTreeMap::new()).expect("defaults parse")
    }
}

impl KeyMap {
    /// Defaults, with actions named in `overrides` bound to the keys given there instead.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Self, String> {
        for name in overrides.keys() {
            if !Action::ALL.iter().any(|(_, n, ..)| n == name) {
                let known: Vec<&str> = Action::ALL.iter().map(|(_, n, ..)| *n).collect();
                return Err(format!(
                    "unknown action `{name}` (known: {})",
                    known.join(", ")
                ));
            }
        }
        let mut bindings = Vec::new();
        for (action, name, defaults, _) in Action::ALL {
            let specs: Vec<String> = match overrides.get(name) {
                Some(keys) => keys.clone(),
                None => defaults.iter().map(|s| s.to_string()).collect(),
            };
            let parsed = specs
                .iter()
                .map(|s| KeySpec::parse(s))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("keys.{name}: {e}"))?;
            bindings.push((action, parsed));
        }
        Ok(Self { bindings })
    }

    /// The action bound to `key`, if any.
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(_, specs)| specs.iter().any(|s| s.matches(key)))
            .map(|(a, _)| *a)
    }

    /// The keys of `action`, for display (`Ctrl+Q / Ctrl+C`).
    pub fn label(&self, action: Action) -> String {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .map(|(_, specs)| {
                specs
                    .iter()
                    .map(KeySpec::label)
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_and_overrides_resolve_keys_to_actions() {
        let map = KeyMap::default();
        assert_eq!(
            map.action(&key(KeyCode::Enter, KeyModifiers::NONE)),
            Some(Action::Send)
        );
        assert_eq!(
            map.action(&key(KeyCode::Enter, KeyModifiers::ALT)),
            Some(Action::Newline)
        );
        assert_eq!(
            map.action(&key(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            map.action(&key(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        let custom = KeyMap::with_overrides(&BTreeMap::from([(
            "quit".to_string(),
            vec!["ctrl+x".to_string()],
        )]))
        .unwrap();
        assert_eq!(
            custom.action(&key(KeyCode::Char('x'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            custom.action(&key(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            None
        );
        assert_eq!(custom.label(Action::Quit), "Ctrl+X");
        assert!(KeyMap::with_overrides(&BTreeMap::from([("fly".to_string(), vec![])])).is_err());
        assert!(KeySpec::parse("hyper+q").is_err());
    }
}
