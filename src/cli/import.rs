//! `mneme import conversations`: past conversations from JSONL become sessions and searchable memory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;

use super::Cli;
use crate::daemon::writes::{WriteOp, WriteResult};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import turns, one JSON object per line: session, time, speaker, role, text, optional id.
    Conversations {
        /// The JSONL file of turns to import.
        file: PathBuf,
        /// Return only when every turn is embedded and searchable. (Without a running memory
        /// daemon the import always embeds before returning.)
        #[arg(long)]
        wait: bool,
    },
}

pub async fn run(cli: &Cli, command: &ImportCommand) -> Result<ExitCode> {
    let ImportCommand::Conversations { file, wait } = command;
    let app = cli.app("cli")?;
    let reader = std::io::BufReader::new(
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?,
    );
    let parsed = crate::importer::parse(reader)?;
    for (line, reason) in &parsed.malformed {
        eprintln!("{}:{line}: skipped: {reason}", file.display());
    }
    let malformed = parsed.malformed.len();
    let stored = crate::importer::store(&app.sessions(), parsed)?;
    let (added, present, sessions) = (stored.added, stored.present, stored.sessions);
    let summary = format!(
        "imported {added} new turns in {} sessions ({present} already present); {malformed} malformed lines skipped",
        sessions.len()
    );
    if app.ensure_daemon().await.is_some() {
        if !*wait {
            crate::outln!(
                "{summary}; the memory daemon is embedding them (see `mneme daemon status`)"
            );
            return Ok(ExitCode::SUCCESS);
        }
        let op = WriteOp::Ingest {
            sessions: sessions.iter().map(|s| s.id().to_string()).collect(),
            complete: true,
        };
        let written = crate::app::writes::send(&app, op).await.context(
            "the memory daemon did not finish embedding the import; the turns are saved, \
             and it catches up when it runs again (`mneme daemon start`)",
        )?;
        let chunks = match written {
            WriteResult::Ingested { report } => report.chunks,
            _ => 0,
        };
        crate::outln!(
            "{summary}; every turn is in memory ({chunks} chunks written for this request)"
        );
        return Ok(ExitCode::SUCCESS);
    }
    // No daemon: write here, through the same writer (and under the same lock) it would use.
    let memory = app.memory().await?;
    let progress = indicatif::ProgressBar::new(sessions.len() as u64).with_message("embedding");
    progress.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} sessions ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let mut chunks = 0;
    for session in &sessions {
        let op = WriteOp::Ingest {
            sessions: vec![session.id().to_string()],
            complete: true,
        };
        if let WriteResult::Ingested { report } =
            crate::app::writes::send_within(&app, op, None, Some(&memory)).await?
        {
            chunks += report.chunks;
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    if chunks > 0 {
        crate::app::writes::send_within(&app, WriteOp::Upkeep, None, Some(&memory)).await?;
    }
    crate::outln!("{summary}; {chunks} new memory chunks");
    Ok(ExitCode::SUCCESS)
}
