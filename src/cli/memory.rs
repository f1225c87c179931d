//! `mneme memory` and `mneme import`: see, search, edit, pin, delete, export and import what is remembered.

use super::screen::for_stdout;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::{App, Cli, print_json};
use crate::daemon::writes::{WriteOp, WriteResult};
use crate::domain::counted;
use crate::memory::service::Found;
use crate::memory::{Memory, MemoryFilter, MemoryKind};

#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// Only memories of these kinds (repeat or comma-separate).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub kind: Vec<MemoryKind>,
    /// Only memories from this session.
    #[arg(long)]
    pub session: Option<String>,
    /// Only memories from this date (YYYY-MM-DD) or time (RFC 3339) on.
    #[arg(long, value_parser = parse_time)]
    pub after: Option<DateTime<Utc>>,
    /// Only memories from before this date or time.
    #[arg(long, value_parser = parse_time)]
    pub before: Option<DateTime<Utc>>,
}

impl FilterArgs {
    pub fn filter(&self) -> MemoryFilter {
        MemoryFilter {
            kinds: self.kind.clone(),
            session: self.session.clone(),
            after: self.after,
            before: self.before,
            ..MemoryFilter::default()
        }
    }
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
        .map_err(|_| format!("`{s}` is neither YYYY-MM-DD nor an RFC 3339 time"))
}

