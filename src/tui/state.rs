//! The chat's state: everything the screen shows, as plain data that `update` changes and `view` reads.

use chrono::{DateTime, Utc};

use super::keys::KeyMap;
use super::theme::Theme;
use crate::engine::{Role, TurnStats};
use crate::memory::recall::Recalled;
use crate::memory::{Memory, MemoryKind};

/// Which screen is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Chat,
    Picker,
    Memories,
    /// Searching every conversation's messages.
    Search,
}

/// One message in the transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub role: Role,
    pub text: String,
    pub time: DateTime<Utc>,
    /// Memories recalled into the prompt of this (user) turn.
    pub recalled: Vec<Recalled>,
    pub interrupted: bool,
    pub stats: Option<TurnStats>,
}

/// Editable multi-line text with a cursor (a byte offset on a char boundary).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Input {
    pub text: String,
    pub cursor: usize,
}

impl Input {
    pub fn with_text(text: &str) -> Self {
        Self {
            text: text.to_string(),
            cursor: text.len(),
        }
    }

    pub fn insert(&mut self, s: &str) {
        self.text.insert_str(self.cursor, s);
        self.cursor += s.len();
    }

    pub fn backspace(&mut self) {
        if let Some(c) = self.text[..self.cursor].chars().next_back() {
            self.cursor -= c.len_utf8();
            self.text.remove(self.cursor);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.text.len() {
            self.text.remove(self.cursor);
        }
    }

    pub fn left(&mut self) {
        if let Some(c) = self.text[..self.cursor].chars().next_back() {
            self.cursor -= c.len_utf8();
        }
    }

    pub fn right(&mut self) {
        if let Some(c) = self.text[self.cursor..].chars().next() {
            self.cursor += c.len_utf8();
        }
    }

    /// Start of the cursor's line.
    pub fn home(&mut self) {
        self.cursor = self.text[..self.cursor].rfind('\n').map_or(0, |i| i + 1);
    }

    /// End of the cursor's line.
    pub fn end(&mut self) {
        self.cursor += self.text[self.cursor..]
            .find('\n')
            .unwrap_or(self.text.len() - self.cursor);
    }

    /// Moves the cursor a line up (false when it is on the first line).
    pub fn up(&mut self) -> bool {
        let Some(line_start) = self.text[..self.cursor].rfind('\n').map(|i| i + 1) else {
            return false;
        };
        let column = self.text[line_start..self.cursor].chars().count();
        let prev_start = self.text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
        self.cursor = advance(&self.text, prev_start, column, line_start - 1);
        true
    }

    /// Moves the cursor a line down (false when it is on the last line).
    pub fn down(&mut self) -> bool {
        let Some(next_start) = self.text[self.cursor..]
            .find('\n')
            .map(|i| self.cursor + i + 1)
        else {
            return false;
        };
        let line_start = self.text[..self.cursor].rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[line_start..self.cursor].chars().count();
        let next_end = self.text[next_start..]
            .find('\n')
            .map_or(self.text.len(), |i| next_start + i);
        self.cursor = advance(&self.text, next_start, column, next_end);
        true
    }

    /// Start of the word before the cursor (readline's Alt+B): skips separators, then the word.
    fn word_start_before(&self) -> usize {
        let before = &self.text[..self.cursor];
        let mut at = self.cursor;
        let mut seen_word = false;
        for (i, c) in before.char_indices().rev() {
            if is_word_char(c) {
                seen_word = true;
            } else if seen_word {
                break;
            }
            at = i;
        }
        at
    }

    /// End of the word after the cursor (readline's Alt+F).
    fn word_end_after(&self) -> usize {
        let mut seen_word = false;
        for (i, c) in self.text[self.cursor..].char_indices() {
            if is_word_char(c) {
                seen_word = true;
            } else if seen_word {
                return self.cursor + i;
            }
        }
        self.text.len()
    }

    pub fn word_left(&mut self) {
        self.cursor = self.word_start_before();
    }

    pub fn word_right(&mut self) {
        self.cursor = self.word_end_after();
    }

    /// Deletes the word before the cursor (Ctrl+W, Alt+Backspace).
    pub fn delete_word_before(&mut self) {
        let start = self.word_start_before();
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Deletes the word after the cursor (Alt+D).
    pub fn delete_word_after(&mut self) {
        let end = self.word_end_after();
        self.text.replace_range(self.cursor..end, "");
    }

    /// Deletes from the start of the cursor's line to the cursor (Ctrl+U); at a line's start,
    /// joins it to the line above.
    pub fn delete_to_line_start(&mut self) {
        let end = self.cursor;
        self.home();
        if self.cursor == end {
            self.backspace();
            return;
        }
        self.text.replace_range(self.cursor..end, "");
    }

    /// Deletes from the cursor to the end of its line (Ctrl+K); at a line's end, joins the next.
    pub fn delete_to_line_end(&mut self) {
        let start = self.cursor;
        self.end();
        let end = self.cursor;
        self.cursor = start;
        if end == start {
            self.delete();
        } else {
            self.text.replace_range(start..end, "");
        }
    }

    /// Takes the text out, leaving the input empty.
    pub fn take(&mut self) -> String {
        self.cursor = 0;
        std::mem::take(&mut self.text)
    }

    /// (line, column in chars) of the cursor.
    pub fn cursor_line_col(&self) -> (usize, usize) {
        let before = &self.text[..self.cursor];
        let line = before.matches('\n').count();
        let col = before.rsplit('\n').next().unwrap_or("").chars().count();
        (line, col)
    }
}

/// Letters and digits make words, as in readline.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn advance(text: &str, start: usize, chars: usize, limit: usize) -> usize {
    text[start..limit]
        .char_indices()
        .nth(chars)
        .map_or(limit, |(i, _)| start + i)
}

/// A reply being streamed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    pub text: String,
    /// Prompt tokens read so far, of how many.
    pub prefill: Option<(usize, usize)>,
    /// Memories are being recalled for it.
    pub recalling: bool,
}

