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
    /// Tokens each arm decoded per run: the same in both (end of turn is ignored).
    pub engine_decoded_tokens: usize,
    pub baseline_decoded_tokens: usize,
    pub ttft_ms: f64,
    pub prefill_tps: f64,
    pub decode_tps: f64,
    /// The same work done by a bare llama.cpp decode loop in this process.
    pub baseline_prefill_tps: f64,
    pub baseline_decode_tps: f64,
    /// Each arm's fastest run against the other's: the machine's noise (another process, the
    /// host's other guests) only ever slows a run down, so the fastest of a few is the closest
    /// to what an arm itself costs. The medians above are what a user sees.
    pub prefill_ratio: f64,
    pub decode_ratio: f64,
    /// Each run's engine against the bare loop run beside it, in run order: the spread.
    pub prefill_ratios: Vec<f64>,
    pub decode_ratios: Vec<f64>,
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
    pub resume: ResumePoint,
}

/// Time to the first token of a follow-up in a long conversation: with the conversation already in
/// the KV cache (warm), restored from a saved KV state (resume; loading included), and read back
/// from scratch (re-read). Medians.
#[derive(Debug, Serialize)]
pub struct ResumePoint {
    pub conversation_tokens: usize,
    pub warm_ttft_ms: f64,
    pub resume_ttft_ms: f64,
    pub reread_ttft_ms: f64,
    pub reread_prefill_tps: f64,
    /// `resume_ttft_ms / warm_ttft_ms`.
    pub resume_ratio: f64,
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

/// Runs the benchmark: for each length, `runs` cold-cache replies through the engine and through
/// a bare llama.cpp loop, interleaved (engine, loop, engine, …) so drift in the machine's speed
/// hits both arms alike. Both decode exactly `decode_tokens` (end of turn ignored) in contexts with
/// identical parameters, sized to hold the longest prompt.
pub fn run(
    settings: &EngineSettings,
    source: &str,
    lengths: &[usize],
    runs: usize,
    decode_tokens: usize,
) -> Result<EngineReport, EngineError> {
    let mut settings = settings.clone();
    let longest = lengths.iter().copied().max().unwrap_or(0);
    // Room for the longest prompt, its chat template and the reply.
    settings.context_size = settings
        .context_size
        .max((longest + decode_tokens + 128).next_multiple_of(256) as u32);
    let settings = &settings;
    let threads = settings.resolved_threads();
    let engine = Engine::load(settings.clone())?;
    let mut bare = BareLoop::new(settings)?;
    let mut points = Vec::new();
    for &length in lengths {
        // Exactly `length` tokens of text (the chat template adds a few around it).
        let text = bare.text_of_tokens(source, length);
        let bare_text = prompt_text(source, length + 256);
        let (mut ttft, mut prefill, mut decode) = (Vec::new(), Vec::new(), Vec::new());
        let (mut base_prefill, mut base_decode) = (Vec::new(), Vec::new());
        let (mut prompt_tokens, mut engine_decoded, mut bare_decoded) = (0, 0, 0);
        for run_index in 0..runs {
            let request = GenerateRequest {
                messages: vec![ChatMessage::new(
                    Role::User,
                    format!("Continue this text:\n{text}"),
                )],
                sampling: SamplingParams::greedy(),
                max_tokens: decode_tokens as u32,
                cancel: CancellationToken::new(),
                ignore_end_of_turn: true,
            };
            let run_engine = || -> Result<_, EngineError> {
                engine.reset()?;
                Ok(engine.generate_blocking(request.clone(), |_| {})?.stats)
            };
            // The same number of prompt tokens through the bare loop, right beside it; which arm
            // goes first alternates, so neither always runs on the other's leftovers (caches,
            // OpenMP threads still spinning). The first run starts with the engine, which says how
            // many prompt tokens the loop reads.
            let engine_first = run_index % 2 == 0 || prompt_tokens == 0;
            let first = engine_first.then(run_engine).transpose()?;
            let tokens = first
                .as_ref()
                .map_or(prompt_tokens, |stats| stats.prompt_tokens);
            let run = bare.run(&bare_text, tokens, decode_tokens)?;
            let stats = match first {
                Some(stats) => stats,
                None => run_engine()?,
            };
            prompt_tokens = stats.prompt_tokens;
            engine_decoded = stats.generated_tokens;
            ttft.push(stats.ttft_ms);
            prefill.push(stats.prefill_tps);
            decode.push(stats.decode_tps);
            bare_decoded = run.decoded;
            base_prefill.push(run.prefill_tps);
            base_decode.push(run.decode_tps);
        }
        let pairs = |engine: &[f64], bare: &[f64]| -> Vec<f64> {
            engine
                .iter()
                .zip(bare)
                .map(|(e, b)| ratio(*e, *b))
                .collect()
        };
        let (prefill_ratios, decode_ratios) =
            (pairs(&prefill, &base_prefill), pairs(&decode, &base_decode));
        let fastest = |runs: &[f64]| runs.iter().copied().fold(0.0, f64::max);
        let (prefill_ratio, decode_ratio) = (
            ratio(fastest(&prefill), fastest(&base_prefill)),
            ratio(fastest(&decode), fastest(&base_decode)),
        );
        let (prefill_tps, decode_tps) = (median(&mut prefill), median(&mut decode));
        let (base_prefill, base_decode) = (median(&mut base_prefill), median(&mut base_decode));
        points.push(EnginePoint {
            prompt_tokens,
            engine_decoded_tokens: engine_decoded,
            baseline_decoded_tokens: bare_decoded,
            ttft_ms: median(&mut ttft),
            prefill_tps,
            decode_tps,
            baseline_prefill_tps: base_prefill,
            baseline_decode_tps: base_decode,
            prefill_ratio,
            decode_ratio,
            prefill_ratios,
            decode_ratios,
        });
    }
    let resume = resume_point(&engine, source, runs)?;
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
        resume,
    })
}

