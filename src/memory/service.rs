//! Memory as the rest of mneme uses it: ingest turns, search with hybrid ranking, recall into a prompt.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::chunk::{Chunk, ChunkLimits, SourceTurn, add_context, chunk_turns};
use super::embed::{EmbedError, Embedder};
use super::fuse::{Ranking, fuse};
use super::lock::WriterLock;
use super::replies::{ANSWER_WITHIN, asks_something, voice};
use super::store::{MemoryStore, StoreError};
use super::writer::MemoryWriter;
use super::{Memory, MemoryFilter};
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
    #[error("{0}")]
    Invalid(String),
}

/// Vector and BM25 candidates, each with its score (similarity, BM25).
type Scored = (Vec<(super::fuse::Hit, f32)>, Vec<(super::fuse::Hit, f32)>);

/// The candidates of two searches for one query as one set. A memory both found has the same
/// scores in each (its similarity, and its BM25, which a time filter does not change), and
/// `candidates_of` keeps it once.
fn union_of((mut by_vector, mut by_text): Scored, (vector_b, text_b): Scored) -> Scored {
    by_vector.extend(vector_b);
    by_text.extend(text_b);
    (by_vector, by_text)
}

/// Candidates each side of the hybrid search fetches for `k` results.
fn candidate_count(k: usize) -> usize {
    (k * 2).max(20)
}

/// Every candidate either search found, once, with its three signals for `fuse`: its meaning
/// (the similarity the vector search gave, or its vector compared with `query` for one only
/// the full-text search found), its BM25 score, and how close its own words (`own_vector`: a
/// turn without its speaker and neighbours) are to `own_query`. A turn is found by its meaning
/// with its neighbours, which also lifts a reaction ("That's big news!") beside the answer; its
/// own words do not. Only candidates are scored: a turn neither search found is not brought in
/// by its own words (on generated sets, seeds 7 and 11, that lost as much as it found). A
/// memory without an own vector yet (written by an older mneme, before the daemon fills it in)
/// counts its meaning twice.
fn candidates_of(
    (by_vector, by_text): Scored,
    query: &[f32],
    own_query: &[f32],
) -> Vec<super::fuse::Candidate> {
    let bm25: std::collections::HashMap<String, f32> = by_text
        .iter()
        .map(|(hit, score)| (hit.id.clone(), *score))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let found_by_meaning = by_vector.into_iter().map(|(hit, s)| (hit, Some(s)));
    let found_by_words = by_text.into_iter().map(|(hit, _)| (hit, None));
    found_by_meaning
        .chain(found_by_words)
        .filter(|(hit, _)| seen.insert(hit.id.clone()))
        .map(|(hit, similarity)| {
            let meaning = similarity.unwrap_or_else(|| super::fuse::cosine(query, &hit.vector));
            let own_words = if hit.own_vector.is_empty() {
                meaning
            } else {
                super::fuse::cosine(own_query, &hit.own_vector)
            };
            super::fuse::Candidate {
                words: bm25.get(&hit.id).copied(),
                meaning,
                own_words,
                hit,
            }
        })
        .collect()
}

/// The share of its question's score a reply to a question found gains (`with_replies_lifted`).
/// Measured with `scripts/score-search.py` at budgets of 650 and 1,300 characters against a
/// third (what one of `fuse`'s three signals gives) and all of it (the reply just below its
/// question): a half finds the same evidence as a third on all five sets, with MRR up on three
/// (long friends 0.491 → 0.498, friends 0.581 → 0.585, old friends 0.620 → 0.627); just below
/// lost evidence on three (friends 0.91 → 0.88 at 1,300; long friends 0.81 → 0.79 and old
/// friends 0.96 → 0.91 at 650). With a third, "I beat a 1600 … I'm over 1500 now" stayed fifth
/// of twelve for "How good at chess has Nadia become?" behind four turns saying "chess".
pub const REPLY_LIFT: f64 = 0.5;

/// How much a memory from the span a question names outranks one from any time.
pub const DATED_BOOST: f64 = 2.0;

/// How many memories about an event ("my trip") are searched for the first time it came up.
const EVENT_HITS: usize = 5;

