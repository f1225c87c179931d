//! `mneme bench memory`: ingest throughput, hybrid search latency at growing store sizes, peak RSS.

use std::time::Instant;

use chrono::{Duration, Utc};
use serde::Serialize;

use super::{median, ratio};
use crate::memory::ann::IndexKind;
use crate::memory::fuse::Hit;
use crate::memory::service::MemoryError;
use crate::memory::writer::MemoryWriter;
use crate::memory::{EMBEDDING_DIMS, Memory, MemoryFilter, MemoryKind};
use crate::session::SessionStore;

/// Latency at one store size.
#[derive(Debug, Serialize)]
pub struct SizePoint {
    pub memories: usize,
    /// Hybrid search (embedding + vector + full-text + fusion), milliseconds.
    pub search_p50_ms: f64,
    pub search_p95_ms: f64,
    /// Baseline in the same process: embedding + plain vector search only.
    pub vector_only_p50_ms: f64,
    pub hybrid_over_vector_only: f64,
    /// Embedding + exact vector search (every row compared), the index's baseline.
    pub exact_p50_ms: f64,
    /// Vector search with the index over exact search.
    pub vector_only_over_exact: f64,
    /// The query's embedding alone, part of every search above.
    pub embed_p50_ms: f64,
    /// The full-text (BM25) search alone.
    pub text_only_p50_ms: f64,
    /// Share of the exact top 20 that the index's top 20 found (1.0 without an index).
    pub recall_at_20: f64,
    /// The vector index searched (None: below the size that gets one, every search exact).
    pub index: Option<crate::memory::ann::IndexState>,
    /// Seconds to compact and fold new rows in (and train the index when due).
    pub optimize_s: f64,
    /// Recall as `ask` runs it (search, the newest fact of each chain, the turns a superseded
    /// fact outdates, the floors, the quoted block), milliseconds.
    pub recall_p50_ms: f64,
    /// How many of the memories are facts (every fifth synthetic row, in chains of about 20).
    pub facts: usize,
}

#[derive(Debug, Serialize)]
pub struct MemoryReport {
    pub bench: &'static str,
    /// Real turns chunked, embedded and stored per second.
    pub ingest_turns_per_s: f64,
    pub ingest_turns: usize,
    pub points: Vec<SizePoint>,
    pub queries_per_point: usize,
    /// Rows beyond the ingested ones are real texts with their vectors jittered, to reach large sizes fast.
    pub synthetic_rows: bool,
    pub peak_rss_mb: f64,
    /// The index kind trained when a size reaches `index_from_rows`.
    pub index_kind: IndexKind,
    pub index_from_rows: usize,
}

const TOPICS: [&str; 12] = [
    "the garden and the apple trees",
    "a trip to the mountains",
    "the new job at the bank",
    "learning the cello",
    "the dog's vet appointment",
    "cooking a curry for friends",
    "the broken bicycle",
    "moving to a new flat",
    "a birthday party for grandmother",
    "running a half marathon",
    "reading science fiction",
    "the weather this week",
];

fn turn_text(i: usize) -> String {
    let topic = TOPICS[i % TOPICS.len()];
    format!(
        "Message {i}: I keep thinking about {topic}; on day {} something new happened with it.",
        i / 7
    )
}

/// Peak resident set size of this process, in MiB.
pub fn peak_rss_mb() -> f64 {
    crate::consolidate::proc_status_bytes("VmHWM:") as f64 / (1024.0 * 1024.0)
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let idx = ((values.len() - 1) as f64 * p).round() as usize;
    values[idx]
}

