//! Attention strategies on the real models, with the patched llama.cpp: sliding keeps the cache
//! bounded forever, ALiBi and the all-layer window change attention exactly as they should.

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::token::LlamaToken;
use mneme::engine::{
    Attention, ChatMessage, Engine, EngineSettings, GenerateRequest, Role, SamplingParams,
    StopReason,
};
use mneme::models::{Catalog, ChatModel};
use tokio_util::sync::CancellationToken;

use crate::common::{chat_model_path, models_dir};

const TEXT: &str = include_str!("../../assets/bench/genesis-kjv.txt");

fn engine(model: ChatModel, attention: Attention) -> Engine {
    Engine::load(EngineSettings {
        model,
        template_override: None,
        context_size: 2048,
        threads: 2,
        batch_size: 256,
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

/// Several turns whose total is three times the cache: replies keep coming, the cache stays bounded.
fn stream_three_times_the_cache(
    model: ChatModel,
    window: u32,
    sinks: u32,
) -> (usize, usize, usize) {
    let engine = engine(model, Attention::Sliding { window, sinks });
    let capacity = (window + sinks) as usize;
    let paragraphs: Vec<&str> = TEXT.split("\n\n").collect();
    let mut messages = vec![ChatMessage::new(
        Role::System,
        "You are a helpful assistant.",
    )];
    let (mut streamed, mut evicted, mut moves) = (0, 0, 0);
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
        moves += done.stats.kv_shifts + done.stats.kv_reprefills;
        messages.push(ChatMessage::new(Role::Assistant, done.text));
        turn += 1;
    }
    (streamed, evicted, moves)
}

#[test]
fn sliding_streams_three_times_its_cache_and_stays_within_sinks_plus_window() {
    let (streamed, evicted, shifts) = stream_three_times_the_cache(smollm(), 256, 4);
    assert!(streamed >= 3 * 260);
    assert!(
        evicted > 0 && shifts > 0,
        "evicted {evicted} in {shifts} shifts"
    );
}

#[test]
fn sliding_on_a_model_with_windowed_layers_falls_back_to_re_reading_the_window() {
    let gemma = Catalog::new(&models_dir())
        .resolve_chat("gemma3-270m")
        .expect("gemma fetched by make test");
    let (_, evicted, rereads) = stream_three_times_the_cache(gemma, 192, 4);
    assert!(evicted > 0 && rereads > 0);
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