/// The conversation on screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chat {
    pub session_id: String,
    pub title: String,
    pub entries: Vec<Entry>,
    pub reply: Option<Reply>,
    /// Lines scrolled up from the bottom (0 follows the newest line).
    pub scroll: usize,
    /// "Last time…" shown when a conversation is resumed after a day or more.
    pub last_time: Option<String>,
    /// The history being read back into the model (done, total tokens) on resume.
    pub loading: Option<(usize, usize)>,
    /// Messages sent while a reply streamed, oldest first: each goes when the one before ends.
    pub queued: Vec<String>,
    /// The message picked with the message cursor (to fork from), or jumped to from a search.
    pub selected: Option<usize>,
    /// Nothing of this conversation is saved: no transcript, no memory, no KV state.
    pub incognito: bool,
    /// What was saved last in this chat: the memory `/remember` saved, or the facts learned
    /// from the last message (Ctrl+Z or `/forget` deletes them).
    pub remembered: Vec<String>,
}

/// A message found by searching every conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatHit {
    pub session_id: String,
    pub title: String,
    /// Its place among the conversation's messages (what the chat screen shows).
    pub position: usize,
    pub role: Role,
    pub time: DateTime<Utc>,
    pub text: String,
}

/// The search over every conversation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatSearch {
    pub query: Input,
    pub hits: Vec<ChatHit>,
    pub selected: usize,
    /// The query the hits are for (typing goes on while a search runs).
    pub searched: String,
}

/// What the status bar shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    pub model: String,
    pub context_used: usize,
    pub context_size: usize,
    /// Decode speed of the last reply.
    pub tokens_per_s: Option<f64>,
    /// What the memory daemon is doing; `None` when it does not run.
    pub daemon: Option<crate::daemon::status::DaemonState>,
    pub memories: Option<usize>,
}

/// A short message in the status bar that fades after a few seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    /// Ticks (of 100 ms) left on screen.
    pub ttl: u32,
}

/// A conversation in the picker.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub id: String,
    pub title: String,
    pub updated: DateTime<Utc>,
    pub turns: usize,
    /// From the session's latest summary, else its last question.
    pub summary: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Picker {
    pub rows: Vec<SessionRow>,
    pub selected: usize,
    pub loading: bool,
}

/// A memory in the browser's list.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryItem {
    pub memory: Memory,
    /// How it matched the search ("words match · 72% alike"); `None` when listing, not searching.
    pub relevance: Option<String>,
}

/// A memory opened with the turns it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryDetail {
    pub memory: Memory,
    /// (turn id, speaker, text) of each source turn still in its transcript.
    pub sources: Vec<(String, String, String)>,
    /// For a fact: every fact about the same subject, oldest first (the newest is recalled).
    pub chain: Vec<Memory>,
}

/// What the memory browser is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum MemoryMode {
    List,
    View,
    Edit(Input),
    /// Asking before deleting this memory.
    Confirm(Memory),
    Note(Input),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Memories {
    /// Words to search for, with optional `kind:`, `session:`, `after:` and `before:` filters.
    pub query: Input,
    pub kind: Option<MemoryKind>,
    pub items: Vec<MemoryItem>,
    pub selected: usize,
    pub detail: Option<MemoryDetail>,
    pub mode: MemoryMode,
    /// The last deleted memory, for undo.
    pub undo: Option<Memory>,
    /// What is wrong with the query (an unknown kind), shown instead of guessing.
    pub problem: Option<String>,
    /// Search results left out as unrelated to the query.
    pub hidden: usize,
}

impl Default for Memories {
    fn default() -> Self {
        Self {
            query: Input::default(),
            kind: None,
            items: Vec::new(),
            selected: 0,
            detail: None,
            mode: MemoryMode::List,
            undo: None,
            problem: None,
            hidden: 0,
        }
    }
}

impl Memories {
    pub fn selected_memory(&self) -> Option<&Memory> {
        match (&self.mode, &self.detail) {
            (MemoryMode::View | MemoryMode::Edit(_), Some(d)) => Some(&d.memory),
            _ => self.items.get(self.selected).map(|i| &i.memory),
        }
    }
}

