//! `mneme ask`: one question, one streamed reply, both saved to a session.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::{App, Cli, writes};
use crate::daemon::writes::WriteOp;

/// How long `ask` waits for the daemon to apply a write before leaving it to finish alone.
const WRITE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
use crate::conversation::Conversation;
use crate::engine::{
    Completion, GenerateRequest, GenerationEvent, SamplingParams, StopReason, TurnStats,
};
use crate::memory::recall::{RecallLimits, Recalled};

#[derive(Debug, Args)]
pub struct AskArgs {
    /// The question; `-` or nothing reads it from standard input.
    pub question: Vec<String>,
    /// Start a new session (the default).
    #[arg(long, conflicts_with_all = ["session", "resume"])]
    pub new: bool,
    /// Continue the session with this id (or unique id prefix).
    #[arg(long, value_name = "ID", conflicts_with = "resume")]
    pub session: Option<String>,
    /// Continue the most recent session.
    #[arg(long)]
    pub resume: bool,
    /// Print one JSON object with the reply, ids and stats instead of streaming text.
    #[arg(long)]
    pub json: bool,
    /// Sampling temperature; 0 is greedy and reproducible.
    #[arg(long, alias = "temperature", value_name = "T")]
    pub temp: Option<f32>,
    /// Longest reply in tokens.
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u32>,
    #[arg(long)]
    pub seed: Option<u32>,
    #[arg(long)]
    pub top_k: Option<i32>,
    #[arg(long)]
    pub top_p: Option<f32>,
    #[arg(long)]
    pub min_p: Option<f32>,
    #[arg(long)]
    pub repeat_penalty: Option<f32>,
    /// Do not recall memories into the prompt.
    #[arg(long)]
    pub no_recall: bool,
    /// Attention: full, sliding:W[:S], window:W or alibi:M (default: the config's).
    #[arg(long, value_name = "STRATEGY")]
    pub attention: Option<crate::engine::Attention>,
    /// A fetched model's name or a GGUF path, for this question only.
    #[arg(long, value_name = "NAME|PATH")]
    pub model: Option<String>,
}

/// What `ask --json` prints.
#[derive(Debug, Serialize)]
struct AskReport<'a> {
    reply: &'a str,
    session: &'a str,
    turn_ids: Vec<&'a str>,
    model: &'a str,
    stop: StopReason,
    interrupted: bool,
    cache_restored_tokens: Option<usize>,
    stats: &'a TurnStats,
    recalled: &'a [Recalled],
}

fn read_question(args: &AskArgs) -> Result<String> {
    let question = if args.question.is_empty() || args.question == ["-"] {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read the question from standard input")?;
        String::from_utf8(bytes).map_err(|e| {
            anyhow::anyhow!(
                "standard input is not valid UTF-8 (at byte {})",
                e.utf8_error().valid_up_to()
            )
        })?
    } else {
        args.question.join(" ")
    };
    if question.trim().is_empty() {
        bail!("the question is empty");
    }
    Ok(question)
}

fn sampling(app: &App, args: &AskArgs) -> SamplingParams {
    let mut generation = app.config.generation.clone();
    if let Some(t) = args.temp {
        generation.temperature = t.max(0.0);
    }
    generation.seed = args.seed.or(generation.seed);
    generation.top_k = args.top_k.unwrap_or(generation.top_k);
    generation.top_p = args.top_p.unwrap_or(generation.top_p);
    generation.min_p = args.min_p.unwrap_or(generation.min_p);
    generation.repeat_penalty = args.repeat_penalty.unwrap_or(generation.repeat_penalty);
    SamplingParams::from_config(&generation)
}

/// Cancels `token` on Ctrl+C or SIGTERM, so the partial reply is saved as interrupted.
fn cancel_on_signals(token: CancellationToken) {
    tokio::spawn(async move {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
        token.cancel();
    });
}

