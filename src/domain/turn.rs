//! What one turn of a conversation is: who said it, what was said, how the reply stopped and what
//! it cost, and what was recalled for it. Every other module builds on these; they build on nothing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::recall::Recall;

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    /// Someone else in an imported conversation; shown to the model as a user message.
    Other,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Other => "other",
        }
    }
}

/// Why generation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model ended its turn.
    EndOfTurn,
    /// The reply reached `max_tokens`.
    MaxTokens,
    /// The caller cancelled.
    Cancelled,
    /// The context window is full.
    ContextFull,
}

/// Measurements of one turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TurnStats {
    /// Time from the request to the first generated token.
    pub ttft_ms: f64,
    /// Prompt tokens decoded for this turn (the rest were already in the KV cache).
    pub prefill_tokens: usize,
    /// All prompt tokens, cached or not.
    pub prompt_tokens: usize,
    pub prefill_tps: f64,
    pub decode_tps: f64,
    pub generated_tokens: usize,
    /// Tokens in the KV cache after the turn.
    pub context_used: usize,
    pub context_size: usize,
    /// Oldest messages left out of the prompt because the conversation no longer fit.
    #[serde(default)]
    pub dropped_messages: usize,
    /// Sliding attention: evictions done by shifting the cache in this turn.
    #[serde(default)]
    pub kv_shifts: usize,
    /// Sliding attention: evictions done by decoding the kept tokens again (cache cannot shift).
    #[serde(default)]
    pub kv_reprefills: usize,
    /// Sliding attention: tokens evicted from the cache in this turn.
    #[serde(default)]
    pub evicted_tokens: usize,
}

/// What a forgotten turn says instead of its text.
pub const FORGOTTEN_TEXT: &str = "[forgotten]";

/// One message of a conversation. Never rewritten once appended to its transcript, except to
/// forget it.
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
    pub recall: Option<Recall>,
    /// The reply was cut off (Esc, Ctrl+C, or an error) before the model finished it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    /// The user made mneme forget it: its text is gone and it is never remembered again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forgotten: bool,
}

impl Turn {
    /// A plain turn: no speaker, model, stats, recall, not interrupted.
    pub fn new(id: String, time: DateTime<Utc>, role: Role, text: String) -> Self {
        Self {
            id,
            time,
            role,
            speaker: None,
            text,
            model: None,
            stats: None,
            stop: None,
            recall: None,
            interrupted: false,
            forgotten: false,
        }
    }

    /// Forgets this turn: its text (and any recall stored with it) is replaced by a marker.
    pub fn forget(&mut self) {
        self.text = FORGOTTEN_TEXT.to_string();
        self.recall = None;
        self.forgotten = true;
    }
}
