//! Which turn answers which in a conversation: a turn that asks, who said a memory, and how
//! soon a reply must follow to be taken as the answer (recall brings answers along; search lifts
//! the replies to the questions it finds).

use super::labels::{speaker_label, without_speaker, without_speakers};
use super::{Memory, MemoryKind};

/// How soon after a question its answer must be said to be taken as one (`recall`'s `add_answers`, `search`'s replies lifted).
pub const ANSWER_WITHIN: chrono::Duration = chrono::Duration::hours(6);

/// The most words a question may have to be taken as asking about the turn said just before it
/// ("When did this happen?", "That's so thoughtful. Where are you staying?"); a longer one
/// tends to bring up something new ("Anyway, how is the new job going, are you still …?").
pub const FOLLOW_UP_WORDS: usize = 10;

/// Whether a turn is a short question, as one asks about what was just said (`add_answers`).
pub fn asks_about_what_was_just_said(turn: &Memory) -> bool {
    asks_something(&turn.text)
        && without_speakers(&turn.text).split_whitespace().count() <= FOLLOW_UP_WORDS
}

/// Whether a turn ends by asking something: its last line ends with a question mark.
pub fn asks_something(text: &str) -> bool {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| without_speaker(l).trim_end().ends_with('?'))
}

/// Who said a memory: the speaker label of a chunk's first line; notes and facts are the user's
/// own words; summaries speak for no one (they are never updates).
pub fn voice(memory: &Memory) -> Option<String> {
    match memory.kind {
        MemoryKind::Chunk => speaker_label(&memory.text).map(|(speaker, _)| speaker.to_lowercase()),
        MemoryKind::Note | MemoryKind::Fact => Some("user".into()),
        MemoryKind::Summary => None,
    }
}
