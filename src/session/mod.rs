//! Conversations on disk: the append-only transcripts everything else (memory, resume) is built from.

mod export;
mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use export::{ExportFormat, export};
pub use store::{SessionError, SessionStore};

use crate::engine::{Role, StopReason, TurnStats};

/// One message in a transcript. Never rewritten once appended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// Stable id: `<session id>.<n>`.
    pub id: String,
    pub time: DateTime<Utc>,
    pub role: Role,
    /// Who said it, for imported conversations between people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    pub text: String,
    /// The model that wrote an assistant turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<TurnStats>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopReason>,
    /// Memories recalled into the prompt for this user turn (kept so the prompt can be rebuilt exactly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recall: Option<crate::memory::recall::Recall>,
    /// The reply was cut off (Esc, Ctrl+C, or an error) before the model finished it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

/// Facts about a session kept beside its transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionMeta {
    pub id: String,
    pub created: DateTime<Utc>,
    /// A name the user gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A loaded session: its facts and every turn so far.
#[derive(Debug, Clone)]
pub struct Session {
    pub meta: SessionMeta,
    pub turns: Vec<Turn>,
    /// Lines of the transcript that could not be read (reported, never silently dropped).
    pub unreadable_lines: Vec<usize>,
}

impl Session {
    pub fn id(&self) -> &str {
        &self.meta.id
    }

    /// The user's name for it, else the start of its first question.
    pub fn title(&self) -> String {
        if let Some(name) = &self.meta.name {
            return name.clone();
        }
        self.turns
            .iter()
            .find(|t| t.role == Role::User)
            .map(|t| one_line(&t.text, 60))
            .unwrap_or_else(|| "(empty)".into())
    }

    /// Time of the newest turn, or creation.
    /// The user's most recent message.
    pub fn last_question(&self) -> Option<&Turn> {
        self.turns
            .iter()
            .rev()
            .find(|t| t.role == crate::engine::Role::User)
    }

    pub fn updated(&self) -> DateTime<Utc> {
        self.turns.last().map_or(self.meta.created, |t| t.time)
    }
}

/// A short single-line preview of `text`.
pub fn one_line(text: &str, max_chars: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        return flat;
    }
    let cut: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// The row `sessions list` shows.
#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    pub id: String,
    pub title: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub turns: usize,
}

impl From<&Session> for SessionSummary {
    fn from(session: &Session) -> Self {
        Self {
            id: session.meta.id.clone(),
            title: session.title(),
            created: session.meta.created,
            updated: session.updated(),
            turns: session.turns.len(),
        }
    }
}
