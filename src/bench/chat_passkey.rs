//! The passkey test at chat level: a code stated early in one long conversation, asked for once
//! the sliding window has moved past it. The model no longer sees the statement; recall of the
//! conversation's own evicted turns must bring it back. Reported beside the attention passkeys.

use std::sync::Arc;

use serde::Serialize;

use crate::app::chat::{Chat, SharedMemory, TurnEvent, TurnOptions};
use crate::app::{App, EngineChoice};
use crate::engine::{Attention, SamplingParams};

/// Questions that fill the conversation between the statement and the question.
const FILLER: [&str; 8] = [
    "Tell me one short fact about the moon.",
    "Name a large river in Africa.",
    "What colour is a ripe banana?",
    "Give me a word that rhymes with cat.",
    "How many legs does a spider have?",
    "What is the boiling point of water in Celsius?",
    "Name a planet with rings.",
    "What do bees make?",
];
/// A window narrower than this cannot hold a question, its recalled memories and a reply.
pub const MIN_WINDOW: u32 = 128;
/// Reply length of every filler turn.
const FILLER_REPLY_TOKENS: u32 = 48;

/// Conversations held at each distance, each with its own code: one greedy reply of a 135M model
/// is one sample (on one day the date in the recall block tipped a reply that held the code into
/// one that did not), so the bench reports how many of them found it.
pub const CODES_PER_DISTANCE: usize = 5;

/// The chat-level passkey runs at one distance.
#[derive(Debug, Serialize)]
pub struct ChatPasskey {
    pub model: String,
    pub strategy: String,
    /// The tokens of conversation asked for between the statement and the question, and the most
    /// there were in any of the conversations (whole turns).
    pub distance: usize,
    pub distance_tokens: usize,
    pub turns: usize,
    /// The model's context (the window plus its sinks with `sliding`).
    pub context_tokens: usize,
    /// How many conversations were held, each with its own code (`CODES_PER_DISTANCE`).
    pub codes: usize,
    /// With recall on, in how many of them the statement was recalled into the question's
    /// prompt, and in how many the reply held the code.
    pub recalled: usize,
    pub found: usize,
    /// The replies to the question (with recall), one per code.
    pub answers: Vec<String>,
    /// The same conversations with recall off: in how many the reply held the code.
    pub found_without_recall: usize,
}

/// Runs the conversation for each of `CODES_PER_DISTANCE` codes twice in throw-away data dirs
/// (recall on, then off) with `attention` on the chat model, the question coming at least
/// `distance` tokens after the statement.
pub async fn run(attention: Attention, distance: usize) -> anyhow::Result<ChatPasskey> {
    let mut report = ChatPasskey {
        model: String::new(),
        strategy: attention.to_string(),
        distance,
        distance_tokens: 0,
        turns: 0,
        context_tokens: 0,
        codes: CODES_PER_DISTANCE,
        recalled: 0,
        found: 0,
        answers: Vec::new(),
        found_without_recall: 0,
    };
    for trial in 0..CODES_PER_DISTANCE {
        let code = code(distance, trial);
        let with = converse(attention, distance, &code, true).await?;
        let without = converse(attention, distance, &code, false).await?;
        report.model = with.model;
        report.distance_tokens = report.distance_tokens.max(with.distance_tokens);
        report.turns = report.turns.max(with.turns);
        report.context_tokens = with.context_tokens;
        report.recalled += usize::from(with.recalled);
        report.found += usize::from(with.found);
        report.answers.push(with.answer);
        report.found_without_recall += usize::from(without.found);
    }
    Ok(report)
}

/// The `trial`th code for `distance`. Four digits, like a locker code: SmolLM2 copies five-digit
/// numbers with a digit missing ("51900" came back as "5190"), which would measure its copying,
/// not recall.
fn code(distance: usize, trial: usize) -> String {
    format!("{}", 1_000 + ((distance + 101 * trial) * 7919) % 9_000)
}

struct Conversed {
    model: String,
    distance_tokens: usize,
    turns: usize,
    context_tokens: usize,
    recalled: bool,
    found: bool,
    answer: String,
}

async fn converse(
    attention: Attention,
    distance: usize,
    code: &str,
    recall: bool,
) -> anyhow::Result<Conversed> {
    let scratch = tempfile::Builder::new()
        .prefix("mneme-bench-passkey")
        .tempdir()?;
    let app = Arc::new(App::load(
        Some(scratch.path().to_path_buf()),
        None,
        "bench",
    )?);
    let engine = app
        .load_engine(&EngineChoice {
            attention: Some(attention),
            ..EngineChoice::default()
        })
        .await?;
    let model = engine.info().name.clone();
    let context_tokens = engine.info().context_size as usize;
    let session = app.pick_session(None, false)?;
    let mut chat = Chat::new(app.clone(), engine, SharedMemory::default());
    chat.open(session, false, |_, _| {}).await?;
    let options = |max_tokens: u32| TurnOptions {
        sampling: SamplingParams::greedy(),
        max_tokens,
        recall,
        cancel: Default::default(),
        wait_for_memory: true,
    };
    let statement = format!("Please remember this: my locker code is {code}.");
    chat.turn(&statement, options(16), |_| {}).await?;
    let mut distance_tokens = 0;
    let mut turns = 0;
    while distance_tokens < distance {
        let question = FILLER[turns % FILLER.len()];
        let outcome = chat
            .turn(question, options(FILLER_REPLY_TOKENS), |_| {})
            .await?;
        for text in [&outcome.user_turn.text, &outcome.reply_turn.text] {
            distance_tokens += chat.engine().count_tokens(text).await?;
        }
        turns += 1;
    }
    let mut recalled = false;
    let outcome = chat
        .turn("What is my locker code?", options(24), |event| {
            if let TurnEvent::Recalled(items) = event {
                recalled = items.iter().any(|i| i.text.contains(code));
            }
        })
        .await?;
    Ok(Conversed {
        model,
        distance_tokens,
        turns,
        context_tokens,
        recalled,
        found: outcome.reply_turn.text.contains(code),
        answer: outcome.reply_turn.text.trim().to_string(),
    })
}

/// The table's lines for the chat-level runs.
pub fn table(runs: &[ChatPasskey]) -> String {
    let mut out = String::new();
    for run in runs {
        out.push_str(&format!(
            "{:<14} {:<16} chat passkey {} tokens later ({} turns, context {}): found {}/{} with recall (recalled {}/{}), {}/{} without\n",
            run.model,
            run.strategy,
            run.distance_tokens,
            run.turns,
            run.context_tokens,
            run.found,
            run.codes,
            run.recalled,
            run.codes,
            run.found_without_recall,
            run.codes,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_conversation_at_a_distance_has_its_own_four_digit_code() {
        for distance in [64, 100, 320, 800, 3_000] {
            let codes: std::collections::HashSet<String> =
                (0..CODES_PER_DISTANCE).map(|t| code(distance, t)).collect();
            assert_eq!(codes.len(), CODES_PER_DISTANCE, "{codes:?}");
            assert!(codes.iter().all(|c| c.len() == 4), "{codes:?}");
        }
    }
}
