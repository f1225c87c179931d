//! Hybrid ranking: the scores of vector, full-text and own-words matches fused, then recency, pins and de-duplication.

use chrono::{DateTime, Utc};

use super::Memory;

/// One memory found by either search.
pub type Hit = Memory;

/// Weights for the final score.
#[derive(Debug, Clone, Copy)]
pub struct Ranking {
    /// Multiplier for pinned memories.
    pub pin_boost: f64,
    /// Extra weight for a memory from today, halving every `recency_half_life_days`.
    pub recency_weight: f64,
    pub recency_half_life_days: f64,
    /// Forgetting curve for chunks: an unpinned chunk's weight falls from 1 towards this floor
    /// (never to zero: nothing is forgotten outright).
    pub forgetting_floor: f64,
    /// Days for an un-recalled chunk's retention to halve; each recall multiplies it (reinforcement).
    pub forgetting_half_life_days: f64,
    /// Cosine similarity above which a lower-ranked hit is a near-duplicate and dropped.
    pub duplicate_cosine: f32,
}

impl Default for Ranking {
    fn default() -> Self {
        Self {
            pin_boost: 1.5,
            recency_weight: 0.1,
            recency_half_life_days: 30.0,
            forgetting_floor: 0.85,
            forgetting_half_life_days: 60.0,
            duplicate_cosine: 0.97,
        }
    }
}

/// One memory either search found, with what each of the three signals says of it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub hit: Hit,
    /// Cosine of its vector (the turn embedded with its date and neighbours) to the query.
    pub meaning: f32,
    /// Its BM25 score, when the full-text search found it.
    pub words: Option<f32>,
    /// Cosine of its own words (`own_vector`: the turn alone, without its speaker) to the query
    /// without the speakers' names; its `meaning` while it has no own vector yet.
    pub own_words: f32,
}

/// How many signals a fused score averages: meaning, words, own words.
const SIGNALS: f64 = 3.0;

/// Fuses the candidates into one scored list of at most `keep`, best first: the mean of their
/// three signals, each scaled to 0–1 over the candidates (cosines from the lowest to the
/// highest, BM25 as a share of the best; not found by words is 0), then recency, forgetting
/// and pins. Scores, not places: reciprocal-rank fusion gave the 2nd of three lists nearly
/// what the 1st got however far behind it was, so a turn that only shared a word with the
/// question ranked with the one that answered it. Measured with `scripts/score-search.py` at
/// 650 characters (`--budget`: our sets' turns are short, and 1,300 holds about 17 of them)
/// and at 1,300: long friends 0.73 → 0.81 (MRR 0.39 → 0.50), friends 0.82 → 0.85, old friends 0.91 →
/// 0.96, generated seeds 7 and 11 0.914 → 0.922 and 0.935 → 0.927 (MRR 0.74 → 0.79, 0.77 →
/// 0.80); at 1,300 unchanged or better everywhere. The weights are equal, not fitted to any set.
pub fn fuse(
    candidates: Vec<Candidate>,
    now: DateTime<Utc>,
    ranking: Ranking,
    keep: usize,
) -> Vec<(Hit, f64)> {
    let meaning = from_lowest_to_highest(candidates.iter().map(|c| f64::from(c.meaning)));
    let own_words = from_lowest_to_highest(candidates.iter().map(|c| f64::from(c.own_words)));
    let best_words = candidates
        .iter()
        .filter_map(|c| c.words)
        .fold(0.0f32, f32::max);
    let mut fused: Vec<(Hit, f64)> = candidates
        .into_iter()
        .zip(meaning.into_iter().zip(own_words))
        .map(|(candidate, (meaning, own_words))| {
            let words = match candidate.words {
                Some(bm25) if best_words > 0.0 => f64::from(bm25 / best_words),
                _ => 0.0,
            };
            let hit = candidate.hit;
            let age_days = (now - hit.time_end).num_seconds().max(0) as f64 / 86_400.0;
            let recency = 1.0
                + ranking.recency_weight * 0.5f64.powf(age_days / ranking.recency_half_life_days);
            let pin = if hit.pinned { ranking.pin_boost } else { 1.0 };
            let signals = (meaning + words + own_words) / SIGNALS;
            let score = signals * recency * pin * retention(&hit, now, ranking);
            (hit, score)
        })
        .collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
    drop_near_duplicates(fused, ranking.duplicate_cosine, keep)
}

/// Each value scaled so the lowest is 0 and the highest 1; all 1 when they are equal (each is
/// as close as the best).
fn from_lowest_to_highest(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let values: Vec<f64> = values.collect();
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .map(|v| {
            if high > low {
                (v - low) / (high - low)
            } else {
                1.0
            }
        })
        .collect()
}

