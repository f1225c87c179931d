//! The memory daemon through the real binary: a real daemon on a real socket in a temp data dir.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use crate::common::{DataDir, eventually, status, stdout};

fn chunks(data: &DataDir) -> Vec<serde_json::Value> {
    data.json(&["memory", "list", "--kind", "chunk", "--all", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

/// A JSONL import of `sessions` sessions with `turns` alternating turns each, all on one day.
fn conversations(sessions: usize, turns: usize) -> String {
    let topics = [
        "sourdough starter",
        "bicycle gears",
        "tomato seedlings",
        "chess openings",
        "tax forms",
        "violin practice",
        "hiking boots",
        "solar panels",
    ];
    let mut text = String::new();
    for s in 0..sessions {
        for t in 0..turns {
            let topic = topics[(s + t) % topics.len()];
            let (role, line) = if t % 2 == 0 {
                (
                    "user",
                    format!(
                        "Question {t} of session {s}: what about {topic} number {}?",
                        s * 1000 + t
                    ),
                )
            } else {
                (
                    "assistant",
                    format!(
                        "Answer {t} for session {s}: {topic} detail {} is fine.",
                        s * 1000 + t
                    ),
                )
            };
            let json = serde_json::json!({
                "session": format!("bulk-{s:03}"),
                "time": format!("2026-03-{:02}T{:02}:{:02}:00Z", 1 + s % 28, 8 + t / 60, t % 60),
                "speaker": role,
                "role": role,
                "text": line,
            });
            text.push_str(&json.to_string());
            text.push('\n');
        }
    }
    text
}

#[test]
fn start_status_stop_and_a_second_daemon_refuses() {
    let data = DataDir::new();
    let out = data.run(&["daemon", "start"], true);
    assert!(stdout(&out).contains("started"), "{}", stdout(&out));
    let again = data.run(&["daemon", "start"], true);
    assert!(
        stdout(&again).contains("already running"),
        "{}",
        stdout(&again)
    );
    let second = data.run(&["daemon", "run"], false);
    assert!(String::from_utf8_lossy(&second.stderr).contains("already running"));

    let s = status(&data);
    assert_eq!(s["running"], true);
    assert_eq!(s["protocol"], mneme::daemon::protocol::PROTOCOL_VERSION);
    let state: mneme::daemon::status::DaemonState =
        serde_json::from_value(s["state"].clone()).expect("a known daemon state");
    assert!(
        matches!(
            state,
            mneme::daemon::status::DaemonState::Starting | mneme::daemon::status::DaemonState::Idle
        ),
        "{state}"
    );
    assert!(s["pid"].as_u64().unwrap() > 0);
    for key in [
        "uptime_s",
        "queue",
        "last_ingest",
        "last_consolidation",
        "next_consolidation",
        "memories",
        "disk_bytes",
        "rss_bytes",
    ] {
        assert!(s.get(key).is_some(), "status lacks {key}: {s}");
    }
    let socket = data.path().join("daemon.sock");
    let mode = std::fs::metadata(&socket).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o600
    );

    let stopped = data.run(&["daemon", "stop"], true);
    assert!(stdout(&stopped).contains("stopped"));
    let after = data.cmd(&["daemon", "status", "--json"]).output().unwrap();
    assert_eq!(after.status.code(), Some(3));
    assert!(stdout(&after).contains("\"running\": false"));
    assert!(!socket.exists(), "the socket is removed on stop");

    // SIGTERM: the daemon finishes what it is doing, lets go of the lock and removes its socket.
    data.run(&["daemon", "start"], true);
    let pid = status(&data)["pid"].as_u64().unwrap() as i32;
    unsafe { libc::kill(pid, libc::SIGTERM) };
    assert!(eventually(Duration::from_secs(20), || !socket.exists()));
    let again = data.run(&["daemon", "start"], true);
    assert!(
        stdout(&again).contains("started"),
        "the lock was released: {}",
        stdout(&again)
    );
}

#[test]
fn a_client_of_another_protocol_gets_a_clear_message_and_a_stale_daemon_is_replaced() {
    let data = DataDir::new();
    data.run(&["daemon", "start"], true);
    let mut stream = UnixStream::connect(data.path().join("daemon.sock")).unwrap();
    stream.write_all(b"{\"v\":99,\"op\":\"status\"}\n").unwrap();
    let mut answer = String::new();
    BufReader::new(&stream).read_line(&mut answer).unwrap();
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["ok"], false);
    let message = answer["error"].as_str().unwrap();
    assert!(
        message.contains("protocol mismatch") && message.contains("mneme daemon stop"),
        "{message}"
    );
    assert_eq!(answer["error_kind"], "invalid");
    // Errors carry a kind: a write to a memory that does not exist is `not_found`.
    let line = format!(
        "{{\"v\":{},\"op\":\"write\",\"write\":{{\"write\":\"pin\",\"id\":\"n-missing\",\"pinned\":true}}}}\n",
        mneme::daemon::protocol::PROTOCOL_VERSION
    );
    stream.write_all(line.as_bytes()).unwrap();
    let mut reader = BufReader::new(&stream);
    let mut answer = String::new();
    reader.read_line(&mut answer).unwrap();
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["ok"], false, "{answer}");
    assert_eq!(answer["error_kind"], "not_found", "{answer}");
    data.run(&["daemon", "stop"], true);

    // A daemon speaking an older protocol (as an older binary would) is found by a client of this one.
    let mut old = data
        .cmd(&["daemon", "run", "--protocol", "0"])
        .spawn()
        .unwrap();
    assert!(eventually(Duration::from_secs(20), || data
        .path()
        .join("daemon.sock")
        .exists()));
    std::thread::sleep(Duration::from_millis(300));
    let refused = data.run(&["memory", "add", "a note"], false);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("protocol mismatch"), "{err}");
    let replaced = data.run(&["daemon", "start"], true);
    assert!(
        stdout(&replaced).contains("replaced"),
        "{}",
        stdout(&replaced)
    );
    assert!(
        old.wait().unwrap().success(),
        "the old daemon exits cleanly when replaced"
    );
    assert_eq!(
        status(&data)["protocol"],
        mneme::daemon::protocol::PROTOCOL_VERSION
    );
    data.run(&["memory", "add", "a note"], true);
}

