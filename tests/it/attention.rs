//! Attention strategies on the real models, with the patched llama.cpp: sliding keeps the cache
//! bounded forever, ALiBi and the all-layer window change attention exactly as they should.

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::token::LlamaToken;
use mneme::engine::attention::LlamaAttention;
use mneme::engine::window::{Slide, SlideStats, full_swa_cache, make_room};
use mneme::engine::{
    Attention, ChatMessage, Engine, EngineSettings, GenerateRequest, Role, SamplingParams,
    StopReason,
};
use mneme::models::{Catalog, ChatModel};
use tokio_util::sync::CancellationToken;

use crate::common::{chat_model_path, models_dir};

const TEXT: &str = include_str!("../../assets/bench/genesis-kjv.txt");

fn engine(model: ChatModel, attention: Attention, batch_size: u32) -> Engine {
    Engine::load(EngineSettings {
        model,
        template_override: None,
        context_size: 2048,
        threads: 2,
        batch_size,
        attention,
    })
    .expect("load the real model")
}

fn smollm() -> ChatModel {
    ChatModel {
        name: "smollm2-135m".into(),
        path: chat_model_path(),
        template: None,
    }
}

/// How the cache made room.
#[derive(Debug, Default)]
struct Moves {
    shifts: usize,
    rereads: usize,
}

/// Several turns whose total is three times the cache: replies keep coming, the cache stays bounded.
fn stream_three_times_the_cache(
    model: ChatModel,
    window: u32,
    sinks: u32,
    batch_size: u32,
) -> (usize, usize, Moves) {
    let engine = engine(model, Attention::Sliding { window, sinks }, batch_size);
    let capacity = (window + sinks) as usize;
    let paragraphs: Vec<&str> = TEXT.split("\n\n").collect();
    let mut messages = vec![ChatMessage::new(
        Role::System,
        "You are a helpful assistant.",
    )];
    let (mut streamed, mut evicted, mut moves) = (0, 0, Moves::default());
    let mut turn = 0;
    while streamed < 3 * capacity {
        let words: String = paragraphs[turn % paragraphs.len()]
            .split_whitespace()
            .take(90)
            .collect::<Vec<_>>()
            .join(" ");
        messages.push(ChatMessage::new(Role::User, format!("Summarise: {words}")));
        let done = engine
            .generate_blocking(
                GenerateRequest {
                    messages: messages.clone(),
                    sampling: SamplingParams::greedy(),
                    max_tokens: 24,
                    cancel: CancellationToken::new(),
                    ignore_end_of_turn: false,
                },
                |_| {},
            )
            .expect("generation keeps working");
        assert_ne!(done.stop, StopReason::ContextFull);
        assert!(
            !done.text.trim().is_empty(),
            "turn {turn} gave an empty reply"
        );
        assert!(
            done.stats.context_used <= capacity,
            "the cache holds {} tokens, more than S+W = {capacity}",
            done.stats.context_used
        );
        streamed += done.stats.prefill_tokens + done.stats.generated_tokens;
        evicted += done.stats.evicted_tokens;
        moves.shifts += done.stats.kv_shifts;
        moves.rereads += done.stats.kv_reprefills;
        messages.push(ChatMessage::new(Role::Assistant, done.text));
        turn += 1;
    }
    (streamed, evicted, moves)
}

#[test]
fn sliding_streams_three_times_its_cache_and_stays_within_sinks_plus_window() {
    let (streamed, evicted, moves) = stream_three_times_the_cache(smollm(), 256, 4, 256);
    assert!(streamed >= 3 * 260);
    assert!(
        evicted > 0 && moves.shifts > 0,
        "evicted {evicted}: {moves:?}"
    );
    assert_eq!(moves.rereads, 0, "SmolLM2 shifts, never re-reads");
}

fn gemma() -> ChatModel {
    Catalog::new(&models_dir())
        .resolve_chat("gemma3-270m")
        .expect("gemma fetched by make test")
}

