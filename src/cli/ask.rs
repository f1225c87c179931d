//! `mneme ask`: one question, one streamed reply, both saved to a session.

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::screen::ScreenWriter;
use super::{App, Cli};
use crate::app::chat::{Chat, Readiness, SharedMemory, TurnEvent, TurnOptions, TurnOutcome};
use crate::domain::{Recalled, StopReason, TurnStats};
use crate::engine::SamplingParams;

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
    /// Continue the most recent session (`--continue` is the same).
    #[arg(long, visible_alias = "continue")]
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
    /// Random seed for sampling, to repeat a reply exactly.
    #[arg(long, value_name = "N")]
    pub seed: Option<u32>,
    /// Sample only from the K most likely tokens (0: no limit).
    #[arg(long, value_name = "K")]
    pub top_k: Option<i32>,
    /// Sample from the smallest set of tokens whose probability adds up to P (nucleus).
    #[arg(long, value_name = "P")]
    pub top_p: Option<f32>,
    /// Drop tokens less likely than P times the most likely one.
    #[arg(long, value_name = "P")]
    pub min_p: Option<f32>,
    /// Penalty for repeating recent tokens (1.0: none).
    #[arg(long, value_name = "X")]
    pub repeat_penalty: Option<f32>,
    /// Do not recall memories into the prompt.
    #[arg(long)]
    pub no_recall: bool,
    /// Attention: full, sliding:W[:S], window:W or alibi:M (default: the config's).
    #[arg(long, value_name = "STRATEGY")]
    pub attention: Option<crate::engine::Attention>,
    /// A fetched model's name or a GGUF path, for this question only (with `--backend openai`:
    /// the server's model name).
    #[arg(long, value_name = "NAME|PATH")]
    pub model: Option<String>,
    /// Where the reply comes from: `local` (llama.cpp here) or `openai` (an OpenAI-compatible
    /// server at OPENAI_BASE_URL); default: the config's `model.backend`.
    #[arg(long, value_name = "BACKEND")]
    pub backend: Option<crate::config::Backend>,
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
pub(super) fn cancel_on_signals(token: CancellationToken) {
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
    let app = Arc::new(cli.app("ask")?);
    let question = read_question(args)?;
    app.ensure_daemon().await;
    let choice = crate::app::EngineChoice {
        backend: args.backend,
        model: args.model.clone(),
        attention: args.attention,
    };
    if let Some(notice) = app.engine_notice(&choice) {
        eprintln!("mneme: {notice}");
    }
    let engine = app.load_engine(&choice).await?;
    // After the engine: a model that cannot load or a server that refuses leaves no empty session.
    let session = app.pick_session(args.session.as_deref(), args.resume)?;
    let model = engine.info().name.clone();
    let mut chat = Chat::new(app.clone(), engine, SharedMemory::default());
    let restored = match chat.open(session, false, |_, _| {}).await? {
        Readiness::Restored(tokens) => Some(tokens),
        Readiness::Reread | Readiness::Deferred => None,
    };
    let cancel = CancellationToken::new();
    cancel_on_signals(cancel.clone());
    let options = TurnOptions {
        sampling: sampling(&app, args),
        max_tokens: args
            .max_tokens
            .unwrap_or(app.config.generation.max_tokens)
            .max(1),
        recall: app.config.memory.recall && !args.no_recall,
        cancel,
        wait_for_memory: true,
    };
    let mut out = ScreenWriter::stdout();
    let outcome = chat
        .turn(&question, options, |event| match event {
            // A closed pipe must not lose the reply: keep generating and save it.
            TurnEvent::Piece(piece) if !args.json => out.write_lossy(&piece),
            TurnEvent::Notice(notice) => eprintln!("mneme: {notice}"),
            _ => {}
        })
        .await?;
    let TurnOutcome {
        user_turn,
        reply_turn,
        completion,
    } = &outcome;
    let session_id = chat
        .session()
        .map(|s| s.id().to_string())
        .unwrap_or_default();
    if args.json {
        let recalled: Vec<Recalled> = user_turn
            .recall
            .as_ref()
            .map(|r| r.items.clone())
            .unwrap_or_default();
        super::print_json(&AskReport {
            reply: &completion.text,
            session: &session_id,
            turn_ids: vec![&user_turn.id, &reply_turn.id],
            model: &model,
            stop: completion.stop,
            interrupted: reply_turn.interrupted,
            cache_restored_tokens: restored,
            stats: &completion.stats,
            recalled: &recalled,
        })?;
    } else {
        out.write_lossy("\n");
        if completion.stop == StopReason::Cancelled {
            eprintln!("(interrupted; saved in session {session_id})");
        }
    }
    Ok(if completion.stop == StopReason::Cancelled {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}
