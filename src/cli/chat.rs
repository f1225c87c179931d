//! `mneme chat`: an interactive conversation in the terminal, resumable across days.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use tokio_util::sync::CancellationToken;

use super::{App, Cli};
use crate::conversation::Conversation;
use crate::engine::{GenerateRequest, SamplingParams};

#[derive(Debug, Default, Args)]
pub struct ChatArgs {
    /// Start a new conversation.
    #[arg(long, conflicts_with_all = ["resume", "session"])]
    pub new: bool,
    /// Resume the most recent conversation.
    #[arg(long, conflicts_with = "session")]
    pub resume: bool,
    /// Resume the conversation with this id (or unique prefix).
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
    /// Attention: full, sliding:W[:S], window:W or alibi:M (default: the config's).
    #[arg(long, value_name = "STRATEGY")]
    pub attention: Option<crate::engine::Attention>,
    /// A fetched model's name or a GGUF path.
    #[arg(long, value_name = "NAME|PATH")]
    pub model: Option<String>,
}

/// The full-screen chat on a terminal; a line-by-line chat when input or output is not one.
pub async fn run(cli: &Cli, args: &ChatArgs) -> Result<ExitCode> {
    use std::io::IsTerminal;
    let app = App::load(cli, "chat")?;
    let session = app.pick_session(args.session.as_deref(), args.resume)?;
    let engine = app.load_engine(args.model.as_deref(), args.attention)?;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        crate::tui::runner::run(app, engine, session).await?;
        return Ok(ExitCode::SUCCESS);
    }
    lines(app, engine, session)
}

/// The plain chat for pipes and dumb terminals.
fn lines(
    app: App,
    engine: crate::engine::Engine,
    session: crate::session::Session,
) -> Result<ExitCode> {
    let store = app.sessions();
    let mut conversation = Conversation::new(
        &engine,
        &store,
        session,
        &app.config.generation.system_prompt,
    );
    conversation.restore_cache();
    let mut out = std::io::stdout();
    for turn in &conversation.session.turns {
        writeln!(out, "{}: {}", turn.role.as_str(), turn.text)?;
    }
    writeln!(
        out,
        "(session {}; empty line or Ctrl+D quits)",
        conversation.session.id()
    )?;
    let stdin = std::io::stdin();
    loop {
        write!(out, "> ")?;
        out.flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        conversation.add_user_turn(line.trim_end())?;
        let request = GenerateRequest {
            messages: conversation.messages(),
            sampling: SamplingParams::from_config(&app.config.generation),
            max_tokens: app.config.generation.max_tokens,
            cancel: CancellationToken::new(),
        };
        let completion = engine.generate_blocking(request, |piece| {
            let _ = out.write_all(piece.as_bytes()).and_then(|_| out.flush());
        })?;
        writeln!(out)?;
        conversation.add_reply(&completion)?;
    }
    Ok(ExitCode::SUCCESS)
}