#[test]
fn sliding_on_a_model_with_windowed_layers_shifts_instead_of_re_reading() {
    // A batch smaller than half the window: making room must respect the context's batch size.
    let (_, evicted, moves) = stream_three_times_the_cache(gemma(), 192, 4, 64);
    assert!(
        evicted > 0 && moves.shifts > 0,
        "evicted {evicted}: {moves:?}"
    );
    assert_eq!(
        moves.rereads, 0,
        "Gemma 3 re-read its window instead of shifting it"
    );
}

/// Perplexity of the last `scored` of `tokens` read through a sliding cache shaped by `slide`,
/// in a context made the way the engine makes it, and how the cache made room.
fn sliding_perplexity(
    model: &LlamaModel,
    tokens: &[LlamaToken],
    slide: Slide,
    scored: usize,
) -> (f64, SlideStats) {
    const STEP: usize = 32;
    let mut ctx = model
        .new_context(
            mneme::engine::backend_handle(),
            LlamaContextParams::default()
                .with_n_ctx(std::num::NonZeroU32::new(slide.capacity() as u32))
                .with_n_batch(STEP as u32)
                .with_n_ubatch(STEP as u32)
                .with_n_threads(2)
                .with_n_threads_batch(2)
                .with_swa_full(full_swa_cache(true)),
        )
        .unwrap();
    let (mut cached, mut stats) = (Vec::new(), SlideStats::default());
    let mut batch = LlamaBatch::new(STEP, 1);
    let mut nll = Vec::new();
    for (n, chunk) in tokens.chunks(STEP).enumerate() {
        make_room(&mut ctx, &mut cached, slide, chunk.len(), &mut stats).unwrap();
        batch.clear();
        for (i, t) in chunk.iter().enumerate() {
            batch
                .add(*t, (cached.len() + i) as i32, &[0], true)
                .unwrap();
        }
        ctx.decode(&mut batch).unwrap();
        cached.extend_from_slice(chunk);
        for i in 0..chunk.len() {
            let next = n * STEP + i + 1;
            if next >= tokens.len() || next < tokens.len() - scored {
                continue;
            }
            let logits = ctx.get_logits_ith(i as i32);
            let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
            let sum: f64 = logits.iter().map(|&l| (l as f64 - max).exp()).sum();
            let target = logits[tokens[next].0 as usize] as f64;
            nll.push(-(target - max - sum.ln()));
        }
    }
    let ppl = (nll.iter().sum::<f64>() / nll.len() as f64).exp();
    (ppl, stats)
}

#[test]
fn a_shifted_gemma_cache_reads_as_well_as_re_reading_what_it_kept() {
    // Gemma 3's local layers use RoPE base 10k and its global layers 1M: shifting must rotate
    // each layer with its own base. Against re-reading the kept tokens (no shift at all), the
    // perplexity of what follows must stay within ×1.05.
    let model = LlamaModel::load_from_file(
        mneme::engine::backend_handle(),
        gemma().path,
        &llama_cpp_2::model::params::LlamaModelParams::default(),
    )
    .unwrap();
    let tokens = prompt(&model, 640);
    let shifting = Slide::for_model(&model, 4, 192);
    assert!(
        shifting.can_shift,
        "llama.cpp can shift Gemma 3 with swa_full"
    );
    let (shifted, stats) = sliding_perplexity(&model, &tokens, shifting, 256);
    assert!(stats.shifts >= 3 && stats.reprefills == 0, "{stats:?}");
    let rereading = Slide {
        can_shift: false,
        ..shifting
    };
    let (reread, stats) = sliding_perplexity(&model, &tokens, rereading, 256);
    assert!(stats.reprefills >= 3, "{stats:?}");
    eprintln!("gemma sliding perplexity: shifted {shifted:.3}, re-read {reread:.3}");
    assert!(
        shifted <= reread * 1.05,
        "shifting raised perplexity from {reread:.3} to {shifted:.3}"
    );
}

