//! Every change to the memory store, as data: the daemon applies these for its clients, and a CLI
//! command applies them itself (holding the writer lock) when no daemon can run.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::ingest;
use crate::config::Config;
use crate::consolidate::{ConsolidationLog, Consolidator, DayRecord, local_day};
use crate::engine::EngineSettings;
use crate::memory::service::{MemoryError, MemoryService};
use crate::memory::{Memory, MemoryKind};
use crate::models::Catalog;
use crate::paths::Paths;
use crate::session::SessionStore;

/// A change to memory.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "write", rename_all = "snake_case")]
pub enum WriteOp {
    /// A note or fact written by the user.
    Add {
        kind: MemoryKind,
        text: String,
    },
    Edit {
        id: String,
        text: String,
    },
    Delete {
        ids: Vec<String>,
    },
    Pin {
        id: String,
        pinned: bool,
    },
    /// Memories from `memory export` (re-embedded here).
    Import {
        memories: Vec<Memory>,
    },
    /// Memories were recalled into a prompt (reinforces them against forgetting).
    RecordRecall {
        ids: Vec<String>,
        at: DateTime<Utc>,
    },
    /// Embed the new turns of these sessions (all when empty); returns when they are searchable.
    /// `complete` also takes a last question that has no answer yet.
    Ingest {
        sessions: Vec<String>,
        complete: bool,
    },
    /// Summarise a day (by default the day before `now`).
    Consolidate {
        date: Option<NaiveDate>,
        now: Option<DateTime<Utc>>,
    },
    /// Compact the store and prune old versions.
    Upkeep,
}

impl WriteOp {
    /// Whether the op leaves old text in old versions, so the store needs upkeep soon after.
    pub fn removes_text(&self) -> bool {
        matches!(self, WriteOp::Delete { .. } | WriteOp::Edit { .. })
    }
}

/// What applying writes needs.
pub struct Writer<'a> {
    pub memory: &'a MemoryService,
    pub paths: &'a Paths,
    pub config: &'a Config,
    pub cancel: CancellationToken,
}

fn shown(mut memory: Memory) -> Value {
    memory.vector.clear();
    serde_json::to_value(memory).expect("serialises")
}

impl Writer<'_> {
    /// Applies one write and returns its result as JSON.
    pub async fn apply(&self, op: WriteOp) -> anyhow::Result<Value> {
        let memory = self.memory;
        Ok(match op {
            WriteOp::Add { kind, text } => shown(memory.add(kind, &text).await?),
            WriteOp::Edit { id, text } => shown(memory.edit(&id, &text).await?),
            WriteOp::Delete { ids } => {
                let deleted = memory.store.delete(&ids).await?;
                if deleted == 0 {
                    return Err(MemoryError::NotFound(ids.join(", ")).into());
                }
                json!({ "deleted": deleted })
            }
            WriteOp::Pin { id, pinned } => shown(memory.set_pinned(&id, pinned).await?),
            WriteOp::Import { mut memories } => {
                for batch in memories.chunks_mut(256) {
                    let texts: Vec<String> = batch.iter().map(|m| m.text.clone()).collect();
                    for (m, v) in batch.iter_mut().zip(memory.embed(&texts)?) {
                        m.vector = v;
                    }
                    memory.store.upsert(batch).await?;
                }
                json!({ "imported": memories.len() })
            }
            WriteOp::RecordRecall { ids, at } => {
                memory.store.record_recall(&ids, at).await?;
                json!({ "recorded": ids.len() })
            }
            WriteOp::Ingest { sessions, complete } => {
                let store = SessionStore::new(self.paths.sessions_dir());
                let ids = if sessions.is_empty() {
                    store.ids()?
                } else {
                    sessions
                };
                let report = ingest::ingest_sessions(memory, &store, &ids, |_| complete).await?;
                if report.chunks >= ingest::LARGE_INGEST_CHUNKS {
                    memory.store.optimize().await?;
                }
                serde_json::to_value(report)?
            }
            WriteOp::Consolidate { date, now } => {
                let now = now.unwrap_or_else(Utc::now);
                let date = date.unwrap_or_else(|| local_day(now) - chrono::Duration::days(1));
                serde_json::to_value(self.consolidate(date, now).await?)?
            }
            WriteOp::Upkeep => serde_json::to_value(
                memory
                    .store
                    .upkeep(chrono::Duration::minutes(UPKEEP_KEEP_MINUTES))
                    .await?,
            )?,
        })
    }

    /// Consolidates `date` and records it in the consolidation log.
    pub async fn consolidate(
        &self,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> anyhow::Result<crate::consolidate::DayReport> {
        let sessions = SessionStore::new(self.paths.sessions_dir());
        // Everything said that day is remembered as chunks first.
        ingest::ingest_sessions(self.memory, &sessions, &sessions.ids()?, |_| true).await?;
        let consolidator = Consolidator {
            memory: self.memory,
            sessions: &sessions,
            settings: EngineSettings::from_config(
                &Catalog::new(&self.paths.models_dir),
                &self.config.model,
                None,
            )?,
            cancel: self.cancel.clone(),
        };
        let report = consolidator.consolidate_day(date).await?;
        let per_day = crate::consolidate::turns_per_day(&sessions);
        let path = self.paths.consolidation_file();
        let mut log = ConsolidationLog::load(&path);
        log.days.insert(
            date,
            DayRecord {
                at: now,
                turns: per_day.get(&date).copied().unwrap_or(0),
                summaries: report.summaries.iter().map(|s| s.id.clone()).collect(),
                failed: report.failed.clone(),
            },
        );
        log.save(&path)?;
        Ok(report)
    }
}

/// Versions younger than this survive upkeep, for readers still on them.
pub const UPKEEP_KEEP_MINUTES: i64 = 5;
