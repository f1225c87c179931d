//! The LanceDB memory table: schema, versioning, reads, retried writes, and purging deleted text from disk.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use arrow_array::types::Float32Type;
use arrow_array::{
    Array, BooleanArray, FixedSizeListArray, Float32Array, Int64Array, RecordBatch,
    RecordBatchIterator, RecordBatchReader, StringArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use lancedb::index::Index;
use lancedb::index::scalar::{
    BTreeIndexBuilder, BitmapIndexBuilder, FtsIndexBuilder, FullTextSearchQuery,
};
use lancedb::query::{ExecutableQuery, QueryBase, Select};
use lancedb::table::OptimizeAction;
use lancedb::{Connection, DistanceType, Table};

use super::ann;
use super::fuse::Hit;
use super::labels::SaidWords;
use super::location::StoreLocation;
use super::{EMBEDDING_DIMS, Memory, MemoryFilter, MemoryKind};

const TABLE: &str = "memories";
/// Bumped when the table's layout changes; older stores are migrated on open.
/// 2: `own_vector` (a memory's own words embedded alone) added; an older table gets the column
/// empty when opened, and the daemon fills it in (`MemoryWriter::fill_own_vectors`).
pub const SCHEMA_VERSION: u32 = 2;

/// The column holding a memory's own words embedded alone (`Memory::own_vector`).
const OWN_VECTOR_COLUMN: &str = "own_vector";

/// How many times its limit a full-text search fetches at most, to order a group of equal
/// scores cut by the limit whole.
const MAX_TIE_FETCH: usize = 8;

/// Why the memory store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the memory database in {dir} was written by a newer mneme (schema {found}, this one reads {SCHEMA_VERSION}): upgrade mneme"
    )]
    NewerSchema { dir: PathBuf, found: u32 },
    #[error(
        "the memory database in {dir} cannot be read ({reason}); move it aside and run `mneme daemon start`: it re-creates the memory of every conversation from the transcripts (notes written with `memory add` are only in the old database)"
    )]
    Corrupt { dir: PathBuf, reason: String },
    #[error("`{prefix}` starts several memory ids ({matches}, …): give more of it")]
    AmbiguousId { prefix: String, matches: String },
    #[error(
        "the memory on {place} is unreachable ({reason}); conversations are still saved here and remembered once it is back"
    )]
    Unreachable { place: String, reason: String },
    #[error("memory database: {}", concise(.0))]
    Lance(#[from] lancedb::Error),
    #[error("memory database: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    #[error("memory database: {0}")]
    Io(#[from] std::io::Error),
}

/// The memory table. Anyone may read it; its writes are reachable only through a
/// `MemoryWriter`, which only the holder of the writer lock can have.
#[derive(Clone)]
pub struct MemoryStore {
    location: StoreLocation,
    _connection: Connection,
    table: Table,
    /// What this process last saw of the vector index (`INDEX_*`): read at the first search and
    /// after each optimise; once it is known to hold full vectors, searches skip the refine step.
    /// Another process may change the index; a stale "quantised" only costs a refine.
    index_seen: Arc<AtomicU8>,
}

const INDEX_UNKNOWN: u8 = 0;
const INDEX_QUANTISED: u8 = 1;
const INDEX_FULL_VECTORS: u8 = 2;

fn vector_field(name: &str) -> Field {
    Field::new(
        name,
        DataType::FixedSizeList(
            Arc::new(Field::new("item", DataType::Float32, true)),
            EMBEDDING_DIMS as i32,
        ),
        true,
    )
}

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("text", DataType::Utf8, false),
        vector_field("vector"),
        Field::new("session", DataType::Utf8, true),
        Field::new("time_start", DataType::Int64, false),
        Field::new("time_end", DataType::Int64, false),
        Field::new("source_turns", DataType::Utf8, false),
        Field::new("created", DataType::Int64, false),
        Field::new("updated", DataType::Int64, false),
        Field::new("pinned", DataType::Boolean, false),
        Field::new("recall_count", DataType::Int64, false),
        Field::new("last_recalled", DataType::Int64, true),
        // Last: a table from schema 1 gets it appended (`add_own_vector_column`).
        vector_field(OWN_VECTOR_COLUMN),
    ]))
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn from_micros(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(v).unwrap_or_default()
}

/// A filter for the rows whose `source_turns` (the turn ids as a JSON list) hold `turn`: a LIKE
/// wildcard in the id only widens the match, so callers check each row exactly.
fn cites_turn(turn: &str) -> String {
    let quoted = serde_json::to_string(turn).expect("strings serialise");
    format!("source_turns LIKE {}", sql_quote(&format!("%{quoted}%")))
}

fn sql_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn to_batch(memories: &[Memory]) -> Result<RecordBatch, StoreError> {
    let strings =
        |f: &dyn Fn(&Memory) -> String| StringArray::from_iter_values(memories.iter().map(f));
    let ints = |f: &dyn Fn(&Memory) -> i64| Int64Array::from_iter_values(memories.iter().map(f));
    let vectors = FixedSizeListArray::from_iter_primitive::<Float32Type, _, _>(
        memories
            .iter()
            .map(|m| Some(m.vector.iter().map(|v| Some(*v)).collect::<Vec<_>>())),
        EMBEDDING_DIMS as i32,
    );
    // An own vector not computed yet is stored as null, which the daemon looks for.
    let own_vectors = FixedSizeListArray::from_iter_primitive::<Float32Type, _, _>(
        memories.iter().map(|m| {
            m.has_own_vector()
                .then(|| m.own_vector.iter().map(|v| Some(*v)).collect::<Vec<_>>())
        }),
        EMBEDDING_DIMS as i32,
    );
    Ok(RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(strings(&|m| m.id.clone())),
            Arc::new(strings(&|m| m.kind.as_str().to_string())),
            Arc::new(strings(&|m| m.text.clone())),
            Arc::new(vectors),
            Arc::new(StringArray::from_iter(
                memories.iter().map(|m| m.session.clone()),
            )),
            Arc::new(ints(&|m| micros(m.time_start))),
            Arc::new(ints(&|m| micros(m.time_end))),
            Arc::new(strings(&|m| {
                serde_json::to_string(&m.source_turns).expect("strings serialise")
            })),
            Arc::new(ints(&|m| micros(m.created))),
            Arc::new(ints(&|m| micros(m.updated))),
            Arc::new(BooleanArray::from_iter(
                memories.iter().map(|m| Some(m.pinned)),
            )),
            Arc::new(ints(&|m| i64::from(m.recall_count))),
            Arc::new(Int64Array::from_iter(
                memories.iter().map(|m| m.last_recalled.map(micros)),
            )),
            Arc::new(own_vectors),
        ],
    )?)
}

