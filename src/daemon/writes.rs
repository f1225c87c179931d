//! Every change to the memory store, as data: the daemon applies these for its clients, and a CLI
//! command applies them itself (holding the writer lock) when no daemon can run.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::forget::{self, ForgetReport};
use super::ingest::{self, IngestReport};
use crate::config::Config;
use crate::consolidate::{ConsolidationLog, Consolidator, DayRecord, DayReport, local_day};
use crate::engine::EngineSpec;
use crate::memory::service::MemoryError;
use crate::memory::store::Upkeep;
use crate::memory::writer::MemoryWriter;
use crate::memory::{Memory, MemoryFilter, MemoryKind};
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
    /// Forget memories: from the store, the turns they were made from, recall blocks, summaries
    /// citing those turns and saved KV states.
    Delete {
        ids: Vec<String>,
    },
    /// Delete a conversation and forget every memory made from it.
    ForgetSession {
        session: String,
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
        matches!(
            self,
            WriteOp::Delete { .. } | WriteOp::Edit { .. } | WriteOp::ForgetSession { .. }
        )
    }
}

/// What applying writes needs: write access to memory (so the writer lock is held), and where
/// the transcripts and config are.
pub struct Writer<'a> {
    memory: MemoryWriter<'a>,
    paths: &'a Paths,
    config: &'a Config,
    cancel: CancellationToken,
}

/// What a write did: one typed result per kind of write.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum WriteResult {
    /// The memory as it now is (add, edit, pin), without its vector.
    Memory {
        memory: Memory,
    },
    /// What a delete forgot.
    Forgotten {
        report: ForgetReport,
    },
    Imported {
        imported: usize,
    },
    Recorded {
        recorded: usize,
    },
    Ingested {
        report: IngestReport,
    },
    Consolidated {
        report: DayReport,
    },
    Upkept {
        report: Upkeep,
    },
}

impl WriteResult {
    fn memory(mut memory: Memory) -> Self {
        memory.clear_vectors();
        WriteResult::Memory { memory }
    }

    /// The JSON the command line prints for it.
    pub fn to_json(&self) -> Value {
        match self {
            WriteResult::Memory { memory } => serde_json::to_value(memory),
            WriteResult::Forgotten { report } => serde_json::to_value(report),
            WriteResult::Imported { imported } => Ok(json!({ "imported": imported })),
            WriteResult::Recorded { recorded } => Ok(json!({ "recorded": recorded })),
            WriteResult::Ingested { report } => serde_json::to_value(report),
            WriteResult::Consolidated { report } => serde_json::to_value(report),
            WriteResult::Upkept { report } => serde_json::to_value(report),
        }
        .expect("write results serialise")
    }
}

impl<'a> Writer<'a> {
    pub fn new(
        memory: MemoryWriter<'a>,
        paths: &'a Paths,
        config: &'a Config,
        cancel: CancellationToken,
    ) -> Self {
        Self {
            memory,
            paths,
            config,
            cancel,
        }
    }

    /// Applies one write.
    pub async fn apply(&self, op: WriteOp) -> anyhow::Result<WriteResult> {
        let memory = &self.memory;
        Ok(match op {
            WriteOp::Add { kind, text } => WriteResult::memory(memory.add(kind, &text).await?),
            WriteOp::Edit { id, text } => WriteResult::memory(memory.edit(&id, &text).await?),
            WriteOp::Delete { ids } => {
                if ids.is_empty() {
                    return Err(MemoryError::Invalid("no memory to forget".into()).into());
                }
                let sessions = SessionStore::new(self.paths.sessions_dir());
                WriteResult::Forgotten {
                    report: forget::forget(memory, &sessions, &ids, false).await?,
                }
            }
            WriteOp::ForgetSession { session } => {
                let sessions = SessionStore::new(self.paths.sessions_dir());
                let id = sessions.resolve(&session)?;
                let made_from_it = MemoryFilter {
                    session: Some(id.clone()),
                    skip_vectors: true,
                    ..MemoryFilter::default()
                };
                let ids: Vec<String> = memory
                    .memory()
                    .store()
                    .browse(&made_from_it, usize::MAX)
                    .await?
                    .into_iter()
                    .map(|m| m.id)
                    .collect();
                let report = forget::forget(memory, &sessions, &ids, true).await?;
                sessions.delete(&id)?;
                WriteResult::Forgotten { report }
            }
            WriteOp::Pin { id, pinned } => {
                WriteResult::memory(memory.set_pinned(&id, pinned).await?)
            }
            WriteOp::Import { mut memories } => {
                for batch in memories.chunks_mut(256) {
                    let texts: Vec<String> = batch.iter().map(|m| m.text.clone()).collect();
                    for (m, v) in batch.iter_mut().zip(memory.memory().embed(&texts).await?) {
                        m.vector = v;
                    }
                    memory.upsert(batch).await?;
                }
                WriteResult::Imported {
                    imported: memories.len(),
                }
            }
            WriteOp::RecordRecall { ids, at } => {
                memory.record_recall(&ids, at).await?;
                WriteResult::Recorded {
                    recorded: ids.len(),
                }
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
                    memory.optimize().await?;
                }
                WriteResult::Ingested { report }
            }
            WriteOp::Consolidate { date, now } => {
                let now = now.unwrap_or_else(Utc::now);
                let date = date.unwrap_or_else(|| local_day(now) - chrono::Duration::days(1));
                WriteResult::Consolidated {
                    report: self.consolidate(date, now).await?,
                }
            }
            WriteOp::Upkeep => WriteResult::Upkept {
                report: memory
                    .upkeep(chrono::Duration::minutes(UPKEEP_KEEP_MINUTES))
                    .await?,
            },
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
        ingest::ingest_sessions(&self.memory, &sessions, &sessions.ids()?, |_| true).await?;
        let consolidator = Consolidator {
            memory: &self.memory,
            sessions: &sessions,
            engine: EngineSpec::from_config(
                &Catalog::new(&self.paths.models_dir),
                self.config,
                None,
                None,
                None,
            )?,
            cancel: self.cancel.clone(),
            origin: match self.memory.memory().store().location().is_shared() {
                true => Some(self.paths.origin_id()?),
                false => None,
            },
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
