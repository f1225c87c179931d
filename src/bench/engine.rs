//! `mneme bench engine`: prefill/decode speed and time to first token of the engine, against a raw llama.cpp loop.

use std::time::Instant;

use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::model::params::LlamaModelParams;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::{median, ratio};
use crate::engine::{
    ChatMessage, Engine, EngineError, EngineSettings, GenerateRequest, Role, SamplingParams,
};

/// One prompt length's medians.
#[derive(Debug, Serialize)]
pub struct EnginePoint {
    pub prompt_tokens: usize,
    pub ttft_ms: f64,
    pub prefill_tps: f64,
    pub decode_tps: f64,
    /// The same work done by a bare llama.cpp decode loop in this process.
    pub baseline_prefill_tps: f64,
    pub baseline_decode_tps: f64,
    pub prefill_ratio: f64,
    pub decode_ratio: f64,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct EngineReport {
    pub bench: &'static str,
    pub model: String,
    pub model_path: String,
    pub context_size: u32,
    pub threads: u32,
    pub runs: usize,
    pub decode_tokens: usize,
    pub llama_cpp: BuildInfo,
    pub points: Vec<EnginePoint>,
}

/// Which llama.cpp this is, to compare with llama.cpp's own `llama-bench` on the same file.
#[derive(Debug, Serialize)]
pub struct BuildInfo {
    pub bindings: &'static str,
    pub system_info: String,
    /// The instruction sets it was built to use (`AVX512` when built on such a CPU).
    pub simd: Vec<String>,
}

/// A prompt of roughly `tokens` tokens of English text.
fn prompt_text(source: &str, tokens: usize) -> String {
    let mut text = String::new();
    while text.len() < tokens * 4 {
        text.push_str(source);
        text.push('\n');
    }
    text.truncate(text.floor_char_boundary(tokens * 4));
    text
}

/// Runs the benchmark: for each length, `runs` cold-cache replies through the engine and the raw loop.
pub fn run(
    settings: &EngineSettings,
    source: &str,
    lengths: &[usize],
    runs: usize,
    decode_tokens: usize,
) -> Result<EngineReport, EngineError> {
    let threads = settings.resolved_threads();
    let engine = Engine::load(settings.clone())?;
    let mut points = Vec::new();
    for &length in lengths {
        let text = prompt_text(source, length);
        let (mut ttft, mut prefill, mut decode) = (Vec::new(), Vec::new(), Vec::new());
        let mut prompt_tokens = 0;
        for _ in 0..runs {
            engine.reset()?;
            let request = GenerateRequest {
                messages: vec![ChatMessage::new(
                    Role::User,
                    format!("Continue this text:\n{text}"),
                )],
                sampling: SamplingParams::greedy(),
                max_tokens: decode_tokens as u32,
                cancel: CancellationToken::new(),
            };
            let done = engine.generate_blocking(request, |_| {})?;
            prompt_tokens = done.stats.prompt_tokens;
            ttft.push(done.stats.ttft_ms);
            prefill.push(done.stats.prefill_tps);
            decode.push(done.stats.decode_tps);
        }
        let (base_prefill, base_decode) =
            raw_baseline(settings, &text, prompt_tokens, decode_tokens, runs)?;
        let (prefill_tps, decode_tps) = (median(&mut prefill), median(&mut decode));
        points.push(EnginePoint {
            prompt_tokens,
            ttft_ms: median(&mut ttft),
            prefill_tps,
            decode_tps,
            baseline_prefill_tps: base_prefill,
            baseline_decode_tps: base_decode,
            prefill_ratio: ratio(prefill_tps, base_prefill),
            decode_ratio: ratio(decode_tps, base_decode),
        });
    }
    Ok(EngineReport {
        bench: "engine",
        model: engine.info().name.clone(),
        model_path: engine.info().path.display().to_string(),
        context_size: engine.info().context_size,
        threads,
        runs,
        decode_tokens,
        llama_cpp: BuildInfo {
            bindings: "llama-cpp-2 0.1.160",
            simd: crate::engine::simd_paths(&crate::engine::system_info()),
            system_info: crate::engine::system_info(),
        },
        points,
    })
}

/// The baseline: tokenize, batch-decode the prompt, then greedy single-token decodes, no channels or UTF-8 work.
fn raw_baseline(
    settings: &EngineSettings,
    text: &str,
    prompt_tokens: usize,
    decode_tokens: usize,
    runs: usize,
) -> Result<(f64, f64), EngineError> {
    let fail = |e: &dyn std::fmt::Display| EngineError::Llama(e.to_string());
    let backend = crate::engine::backend_handle();
    let model =
        LlamaModel::load_from_file(backend, &settings.model.path, &LlamaModelParams::default())
            .map_err(|_| EngineError::LoadFailed {
                path: settings.model.path.clone(),
            })?;
    let mut ctx = model
        .new_context(backend, settings.context_params())
        .map_err(|e| fail(&e))?;
    let mut tokens = model.vocab().tokenize(text.as_bytes(), true, false);
    tokens.truncate(prompt_tokens.max(1));
    let (mut prefill, mut decode) = (Vec::new(), Vec::new());
    let batch_size = settings.batch_size as usize;
    for _ in 0..runs {
        ctx.clear_kv_cache();
        let start = Instant::now();
        let mut batch = LlamaBatch::new(batch_size, 1);
        for (c, chunk) in tokens.chunks(batch_size).enumerate() {
            batch.clear();
            for (i, t) in chunk.iter().enumerate() {
                let pos = c * batch_size + i;
                batch
                    .add(*t, pos as i32, &[0], pos + 1 == tokens.len())
                    .map_err(|e| fail(&e))?;
            }
            ctx.decode(&mut batch).map_err(|e| fail(&e))?;
        }
        prefill.push(tokens.len() as f64 / start.elapsed().as_secs_f64());
        let start = Instant::now();
        let mut last = batch.n_tokens() - 1;
        for step in 0..decode_tokens {
            let logits = ctx.get_logits_ith(last);
            let next = logits
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(i, _)| i);
            batch.clear();
            batch
                .add(
                    llama_cpp_2::token::LlamaToken(next as i32),
                    (tokens.len() + step) as i32,
                    &[0],
                    true,
                )
                .map_err(|e| fail(&e))?;
            ctx.decode(&mut batch).map_err(|e| fail(&e))?;
            last = 0;
        }
        decode.push(decode_tokens as f64 / start.elapsed().as_secs_f64());
    }
    Ok((median(&mut prefill), median(&mut decode)))
}