fn column<'b, T: 'static>(batch: &'b RecordBatch, name: &str) -> Option<&'b T> {
    batch.column_by_name(name)?.as_any().downcast_ref::<T>()
}

/// Reads rows back; columns not selected get defaults. `_distance`/`_score` become the returned score.
fn from_batch(batch: &RecordBatch) -> Vec<(Memory, Option<f32>)> {
    let ids = column::<StringArray>(batch, "id");
    let kinds = column::<StringArray>(batch, "kind");
    let texts = column::<StringArray>(batch, "text");
    let vectors = column::<FixedSizeListArray>(batch, "vector");
    let own_vectors = column::<FixedSizeListArray>(batch, OWN_VECTOR_COLUMN);
    let sessions = column::<StringArray>(batch, "session");
    let int = |name: &str| column::<Int64Array>(batch, name);
    let (starts, ends, created, updated) = (
        int("time_start"),
        int("time_end"),
        int("created"),
        int("updated"),
    );
    let (recalls, last) = (int("recall_count"), int("last_recalled"));
    let turns = column::<StringArray>(batch, "source_turns");
    let pinned = column::<BooleanArray>(batch, "pinned");
    let distance = column::<Float32Array>(batch, "_distance")
        .or_else(|| column::<Float32Array>(batch, "_score"));
    (0..batch.num_rows())
        .map(|i| {
            let s = |a: Option<&StringArray>| {
                a.filter(|a| !a.is_null(i)).map(|a| a.value(i).to_string())
            };
            let t = |a: Option<&Int64Array>| a.filter(|a| !a.is_null(i)).map(|a| a.value(i));
            let floats = |a: Option<&FixedSizeListArray>| {
                a.filter(|v| !v.is_null(i))
                    .and_then(|v| {
                        v.value(i)
                            .as_any()
                            .downcast_ref::<Float32Array>()
                            .map(|f| f.values().to_vec())
                    })
                    .unwrap_or_default()
            };
            let memory = Memory {
                id: s(ids).unwrap_or_default(),
                kind: s(kinds)
                    .and_then(|k| k.parse().ok())
                    .unwrap_or(MemoryKind::Chunk),
                text: s(texts).unwrap_or_default(),
                vector: floats(vectors),
                own_vector: floats(own_vectors),
                session: s(sessions),
                time_start: from_micros(t(starts).unwrap_or(0)),
                time_end: from_micros(t(ends).unwrap_or(0)),
                source_turns: s(turns)
                    .and_then(|j| serde_json::from_str(&j).ok())
                    .unwrap_or_default(),
                created: from_micros(t(created).unwrap_or(0)),
                updated: from_micros(t(updated).unwrap_or(0)),
                pinned: pinned.is_some_and(|p| !p.is_null(i) && p.value(i)),
                recall_count: t(recalls).unwrap_or(0).max(0) as u32,
                last_recalled: t(last).map(from_micros),
            };
            (
                memory,
                distance.filter(|d| !d.is_null(i)).map(|d| d.value(i)),
            )
        })
        .collect()
}

/// Every column but the vectors.
const ROW_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "text",
    "session",
    "time_start",
    "time_end",
    "source_turns",
    "created",
    "updated",
    "pinned",
    "recall_count",
    "last_recalled",
];

/// What a search reads when vectors are skipped: the own words' vector still ranks (`fuse`).
fn search_columns() -> Vec<&'static str> {
    ROW_COLUMNS
        .iter()
        .copied()
        .chain([OWN_VECTOR_COLUMN])
        .collect()
}

