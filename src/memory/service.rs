//! Memory as the rest of mneme uses it: ingest turns, search with hybrid ranking, recall into a prompt.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::chunk::{Chunk, ChunkLimits, SourceTurn, chunk_turns};
use super::embed::{EmbedError, Embedder};
use super::fuse::{Ranking, fuse};
use super::store::{MemoryStore, StoreError};
use super::{Memory, MemoryFilter, MemoryKind};
use crate::session::{Session, Turn};

/// Why a memory operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error("no memory `{0}`")]
    NotFound(String),
}

/// Chunks per LanceDB commit when ingesting.
pub const INGEST_BATCH: usize = 512;

/// A scored search result.
#[derive(Debug, Clone)]
pub struct Found {
    pub memory: Memory,
    pub score: f64,
}

/// The store plus the embedder (loaded once per process).
pub struct MemoryService {
    pub store: MemoryStore,
    embedder: Mutex<Embedder>,
    pub ranking: Ranking,
    pub limits: ChunkLimits,
}

/// How a turn's speaker is named in memory.
pub fn speaker_of(turn: &Turn) -> String {
    turn.speaker
        .clone()
        .unwrap_or_else(|| turn.role.as_str().to_string())
}

fn source_turn(session: &str, turn: &Turn) -> SourceTurn {
    SourceTurn {
        id: turn.id.clone(),
        session: session.to_string(),
        time: turn.time,
        speaker: speaker_of(turn),
        text: turn.text.clone(),
    }
}

impl MemoryService {
    pub fn new(store: MemoryStore, embedder: Embedder) -> Self {
        Self {
            store,
            embedder: Mutex::new(embedder),
            ranking: Ranking::default(),
            limits: ChunkLimits::default(),
        }
    }

    /// Embeds texts (blocking the current worker thread briefly).
    pub fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, MemoryError> {
        let mut embedder = self.embedder.lock().unwrap_or_else(|p| p.into_inner());
        Ok(tokio::task::block_in_place(|| embedder.embed(texts))?)
    }

    /// Chunks and stores the turns of `session` not yet in memory. With `complete` false, a question
    /// still waiting for its answer is left for later. Returns the number of chunks written.
    pub async fn ingest_session(
        &self,
        session: &Session,
        complete: bool,
    ) -> Result<usize, MemoryError> {
        let (chunks, _pending) = self.pending_chunks(session, complete).await?;
        self.store_chunks(&chunks).await
    }

    /// The chunks `session` still needs, and how many turns are held back waiting for an answer.
    pub async fn pending_chunks(
        &self,
        session: &Session,
        complete: bool,
    ) -> Result<(Vec<Chunk>, usize), MemoryError> {
        let covered = self.store.covered_turns(session.id()).await?;
        let fresh: Vec<SourceTurn> = session
            .turns
            .iter()
            .filter(|t| !covered.contains(&t.id) && !t.text.trim().is_empty())
            .map(|t| source_turn(session.id(), t))
            .collect();
        let (chunks, pending) = chunk_turns(&fresh, self.limits, complete);
        Ok((chunks, pending))
    }

    /// Embeds and stores chunks, in commits of up to `INGEST_BATCH` so a long import makes few
    /// fragments. Each commit is atomic: after a crash a chunk is either stored whole or not at all.
    pub async fn store_chunks(&self, chunks: &[Chunk]) -> Result<usize, MemoryError> {
        let mut written = 0;
        for batch in chunks.chunks(INGEST_BATCH) {
            let texts: Vec<String> = batch.iter().map(|c| c.text.clone()).collect();
            let vectors = self.embed(&texts)?;
            let now = Utc::now();
            let memories: Vec<Memory> = batch
                .iter()
                .zip(vectors)
                .map(|(c, vector)| Memory {
                    id: c.id.clone(),
                    kind: MemoryKind::Chunk,
                    text: c.text.clone(),
                    vector,
                    session: Some(c.session.clone()),
                    time_start: c.time_start,
                    time_end: c.time_end,
                    source_turns: c.source_turns.clone(),
                    created: now,
                    updated: now,
                    pinned: false,
                    recall_count: 0,
                    last_recalled: None,
                })
                .collect();
            self.store.upsert(&memories).await?;
            written += memories.len();
        }
        Ok(written)
    }

    /// Hybrid search: vector and full-text candidates fused, scored with recency and pins, de-duplicated.
    pub async fn search(
        &self,
        text: &str,
        k: usize,
        filter: &MemoryFilter,
    ) -> Result<Vec<Found>, MemoryError> {
        self.search_at(text, k, filter, Utc::now()).await
    }

    /// `search` with an explicit clock (recency is relative to `now`).
    pub async fn search_at(
        &self,
        text: &str,
        k: usize,
        filter: &MemoryFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<Found>, MemoryError> {
        let vector = self.embed(&[text.to_string()])?.pop().unwrap_or_default();
        let candidates = (k * 3).max(30);
        let by_vector = self
            .store
            .vector_search(&vector, candidates, filter)
            .await?;
        let by_text = self.store.text_search(text, candidates, filter).await?;
        let mut fused = fuse(by_vector, by_text, now, self.ranking);
        fused.truncate(k);
        Ok(fused
            .into_iter()
            .map(|(memory, score)| Found { memory, score })
            .collect())
    }

    /// Adds a note (or fact) written by the user.
    pub async fn add(&self, kind: MemoryKind, text: &str) -> Result<Memory, MemoryError> {
        let vector = self.embed(&[text.to_string()])?.pop().unwrap_or_default();
        let memory = Memory::new(kind, text.to_string(), vector, Utc::now());
        self.store.upsert(std::slice::from_ref(&memory)).await?;
        Ok(memory)
    }

    /// Replaces a memory's text and re-embeds it.
    pub async fn edit(&self, id: &str, text: &str) -> Result<Memory, MemoryError> {
        let mut memory = self
            .store
            .get(id)
            .await?
            .ok_or_else(|| MemoryError::NotFound(id.into()))?;
        memory.vector = self.embed(&[text.to_string()])?.pop().unwrap_or_default();
        memory.text = text.to_string();
        memory.updated = Utc::now();
        self.store.upsert(std::slice::from_ref(&memory)).await?;
        // The old text must not linger in old versions.
        self.store.purge().await?;
        Ok(memory)
    }

    /// Pins or unpins a memory.
    pub async fn set_pinned(&self, id: &str, pinned: bool) -> Result<Memory, MemoryError> {
        let mut memory = self
            .store
            .get(id)
            .await?
            .ok_or_else(|| MemoryError::NotFound(id.into()))?;
        memory.pinned = pinned;
        memory.updated = Utc::now();
        self.store.upsert(std::slice::from_ref(&memory)).await?;
        Ok(memory)
    }
}
