//! The engine against the real SmolLM2 model: determinism, streaming, cancellation, cache reuse.

use mneme::engine::{
    ChatMessage, Engine, EngineSettings, GenerateRequest, GenerationEvent, Role, SamplingParams,
    StopReason,
};
use mneme::models::ChatModel;
use tokio_util::sync::CancellationToken;

use crate::common::chat_model_path;

fn engine() -> Engine {
    Engine::load(EngineSettings {
        model: ChatModel {
            name: "smollm2-135m".into(),
            path: chat_model_path(),
            template: None,
        },
        template_override: None,
        context_size: 2048,
        threads: 1,
        batch_size: 256,
        attention: Default::default(),
    })
    .expect("load the real model")
}

fn request(messages: Vec<ChatMessage>, max_tokens: u32) -> GenerateRequest {
    GenerateRequest {
        messages,
        sampling: SamplingParams::greedy(),
        max_tokens,
        cancel: CancellationToken::new(),
        ignore_end_of_turn: false,
    }
}

fn ask(text: &str) -> Vec<ChatMessage> {
    vec![
        ChatMessage::new(Role::System, "You are a helpful assistant."),
        ChatMessage::new(Role::User, text),
    ]
}

#[test]
fn greedy_replies_are_identical_and_pieces_concatenate_to_the_reply() {
    let engine = engine();
    let mut pieces = Vec::new();
    let first = engine
        .generate_blocking(
            request(ask("Name three colours of the rainbow."), 40),
            |p| pieces.push(p.to_string()),
        )
        .unwrap();
    assert!(!first.text.trim().is_empty());
    assert!(pieces.len() > 1, "the reply streams in several pieces");
    assert_eq!(pieces.concat(), first.text);
    engine.reset().unwrap();
    let second = engine
        .generate_blocking(
            request(ask("Name three colours of the rainbow."), 40),
            |_| {},
        )
        .unwrap();
    assert_eq!(first.text, second.text);
    assert!(
        first.stats.decode_tps > 0.0 && first.stats.prefill_tps > 0.0 && first.stats.ttft_ms > 0.0
    );
    assert_eq!(first.stats.context_size, 2048);
}

#[test]
fn max_tokens_bounds_the_reply() {
    let engine = engine();
    let done = engine
        .generate_blocking(
            request(ask("Write a long story about a dragon."), 7),
            |_| {},
        )
        .unwrap();
    assert_eq!(done.stop, StopReason::MaxTokens);
    assert_eq!(done.stats.generated_tokens, 7);
}

#[test]
fn cancellation_stops_within_a_step() {
    let engine = engine();
    let req = request(
        ask("Write a very long essay about the history of the sea."),
        400,
    );
    let cancel = req.cancel.clone();
    let mut events = engine.generate(req);
    let mut pieces = 0;
    let done = loop {
        match events.blocking_recv().expect("events until finished") {
            GenerationEvent::Piece(_) => {
                pieces += 1;
                if pieces == 3 {
                    cancel.cancel();
                }
            }
            GenerationEvent::Finished(done) => break done,
            GenerationEvent::Failed(e) => panic!("{e}"),
            GenerationEvent::Prefill { .. } => {}
        }
    };
    assert_eq!(done.stop, StopReason::Cancelled);
    assert!(
        done.stats.generated_tokens <= 4,
        "stopped after {} tokens",
        done.stats.generated_tokens
    );
}

#[test]
fn a_follow_up_decodes_only_its_new_tokens() {
    let engine = engine();
    let mut messages = ask("What is the capital of France?");
    let first = engine
        .generate_blocking(request(messages.clone(), 24), |_| {})
        .unwrap();
    assert_eq!(
        first.stats.prefill_tokens, first.stats.prompt_tokens,
        "a cold cache reads the whole prompt"
    );
    messages.push(ChatMessage::new(Role::Assistant, first.text.clone()));
    messages.push(ChatMessage::new(Role::User, "And of Italy?"));
    let second = engine
        .generate_blocking(request(messages, 24), |_| {})
        .unwrap();
    let reused = second.stats.prompt_tokens - second.stats.prefill_tokens;
    assert!(
        reused >= first.stats.prompt_tokens,
        "the first prompt ({}) stays cached; reused {reused}, prefilled {}",
        first.stats.prompt_tokens,
        second.stats.prefill_tokens
    );
    assert!(
        second.stats.prefill_tokens < 20,
        "only the new turn is decoded: {}",
        second.stats.prefill_tokens
    );
}

