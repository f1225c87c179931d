//! Hybrid ranking: reciprocal-rank fusion of vector and full-text hits, then recency, pins and de-duplication.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Memory;

/// The RRF constant: how quickly lower ranks lose weight.
const RRF_K: f64 = 60.0;

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

/// Fuses ranked lists (each best first: by meaning, by words, by own words) into one scored list
/// of at most `keep`, best first.
pub fn fuse<const N: usize>(
    lists: [Vec<Hit>; N],
    now: DateTime<Utc>,
    ranking: Ranking,
    keep: usize,
) -> Vec<(Hit, f64)> {
    let mut scores: HashMap<String, (Hit, f64)> = HashMap::new();
    for list in lists {
        for (rank, hit) in list.into_iter().enumerate() {
            let add = rrf_term(rank);
            scores
                .entry(hit.id.clone())
                .and_modify(|e| e.1 += add)
                .or_insert((hit, add));
        }
    }
    let mut fused: Vec<(Hit, f64)> = scores
        .into_values()
        .map(|(hit, rrf)| {
            let age_days = (now - hit.time_end).num_seconds().max(0) as f64 / 86_400.0;
            let recency = 1.0
                + ranking.recency_weight * 0.5f64.powf(age_days / ranking.recency_half_life_days);
            let pin = if hit.pinned { ranking.pin_boost } else { 1.0 };
            let score = rrf * recency * pin * retention(&hit, now, ranking);
            (hit, score)
        })
        .collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
    drop_near_duplicates(fused, ranking.duplicate_cosine, keep)
}

/// What a place in one ranked list (0 for the first) adds to a memory's fused score.
pub fn rrf_term(rank: usize) -> f64 {
    1.0 / (RRF_K + rank as f64 + 1.0)
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

    #[test]
    fn found_by_both_beats_found_by_one() {
        let now = DateTime::UNIX_EPOCH;
        let v = vec![
            hit("a", vec![1.0, 0.0], false),
            hit("b", vec![0.0, 1.0], false),
        ];
        let t = vec![
            hit("b", vec![0.0, 1.0], false),
            hit("c", vec![0.7, 0.7], false),
        ];
        let ids: Vec<_> = fuse([v, t], now, Ranking::default(), usize::MAX)
            .into_iter()
            .map(|(h, _)| h.id)
            .collect();
        assert_eq!(ids, ["b", "a", "c"]);
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
        let v = vec![
            said("a", "user: the tulips bloom in April", vec![1.0, 0.0]),
            said("a2", "The tulips bloom in April.", vec![1.0, 0.01]),
            // As close in meaning but saying something else (a neighbour embedded with it).
            said("b", "assistant: water them once now", vec![1.0, 0.02]),
            hit("p", vec![0.0, 1.0], true),
        ];
        let ids: Vec<_> = fuse([v, vec![]], now, Ranking::default(), usize::MAX)
            .into_iter()
            .map(|(h, _)| h.id)
            .collect();
        assert_eq!(ids, ["p", "a", "b"]);
    }
}
