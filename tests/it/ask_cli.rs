//! `mneme ask` end to end: JSON output, streaming, follow-ups, interruption and crashes.

use std::process::Stdio;

use crate::common::{DataDir, chat_model_path};

fn ask_json(data: &DataDir, extra: &[&str], question: &str) -> serde_json::Value {
    let mut args = vec!["ask", "--temp", "0", "--max-tokens", "32", "--json"];
    args.extend_from_slice(extra);
    args.push(question);
    data.json(&args)
}

#[test]
fn ask_json_reports_reply_ids_and_stats_and_is_reproducible() {
    let data = DataDir::new();
    // Recall would put the first exchange into the second prompt: same prompt, same reply needs it off.
    let a = ask_json(
        &data,
        &["--new", "--no-recall"],
        "What is the capital of France?",
    );
    let b = ask_json(
        &data,
        &["--new", "--no-recall"],
        "What is the capital of France?",
    );
    assert_eq!(a["reply"], b["reply"], "greedy replies are identical");
    assert_ne!(a["session"], b["session"], "--new starts a new session");
    assert!(!a["reply"].as_str().unwrap().trim().is_empty());
    let stats = &a["stats"];
    for key in [
        "ttft_ms",
        "prefill_tokens",
        "prefill_tps",
        "decode_tps",
        "context_used",
        "context_size",
    ] {
        assert!(stats[key].as_f64().is_some(), "stats.{key} missing in {a}");
    }
    let ids: Vec<_> = a["turn_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let session = a["session"].as_str().unwrap();
    let stored = data.turns(session);
    assert_eq!(
        stored
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ids
    );
    assert_eq!(stored[1]["text"], a["reply"]);
    let list = data.json(&["sessions", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[test]
fn streamed_stdout_is_the_stored_reply() {
    let data = DataDir::new();
    let out = data.run(
        &[
            "ask",
            "--new",
            "--temp",
            "0",
            "--max-tokens",
            "24",
            "Say something about the sea.",
        ],
        true,
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    let session = data.json(&["sessions", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let stored = data.turns(&session);
    assert_eq!(
        printed.strip_suffix('\n').unwrap(),
        stored[1]["text"].as_str().unwrap()
    );
}

#[test]
fn a_follow_up_continues_the_session_and_decodes_only_new_tokens() {
    let data = DataDir::new();
    let first = ask_json(&data, &["--new"], "My name is Ada. What is 2 plus 2?");
    let session = first["session"].as_str().unwrap();
    let second = ask_json(&data, &["--session", session], "What is my name?");
    assert_eq!(second["session"], first["session"]);
    let prefill = second["stats"]["prefill_tokens"].as_u64().unwrap();
    let first_prompt = first["stats"]["prefill_tokens"].as_u64().unwrap();
    assert!(
        second["cache_restored_tokens"].as_u64().unwrap() >= first_prompt,
        "{second}"
    );
    assert!(
        prefill < first_prompt,
        "follow-up prefilled {prefill}, first turn {first_prompt}"
    );
    assert_eq!(data.turns(session).len(), 4);
}

/// Starts a long streamed reply and returns once its first byte has arrived.
fn spawn_streaming_ask(data: &DataDir, session_args: &[&str]) -> std::process::Child {
    let mut args = vec!["ask"];
    args.extend_from_slice(session_args);
    args.extend_from_slice(&[
        "--max-tokens",
        "400",
        "Write a very long story about a lighthouse.",
    ]);
    let mut cmd = data.cmd(&args);
    cmd.stderr(Stdio::null());
    crate::common::spawn_until_first_byte(cmd).0
}

#[test]
fn sigkill_mid_reply_keeps_earlier_turns_and_the_question() {
    let data = DataDir::new();
    let first = ask_json(&data, &["--new"], "Hello!");
    let session = first["session"].as_str().unwrap().to_string();
    let mut child = spawn_streaming_ask(&data, &["--session", &session]);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let stored = data.turns(&session);
    assert_eq!(
        stored.len(),
        3,
        "two earlier turns and the question survive: {stored:?}"
    );
    assert_eq!(stored[1]["text"], first["reply"]);
    assert_eq!(
        stored[2]["text"],
        "Write a very long story about a lighthouse."
    );
    let again = ask_json(&data, &["--session", &session], "Are you still there?");
    assert_eq!(again["session"].as_str().unwrap(), session);
    assert_eq!(data.turns(&session).len(), 5);
}

#[test]
fn sigint_mid_reply_saves_it_marked_interrupted() {
    let data = DataDir::new();
    let mut child = spawn_streaming_ask(&data, &["--new"]);
    // SAFETY: sending SIGINT to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let session = data.json(&["sessions", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let stored = data.turns(&session);
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1]["interrupted"], true);
    assert!(stored[1]["stats"]["generated_tokens"].as_u64().unwrap() < 400);
}

fn one_line_error(out: &std::process::Output) -> String {
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("mneme: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn missing_and_corrupt_models_give_one_line_errors() {
    let data = DataDir::new();
    let out = data.run(&["ask", "--model", "/nonexistent/model.gguf", "hi"], false);
    assert!(one_line_error(&out).contains("no model named"));
    let corrupt = data.path().join("corrupt.gguf");
    let bytes = std::fs::read(chat_model_path()).unwrap();
    std::fs::write(&corrupt, &bytes[..4096]).unwrap();
    let out = data.run(&["ask", "--model", corrupt.to_str().unwrap(), "hi"], false);
    // Caught by reading its header, before llama.cpp is asked to load it.
    let error = one_line_error(&out);
    assert!(
        error.contains("cannot be used") && error.contains("cut short"),
        "{error}"
    );
    let not_gguf = data.path().join("notes.gguf");
    std::fs::write(&not_gguf, "just text").unwrap();
    let out = data.run(&["ask", "--model", not_gguf.to_str().unwrap(), "hi"], false);
    assert!(one_line_error(&out).contains("is not a GGUF model file"));
}

#[test]
fn invalid_utf8_on_stdin_is_refused_clearly() {
    let data = DataDir::new();
    let mut child = data
        .cmd(&["ask", "--new", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"hello \xff\xfe world")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(one_line_error(&out).contains("not valid UTF-8"));
}
