//! `mneme daemon run|start|stop|status` and `mneme consolidate`.

use std::process::ExitCode;

use anyhow::{Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};

use super::{Cli, print_json};
use crate::daemon::lifecycle::{self, StartOptions, Started};
use crate::daemon::protocol::PROTOCOL_VERSION;
use crate::daemon::server::{AlreadyRunning, RunOptions};
use crate::daemon::writes::{WriteOp, WriteResult};

#[derive(Debug, Subcommand)]
pub enum DaemonCommand {
    /// Run in the foreground (for service managers and debugging).
    Run {
        /// Start the daemon's clock at this RFC 3339 time (to replay a night).
        #[arg(long, value_parser = parse_rfc3339)]
        now: Option<DateTime<Utc>>,
        /// Speak another protocol version (only for testing how clients cope).
        #[arg(long, hide = true, default_value_t = PROTOCOL_VERSION)]
        protocol: u32,
    },
    /// Start in the background unless one is running (a stale one is replaced).
    Start {
        /// Treat this RFC 3339 time as now (nightly consolidation runs relative to it).
        #[arg(long, value_parser = parse_rfc3339)]
        now: Option<DateTime<Utc>>,
    },
    /// Stop the running daemon (it finishes its current write first).
    Stop,
    /// Show what the daemon is doing.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `mneme consolidate`: summarise a day now.
#[derive(Debug, Args)]
pub struct ConsolidateArgs {
    /// The local day to summarise (default: the day before `--now`).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    /// Treat this RFC 3339 time as now.
    #[arg(long, value_parser = parse_rfc3339)]
    pub now: Option<DateTime<Utc>>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

fn parse_rfc3339(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{s}` is not an RFC 3339 time ({e}), e.g. 2026-11-28T03:00:00Z"))
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a YYYY-MM-DD date"))
}

pub async fn run(cli: &Cli, command: &DaemonCommand) -> Result<ExitCode> {
    match command {
        DaemonCommand::Run { now, protocol } => {
            let app = cli.app("daemon")?;
            let options = RunOptions {
                now: *now,
                protocol: *protocol,
            };
            match crate::daemon::server::run(app.paths.clone(), app.config.clone(), options).await {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) if e.is::<AlreadyRunning>() => {
                    eprintln!("mneme: {e}; not starting another");
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(e),
            }
        }
        DaemonCommand::Start { now } => {
            let app = cli.app("cli")?;
            let options = StartOptions { now: *now };
            let started = lifecycle::ensure_running(&app.paths, &options).await?;
            match started {
                Started::AlreadyRunning { pid } => {
                    crate::outln!("the memory daemon is already running (pid {pid})")
                }
                Started::Started { pid } => crate::outln!("started the memory daemon (pid {pid})"),
                Started::Replaced { old, pid } => crate::outln!(
                    "replaced the memory daemon of another mneme build (pid {old}) with pid {pid}"
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        DaemonCommand::Stop => {
            let app = cli.app("cli")?;
            match lifecycle::stop(&app.paths).await? {
                Some(pid) => crate::outln!("stopped the memory daemon (pid {pid})"),
                None => crate::outln!("no memory daemon is running"),
            }
            Ok(ExitCode::SUCCESS)
        }
        DaemonCommand::Status { json } => {
            let app = cli.app("cli")?;
            let Some(mut client) = lifecycle::connect(&app.paths).await? else {
                if *json {
                    print_json(&serde_json::json!({ "running": false }))?;
                } else {
                    crate::outln!(
                        "no memory daemon is running (start one with `mneme daemon start`)"
                    );
                }
                return Ok(ExitCode::from(3));
            };
            let status = client.status().await?;
            if *json {
                let mut value = serde_json::to_value(&status)?;
                value["running"] = true.into();
                print_json(&value)?;
            } else {
                print_status(&status);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_status(s: &crate::daemon::status::DaemonStatus) {
    crate::outln!(
        "memory daemon: pid {}, {}, up {}, protocol {}",
        s.pid,
        s.state,
        crate::domain::duration_words(s.uptime_s),
        s.protocol
    );
    crate::outln!(
        "queue: {} changed transcripts, {} questions awaiting answers, {} writes",
        s.queue.sessions,
        s.queue.pending_turns,
        s.queue.writes
    );
    let counts: Vec<String> = s.memories.iter().map(|(k, n)| format!("{n} {k}")).collect();
    match s.memory_at.starts_with("s3://") {
        true => crate::outln!("memories: {} in {}", counts.join(", "), s.memory_at),
        false => crate::outln!(
            "memories: {} ({:.1} MB on disk)",
            counts.join(", "),
            s.disk_bytes as f64 / 1e6
        ),
    }
    if let Some(i) = &s.last_ingest {
        crate::outln!(
            "last ingest: {} ({} turns in {} chunks)",
            i.at.to_rfc3339(),
            i.turns,
            i.chunks
        );
    }
    match &s.last_consolidation {
        Some(c) => crate::outln!(
            "last consolidation: {} for {} ({} summaries, {} failed){}",
            c.at.to_rfc3339(),
            c.date,
            c.summaries,
            c.failed,
            c.error
                .as_ref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ),
        None => crate::outln!("last consolidation: none yet"),
    }
    if let Some(next) = s.next_consolidation {
        crate::outln!("next consolidation: {}", next.to_rfc3339());
    }
    if let Some(u) = &s.last_upkeep {
        crate::outln!(
            "last upkeep: {} {}",
            u.at.to_rfc3339(),
            if u.ok { "ok" } else { "FAILED" }
        );
    }
    crate::outln!("resident memory: {:.0} MB", s.rss_bytes as f64 / 1e6);
    for e in &s.errors {
        crate::outln!("error at {}: {}: {}", e.at.to_rfc3339(), e.what, e.message);
    }
}

pub async fn consolidate(cli: &Cli, args: &ConsolidateArgs) -> Result<ExitCode> {
    let app = cli.app("cli")?;
    let op = WriteOp::Consolidate {
        date: args.date,
        now: args.now,
    };
    let report = match crate::app::writes::send(&app, op).await? {
        WriteResult::Consolidated { report } => report,
        other => anyhow::bail!("consolidation answered with {other:?}"),
    };
    // Which day was done is never left to guess (on stderr, so JSON output stays JSON).
    if args.date.is_none() {
        let which = if args.now.is_some() {
            "the day before --now"
        } else {
            "yesterday"
        };
        eprintln!(
            "mneme: consolidated {which}, {} (--date YYYY-MM-DD picks another day)",
            report.date
        );
    }
    if report.summaries.is_empty() && report.failed.is_empty() {
        eprintln!(
            "mneme: nothing to summarise on {}: no new conversation that day",
            report.date
        );
    }
    if args.json {
        print_json(&report)?;
    } else {
        crate::outln!(
            "{}: {} summaries, {} failed, {} duplicate chunks merged ({:.1}s)",
            report.date,
            report.summaries.len(),
            report.failed.len(),
            report.merged_chunks,
            report.took_ms as f64 / 1000.0
        );
        for s in &report.summaries {
            crate::outln!(
                "\n{} ({}, {} turns)\n{}",
                s.id,
                s.scope,
                s.source_turns.len(),
                super::screen::for_stdout(&s.text)
            );
        }
        for f in &report.failed {
            crate::outln!("\nfailed: {}: {}", f.target, f.reason);
        }
    }
    if report.summaries.is_empty() && !report.failed.is_empty() {
        bail!("no summary could be written for {}", report.date);
    }
    Ok(ExitCode::SUCCESS)
}
