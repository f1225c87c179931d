//! `mneme bench recall`: how many evidence turns each retrieval strategy finds within the first 1,300 characters of results.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ratio;
use crate::memory::recall::{RECALL_SIMILARITY, RecallContext, RecallLimits};
use crate::memory::service::MemoryError;
use crate::memory::writer::MemoryWriter;
use crate::memory::{Memory, MemoryFilter, MemoryKind};
use crate::session::SessionStore;

/// Characters of results a question may look at.
pub const BUDGET_CHARS: usize = 1300;

/// Results each strategy returns per question: as many as the held-out check asks
/// `memory search` for (`-k 20`), so this bench ranks the way that check does.
pub const RESULTS: usize = 20;

#[derive(Debug, Deserialize)]
pub struct Question {
    pub question: String,
    pub evidence: Vec<String>,
    /// single, multi_hop, temporal, changed, unanswerable (`scripts/gen-eval.py`).
    #[serde(default = "single")]
    pub kind: String,
    /// The expected answer, when the set gives one.
    #[serde(default)]
    pub answer: Option<String>,
}

/// How often the chat model's greedy reply holds the expected answer, with recall and without.
#[derive(Debug, Serialize)]
pub struct AnswerScore {
    pub questions: usize,
    pub with_recall: f64,
    pub without_recall: f64,
}

/// The chat model to answer single-fact questions with, and how many to ask.
pub struct Answering<'a> {
    pub engine: &'a crate::engine::Engine,
    pub system_prompt: &'a str,
    pub questions: usize,
}

fn single() -> String {
    "single".into()
}

/// Hybrid search and recall on one category of questions.
#[derive(Debug, Serialize)]
pub struct CategoryScore {
    pub kind: String,
    pub questions: usize,
    /// Share of evidence turns within the budget (hybrid search over chunks).
    pub evidence_recall: f64,
    /// Mean reciprocal rank of the first evidence hit (0 when none in the top [`RESULTS`]).
    pub mrr: f64,
    /// Share of questions for which recall put nothing into the prompt.
    pub recall_empty: f64,
    /// Share of questions whose recall block held an evidence turn.
    pub recall_has_evidence: f64,
}

/// What the relevance floor was calibrated on: how alike the best evidence of answerable
/// questions is to them, and the best memory of unanswerable ones.
#[derive(Debug, Serialize)]
pub struct FloorCalibration {
    pub floor: f32,
    pub answerable_best_evidence: Percentiles,
    pub unanswerable_best_memory: Percentiles,
    /// For candidate floors: the share of answerable questions whose best evidence clears it,
    /// and of unanswerable ones whose best memory does not (recall stays silent).
    pub candidates: Vec<FloorCandidate>,
}

#[derive(Debug, Serialize)]
pub struct FloorCandidate {
    pub floor: f32,
    pub evidence_kept: f64,
    pub silent_when_unanswerable: f64,
}

