//! Every change to the memory store. A `MemoryWriter` can only be had with the writer lock held,
//! so the single-writer rule is a property of the types, not a convention.

use chrono::Utc;

use super::chunk::Chunk;
use super::lock::WriterLock;
use super::service::{INGEST_BATCH, MemoryError, MemoryService};
use super::store::{StoreError, Upkeep};
use super::{Memory, MemoryKind};
use crate::session::Session;

/// The longest memory a user may write (a note or an edit); longer text is refused, to be split.
pub const MAX_MEMORY_BYTES: usize = 256 * 1024;

fn check_size(text: &str) -> Result<(), MemoryError> {
    if text.trim().is_empty() {
        return Err(MemoryError::Invalid("a memory cannot be empty".into()));
    }
    if text.len() > MAX_MEMORY_BYTES {
        return Err(MemoryError::Invalid(format!(
            "a memory is at most {} KB and this one is {} KB: split it into several",
            MAX_MEMORY_BYTES / 1024,
            text.len() / 1024
        )));
    }
    Ok(())
}

/// A memory of what was said in a chunk's turns (the chunk itself, or a fact from it): dated and
/// placed in its session like the chunk.
struct Said<'c> {
    id: &'c str,
    kind: MemoryKind,
    text: &'c str,
    chunk: &'c Chunk,
    source_turns: Vec<String>,
}

impl Said<'_> {
    fn memory(self, vector: Vec<f32>, now: chrono::DateTime<Utc>) -> Memory {
        Memory {
            id: self.id.to_string(),
            kind: self.kind,
            text: self.text.to_string(),
            vector,
            own_vector: Vec::new(),
            session: Some(self.chunk.session.clone()),
            time_start: self.chunk.time_start,
            time_end: self.chunk.time_end,
            source_turns: self.source_turns,
            created: now,
            updated: now,
            pinned: false,
            recall_count: 0,
            last_recalled: None,
        }
    }
}

/// Write access to the memory store, borrowed from a held writer lock.
pub struct MemoryWriter<'a> {
    memory: &'a MemoryService,
    _lock: &'a WriterLock,
}

impl<'a> MemoryWriter<'a> {
    pub(super) fn new(memory: &'a MemoryService, lock: &'a WriterLock) -> Self {
        Self {
            memory,
            _lock: lock,
        }
    }

    async fn existing(&self, id: &str) -> Result<Memory, MemoryError> {
        self.memory
            .store()
            .get(id)
            .await?
            .ok_or_else(|| MemoryError::NotFound(id.into()))
    }

