//! `mneme bench attention`: what each attention strategy costs and buys on a long public-domain
//! text: KV bytes, decode speed and perplexity as the context grows, and a passkey test. `full`
//! runs first as the baseline for each model, in the same process.

use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::session::LlamaStateSeqFlags;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::token::LlamaToken;
use serde::Serialize;

use super::ratio;
use crate::engine::Attention;
use crate::engine::attention::LlamaAttention;
use crate::engine::window::{Slide, SlideStats, full_swa_cache, make_room};
use crate::models::ChatModel;

/// Perplexity at a point is measured on the tokens just before it.
const PPL_TOKENS: usize = 128;
/// Tokens decoded one at a time at each point to measure decode speed.
const PROBE_TOKENS: usize = 16;
const BATCH: usize = 256;

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub strategies: Vec<Attention>,
    pub points: Vec<usize>,
    pub passkey_distances: Vec<usize>,
    pub threads: u32,
}

impl Plan {
    pub fn quick(threads: u32) -> Self {
        Self {
            strategies: vec![
                Attention::Full,
                Attention::Sliding {
                    window: 256,
                    sinks: 4,
                },
                Attention::Window { window: 128 },
                Attention::Alibi { max_bias: 2.0 },
                Attention::Alibi { max_bias: 8.0 },
            ],
            points: vec![128, 384, 768],
            passkey_distances: vec![64, 320],
            threads,
        }
    }