/// Next-token logits after `tokens`, on a model loaded with `attention`.
fn logits(model: &LlamaModel, tokens: &[LlamaToken]) -> Vec<f32> {
    let params = LlamaContextParams::default()
        .with_n_ctx(std::num::NonZeroU32::new(1024))
        .with_n_batch(512)
        .with_n_ubatch(512)
        .with_n_threads(2)
        .with_n_threads_batch(2);
    let mut ctx = model
        .new_context(mneme::engine::backend_handle(), params)
        .unwrap();
    let mut batch = LlamaBatch::new(tokens.len(), 1);
    for (i, t) in tokens.iter().enumerate() {
        batch
            .add(*t, i as i32, &[0], i + 1 == tokens.len())
            .unwrap();
    }
    ctx.decode(&mut batch).unwrap();
    ctx.get_logits_ith(tokens.len() as i32 - 1).to_vec()
}

fn load(attention: Attention) -> LlamaModel {
    attention
        .load_model(mneme::engine::backend_handle(), &chat_model_path())
        .expect("load with overrides")
}

fn prompt(model: &LlamaModel, n: usize) -> Vec<LlamaToken> {
    let mut tokens = model.vocab().tokenize(TEXT.as_bytes(), true, false);
    tokens.truncate(n);
    tokens
}

#[test]
fn alibi_zero_is_exactly_upstream_and_a_slope_changes_the_logits() {
    let plain = load(Attention::Full);
    let tokens = prompt(&plain, 200);
    let upstream = logits(&plain, &tokens);
    let zero = logits(&load(Attention::Alibi { max_bias: 0.0 }), &tokens);
    assert_eq!(upstream, zero, "slope 0 must leave llama.cpp untouched");
    let sloped = logits(&load(Attention::Alibi { max_bias: 8.0 }), &tokens);
    let moved = upstream
        .iter()
        .zip(&sloped)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        moved > 1e-3,
        "ALiBi slope 8 changed the logits by only {moved}"
    );
}

#[test]
fn a_window_on_every_layer_bounds_what_the_next_token_can_see() {
    let window = 4;
    let model = load(Attention::Window { window });
    let layers = model.n_layer() as usize;
    let tokens = prompt(&model, layers * window as usize + 40);
    let base = logits(&model, &tokens);
    let mut far = tokens.clone();
    far[10] = LlamaToken::new(tokens[10].0 + 1); // more than layers × W positions back
    assert!(tokens.len() - 1 - 10 > layers * window as usize);
    assert_eq!(
        base,
        logits(&model, &far),
        "a token beyond layers × W changed the logits"
    );
    let mut near = tokens.clone();
    let last = tokens.len() - 2; // inside the window
    near[last] = LlamaToken::new(tokens[last].0 + 1);
    assert_ne!(
        base,
        logits(&model, &near),
        "a token inside the window did not matter"
    );
    // Without the window the far token does matter: the patch is what bounds it.
    let plain = load(Attention::Full);
    assert_ne!(logits(&plain, &tokens), logits(&plain, &far));
}

#[test]
fn attention_is_chosen_on_the_command_line_or_in_the_config_and_checked() {
    let data = crate::common::DataDir::new();
    let reply = data.json(&[
        "ask",
        "--new",
        "--temp",
        "0",
        "--max-tokens",
        "8",
        "--no-recall",
        "--json",
        "--attention",
        "sliding:256:4",
        "Name a colour.",
    ]);
    assert_eq!(reply["stats"]["context_size"], 260);
    let bad = data.run(&["ask", "--attention", "sideways:3", "hi"], false);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown attention `sideways:3`"));
    data.write_config("[attention]\nstrategy = \"window:64\"\n");
    let windowed = data.json(&[
        "ask",
        "--new",
        "--temp",
        "0",
        "--max-tokens",
        "4",
        "--no-recall",
        "--json",
        "Hi",
    ]);
    assert!(!windowed["reply"].as_str().unwrap().is_empty() || windowed["stop"] == "end_of_turn");
    data.write_config("[attention]\nstrategy = \"window:0\"\n");
    let refused = data.run(&["ask", "hi"], false);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("config.toml:2") && err.contains("window must be at least 1"),
        "{err}"
    );
}