/// The time zone times are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Local,
    /// Fixed, for reproducible screens in tests.
    Utc,
}

impl Zone {
    pub fn format(self, time: DateTime<Utc>, format: &str) -> String {
        match self {
            Zone::Local => time
                .with_timezone(&chrono::Local)
                .format(format)
                .to_string(),
            Zone::Utc => time.format(format).to_string(),
        }
    }
}

/// Everything on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub screen: Screen,
    pub chat: Chat,
    pub input: Input,
    /// Messages sent, oldest first (Up/Down walk them).
    pub history: Vec<String>,
    pub history_pos: Option<usize>,
    /// What was typed before walking the history.
    pub draft: String,
    pub status: Status,
    pub notice: Option<Notice>,
    pub recall_panel: bool,
    pub recall_selected: usize,
    /// The user turn whose recalled memories the panel shows; `None` follows the newest.
    pub recall_entry: Option<usize>,
    pub picker: Picker,
    pub memories: Memories,
    pub search: ChatSearch,
    /// The conversation to go back to when an incognito chat ends.
    pub before_incognito: Option<String>,
    /// The key help is open, scrolled this many lines.
    pub help: Option<usize>,
    pub keys: KeyMap,
    pub theme: Theme,
    pub zone: Zone,
    /// The time as of the last tick (new messages are stamped with it).
    pub now: DateTime<Utc>,
    pub quitting: bool,
    /// Transcript lines already rendered (a cache: not part of what the state means).
    pub rendered: super::render_cache::RenderCache,
}

impl State {
    pub fn new(keys: KeyMap, theme: Theme) -> Self {
        Self {
            screen: Screen::Chat,
            chat: Chat::default(),
            input: Input::default(),
            history: Vec::new(),
            history_pos: None,
            draft: String::new(),
            status: Status {
                daemon: None,
                ..Status::default()
            },
            notice: None,
            recall_panel: false,
            recall_selected: 0,
            recall_entry: None,
            picker: Picker::default(),
            memories: Memories::default(),
            search: ChatSearch::default(),
            before_incognito: None,
            help: None,
            keys,
            theme,
            zone: Zone::Local,
            now: Utc::now(),
            quitting: false,
            rendered: Default::default(),
        }
    }

    pub fn generating(&self) -> bool {
        self.chat.reply.is_some()
    }

    /// Indexes of the user turns in the transcript, oldest first.
    pub fn user_entries(&self) -> Vec<usize> {
        (0..self.chat.entries.len())
            .filter(|&i| self.chat.entries[i].role == Role::User)
            .collect()
    }

    /// The user turn the recall panel shows: the chosen one, else the newest.
    pub fn recall_shown(&self) -> Option<usize> {
        self.recall_entry
            .filter(|&i| i < self.chat.entries.len())
            .or_else(|| self.user_entries().last().copied())
    }

    /// The memories recalled into the prompt of the reply the panel shows.
    pub fn shown_recalled(&self) -> &[Recalled] {
        self.recall_shown()
            .map_or(&[], |i| self.chat.entries[i].recalled.as_slice())
    }

    pub fn notify(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: false,
            ttl: 40,
        });
    }

    /// A notice that offers an undo stays long enough to read after the reply (15 s).
    pub fn offer_undo(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: false,
            ttl: 150,
        });
    }

    pub fn warn(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: true,
            ttl: 80,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::Input;

    #[test]
    fn the_cursor_moves_by_characters_and_lines() {
        let mut input = Input::default();
        input.insert("héllo\nwörld");
        assert_eq!(input.cursor_line_col(), (1, 5));
        assert!(input.up());
        assert_eq!(input.cursor_line_col(), (0, 5));
        assert!(!input.up());
        input.left();
        input.backspace();
        assert_eq!(input.text, "hélo\nwörld");
        assert!(input.down());
        assert_eq!(input.cursor_line_col(), (1, 3));
        input.home();
        input.insert(">");
        input.end();
        input.delete();
        assert_eq!(input.take(), "hélo\n>wörld");
        assert_eq!(input.cursor, 0);
    }

    #[test]
    fn readline_keys_move_and_delete_by_words_and_lines() {
        let mut input = Input::with_text("say hello, wörld");
        input.word_left();
        assert_eq!(&input.text[input.cursor..], "wörld");
        input.word_left();
        assert_eq!(&input.text[input.cursor..], "hello, wörld");
        input.word_right();
        assert_eq!(&input.text[input.cursor..], ", wörld");
        input.delete_word_before();
        assert_eq!(input.text, "say , wörld");
        input.delete_word_after();
        assert_eq!(input.text, "say ");
        input.insert("again");
        input.home();
        input.delete_to_line_end();
        assert_eq!(input.text, "");
        let mut input = Input::with_text("one\ntwo three");
        input.delete_to_line_start();
        assert_eq!(input.text, "one\n");
        input.delete_to_line_start();
        assert_eq!(
            input.text, "one",
            "at a line's start it joins the line above"
        );
        input.delete_word_before();
        assert_eq!(input.take(), "");
    }
}
