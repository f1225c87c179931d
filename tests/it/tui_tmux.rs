//! The real chat, driven like a person would in tmux: the real binary, model, daemon and memory.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::DataDir;

/// A tmux server of its own, so tests never touch the user's sessions.
pub(crate) struct Tmux {
    socket: String,
}

impl Tmux {
    /// A server per test: tests run in parallel, and each kills its own server when done.
    pub(crate) fn new() -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Self {
            socket: format!("mneme-test-{}-{n}", std::process::id()),
        }
    }

    pub(crate) fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed (make deps)")
    }

    /// Starts `mneme ARGS` in a 100x30 window; it prints its exit status when it ends.
    pub(crate) fn start(&self, name: &str, data: &DataDir, args: &str) {
        self.start_with(name, data, "", args);
    }

    /// `start` with extra environment (`NAME=value …`).
    pub(crate) fn start_with(&self, name: &str, data: &DataDir, env: &str, args: &str) {
        self.start_sized(name, data, env, args, (100, 30));
    }

    /// `start_with` in a window of `(columns, rows)`.
    pub(crate) fn start_sized(
        &self,
        name: &str,
        data: &DataDir,
        env: &str,
        args: &str,
        (columns, rows): (u16, u16),
    ) {
        let (columns, rows) = (columns.to_string(), rows.to_string());
        let command = format!(
            "TZ=UTC {env} {} --data-dir {} {args}; echo EXITED $?; sleep 600",
            env!("CARGO_BIN_EXE_mneme"),
            data.path().display()
        );
        let out = self.tmux(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &columns,
            "-y",
            &rows,
            &command,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub(crate) fn keys(&self, name: &str, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", name, k]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    pub(crate) fn type_text(&self, name: &str, text: &str) {
        self.tmux(&["send-keys", "-t", name, "-l", text]);
        std::thread::sleep(Duration::from_millis(150));
    }

    pub(crate) fn screen(&self, name: &str) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", name]).stdout).into_owned()
    }

    /// Waits until the screen has stayed the same for `quiet` (results still arriving, a list
    /// still being filled), for at most `limit`; returns the last screen either way.
    pub(crate) fn settled(&self, name: &str, quiet: Duration, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        let mut last = self.screen(name);
        let mut since = Instant::now();
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
            let screen = self.screen(name);
            if screen != last {
                last = screen;
                since = Instant::now();
            } else if since.elapsed() >= quiet {
                break;
            }
        }
        last
    }

    /// Waits until the screen shows everything in `wanted`; panics with the screen if it never does.
    pub(crate) fn wait_for(&self, name: &str, wanted: &[&str], limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.screen(name);
            if wanted.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("waited {limit:?} for {wanted:?}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

#[test]
fn ask_quit_resume_and_find_the_question_in_the_memory_browser() {
    let data = DataDir::new();
    data.write_config("[generation]\ntemperature = 0.0\nmax_tokens = 40\n");
    let tmux = Tmux::new();
    let long = Duration::from_secs(120);

    tmux.start("first", &data, "chat --new");
    tmux.wait_for("first", &["smollm2-135m", "Enter send"], long);
    tmux.type_text("first", "Which river flows through Paris?");
    tmux.keys("first", &["Enter"]);
    // The reply is done when the status bar reports its speed.
    let screen = tmux.wait_for("first", &["you ·", "mneme ·", "tok/s"], long);
    assert!(screen.contains("Which river flows through Paris?"));
    let transcript = data.json(&["sessions", "list", "--json"]);
    let session = transcript[0]["id"].as_str().unwrap().to_string();
    let shown = data.json(&["sessions", "show", &session, "--json"]);
    let reply = shown["turns"][1]["text"].as_str().unwrap().to_string();
    assert!(!reply.trim().is_empty());
    tmux.keys("first", &["C-q"]);
    tmux.wait_for("first", &["EXITED 0"], long);

    tmux.start("again", &data, "chat --resume");
    let first_words: String = reply
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    tmux.wait_for(
        "again",
        &["Which river flows through Paris?", &first_words],
        long,
    );
    // It continues that conversation: a follow-up lands in the same session.
    tmux.type_text("again", "And through London?");
    tmux.keys("again", &["Enter"]);
    tmux.wait_for("again", &["And through London?"], long);
    let deadline = Instant::now() + long;
    while data.json(&["sessions", "show", &session, "--json"])["turns"]
        .as_array()
        .unwrap()
        .len()
        < 4
    {
        assert!(
            Instant::now() < deadline,
            "the follow-up was not saved in {session}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }

    // The memory browser finds the first question (each turn is its own memory; the best match
    // is opened beside the list).
    tmux.keys("again", &["F3"]);
    tmux.wait_for("again", &["search memories"], long);
    tmux.type_text("again", "Which river flows through Paris");
    tmux.wait_for("again", &["memories ─", "user: Whi"], long);
    // The question or its answer (embedded with the question) comes first; ↓ reaches the other.
    // Each key waits for the screen to settle: results for a part of the query may still be
    // replaced by the whole query's, and a ↓ sent meanwhile moves in the list being replaced.
    let quiet = Duration::from_millis(800);
    let mut found = false;
    for _ in 0..4 {
        if tmux
            .settled("again", quiet, long)
            .contains("Which river flows through Paris?")
        {
            found = true;
            break;
        }
        tmux.keys("again", &["Down"]);
    }
    assert!(found, "{}", tmux.screen("again"));
    tmux.keys("again", &["Escape"]);
    tmux.keys("again", &["C-c"]);
    tmux.wait_for("again", &["EXITED 0"], long);
    // The terminal was given back: the shell's output is on the normal screen.
    assert!(!tmux.screen("again").contains("Enter send"));
}

#[test]
fn the_editor_gets_every_keystroke_while_it_owns_the_terminal() {
    let data = DataDir::new();
    data.write_config("[daemon]\nautostart = false\n");
    data.run(&["memory", "add", "Bring the blue umbrella to work."], true);
    // An "editor" that reads one line from the terminal and saves it as the new text.
    let editor = data.path().join("line-editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\necho EDITOR READY\nIFS= read -r line\nprintf '%s\\n' \"$line\" > \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let tmux = Tmux::new();
    let long = Duration::from_secs(120);
    let env = format!("VISUAL={}", editor.display());
    tmux.start_with("edit", &data, &env, "chat --new");
    tmux.wait_for("edit", &["smollm2-135m", "Enter send"], long);
    tmux.keys("edit", &["F3"]);
    tmux.wait_for("edit", &["Bring the blue umbrella"], long);
    tmux.keys("edit", &["C-x"]);
    tmux.wait_for("edit", &["EDITOR READY"], long);
    // Typed slowly, key by key: any key the chat still read would be missing from the line.
    for key in "Take the red coat".chars() {
        tmux.type_text("edit", &key.to_string());
    }
    tmux.keys("edit", &["Enter"]);
    tmux.wait_for("edit", &["memory saved"], long);
    let listed = data.json(&["memory", "list", "--json"]);
    let texts: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Take the red coat"]);
    tmux.keys("edit", &["Escape"]);
    tmux.keys("edit", &["C-q"]);
    tmux.wait_for("edit", &["EXITED 0"], long);
}

#[test]
fn the_chat_keeps_one_connection_to_the_daemon_and_reconnects_after_a_restart() {
    let data = DataDir::new();
    data.run(&["daemon", "start"], true);
    let tmux = Tmux::new();
    let long = Duration::from_secs(120);
    tmux.start("poll", &data, "chat --new");
    tmux.wait_for("poll", &["smollm2-135m", "memory daemon: idle"], long);
    let connections = || {
        data.json(&["daemon", "status", "--json"])["connections"]
            .as_u64()
            .unwrap()
    };
    let before = connections();
    // The chat asks for the daemon's status every 2 s: over 7 s, on its one connection.
    std::thread::sleep(Duration::from_secs(7));
    let after = connections();
    assert!(
        after - before <= 2,
        "the chat opened {} connections in 7 s",
        after - before - 1
    );
    // A restarted daemon is found again.
    data.run(&["daemon", "stop"], true);
    tmux.wait_for("poll", &["memory daemon: off"], long);
    data.run(&["daemon", "start"], true);
    tmux.wait_for("poll", &["memory daemon: idle"], long);
    tmux.keys("poll", &["C-q"]);
    tmux.wait_for("poll", &["EXITED 0"], long);
}

#[test]
fn a_fact_learned_from_a_message_is_announced_with_what_it_replaced_and_ctrl_z_forgets_it() {
    let data = DataDir::new();
    data.write_config("[generation]\ntemperature = 0.0\nmax_tokens = 16\n");
    let tmux = Tmux::new();
    let long = Duration::from_secs(120);
    let facts = || {
        data.json(&["memory", "list", "--kind", "fact", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["text"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };

    // Wide enough for an update's notice, which names the old fact too.
    tmux.start_sized("chat", &data, "", "chat --new", (150, 30));
    tmux.wait_for("chat", &["smollm2-135m", "Enter send"], long);
    tmux.type_text("chat", "I'm vegetarian.");
    tmux.keys("chat", &["Enter"]);
    // What the daemon learned from the message is said, with how to undo it; before, only
    // `/remember` said so, and a fact found in a message was saved silently.
    tmux.wait_for(
        "chat",
        &[
            "memory saved: “The user is vegetarian.”",
            "Ctrl+Z or /forget",
        ],
        long,
    );
    assert_eq!(facts(), ["The user is vegetarian."]);
    // A fact that supersedes one says which; undoing it makes the old one current again.
    tmux.type_text("chat", "I'm no longer vegetarian.");
    tmux.keys("chat", &["Enter"]);
    tmux.wait_for(
        "chat",
        &["memory updated: “The user is no longer vegetarian.” (was “The user is vegetarian.”)"],
        long,
    );
    tmux.keys("chat", &["C-z"]);
    let deadline = Instant::now() + long;
    while facts() != ["The user is vegetarian."] {
        assert!(Instant::now() < deadline, "Ctrl+Z left {:?}", facts());
        std::thread::sleep(Duration::from_millis(300));
    }
    tmux.keys("chat", &["C-q"]);
    tmux.wait_for("chat", &["EXITED 0"], long);
}