#[test]
fn bench_attention_prints_one_run_per_model_and_strategy_with_growing_points() {
    let data = crate::common::DataDir::new();
    let report = data.json(&[
        "bench",
        "attention",
        "--quick",
        "--json",
        "--models",
        "smollm2-135m",
        "--points",
        "64,160",
        "--attention",
        "sliding:64:4",
        "--attention",
        "window:16",
    ]);
    let runs = report["runs"].as_array().unwrap();
    let strategies: Vec<&str> = runs
        .iter()
        .map(|r| r["strategy"].as_str().unwrap())
        .collect();
    assert_eq!(strategies, ["full", "sliding:64:4", "window:16"]);
    for run in runs {
        assert_eq!(run["model"], "smollm2-135m");
        let points = run["points"].as_array().unwrap();
        let lengths: Vec<u64> = points
            .iter()
            .map(|p| p["context_tokens"].as_u64().unwrap())
            .collect();
        assert_eq!(lengths, [64, 160]);
        for p in points {
            assert!(p["kv_bytes"].as_u64().unwrap() > 0);
            assert!(p["decode_tps"].as_f64().unwrap() > 0.0);
            assert!(p["ppl"].as_f64().unwrap() > 1.0);
        }
        assert!(
            run["passkey"]
                .as_array()
                .unwrap()
                .iter()
                .all(|k| k["found"].is_boolean())
        );
    }
    // Sliding holds at most S+W tokens: its KV bytes stop growing while full's grow.
    let kv = |i: usize, j: usize| runs[i]["points"][j]["kv_bytes"].as_u64().unwrap();
    assert!(kv(0, 1) > kv(0, 0));
    assert!(kv(1, 1) < kv(0, 1));
    assert!(kv(2, 1) < kv(0, 1));
}

#[test]
fn bench_attention_finds_the_chat_passkey_through_recall_once_the_window_has_passed_it() {
    let data = crate::common::DataDir::new();
    let report = data.json(&[
        "bench",
        "attention",
        "--quick",
        "--json",
        "--models",
        "smollm2-135m",
        "--points",
        "64",
        "--attention",
        "sliding:256:4",
    ]);
    let chat = report["chat_passkey"].as_array().unwrap();
    let distances: Vec<u64> = chat
        .iter()
        .map(|r| r["distance"].as_u64().unwrap())
        .collect();
    assert_eq!(distances, [64, 320], "{report}");
    let (near, far) = (&chat[0], &chat[1]);
    assert_eq!(far["strategy"], "sliding:256:4");
    // What the model sees is the window and its sinks, not the padded cache llama.cpp allocates.
    assert_eq!(far["context_tokens"], 260, "{far}");
    assert!(
        far["distance_tokens"].as_u64().unwrap() > far["context_tokens"].as_u64().unwrap(),
        "{far}"
    );
    // Within the window the statement is in the prompt: nothing to recall. Past it, recall
    // brings it back in every conversation, and most replies hold the code, which the model
    // cannot say without it. One greedy reply of a 135M model is one sample (about one in ten
    // ignores the recalled code), so each distance is held with five codes.
    assert_eq!(near["codes"], 5, "{near}");
    assert_eq!(near["recalled"], 0, "{near}");
    assert_eq!(far["recalled"], 5, "{far}");
    assert!(far["found"].as_u64().unwrap() >= 3, "{far}");
    assert_eq!(far["found_without_recall"], 0, "{far}");
    assert_eq!(far["answers"].as_array().unwrap().len(), 5, "{far}");
}

#[test]
fn loading_a_model_with_attention_overrides_prints_nothing_on_stderr() {
    // llama-cpp-2 prints "saved ptr: 0x…" when an override is added; in the chat that would be
    // drawn over the screen.
    let data = crate::common::DataDir::new();
    let out = data.run(
        &[
            "ask",
            "--new",
            "--attention",
            "window:64",
            "--max-tokens",
            "2",
            "hi",
        ],
        true,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("saved ptr"), "{err}");
}
