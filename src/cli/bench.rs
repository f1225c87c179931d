//! `mneme bench`: benchmarks that print machine-readable results with ratios to an in-process baseline.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;

use super::{App, Cli, print_json};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Prefill and decode tokens/s and time to first token of the chat engine.
    Engine {
        /// Print JSON only.
        #[arg(long)]
        json: bool,
        /// Prompt lengths in tokens.
        #[arg(long, value_delimiter = ',', default_value = "128,512,1024,4096")]
        lengths: Vec<usize>,
        /// Runs per length, each arm in turn; the median is reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Tokens generated per run.
        #[arg(long, default_value_t = 64)]
        decode_tokens: usize,
        /// A fetched model's name or a GGUF path.
        #[arg(long, value_name = "NAME|PATH")]
        model: Option<String>,
        /// Attention strategy for the engine under test.
        #[arg(long, value_name = "STRATEGY")]
        attention: Option<crate::engine::Attention>,
    },
    /// Memory ingest throughput, search latency at growing sizes, peak RSS (in a scratch data dir).
    Memory {
        /// Print JSON only.
        #[arg(long)]
        json: bool,
        /// Store sizes to measure search latency at.
        #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
        sizes: Vec<usize>,
        /// Real turns ingested first (chunked and embedded).
        #[arg(long, default_value_t = 1000)]
        ingest_turns: usize,
        /// Queries per size.
        #[arg(long, default_value_t = 30)]
        queries: usize,
        /// The vector index trained once a size reaches 4,096 memories (compare kinds).
        #[arg(long, value_enum, default_value_t = crate::memory::ann::DEFAULT_INDEX)]
        index: crate::memory::ann::IndexKind,
    },
    /// Attention strategies on both models: KV bytes, decode speed and perplexity as the context
    /// grows, and a passkey test, with ratios against `full`.
    Attention {
        /// Print JSON only.
        #[arg(long)]
        json: bool,
        /// A reduced run (a minute or so).
        #[arg(long)]
        quick: bool,
        /// Strategies to compare with `full` (repeat; default: a set per mode).
        #[arg(long, value_name = "STRATEGY")]
        attention: Vec<crate::engine::Attention>,
        /// Models (default: smollm2-135m and gemma3-270m).
        #[arg(long, value_delimiter = ',')]
        models: Vec<String>,
        /// Context lengths to measure at (default: 128,384,768 with --quick; else 512,2048,8000,16000).
        #[arg(long, value_delimiter = ',')]
        points: Vec<usize>,
    },
    /// The chat's frame time for a short and a long conversation (their ratio should stay near
    /// 1: a frame costs what is visible) and the time to open the picker over many sessions.
    Tui {
        /// Print JSON only.
        #[arg(long)]
        json: bool,
        /// Conversation lengths in turns; the first is the baseline.
        #[arg(long, value_delimiter = ',', default_value = "20,2000")]
        turns: Vec<usize>,
        /// Frames drawn per length; the median is reported.
        #[arg(long, default_value_t = 50)]
        frames: usize,
        /// Sessions in the scratch dir the picker opens.
        #[arg(long, default_value_t = 500)]
        sessions: usize,
    },
    /// The memory daemon's resident memory idle, while consolidating, and after.
    Daemon {
        /// Print JSON only.
        #[arg(long)]
        json: bool,
        /// Sessions of the evaluation set to load; the day of the earliest turn is consolidated.
        #[arg(long, default_value_t = 3)]
        sessions: usize,
    },
    /// Fact rules: precision and recall on user sentences labelled fact or not, against taking
    /// every first-person statement for a fact (no models needed).
    Facts {
        /// Print JSON only.
        #[arg(long)]
        json: bool,
        /// The labelled set, one JSON object a line: {"text", "fact": true|false, "has"?: words
        /// the fact must hold} (default: the shipped set).
        #[arg(long)]
        labels: Option<std::path::PathBuf>,
    },
    /// Recall quality: evidence turns found within 1,300 characters, BM25 vs vector vs hybrid.
    Recall {
        /// Print JSON only.
        #[arg(long)]
        json: bool,
        /// Conversations in the import format (default: the shipped evaluation set).
        #[arg(long)]
        conversations: Option<std::path::PathBuf>,
        /// Questions, one JSON object a line: {"question", "evidence": [turn ids]}.
        #[arg(long)]
        questions: Option<std::path::PathBuf>,
        /// Also ask the chat model this many single-fact questions (greedy), with recall and
        /// without, and report how often its reply holds the expected answer.
        #[arg(long, value_name = "N", default_value_t = 0)]
        answers: usize,
    },
}

