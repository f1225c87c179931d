//! `mneme sessions`: list, show, export, rename and delete conversations.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use super::screen::for_stdout;
use super::{Cli, print_json};
use crate::daemon::writes::{WriteOp, WriteResult};
use crate::session::{ExportFormat, export, one_line};

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List conversations, most recent first.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show a conversation's turns.
    Show {
        /// The conversation's id, or a unique prefix of it.
        id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write a conversation out as Markdown or JSONL.
    Export {
        /// The conversation's id, or a unique prefix of it.
        id: String,
        /// markdown or jsonl.
        #[arg(long, value_enum, default_value = "markdown")]
        format: ExportFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Give a conversation a name.
    Rename {
        /// The conversation's id, or a unique prefix of it.
        id: String,
        /// The new name (an empty one removes it).
        name: String,
    },
    /// Delete a conversation (transcript, saved cache) and forget every memory made from it.
    Delete {
        /// The conversation's id, or a unique prefix of it.
        id: String,
    },
}

pub async fn run(cli: &Cli, command: &SessionsCommand) -> Result<ExitCode> {
    let app = cli.app("cli")?;
    let store = app.sessions();
    match command {
        SessionsCommand::List { json } => {
            let rows = store.list()?;
            if *json {
                print_json(&rows)?;
            } else if rows.is_empty() {
                crate::outln!("no sessions yet: start one with `mneme` or `mneme ask`");
            } else {
                for row in rows {
                    crate::outln!(
                        "{}  {}  {:>3} turns  {}",
                        row.id,
                        row.updated
                            .with_timezone(&chrono::Local)
                            .format("%Y-%m-%d %H:%M"),
                        row.turns,
                        for_stdout(&row.title)
                    );
                }
            }
        }
        SessionsCommand::Show { id, json } => {
            let session = store.open(id)?;
            if *json {
                print_json(&serde_json::json!({
                    "id": session.meta.id,
                    "name": session.meta.name,
                    "title": session.title(),
                    "created": session.meta.created,
                    "turns": session.turns,
                    "unreadable_lines": session.unreadable_lines,
                }))?;
            } else {
                crate::outln!("{} — {}", session.meta.id, for_stdout(&session.title()));
                for turn in &session.turns {
                    let mark = if turn.interrupted {
                        " (interrupted)"
                    } else {
                        ""
                    };
                    crate::outln!(
                        "[{}] {} {}{mark}: {}",
                        turn.id,
                        turn.time
                            .with_timezone(&chrono::Local)
                            .format("%Y-%m-%d %H:%M"),
                        turn.role.as_str(),
                        for_stdout(&one_line(&turn.text, 200))
                    );
                }
            }
        }
        SessionsCommand::Export { id, format, output } => {
            let text = export(&store.open(id)?, *format);
            match output {
                Some(path) => crate::paths::write_private_atomic(path, text.as_bytes())?,
                None => crate::out!("{}", for_stdout(&text)),
            }
        }
        SessionsCommand::Rename { id, name } => {
            let meta = store.rename(id, name)?;
            crate::outln!(
                "renamed {} to {}",
                meta.id,
                meta.name.as_deref().unwrap_or("(no name)")
            );
        }
        SessionsCommand::Delete { id } => {
            let id = store.resolve(id)?;
            let op = WriteOp::ForgetSession {
                session: id.clone(),
            };
            let forgotten = match crate::app::writes::send(&app, op).await? {
                WriteResult::Forgotten { report } => report.deleted,
                _ => 0,
            };
            crate::outln!("deleted {id} and forgot the {forgotten} memories made from it");
        }
    }
    Ok(ExitCode::SUCCESS)
}