#[test]
fn new_turns_become_searchable_with_no_explicit_ingest() {
    let data = DataDir::new();
    data.run(&["daemon", "start"], true);
    // `ask` writes the transcript; the daemon remembers it.
    let reply = data.ask_new_json(8, "My bicycle is a green Dutch omafiets called Greta.");
    let session = reply["session"].as_str().unwrap().to_string();
    let found = |query: &str, want: &str| {
        let hits = data.json(&["memory", "search", "--json", "-k", "3", query]);
        hits.as_array()
            .unwrap()
            .iter()
            .any(|h| h["text"].as_str().unwrap().contains(want))
    };
    assert!(eventually(Duration::from_secs(10), || found(
        "green bicycle Greta",
        "omafiets"
    )));

    // A transcript written by anything else (here: an import handed over without waiting) too.
    let file = data.path().join("more.jsonl");
    std::fs::write(
        &file,
        r#"{"session":"pets","time":"2026-11-20T10:00:00Z","speaker":"user","role":"user","text":"Our parrot Kiwi whistles the Tetris theme every morning."}
{"session":"pets","time":"2026-11-20T10:01:00Z","speaker":"assistant","role":"assistant","text":"That is a clever parrot."}
"#,
    )
    .unwrap();
    let out = data.run(&["import", "conversations", file.to_str().unwrap()], true);
    assert!(stdout(&out).contains("daemon"), "{}", stdout(&out));
    assert!(eventually(Duration::from_secs(10), || found(
        "parrot whistling Tetris",
        "Kiwi"
    )));
    let s = status(&data);
    assert!(s["memories"]["chunk"].as_u64().unwrap() >= 2, "{s}");
    let text = stdout(&data.run(&["daemon", "status"], true));
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.contains(", up ") && !first.contains(" ,"),
        "the state reads as words: {first}"
    );
    assert!(s["last_ingest"]["chunks"].as_u64().unwrap() >= 1, "{s}");
    assert!(
        chunks(&data)
            .iter()
            .any(|c| c["session"] == session.as_str())
    );
}

