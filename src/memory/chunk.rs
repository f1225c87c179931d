//! Turns conversation turns into memory chunks: by default one per turn, so that what is recalled
//! is the sentence that matters and not its neighbours, with the neighbours, the speaker and the
//! date in what is embedded so that a turn is found by what it was about.

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
    /// What is embedded: the text, then its date and the turns around it (see [`add_context`]).
    pub embed_text: String,
    /// Facts the user stated in these turns (`facts::extract`), stored with the chunk.
    pub facts: Vec<super::facts::FactDraft>,
    /// Who speaks in its session (set by [`add_context`]): their names are left out of the
    /// chunk's own words (`recall::own_text`).
    pub participants: Vec<String>,
}

/// Size and grouping limits.
#[derive(Debug, Clone, Copy)]
pub struct ChunkLimits {
    /// A chunk closes before it would grow past this many characters (one long turn may exceed it alone).
    pub max_chars: usize,
    /// A chunk holds at most this many turns. 1 (the default) indexes single turns, with their
    /// neighbours in the embedding (`add_context`): in `bench recall` on a generated set of 2,644
    /// turns this found more evidence within the 1,300-character budget than question-and-answer
    /// pairs did, since a pair spends half the budget on the other speaker.
    pub max_turns: usize,
    /// Turns further apart than this never share a chunk.
    pub max_gap: chrono::Duration,
}

impl Default for ChunkLimits {
    fn default() -> Self {
        Self {
            max_chars: 900,
            max_turns: 1,
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
            embed_text: text.clone(),
            facts: Vec::new(),
            participants: Vec::new(),
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

/// Characters of each neighbouring turn added to what is embedded.
const CONTEXT_CHARS: usize = 160;

/// Adds to each chunk's `embed_text` the day it was said and the turns just before and after it in
/// `session_turns` (the whole session, in order), so a reply like "Yes, on Tuesdays" is embedded
/// with the question it answers, and records the session's speakers as its participants. The
/// chunk's own text comes first: the embedder truncates the end.
pub fn add_context(chunks: &mut [Chunk], session_turns: &[SourceTurn]) {
    let position: std::collections::HashMap<&str, usize> = session_turns
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let excerpt = |turn: &SourceTurn| {
        let text: String = turn.text.trim().chars().take(CONTEXT_CHARS).collect();
        format!("{}: {text}", turn.speaker)
    };
    let mut participants: Vec<String> = session_turns.iter().map(|t| t.speaker.clone()).collect();
    participants.sort();
    participants.dedup();
    for chunk in chunks {
        chunk.participants = participants.clone();
        let first = chunk
            .source_turns
            .first()
            .and_then(|id| position.get(id.as_str()));
        let last = chunk
            .source_turns
            .last()
            .and_then(|id| position.get(id.as_str()));
        let mut embed = format!("{}\n({})", chunk.text, chunk.time_start.format("%-d %B %Y"));
        if let Some(before) = first
            .and_then(|&i| i.checked_sub(1))
            .map(|i| &session_turns[i])
        {
            embed.push_str(&format!("\nbefore it, {}", excerpt(before)));
        }
        if let Some(after) = last.and_then(|&i| session_turns.get(i + 1)) {
            embed.push_str(&format!("\nafter it, {}", excerpt(after)));
        }
        chunk.embed_text = embed;
    }
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

    const PAIRS: ChunkLimits = ChunkLimits {
        max_chars: 900,
        max_turns: 2,
        max_gap: chrono::Duration::hours(6),
    };

    #[test]
    fn each_turn_is_its_own_chunk_embedded_with_its_date_and_neighbours() {
        let turns = vec![
            turn(1, "Maya", "Does the pottery class still meet?", 0),
            turn(2, "Tom", "Yes, on Tuesdays at the community centre.", 1),
            turn(3, "Maya", "Great.", 2),
        ];
        let (mut chunks, pending) = chunk_turns(&turns, ChunkLimits::default(), false);
        assert_eq!(pending, 0);
        let texts: Vec<&str> = chunks.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Maya: Does the pottery class still meet?",
                "Tom: Yes, on Tuesdays at the community centre.",
                "Maya: Great."
            ]
        );
        add_context(&mut chunks, &turns);
        assert_eq!(
            chunks[1].embed_text,
            "Tom: Yes, on Tuesdays at the community centre.\n(14 November 2023)\n\
             before it, Maya: Does the pottery class still meet?\nafter it, Maya: Great."
        );
        assert!(!chunks[0].embed_text.contains("before it"));
        assert!(!chunks[2].embed_text.contains("after it"));
    }

    #[test]
    fn a_question_stays_with_its_answer_in_pairs() {
        let turns = vec![
            turn(1, "user", "Where is Lisbon?", 0),
            turn(2, "assistant", "In Portugal.", 1),
            turn(3, "user", "And Porto?", 2),
            turn(4, "assistant", "Also Portugal.", 3),
        ];
        let (chunks, pending) = chunk_turns(&turns, PAIRS, false);
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
    fn a_waiting_question_is_held_back_until_complete_in_pairs() {
        let turns = vec![
            turn(1, "user", "a", 0),
            turn(2, "assistant", "b", 0),
            turn(3, "user", "c", 1),
        ];
        let (chunks, pending) = chunk_turns(&turns, PAIRS, false);
        assert_eq!((chunks.len(), pending), (1, 1));
        let (chunks, pending) = chunk_turns(&turns, PAIRS, true);
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
        let (chunks, _) = chunk_turns(&turns, PAIRS, true);
        let groups: Vec<_> = chunks.iter().map(|c| c.source_turns.len()).collect();
        assert_eq!(groups, [1, 2, 1]);
        let (again, _) = chunk_turns(&turns, PAIRS, true);
        assert_eq!(chunks, again);
    }
}