pub async fn run(cli: &Cli, args: &AskArgs) -> Result<ExitCode> {
    let app = App::load(cli, "ask")?;
    let question = read_question(args)?;
    app.ensure_daemon().await;
    let store = app.sessions();
    let session = app.pick_session(args.session.as_deref(), args.resume)?;
    let engine = app.load_engine(args.model.as_deref(), args.attention)?;
    let mut conversation = Conversation::new(
        &engine,
        &store,
        session,
        &app.config.generation.system_prompt,
    );
    let restored = conversation.restore_cache();
    let memory = match app.memory().await {
        Ok(memory) => Some(memory),
        Err(e) => {
            eprintln!("mneme: memory unavailable, answering without it: {e:#}");
            None
        }
    };
    let recall = match (&memory, app.config.memory.recall && !args.no_recall) {
        (Some(memory), true) => {
            let limits = RecallLimits::from_config(&app.config.memory);
            memory
                .recall(&question, Some(conversation.session.id()), limits)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!("recall failed: {e}");
                    None
                })
        }
        _ => None,
    };
    if let Some(recall) = &recall {
        let op = WriteOp::RecordRecall {
            ids: recall.items.iter().map(|i| i.id.clone()).collect(),
            at: chrono::Utc::now(),
        };
        if let Err(e) = writes::send_within(&app, op, Some(WRITE_WAIT), memory.as_ref()).await {
            tracing::warn!("could not record the recall: {e:#}");
        }
    }
    let user_turn = conversation.add_user_turn_with_recall(&question, recall)?;

    let cancel = CancellationToken::new();
    cancel_on_signals(cancel.clone());
    let request = GenerateRequest {
        messages: conversation.messages(),
        sampling: sampling(&app, args),
        max_tokens: args
            .max_tokens
            .unwrap_or(app.config.generation.max_tokens)
            .max(1),
        cancel,
    };
    let mut events = engine.generate(request);
    let mut streamed = String::new();
    let mut stdout = std::io::stdout();
    let completion: Completion = loop {
        match events.recv().await {
            Some(GenerationEvent::Piece(piece)) => {
                streamed.push_str(&piece);
                if !args.json {
                    // A closed pipe must not lose the reply: keep generating and save it.
                    let _ = stdout
                        .write_all(piece.as_bytes())
                        .and_then(|_| stdout.flush());
                }
            }
            Some(GenerationEvent::Prefill { .. }) => {}
            Some(GenerationEvent::Finished(done)) => break done,
            Some(GenerationEvent::Failed(msg)) => {
                conversation.add_partial_reply(&streamed)?;
                bail!(
                    "{msg} (your question was saved in session {})",
                    conversation.session.id()
                );
            }
            None => {
                conversation.add_partial_reply(&streamed)?;
                bail!("the engine stopped unexpectedly");
            }
        }
    };
    let reply_turn = conversation.add_reply(&completion)?;
    // The daemon would find the new turns within a second; asking makes them searchable before we exit.
    let op = WriteOp::Ingest {
        sessions: vec![conversation.session.id().to_string()],
        complete: false,
    };
    if memory.is_some()
        && let Err(e) = writes::send_within(&app, op, Some(WRITE_WAIT), memory.as_ref()).await
    {
        tracing::warn!("could not remember this turn yet (the daemon will): {e:#}");
    }
    let recalled: Vec<Recalled> = user_turn
        .recall
        .as_ref()
        .map(|r| r.items.clone())
        .unwrap_or_default();
    if args.json {
        super::print_json(&AskReport {
            reply: &completion.text,
            session: conversation.session.id(),
            turn_ids: vec![&user_turn.id, &reply_turn.id],
            model: &engine.info().name,
            stop: completion.stop,
            interrupted: reply_turn.interrupted,
            cache_restored_tokens: restored,
            stats: &completion.stats,
            recalled: &recalled,
        })?;
    } else {
        let _ = writeln!(stdout);
        if completion.stop == StopReason::Cancelled {
            eprintln!(
                "(interrupted; saved in session {})",
                conversation.session.id()
            );
        }
    }
    Ok(if completion.stop == StopReason::Cancelled {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}