/// Runs the benchmark against `memory` (an empty store in a scratch data dir).
pub async fn run(
    writer: &MemoryWriter<'_>,
    sessions: &SessionStore,
    sizes: &[usize],
    ingest_turns: usize,
    queries: usize,
    index_kind: IndexKind,
) -> Result<MemoryReport, MemoryError> {
    let memory = writer.memory();
    // Ingest: real turns through sessions, chunking, embedding and LanceDB.
    let start = Instant::now();
    let mut session = sessions
        .open_or_create("bench-ingest", Utc::now())
        .map_err(io)?;
    let base = Utc::now() - Duration::days(200);
    let turns: Vec<_> = (0..ingest_turns)
        .map(|i| {
            let role = if i % 2 == 0 {
                crate::engine::Role::User
            } else {
                crate::engine::Role::Assistant
            };
            crate::session::Turn::new(
                format!("bench-ingest.{i}"),
                base + Duration::minutes(i as i64 * 10),
                role,
                turn_text(i),
            )
        })
        .collect();
    sessions.append_many(&mut session, turns).map_err(io)?;
    writer.ingest_session(&session, true).await?;
    let ingest_secs = start.elapsed().as_secs_f64();

    let seed_rows = memory.store().list(&MemoryFilter::default(), None).await?;
    let mut have = seed_rows.len();
    let mut points = Vec::new();
    let mut rng_state = 0x9e37_79b9_7f4a_7c15u64;
    let mut facts = 0;
    let limits =
        crate::memory::recall::RecallLimits::from_config(&crate::config::MemoryConfig::default());
    for &size in sizes {
        let mut batch = Vec::new();
        while have + batch.len() < size {
            let n = have + batch.len();
            let src = &seed_rows[n % seed_rows.len().max(1)];
            // Every fifth row is a fact citing the turn it copies, in chains of one subject, so
            // recall reads the facts as it does for a user who has told it many things.
            let is_fact = n % 5 == 0;
            let mut m = Memory::new(
                if is_fact {
                    MemoryKind::Fact
                } else {
                    MemoryKind::Chunk
                },
                format!("{} (copy {n})", src.text),
                Vec::new(),
                src.time_end + Duration::seconds(n as i64),
            );
            if is_fact {
                m.source_turns = src.source_turns.clone();
                let subject = format!("the user|bench subject {}", n / 5 % (size / 100).max(1));
                m.id = format!("{}{n:012x}", crate::memory::facts::subject_prefix(&subject));
                facts += 1;
            }
            m.session = Some(format!("bench-{}", (have + batch.len()) / 40));
            let mut jittered = |vector: &[f32]| -> Vec<f32> {
                vector
                    .iter()
                    .map(|v| {
                        rng_state ^= rng_state << 13;
                        rng_state ^= rng_state >> 7;
                        rng_state ^= rng_state << 17;
                        v + ((rng_state % 1000) as f32 / 1000.0 - 0.5) * 0.05
                    })
                    .collect()
            };
            m.vector = jittered(&src.vector);
            m.own_vector = jittered(&src.own_vector);
            debug_assert_eq!(m.vector.len(), EMBEDDING_DIMS);
            debug_assert_eq!(m.own_vector.len(), EMBEDDING_DIMS);
            batch.push(m);
            if batch.len() == 5000 {
                writer.upsert(&mut batch).await?;
                have += batch.len();
                batch.clear();
            }
        }
        writer.upsert(&mut batch).await?;
        have += batch.len();
        let t = Instant::now();
        writer.optimize_with(index_kind).await?;
        let optimize_s = t.elapsed().as_secs_f64();
        let filter = MemoryFilter::default();
        let (mut hybrid, mut plain, mut exact) = (Vec::new(), Vec::new(), Vec::new());
        let (mut embed, mut text, mut recall) = (Vec::new(), Vec::new(), Vec::new());
        let mut found = Vec::new();
        for q in 0..queries {
            let query = format!("what happened with {} on day {q}", TOPICS[q % TOPICS.len()]);
            let t = Instant::now();
            memory.search(&query, 20, &filter).await?;
            hybrid.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            let v = memory
                .embed(std::slice::from_ref(&query))
                .await?
                .pop()
                .unwrap_or_default();
            let approximate = memory.store().vector_search(&v, 20, &filter).await?;
            plain.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            let v = memory
                .embed(std::slice::from_ref(&query))
                .await?
                .pop()
                .unwrap_or_default();
            let truth = memory.store().vector_search_exact(&v, 20, &filter).await?;
            exact.push(t.elapsed().as_secs_f64() * 1000.0);
            found.push(share_found(&approximate, &truth));
            let t = Instant::now();
            memory
                .embed(&[TOPICS[q % TOPICS.len()].to_string()])
                .await?;
            embed.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            memory
                .store()
                .text_search(TOPICS[q % TOPICS.len()], 60, &filter)
                .await?;
            text.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            memory
                .recall(
                    &query,
                    &crate::memory::recall::RecallContext::default(),
                    limits,
                )
                .await?;
            recall.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let vector_only_p50_ms = median(&mut plain);
        let exact_p50_ms = median(&mut exact);
        let search_p50_ms = percentile(&mut hybrid.clone(), 0.5);
        points.push(SizePoint {
            memories: have,
            search_p50_ms,
            search_p95_ms: percentile(&mut hybrid, 0.95),
            vector_only_p50_ms,
            hybrid_over_vector_only: ratio(search_p50_ms, vector_only_p50_ms),
            exact_p50_ms,
            vector_only_over_exact: ratio(vector_only_p50_ms, exact_p50_ms),
            embed_p50_ms: median(&mut embed),
            text_only_p50_ms: median(&mut text),
            recall_at_20: found.iter().sum::<f64>() / found.len().max(1) as f64,
            index: memory.store().vector_index().await?,
            optimize_s,
            recall_p50_ms: median(&mut recall),
            facts,
        });
    }
    Ok(MemoryReport {
        bench: "memory",
        ingest_turns_per_s: ingest_turns as f64 / ingest_secs,
        ingest_turns,
        points,
        queries_per_point: queries,
        synthetic_rows: sizes.iter().any(|s| *s > ingest_turns / 2),
        peak_rss_mb: peak_rss_mb(),
        index_kind,
        index_from_rows: crate::memory::ann::INDEX_FROM_ROWS,
    })
}

/// Share of `truth`'s memories that `approximate` also returned.
fn share_found(approximate: &[Hit], truth: &[(Hit, f32)]) -> f64 {
    if truth.is_empty() {
        return 1.0;
    }
    let got: std::collections::HashSet<&str> = approximate.iter().map(|h| h.id.as_str()).collect();
    let hits = truth
        .iter()
        .filter(|(h, _)| got.contains(h.id.as_str()))
        .count();
    hits as f64 / truth.len() as f64
}

fn io(e: crate::session::SessionError) -> MemoryError {
    MemoryError::Store(crate::memory::store::StoreError::Io(std::io::Error::other(
        e.to_string(),
    )))
}