fn filter_sql(filter: &MemoryFilter) -> Option<String> {
    let mut parts = Vec::new();
    if !filter.kinds.is_empty() {
        let kinds: Vec<_> = filter.kinds.iter().map(|k| sql_quote(k.as_str())).collect();
        parts.push(format!("kind IN ({})", kinds.join(", ")));
    }
    if let Some(session) = &filter.session {
        parts.push(format!("session = {}", sql_quote(session)));
    }
    if let Some(after) = filter.after {
        parts.push(format!("time_end >= {}", micros(after)));
    }
    if let Some(before) = filter.before {
        parts.push(format!("time_start < {}", micros(before)));
    }
    if let Some(session) = &filter.exclude_session {
        parts.push(format!(
            "(session IS NULL OR session != {})",
            sql_quote(session)
        ));
    }
    if filter.pinned_only {
        parts.push("pinned = true".into());
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct VersionFile {
    schema_version: u32,
}

impl MemoryStore {
    /// Opens (creating if needed) the store at `location`, checking its schema version.
    pub async fn open(location: &StoreLocation) -> Result<Self, StoreError> {
        let dir = location.dir();
        crate::paths::ensure_private_dir(dir)?;
        let version_path = dir.join("schema.json");
        match std::fs::read(&version_path) {
            Ok(bytes) => {
                let found = serde_json::from_slice::<VersionFile>(&bytes)
                    .map_err(|e| StoreError::Corrupt {
                        dir: dir.into(),
                        reason: format!("schema.json: {e}"),
                    })?
                    .schema_version;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        dir: dir.into(),
                        found,
                    });
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        let (uri, options) = match &location.remote {
            Some(remote) => (remote.uri.as_str(), remote.options.clone()),
            None => {
                let uri = dir.to_str().ok_or_else(|| StoreError::Corrupt {
                    dir: dir.into(),
                    reason: "path is not UTF-8".into(),
                })?;
                (uri, Vec::new())
            }
        };
        let unreachable = |e: lancedb::Error| match &location.remote {
            Some(_) => StoreError::Unreachable {
                place: location.describe(),
                reason: concise(&e),
            },
            None => StoreError::Lance(e),
        };
        let connection = lancedb::connect(uri)
            .storage_options(options)
            // Every read sees the latest commit, including other processes' and machines'.
            .read_consistency_interval(Duration::from_millis(0))
            .execute()
            .await
            .map_err(unreachable)?;
        let names = connection
            .table_names()
            .execute()
            .await
            .map_err(unreachable)?;
        let table = if names.iter().any(|n| n == TABLE) {
            connection
                .open_table(TABLE)
                .execute()
                .await
                .map_err(|e| StoreError::Corrupt {
                    dir: dir.into(),
                    reason: e.to_string(),
                })?
        } else {
            match connection
                .create_empty_table(TABLE, schema())
                .execute()
                .await
            {
                Ok(table) => table,
                // Another process (or machine) created it first.
                Err(lancedb::Error::TableAlreadyExists { .. }) => {
                    connection.open_table(TABLE).execute().await?
                }
                Err(e) => match connection.open_table(TABLE).execute().await {
                    Ok(table) => table,
                    Err(_) => return Err(unreachable(e)),
                },
            }
        };
        let store = Self {
            location: location.clone(),
            _connection: connection,
            table,
            index_seen: Arc::new(AtomicU8::new(INDEX_UNKNOWN)),
        };
        store.add_own_vector_column().await?;
        let body = serde_json::to_vec(&VersionFile {
            schema_version: SCHEMA_VERSION,
        })
        .expect("serialises");
        if std::fs::read(&version_path).ok().as_deref() != Some(body.as_slice()) {
            crate::paths::write_private_atomic(&version_path, &body)?;
        }
        Ok(store)
    }

    /// Migrates a schema-1 table: appends `own_vector`, empty (null) in every row until the daemon
    /// fills it in. Searches and recall work meanwhile: a row without it is judged by its text
    /// embedded at recall time, as before.
    async fn add_own_vector_column(&self) -> Result<(), StoreError> {
        let has = |schema: SchemaRef| schema.field_with_name(OWN_VECTOR_COLUMN).is_ok();
        if has(self.table.schema().await?) {
            return Ok(());
        }
        let column = Arc::new(Schema::new(vec![vector_field(OWN_VECTOR_COLUMN)]));
        let added = self
            .retrying("add the own_vector column", || {
                let column = column.clone();
                async move {
                    self.table
                        .add_columns()
                        .transform(lancedb::table::NewColumnTransform::AllNulls(column))
                        .execute()
                        .await
                        .map(|_| ())
                }
            })
            .await;
        match added {
            Ok(()) => {
                tracing::info!("memory table migrated to schema {SCHEMA_VERSION} (own_vector)");
                Ok(())
            }
            // Another process migrated it first.
            Err(_) if has(self.table.schema().await?) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// How many memories' own words have not been embedded yet (rows written before schema 2).
    pub async fn count_without_own_vector(&self) -> Result<usize, StoreError> {
        Ok(self
            .table
            .count_rows(Some(format!("{OWN_VECTOR_COLUMN} IS NULL")))
            .await?)
    }

    /// Up to `limit` memories whose own words have not been embedded yet (rows written before
    /// schema 2), with their vectors.
    pub async fn without_own_vector(&self, limit: usize) -> Result<Vec<Memory>, StoreError> {
        self.query_rows(Some(format!("{OWN_VECTOR_COLUMN} IS NULL")), Some(limit))
            .await
    }

    /// Where the table is.
    pub fn location(&self) -> &StoreLocation {
        &self.location
    }

    /// The table's bytes on this machine's disk (0 when it is on object storage).
    pub fn local_bytes(&self) -> u64 {
        match self.location.remote {
            Some(_) => 0,
            None => disk_bytes(self.location.dir()),
        }
    }

    /// Runs a write, retrying conflicts with other writers; a write is never dropped silently.
    async fn retrying<T, F, Fut>(&self, what: &str, mut write: F) -> Result<T, StoreError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = lancedb::Result<T>>,
    {
        let mut delay = Duration::from_millis(20);
        for attempt in 1..=8 {
            match write().await {
                Ok(v) => return Ok(v),
                Err(e) if attempt < 8 && e.to_string().to_lowercase().contains("conflict") => {
                    tracing::warn!("{what}: commit conflict, retrying ({attempt}): {e}");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(e) => return Err(e.into()),
            }
        }
        unreachable!("the last attempt returns")
    }

    /// Inserts new memories and replaces existing ones with the same id, in one commit.
    pub(super) async fn upsert(&self, memories: &[Memory]) -> Result<(), StoreError> {
        if memories.is_empty() {
            return Ok(());
        }
        let batch = to_batch(memories)?;
        self.retrying("upsert", || {
            let reader: Box<dyn RecordBatchReader + Send> =
                Box::new(RecordBatchIterator::new(vec![Ok(batch.clone())], schema()));
            let mut merge = self.table.merge_insert(&["id"]);
            merge
                .when_matched_update_all(None)
                .when_not_matched_insert_all();
            async move { merge.execute(reader).await.map(|_| ()) }
        })
        .await?;
        self.ensure_indexes().await;
        Ok(())
    }

    /// Creates the full-text index once there is text to index, and the scalar indexes on `id`
    /// and `kind`; new rows are searched without them until the next optimise.
    async fn ensure_indexes(&self) {
        let Ok(indexes) = self.table.list_indices().await else {
            return;
        };
        // Full-text search, and lookups by id and kind (the facts' chains, rows by id) instead
        // of a scan of every row.
        let wanted = [
            ("text", Index::FTS(FtsIndexBuilder::default())),
            ("id", Index::BTree(BTreeIndexBuilder::default())),
            ("kind", Index::Bitmap(BitmapIndexBuilder::default())),
        ];
        for (column, index) in wanted {
            if indexes.iter().any(|i| i.columns == [column]) {
                continue;
            }
            if let Err(e) = self.table.create_index(&[column], index).execute().await {
                tracing::warn!("could not build the index on {column} yet: {e}");
            }
        }
    }

    async fn query_rows(
        &self,
        filter: Option<String>,
        limit: Option<usize>,
    ) -> Result<Vec<Memory>, StoreError> {
        let mut query = self.table.query();
        if let Some(f) = filter {
            query = query.only_if(f);
        }
        if let Some(limit) = limit {
            query = query.limit(limit);
        }
        let batches: Vec<RecordBatch> = query.execute().await?.try_collect().await?;
        Ok(batches
            .iter()
            .flat_map(from_batch)
            .map(|(m, _)| m)
            .collect())
    }

    /// The rows matching `filter` with only `columns` read (the others left empty).
    async fn rows_with(&self, filter: String, columns: &[&str]) -> Result<Vec<Memory>, StoreError> {
        let batches: Vec<RecordBatch> = self
            .table
            .query()
            .only_if(filter)
            .select(Select::columns(columns))
            .execute()
            .await?
            .try_collect()
            .await?;
        Ok(batches
            .iter()
            .flat_map(from_batch)
            .map(|(m, _)| m)
            .collect())
    }

    /// One memory by id.
    pub async fn get(&self, id: &str) -> Result<Option<Memory>, StoreError> {
        Ok(self
            .query_rows(Some(format!("id = {}", sql_quote(id))), Some(1))
            .await?
            .into_iter()
            .next())
    }

    /// Every fact about one subject, oldest first (`facts::subject_prefix`): the newest is what
    /// is true now, the others are superseded.
    pub async fn fact_chain(&self, fact_id: &str) -> Result<Vec<Memory>, StoreError> {
        let Some(prefix) = super::facts::prefix_of(fact_id) else {
            return Ok(self.get(fact_id).await?.into_iter().collect());
        };
        let mut chain = self
            .query_rows(Some(format!("kind = 'fact' AND id LIKE '{prefix}%'")), None)
            .await?;
        chain.sort_by(|a, b| (a.time_start, &a.id).cmp(&(b.time_start, &b.id)));
        Ok(chain)
    }

    /// The memories drawn from `turn` (its chunk, the facts found in it, a summary citing it),
    /// without their vectors.
    pub async fn drawn_from(&self, turn: &str) -> Result<Vec<Memory>, StoreError> {
        // Each row is checked exactly below (`cites_turn` only narrows the rows read).
        Ok(self
            .rows_with(cites_turn(turn), ROW_COLUMNS)
            .await?
            .into_iter()
            .filter(|m| m.source_turns.iter().any(|t| t == turn))
            .collect())
    }

    /// The chains recall needs, read once per recall (ids, turns and times; no texts or
    /// vectors): those of the candidate facts `fact_ids` and of the facts drawn from the
    /// candidate turns `turns`, whole, so each one's newest is known. Only those chains are read:
    /// at 100k memories reading every fact's took 40 ms of a 94 ms recall.
    pub async fn fact_chains_around(
        &self,
        fact_ids: &[String],
        turns: &[String],
    ) -> Result<super::chains::FactChains, StoreError> {
        let mut prefixes: std::collections::BTreeSet<String> = fact_ids
            .iter()
            .filter_map(|id| super::facts::prefix_of(id))
            .map(str::to_string)
            .collect();
        if !turns.is_empty() {
            // Each row is checked exactly below (`cites_turn` only narrows the rows read).
            let drawn_from = turns
                .iter()
                .map(|turn| cites_turn(turn))
                .collect::<Vec<_>>()
                .join(" OR ");
            let drawn = self
                .rows_with(
                    format!("kind = 'fact' AND ({drawn_from})"),
                    &["id", "kind", "source_turns"],
                )
                .await?;
            prefixes.extend(
                drawn
                    .iter()
                    .filter(|m| m.source_turns.iter().any(|t| turns.contains(t)))
                    .filter_map(|m| super::facts::prefix_of(&m.id))
                    .map(str::to_string),
            );
        }
        if prefixes.is_empty() {
            return Ok(super::chains::FactChains::default());
        }
        // A subject prefix is letters, digits and dashes (`facts::prefix_of`): safe in a pattern.
        let chains = prefixes
            .iter()
            .map(|prefix| format!("id LIKE '{prefix}%'"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let columns = ["id", "kind", "source_turns", "time_start"];
        let facts = self
            .rows_with(format!("kind = 'fact' AND ({chains})"), &columns)
            .await?;
        Ok(super::chains::FactChains::new(facts))
    }

    /// The turn said next after each of `turns` (chunks) in its session, keyed by the earlier
    /// chunk's id: the chunk of that session starting soonest after it, within `within`. After a
    /// question, the answer to it. One read for all of them; a turn said at the same instant is
    /// not taken as the next one.
    pub async fn next_turns(
        &self,
        turns: &[&Memory],
        within: chrono::Duration,
    ) -> Result<std::collections::HashMap<String, Memory>, StoreError> {
        let asked: Vec<(&Memory, &str)> = turns
            .iter()
            .filter(|m| m.kind == MemoryKind::Chunk)
            .filter_map(|m| Some((*m, m.session.as_deref()?)))
            .collect();
        if asked.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        let windows = asked
            .iter()
            .map(|(m, session)| {
                format!(
                    "(session = {} AND time_start > {} AND time_start <= {})",
                    sql_quote(session),
                    micros(m.time_end),
                    micros(m.time_end + within)
                )
            })
            .collect::<Vec<_>>()
            .join(" OR ");
        let rows = self
            .rows_with(format!("kind = 'chunk' AND ({windows})"), ROW_COLUMNS)
            .await?;
        let mut next = std::collections::HashMap::new();
        for (m, session) in asked {
            let soonest = rows
                .iter()
                .filter(|r| r.session.as_deref() == Some(session) && r.time_start > m.time_end)
                .filter(|r| r.time_start <= m.time_end + within)
                .min_by(|a, b| (a.time_start, &a.id).cmp(&(b.time_start, &b.id)));
            if let Some(reply) = soonest {
                next.insert(m.id.clone(), reply.clone());
            }
        }
        Ok(next)
    }

    /// The memories with these ids, in one read, with what search reads of them (their own
    /// words' vector, not the stored one).
    pub async fn rows_by_ids(&self, ids: &[String]) -> Result<Vec<Memory>, StoreError> {
        self.rows_with_ids(ids, &search_columns()).await
    }

    /// The rows with these ids, with only `columns` read.
    async fn rows_with_ids(
        &self,
        ids: &[String],
        columns: &[&str],
    ) -> Result<Vec<Memory>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let quoted: Vec<String> = ids.iter().map(|id| sql_quote(id)).collect();
        self.rows_with(format!("id IN ({})", quoted.join(", ")), columns)
            .await
    }

    /// The full id of the memory whose id is `id_or_prefix` or starts with it (as session ids
    /// are given): `Ok(None)` when none does, an error naming them when several do.
    pub async fn resolve_id(&self, id_or_prefix: &str) -> Result<Option<String>, StoreError> {
        // mneme's ids are letters, digits and dashes; anything else (an imported id) is taken
        // whole, never as a prefix in a LIKE pattern.
        if id_or_prefix.is_empty()
            || !id_or_prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Ok(self.get(id_or_prefix).await?.map(|m| m.id));
        }
        // One query answers both: the id itself (which wins over longer ids it starts) or every
        // id it starts.
        let ids: Vec<String> = self
            .query_rows(Some(format!("id LIKE '{id_or_prefix}%'")), Some(6))
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        if ids.iter().any(|id| id == id_or_prefix) {
            return Ok(Some(id_or_prefix.to_string()));
        }
        match ids.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.clone())),
            many => Err(StoreError::AmbiguousId {
                prefix: id_or_prefix.to_string(),
                matches: many.join(", "),
            }),
        }
    }

    /// Memories matching `filter`, newest first; `limit` None lists all.
    pub async fn list(
        &self,
        filter: &MemoryFilter,
        limit: Option<usize>,
    ) -> Result<Vec<Memory>, StoreError> {
        let mut rows = self.query_rows(filter_sql(filter), None).await?;
        rows.sort_by(|a, b| b.time_end.cmp(&a.time_end).then_with(|| a.id.cmp(&b.id)));
        if let Some(limit) = limit {
            rows.truncate(limit);
        }
        Ok(rows)
    }

    /// Memories matching `filter`, newest first, at most `limit`, without their vectors (what a
    /// listing shows). The filter runs in the query; only the ids and times of the matches are read
    /// to pick the newest, then just those rows.
    pub async fn browse(
        &self,
        filter: &MemoryFilter,
        limit: usize,
    ) -> Result<Vec<Memory>, StoreError> {
        let mut newest = self
            .table
            .query()
            .select(Select::columns(&["id", "time_end"]));
        if let Some(f) = filter_sql(filter) {
            newest = newest.only_if(f);
        }
        let batches: Vec<RecordBatch> = newest.execute().await?.try_collect().await?;
        let mut keys: Vec<(DateTime<Utc>, String)> = batches
            .iter()
            .flat_map(from_batch)
            .map(|(m, _)| (m.time_end, m.id))
            .collect();
        keys.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        keys.truncate(limit);
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = keys.into_iter().map(|(_, id)| id).collect();
        let mut rows = self.rows_with_ids(&ids, ROW_COLUMNS).await?;
        rows.sort_by(|a, b| b.time_end.cmp(&a.time_end).then_with(|| a.id.cmp(&b.id)));
        Ok(rows)
    }

    /// Number of memories of each kind.
    pub async fn count(&self, filter: &MemoryFilter) -> Result<usize, StoreError> {
        Ok(self.table.count_rows(filter_sql(filter)).await?)
    }

    /// Turn ids already inside `chunk` memories of a session: those are never chunked again.
    pub async fn covered_turns(&self, session: &str) -> Result<HashSet<String>, StoreError> {
        let filter = format!("kind = 'chunk' AND session = {}", sql_quote(session));
        Ok(self
            .rows_with(filter, &["source_turns"])
            .await?
            .into_iter()
            .flat_map(|m| m.source_turns)
            .collect())
    }

    /// The newest `summary` memory of a session, if consolidation has written one.
    pub async fn latest_summary(&self, session: &str) -> Result<Option<Memory>, StoreError> {
        let filter = MemoryFilter {
            kinds: vec![MemoryKind::Summary],
            session: Some(session.to_string()),
            ..MemoryFilter::default()
        };
        Ok(self.browse(&filter, 1).await?.pop())
    }

    /// The newest summary text of every session that has one, in one query.
    pub async fn latest_summaries(
        &self,
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let summaries = self
            .rows_with(
                "kind = 'summary' AND session IS NOT NULL".into(),
                &["session", "time_end", "text"],
            )
            .await?;
        let mut newest: std::collections::HashMap<String, (DateTime<Utc>, String)> =
            Default::default();
        for memory in summaries {
            let Some(session) = memory.session else {
                continue;
            };
            match newest.get(&session) {
                Some((time, _)) if *time >= memory.time_end => {}
                _ => {
                    newest.insert(session, (memory.time_end, memory.text));
                }
            }
        }
        Ok(newest.into_iter().map(|(s, (_, text))| (s, text)).collect())
    }

    /// Nearest memories to `vector` by cosine distance, best first.
    pub async fn vector_search(
        &self,
        vector: &[f32],
        k: usize,
        filter: &MemoryFilter,
    ) -> Result<Vec<Hit>, StoreError> {
        Ok(self
            .vector_search_scored(vector, k, filter)
            .await?
            .into_iter()
            .map(|(hit, _)| hit)
            .collect())
    }

    /// `vector_search` with each hit's cosine similarity to `vector` (1 same, 0 unrelated).
    /// Uses the vector index once the table has one (`ann`), re-ranked by exact distance.
    pub async fn vector_search_scored(
        &self,
        vector: &[f32],
        k: usize,
        filter: &MemoryFilter,
    ) -> Result<Vec<(Hit, f32)>, StoreError> {
        self.nearest(vector, k, filter, false).await
    }

    /// `vector_search_scored` comparing the query with every row (the index's ground truth).
    pub async fn vector_search_exact(
        &self,
        vector: &[f32],
        k: usize,
        filter: &MemoryFilter,
    ) -> Result<Vec<(Hit, f32)>, StoreError> {
        self.nearest(vector, k, filter, true).await
    }

    async fn nearest(
        &self,
        vector: &[f32],
        k: usize,
        filter: &MemoryFilter,
        exact: bool,
    ) -> Result<Vec<(Hit, f32)>, StoreError> {
        let query = self
            .table
            .query()
            .nearest_to(vector)?
            .column(ann::VECTOR_COLUMN)
            .distance_type(DistanceType::Cosine)
            .limit(k);
        let search = if exact {
            ann::Search::Exact
        } else if self.index_quantised().await {
            ann::Search::IndexRefined
        } else {
            ann::Search::IndexOfFullVectors
        };
        let mut query = ann::tuned(query, k, search)?;
        if let Some(f) = filter_sql(filter) {
            query = query.only_if(f);
        }
        if filter.skip_vectors {
            query = query.select(Select::columns(&search_columns()));
        }
        let batches: Vec<RecordBatch> = query.execute().await?.try_collect().await?;
        let mut hits: Vec<(Hit, f32)> = batches
            .iter()
            .flat_map(from_batch)
            .map(|(m, distance)| (hit(m), 1.0 - distance.unwrap_or(1.0)))
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
        Ok(hits)
    }

    /// BM25 full-text matches for `text`, best first, the same on every run: equal scores are
    /// ordered by id, and a group of equals cut by the limit is fetched whole before the cut.
    /// (The index returns equals in any order, and which of them fall inside the limit changed
    /// from run to run: the same search over the same memories ranked its evidence first or
    /// second.)
    pub async fn text_search(
        &self,
        text: &str,
        k: usize,
        filter: &MemoryFilter,
    ) -> Result<Vec<Hit>, StoreError> {
        let hits = self.text_search_scored(text, k, filter).await?;
        Ok(hits.into_iter().map(|(m, _)| m).collect())
    }

    /// `text_search` with each match's BM25 score (the same for a memory whatever the filter,
    /// so a memory two searches found scores the same in both).
    pub async fn text_search_scored(
        &self,
        text: &str,
        k: usize,
        filter: &MemoryFilter,
    ) -> Result<Vec<(Hit, f32)>, StoreError> {
        let terms = fts_terms(text);
        if terms.is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let mut said = SaidWords::of_query(&terms);
        // One past the limit tells whether the k-th match has equals beyond it.
        let mut limit = k + 1;
        let mut hits = loop {
            let Some(hits) = self.text_matches(&terms, limit, filter).await? else {
                // No index yet (an empty store): vector search alone answers.
                return Ok(Vec::new());
            };
            // The equals of the k-th match all came back when the last one fetched is below it.
            let whole = hits.len() < limit || hits[limit - 1].1 < hits[k - 1].1;
            if whole || limit >= MAX_TIE_FETCH * k {
                break hits;
            }
            limit *= 2;
        };
        hits.truncate(k);
        // A turn matching by its speaker's name alone says nothing the question asks.
        hits.retain(|(m, _)| said.in_what_is_said(&m.text));
        Ok(hits)
    }

    /// One full-text query: up to `limit` matches with their BM25 scores, best first and equals
    /// by id; `None` when there is no full-text index yet.
    async fn text_matches(
        &self,
        terms: &str,
        limit: usize,
        filter: &MemoryFilter,
    ) -> Result<Option<Vec<(Hit, f32)>>, StoreError> {
        let mut query = self
            .table
            .query()
            .full_text_search(FullTextSearchQuery::new(terms.to_string()))
            .limit(limit);
        if let Some(f) = filter_sql(filter) {
            query = query.only_if(f);
        }
        if filter.skip_vectors {
            query = query.select(Select::columns(&search_columns()));
        }
        let stream = match query.execute().await {
            Ok(stream) => stream,
            Err(e) => {
                tracing::debug!("full-text search unavailable: {e}");
                return Ok(None);
            }
        };
        let batches: Vec<RecordBatch> = stream.try_collect().await?;
        let mut hits: Vec<(Hit, f32)> = batches
            .iter()
            .flat_map(from_batch)
            .map(|(m, score)| (hit(m), score.unwrap_or(0.0)))
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
        Ok(Some(hits))
    }

    /// Deletes memories by id, then purges old versions so the text is gone from disk.
    pub(super) async fn delete(&self, ids: &[String]) -> Result<usize, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let list: Vec<_> = ids.iter().map(|i| sql_quote(i)).collect();
        let predicate = format!("id IN ({})", list.join(", "));
        let before = self.table.count_rows(Some(predicate.clone())).await?;
        self.retrying("delete", || {
            let p = predicate.clone();
            async move { self.table.delete(p.as_str()).await.map(|_| ()) }
        })
        .await?;
        self.purge().await?;
        Ok(before)
    }

    /// Records that memories were recalled into a prompt (reinforcement for the forgetting curve).
    pub(super) async fn record_recall(
        &self,
        ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let list: Vec<_> = ids.iter().map(|i| sql_quote(i)).collect();
        let predicate = format!("id IN ({})", list.join(", "));
        self.retrying("record recall", || {
            let p = predicate.clone();
            async move {
                self.table
                    .update()
                    .only_if(p)
                    .column("recall_count", "recall_count + 1")
                    .column("last_recalled", micros(now).to_string())
                    .execute()
                    .await
                    .map(|_| ())
            }
        })
        .await
    }

    /// Compacts small fragments and folds new rows into the indexes (after large imports), and
    /// builds the vector index once the table is big enough to need one.
    pub(super) async fn optimize(&self, index: ann::IndexKind) -> Result<(), StoreError> {
        self.table.optimize(OptimizeAction::All).await?;
        self.note_index(ann::ensure(&self.table, index).await?.as_ref());
        Ok(())
    }

    /// Whether a search must refine the index's distances, from what this process last saw of
    /// it; the first search reads the index's statistics.
    async fn index_quantised(&self) -> bool {
        match self.index_seen.load(Ordering::Relaxed) {
            INDEX_FULL_VECTORS => false,
            INDEX_QUANTISED => true,
            // Statistics that cannot be read count as quantised: refining is always correct.
            _ => self.note_index(ann::state(&self.table).await.ok().flatten().as_ref()),
        }
    }

    /// Records what this process saw of the vector index; true when it is quantised (or absent).
    fn note_index(&self, index: Option<&ann::IndexState>) -> bool {
        let quantised = index.is_none_or(ann::IndexState::quantised);
        let seen = if quantised {
            INDEX_QUANTISED
        } else {
            INDEX_FULL_VECTORS
        };
        self.index_seen.store(seen, Ordering::Relaxed);
        quantised
    }

    /// What the vector index covers (None: no index yet, every search is exact).
    pub async fn vector_index(&self) -> Result<Option<ann::IndexState>, StoreError> {
        Ok(ann::state(&self.table).await?)
    }

    /// Scheduled upkeep: compacts fragments, folds new rows into the indexes, and prunes versions
    /// older than `keep` (readers in other processes may still be on a recent one).
    pub(super) async fn upkeep(&self, keep: chrono::Duration) -> Result<Upkeep, StoreError> {
        let before = self.local_bytes();
        let versions_before = self.table.list_versions().await?.len();
        self.table.optimize(OptimizeAction::All).await?;
        self.note_index(ann::ensure(&self.table, ann::DEFAULT_INDEX).await?.as_ref());
        self.table
            .optimize(OptimizeAction::Prune {
                older_than: Some(keep),
                delete_unverified: Some(false),
                error_if_tagged_old_versions: Some(false),
            })
            .await?;
        Ok(Upkeep {
            disk_bytes_before: before,
            disk_bytes_after: self.local_bytes(),
            versions_before,
            versions_after: self.table.list_versions().await?.len(),
        })
    }

    /// Compacts data files, rebuilds the full-text index (whose token lists would keep deleted words)
    /// and removes every old version, so deleted or replaced text leaves the disk.
    pub(super) async fn purge(&self) -> Result<(), StoreError> {
        self.table.optimize(OptimizeAction::All).await?;
        if self.table.count_rows(None).await? > 0 {
            self.table
                .create_index(&["text"], Index::FTS(FtsIndexBuilder::default()))
                .replace(true)
                .execute()
                .await?;
        }
        self.table
            .optimize(OptimizeAction::Prune {
                older_than: Some(chrono::Duration::zero()),
                // Files no version lists yet may be another machine's commit in flight: on a
                // shared table only the files of the removed versions go.
                delete_unverified: Some(!self.location.is_shared()),
                error_if_tagged_old_versions: Some(false),
            })
            .await?;
        Ok(())
    }
}

/// What one upkeep pass did.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Upkeep {
    pub disk_bytes_before: u64,
    pub disk_bytes_after: u64,
    pub versions_before: usize,
    pub versions_after: usize,
}