    pub fn full(threads: u32) -> Self {
        Self {
            strategies: vec![
                Attention::Full,
                Attention::Sliding {
                    window: 1024,
                    sinks: 4,
                },
                Attention::Sliding {
                    window: 1024,
                    sinks: 0,
                },
                Attention::Window { window: 512 },
                Attention::Alibi { max_bias: 2.0 },
                Attention::Alibi { max_bias: 8.0 },
            ],
            points: vec![512, 2048, 8000, 16000],
            passkey_distances: vec![100, 800, 3000],
            threads,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Point {
    pub context_tokens: usize,
    /// Bytes of KV state the sequence holds at this point.
    pub kv_bytes: usize,
    pub decode_tps: f64,
    /// Perplexity of the `PPL_TOKENS` tokens ending at this point.
    pub ppl: f64,
    /// Against `full` at the same point, when `full` reached it.
    pub kv_bytes_ratio: Option<f64>,
    pub decode_tps_ratio: Option<f64>,
    pub ppl_ratio: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Passkey {
    pub distance: usize,
    pub found: bool,
    pub answer: String,
}

#[derive(Debug, Serialize)]
pub struct Run {
    pub model: String,
    pub strategy: String,
    pub cache_tokens: usize,
    pub points: Vec<Point>,
    pub passkey: Vec<Passkey>,
    pub slide: Option<SlideStats>,
    /// Points or distances the strategy cannot reach (beyond its context).
    pub skipped: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub bench: &'static str,
    pub text: &'static str,
    pub text_tokens: usize,
    pub ppl_tokens: usize,
    pub runs: Vec<Run>,
    /// The passkey in a real conversation with the chat model, for each `sliding` strategy of
    /// at least `chat_passkey::MIN_WINDOW` tokens: found through recall once the window has
    /// moved past it.
    pub chat_passkey: Vec<super::chat_passkey::ChatPasskey>,
}

/// Runs every strategy on every model; `full` first for each model.
pub fn run(models: &[ChatModel], plan: &Plan) -> anyhow::Result<Report> {
    let backend = crate::engine::backend_handle();
    // Genesis (KJV): about 50,000 tokens streamed through the model.
    let text = super::assets::read(super::assets::ATTENTION_TEXT)?;
    let mut runs = Vec::new();
    let mut text_tokens = 0;
    for model in models {
        let mut baseline: Option<Vec<(usize, usize, f64, f64)>> = None;
        let mut strategies = plan.strategies.clone();
        strategies.sort_by_key(|s| *s != Attention::Full);
        for strategy in strategies {
            let loaded = strategy
                .load_model(backend, &model.path)
                .map_err(|e| anyhow::anyhow!("cannot load {}: {e}", model.path.display()))?;
            let tokens = loaded.vocab().tokenize(text.as_bytes(), true, false);
            text_tokens = tokens.len();
            let mut run = measure(&loaded, &model.name, strategy, &tokens, plan)?;
            if strategy == Attention::Full {
                baseline = Some(
                    run.points
                        .iter()
                        .map(|p| (p.context_tokens, p.kv_bytes, p.decode_tps, p.ppl))
                        .collect(),
                );
            }
            for p in &mut run.points {
                if let Some((_, kv, tps, ppl)) = baseline
                    .as_ref()
                    .and_then(|b| b.iter().find(|b| b.0 == p.context_tokens))
                {
                    p.kv_bytes_ratio = Some(ratio(p.kv_bytes as f64, *kv as f64));
                    p.decode_tps_ratio = Some(ratio(p.decode_tps, *tps));
                    p.ppl_ratio = Some(ratio(p.ppl, *ppl));
                }
            }
            runs.push(run);
        }
    }
    Ok(Report {
        bench: "attention",
        text: "Genesis, King James Version (public domain)",
        text_tokens,
        ppl_tokens: PPL_TOKENS,
        runs,
        chat_passkey: Vec::new(),
    })
}

/// A context for `strategy`, and how many tokens it can hold (None: unbounded, it slides).
fn context<'m>(
    model: &'m LlamaModel,
    strategy: Attention,
    wanted: usize,
    threads: u32,
) -> anyhow::Result<(LlamaContext<'m>, Option<usize>)> {
    let train = model.n_ctx_train() as usize;
    let (n_ctx, limit) = match strategy.sliding() {
        Some((sinks, window)) => (sinks + window, None),
        None => {
            let n = wanted.min(train);
            (n, Some(n))
        }
    };
    let params = LlamaContextParams::default()
        .with_n_ctx(std::num::NonZeroU32::new(n_ctx as u32))
        .with_n_batch(BATCH as u32)
        .with_n_ubatch(BATCH as u32)
        .with_n_threads(threads as i32)
        .with_n_threads_batch(threads as i32)
        .with_swa_full(full_swa_cache(strategy.sliding().is_some()));
    let ctx = model
        .new_context(crate::engine::backend_handle(), params)
        .map_err(|e| anyhow::anyhow!("context of {n_ctx}: {e}"))?;
    Ok((ctx, limit))
}

fn slide_for(model: &LlamaModel, strategy: Attention) -> Option<Slide> {
    strategy
        .sliding()
        .map(|(sinks, window)| Slide::for_model(model, sinks, window))
}

/// Feeds tokens through a context, sliding if asked, scoring predictions where wanted.
struct Feeder<'m> {
    ctx: LlamaContext<'m>,
    cached: Vec<LlamaToken>,
    slide: Option<Slide>,
    stats: SlideStats,
    /// Logits after the last decoded token (when it asked for them).
    last_logits: Option<Vec<f32>>,
}

impl Feeder<'_> {
    /// Decodes `tokens`; adds the negative log-likelihood of those at index ≥ `score_from` to `nll`.
    fn feed(
        &mut self,
        tokens: &[LlamaToken],
        score_from: usize,
        nll: &mut Vec<f64>,
    ) -> anyhow::Result<()> {
        let step = self.slide.map_or(BATCH, |s| s.max_batch().min(BATCH));
        let mut offset = 0;
        for chunk in tokens.chunks(step) {
            if let Some(slide) = self.slide {
                make_room(
                    &mut self.ctx,
                    &mut self.cached,
                    slide,
                    chunk.len(),
                    &mut self.stats,
                )?;
            }
            // The logits before this chunk predict its first token.
            if offset >= score_from
                && let Some(logits) = &self.last_logits
            {
                nll.push(neg_log_likelihood(logits, chunk[0]));
            }
            let mut batch = LlamaBatch::new(chunk.len(), 1);
            for (i, token) in chunk.iter().enumerate() {
                let wants = offset + i + 1 >= score_from || i + 1 == chunk.len();
                batch.add(*token, (self.cached.len() + i) as i32, &[0], wants)?;
            }
            self.ctx.decode(&mut batch)?;
            for i in 0..chunk.len() - 1 {
                if offset + i + 1 >= score_from {
                    let logits = self.ctx.get_logits_ith(i as i32);
                    nll.push(neg_log_likelihood(logits, chunk[i + 1]));
                }
            }
            self.last_logits = Some(self.ctx.get_logits_ith(chunk.len() as i32 - 1).to_vec());
            self.cached.extend_from_slice(chunk);
            offset += chunk.len();
        }
        Ok(())
    }

    fn kv_bytes(&self) -> usize {
        self.ctx
            .state_seq_get_size_ext(0, LlamaStateSeqFlags::empty())
    }

    fn argmax(&self) -> LlamaToken {
        let logits = self.last_logits.as_deref().unwrap_or(&[]);
        let best = logits
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i);
        LlamaToken::new(best as i32)
    }
}

fn neg_log_likelihood(logits: &[f32], token: LlamaToken) -> f64 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let sum: f64 = logits.iter().map(|&l| (l as f64 - max).exp()).sum();
    let target = logits.get(token.0 as usize).copied().unwrap_or(f32::MIN) as f64;
    -(target - max - sum.ln())
}

