//! The plain chat (`mneme chat` with a pipe instead of a terminal): the same turn pipeline as the
//! full-screen chat, so it streams, saves, remembers and recalls, and never panics.

use std::io::Write;
use std::process::{Output, Stdio};

use crate::common::DataDir;

/// `mneme chat --new` with `input` on stdin (a pipe, so the plain chat runs).
fn plain_chat(data: &DataDir, input: &[u8]) -> Output {
    let mut child = data
        .cmd(&["chat", "--new"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mneme chat");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// The session id the plain chat announces: `(session ID; …)`.
fn announced_session(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let start = stdout.find("(session ").expect("the session is announced") + 9;
    stdout[start..]
        .split(';')
        .next()
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn piped_chat_replies_saves_and_a_later_chat_recalls_it() {
    let data = DataDir::new();
    data.write_config("[generation]\ntemperature = 0.0\nmax_tokens = 24\n");
    let first = plain_chat(&data, b"Remember that my cat is called Saffron.\n");
    assert!(
        first.status.success(),
        "exit {:?}\nstderr: {}",
        first.status,
        String::from_utf8_lossy(&first.stderr)
    );
    let first_id = announced_session(&first);
    let saved = data.turns(&first_id);
    assert_eq!(saved.len(), 2, "{saved:?}");
    assert_eq!(saved[0]["role"], "user");
    assert_eq!(saved[0]["text"], "Remember that my cat is called Saffron.");
    let reply = saved[1]["text"].as_str().unwrap();
    assert!(!reply.trim().is_empty());
    // What was streamed is what was saved.
    assert!(String::from_utf8_lossy(&first.stdout).contains(reply.trim()));

    let second = plain_chat(&data, b"What is my cat called?\n");
    assert!(second.status.success());
    let second_id = announced_session(&second);
    assert_ne!(second_id, first_id);
    let question = &data.turns(&second_id)[0];
    let recalled = question["recall"]["items"].as_array().expect("a recall");
    assert!(
        recalled
            .iter()
            .any(|item| item["text"].as_str().unwrap().contains("Saffron")),
        "the first chat was not recalled: {recalled:?}"
    );
}

#[test]
fn piped_chat_refuses_invalid_utf8_clearly_and_keeps_earlier_turns() {
    let data = DataDir::new();
    data.write_config("[generation]\nmax_tokens = 8\n[daemon]\nautostart = false\n");
    let out = plain_chat(&data, b"Say hi\n\xff\xfe broken\n");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let id = announced_session(&out);
    assert_eq!(data.turns(&id).len(), 2, "the first exchange is kept");
}
