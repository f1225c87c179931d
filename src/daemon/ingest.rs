//! Ingestion: finds transcripts that changed and turns their new turns into memory chunks, batched
//! across sessions so a long import makes a few large commits, not thousands of tiny fragments.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::memory::service::MemoryError;
use crate::memory::writer::MemoryWriter;
use crate::session::{Session, SessionStore};

/// An ingest of this many chunks is followed by compaction.
pub const LARGE_INGEST_CHUNKS: usize = 256;

/// What one ingest pass did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IngestReport {
    pub sessions: usize,
    /// Turns newly covered by chunks.
    pub turns: usize,
    pub chunks: usize,
    /// Questions held back until their answer is written.
    pub pending_turns: usize,
}

/// Chunks the new turns of `ids` and stores them in batched commits. `complete` says, per session,
/// whether an unanswered last question should be stored anyway.
pub async fn ingest_sessions(
    memory: &MemoryWriter<'_>,
    store: &SessionStore,
    ids: &[String],
    complete: impl Fn(&Session) -> bool,
) -> Result<IngestReport, MemoryError> {
    let mut report = IngestReport::default();
    let mut chunks = Vec::new();
    for id in ids {
        let session = match store.open(id) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("ingest: cannot read session {id}: {e}");
                continue;
            }
        };
        let (mut new, pending) = memory
            .memory()
            .pending_chunks(&session, complete(&session))
            .await?;
        report.pending_turns += pending;
        if !new.is_empty() {
            report.sessions += 1;
        }
        chunks.append(&mut new);
    }
    report.turns = chunks.iter().map(|c| c.source_turns.len()).sum();
    report.chunks = memory.store_chunks(&chunks).await?;
    Ok(report)
}

/// Remembers each transcript's size and mtime, to find the ones that changed since the last look.
#[derive(Debug, Default)]
pub struct Scanner {
    seen: HashMap<PathBuf, (u64, SystemTime)>,
}

impl Scanner {
    /// Session ids whose transcript is new or changed since `mark_seen`.
    pub fn changed(&self, store: &SessionStore) -> Vec<(String, PathBuf, (u64, SystemTime))> {
        let Ok(entries) = std::fs::read_dir(store.dir()) else {
            return Vec::new();
        };
        let mut changed: Vec<_> = entries
            .flatten()
            .filter_map(|e| {
                let path = e.path();
                if path.extension().and_then(|x| x.to_str()) != Some("jsonl") {
                    return None;
                }
                let meta = e.metadata().ok()?;
                let stamp = (meta.len(), meta.modified().ok()?);
                if self.seen.get(&path) == Some(&stamp) {
                    return None;
                }
                let id = path.file_stem()?.to_str()?.to_string();
                if id.starts_with('.') {
                    return None;
                }
                Some((id, path, stamp))
            })
            .collect();
        changed.sort();
        changed
    }

    /// Records that a transcript was ingested as it was at `stamp`.
    pub fn mark_seen(&mut self, path: PathBuf, stamp: (u64, SystemTime)) {
        self.seen.insert(path, stamp);
    }

    /// Forgets a transcript so the next look ingests it again (after a failure).
    pub fn forget(&mut self, path: &PathBuf) {
        self.seen.remove(path);
    }
}