/// How much of a chunk's ranking weight is left: an exponential forgetting curve whose clock
/// restarts at each recall and whose half-life grows with every recall. Pinned memories, notes,
/// facts and summaries do not fade.
pub fn retention(hit: &Hit, now: DateTime<Utc>, ranking: Ranking) -> f64 {
    if hit.pinned || hit.kind != super::MemoryKind::Chunk {
        return 1.0;
    }
    let since = hit.last_recalled.unwrap_or(hit.time_end).max(hit.time_end);
    let age_days = (now - since).num_seconds().max(0) as f64 / 86_400.0;
    let half_life = ranking.forgetting_half_life_days * (1.0 + f64::from(hit.recall_count));
    let kept = 0.5f64.powf(age_days / half_life);
    ranking.forgetting_floor + (1.0 - ranking.forgetting_floor) * kept
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// Whether two texts say nearly the same words (Jaccard ≥ 0.8 over lower-cased words, speaker
/// labels and punctuation aside). Vectors alone cannot tell: a turn embedded with its neighbours
/// as context lies close to its neighbours' vectors while saying something else.
pub fn same_words(a: &str, b: &str) -> bool {
    let words = |t: &str| -> std::collections::HashSet<String> {
        t.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .filter(|w| !matches!(w.as_str(), "user" | "assistant"))
            .collect()
    };
    let (a, b) = (words(a), words(b));
    let union = a.union(&b).count();
    union == 0 || a.intersection(&b).count() * 5 >= union * 4
}

/// Keeps the first of any group of near-identical memories, stopping at `keep` (comparing the
/// rest would cost a cosine per pair for nothing).
fn drop_near_duplicates(sorted: Vec<(Hit, f64)>, threshold: f32, keep: usize) -> Vec<(Hit, f64)> {
    let mut kept: Vec<(Hit, f64)> = Vec::with_capacity(keep.min(sorted.len()));
    for (hit, score) in sorted {
        if kept.len() == keep {
            break;
        }
        let duplicate = kept.iter().any(|(k, _)| {
            k.text.trim() == hit.text.trim()
                || (!hit.vector.is_empty()
                    && cosine(&k.vector, &hit.vector) >= threshold
                    && same_words(&k.text, &hit.text))
        });
        if !duplicate {
            kept.push((hit, score));
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str, vector: Vec<f32>, pinned: bool) -> Hit {
        let mut m = Memory::new(
            crate::memory::MemoryKind::Note,
            id.into(),
            vector,
            DateTime::UNIX_EPOCH,
        );
        m.id = id.into();
        m.pinned = pinned;
        m
    }

    fn candidate(id: &str, meaning: f32, words: Option<f32>) -> Candidate {
        Candidate {
            hit: hit(id, vec![meaning, 1.0 - meaning], false),
            meaning,
            words,
            own_words: meaning,
        }
    }

    fn fused_ids(candidates: Vec<Candidate>) -> Vec<String> {
        fuse(
            candidates,
            DateTime::UNIX_EPOCH,
            Ranking::default(),
            usize::MAX,
        )
        .into_iter()
        .map(|(h, _)| h.id)
        .collect()
    }

    #[test]
    fn found_by_both_beats_found_by_one() {
        let ids = fused_ids(vec![
            candidate("meaning only", 0.8, None),
            candidate("both", 0.8, Some(2.0)),
            candidate("words only", 0.4, Some(2.0)),
        ]);
        assert_eq!(ids, ["both", "meaning only", "words only"]);
    }

    #[test]
    fn what_says_what_was_asked_outranks_what_only_shares_a_word_with_it() {
        // Second by meaning and first by words: ranks alone would put it on top (2/62 + 1/61
        // against 2/61), though its meaning is far behind.
        let ids = fused_ids(vec![
            candidate("answer", 0.9, None),
            candidate("shares a word", 0.5, Some(3.0)),
            candidate("unrelated", 0.45, None),
        ]);
        assert_eq!(ids, ["answer", "shares a word", "unrelated"]);
    }

    #[test]
    fn one_candidate_or_equal_ones_keep_a_score() {
        let fused = fuse(
            vec![candidate("a", 0.5, None), candidate("b", 0.5, None)],
            DateTime::UNIX_EPOCH,
            Ranking::default(),
            usize::MAX,
        );
        assert!(fused.iter().all(|(_, score)| *score > 0.0), "{fused:?}");
    }

    #[test]
    fn unrecalled_chunks_fade_to_a_floor_and_recall_reinforces_them() {
        let ranking = Ranking::default();
        let t0 = DateTime::UNIX_EPOCH;
        let mut chunk = hit("c", vec![1.0], false);
        chunk.kind = crate::memory::MemoryKind::Chunk;
        let year = t0 + chrono::Duration::days(365);
        assert_eq!(retention(&chunk, t0, ranking), 1.0);
        let faded = retention(&chunk, year, ranking);
        assert!(faded < 0.9 && faded >= ranking.forgetting_floor, "{faded}");
        chunk.recall_count = 3;
        chunk.last_recalled = Some(t0 + chrono::Duration::days(300));
        assert!(retention(&chunk, year, ranking) > 0.95);
        chunk.pinned = true;
        assert_eq!(retention(&chunk, year, ranking), 1.0);
        let note = hit("n", vec![1.0], false);
        assert_eq!(retention(&note, year, ranking), 1.0);
    }

    #[test]
    fn pins_lift_and_near_duplicates_drop() {
        let now = DateTime::UNIX_EPOCH;
        let said = |id: &str, text: &str, vector: Vec<f32>| {
            let mut h = hit(id, vector, false);
            h.text = text.into();
            h
        };
        let found = |hit: Hit, meaning: f32| Candidate {
            hit,
            meaning,
            words: None,
            own_words: meaning,
        };
        let candidates = vec![
            found(
                said("a", "user: the tulips bloom in April", vec![1.0, 0.0]),
                0.9,
            ),
            found(
                said("a2", "The tulips bloom in April.", vec![1.0, 0.01]),
                0.89,
            ),
            // As close in meaning but saying something else (a neighbour embedded with it).
            found(
                said("b", "assistant: water them once now", vec![1.0, 0.02]),
                0.88,
            ),
            // Pinned, a little further in meaning.
            found(hit("p", vec![0.0, 1.0], true), 0.85),
            found(hit("weak", vec![0.0, 1.0], false), 0.5),
        ];
        let ids: Vec<_> = fuse(candidates, now, Ranking::default(), usize::MAX)
            .into_iter()
            .map(|(h, _)| h.id)
            .collect();
        assert_eq!(ids, ["p", "a", "b", "weak"]);
    }
}