#[derive(Debug, Clone, Subcommand)]
pub enum MemoryCommand {
    /// List memories, newest first.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// At most this many (ignored with --all).
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Every matching memory, no paging.
        #[arg(long)]
        all: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Search memories by meaning and words.
    Search {
        /// The query (or use --queries).
        query: Option<String>,
        /// A file with one query per line; prints one JSON object per line.
        #[arg(long, value_name = "FILE", conflicts_with = "query")]
        queries: Option<PathBuf>,
        /// How many results.
        #[arg(short, long, default_value_t = 10)]
        k: usize,
        #[command(flatten)]
        filter: FilterArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show one memory.
    Show {
        /// The memory's id, or a unique prefix of it.
        id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write down a note to remember.
    Add {
        /// The text to remember.
        text: String,
        /// What kind of memory it is.
        #[arg(long, value_enum, default_value = "note")]
        kind: MemoryKind,
    },
    /// Replace a memory's text (it is re-embedded).
    Edit {
        /// The memory's id, or a unique prefix of it.
        id: String,
        /// The new text (it is re-embedded).
        #[arg(long)]
        text: String,
    },
    /// Delete memories: gone from disk, from the turns they were made from, from stored recalls
    /// and summaries, and never remembered again.
    Delete {
        /// Memory ids, or unique prefixes of them.
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Forget many memories at once: shows how many match, and acts only with --yes.
    Forget {
        /// Every memory made from this conversation (id or unique prefix).
        #[arg(long, value_name = "ID", required_unless_present_any = ["before", "query"])]
        session: Option<String>,
        /// Every memory of what was said before this date (YYYY-MM-DD) or time.
        #[arg(long, value_parser = parse_time)]
        before: Option<DateTime<Utc>>,
        /// The memories that best match this search (at most --limit).
        #[arg(long, value_name = "TEXT")]
        query: Option<String>,
        /// With --query: how many of the best matches.
        #[arg(long, default_value_t = 5)]
        limit: usize,
        /// Forget them (without it, only the count and a preview are shown).
        #[arg(long)]
        yes: bool,
    },
    /// Always recall this memory.
    Pin {
        /// The memory's id, or a unique prefix of it.
        id: String,
    },
    /// Stop always recalling this memory.
    Unpin {
        /// The memory's id, or a unique prefix of it.
        id: String,
    },
    /// Write every memory as JSONL.
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Read memories written by `export` (re-embedding them).
    Import {
        /// A file written by `memory export`.
        file: PathBuf,
    },
}

/// What search and list print for one memory.
#[derive(Debug, Serialize)]
pub struct MemoryRow {
    pub id: String,
    pub kind: MemoryKind,
    pub text: String,
    /// The fused ranking score (compare only within one search).
    pub score: Option<f64>,
    /// Cosine similarity of its meaning to the query (1 same, 0 unrelated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f32>,
    /// The query's words were found in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words_match: Option<bool>,
    pub session: Option<String>,
    pub time: DateTime<Utc>,
    pub time_end: DateTime<Utc>,
    pub source_turns: Vec<String>,
    pub pinned: bool,
    pub recall_count: u32,
}

impl MemoryRow {
    pub fn new(m: Memory, score: Option<f64>) -> Self {
        Self {
            id: m.id,
            kind: m.kind,
            text: m.text,
            score,
            similarity: None,
            words_match: None,
            session: m.session,
            time: m.time_start,
            time_end: m.time_end,
            source_turns: m.source_turns,
            pinned: m.pinned,
            recall_count: m.recall_count,
        }
    }
}

fn found_rows(found: Vec<Found>) -> Vec<MemoryRow> {
    found
        .into_iter()
        .map(|f| MemoryRow {
            similarity: f.similarity,
            words_match: Some(f.words_match),
            ..MemoryRow::new(f.memory, Some(f.score))
        })
        .collect()
}

fn print_rows(rows: &[MemoryRow]) {
    for r in rows {
        let pin = if r.pinned { "📌 " } else { "" };
        let score = match (r.words_match, r.similarity) {
            (None, _) => String::new(),
            (Some(words), similarity) => format!(
                " ({})",
                crate::memory::service::relevance_label(words, similarity)
            ),
        };
        crate::outln!(
            "{}  {:<7} {}{score}  {pin}{}",
            r.id,
            r.kind.as_str(),
            r.time.format("%Y-%m-%d"),
            for_stdout(&crate::session::one_line(&r.text, 100))
        );
    }
}

/// The memory a write returned.
fn written(result: WriteResult) -> Result<Memory> {
    match result {
        WriteResult::Memory { memory } => Ok(memory),
        other => bail!("the write answered with {other:?}"),
    }
}

pub async fn run(cli: &Cli, command: &MemoryCommand) -> Result<ExitCode> {
    let app = cli.app("cli")?;
    let resolved = with_full_ids(&app, command).await?;
    let command = &resolved;
    if let Some(op) = write_op(command)? {
        return apply_write(&app, command, op).await;
    }
    let memory = app.memory().await?;
    match command {
        MemoryCommand::Forget {
            session,
            before,
            query,
            limit,
            yes,
        } => {
            let sessions = app.sessions();
            let filter = MemoryFilter {
                session: session
                    .as_deref()
                    .map(|s| sessions.resolve(s))
                    .transpose()?,
                before: *before,
                skip_vectors: true,
                ..MemoryFilter::default()
            };
            let matching: Vec<Memory> = match query {
                Some(q) => memory
                    .search(q, *limit, &filter)
                    .await?
                    .into_iter()
                    .map(|f| f.memory)
                    .collect(),
                None => memory.store().browse(&filter, usize::MAX).await?,
            };
            crate::outln!(
                "{} {}:",
                counted(matching.len(), "memory", "memories"),
                if matching.len() == 1 {
                    "matches"
                } else {
                    "match"
                }
            );
            for m in matching.iter().take(10) {
                crate::outln!(
                    "  {}  {}",
                    m.id,
                    for_stdout(&crate::session::one_line(&m.text, 80))
                );
            }
            if matching.len() > 10 {
                crate::outln!("  … and {} more", matching.len() - 10);
            }
            if matching.is_empty() {
                return Ok(ExitCode::SUCCESS);
            }
            if !yes {
                crate::outln!("nothing forgotten yet: run again with --yes to forget them");
                return Ok(ExitCode::SUCCESS);
            }
            let ids = matching.into_iter().map(|m| m.id).collect();
            match crate::app::writes::send(&app, WriteOp::Delete { ids }).await? {
                WriteResult::Forgotten { report } => print_forgotten(&report),
                other => crate::outln!("{}", other.to_json()),
            }
        }
        MemoryCommand::List {
            filter,
            limit,
            all,
            json,
        } => {
            let limit = if *all { usize::MAX } else { *limit };
            let rows: Vec<_> = memory
                .store()
                .browse(&filter.filter(), limit)
                .await?
                .into_iter()
                .map(|m| MemoryRow::new(m, None))
                .collect();
            if *json {
                print_json(&rows)?
            } else {
                print_rows(&rows)
            }
        }
        MemoryCommand::Search {
            query,
            queries,
            k,
            filter,
            json,
        } => {
            let filter = filter.filter();
            if let Some(file) = queries {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                for q in text.lines().filter(|l| !l.trim().is_empty()) {
                    let rows = found_rows(memory.search(q, *k, &filter).await?);
                    let line = serde_json::json!({ "query": q, "results": rows });
                    crate::outln!("{line}");
                }
            } else {
                let Some(q) = query else {
                    bail!("give a query or --queries FILE")
                };
                let rows = found_rows(memory.search(q, *k, &filter).await?);
                if *json {
                    print_json(&rows)?
                } else {
                    print_rows(&rows)
                }
            }
        }
        MemoryCommand::Show { id, json } => {
            let m = memory
                .store()
                .get(id)
                .await?
                .with_context(|| format!("no memory `{id}`"))?;
            // A fact shows the facts about the same subject: what it superseded, what superseded it.
            let chain: Vec<serde_json::Value> = if m.kind == MemoryKind::Fact {
                memory
                    .store()
                    .fact_chain(&m.id)
                    .await?
                    .into_iter()
                    .map(|f| serde_json::json!({"id": f.id, "time": f.time_start, "text": f.text}))
                    .collect()
            } else {
                Vec::new()
            };
            let row = MemoryRow::new(m, None);
            if *json {
                let mut value = serde_json::to_value(&row)?;
                if !chain.is_empty() {
                    value["chain"] = serde_json::Value::Array(chain);
                }
                print_json(&value)?;
            } else {
                crate::outln!(
                    "{} ({}, {})",
                    row.id,
                    row.kind.as_str(),
                    row.time.to_rfc3339()
                );
                if let Some(s) = &row.session {
                    crate::outln!("session {s}; turns {}", row.source_turns.join(", "));
                }
                crate::outln!("\n{}", for_stdout(&row.text));
                if chain.len() > 1 {
                    crate::outln!("\nabout the same (oldest first; the newest is recalled):");
                    for f in &chain {
                        let mark = if f["id"] == row.id.as_str() {
                            "▶"
                        } else {
                            " "
                        };
                        crate::outln!(
                            "{mark} {} {}",
                            f["time"].as_str().unwrap_or("").get(..10).unwrap_or(""),
                            for_stdout(f["text"].as_str().unwrap_or(""))
                        );
                    }
                }
            }
        }
        MemoryCommand::Export { output } => {
            let all = memory.store().list(&MemoryFilter::default(), None).await?;
            let mut text = String::new();
            for mut m in all {
                m.clear_vectors();
                text.push_str(&serde_json::to_string(&m)?);
                text.push('\n');
            }
            match output {
                Some(path) => crate::paths::write_private_atomic(path, text.as_bytes())?,
                None => crate::out!("{text}"),
            }
        }
        _ => unreachable!("writes are applied above"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `command` with every memory id it names completed from a unique prefix (as session ids are).
async fn with_full_ids(app: &App, command: &MemoryCommand) -> Result<MemoryCommand> {
    let names_ids = matches!(
        command,
        MemoryCommand::Show { .. }
            | MemoryCommand::Edit { .. }
            | MemoryCommand::Delete { .. }
            | MemoryCommand::Pin { .. }
            | MemoryCommand::Unpin { .. }
    );
    if !names_ids {
        return Ok(command.clone());
    }
    let store = crate::memory::store::MemoryStore::open(&app.memory_location()).await?;
    let full = async |id: &String| -> Result<String> {
        store
            .resolve_id(id)
            .await?
            .with_context(|| format!("no memory `{id}` (see `mneme memory list`)"))
    };
    Ok(match command {
        MemoryCommand::Show { id, json } => MemoryCommand::Show {
            id: full(id).await?,
            json: *json,
        },
        MemoryCommand::Edit { id, text } => MemoryCommand::Edit {
            id: full(id).await?,
            text: text.clone(),
        },
        MemoryCommand::Delete { ids } => {
            let mut resolved = Vec::new();
            for id in ids {
                resolved.push(full(id).await?);
            }
            MemoryCommand::Delete { ids: resolved }
        }
        MemoryCommand::Pin { id } => MemoryCommand::Pin {
            id: full(id).await?,
        },
        MemoryCommand::Unpin { id } => MemoryCommand::Unpin {
            id: full(id).await?,
        },
        other => other.clone(),
    })
}

/// The write a command makes, if it makes one.
fn write_op(command: &MemoryCommand) -> Result<Option<WriteOp>> {
    Ok(Some(match command {
        MemoryCommand::Add { text, kind } => WriteOp::Add {
            kind: *kind,
            text: text.clone(),
        },
        MemoryCommand::Edit { id, text } => WriteOp::Edit {
            id: id.clone(),
            text: text.clone(),
        },
        MemoryCommand::Delete { ids } => WriteOp::Delete { ids: ids.clone() },
        MemoryCommand::Pin { id } => WriteOp::Pin {
            id: id.clone(),
            pinned: true,
        },
        MemoryCommand::Unpin { id } => WriteOp::Pin {
            id: id.clone(),
            pinned: false,
        },
        MemoryCommand::Import { file } => WriteOp::Import {
            memories: read_memories(file)?,
        },
        _ => return Ok(None),
    }))
}

async fn apply_write(app: &App, command: &MemoryCommand, op: WriteOp) -> Result<ExitCode> {
    let result = crate::app::writes::send(app, op).await?;
    match (command, result) {
        (MemoryCommand::Add { .. }, result) => crate::outln!("{}", written(result)?.id),
        (MemoryCommand::Edit { .. }, result) => crate::outln!("edited {}", written(result)?.id),
        (MemoryCommand::Delete { .. }, WriteResult::Forgotten { report }) => {
            print_forgotten(&report)
        }
        (MemoryCommand::Pin { id }, _) => crate::outln!("pinned {id}"),
        (MemoryCommand::Unpin { id }, _) => crate::outln!("unpinned {id}"),
        (MemoryCommand::Import { .. }, WriteResult::Imported { imported }) => {
            crate::outln!("imported {}", counted(imported, "memory", "memories"))
        }
        (_, other) => crate::outln!("{}", other.to_json()),
    }
    Ok(ExitCode::SUCCESS)
}

/// What forgetting did, in a line.
fn print_forgotten(r: &crate::daemon::forget::ForgetReport) {
    let neighbours = if r.reembedded > 0 {
        format!(
            ", embedded {} again without it",
            counted(r.reembedded, "neighbouring turn", "neighbouring turns")
        )
    } else {
        String::new()
    };
    crate::outln!(
        "deleted {}; forgot {}, rewrote {}, dropped {}{neighbours}",
        counted(r.deleted, "memory", "memories"),
        counted(r.turns_forgotten, "turn", "turns"),
        counted(r.recalls_rewritten, "stored recall", "stored recalls"),
        counted(r.kv_states_dropped, "saved KV state", "saved KV states"),
    );
}

/// Reads memories written by `export`; bad lines are reported and skipped.
fn read_memories(file: &PathBuf) -> Result<Vec<Memory>> {
    use crate::importer::{Line, next_line};
    use crate::memory::writer::MAX_MEMORY_BYTES;
    let mut reader = std::io::BufReader::new(
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?,
    );
    let mut parsed = Vec::new();
    let mut number = 0;
    // A memory's text is at most MAX_MEMORY_BYTES; its JSON line gets room for the rest.
    while let Some(line) = next_line(&mut reader, 2 * MAX_MEMORY_BYTES + 64 * 1024)? {
        number += 1;
        let skipped = |why: &str| eprintln!("{}:{number}: skipped: {why}", file.display());
        let Line::Whole(bytes) = line else {
            skipped("longer than a memory can be");
            continue;
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Memory>(&bytes) {
            Ok(m) if m.text.len() > MAX_MEMORY_BYTES => skipped("its text is over 256 KB"),
            Ok(mut m) => {
                m.clear_vectors();
                parsed.push(m)
            }
            Err(e) => skipped(&e.to_string()),
        }
    }
    Ok(parsed)
}
