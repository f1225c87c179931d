//! What a memory is called by kind, and the record of what was recalled into a prompt.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    pub const ALL: [MemoryKind; 4] = [
        MemoryKind::Chunk,
        MemoryKind::Summary,
        MemoryKind::Note,
        MemoryKind::Fact,
    ];

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

/// One memory that went into a prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recalled {
    pub id: String,
    pub kind: MemoryKind,
    pub score: f64,
    pub time: DateTime<Utc>,
    /// The text as it went into the prompt (cut, with a marker, when it did not fit).
    pub text: String,
    /// The memory was longer than the recall budget left and was cut to fit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cut: bool,
    /// Cosine similarity of its meaning to the question (none for a pinned memory, which is
    /// recalled whatever the question).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f32>,
    /// The recalled question this turn answers: it was said right after it and is recalled with
    /// it, whatever its own similarity (`MemoryService::recall`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_to: Option<String>,
    /// The recalled turn this one was said after and is recalled with (an answer to a recalled
    /// question, or the other speaker's question about a recalled statement and its reply),
    /// whatever its own similarity (`MemoryService::recall`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<String>,
}

/// What was recalled for one user turn, and the exact block the model saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recall {
    pub items: Vec<Recalled>,
    /// The quoted block placed before the user's message.
    pub block: String,
}
