//! What `mneme daemon status` reports: identity, queue, last and next jobs, counts and resources.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The daemon's live status; kept by the daemon, copied out on every `status` request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DaemonStatus {
    pub pid: u32,
    pub protocol: u32,
    pub version: String,
    pub started: DateTime<Utc>,
    pub uptime_s: u64,
    /// The daemon's clock (differs from the wall clock when started with `--now`).
    pub now: DateTime<Utc>,
    pub state: DaemonState,
    /// Connections accepted since the daemon started (a client that keeps one adds one).
    #[serde(default)]
    pub connections: u64,
    pub queue: Queue,
    pub last_ingest: Option<IngestRecord>,
    /// Chunks written since the daemon started.
    pub ingested_chunks: u64,
    pub last_consolidation: Option<ConsolidationRecord>,
    pub next_consolidation: Option<DateTime<Utc>>,
    pub last_upkeep: Option<UpkeepRecord>,
    pub memories: BTreeMap<String, usize>,
    /// Where the memory table is: the memory dir, or `s3://…` on object storage.
    #[serde(default)]
    pub memory_at: String,
    /// The memory table's bytes on this machine's disk.
    pub disk_bytes: u64,
    pub rss_bytes: u64,
    /// Recent failures, newest last (at most `MAX_ERRORS`).
    pub errors: Vec<ErrorRecord>,
}

/// What the daemon is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DaemonState {
    #[default]
    Starting,
    Idle,
    /// Applying a client's write.
    Writing,
    Ingesting,
    Consolidating,
    Upkeep,
    Stopping,
}

impl DaemonState {
    pub fn as_str(self) -> &'static str {
        match self {
            DaemonState::Starting => "starting",
            DaemonState::Idle => "idle",
            DaemonState::Writing => "writing",
            DaemonState::Ingesting => "ingesting",
            DaemonState::Consolidating => "consolidating",
            DaemonState::Upkeep => "upkeep",
            DaemonState::Stopping => "stopping",
        }
    }
}

impl std::fmt::Display for DaemonState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many recent errors status keeps.
pub const MAX_ERRORS: usize = 10;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Queue {
    /// Transcripts changed and not yet ingested.
    pub sessions: usize,
    /// Questions waiting for their answer before they are chunked.
    pub pending_turns: usize,
    /// Client writes waiting for the writer.
    pub writes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestRecord {
    pub at: DateTime<Utc>,
    pub sessions: usize,
    pub turns: usize,
    pub chunks: usize,
    pub took_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsolidationRecord {
    pub at: DateTime<Utc>,
    pub date: NaiveDate,
    pub summaries: usize,
    pub failed: usize,
    pub merged_chunks: usize,
    pub took_ms: u64,
    pub rss_idle_bytes: u64,
    pub rss_peak_bytes: u64,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpkeepRecord {
    pub at: DateTime<Utc>,
    pub ok: bool,
    pub error: Option<String>,
    pub disk_bytes_before: u64,
    pub disk_bytes_after: u64,
    pub versions_before: usize,
    pub versions_after: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorRecord {
    pub at: DateTime<Utc>,
    pub what: String,
    pub message: String,
}

impl DaemonStatus {
    /// Records a failure for `status` (and the log).
    pub fn error(&mut self, at: DateTime<Utc>, what: &str, message: String) {
        tracing::error!("{what}: {message}");
        self.errors.push(ErrorRecord {
            at,
            what: what.into(),
            message,
        });
        if self.errors.len() > MAX_ERRORS {
            self.errors.remove(0);
        }
    }
}