#[test]
fn a_conversation_longer_than_the_context_drops_its_oldest_turns() {
    let engine = engine();
    let filler = "The keeper climbed the stairs and trimmed the wick. ".repeat(60);
    let mut messages = vec![ChatMessage::new(
        Role::System,
        "You are a helpful assistant.",
    )];
    for _ in 0..6 {
        messages.push(ChatMessage::new(Role::User, filler.clone()));
        messages.push(ChatMessage::new(Role::Assistant, "Noted."));
    }
    messages.push(ChatMessage::new(Role::User, "Say hello."));
    let done = engine
        .generate_blocking(request(messages, 16), |_| {})
        .unwrap();
    assert!(done.stats.dropped_messages > 0);
    assert!(done.stats.context_used <= 2048);
}

#[test]
fn a_missing_or_corrupt_model_is_an_error_not_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let settings = |path: std::path::PathBuf| EngineSettings {
        model: ChatModel {
            name: "x".into(),
            path,
            template: None,
        },
        template_override: None,
        context_size: 512,
        threads: 1,
        batch_size: 64,
        attention: Default::default(),
    };
    let missing = Engine::load(settings(tmp.path().join("nope.gguf")))
        .err()
        .unwrap();
    assert!(missing.to_string().contains("does not exist"), "{missing}");
    let truncated = tmp.path().join("truncated.gguf");
    let bytes = std::fs::read(chat_model_path()).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let corrupt = Engine::load(settings(truncated)).err().unwrap();
    assert!(corrupt.to_string().contains("could not load"), "{corrupt}");
}

/// `bench engine` compares like with like: both arms decode exactly the asked number of tokens
/// (end of turn ignored) from the same number of prompt tokens, and it says which SIMD paths
/// llama.cpp uses.
#[test]
fn bench_engine_decodes_the_same_tokens_in_both_arms() {
    let data = crate::common::DataDir::new();
    let report = data.json(&[
        "bench",
        "engine",
        "--json",
        "--lengths",
        "64,200",
        "--runs",
        "2",
        "--decode-tokens",
        "24",
    ]);
    let points = report["points"].as_array().unwrap();
    assert_eq!(points.len(), 2, "{report}");
    for p in points {
        assert_eq!(p["engine_decoded_tokens"], 24, "{p}");
        assert_eq!(p["baseline_decoded_tokens"], 24, "{p}");
        assert!(p["decode_ratio"].as_f64().unwrap() > 0.0, "{p}");
        assert!(p["prefill_ratio"].as_f64().unwrap() > 0.0, "{p}");
        // One ratio per run: the second run goes bare loop first.
        assert_eq!(p["decode_ratios"].as_array().unwrap().len(), 2, "{p}");
        assert_eq!(p["prefill_ratios"].as_array().unwrap().len(), 2, "{p}");
    }
    assert!(points[1]["prompt_tokens"].as_u64() > points[0]["prompt_tokens"].as_u64());
    let resume = &report["resume"];
    assert!(
        resume["conversation_tokens"].as_u64().unwrap() > 1000,
        "{resume}"
    );
    let ms = |k: &str| resume[k].as_f64().unwrap();
    assert!(
        ms("reread_ttft_ms") > ms("warm_ttft_ms"),
        "re-reading costs more than a warm cache: {resume}"
    );
    let simd = report["llama_cpp"]["simd"].as_array().unwrap();
    assert!(simd.iter().any(|s| s == "AVX2"), "{report}");
}
