//! Conversations on disk: the append-only transcripts everything else (memory, resume) is built from.

mod export;
mod find;
pub mod line;
mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use export::{ExportFormat, export};
pub use find::{TurnHit, messages};
pub use store::{SessionError, SessionStore};

use crate::domain::Role;
pub use crate::domain::Turn;

/// Facts about a session kept beside its transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionMeta {
    pub id: String,
    pub created: DateTime<Utc>,
    /// A name the user gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What listing needs, kept up to date on every append (absent in metas written before it
    /// existed: listing builds it once from the transcript).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<SessionIndex>,
}

/// A session at a glance, so listing never reads transcripts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionIndex {
    pub turns: usize,
    pub updated: DateTime<Utc>,
    /// The start of its first question (the default title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_question: Option<String>,
    /// The start of its latest question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_question: Option<String>,
}

impl SessionIndex {
    /// The index of a session created at `created` whose transcript holds `turns`.
    pub fn of_turns(created: DateTime<Utc>, turns: &[Turn]) -> Self {
        let mut index = Self {
            turns: 0,
            updated: created,
            first_question: None,
            last_question: None,
        };
        index.add(turns);
        index.updated = turns.last().map_or(created, |t| t.time);
        index
    }

    /// The index of `session` as loaded.
    pub fn of(session: &Session) -> Self {
        Self::of_turns(session.meta.created, &session.turns)
    }

    /// Brings the index up to date after `added` turns were appended.
    pub fn add(&mut self, added: &[Turn]) {
        self.turns += added.len();
        if let Some(last) = added.last() {
            self.updated = self.updated.max(last.time);
        }
        let mut questions = added.iter().filter(|t| t.role == Role::User);
        if self.first_question.is_none() {
            self.first_question = questions.clone().next().map(|t| one_line(&t.text, 60));
        }
        if let Some(last) = questions.next_back() {
            self.last_question = Some(one_line(&last.text, 200));
        }
    }
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
    /// A conversation kept only in memory (incognito): nothing of it is ever written.
    pub fn unsaved(title: &str) -> Self {
        let now = Utc::now();
        Self {
            meta: SessionMeta {
                id: format!("unsaved-{}", now.format("%Y%m%d-%H%M%S")),
                created: now,
                name: Some(title.to_string()),
                index: None,
            },
            turns: Vec::new(),
            unreadable_lines: Vec::new(),
        }
    }

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

    /// The user's most recent message.
    pub fn last_question(&self) -> Option<&Turn> {
        self.turns.iter().rev().find(|t| t.role == Role::User)
    }

    /// Time of the newest turn, or creation.
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
    /// The start of the latest question, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_question: Option<String>,
}

impl SessionSummary {
    /// The row for a session from its meta and index.
    pub fn new(meta: &SessionMeta, index: &SessionIndex) -> Self {
        Self {
            id: meta.id.clone(),
            title: meta
                .name
                .clone()
                .or_else(|| index.first_question.clone())
                .unwrap_or_else(|| "(empty)".into()),
            created: meta.created,
            updated: index.updated,
            turns: index.turns,
            last_question: index.last_question.clone(),
        }
    }
}
