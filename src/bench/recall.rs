//! `mneme bench recall`: how many evidence turns each retrieval strategy finds within the first 1,300 characters of results.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ratio;
use crate::memory::service::MemoryError;
use crate::memory::writer::MemoryWriter;
use crate::memory::{Memory, MemoryFilter, MemoryKind};
use crate::session::SessionStore;

/// Characters of results a question may look at.
pub const BUDGET_CHARS: usize = 1300;

#[derive(Debug, Deserialize)]
pub struct Question {
    pub question: String,
    pub evidence: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct StrategyScore {
    pub strategy: &'static str,
    /// Share of evidence turns found within the budget.
    pub recall: f64,
    pub found: usize,
}

#[derive(Debug, Serialize)]
pub struct RecallReport {
    pub bench: &'static str,
    pub turns: usize,
    pub chunks: usize,
    pub questions: usize,
    pub evidence_turns: usize,
    pub budget_chars: usize,
    pub strategies: Vec<StrategyScore>,
    pub hybrid_over_bm25: f64,
    pub hybrid_over_vector: f64,
}

/// Turn ids covered by the results that fit in the first `budget` characters (the first result always counts).
pub fn turns_within_budget(results: &[Memory], budget: usize) -> HashSet<String> {
    let mut used = 0;
    let mut turns = HashSet::new();
    for (i, m) in results.iter().enumerate() {
        used += m.text.chars().count();
        if i > 0 && used > budget {
            break;
        }
        turns.extend(m.source_turns.iter().cloned());
    }
    turns
}

/// Imports `conversations` into the scratch store behind `memory` and scores each strategy on `questions`.
pub async fn run(
    writer: &MemoryWriter<'_>,
    sessions: &SessionStore,
    conversations: &str,
    questions: &str,
) -> Result<RecallReport, MemoryError> {
    let memory = writer.memory();
    let parsed = crate::importer::parse(conversations.as_bytes()).map_err(|e| io(e.to_string()))?;
    let turns: usize = parsed.by_session.values().map(Vec::len).sum();
    let last = parsed
        .by_session
        .values()
        .flatten()
        .map(|t| t.time)
        .max()
        .unwrap_or_default();
    let stored = crate::importer::store(sessions, parsed).map_err(|e| io(e.to_string()))?;
    let mut chunks = 0;
    for session in &stored.sessions {
        chunks += writer.ingest_session(session, true).await?;
    }
    writer.optimize().await?;
    let questions: Vec<Question> = questions
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let filter = MemoryFilter {
        kinds: vec![MemoryKind::Chunk],
        ..MemoryFilter::default()
    };
    let now = last + chrono::Duration::days(1);
    let evidence_turns: usize = questions.iter().map(|q| q.evidence.len()).sum();
    let mut found = [0usize; 3];
    for q in &questions {
        let by_text = memory.store().text_search(&q.question, 50, &filter).await?;
        let vector = memory
            .embed(std::slice::from_ref(&q.question))
            .await?
            .pop()
            .unwrap_or_default();
        let by_vector = memory.store().vector_search(&vector, 50, &filter).await?;
        let hybrid: Vec<Memory> = memory
            .search_at(&q.question, 50, &filter, now)
            .await?
            .into_iter()
            .map(|f| f.memory)
            .collect();
        for (slot, results) in [by_text, by_vector, hybrid].iter().enumerate() {
            let covered = turns_within_budget(results, BUDGET_CHARS);
            found[slot] += q.evidence.iter().filter(|e| covered.contains(*e)).count();
        }
    }
    let share = |n: usize| ratio(n as f64, evidence_turns as f64);
    let strategies = vec![
        StrategyScore {
            strategy: "bm25",
            recall: share(found[0]),
            found: found[0],
        },
        StrategyScore {
            strategy: "vector",
            recall: share(found[1]),
            found: found[1],
        },
        StrategyScore {
            strategy: "hybrid",
            recall: share(found[2]),
            found: found[2],
        },
    ];
    Ok(RecallReport {
        bench: "recall",
        turns,
        chunks,
        questions: questions.len(),
        evidence_turns,
        budget_chars: BUDGET_CHARS,
        hybrid_over_bm25: ratio(share(found[2]), share(found[0])),
        hybrid_over_vector: ratio(share(found[2]), share(found[1])),
        strategies,
    })
}

/// Reads a file given on the command line, or the shipped default.
/// The file at `path`, else the bundled asset `default`.
pub fn read_or_default(path: Option<&Path>, default: &str) -> anyhow::Result<String> {
    use anyhow::Context;
    match path {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
        }
        None => super::assets::read(default),
    }
}

fn io(message: String) -> MemoryError {
    MemoryError::Store(crate::memory::store::StoreError::Io(std::io::Error::other(
        message,
    )))
}