#[test]
fn sigkill_during_a_large_import_then_restart_leaves_every_turn_in_exactly_one_chunk() {
    let data = DataDir::new();
    let file = data.path().join("bulk.jsonl");
    let (sessions, turns) = (60, 60);
    std::fs::write(&file, conversations(sessions, turns)).unwrap();
    data.run(&["daemon", "start"], true);
    let pid = status(&data)["pid"].as_u64().unwrap() as i32;
    let mut import = data
        .cmd(&["import", "conversations", file.to_str().unwrap(), "--wait"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Kill it once part of the import is stored.
    let partial = eventually(Duration::from_secs(120), || {
        let n = chunks(&data).len();
        n > 0 || import.try_wait().unwrap().is_some()
    });
    assert!(partial);
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let interrupted = import.wait().unwrap();
    let before = chunks(&data).len();
    eprintln!("killed the daemon with {before} chunks stored; import exit {interrupted}");

    data.run(&["daemon", "start"], true);
    let out = data.run(
        &["import", "conversations", file.to_str().unwrap(), "--wait"],
        true,
    );
    assert!(
        stdout(&out).contains("every turn is in memory"),
        "{}",
        stdout(&out)
    );

    let all = chunks(&data);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for chunk in &all {
        for turn in chunk["source_turns"].as_array().unwrap() {
            *seen.entry(turn.as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    assert_eq!(
        seen.len(),
        sessions * turns,
        "every imported turn is in a chunk"
    );
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "turns in more than one chunk: {twice:?}");
}

#[test]
fn a_replayed_night_consolidates_each_session_day_with_a_digest_citing_real_turns() {
    let data = DataDir::new();
    data.write_config("[daemon]\nautostart = false\n");
    let file = data.path().join("day.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"session":"garden","time":"2026-11-27T09:00:00Z","speaker":"user","role":"user","text":"I planted twelve tulip bulbs along the south fence this morning."}"#,
            r#"{"session":"garden","time":"2026-11-27T09:01:00Z","speaker":"assistant","role":"assistant","text":"Tulips planted in late November bloom in April. Water them once now."}"#,
            // The same exchange again later that day: consolidation merges the duplicate chunk.
            r#"{"session":"garden","time":"2026-11-27T12:00:00Z","speaker":"user","role":"user","text":"I planted twelve tulip bulbs along the south fence this morning."}"#,
            r#"{"session":"garden","time":"2026-11-27T12:01:00Z","speaker":"assistant","role":"assistant","text":"Tulips planted in late November bloom in April. Water them once now."}"#,
            r#"{"session":"trip","time":"2026-11-27T18:00:00Z","speaker":"user","role":"user","text":"We are going to Lisbon on March 3rd for a week."}"#,
            r#"{"session":"trip","time":"2026-11-27T18:01:00Z","speaker":"assistant","role":"assistant","text":"Lisbon in March is mild. Visit Belem and ride tram 28."}"#,
            r#"{"session":"trip","time":"2026-11-28T08:00:00Z","speaker":"user","role":"user","text":"Today's turn belongs to the next night."}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    data.run(&["import", "conversations", file.to_str().unwrap()], true);
    let turns_of = |session: &str| -> Vec<String> {
        let shown = data.json(&["sessions", "show", session, "--json"]);
        shown["turns"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["time"].as_str().unwrap().starts_with("2026-11-27"))
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (garden, trip) = (turns_of("garden"), turns_of("trip"));
    assert_eq!((garden.len(), trip.len()), (4, 2));

    // Start the daemon at 04:00 the next morning: the 27th was missed, so it is consolidated.
    data.run(&["daemon", "start", "--now", "2026-11-28T04:00:00Z"], true);
    let started = Instant::now();
    // Generous: on 2 cores beside the other model-heavy tests, three summaries can take minutes.
    let done = eventually(Duration::from_secs(420), || {
        status(&data)["last_consolidation"]["date"] == "2026-11-27"
    });
    eprintln!("consolidation seen after {:?}", started.elapsed());
    assert!(done, "no consolidation: {}", status(&data));
    let s = status(&data);
    assert_eq!(s["last_consolidation"]["failed"], 0, "{s}");
    let summaries = data.json(&["memory", "list", "--kind", "summary", "--all", "--json"]);
    let summaries = summaries.as_array().unwrap();
    assert_eq!(
        summaries.len(),
        3,
        "one per session-day plus a digest: {summaries:#?}"
    );
    let cites = |m: &serde_json::Value| -> Vec<String> {
        m["source_turns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect()
    };
    let by_session = |name: &str| summaries.iter().find(|m| m["session"] == name).unwrap();
    assert_eq!(cites(by_session("garden")), garden);
    assert_eq!(cites(by_session("trip")), trip);
    let digest = summaries.iter().find(|m| m["session"].is_null()).unwrap();
    assert_eq!(cites(digest), [garden.clone(), trip.clone()].concat());
    assert!(
        summaries
            .iter()
            .all(|m| !m["text"].as_str().unwrap().trim().is_empty())
    );
    // The repeated exchange is merged: one chunk for the question and one for the answer, each
    // citing both times it was said (never the question merged into its answer).
    assert_eq!(s["last_consolidation"]["merged_chunks"], 2, "{s}");
    let garden_chunks: Vec<_> = chunks(&data)
        .into_iter()
        .filter(|c| c["session"] == "garden")
        .collect();
    assert_eq!(garden_chunks.len(), 2, "{garden_chunks:#?}");
    for chunk in &garden_chunks {
        let mut merged: Vec<String> = cites(chunk);
        merged.sort();
        let said_by = if chunk["text"].as_str().unwrap().starts_with("user:") {
            0
        } else {
            1
        };
        let mut expected = vec![garden[said_by].clone(), garden[said_by + 2].clone()];
        expected.sort();
        assert_eq!(merged, expected);
    }

    // Running it again by hand prints what it stored and replaces rather than duplicates.
    let report = data.json(&["consolidate", "--date", "2026-11-27", "--json"]);
    let produced = report["summaries"].as_array().unwrap();
    assert_eq!(produced.len(), 3);
    for p in produced {
        assert!(p["id"].is_string() && p["text"].is_string() && p["source_turns"].is_array());
    }
    let again = data.json(&["memory", "list", "--kind", "summary", "--all", "--json"]);
    assert_eq!(again.as_array().unwrap().len(), 3);
}
