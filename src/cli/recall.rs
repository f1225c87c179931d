//! `mneme recall QUESTION`: exactly what `ask` would put into the prompt for a question (the
//! memories, their scores and the quoted block) without loading the chat model, so a user or a
//! test can see why something was, or was not, recalled.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{Cli, print_json};
use crate::memory::recall::{
    FACT_SIMILARITY, OWN_WORDS_SIMILARITY, RECALL_SIMILARITY, RECALL_SIMILARITY_SHARING_A_WORD,
    RECALL_SIMILARITY_SHARING_WORDS, RecallContext, RecallLimits, SHARED_TOPIC_WORDS,
};

#[derive(Debug, Args)]
pub struct RecallArgs {
    /// The question, as it would be asked.
    pub question: String,
    /// The conversation it would be asked in: its own turns are left out of recall, as they are
    /// already in the prompt (default: a new conversation).
    #[arg(long, value_name = "SESSION")]
    pub session: Option<String>,
    /// Print JSON: {question, floor, floor_sharing_a_word, floor_sharing_words,
    /// shared_topic_words, floor_fact, floor_own_words, items: [{id, kind, score, similarity,
    /// answer_to, follows, time, text}], block}.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(cli: &Cli, args: &RecallArgs) -> Result<ExitCode> {
    let app = cli.app("cli")?;
    let memory = app.memory().await?;
    let mut context = RecallContext::default();
    if let Some(id) = &args.session {
        let session = app.sessions().open(id)?;
        context.in_context = crate::session::messages(&session)
            .map(|turn| turn.text.clone())
            .collect();
        context.session = Some(session.id().to_string());
    }
    let limits = RecallLimits::from_config(&app.config.memory);
    let recall = memory.recall(&args.question, &context, limits).await?;
    let (items, block) = recall.map(|r| (r.items, r.block)).unwrap_or_default();
    if args.json {
        print_json(&serde_json::json!({
            "question": args.question,
            "floor": RECALL_SIMILARITY,
            "floor_sharing_a_word": RECALL_SIMILARITY_SHARING_A_WORD,
            "floor_sharing_words": RECALL_SIMILARITY_SHARING_WORDS,
            "shared_topic_words": SHARED_TOPIC_WORDS,
            "floor_fact": FACT_SIMILARITY,
            "floor_own_words": OWN_WORDS_SIMILARITY,
            "items": items,
            "block": block,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if items.is_empty() {
        crate::outln!(
            "nothing recalled: no memory is about this (similarity under {RECALL_SIMILARITY})"
        );
        return Ok(ExitCode::SUCCESS);
    }
    for item in &items {
        let alike = match (&item.answer_to, &item.follows, item.similarity) {
            (Some(question), _, _) => format!("the answer to {question}"),
            (None, Some(turn), _) => format!("asked about {turn}"),
            (None, None, Some(s)) => format!("{:.0}% alike", s * 100.0),
            (None, None, None) => "pinned".to_string(),
        };
        crate::outln!(
            "{} · {} · {} · {alike}",
            item.id,
            item.kind.as_str(),
            item.time.format("%Y-%m-%d")
        );
    }
    crate::outln!("\n{}", crate::sanitize::for_screen(&block));
    Ok(ExitCode::SUCCESS)
}
