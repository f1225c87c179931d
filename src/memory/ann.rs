//! The approximate nearest-neighbour index on the memory vectors: when the table is big enough to
//! need one, which kind, how it is kept current, and how a search uses it (probes and refine).

use lancedb::index::Index;
use lancedb::index::vector::{IvfFlatIndexBuilder, IvfHnswSqIndexBuilder, IvfPqIndexBuilder};
use lancedb::query::VectorQuery;
use lancedb::{DistanceType, Table};

use super::EMBEDDING_DIMS;

/// The column the index covers.
pub const VECTOR_COLUMN: &str = "vector";

/// Rows from which the table gets an index. Below it exact search is fast enough (p50 under
/// 5 ms at 2,000 rows in `bench memory`) and an index would be trained on too few vectors.
pub const INDEX_FROM_ROWS: usize = 4_096;

/// Rows per IVF partition when the index is trained (√rows partitions would be ~316 at 100k;
/// fixed-size partitions keep a probe's cost the same as the table grows).
const ROWS_PER_PARTITION: usize = 512;

/// Partitions a search visits. Chosen with `mneme bench memory`: recall@20 against exact search
/// ≥ 0.95 at 100k rows (1.0 with [`IndexKind::IvfFlat`]).
const NPROBES: usize = 20;

/// For a quantised index, how many times `k` candidates are re-ranked by exact distance.
const REFINE_FACTOR: u32 = 2;

/// HNSW's search breadth per candidate the refine step re-ranks (see `tuned`).
const EF_PER_CANDIDATE: usize = 4;

/// The index kinds `bench memory --index` can compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IndexKind {
    /// IVF partitions holding the full vectors: distances within a probed partition are exact,
    /// so nothing is re-ranked.
    IvfFlat,
    /// IVF partitions with product-quantised vectors (48 sub-vectors of 8 dimensions).
    IvfPq,
    /// IVF partitions each holding an HNSW graph over scalar-quantised vectors.
    IvfHnswSq,
}

impl IndexKind {
    /// How LanceDB names the kind in an index's statistics ([`IndexState::kind`]).
    pub fn lance_name(self) -> &'static str {
        match self {
            IndexKind::IvfFlat => "IVF_FLAT",
            IndexKind::IvfPq => "IVF_PQ",
            IndexKind::IvfHnswSq => "IVF_HNSW_SQ",
        }
    }
}

/// The kind mneme builds. Measured with `mneme bench memory --index …` against IVF-HNSW-SQ (the
/// kind built before): hybrid p50 15.8 against 18.4 ms at 10k and 20.4 against 23.8 ms at
/// 100k, recall@20 1.0 against 0.998, trained in 6 s against 32 s on 100k rows. With 512 rows a
/// partition, a probe reads 200 kB of vectors the index cache already holds; the graphs and the
/// refine step's reads from the data files cost more than that scan.
pub const DEFAULT_INDEX: IndexKind = IndexKind::IvfFlat;

/// The table retrains its index once it has this many times the rows the index was trained on:
/// rows added since were appended to partitions sized for a smaller table, which makes each probe
/// scan more.
const RETRAIN_GROWTH: usize = 4;

/// The index's name records the rows it was trained on (Lance's statistics do not).
const NAME_PREFIX: &str = "vector_trained_on_";

/// What the table's vector index covers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IndexState {
    pub name: String,
    pub kind: String,
    pub indexed_rows: usize,
    pub unindexed_rows: usize,
}

impl IndexState {
    /// Whether the index holds quantised vectors, whose distances a search must refine.
    pub fn quantised(&self) -> bool {
        self.kind != IndexKind::IvfFlat.lance_name()
    }

