//! The chat's input and conversation features as a person uses them, in tmux with the real
//! binary and model: readline editing, a CR paste, a message queued while a reply streams,
//! wrapping at 120 columns, incognito, fork, and search across conversations.

use std::time::{Duration, Instant};

use crate::common::DataDir;
use crate::tui_tmux::Tmux;

const LONG: Duration = Duration::from_secs(180);

/// The input box's rows (between its borders), as shown.
fn input_rows(screen: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let top = lines
        .iter()
        .rposition(|l| l.starts_with('┌') && l.contains("send"))
        .expect("the input box is on screen");
    lines[top + 1..]
        .iter()
        .take_while(|l| l.starts_with('│'))
        .map(|l| l.trim_matches('│').trim_end().to_string())
        .collect()
}

/// Asserts that the input box's first rows read `expected`, waiting a few seconds for them to be
/// drawn: a key sent is drawn a moment later, longer when the machine is busy.
fn assert_input_shows(tmux: &Tmux, name: &str, expected: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = input_rows(&tmux.screen(name));
        let first: Vec<&str> = rows
            .iter()
            .take(expected.len())
            .map(String::as_str)
            .collect();
        if first == expected {
            return;
        }
        assert!(Instant::now() < deadline, "{rows:?} is not {expected:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until the chat has saved `n` turns in its one conversation; returns them.
fn saved_turns(data: &DataDir, n: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + LONG;
    loop {
        let sessions = data.json(&["sessions", "list", "--json"]);
        if let Some(id) = sessions[0]["id"].as_str() {
            let turns = data.turns(id);
            if turns.len() >= n {
                return turns;
            }
        }
        assert!(Instant::now() < deadline, "never saw {n} turns saved");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn readline_keys_a_cr_paste_and_a_message_queued_while_a_reply_streams() {
    let data = DataDir::new();
    data.write_config("[generation]\ntemperature = 0.0\nmax_tokens = 48\n");
    let tmux = Tmux::new();
    tmux.start_sized("keys", &data, "", "chat --new", (120, 40));
    tmux.wait_for("keys", &["smollm2-135m", "Enter send"], LONG);

    // Readline: Ctrl+W drops a word, Ctrl+A/Ctrl+E go to the line's ends, Ctrl+U clears.
    tmux.type_text("keys", "hello big world");
    tmux.keys("keys", &["C-w"]);
    assert_input_shows(&tmux, "keys", &["hello big"]);
    tmux.keys("keys", &["M-b", "C-a"]);
    tmux.type_text("keys", ">");
    tmux.keys("keys", &["C-e"]);
    tmux.type_text("keys", "!");
    assert_input_shows(&tmux, "keys", &[">hello big !"]);
    tmux.keys("keys", &["C-u"]);
    assert_input_shows(&tmux, "keys", &[""]);

    // tmux pastes a line break as CR: it stays a line break.
    tmux.tmux(&[
        "set-buffer",
        "-b",
        "p",
        "first pasted line\nsecond pasted line",
    ]);
    tmux.tmux(&["paste-buffer", "-p", "-b", "p", "-t", "keys"]);
    assert_input_shows(&tmux, "keys", &["first pasted line", "second pasted line"]);
    tmux.keys("keys", &["C-u", "BSpace", "C-u"]);
    assert_input_shows(&tmux, "keys", &[""]);

    // Sent while the first reply is on its way: shown as queued, then sent after it.
    tmux.type_text(
        "keys",
        "Tell me in five sentences why the sky is blue, the sea is salty and the grass is green.",
    );
    tmux.keys("keys", &["Enter"]);
    tmux.type_text("keys", "Thank you, that was helpful.");
    tmux.keys("keys", &["Enter"]);
    tmux.wait_for("keys", &["queued"], LONG);
    let turns = saved_turns(&data, 4);
    assert_eq!(turns[2]["text"], "Thank you, that was helpful.");
    assert_eq!(turns[2]["role"], "user");

    // At 120 columns a reply of several sentences wraps flush left (only list items and quotes
    // hang, by their marker) and no row runs past the reading width.
    let screen = tmux.wait_for("keys", &["tok/s"], LONG);
    let transcript: Vec<&str> = screen.lines().take_while(|l| !l.starts_with('┌')).collect();
    for line in &transcript {
        let indent = line.len() - line.trim_start().len();
        assert!(indent <= 4, "a row indented by {indent}:\n{screen}");
        assert!(
            line.chars().count() <= 101,
            "a row wider than the reading width:\n{screen}"
        );
    }
    tmux.keys("keys", &["C-q"]);
    tmux.wait_for("keys", &["EXITED 0"], LONG);
}

#[test]
fn incognito_saves_nothing_while_fork_and_search_work_on_saved_conversations() {
    let data = DataDir::new();
    data.write_config("[generation]\ntemperature = 0.0\nmax_tokens = 24\n");
    let tmux = Tmux::new();

    // Incognito: a reply, and nothing written: no conversation, no memory.
    tmux.start("incognito", &data, "chat --incognito");
    tmux.wait_for("incognito", &["INCOGNITO", "Enter send"], LONG);
    tmux.type_text("incognito", "My locker code is 4471. What is two plus two?");
    tmux.keys("incognito", &["Enter"]);
    tmux.wait_for("incognito", &["mneme ·", "tok/s"], LONG);
    tmux.keys("incognito", &["C-q"]);
    tmux.wait_for("incognito", &["EXITED 0"], LONG);
    assert_eq!(
        data.json(&["sessions", "list", "--json"]),
        serde_json::json!([])
    );
    assert!(
        crate::common::files_containing(data.path(), b"locker code is 4471").is_empty(),
        "nothing of an incognito chat reaches the disk"
    );

    // Two questions in a saved conversation, then fork at the first reply.
    tmux.start("fork", &data, "chat --new");
    tmux.wait_for("fork", &["Enter send"], LONG);
    tmux.type_text("fork", "Name a river in Egypt.");
    tmux.keys("fork", &["Enter"]);
    saved_turns(&data, 2);
    tmux.wait_for("fork", &["tok/s"], LONG);
    tmux.type_text("fork", "Name a mountain in Japan.");
    tmux.keys("fork", &["Enter"]);
    let original = saved_turns(&data, 4);
    tmux.wait_for("fork", &["Name a mountain in Japan."], LONG);
    std::thread::sleep(Duration::from_millis(500));
    // F7 picks the newest message; two ↑ reach the first reply; Enter forks there.
    tmux.keys("fork", &["F7", "Up", "Up", "Enter"]);
    tmux.wait_for("fork", &["forked"], LONG);
    let sessions = data.json(&["sessions", "list", "--json"]);
    let fork = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"].as_str().unwrap().ends_with("(fork)"))
        .unwrap_or_else(|| panic!("no fork in {sessions}"));
    let forked = data.turns(fork["id"].as_str().unwrap());
    let texts = |turns: &[serde_json::Value]| -> Vec<String> {
        turns
            .iter()
            .filter(|t| t["role"] != "system")
            .map(|t| t["text"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(texts(&forked), texts(&original)[..2]);

    // Search every conversation; Enter opens the hit's conversation with the message picked.
    tmux.keys("fork", &["C-f"]);
    tmux.type_text("fork", "mountain japan");
    tmux.wait_for(
        "fork",
        &["for “mountain japan”", "Name a mountain in Japan."],
        LONG,
    );
    tmux.keys("fork", &["Enter"]);
    tmux.wait_for("fork", &["▶ you"], LONG);
    tmux.keys("fork", &["Escape", "C-q"]);
    tmux.wait_for("fork", &["EXITED 0"], LONG);
}