/// Object storage errors arrive as one debug dump of nested errors, with source paths; a user
/// needs the cause they can act on. Other errors are shown as they are.
fn concise(e: &lancedb::Error) -> String {
    let text = crate::error_chain::root_cause(e);
    const CAUSES: [(&str, &str); 9] = [
        ("ConnectionRefused", "connection refused"),
        ("dns error", "the host name does not resolve"),
        ("TimedOut", "timed out"),
        ("NoSuchBucket", "no such bucket"),
        (
            "InvalidAccessKeyId",
            "the access key is not known: check AWS_ACCESS_KEY_ID",
        ),
        (
            "SignatureDoesNotMatch",
            "the secret key does not match: check AWS_SECRET_ACCESS_KEY",
        ),
        (
            "AccessDenied",
            "access denied: check the credentials and the bucket's policy",
        ),
        (
            "Forbidden",
            "access denied: check the credentials and the bucket's policy",
        ),
        (
            "credential",
            "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        ),
    ];
    if !["S3", "AWS", "RetryError"].iter().any(|m| text.contains(m)) {
        return text;
    }
    match CAUSES.iter().find(|(needle, _)| text.contains(needle)) {
        Some((_, cause)) => cause.to_string(),
        None => {
            tracing::warn!("object storage: {text}");
            let head = text.split([',', '{', '(']).next().unwrap_or("").trim();
            format!("{head} (the log has the details)")
        }
    }
}

/// Bytes of every file under `dir`.
fn disk_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => disk_bytes(&e.path()),
            Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
}

