//! Groups conversation turns into memory chunks that keep a question with its answer, within a size limit.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// A turn as memory sees it: from a session transcript or an import.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceTurn {
    pub id: String,
    pub session: String,
    pub time: DateTime<Utc>,
    /// Who said it (a person's name, or "user"/"assistant").
    pub speaker: String,
    pub text: String,
}

/// A group of consecutive turns of one session, stored as one `chunk` memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// Derived from the session and source turn ids: the same turns always give the same id.
    pub id: String,
    pub session: String,
    pub text: String,
    pub time_start: DateTime<Utc>,
    pub time_end: DateTime<Utc>,
    pub source_turns: Vec<String>,
}

/// Size and grouping limits.
#[derive(Debug, Clone, Copy)]
pub struct ChunkLimits {
    /// A chunk closes before it would grow past this many characters (one long turn may exceed it alone).
    pub max_chars: usize,
    /// A chunk holds at most this many turns (2 keeps a question with its answer).
    pub max_turns: usize,
    /// Turns further apart than this never share a chunk.
    pub max_gap: chrono::Duration,
}

impl Default for ChunkLimits {
    fn default() -> Self {
        Self {
            max_chars: 900,
            max_turns: 2,
            max_gap: chrono::Duration::hours(6),
        }
    }
}

/// Stable chunk id from its session and turns.
pub fn chunk_id(session: &str, turn_ids: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(session.as_bytes());
    for id in turn_ids {
        hasher.update([0]);
        hasher.update(id.as_bytes());
    }
    format!("c-{}", &hex::encode(hasher.finalize())[..20])
}

fn render_turn(turn: &SourceTurn) -> String {
    format!("{}: {}", turn.speaker, turn.text.trim())
}

/// Splits the turns of one session (in order) into chunks. When `complete` is false, a trailing
/// group that could still grow (a question waiting for its answer) is held back and returned as
/// the number of turns left unchunked.
pub fn chunk_turns(
    turns: &[SourceTurn],
    limits: ChunkLimits,
    complete: bool,
) -> (Vec<Chunk>, usize) {
    let mut chunks = Vec::new();
    let mut group: Vec<&SourceTurn> = Vec::new();
    let mut chars = 0;
    let close = |group: &mut Vec<&SourceTurn>, chunks: &mut Vec<Chunk>| {
        if group.is_empty() {
            return;
        }
        let ids: Vec<String> = group.iter().map(|t| t.id.clone()).collect();
        let text = group
            .iter()
            .map(|t| render_turn(t))
            .collect::<Vec<_>>()
            .join("\n");
        chunks.push(Chunk {
            id: chunk_id(&group[0].session, &ids),
            session: group[0].session.clone(),
            text,
            time_start: group[0].time,
            time_end: group[group.len() - 1].time,
            source_turns: ids,
        });
        group.clear();
    };
    for turn in turns {
        let len = turn.speaker.len() + 2 + turn.text.trim().len();
        let too_big = !group.is_empty() && chars + 1 + len > limits.max_chars;
        let too_far = group
            .last()
            .is_some_and(|last| turn.time - last.time > limits.max_gap);
        if too_big || too_far || group.len() >= limits.max_turns {
            close(&mut group, &mut chunks);
            chars = 0;
        }
        chars += len + usize::from(!group.is_empty());
        group.push(turn);
    }
    let pending = if complete || group.len() >= limits.max_turns {
        0
    } else {
        group.len()
    };
    if pending == 0 {
        close(&mut group, &mut chunks);
    }
    (chunks, pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(n: usize, speaker: &str, text: &str, minutes: i64) -> SourceTurn {
        SourceTurn {
            id: format!("s.{n}"),
            session: "s".into(),
            time: DateTime::from_timestamp(1_700_000_000 + minutes * 60, 0).unwrap(),
            speaker: speaker.into(),
            text: text.into(),
        }
    }

    #[test]
    fn a_question_stays_with_its_answer() {
        let turns = vec![
            turn(1, "user", "Where is Lisbon?", 0),
            turn(2, "assistant", "In Portugal.", 1),
            turn(3, "user", "And Porto?", 2),
            turn(4, "assistant", "Also Portugal.", 3),
        ];
        let (chunks, pending) = chunk_turns(&turns, ChunkLimits::default(), false);
        assert_eq!(pending, 0);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].source_turns, ["s.1", "s.2"]);
        assert_eq!(
            chunks[0].text,
            "user: Where is Lisbon?\nassistant: In Portugal."
        );
        assert_eq!(chunks[1].time_start, turns[2].time);
    }

    #[test]
    fn a_waiting_question_is_held_back_until_complete() {
        let turns = vec![
            turn(1, "user", "a", 0),
            turn(2, "assistant", "b", 0),
            turn(3, "user", "c", 1),
        ];
        let (chunks, pending) = chunk_turns(&turns, ChunkLimits::default(), false);
        assert_eq!((chunks.len(), pending), (1, 1));
        let (chunks, pending) = chunk_turns(&turns, ChunkLimits::default(), true);
        assert_eq!((chunks.len(), pending), (2, 0));
    }

    #[test]
    fn size_and_time_gaps_split_chunks_and_ids_are_stable() {
        let long = "x".repeat(800);
        let turns = vec![
            turn(1, "ann", &long, 0),
            turn(2, "bob", &long, 1),
            turn(3, "ann", "hi", 2),
            turn(4, "bob", "later", 60 * 24),
        ];
        let (chunks, _) = chunk_turns(&turns, ChunkLimits::default(), true);
        let groups: Vec<_> = chunks.iter().map(|c| c.source_turns.len()).collect();
        assert_eq!(groups, [1, 2, 1]);
        let (again, _) = chunk_turns(&turns, ChunkLimits::default(), true);
        assert_eq!(chunks, again);
    }
}