/// A throw-away data dir with its own memory store (and its writer lock), sharing the real models.
struct Scratch {
    _dir: tempfile::TempDir,
    memory: crate::memory::service::MemoryService,
    sessions: crate::session::SessionStore,
    lock: crate::memory::lock::WriterLock,
}

impl Scratch {
    async fn new(app: &App) -> Result<Self> {
        let dir = tempfile::Builder::new().prefix("mneme-bench").tempdir()?;
        let store = crate::memory::store::MemoryStore::open(
            &crate::memory::location::StoreLocation::local(dir.path().join("memory")),
        )
        .await?;
        let catalog = app.catalog();
        let embedder =
            tokio::task::spawn_blocking(move || crate::memory::embed::Embedder::load(&catalog))
                .await??;
        let lock = crate::memory::lock::WriterLock::try_acquire(&dir.path().join("lock"), "bench")?
            .context("a fresh scratch dir is locked")?;
        Ok(Self {
            memory: crate::memory::service::MemoryService::new(store, embedder),
            sessions: crate::session::SessionStore::new(dir.path().join("sessions")),
            lock,
            _dir: dir,
        })
    }
}

pub async fn run(cli: &Cli, command: &BenchCommand) -> Result<ExitCode> {
    let app = cli.app("bench")?;
    match command {
        BenchCommand::Engine {
            json,
            lengths,
            runs,
            decode_tokens,
            model,
            attention,
        } => {
            let settings = app.engine_settings_with(model.as_deref(), *attention)?;
            let (lengths, runs, decode) =
                (lengths.clone(), (*runs).max(1), (*decode_tokens).max(1));
            let source = crate::bench::assets::read(crate::bench::assets::ENGINE_TEXT)?;
            let report = tokio::task::spawn_blocking(move || {
                crate::bench::engine::run(&settings, &source, &lengths, runs, decode)
            })
            .await??;
            if *json {
                print_json(&report)?;
            } else {
                crate::outln!(
                    "model {} ({} threads, median of {} runs)",
                    report.model,
                    report.threads,
                    report.runs
                );
                crate::outln!(
                    "{:>8} {:>10} {:>12} {:>12} {:>10} {:>10}",
                    "prompt",
                    "ttft_ms",
                    "prefill t/s",
                    "decode t/s",
                    "prefill×",
                    "decode×"
                );
                for p in &report.points {
                    crate::outln!(
                        "{:>8} {:>10.1} {:>12.1} {:>12.1} {:>10.2} {:>10.2}",
                        p.prompt_tokens,
                        p.ttft_ms,
                        p.prefill_tps,
                        p.decode_tps,
                        p.prefill_ratio,
                        p.decode_ratio
                    );
                }
                crate::outln!(
                    "(× = engine / bare llama.cpp loop in this process, the fastest of each arm's runs)"
                );
                let r = &report.resume;
                crate::outln!(
                    "follow-up after {} tokens of conversation: first token in {:.0} ms warm, \
                     {:.0} ms resumed from the saved KV state (×{:.2}), {:.0} ms re-read \
                     ({:.0} t/s)",
                    r.conversation_tokens,
                    r.warm_ttft_ms,
                    r.resume_ttft_ms,
                    r.resume_ratio,
                    r.reread_ttft_ms,
                    r.reread_prefill_tps
                );
            }
        }
        BenchCommand::Memory {
            json,
            sizes,
            ingest_turns,
            queries,
            index,
        } => {
            let scratch = Scratch::new(&app).await?;
            let report = crate::bench::memory::run(
                &scratch.memory.writer(&scratch.lock),
                &scratch.sessions,
                sizes,
                (*ingest_turns).max(2),
                (*queries).max(1),
                *index,
            )
            .await?;
            if *json {
                print_json(&report)?;
            } else {
                crate::outln!(
                    "ingest: {:.0} turns/s over {} turns; peak RSS {:.0} MiB",
                    report.ingest_turns_per_s,
                    report.ingest_turns,
                    report.peak_rss_mb
                );
                crate::outln!(
                    "{:>9} {:>10} {:>10} {:>14} {:>8} {:>9} {:>7} {:>10} {:>12}",
                    "memories",
                    "p50 ms",
                    "p95 ms",
                    "vector-only ms",
                    "ratio",
                    "exact ms",
                    "ratio",
                    "recall@20",
                    "optimize s"
                );
                for p in &report.points {
                    crate::outln!(
                        "{:>9} {:>10.1} {:>10.1} {:>14.1} {:>8.2} {:>9.1} {:>7.2} {:>10.3} {:>12.1}",
                        p.memories,
                        p.search_p50_ms,
                        p.search_p95_ms,
                        p.vector_only_p50_ms,
                        p.hybrid_over_vector_only,
                        p.exact_p50_ms,
                        p.vector_only_over_exact,
                        p.recall_at_20,
                        p.optimize_s
                    );
                }
                crate::outln!(
                    "(search: embedding + vector + full-text, fused; vector-only uses the {:?} \
                     index from {} memories; exact compares every row)",
                    report.index_kind,
                    report.index_from_rows
                );
            }
        }
        BenchCommand::Attention {
            json,
            quick,
            attention,
            models,
            points,
        } => {
            let threads = app.engine_settings(None)?.resolved_threads();
            let mut plan = if *quick {
                crate::bench::attention::Plan::quick(threads)
            } else {
                crate::bench::attention::Plan::full(threads)
            };
            if !attention.is_empty() {
                plan.strategies = std::iter::once(crate::engine::Attention::Full)
                    .chain(attention.iter().copied())
                    .collect();
            }
            if !points.is_empty() {
                plan.points = points.clone();
            }
            let names: Vec<String> = if models.is_empty() {
                vec!["smollm2-135m".into(), "gemma3-270m".into()]
            } else {
                models.clone()
            };
            let catalog = app.catalog();
            let models = names
                .iter()
                .map(|n| catalog.resolve_chat(n))
                .collect::<Result<Vec<_>, _>>()?;
            // The chat-level passkey needs a chat model: the default one, when it is benched.
            let chat_runs: Vec<(crate::engine::Attention, usize)> =
                match names.contains(&app.config.model.chat) {
                    true => plan
                        .strategies
                        .iter()
                        .filter(|s| {
                            matches!(s, crate::engine::Attention::Sliding { window, .. }
                                if *window >= crate::bench::chat_passkey::MIN_WINDOW)
                        })
                        .flat_map(|s| plan.passkey_distances.iter().map(|d| (*s, *d)))
                        .collect(),
                    false => Vec::new(),
                };
            let mut report =
                tokio::task::spawn_blocking(move || crate::bench::attention::run(&models, &plan))
                    .await??;
            for (strategy, distance) in chat_runs {
                report
                    .chat_passkey
                    .push(crate::bench::chat_passkey::run(strategy, distance).await?);
            }
            // The table goes to stderr beside the JSON, so stdout stays one JSON object.
            if *json {
                eprint!("{}", crate::bench::attention::table(&report));
                print_json(&report)?;
            } else {
                crate::out!("{}", crate::bench::attention::table(&report));
            }
        }
        BenchCommand::Tui {
            json,
            turns,
            frames,
            sessions,
        } => {
            let report = crate::bench::tui::run(turns, *frames, *sessions).await?;
            if *json {
                print_json(&report)?;
            } else {
                for f in &report.frames {
                    crate::outln!(
                        "{:>6} turns: frame {:.3} ms (first {:.1} ms)",
                        f.turns,
                        f.frame_ms,
                        f.first_frame_ms
                    );
                }
                crate::outln!(
                    "frame ratio (longest / shortest): ×{:.2}",
                    report.frame_ratio
                );
                crate::outln!(
                    "picker over {} sessions: {:.1} ms",
                    report.picker_sessions,
                    report.picker_open_ms
                );
            }
        }
        BenchCommand::Facts { json, labels } => {
            let text = crate::bench::recall::read_or_default(
                labels.as_deref(),
                crate::bench::assets::EVAL_FACTS,
            )?;
            let report = crate::bench::facts::run(&crate::bench::facts::parse(&text)?);
            if *json {
                print_json(&report)?;
            } else {
                crate::outln!(
                    "{} sentences, {} labelled facts",
                    report.sentences,
                    report.facts
                );
                for (name, s) in [("rules", report.rules), ("baseline", report.baseline)] {
                    crate::outln!(
                        "{name:>9}: precision {:.2}, recall {:.2} ({} taken, {} right)",
                        s.precision,
                        s.recall,
                        s.found,
                        s.right
                    );
                }
                crate::outln!("(baseline: every first-person statement is a fact)");
                for (heading, wrong) in [
                    ("missed", &report.missed),
                    ("not facts", &report.false_facts),
                ] {
                    for w in wrong {
                        crate::outln!("{heading}: {} -> {:?}", w.text, w.facts);
                    }
                }
            }
        }
        BenchCommand::Daemon { json, sessions } => {
            let models = app.paths.models_dir.clone();
            let sessions = (*sessions).max(1);
            let conversations =
                crate::bench::assets::read(crate::bench::assets::EVAL_CONVERSATIONS)?;
            let report = crate::bench::daemon::run(&models, &conversations, sessions).await?;
            if *json {
                print_json(&report)?;
            } else {
                let mb = |b: u64| b as f64 / 1e6;
                crate::outln!(
                    "daemon RSS: idle {:.0} MB, consolidating peak {:.0} MB (×{:.2}), after {:.0} MB (×{:.2})",
                    mb(report.idle_rss_bytes),
                    mb(report.consolidating_peak_rss_bytes),
                    report.peak_over_idle,
                    mb(report.after_rss_bytes),
                    report.after_over_idle
                );
                crate::outln!(
                    "consolidated {} ({} turns): {} summaries, {} failed in {:.1}s",
                    report.date,
                    report.turns,
                    report.summaries,
                    report.failed,
                    report.consolidate_ms as f64 / 1000.0
                );
                crate::outln!(
                    "grounded: {:.0}% of the model's summaries name only what their turns say; \
                     {} quote the speakers instead",
                    report.grounded_share * 100.0,
                    report.extractive_summaries
                );
            }
        }
        BenchCommand::Recall {
            json,
            conversations,
            questions,
            answers,
        } => {
            use crate::bench::assets::{EVAL_CONVERSATIONS, EVAL_QUESTIONS};
            use crate::bench::recall::read_or_default;
            let conversations = read_or_default(conversations.as_deref(), EVAL_CONVERSATIONS)?;
            let questions = read_or_default(questions.as_deref(), EVAL_QUESTIONS)?;
            let scratch = Scratch::new(&app).await?;
            let writer = scratch.memory.writer(&scratch.lock);
            let engine = match answers {
                0 => None,
                _ => Some(app.load_engine(&Default::default()).await?),
            };
            let answering = engine
                .as_ref()
                .map(|engine| crate::bench::recall::Answering {
                    engine,
                    system_prompt: &app.config.generation.system_prompt,
                    questions: *answers,
                });
            let report = crate::bench::recall::run(
                &writer,
                &scratch.sessions,
                &conversations,
                &questions,
                answering,
            )
            .await?;
            if *json {
                print_json(&report)?;
            } else {
                crate::outln!(
                    "{} questions over {} turns ({} chunks), budget {} chars",
                    report.questions,
                    report.turns,
                    report.chunks,
                    report.budget_chars
                );
                for s in &report.strategies {
                    crate::outln!(
                        "{:>7}: {:.3} ({} of {} evidence turns)",
                        s.strategy,
                        s.recall,
                        s.found,
                        report.evidence_turns
                    );
                }
                crate::outln!(
                    "{:<13} {:>9} {:>9} {:>6} {:>13} {:>17}",
                    "hybrid",
                    "questions",
                    "evidence",
                    "MRR",
                    "recall empty",
                    "recall evidence"
                );
                for c in &report.categories {
                    crate::outln!(
                        "{:<13} {:>9} {:>9.3} {:>6.3} {:>13.3} {:>17.3}",
                        c.kind,
                        c.questions,
                        c.evidence_recall,
                        c.mrr,
                        c.recall_empty,
                        c.recall_has_evidence
                    );
                }
                let f = &report.floor;
                crate::outln!(
                    "relevance floor {:.2}: best evidence similarity p10/p50/p90 {:.2}/{:.2}/{:.2}, \
                     best memory for unanswerable questions {:.2}/{:.2}/{:.2}",
                    f.floor,
                    f.answerable_best_evidence.p10,
                    f.answerable_best_evidence.p50,
                    f.answerable_best_evidence.p90,
                    f.unanswerable_best_memory.p10,
                    f.unanswerable_best_memory.p50,
                    f.unanswerable_best_memory.p90
                );
                crate::outln!(
                    "latency p50: search {:.1} ms, recall {:.1} ms",
                    report.search_p50_ms,
                    report.recall_p50_ms
                );
                if let Some(a) = &report.answers {
                    crate::outln!(
                        "chat model's greedy reply holds the answer ({} single-fact questions): \
                         {:.2} with recall, {:.2} without",
                        a.questions,
                        a.with_recall,
                        a.without_recall
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