/// Chunks per LanceDB commit when ingesting.
pub const INGEST_BATCH: usize = 512;

/// A scored search result.
#[derive(Debug, Clone)]
pub struct Found {
    pub memory: Memory,
    /// The fused ranking score (only comparable within one search).
    pub score: f64,
    /// Cosine similarity of its meaning to the query, when the vector search reached it.
    pub similarity: Option<f32>,
    /// The full-text search found the query's words in it.
    pub words_match: bool,
}

impl Found {
    /// Whether a person would call it a match: its words match, or its meaning is close enough.
    pub fn relevant(&self) -> bool {
        self.words_match || self.similarity.is_some_and(|s| s >= RELEVANT_SIMILARITY)
    }
}

/// How well a search hit matches, as a person reads it: "words match · 72% alike".
pub fn relevance_label(words_match: bool, similarity: Option<f32>) -> String {
    let alike = similarity.map(|s| format!("{:.0}% alike", s.clamp(0.0, 1.0) * 100.0));
    match (words_match, alike) {
        (true, Some(alike)) => format!("words match · {alike}"),
        (true, None) => "words match".into(),
        (false, Some(alike)) => alike,
        (false, None) => "weak".into(),
    }
}

/// The cosine similarity (all-MiniLM-L6-v2) from which a memory counts as about the query when
/// none of its words match. Calibrated by hand on six notes and eleven questions (`mneme memory
/// search --json` prints `similarity`): the note a question was about scored 0.39–0.69, the best
/// unrelated note 0.19 at most; 0.3 sits between. `tests/it/memory_cli.rs` keeps that split.
pub const RELEVANT_SIMILARITY: f32 = 0.3;

/// The store plus the embedder (loaded once per process).
pub struct MemoryService {
    store: MemoryStore,
    embedder: Arc<Mutex<Embedder>>,
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
    /// The store, for reading (writes go through `writer`).
    pub fn store(&self) -> &MemoryStore {
        &self.store
    }

    /// Write access, for the holder of the store's writer lock (the daemon, or a command writing
    /// directly while no daemon runs).
    pub fn writer<'a>(&'a self, lock: &'a WriterLock) -> MemoryWriter<'a> {
        MemoryWriter::new(self, lock)
    }

    pub fn new(store: MemoryStore, embedder: Embedder) -> Self {
        Self {
            store,
            embedder: Arc::new(Mutex::new(embedder)),
            ranking: Ranking::default(),
            limits: ChunkLimits::default(),
        }
    }

    /// Embeds texts on a blocking thread (ONNX inference is CPU-bound).
    pub async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, MemoryError> {
        let embedder = self.embedder.clone();
        let texts = texts.to_vec();
        let vectors = tokio::task::spawn_blocking(move || {
            let mut embedder = embedder.lock().unwrap_or_else(|p| p.into_inner());
            embedder.embed(&texts)
        })
        .await
        .map_err(|e| EmbedError::Model(format!("the embedding task failed: {e}")))??;
        Ok(vectors)
    }

