//! Long-term memory: what was said, embedded and stored in LanceDB, recalled by hybrid search.

pub mod ann;
pub mod chains;
pub mod chunk;
pub mod embed;
pub mod facts;
pub mod fuse;
pub mod hygiene;
pub mod labels;
pub mod location;
pub mod lock;
pub mod recall;
pub mod replies;
pub mod service;
pub mod store;
pub mod when;
pub mod writer;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::domain::MemoryKind;

/// Width of the all-MiniLM-L6-v2 embedding.
pub const EMBEDDING_DIMS: usize = 384;

/// One remembered thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    pub id: String,
    pub kind: MemoryKind,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vector: Vec<f32>,
    /// Its own words embedded alone: a turn without its speaker or neighbours, a fact without
    /// its person (`recall::own_text`); for other kinds the same as `vector`. Empty until
    /// written (the writer fills it in) or for rows an older mneme wrote, until the daemon does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub own_vector: Vec<f32>,
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
            own_vector: Vec::new(),
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

    /// Whether its own words have been embedded (`own_vector`; not yet for rows an older mneme
    /// wrote).
    pub fn has_own_vector(&self) -> bool {
        self.own_vector.len() == EMBEDDING_DIMS
    }

    /// Drops both embeddings (what is printed or exported carries text, not vectors).
    pub fn clear_vectors(&mut self) {
        self.vector.clear();
        self.own_vector.clear();
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
    /// Read rows without their vectors (listings and the memory browser show text only; without
    /// vectors, near-duplicates are merged only when their text is the same).
    pub skip_vectors: bool,
}