fn candidates(answerable: &[f32], unanswerable: &[f32]) -> Vec<FloorCandidate> {
    (6..=12)
        .map(|step| step as f32 * 0.05)
        .map(|floor| FloorCandidate {
            floor,
            evidence_kept: ratio(
                answerable.iter().filter(|s| **s >= floor).count() as f64,
                answerable.len() as f64,
            ),
            silent_when_unanswerable: ratio(
                unanswerable.iter().filter(|s| **s < floor).count() as f64,
                unanswerable.len() as f64,
            ),
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct Percentiles {
    pub p10: f32,
    pub p50: f32,
    pub p90: f32,
}

fn percentiles(values: &mut [f32]) -> Percentiles {
    values.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| {
        values
            .get(((values.len().max(1) - 1) as f64 * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    Percentiles {
        p10: at(0.1),
        p50: at(0.5),
        p90: at(0.9),
    }
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
    pub categories: Vec<CategoryScore>,
    pub floor: FloorCalibration,
    pub search_p50_ms: f64,
    pub recall_p50_ms: f64,
    /// Present with `--answers N`.
    pub answers: Option<AnswerScore>,
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
    answering: Option<Answering<'_>>,
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
    let limits = RecallLimits {
        k: 5,
        budget_tokens: 400,
    };
    let mut by_kind: std::collections::BTreeMap<String, Tally> = Default::default();
    let (mut answerable_best, mut unanswerable_best) = (Vec::new(), Vec::new());
    let (mut search_ms, mut recall_ms) = (Vec::new(), Vec::new());
    for q in &questions {
        let by_text = memory
            .store()
            .text_search(&q.question, RESULTS, &filter)
            .await?;
        let vector = memory
            .embed(std::slice::from_ref(&q.question))
            .await?
            .pop()
            .unwrap_or_default();
        let by_vector = memory
            .store()
            .vector_search(&vector, RESULTS, &filter)
            .await?;
        let started = std::time::Instant::now();
        let hybrid = memory.search_at(&q.question, RESULTS, &filter, now).await?;
        search_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        let started = std::time::Instant::now();
        let recall = memory
            .recall(&q.question, &RecallContext::default(), limits)
            .await?;
        recall_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        let is_evidence = |m: &Memory| m.source_turns.iter().any(|t| q.evidence.contains(t));
        let tally = by_kind.entry(q.kind.clone()).or_default();
        tally.questions += 1;
        tally.evidence += q.evidence.len();
        let first = hybrid.iter().position(|f| is_evidence(&f.memory));
        tally.reciprocal_ranks += first.map_or(0.0, |rank| 1.0 / (rank + 1) as f64);
        tally.recall_empty += usize::from(recall.is_none());
        // Any kind counts (a fact or summary citing an evidence turn holds the evidence too).
        let mut holds_evidence = false;
        for item in recall.iter().flat_map(|r| r.items.iter()) {
            if let Some(m) = memory.store().get(&item.id).await? {
                holds_evidence |= is_evidence(&m);
            }
        }
        tally.recall_has_evidence += usize::from(holds_evidence);
        if q.evidence.is_empty() {
            unanswerable_best.push(
                hybrid
                    .iter()
                    .filter_map(|f| f.similarity)
                    .fold(0.0, f32::max),
            );
        } else if let Some(best) = hybrid
            .iter()
            .filter(|f| is_evidence(&f.memory))
            .filter_map(|f| f.similarity)
            .reduce(f32::max)
        {
            answerable_best.push(best);
        }
        let hybrid: Vec<Memory> = hybrid.into_iter().map(|f| f.memory).collect();
        for (slot, results) in [by_text, by_vector, hybrid].iter().enumerate() {
            let covered = turns_within_budget(results, BUDGET_CHARS);
            let hits = q.evidence.iter().filter(|e| covered.contains(*e)).count();
            found[slot] += hits;
            if slot == 2 {
                tally.evidence_found += hits;
            }
        }
    }
    let categories = by_kind
        .into_iter()
        .map(|(kind, t)| CategoryScore {
            kind,
            questions: t.questions,
            evidence_recall: ratio(t.evidence_found as f64, t.evidence as f64),
            mrr: t.reciprocal_ranks / t.questions.max(1) as f64,
            recall_empty: ratio(t.recall_empty as f64, t.questions as f64),
            recall_has_evidence: ratio(t.recall_has_evidence as f64, t.questions as f64),
        })
        .collect();
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
        categories,
        floor: FloorCalibration {
            candidates: candidates(&answerable_best, &unanswerable_best),
            floor: RECALL_SIMILARITY,
            answerable_best_evidence: percentiles(&mut answerable_best),
            unanswerable_best_memory: percentiles(&mut unanswerable_best),
        },
        search_p50_ms: super::median(&mut search_ms),
        recall_p50_ms: super::median(&mut recall_ms),
        answers: match answering {
            Some(a) => Some(answer_with_and_without_recall(memory, &questions, a, limits).await?),
            None => None,
        },
    })
}

/// Asks the chat model the first single-fact questions greedily, once with what recall would
/// inject before the question (as `ask` puts it) and once without.
async fn answer_with_and_without_recall(
    memory: &crate::memory::service::MemoryService,
    questions: &[Question],
    answering: Answering<'_>,
    limits: RecallLimits,
) -> Result<AnswerScore, MemoryError> {
    use crate::engine::{ChatMessage, GenerateRequest, Role, SamplingParams};
    let asked: Vec<(&Question, &str)> = questions
        .iter()
        .filter(|q| q.kind == "single")
        .filter_map(|q| Some((q, q.answer.as_deref()?)))
        .take(answering.questions)
        .collect();
    let mut right = [0usize; 2];
    for (q, answer) in &asked {
        let block = memory
            .recall(&q.question, &RecallContext::default(), limits)
            .await?
            .map(|r| r.block);
        let prompts = [
            block.map_or(q.question.clone(), |b| format!("{b}\n\n{}", q.question)),
            q.question.clone(),
        ];
        for (slot, prompt) in prompts.into_iter().enumerate() {
            let request = GenerateRequest {
                messages: vec![
                    ChatMessage::new(Role::System, answering.system_prompt),
                    ChatMessage::new(Role::User, prompt),
                ],
                sampling: SamplingParams::greedy(),
                max_tokens: 32,
                cancel: tokio_util::sync::CancellationToken::new(),
                ignore_end_of_turn: false,
            };
            let reply = answering
                .engine
                .complete(request)
                .await
                .map_err(|e| io(format!("the chat model failed: {e}")))?;
            if reply.text.to_lowercase().contains(&answer.to_lowercase()) {
                right[slot] += 1;
            }
        }
    }
    Ok(AnswerScore {
        questions: asked.len(),
        with_recall: ratio(right[0] as f64, asked.len() as f64),
        without_recall: ratio(right[1] as f64, asked.len() as f64),
    })
}

/// Counts for one category.
#[derive(Default)]
struct Tally {
    questions: usize,
    evidence: usize,
    evidence_found: usize,
    reciprocal_ranks: f64,
    recall_empty: usize,
    recall_has_evidence: usize,
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