/// A conversation of about `RESUME_TOKENS` tokens: alternating questions and answers.
const RESUME_TOKENS: usize = 1600;

fn resume_point(engine: &Engine, source: &str, runs: usize) -> Result<ResumePoint, EngineError> {
    let paragraphs: Vec<&str> = source
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect();
    let mut conversation = vec![ChatMessage::new(
        Role::System,
        "You are a helpful assistant.",
    )];
    let mut chars = 0;
    for (i, paragraph) in paragraphs.iter().cycle().enumerate() {
        if chars > RESUME_TOKENS * 4 {
            break;
        }
        let role = if i % 2 == 0 {
            Role::User
        } else {
            Role::Assistant
        };
        conversation.push(ChatMessage::new(role, *paragraph));
        chars += paragraph.len();
    }
    if conversation.last().is_some_and(|m| m.role == Role::User) {
        conversation.push(ChatMessage::new(Role::Assistant, "I see."));
    }
    let mut follow_up = conversation.clone();
    follow_up.push(ChatMessage::new(Role::User, "And what happened next?"));
    let first_token = |messages: &[ChatMessage]| -> Result<(f64, usize, f64), EngineError> {
        let done = engine.generate_blocking(
            GenerateRequest {
                messages: messages.to_vec(),
                sampling: SamplingParams::greedy(),
                max_tokens: 1,
                cancel: CancellationToken::new(),
                ignore_end_of_turn: true,
            },
            |_| {},
        )?;
        Ok((
            done.stats.ttft_ms,
            done.stats.prompt_tokens,
            done.stats.prefill_tps,
        ))
    };
    let dir = tempfile::tempdir().map_err(|e| EngineError::Llama(e.to_string()))?;
    let state = dir.path().join("conversation.kv");
    let runtime = tokio::runtime::Handle::current();
    let (mut warm, mut resume, mut reread, mut reread_tps) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut tokens = 0;
    for _ in 0..runs {
        // Warm: the conversation is in the cache; only the follow-up is read.
        engine.reset()?;
        first_token(&conversation)?;
        runtime.block_on(engine.save_state(&state))?;
        warm.push(first_token(&follow_up)?.0);
        // Resume: a fresh cache restored from the saved state, then the follow-up.
        engine.reset()?;
        let start = Instant::now();
        runtime.block_on(engine.load_state(&state))?;
        let load_ms = start.elapsed().as_secs_f64() * 1000.0;
        resume.push(load_ms + first_token(&follow_up)?.0);
        // Re-read: nothing cached; the whole conversation is read again.
        engine.reset()?;
        let (ttft, prompt_tokens, tps) = first_token(&follow_up)?;
        reread.push(ttft);
        reread_tps.push(tps);
        tokens = prompt_tokens;
    }
    let (warm, resume) = (median(&mut warm), median(&mut resume));
    Ok(ResumePoint {
        conversation_tokens: tokens,
        warm_ttft_ms: warm,
        resume_ttft_ms: resume,
        reread_ttft_ms: median(&mut reread),
        reread_prefill_tps: median(&mut reread_tps),
        resume_ratio: ratio(resume, warm),
    })
}