fn hit(m: Memory) -> Hit {
    m
}

/// Full-text query terms: words only, so user punctuation never becomes query syntax, and no
/// single letter. The index splits "Ines's" and "that's" at the apostrophe, so a possessive in
/// a question ("What is Ines's new job?") matched every turn saying "that's" or "it's" by its
/// "s" alone, and those filled the word list ahead of the turns sharing a real word.
fn fts_terms(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| {
            let mut chars = w.chars();
            match (chars.next(), chars.next()) {
                (None, _) => false,
                (Some(c), None) => c.is_numeric(),
                _ => true,
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(n: usize) -> Memory {
        let mut vector = vec![0.0; EMBEDDING_DIMS];
        vector[n % EMBEDDING_DIMS] = 1.0;
        let at = from_micros(1_700_000_000_000_000 + n as i64 * 60_000_000);
        let mut m = Memory::new(MemoryKind::Note, format!("note number {n}"), vector, at);
        m.id = format!("n-{n:04}");
        m
    }

    /// A store in a temporary directory, which lives as long as the returned guard.
    async fn temp_store() -> (tempfile::TempDir, MemoryStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::open(&StoreLocation::local(dir.path()))
            .await
            .unwrap();
        (dir, store)
    }

    #[test]
    fn query_terms_are_words_without_punctuation_or_single_letters() {
        assert_eq!(fts_terms("What is Ines's new job?"), "What is Ines new job");
        assert_eq!(
            fts_terms("don't (AND) I'm: 5k, 7 days"),
            "don AND 5k 7 days"
        );
        assert_eq!(fts_terms("Inês’s café"), "Inês café");
        assert_eq!(fts_terms("? ' s"), "");
    }

    #[test]
    fn an_object_store_failure_is_told_by_its_cause_without_the_dump() {
        let refused = lancedb::Error::Runtime {
            message: r#"Invalid input, Failed to connect to namespace: IO { source: Generic { store: "S3", source: ListRequest { source: RetryError(RetryErrorImpl { inner: Http(HttpError { kind: Connect, source: ConnectError("tcp connect error", 127.0.0.1:1, Os { code: 111, kind: ConnectionRefused, message: "Connection refused" })) }) } }, location: Location { file: "/root/.cargo/registry/src/x/lance-io/src/object_store.rs" } }"#.into(),
        };
        assert_eq!(concise(&refused), "connection refused");
        let denied = lancedb::Error::Runtime {
            message: r#"Generic { store: "S3", source: Client { status: 403, body: "<Code>SignatureDoesNotMatch</Code>" } }"#.into(),
        };
        assert!(concise(&denied).contains("AWS_SECRET_ACCESS_KEY"));
        let unknown = lancedb::Error::Runtime {
            message: r#"Generic { store: "S3", source: Something { odd: 1 } }"#.into(),
        };
        let said = concise(&unknown);
        assert!(
            said.ends_with("Generic (the log has the details)"),
            "{said}"
        );
        let local = lancedb::Error::Runtime {
            message: "disk full".into(),
        };
        assert!(concise(&local).ends_with("disk full"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn browsing_filters_and_limits_in_the_query_and_reads_no_vectors() {
        let (_dir, store) = temp_store().await;
        let rows: Vec<Memory> = (0..50).map(memory).collect();
        store.upsert(&rows).await.unwrap();
        let newest = store.browse(&MemoryFilter::default(), 5).await.unwrap();
        let ids: Vec<&str> = newest.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["n-0049", "n-0048", "n-0047", "n-0046", "n-0045"]);
        assert!(
            newest
                .iter()
                .all(|m| m.vector.is_empty() && !m.text.is_empty())
        );
        let before = MemoryFilter {
            before: Some(rows[10].time_start),
            ..MemoryFilter::default()
        };
        let older = store.browse(&before, 100).await.unwrap();
        assert_eq!(older.len(), 10);
        assert_eq!(older[0].id, "n-0009");
        // A search for display reads no vectors either; a plain one does (for de-duplication).
        let shown = MemoryFilter {
            skip_vectors: true,
            ..MemoryFilter::default()
        };
        let found = store
            .vector_search(&rows[7].vector, 3, &shown)
            .await
            .unwrap();
        assert_eq!(found[0].id, "n-0007");
        assert!(found.iter().all(|m| m.vector.is_empty()));
        let full = store
            .vector_search(&rows[7].vector, 3, &MemoryFilter::default())
            .await
            .unwrap();
        assert_eq!(full[0].vector.len(), EMBEDDING_DIMS);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn equal_full_text_scores_rank_by_id_the_same_every_time() {
        let (_dir, store) = temp_store().await;
        // Thirty turns saying the same words, their ids in no order of their writing.
        let same: Vec<Memory> = (0..30)
            .map(|i| {
                let mut m = memory(i);
                m.text = "Maya: I keep bees on the roof.".into();
                m.id = format!("t-{:04}", (i * 7) % 30);
                m
            })
            .collect();
        store.upsert(&same).await.unwrap();
        let all = MemoryFilter::default();
        let mut expected: Vec<String> = same.iter().map(|m| m.id.clone()).collect();
        expected.sort();
        expected.truncate(5);
        for _ in 0..5 {
            let found = store.text_search("bees roof", 5, &all).await.unwrap();
            let ids: Vec<String> = found.into_iter().map(|m| m.id).collect();
            assert_eq!(ids, expected);
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_full_text_score_is_the_same_with_and_without_a_time_filter() {
        let (_dir, store) = temp_store().await;
        let said = [
            "We keep bees on the roof.",
            "The bees swarmed in May, the whole roof hummed.",
            "Honey from our bees is dark this year.",
            "I fixed the roof after the storm.",
            "Bees again! A second hive arrived.",
            "The cat sleeps on the warm roof tiles.",
        ];
        let rows: Vec<Memory> = said
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let mut m = memory(i);
                m.text = (*text).into();
                m
            })
            .collect();
        store.upsert(&rows).await.unwrap();
        let all = store
            .text_search_scored("bees roof", 10, &MemoryFilter::default())
            .await
            .unwrap();
        let later = MemoryFilter {
            after: Some(rows[3].time_start),
            ..MemoryFilter::default()
        };
        let within = store
            .text_search_scored("bees roof", 10, &later)
            .await
            .unwrap();
        assert!(!within.is_empty() && within.len() < all.len(), "{within:?}");
        for (hit, score) in &within {
            let (_, unfiltered) = all.iter().find(|(h, _)| h.id == hit.id).unwrap();
            assert_eq!(score, unfiltered, "{}", hit.text);
        }
    }

    /// Vectors around 64 topics (real embeddings cluster; uniform noise would not).
    fn clustered(count: usize, seed: u64) -> Vec<Memory> {
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 10_000) as f32 / 10_000.0 - 0.5
        };
        let centres: Vec<Vec<f32>> = (0..64)
            .map(|_| (0..EMBEDDING_DIMS).map(|_| next()).collect())
            .collect();
        (0..count)
            .map(|i| {
                let mut m = memory(i);
                m.id = format!("r-{seed}-{i:05}");
                m.vector = centres[i % centres.len()]
                    .iter()
                    .map(|c| c + 0.4 * next())
                    .collect();
                m
            })
            .collect()
    }

    /// The ids of the 10 rows nearest to `vector`: through the index, and by exact search.
    async fn top_ten(store: &MemoryStore, vector: &[f32]) -> (Vec<String>, Vec<String>) {
        let all = MemoryFilter::default();
        let ids = |hits: Vec<(Hit, f32)>| hits.into_iter().map(|(h, _)| h.id).collect();
        let approximate = store.vector_search_scored(vector, 10, &all).await.unwrap();
        let exact = store.vector_search_exact(vector, 10, &all).await.unwrap();
        (ids(approximate), ids(exact))
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_big_table_gets_a_vector_index_that_finds_what_exact_search_finds() {
        let (_dir, store) = temp_store().await;
        let all = MemoryFilter::default();
        let rows = clustered(ann::INDEX_FROM_ROWS + 1_000, 1);
        let (first, rest) = rows.split_at(ann::INDEX_FROM_ROWS - 1);
        store.upsert(first).await.unwrap();
        store.optimize(ann::DEFAULT_INDEX).await.unwrap();
        assert_eq!(
            store.vector_index().await.unwrap(),
            None,
            "too small for one"
        );

        store.upsert(rest).await.unwrap();
        store.optimize(ann::DEFAULT_INDEX).await.unwrap();
        let index = store.vector_index().await.unwrap().expect("an index");
        assert_eq!(index.indexed_rows, rows.len());
        assert_eq!(index.trained_rows(), rows.len());

        // The index's top 10 is (nearly) the exact top 10, and a row's own vector finds it first.
        let mut shared = 0;
        for row in rows.iter().step_by(250) {
            let (approximate, exact) = top_ten(&store, &row.vector).await;
            assert_eq!(approximate[0], row.id);
            shared += exact.iter().filter(|id| approximate.contains(id)).count();
        }
        let queries = rows.len().div_ceil(250);
        let recall = shared as f64 / (queries * 10) as f64;
        assert!(recall >= 0.95, "recall@10 against exact search {recall}");

        // Rows written after the index was trained are found at once (searched exactly), and
        // upkeep folds them into the index.
        let late = clustered(40, 2);
        store.upsert(&late).await.unwrap();
        let found = store.vector_search(&late[7].vector, 1, &all).await.unwrap();
        assert_eq!(found[0].id, late[7].id);
        assert_eq!(
            store.vector_index().await.unwrap().unwrap().unindexed_rows,
            40
        );
        store.upkeep(chrono::Duration::zero()).await.unwrap();
        let index = store.vector_index().await.unwrap().unwrap();
        assert_eq!(
            (index.indexed_rows, index.unindexed_rows),
            (rows.len() + 40, 0)
        );

        // A deleted row is never found through the index.
        store.delete(&[rows[300].id.clone()]).await.unwrap();
        let found = store
            .vector_search(&rows[300].vector, 5, &all)
            .await
            .unwrap();
        assert!(found.iter().all(|m| m.id != rows[300].id));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_vector_index_is_retrained_once_the_table_outgrows_it() {
        let (_dir, store) = temp_store().await;
        let rows = clustered(ann::INDEX_FROM_ROWS, 3);
        store.upsert(&rows).await.unwrap();
        store.optimize(ann::DEFAULT_INDEX).await.unwrap();
        let trained = store.vector_index().await.unwrap().unwrap().trained_rows();
        assert_eq!(trained, ann::INDEX_FROM_ROWS);
        let more = clustered(3 * ann::INDEX_FROM_ROWS, 4);
        store.upsert(&more).await.unwrap();
        store.optimize(ann::DEFAULT_INDEX).await.unwrap();
        let index = store.vector_index().await.unwrap().unwrap();
        assert_eq!(index.trained_rows(), 4 * ann::INDEX_FROM_ROWS);
        assert_eq!(index.unindexed_rows, 0);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_older_kind_of_index_is_replaced_at_upkeep_and_then_finds_the_exact_neighbours() {
        let dir = tempfile::tempdir().unwrap();
        let location = StoreLocation::local(dir.path());
        let store = MemoryStore::open(&location).await.unwrap();
        let all = MemoryFilter::default();
        let rows = clustered(ann::INDEX_FROM_ROWS, 5);
        store.upsert(&rows).await.unwrap();
        // What an older mneme built.
        store.optimize(ann::IndexKind::IvfHnswSq).await.unwrap();
        let old = store.vector_index().await.unwrap().unwrap();
        assert!(old.quantised(), "{old:?}");

        // A process opening the table later knows what it holds, and its search is refined.
        let reopened = MemoryStore::open(&location).await.unwrap();
        let found = reopened
            .vector_search(&rows[11].vector, 1, &all)
            .await
            .unwrap();
        assert_eq!(found[0].id, rows[11].id);

        reopened.upkeep(chrono::Duration::zero()).await.unwrap();
        let index = reopened.vector_index().await.unwrap().unwrap();
        assert_eq!(index.kind, ann::DEFAULT_INDEX.lance_name());
        assert!(!index.quantised());
        assert_eq!(index.trained_rows(), rows.len());
        for row in rows.iter().step_by(400) {
            let (approximate, exact) = top_ten(&reopened, &row.vector).await;
            assert_eq!(approximate, exact);
        }
    }
}
