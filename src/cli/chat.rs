//! `mneme chat`: an interactive conversation in the terminal, resumable across days.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::Args;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_util::sync::CancellationToken;

use super::screen::ScreenWriter;
use super::{App, Cli};
use crate::app::chat::{Chat, Opening, SharedMemory, TurnEvent, TurnOptions};
use crate::engine::Engine;

#[derive(Debug, Default, Args)]
pub struct ChatArgs {
    /// Start a new conversation.
    #[arg(long, conflicts_with_all = ["resume", "session"])]
    pub new: bool,
    /// Resume the most recent conversation (`--continue` is the same).
    #[arg(long, visible_alias = "continue", conflicts_with = "session")]
    pub resume: bool,
    /// Resume the conversation with this id (or unique prefix).
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
    /// Attention: full, sliding:W[:S], window:W or alibi:M (default: the config's).
    #[arg(long, value_name = "STRATEGY")]
    pub attention: Option<crate::engine::Attention>,
    /// A fetched model's name or a GGUF path (with `--backend openai`: the server's model name).
    #[arg(long, value_name = "NAME|PATH")]
    pub model: Option<String>,
    /// Where replies come from: `local` (llama.cpp here) or `openai` (an OpenAI-compatible
    /// server at OPENAI_BASE_URL); default: the config's `model.backend`.
    #[arg(long, value_name = "BACKEND")]
    pub backend: Option<crate::config::Backend>,
    /// Recall memories but write nothing: no transcript, no memory, no KV state.
    #[arg(long, conflicts_with_all = ["new", "resume", "session"])]
    pub incognito: bool,
}

/// The full-screen chat on a terminal; a line-by-line chat when input or output is not one.
pub async fn run(cli: &Cli, args: &ChatArgs) -> Result<ExitCode> {
    use std::io::IsTerminal;
    let app = Arc::new(cli.app("chat")?);
    let opening = if args.incognito {
        Opening::Incognito
    } else {
        Opening::Saved(app.pick_session(args.session.as_deref(), args.resume)?)
    };
    let choice = crate::app::EngineChoice {
        backend: args.backend,
        model: args.model.clone(),
        attention: args.attention,
    };
    let notice = app.engine_notice(&choice);
    let engine = app.load_engine(&choice).await?;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        crate::tui::runner::run(app, engine, opening, notice).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(notice) = notice {
        eprintln!("mneme: {notice}");
    }
    lines(app, engine, opening).await
}

/// The plain chat for pipes and dumb terminals: one line in, one streamed reply out, through the
/// same turn pipeline as the full-screen chat (recall, save, stream, save, ingest).
async fn lines(app: Arc<App>, engine: Engine, opening: Opening) -> Result<ExitCode> {
    app.ensure_daemon().await;
    let mut chat = Chat::new(app.clone(), engine, SharedMemory::default());
    let mut out = ScreenWriter::stdout();
    match opening {
        Opening::Incognito => {
            out.write_lossy("(incognito: nothing is saved; empty line or Ctrl+D quits)\n");
            chat.open_incognito();
        }
        Opening::Saved(session) => {
            for turn in &session.turns {
                out.write_lossy(&format!("{}: {}\n", turn.role.as_str(), turn.text));
            }
            out.write_lossy(&format!(
                "(session {}; empty line or Ctrl+D quits)\n",
                session.id()
            ));
            chat.open(session, false, |_, _| {}).await?;
        }
    }
    let mut input = BufReader::new(tokio::io::stdin());
    let interrupted = CancellationToken::new();
    super::ask::cancel_on_signals(interrupted.clone());
    loop {
        out.write_lossy("> ");
        let line = tokio::select! {
            line = read_line(&mut input) => line?,
            // Ctrl+C or SIGTERM at the prompt quits.
            _ = interrupted.cancelled() => None,
        };
        let Some(line) = line.filter(|l| !l.trim().is_empty()) else {
            break;
        };
        let mut options = TurnOptions::from_config(&app);
        options.cancel = interrupted.child_token();
        // Each turn is remembered before the next line is read, as `ask` does.
        options.wait_for_memory = true;
        let outcome = chat
            .turn(line.trim_end(), options, |event| match event {
                TurnEvent::Piece(piece) => out.write_lossy(&piece),
                TurnEvent::Notice(notice) => eprintln!("mneme: {notice}"),
                _ => {}
            })
            .await;
        out.write_lossy("\n");
        match outcome {
            Ok(done) if done.reply_turn.interrupted => {
                eprintln!("(interrupted; saved)");
                return Ok(ExitCode::from(130));
            }
            Ok(_) => {}
            Err(e) => {
                eprintln!("mneme: {e}");
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line of standard input, `None` at its end; input that is not UTF-8 is a clear error.
async fn read_line(input: &mut BufReader<tokio::io::Stdin>) -> Result<Option<String>> {
    let mut bytes = Vec::new();
    if input.read_until(b'\n', &mut bytes).await? == 0 {
        return Ok(None);
    }
    String::from_utf8(bytes).map(Some).map_err(|e| {
        anyhow::anyhow!(
            "standard input is not valid UTF-8 (at byte {} of the line)",
            e.utf8_error().valid_up_to()
        )
    })
}
