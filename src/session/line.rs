//! The transcript's on-disk line: its own versioned serde type, so a change to the in-memory
//! `Turn` never silently changes the format, and transcripts written by older versions still load.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Recall, Role, StopReason, Turn, TurnStats};

/// The format written today. Lines without `v` were written before versioning (same fields).
pub const TRANSCRIPT_VERSION: u32 = 1;

/// One line of `<session>.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnLine {
    /// Format version; absent (0) in transcripts written before it existed.
    #[serde(default)]
    pub v: u32,
    pub id: String,
    pub time: DateTime<Utc>,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<TurnStats>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recall: Option<Recall>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forgotten: bool,
}

/// Why a line could not be read as a turn.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    #[error("not a transcript line: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error(
        "written by a newer mneme (transcript format {0}, this one reads up to {TRANSCRIPT_VERSION})"
    )]
    Newer(u32),
}

impl TurnLine {
    /// Parses one line of any version this build reads.
    pub fn parse(bytes: &[u8]) -> Result<Turn, LineError> {
        let line: TurnLine = serde_json::from_slice(bytes)?;
        if line.v > TRANSCRIPT_VERSION {
            return Err(LineError::Newer(line.v));
        }
        Ok(line.into())
    }

    /// The line for `turn` in today's format, without its newline.
    pub fn encode(turn: &Turn) -> Vec<u8> {
        serde_json::to_vec(&TurnLine::from(turn.clone())).expect("a turn line serialises")
    }
}

impl From<Turn> for TurnLine {
    fn from(t: Turn) -> Self {
        Self {
            v: TRANSCRIPT_VERSION,
            id: t.id,
            time: t.time,
            role: t.role,
            speaker: t.speaker,
            text: t.text,
            model: t.model,
            stats: t.stats,
            stop: t.stop,
            recall: t.recall,
            interrupted: t.interrupted,
            forgotten: t.forgotten,
        }
    }
}

impl From<TurnLine> for Turn {
    fn from(l: TurnLine) -> Self {
        Self {
            id: l.id,
            time: l.time,
            role: l.role,
            speaker: l.speaker,
            text: l.text,
            model: l.model,
            stats: l.stats,
            stop: l.stop,
            recall: l.recall,
            interrupted: l.interrupted,
            forgotten: l.forgotten,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines exactly as mneme 0.1 wrote them (before `v`): a question with a recall block, and a
    /// reply with stats.
    const UNVERSIONED: &[&str] = &[
        r#"{"id":"20261127-101500-ab12.1","time":"2026-11-27T10:15:00.123Z","role":"user","text":"What is my cat called?","recall":{"items":[{"id":"c-1","kind":"chunk","score":0.42,"time":"2026-11-20T09:00:00Z","text":"user: my cat is Saffron"}],"block":"Memories recalled...\n> user: my cat is Saffron\nEnd of memories."}}"#,
        r#"{"id":"20261127-101500-ab12.2","time":"2026-11-27T10:15:03Z","role":"assistant","text":"Saffron.","model":"SmolLM2-135M-Instruct","stats":{"ttft_ms":120.5,"prefill_tokens":40,"prompt_tokens":40,"prefill_tps":300.0,"decode_tps":60.0,"generated_tokens":4,"context_used":44,"context_size":4096},"stop":"end_of_turn"}"#,
        r#"{"id":"20261127-101500-ab12.3","time":"2026-11-27T10:16:00Z","role":"other","speaker":"Agnieszka","text":"hi","interrupted":true}"#,
    ];

    #[test]
    fn transcripts_written_before_versioning_still_load() {
        let turns: Vec<Turn> = UNVERSIONED
            .iter()
            .map(|l| TurnLine::parse(l.as_bytes()).unwrap())
            .collect();
        assert_eq!(turns[0].role, Role::User);
        let recall = turns[0].recall.as_ref().unwrap();
        assert_eq!(recall.items[0].text, "user: my cat is Saffron");
        assert_eq!(turns[1].stop, Some(StopReason::EndOfTurn));
        assert_eq!(turns[1].stats.as_ref().unwrap().generated_tokens, 4);
        assert_eq!(turns[1].stats.as_ref().unwrap().kv_shifts, 0);
        assert_eq!(turns[2].speaker.as_deref(), Some("Agnieszka"));
        assert!(turns[2].interrupted);
        // Re-encoded, they carry today's version and read back identical.
        for turn in &turns {
            let line = TurnLine::encode(turn);
            assert!(line.starts_with(br#"{"v":1,"#));
            assert_eq!(&TurnLine::parse(&line).unwrap(), turn);
        }
    }

    #[test]
    fn a_line_from_a_newer_format_is_refused_by_name() {
        let line = br#"{"v":9,"id":"s.1","time":"2026-11-27T10:15:00Z","role":"user","text":"x"}"#;
        let err = TurnLine::parse(line).unwrap_err();
        assert!(err.to_string().contains("newer mneme"), "{err}");
    }
}