/// One run of the bare loop.
struct BareRun {
    prefill_tps: f64,
    decode_tps: f64,
    decoded: usize,
}

/// The baseline: tokenize, batch-decode the prompt, then greedy single-token decodes; no
/// channels, sampling chain or UTF-8 work. Its own model and a context with the engine's
/// parameters.
struct BareLoop {
    model: LlamaModel,
    settings: EngineSettings,
}

impl BareLoop {
    fn new(settings: &EngineSettings) -> Result<Self, EngineError> {
        let backend = crate::engine::backend_handle();
        let model =
            LlamaModel::load_from_file(backend, &settings.model.path, &LlamaModelParams::default())
                .map_err(|_| EngineError::LoadFailed {
                    path: settings.model.path.clone(),
                })?;
        Ok(Self {
            model,
            settings: settings.clone(),
        })
    }

    /// Text of `source` (repeated) that is exactly `tokens` tokens long for this model.
    fn text_of_tokens(&self, source: &str, tokens: usize) -> String {
        let text = prompt_text(source, tokens * 2 + 16);
        let vocab = self.model.vocab();
        let ids = vocab.tokenize(text.as_bytes(), false, false);
        let mut utf8 = crate::engine::utf8::Utf8Stream::default();
        let mut out = String::new();
        for id in ids.into_iter().take(tokens) {
            out.push_str(&utf8.push(&vocab.token_to_piece(id, false, None)));
        }
        out.push_str(&utf8.finish());
        out
    }

    /// Reads the first `prompt_tokens` tokens of `text` into an empty cache, then decodes
    /// `decode_tokens` greedily.
    fn run(
        &mut self,
        text: &str,
        prompt_tokens: usize,
        decode_tokens: usize,
    ) -> Result<BareRun, EngineError> {
        let fail = |e: &dyn std::fmt::Display| EngineError::Llama(e.to_string());
        let backend = crate::engine::backend_handle();
        let mut ctx = self
            .model
            .new_context(backend, self.settings.context_params())
            .map_err(|e| fail(&e))?;
        let mut tokens = self.model.vocab().tokenize(text.as_bytes(), true, false);
        tokens.truncate(prompt_tokens.max(1));
        let batch_size = self.settings.batch_size as usize;
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
        let prefill_tps = tokens.len() as f64 / start.elapsed().as_secs_f64();
        let start = Instant::now();
        let mut last = batch.n_tokens() - 1;
        let mut single = LlamaBatch::new(1, 1);
        for step in 0..decode_tokens {
            let logits = ctx.get_logits_ith(last);
            let next = logits
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(i, _)| i);
            single.clear();
            single
                .add(
                    llama_cpp_2::token::LlamaToken(next as i32),
                    (tokens.len() + step) as i32,
                    &[0],
                    true,
                )
                .map_err(|e| fail(&e))?;
            ctx.decode(&mut single).map_err(|e| fail(&e))?;
            last = 0;
        }
        Ok(BareRun {
            prefill_tps,
            decode_tps: decode_tokens as f64 / start.elapsed().as_secs_f64(),
            decoded: decode_tokens,
        })
    }
}