fn measure(
    model: &LlamaModel,
    name: &str,
    strategy: Attention,
    text: &[LlamaToken],
    plan: &Plan,
) -> anyhow::Result<Run> {
    let max_point = plan.points.iter().copied().max().unwrap_or(0);
    let wanted = max_point + PROBE_TOKENS + 8;
    let (ctx, limit) = context(model, strategy, wanted, plan.threads)?;
    let mut feeder = Feeder {
        ctx,
        cached: Vec::new(),
        slide: slide_for(model, strategy),
        stats: SlideStats::default(),
        last_logits: None,
    };
    let mut run = Run {
        model: name.to_string(),
        strategy: strategy.to_string(),
        cache_tokens: limit.unwrap_or_else(|| strategy.sliding().map_or(0, |(s, w)| s + w)),
        points: Vec::new(),
        passkey: Vec::new(),
        slide: None,
        skipped: Vec::new(),
    };
    let mut fed = 0;
    let mut points = plan.points.clone();
    points.sort_unstable();
    for point in points {
        if limit.is_some_and(|l| point + PROBE_TOKENS > l) || point + PROBE_TOKENS > text.len() {
            run.skipped.push(format!("{point} tokens"));
            continue;
        }
        let mut nll = Vec::new();
        let score_from = (point - fed).saturating_sub(PPL_TOKENS);
        feeder.feed(&text[fed..point], score_from, &mut nll)?;
        fed = point;
        let ppl = (nll.iter().sum::<f64>() / nll.len().max(1) as f64).exp();
        let kv_bytes = feeder.kv_bytes();
        let started = Instant::now();
        for token in &text[fed..fed + PROBE_TOKENS] {
            feeder.feed(std::slice::from_ref(token), usize::MAX, &mut Vec::new())?;
        }
        let decode_tps = PROBE_TOKENS as f64 / started.elapsed().as_secs_f64();
        fed += PROBE_TOKENS;
        run.points.push(Point {
            context_tokens: point,
            kv_bytes,
            decode_tps,
            ppl,
            kv_bytes_ratio: None,
            decode_tps_ratio: None,
            ppl_ratio: None,
        });
    }
    if feeder.slide.is_some() {
        run.slide = Some(feeder.stats);
    }
    for (i, &distance) in plan.passkey_distances.iter().enumerate() {
        match passkey(
            model,
            strategy,
            text,
            distance,
            10_000 + 7_919 * (i + 3),
            plan.threads,
        )? {
            Some(p) => run.passkey.push(p),
            None => run.skipped.push(format!("passkey at {distance}")),
        }
    }
    Ok(run)
}

/// States a number once, adds `distance` tokens of filler, then asks for it.
fn passkey(
    model: &LlamaModel,
    strategy: Attention,
    filler: &[LlamaToken],
    distance: usize,
    key: usize,
    threads: u32,
) -> anyhow::Result<Option<Passkey>> {
    let tokenize = |s: &str, bos: bool| model.vocab().tokenize(s.as_bytes(), bos, false);
    let mut prompt = tokenize(
        &format!("Remember this number. The pass key is {key}. The pass key is {key}.\n"),
        true,
    );
    prompt.extend_from_slice(&filler[1..=distance.min(filler.len() - 1)]);
    prompt.extend(tokenize("\nWhat is the pass key? The pass key is", false));
    let (ctx, limit) = context(model, strategy, prompt.len() + 16, threads)?;
    if limit.is_some_and(|l| prompt.len() + 8 > l) {
        return Ok(None);
    }
    let mut feeder = Feeder {
        ctx,
        cached: Vec::new(),
        slide: slide_for(model, strategy),
        stats: SlideStats::default(),
        last_logits: None,
    };
    feeder.feed(&prompt, usize::MAX, &mut Vec::new())?;
    let mut answer = String::new();
    for _ in 0..8 {
        let token = feeder.argmax();
        if model.vocab().is_eog(token) {
            break;
        }
        answer.push_str(&String::from_utf8_lossy(
            &model.vocab().token_to_piece(token, false, None),
        ));
        feeder.feed(&[token], usize::MAX, &mut Vec::new())?;
    }
    Ok(Some(Passkey {
        distance,
        found: answer.contains(&key.to_string()),
        answer: answer.trim().to_string(),
    }))
}

/// The human-readable table printed with `--json` off.
pub fn table(report: &Report) -> String {
    let mut out = format!(
        "{} ({} tokens); ppl over the {} tokens before each point; ratios against full\n",
        report.text, report.text_tokens, report.ppl_tokens
    );
    out.push_str(&format!(
        "{:<14} {:<16} {:>8} {:>11} {:>8} {:>9} {:>7} {:>7} {:>7}\n",
        "model", "strategy", "context", "kv bytes", "tok/s", "ppl", "kv×", "tok/s×", "ppl×"
    ));
    let r = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.2}"));
    for run in &report.runs {
        for p in &run.points {
            out.push_str(&format!(
                "{:<14} {:<16} {:>8} {:>11} {:>8.1} {:>9.2} {:>7} {:>7} {:>7}\n",
                run.model,
                run.strategy,
                p.context_tokens,
                p.kv_bytes,
                p.decode_tps,
                p.ppl,
                r(p.kv_bytes_ratio),
                r(p.decode_tps_ratio),
                r(p.ppl_ratio)
            ));
        }
        let keys: Vec<String> = run
            .passkey
            .iter()
            .map(|k| {
                format!(
                    "{}:{}",
                    k.distance,
                    if k.found { "found" } else { "missed" }
                )
            })
            .collect();
        out.push_str(&format!(
            "{:<14} {:<16} passkey {}{}\n",
            run.model,
            run.strategy,
            keys.join(" "),
            if run.skipped.is_empty() {
                String::new()
            } else {
                format!(" (skipped: {})", run.skipped.join(", "))
            }
        ));
    }
    out.push_str(&super::chat_passkey::table(&report.chat_passkey));
    out
}