    /// The chunks `session` still needs, and how many turns are held back waiting for an answer.
    pub async fn pending_chunks(
        &self,
        session: &Session,
        complete: bool,
    ) -> Result<(Vec<Chunk>, usize), MemoryError> {
        let covered = self.store.covered_turns(session.id()).await?;
        // A reply is compared with the recall block its question was given (`hygiene`).
        let mut given: Option<&crate::domain::Recall> = None;
        let mut remembered: Vec<SourceTurn> = Vec::new();
        for turn in &session.turns {
            if turn.role == crate::domain::Role::User {
                given = turn.recall.as_ref();
            }
            if turn.forgotten || turn.role == crate::domain::Role::System {
                continue;
            }
            let echo_of = (turn.role != crate::domain::Role::User)
                .then_some(given)
                .flatten();
            if let Some(text) = super::hygiene::clean(&turn.text, echo_of) {
                remembered.push(SourceTurn {
                    text,
                    ..source_turn(session.id(), turn)
                });
            }
        }
        let fresh: Vec<SourceTurn> = remembered
            .iter()
            .filter(|t| !covered.contains(&t.id))
            .cloned()
            .collect();
        let (mut chunks, pending) = chunk_turns(&fresh, self.limits, complete);
        add_context(&mut chunks, &remembered);
        // Facts come from the user's own words only: never a reply, a recall block or a summary.
        let users: std::collections::HashSet<&str> = session
            .turns
            .iter()
            .filter(|t| t.role == crate::domain::Role::User)
            .map(|t| t.id.as_str())
            .collect();
        for chunk in &mut chunks {
            chunk.facts = remembered
                .iter()
                .filter(|t| chunk.source_turns.contains(&t.id) && users.contains(t.id.as_str()))
                .flat_map(super::facts::extract)
                .collect();
        }
        Ok((chunks, pending))
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

    /// `search` with an explicit clock: recency is relative to `now`, and a question naming a
    /// time ("last week", "in May 2025", `when::span`) ranks what was said then first. The
    /// candidates found within that span and over all time are ranked together, then those
    /// from the span, and those naming the month that sets it, have their score multiplied by
    /// [`DATED_BOOST`]: a span that holds too little falls back to the rest, and within the span
    /// a memory ranks by how well it answers among everything found, not among the few things
    /// said then (score-search long-friends 0.87 → 0.88; MRR seeds 7 and 11 0.736 → 0.743 and
    /// 0.765 → 0.771, long-friends 0.378 → 0.388; friends and old friends unchanged).
    pub async fn search_at(
        &self,
        text: &str,
        k: usize,
        filter: &MemoryFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<Found>, MemoryError> {
        // An event's own mentions ("my trip …") date the span; they rank as undated memories
        // ("What was Karim's job before the falafel van?" is answered by its first mention).
        let (span, anchors) = match super::when::span(text, now) {
            Some(span) => (Some(span), Vec::new()),
            None => match self.event_span(text, filter, now).await? {
                Some((span, anchors)) => (Some(span), anchors),
                None => (None, Vec::new()),
            },
        };
        let Some(span) = span else {
            return self.search_once(text, k, filter, now).await;
        };
        let from = filter.after.map_or(span.start, |a| a.max(span.start));
        let until = filter.before.map_or(span.end, |b| b.min(span.end));
        let within = MemoryFilter {
            after: Some(from),
            before: Some(until),
            ..filter.clone()
        };
        // One embedding serves both searches.
        let query = self.embed_one(text).await?;
        let (dated, all) = tokio::join!(
            self.candidates(text, &query, k, &within),
            self.candidates(text, &query, k, filter)
        );
        // Ranked together, so a memory from the span ranks by how well it answers among all
        // that were found, not among the few said then.
        let candidates = union_of(dated?, all?);
        let own_query = self.own_words_query(text, &query, &candidates).await?;
        let found = self.ranked(candidates, &query, &own_query, candidate_count(k), now);
        // Said before or after the month it names ("We're doing Pygmalion in February"), a
        // memory is about that month as much as what was said in it.
        let month = super::when::month_of(text, now);
        let dated = |m: &Memory| {
            let said_then = m.time_start < until && m.time_end >= from;
            (said_then && !anchors.contains(&m.id))
                || month.is_some_and(|month| super::when::names_month(&m.text, month))
        };
        let mut merged: Vec<Found> = found
            .into_iter()
            .map(|f| {
                let boost = if dated(&f.memory) { DATED_BOOST } else { 1.0 };
                Found {
                    score: f.score * boost,
                    ..f
                }
            })
            .collect();
        merged.sort_by(|a, b| b.score.total_cmp(&a.score));
        self.lift_replies(merged, filter, k).await
    }

    /// "before my trip": the span before (or after) the first time the event was talked about,
    /// found by searching for the event's own words, and the memories that mention it; `None`
    /// when the question names no event or nothing remembered mentions it.
    async fn event_span(
        &self,
        text: &str,
        filter: &MemoryFilter,
        now: DateTime<Utc>,
    ) -> Result<Option<(super::when::Span, Vec<String>)>, MemoryError> {
        let Some((side, event)) = super::when::relative_event(text) else {
            return Ok(None);
        };
        // Only the memories whose words mention the event count: the full-text search alone.
        let mentions = self.store.text_search(&event, EVENT_HITS, filter).await?;
        let Some(first) = mentions.iter().map(|m| m.time_start).min() else {
            return Ok(None);
        };
        let anchors = mentions.into_iter().map(|m| m.id).collect();
        Ok(Some((super::when::around(side, first, now), anchors)))
    }

    /// One search over `filter`: BM25 runs while the query is embedded and searched by meaning.
    async fn search_once(
        &self,
        text: &str,
        k: usize,
        filter: &MemoryFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<Found>, MemoryError> {
        let by_meaning = async {
            let query = self.embed_one(text).await?;
            let hits = self
                .store
                .vector_search_scored(&query, candidate_count(k), filter)
                .await?;
            Ok::<_, MemoryError>((query, hits))
        };
        let (by_vector, by_text) = tokio::join!(
            by_meaning,
            self.store
                .text_search_scored(text, candidate_count(k), filter)
        );
        let ((query, by_vector), by_text) = (by_vector?, by_text?);
        let candidates = (by_vector, by_text);
        let own_query = self.own_words_query(text, &query, &candidates).await?;
        // Ranked past `k`: a reply lifted by its question may come from below it.
        let found = self.ranked(candidates, &query, &own_query, candidate_count(k), now);
        self.lift_replies(found, filter, k).await
    }

    /// Lifts the reply to each question found: a turn asking about something ("How's the climbing
    /// going?") is close to a question about it and says nothing of the answer, which the other
    /// speaker's next turn gives in words of its own ("I finally sent my first V4 last week!").
    /// Each reply gains [`REPLY_LIFT`] of its question's score, up to just below its question,
    /// and the best `k` are kept. Measured (when the gain was one more list's RRF term at the
    /// question's rank)
    /// with `scripts/score-search.py` (evidence within 1,300 characters of `memory search -k 20
    /// --kind chunk`): old friends 0.93 → 0.96, friends (0.85) and generated seeds 7 and 11
    /// (0.92, 0.94) unchanged within a turn. Uncapped, friends gained a turn too (0.88), but in
    /// a conversation of a few turns, where every question is a candidate, "what is the cat
    /// called" no longer found "I adopted a grey cat called Pixel." first (two tests in
    /// `memory_cli`): a reply is found through its question and ranks below it.
    async fn lift_replies(
        &self,
        found: Vec<Found>,
        filter: &MemoryFilter,
        k: usize,
    ) -> Result<Vec<Found>, MemoryError> {
        let asking: Vec<&Memory> = found
            .iter()
            .map(|f| &f.memory)
            .filter(|m| m.kind == super::MemoryKind::Chunk && asks_something(&m.text))
            .collect();
        let replies = if asking.is_empty() || filter.pinned_only {
            std::collections::HashMap::new()
        } else {
            self.store.next_turns(&asking, ANSWER_WITHIN).await?
        };
        Ok(with_replies_lifted(found, &replies, filter, k))
    }

    /// The query as the candidates' own words are compared with it: without the names of their
    /// speakers, as own words are stored (`recall::own_text`). Every turn of a conversation is
    /// said by one of its people, so a name in the query says nothing about which turn answers
    /// it, and a short turn lies close to any query naming its speaker. Measured with
    /// `scripts/score-search.py`: old friends 0.89 → 0.93, friends 0.85 and generated seeds 7
    /// and 11 unchanged within a turn; one more embedding (a few ms) when the query names someone.
    async fn own_words_query(
        &self,
        text: &str,
        query: &[f32],
        (by_vector, by_text): &Scored,
    ) -> Result<Vec<f32>, MemoryError> {
        let found = by_vector
            .iter()
            .map(|(hit, _)| hit)
            .chain(by_text.iter().map(|(hit, _)| hit));
        match without_speakers_named(text, found) {
            Some(nameless) => self.embed_one(&nameless).await,
            None => Ok(query.to_vec()),
        }
    }

    async fn embed_one(&self, text: &str) -> Result<Vec<f32>, MemoryError> {
        Ok(self
            .embed(&[text.to_string()])
            .await?
            .pop()
            .unwrap_or_default())
    }

    /// Vector and BM25 candidates for an already embedded query, each with its score.
    async fn candidates(
        &self,
        text: &str,
        query: &[f32],
        k: usize,
        filter: &MemoryFilter,
    ) -> Result<Scored, MemoryError> {
        let (by_vector, by_text) = tokio::join!(
            self.store
                .vector_search_scored(query, candidate_count(k), filter),
            self.store
                .text_search_scored(text, candidate_count(k), filter)
        );
        Ok((by_vector?, by_text?))
    }

    /// The candidates fused and scored, each with its similarity to `query` and whether its
    /// words matched.
    fn ranked(
        &self,
        candidates: Scored,
        query: &[f32],
        own_query: &[f32],
        k: usize,
        now: DateTime<Utc>,
    ) -> Vec<Found> {
        let candidates = candidates_of(candidates, query, own_query);
        let found_as: std::collections::HashMap<String, (f32, bool)> = candidates
            .iter()
            .map(|c| (c.hit.id.clone(), (c.meaning, c.words.is_some())))
            .collect();
        fuse(candidates, now, self.ranking, k)
            .into_iter()
            .map(|(memory, score)| {
                let (similarity, words_match) = found_as[&memory.id];
                Found {
                    similarity: (!memory.vector.is_empty()).then_some(similarity),
                    words_match,
                    memory,
                    score,
                }
            })
            .collect()
    }
}

/// `query` without the names of the speakers of `found` ("What climbing grade did Priya
/// reach?" → "What climbing grade did reach?"); `None` when it names none of them, or nothing
/// but them.
fn without_speakers_named<'m>(
    query: &str,
    found: impl IntoIterator<Item = &'m Memory>,
) -> Option<String> {
    let names = super::labels::speakers(found);
    let nameless = super::labels::without_names(query, &names);
    (nameless != query && !nameless.trim().is_empty()).then_some(nameless)
}

/// `found` (best first) with the reply to each question in it (`replies`, keyed by the
/// question's id) lifted by [`REPLY_LIFT`] of its question's score, or added with that alone, then
/// sorted and cut to `k`. A reply in the question's own voice is no answer to it, nor one
/// outside the filter's time span.
fn with_replies_lifted(
    mut found: Vec<Found>,
    replies: &std::collections::HashMap<String, Memory>,
    filter: &MemoryFilter,
    k: usize,
) -> Vec<Found> {
    let lifts: Vec<(Memory, f64, f64)> = found
        .iter()
        .filter_map(|asked| {
            let reply = replies.get(&asked.memory.id)?;
            let answers = voice(reply) != voice(&asked.memory)
                && filter.after.is_none_or(|after| reply.time_end >= after)
                && filter.before.is_none_or(|before| reply.time_start < before);
            answers.then(|| (reply.clone(), asked.score * REPLY_LIFT, asked.score))
        })
        .collect();
    for (reply, lift, asked_score) in lifts {
        // Raised at most to just below its question: it is found through it.
        let below_the_question = asked_score * (1.0 - 1e-9);
        match found.iter_mut().find(|f| f.memory.id == reply.id) {
            Some(f) if f.score < below_the_question => {
                f.score = (f.score + lift).min(below_the_question);
            }
            Some(_) => {}
            None => found.push(Found {
                memory: reply,
                score: lift.min(below_the_question),
                similarity: None,
                words_match: false,
            }),
        }
    }
    found.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.memory.id.cmp(&b.memory.id))
    });
    found.truncate(k);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str, own_vector: Vec<f32>) -> super::super::fuse::Hit {
        let mut m = Memory::new(
            super::super::MemoryKind::Chunk,
            id.into(),
            vec![1.0, 0.0],
            Utc::now(),
        );
        m.id = id.into();
        m.own_vector = own_vector;
        m
    }

    #[test]
    fn each_candidate_is_scored_once_by_meaning_words_and_own_words() {
        let query = [1.0, 0.0];
        let own_query = [0.0, 1.0];
        let by_vector = vec![
            (hit("reaction", vec![0.0, 1.0]), 0.8),
            (hit("answer", vec![0.6, 0.8]), 0.7),
            (hit("older", Vec::new()), 0.6),
        ];
        let by_text = vec![
            (hit("answer", vec![0.6, 0.8]), 4.0),
            (hit("words", vec![1.0, 0.0]), 2.0),
        ];
        let scored: Vec<(String, f32, Option<f32>, f32)> =
            candidates_of((by_vector, by_text), &query, &own_query)
                .into_iter()
                .map(|c| (c.hit.id, c.meaning, c.words, c.own_words))
                .collect();
        assert_eq!(
            scored,
            [
                ("reaction".to_string(), 0.8, None, 1.0),
                ("answer".to_string(), 0.7, Some(4.0), 0.8),
                // Without an own vector yet, its meaning stands for its own words.
                ("older".to_string(), 0.6, None, 0.6),
                // Found by words alone: its vector ([1, 0] in `hit`) is compared with the query.
                ("words".to_string(), 1.0, Some(2.0), 0.0),
            ]
        );
    }

    fn said(id: &str, text: &str, minute: i64) -> Found {
        let mut m = hit(id, Vec::new());
        m.text = text.into();
        m.time_start = DateTime::UNIX_EPOCH + chrono::Duration::minutes(minute);
        m.time_end = m.time_start;
        Found {
            memory: m,
            score: 0.0,
            similarity: None,
            words_match: false,
        }
    }

    #[test]
    fn a_reply_to_a_question_found_rises_with_it_and_one_in_the_askers_voice_does_not() {
        let scored = |f: Found, score: f64| Found { score, ..f };
        let found = vec![
            scored(said("asked", "Ben: How's the climbing going?", 0), 0.04),
            scored(said("near", "Ana: I went to the climbing wall.", 5), 0.03),
            scored(said("weak", "Ana: Lovely weather.", 9), 0.025),
            scored(said("self", "Ben: Did you sleep?", 7), 0.01),
        ];
        let replies = std::collections::HashMap::from([
            (
                "asked".to_string(),
                said("sent", "Ana: I finally sent my first V4!", 1).memory,
            ),
            (
                "self".to_string(),
                said("more", "Ben: I hope you did.", 8).memory,
            ),
        ]);
        let ids = |found: &[Found]| -> Vec<String> {
            found.iter().map(|f| f.memory.id.clone()).collect()
        };
        let lifted = with_replies_lifted(found.clone(), &replies, &MemoryFilter::default(), 4);
        // The reply, found by neither search, enters with half its question's score, above the
        // weakest hit; the same speaker's next turn answers nothing.
        assert_eq!(ids(&lifted), ["asked", "near", "weak", "sent"]);
        assert!((lifted[3].score - 0.04 * REPLY_LIFT).abs() < 1e-12);
        let before_the_reply = MemoryFilter {
            before: Some(DateTime::UNIX_EPOCH + chrono::Duration::minutes(1)),
            ..MemoryFilter::default()
        };
        let kept = with_replies_lifted(found.clone(), &replies, &before_the_reply, 4);
        assert!(
            !ids(&kept).contains(&"sent".to_string()),
            "{:?}",
            ids(&kept)
        );
        // A reply rises at most to just below the question it is found through.
        let near_answers =
            std::collections::HashMap::from([("asked".to_string(), found[1].memory.clone())]);
        let capped = with_replies_lifted(found, &near_answers, &MemoryFilter::default(), 4);
        assert_eq!(ids(&capped), ["asked", "near", "weak", "self"]);
        assert!(capped[1].score < capped[0].score && capped[1].score > 0.0399);
    }

    #[test]
    fn the_query_for_own_words_leaves_out_the_names_of_the_speakers_found() {
        let mut told = hit("told", Vec::new());
        told.text = "Priya: I finally sent my first V4.".into();
        let mut asked = hit("asked", Vec::new());
        asked.text = "Dan: How's the climbing going?".into();
        assert_eq!(
            without_speakers_named("What climbing grade did Priya reach?", [&told, &asked])
                .as_deref(),
            Some("What climbing grade did reach?")
        );
        assert_eq!(
            without_speakers_named("What did Dan's kids say?", [&told, &asked]).as_deref(),
            Some("What did kids say?")
        );
        // A name no speaker has stays; a query of names alone is kept as asked.
        assert_eq!(without_speakers_named("Where is Chloe?", [&told]), None);
        assert_eq!(without_speakers_named("Priya?", [&told]), None);
    }
}
