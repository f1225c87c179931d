//! `mneme bench daemon`: the daemon's resident memory while idle (embedder loaded) and while
//! consolidating (chat model loaded too), and after (model released), on a real daemon.

use std::time::Instant;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use serde::Serialize;

use crate::consolidate::local_day;
use crate::daemon::lifecycle::{self, StartOptions};
use crate::daemon::writes::{WriteOp, WriteResult};
use crate::paths::Paths;

/// What the benchmark prints.
#[derive(Debug, Serialize)]
pub struct DaemonBench {
    pub date: NaiveDate,
    pub turns: usize,
    pub ingest_ms: u64,
    /// After ingesting: store and embedder loaded, no chat model.
    pub idle_rss_bytes: u64,
    /// Highest sample while the chat model was loaded for consolidation.
    pub consolidating_peak_rss_bytes: u64,
    /// After consolidation released the chat model.
    pub after_rss_bytes: u64,
    /// consolidating peak / idle, in the same daemon.
    pub peak_over_idle: f64,
    pub after_over_idle: f64,
    pub consolidate_ms: u64,
    pub summaries: usize,
    /// Share of the summaries written by the model that passed the grounding check on the first
    /// or second try (the rest quote the speakers instead).
    pub grounded_share: f64,
    /// Summaries that fell back to quoting the speakers' own sentences.
    pub extractive_summaries: usize,
    pub failed: usize,
}

/// Runs a daemon on a scratch data dir holding the first `sessions` sessions of `conversations`.
pub async fn run(
    models_dir: &std::path::Path,
    conversations: &str,
    sessions: usize,
) -> Result<DaemonBench> {
    let dir = tempfile::Builder::new().prefix("mneme-bench").tempdir()?;
    let paths = Paths {
        data_dir: dir.path().to_path_buf(),
        models_dir: models_dir.to_path_buf(),
        config_file: dir.path().join("config.toml"),
    };
    paths.ensure_data_dir()?;
    crate::paths::write_private_atomic(&paths.config_file, b"[daemon]\nautostart = false\n")?;
    let mut parsed = crate::importer::parse(conversations.as_bytes())?;
    let keep: Vec<String> = parsed.by_session.keys().take(sessions).cloned().collect();
    parsed.by_session.retain(|k, _| keep.contains(k));
    let first = parsed
        .by_session
        .values()
        .flatten()
        .map(|t| t.time)
        .min()
        .context("no turns to consolidate")?;
    let date = local_day(first);
    let store = crate::session::SessionStore::new(paths.sessions_dir());
    let stored = crate::importer::store(&store, parsed)?;

    lifecycle::ensure_running(&paths, &StartOptions::default()).await?;
    let result = measure(&paths, date, stored.added).await;
    let _ = lifecycle::stop(&paths).await;
    result
}

async fn measure(paths: &Paths, date: NaiveDate, turns: usize) -> Result<DaemonBench> {
    let mut client = lifecycle::connect(paths)
        .await?
        .context("the daemon did not answer")?;
    let started = Instant::now();
    client
        .write(
            WriteOp::Ingest {
                sessions: Vec::new(),
                complete: true,
            },
            None,
        )
        .await?;
    let ingest_ms = started.elapsed().as_millis() as u64;
    let idle = client.status().await?.rss_bytes;
    let consolidated = client
        .write(
            WriteOp::Consolidate {
                date: Some(date),
                now: None,
            },
            None,
        )
        .await?;
    let WriteResult::Consolidated { report } = consolidated else {
        anyhow::bail!("consolidation answered with {consolidated:?}");
    };
    let after = client.status().await?.rss_bytes;
    Ok(DaemonBench {
        date,
        turns,
        ingest_ms,
        idle_rss_bytes: idle,
        consolidating_peak_rss_bytes: report.rss_peak_bytes,
        after_rss_bytes: after,
        peak_over_idle: super::ratio(report.rss_peak_bytes as f64, idle as f64),
        after_over_idle: super::ratio(after as f64, idle as f64),
        consolidate_ms: report.took_ms,
        summaries: report.summaries.len(),
        grounded_share: super::ratio(
            report.grounded as f64,
            (report.grounded + report.extractive) as f64,
        ),
        extractive_summaries: report.extractive,
        failed: report.failed.len(),
    })
}