    /// The service behind it, for reads.
    pub fn memory(&self) -> &'a MemoryService {
        self.memory
    }

    /// Chunks and stores the turns of `session` not yet in memory. With `complete` false, a question
    /// still waiting for its answer is left for later. Returns the number of chunks written.
    pub async fn ingest_session(
        &self,
        session: &Session,
        complete: bool,
    ) -> Result<usize, MemoryError> {
        let (chunks, _pending) = self.memory.pending_chunks(session, complete).await?;
        self.store_chunks(&chunks).await
    }

    /// Embeds and stores chunks, in commits of up to `INGEST_BATCH` so a long import makes few
    /// fragments. Each commit is atomic: after a crash a chunk is either stored whole or not at all.
    pub async fn store_chunks(&self, chunks: &[Chunk]) -> Result<usize, MemoryError> {
        let mut written = 0;
        for batch in chunks.chunks(INGEST_BATCH) {
            let texts: Vec<String> = batch.iter().map(|c| c.embed_text.clone()).collect();
            let vectors = self.memory.embed(&texts).await?;
            let now = Utc::now();
            let mut memories: Vec<Memory> = batch
                .iter()
                .zip(vectors)
                .map(|(c, vector)| {
                    Said {
                        id: &c.id,
                        kind: MemoryKind::Chunk,
                        text: &c.text,
                        chunk: c,
                        source_turns: c.source_turns.clone(),
                    }
                    .memory(vector, now)
                })
                .collect();
            self.put_said(&mut memories, batch).await?;
            written += memories.len();
            self.store_facts(batch).await?;
        }
        Ok(written)
    }

    /// Embeds and stores the facts found in `chunks`' turns, dated and citing their turn.
    async fn store_facts(&self, chunks: &[Chunk]) -> Result<(), MemoryError> {
        let drafts: Vec<(&Chunk, &super::facts::FactDraft)> = chunks
            .iter()
            .flat_map(|c| c.facts.iter().map(move |f| (c, f)))
            .collect();
        if drafts.is_empty() {
            return Ok(());
        }
        let texts: Vec<String> = drafts.iter().map(|(_, f)| f.text.clone()).collect();
        let vectors = self.memory.embed(&texts).await?;
        let now = Utc::now();
        let mut facts: Vec<Memory> = drafts
            .iter()
            .zip(vectors)
            .map(|((chunk, fact), vector)| {
                Said {
                    id: &fact.id,
                    kind: MemoryKind::Fact,
                    text: &fact.text,
                    chunk,
                    source_turns: vec![fact.turn.clone()],
                }
                .memory(vector, now)
            })
            .collect();
        self.put_said(&mut facts, chunks).await
    }

    /// Adds a note (or fact) written by the user.
    pub async fn add(&self, kind: MemoryKind, text: &str) -> Result<Memory, MemoryError> {
        check_size(text)?;
        let vector = self
            .memory
            .embed(&[text.to_string()])
            .await?
            .pop()
            .unwrap_or_default();
        let mut memory = Memory::new(kind, text.to_string(), vector, Utc::now());
        self.put(std::slice::from_mut(&mut memory)).await?;
        Ok(memory)
    }

    /// Replaces a memory's text and re-embeds it.
    pub async fn edit(&self, id: &str, text: &str) -> Result<Memory, MemoryError> {
        check_size(text)?;
        let mut memory = self.existing(id).await?;
        memory.vector = self
            .memory
            .embed(&[text.to_string()])
            .await?
            .pop()
            .unwrap_or_default();
        memory.own_vector.clear();
        memory.text = text.to_string();
        memory.updated = Utc::now();
        self.put(std::slice::from_mut(&mut memory)).await?;
        // The old text must not linger in old versions.
        self.memory.store().purge().await?;
        Ok(memory)
    }

    /// Pins or unpins a memory.
    pub async fn set_pinned(&self, id: &str, pinned: bool) -> Result<Memory, MemoryError> {
        let mut memory = self.existing(id).await?;
        memory.pinned = pinned;
        memory.updated = Utc::now();
        self.memory
            .store()
            .upsert(std::slice::from_ref(&memory))
            .await?;
        Ok(memory)
    }

    /// Inserts new memories and replaces existing ones with the same id, in one commit; those
    /// without an own vector get theirs.
    pub async fn upsert(&self, memories: &mut [Memory]) -> Result<(), MemoryError> {
        self.put(memories).await
    }

    /// Stores memories, embedding the own words of those that have no own vector yet.
    async fn put(&self, memories: &mut [Memory]) -> Result<(), MemoryError> {
        self.put_said(memories, &[]).await
    }

    /// `put` for memories of what was said in `chunks`, whose sessions' speakers are known.
    async fn put_said(&self, memories: &mut [Memory], chunks: &[Chunk]) -> Result<(), MemoryError> {
        let participants: Vec<String> = chunks
            .iter()
            .flat_map(|c| c.participants.iter().cloned())
            .collect();
        self.embed_own_words(memories, &participants).await?;
        self.memory.store().upsert(memories).await?;
        Ok(())
    }

    /// Gives each memory without one its own vector (`recall::own_text`): its own words embedded
    /// alone, in one batch, or its vector for the kinds embedded as they are. The names of
    /// `participants` and of the memories' own speakers are left out of the words.
    async fn embed_own_words(
        &self,
        memories: &mut [Memory],
        participants: &[String],
    ) -> Result<(), MemoryError> {
        let mut names = super::labels::speakers(memories.iter());
        names.extend(participants.iter().cloned());
        names.sort();
        names.dedup();
        let mut texts = Vec::new();
        let mut embedded = Vec::new();
        for (at, memory) in memories.iter_mut().enumerate() {
            if memory.has_own_vector() {
                continue;
            }
            match super::recall::own_text(memory, &names) {
                Some(text) => {
                    texts.push(text);
                    embedded.push(at);
                }
                None => memory.own_vector = memory.vector.clone(),
            }
        }
        if !texts.is_empty() {
            let vectors = self.memory.embed(&texts).await?;
            for (at, vector) in embedded.into_iter().zip(vectors) {
                memories[at].own_vector = vector;
            }
        }
        Ok(())
    }

    /// Embeds the own words of up to `limit` memories an older mneme stored without them (schema
    /// 1), in one commit; returns whether more may be left (the slice read was full and some of
    /// it could be filled). Until then recall embeds them when it needs them.
    /// The daemon calls it a slice at a time between other work, so an old store of any size never
    /// holds up a write.
    pub async fn fill_own_vectors(&self, limit: usize) -> Result<bool, MemoryError> {
        let mut rows = self.memory.store().without_own_vector(limit).await?;
        let read = rows.len();
        self.embed_own_words(&mut rows, &[]).await?;
        // A row that still has none (it has no vector to copy) is left as it is: it does not end
        // the filling by itself, but a slice in which nothing could be filled does.
        rows.retain(Memory::has_own_vector);
        self.memory.store().upsert(&rows).await?;
        Ok(read == limit && !rows.is_empty())
    }

    /// Deletes memories by id and purges the deleted text from disk; returns how many existed.
    pub async fn delete(&self, ids: &[String]) -> Result<usize, StoreError> {
        self.memory.store().delete(ids).await
    }

    /// Records that memories were recalled into a prompt.
    pub async fn record_recall(
        &self,
        ids: &[String],
        now: chrono::DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.memory.store().record_recall(ids, now).await
    }

    /// Compacts fragments, folds new rows into the indexes, and trains the vector index when the
    /// table needs one.
    pub async fn optimize(&self) -> Result<(), StoreError> {
        self.optimize_with(super::ann::DEFAULT_INDEX).await
    }

    /// `optimize`, training a vector index of `kind` when one is due (benchmarks compare kinds).
    pub async fn optimize_with(&self, kind: super::ann::IndexKind) -> Result<(), StoreError> {
        self.memory.store().optimize(kind).await
    }

    /// Compacts and prunes versions older than `keep`.
    pub async fn upkeep(&self, keep: chrono::Duration) -> Result<Upkeep, StoreError> {
        self.memory.store().upkeep(keep).await
    }
}
