//! `mneme import conversations`: past conversations from JSONL become sessions and searchable memory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;

use super::{App, Cli};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import turns, one JSON object per line: session, time, speaker, role, text, optional id.
    Conversations {
        file: PathBuf,
        /// Return only when every turn is embedded and searchable. (Without a memory daemon the
        /// import always embeds before returning, so this is what happens either way.)
        #[arg(long)]
        wait: bool,
    },
}

pub async fn run(cli: &Cli, command: &ImportCommand) -> Result<ExitCode> {
    let ImportCommand::Conversations { file, wait: _ } = command;
    let app = App::load(cli, "cli")?;
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
    let memory = app.memory().await?;
    let progress = indicatif::ProgressBar::new(sessions.len() as u64).with_message("embedding");
    progress.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} sessions ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let mut chunks = 0;
    for session in &sessions {
        chunks += memory.ingest_session(session, true).await?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    if chunks > 0 {
        memory.store.optimize().await?;
    }
    println!(
        "imported {added} new turns in {} sessions ({present} already present), {chunks} new memory chunks; {malformed} malformed lines skipped",
        sessions.len()
    );
    Ok(ExitCode::SUCCESS)
}