    /// Rows the index was trained on (0 for an index mneme did not name).
    pub fn trained_rows(&self) -> usize {
        self.name
            .strip_prefix(NAME_PREFIX)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

/// The vector index's name and coverage, if the table has one.
pub async fn state(table: &Table) -> lancedb::Result<Option<IndexState>> {
    let indices = table.list_indices().await?;
    let Some(index) = indices.iter().find(|i| i.columns == [VECTOR_COLUMN]) else {
        return Ok(None);
    };
    Ok(table
        .index_stats(&index.name)
        .await?
        .map(|stats| IndexState {
            name: index.name.clone(),
            kind: stats.index_type.to_string(),
            indexed_rows: stats.num_indexed_rows,
            unindexed_rows: stats.num_unindexed_rows,
        }))
}

/// Trains the index if the table has reached [`INDEX_FROM_ROWS`] and has none, has one of
/// another kind (an older mneme's), or has grown [`RETRAIN_GROWTH`] times past what its index
/// was trained on. Returns the index the table has afterwards. Rows added in between are
/// searched exactly until upkeep folds them in (`OptimizeAction::All` appends them to the
/// trained partitions).
pub async fn ensure(table: &Table, kind: IndexKind) -> lancedb::Result<Option<IndexState>> {
    let rows = table.count_rows(None).await?;
    let current = state(table).await?;
    if rows < INDEX_FROM_ROWS {
        return Ok(current);
    }
    if let Some(current) = current
        && current.kind == kind.lance_name()
        && rows < current.trained_rows() * RETRAIN_GROWTH
    {
        return Ok(Some(current));
    }
    build(table, kind, rows).await?;
    state(table).await
}

/// Trains a fresh index of `kind` over the table's `rows`, replacing the one there was.
pub async fn build(table: &Table, kind: IndexKind, rows: usize) -> lancedb::Result<()> {
    if let Some(old) = state(table).await? {
        // Searches are exact (and correct) until the new one is committed.
        table.drop_index(&old.name).await?;
    }
    let partitions = (rows / ROWS_PER_PARTITION).clamp(1, 1024) as u32;
    let index = match kind {
        IndexKind::IvfFlat => Index::IvfFlat(
            IvfFlatIndexBuilder::default()
                .distance_type(DistanceType::Cosine)
                .num_partitions(partitions),
        ),
        IndexKind::IvfPq => Index::IvfPq(
            IvfPqIndexBuilder::default()
                .distance_type(DistanceType::Cosine)
                .num_partitions(partitions)
                .num_sub_vectors((EMBEDDING_DIMS / 8) as u32),
        ),
        IndexKind::IvfHnswSq => Index::IvfHnswSq(
            IvfHnswSqIndexBuilder::default()
                .distance_type(DistanceType::Cosine)
                .num_partitions(partitions),
        ),
    };
    let started = std::time::Instant::now();
    table
        .create_index(&[VECTOR_COLUMN], index)
        .name(format!("{NAME_PREFIX}{rows}"))
        .replace(true)
        .execute()
        .await?;
    tracing::info!(
        "built the {kind:?} vector index over {rows} memories ({partitions} partitions) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// How a search treats the table's vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search {
    /// Compare the query with every row (the index's ground truth).
    Exact,
    /// Use the index, whose vectors are full: its distances are exact.
    IndexOfFullVectors,
    /// Use the index and re-rank its candidates by exact distance (a quantised index, or one not
    /// known yet).
    IndexRefined,
}

/// A vector query set up to use the index well; without an index these settings do nothing.
pub fn tuned(query: VectorQuery, k: usize, search: Search) -> lancedb::Result<VectorQuery> {
    match search {
        Search::Exact => Ok(query.bypass_vector_index()),
        Search::IndexOfFullVectors => query.nprobes(NPROBES),
        // HNSW's search breadth must cover every candidate the refine step asks for, with room:
        // `bench memory` recall@20 at 100k 0.991–0.996 with 4× against 0.972–0.976 with 2×, at
        // the same latency (the graphs are small; LanceDB's fixed cost per query dominates).
        Search::IndexRefined => Ok(query
            .nprobes(NPROBES)?
            .refine_factor(REFINE_FACTOR)
            .ef(EF_PER_CANDIDATE * k * REFINE_FACTOR as usize)),
    }
}
