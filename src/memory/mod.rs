//! Long-term memory: what was said, embedded and stored in LanceDB, recalled by hybrid search.

pub mod chunk;
pub mod embed;
pub mod fuse;
pub mod recall;
pub mod service;
pub mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Width of the all-MiniLM-L6-v2 embedding.
pub const EMBEDDING_DIMS: usize = 384;

/// What a memory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum MemoryKind {
    /// A few consecutive turns of a conversation.
    Chunk,
    /// A summary of a session-day or a whole day, written by the model.
    Summary,
    /// Something the user wrote down.
    Note,
    /// A single fact.
    Fact,
}

impl MemoryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryKind::Chunk => "chunk",
            MemoryKind::Summary => "summary",
            MemoryKind::Note => "note",
            MemoryKind::Fact => "fact",
        }
    }
}

impl std::str::FromStr for MemoryKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "chunk" => Ok(Self::Chunk),
            "summary" => Ok(Self::Summary),
            "note" => Ok(Self::Note),
            "fact" => Ok(Self::Fact),
            other => Err(format!(
                "unknown memory kind `{other}` (chunk, summary, note, fact)"
            )),
        }
    }
}

/// One remembered thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    pub id: String,
    pub kind: MemoryKind,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vector: Vec<f32>,
    /// The session it came from, if any.
    pub session: Option<String>,
    /// Time span of its source turns (creation time for notes).
    pub time_start: DateTime<Utc>,
    pub time_end: DateTime<Utc>,
    /// Ids of the turns it was made from.
    pub source_turns: Vec<String>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub pinned: bool,
    pub recall_count: u32,
    pub last_recalled: Option<DateTime<Utc>>,
}

impl Memory {
    /// A memory with a fresh id, not tied to any turn.
    pub fn new(kind: MemoryKind, text: String, vector: Vec<f32>, now: DateTime<Utc>) -> Self {
        Self {
            id: format!("{}-{}", &kind.as_str()[..1], uuid::Uuid::now_v7().simple()),
            kind,
            text,
            vector,
            session: None,
            time_start: now,
            time_end: now,
            source_turns: Vec::new(),
            created: now,
            updated: now,
            pinned: false,
            recall_count: 0,
            last_recalled: None,
        }
    }
}

/// Which memories a list or search considers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemoryFilter {
    /// Any of these kinds; empty means all.
    pub kinds: Vec<MemoryKind>,
    pub session: Option<String>,
    /// Only memories ending at or after this time.
    pub after: Option<DateTime<Utc>>,
    /// Only memories starting before this time.
    pub before: Option<DateTime<Utc>>,
    pub pinned_only: bool,
    /// Leave out memories from this session (its turns are already in the conversation).
    pub exclude_session: Option<String>,
}
