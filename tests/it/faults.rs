//! Faults and attacks, kept from coming back: forgetting that must stick, a socket only its owner
//! can reach, stored data that must not break a turn or reach the terminal as escapes, a full
//! disk, a hung daemon. Elsewhere, beside the code they guard: SIGKILL mid-reply (`ask_cli`),
//! SIGKILL mid-import (`daemon`), turn ids under parallel appenders and a complete last line
//! without its newline (`session::store` unit tests), truncated GGUF files (`config_cli`,
//! `ask_cli`), config values checked at load (`config_cli`), a hostile speaker name in the memory
//! view (`tui_views`), errors printed once without build paths (`cli` unit test), import lines
//! over the cap (`importer` unit test).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::time::Duration;

use crate::common::{DataDir, files_containing, search, status, stdout, texts};
use crate::tui_tmux::Tmux;

/// A small tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` when this process may not mount (not root): the test then says so and stops.
    fn mount(megabytes: u32) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m,mode=0700")])
            .arg("tmpfs")
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Self { dir })
    }

    /// Fills the disk until a write fails; returns the filler's path.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.dir.path().join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).and_then(|_| f.sync_data()).is_ok() {}
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_disk_is_one_clear_error_and_loses_nothing_already_saved() {
    let Some(disk) = SmallDisk::mount(16) else {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let data_dir = disk.dir.path().join("data");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mneme"))
            .arg("--data-dir")
            .arg(&data_dir)
            .args(args)
            .env_remove("MNEME_HOME")
            .output()
            .unwrap()
    };
    // The config is written on first use; no daemon, so every write is this process's own.
    assert!(run(&["sessions", "list"]).status.success());
    std::fs::write(
        data_dir.join("config.toml"),
        "[daemon]\nautostart = false\n[generation]\ntemperature = 0.0\n",
    )
    .unwrap();
    let first = run(&[
        "ask",
        "--new",
        "--max-tokens",
        "8",
        "--json",
        "Name a colour.",
    ]);
    assert!(first.status.success(), "{first:?}");
    let first: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let session = first["session"].as_str().unwrap().to_string();

    let filler = disk.fill();
    let full = run(&[
        "ask",
        "--session",
        &session,
        "--max-tokens",
        "8",
        "And another?",
    ]);
    assert!(!full.status.success(), "{full:?}");
    let stderr = String::from_utf8_lossy(&full.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // Room again: the first exchange is intact and the session goes on.
    std::fs::remove_file(filler).unwrap();
    let shown = run(&["sessions", "show", &session, "--json"]);
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    let turns = shown["turns"].as_array().unwrap();
    assert!(turns.len() >= 2, "{shown}");
    assert_eq!(turns[0]["text"], "Name a colour.");
    assert_eq!(turns[1]["text"], first["reply"]);
    assert_eq!(shown["unreadable_lines"].as_array().unwrap().len(), 0);
    let again = run(&[
        "ask",
        "--session",
        &session,
        "--max-tokens",
        "8",
        "One more?",
    ]);
    assert!(again.status.success(), "{again:?}");
}

#[test]
fn a_huge_pinned_memory_is_cut_to_the_recall_budget_and_turns_still_work() {
    let data = DataDir::new();
    data.write_config("[memory]\nrecall_budget_tokens = 400\n[daemon]\nautostart = false\n");
    // About 90 KB: far more than the model's whole context.
    let note = "My garden notes say the tulips need water on Sundays. ".repeat(1_700);
    let out = data.run(&["memory", "add", &note], true);
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    data.run(&["memory", "pin", &id], true);
    let reply = data.ask_new_json(8, "What is 2+2?");
    assert!(!reply["reply"].as_str().unwrap().is_empty());
    let recalled = reply["recalled"].as_array().unwrap();
    assert_eq!(recalled[0]["id"], id.as_str());
    assert_eq!(recalled[0]["cut"], true, "{recalled:?}");
    let kept = recalled[0]["text"].as_str().unwrap();
    assert!(kept.len() <= 400 * 4, "{} bytes recalled", kept.len());
    assert!(kept.ends_with(mneme::memory::recall::CUT_MARKER));
}

#[test]
fn a_deleted_memory_is_gone_everywhere_and_stays_gone_after_a_daemon_restart() {
    let data = DataDir::new();
    // The file imported from lives outside the data dir (it is the user's own copy).
    let input = tempfile::tempdir().unwrap();
    let file = input.path().join("vault.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"session":"vault","time":"2026-03-01T10:00:00Z","speaker":"Ann","role":"user","text":"The vault code word is QUOKKA9902, keep it safe.","id":"v1"}"#,
            "\n",
            r#"{"session":"vault","time":"2026-03-01T10:01:00Z","speaker":"Bob","role":"other","text":"Noted, I will remember the vault code.","id":"v2"}"#,
            "\n",
            r#"{"session":"trip","time":"2026-03-02T10:00:00Z","speaker":"Ann","role":"user","text":"Our boat is called ZEBRA4411.","id":"t1"}"#,
            "\n",
        ),
    )
    .unwrap();
    data.run(
        &["import", "conversations", file.to_str().unwrap(), "--wait"],
        true,
    );
    // A later question recalls it, so its text is also stored in that turn's recall block.
    let asked = data.json(&[
        "ask",
        "--new",
        "--temp",
        "0",
        "--max-tokens",
        "1",
        "--json",
        "What is the code word for the vault?",
    ]);
    let chunk = search(&data, "vault code word", &["--kind", "chunk"])
        .into_iter()
        .find(|m| m["text"].as_str().unwrap().contains("QUOKKA9902"))
        .expect("the imported chunk is found");
    let chunk_id = chunk["id"].as_str().unwrap().to_string();
    assert!(
        asked["recalled"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == chunk_id.as_str()),
        "{asked}"
    );

    let out = data.run(&["memory", "delete", &chunk_id], true);
    let said = String::from_utf8_lossy(&out.stdout);
    // One turn per chunk; Bob's reply was embedded with Ann's turn as context, so it is embedded
    // again without it, and stays findable.
    assert!(
        said.contains("forgot 1 turn,") && said.contains("embedded 1 neighbouring turn again"),
        "{out:?}"
    );
    assert!(
        texts(&search(&data, "remember the vault", &["--kind", "chunk"]))
            .iter()
            .any(|t| t.contains("Noted, I will remember the vault code.")),
        "the neighbour was lost"
    );
    data.run(&["daemon", "stop"], true);
    data.run(&["daemon", "start"], true);
    // Give the restarted daemon time to scan every transcript.
    std::thread::sleep(std::time::Duration::from_secs(4));
    data.run(&["daemon", "stop"], true);
    assert!(
        !texts(&search(&data, "vault code word QUOKKA9902", &[]))
            .iter()
            .any(|t| t.contains("QUOKKA9902")),
        "the memory came back"
    );
    assert_eq!(
        files_containing(data.path(), b"QUOKKA9902"),
        Vec::<std::path::PathBuf>::new(),
        "deleted text is still on disk"
    );
    let session = asked["session"].as_str().unwrap();
    let recall = &data.turns(session)[0]["recall"];
    let still: Vec<_> = recall["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|r| r["id"] == chunk_id.as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        still.is_empty(),
        "the stored recall still quotes it: {recall}"
    );

    // Deleting a conversation forgets the memories made from it.
    assert!(!files_containing(data.path(), b"ZEBRA4411").is_empty());
    let trip = data
        .json(&["sessions", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"].as_str().unwrap().contains("boat"))
        .expect("the trip session")["id"]
        .as_str()
        .unwrap()
        .to_string();
    data.run(&["sessions", "delete", &trip], true);
    assert_eq!(
        files_containing(data.path(), b"ZEBRA4411"),
        Vec::<std::path::PathBuf>::new()
    );
}

#[test]
fn forget_shows_what_matches_and_acts_only_with_yes() {
    let data = DataDir::new();
    data.write_config("[daemon]\nautostart = false\n");
    data.run(&["memory", "add", "My old locker number was 4417."], true);
    data.run(&["memory", "add", "I like green tea in the morning."], true);
    let preview = data.run(
        &[
            "memory",
            "forget",
            "--query",
            "locker number",
            "--limit",
            "1",
        ],
        true,
    );
    let preview = String::from_utf8_lossy(&preview.stdout).into_owned();
    assert!(
        preview.contains("1 memory matches") && preview.contains("locker"),
        "{preview}"
    );
    assert!(preview.contains("--yes"), "{preview}");
    assert_eq!(
        data.json(&["memory", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    data.run(
        &[
            "memory",
            "forget",
            "--query",
            "locker number",
            "--limit",
            "1",
            "--yes",
        ],
        true,
    );
    let left = texts(data.json(&["memory", "list", "--json"]).as_array().unwrap());
    assert_eq!(left, ["I like green tea in the morning."]);
    // Words, not the number alone: "4417" can turn up inside any hex id or uuid on disk.
    let on_disk = files_containing(data.path(), b"old locker number");
    assert!(on_disk.is_empty(), "{on_disk:?}");
}

/// `mneme --data-dir DIR ARGS` with the temp dir (where long paths put their socket) set.
fn mneme_at(dir: &std::path::Path, tmp: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mneme"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("MNEME_HOME")
        .env_remove("XDG_RUNTIME_DIR")
        .env("TMPDIR", tmp)
        .output()
        .unwrap()
}

#[test]
fn a_long_data_dir_path_keeps_its_socket_private_and_a_foreign_socket_gets_nothing() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let base = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let data = base.path().join("d".repeat(60)).join("e".repeat(60));
    let started = mneme_at(&data, tmp.path(), &["daemon", "start"]);
    assert!(started.status.success(), "{started:?}");
    let private = tmp
        .path()
        .join(format!("mneme-{}", mneme::paths::own_uid()));
    let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the socket's directory is private");
    let sockets: Vec<_> = std::fs::read_dir(&private).unwrap().collect();
    assert_eq!(sockets.len(), 1);
    let socket = sockets[0].as_ref().unwrap().path();
    assert!(
        mneme_at(&data, tmp.path(), &["daemon", "status"])
            .status
            .success()
    );
    assert!(
        mneme_at(&data, tmp.path(), &["daemon", "stop"])
            .status
            .success()
    );

    // A stale plain file where the socket goes does not stop a new daemon.
    std::fs::write(&socket, b"left over").unwrap();
    let started = mneme_at(&data, tmp.path(), &["daemon", "start"]);
    assert!(started.status.success(), "{started:?}");
    assert!(
        mneme_at(&data, tmp.path(), &["daemon", "stop"])
            .status
            .success()
    );

    // Someone else's listener at the socket's path is refused before anything is sent.
    if mneme::paths::own_uid() == 0 {
        let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        listener.set_nonblocking(true).unwrap();
        std::os::unix::fs::chown(&socket, Some(65534), Some(65534)).unwrap();
        assert_eq!(std::fs::metadata(&socket).unwrap().uid(), 65534);
        let config = data.join("config.toml");
        std::fs::write(&config, "[daemon]\nautostart = false\n").unwrap();
        let added = mneme_at(
            &data,
            tmp.path(),
            &["memory", "add", "my secret bank PIN is 8642"],
        );
        assert!(!added.status.success(), "{added:?}");
        let err = String::from_utf8_lossy(&added.stderr);
        assert!(
            err.contains("refusing") && err.contains("uid 65534"),
            "{err}"
        );
        assert!(
            matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "the foreign listener was contacted"
        );
    }
}

#[test]
fn garbage_oversized_requests_and_a_crowd_of_idle_clients_do_not_lock_out_status() {
    let data = DataDir::new();
    data.run(&["daemon", "start"], true);
    let socket = data.path().join("daemon.sock");
    let read_answer = |stream: &UnixStream| {
        let mut answer = String::new();
        BufReader::new(stream).read_line(&mut answer).unwrap();
        serde_json::from_str::<serde_json::Value>(&answer).unwrap()
    };
    // Garbage: a clear refusal, not a crash.
    let mut stream = UnixStream::connect(&socket).unwrap();
    stream.write_all(b"\x00\xffnot json at all\n").unwrap();
    let answer = read_answer(&stream);
    assert_eq!(answer["error_kind"], "invalid", "{answer}");
    // A line past the cap is refused without being held whole.
    let big = UnixStream::connect(&socket).unwrap();
    let writer = {
        let mut big = big.try_clone().unwrap();
        std::thread::spawn(move || {
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..80 {
                if big.write_all(&chunk).is_err() {
                    break;
                }
            }
        })
    };
    big.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let answer = read_answer(&big);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("larger than 64 MiB"),
        "{answer}"
    );
    writer.join().unwrap();
    drop(big);
    // 1,100 idle connections (more than the daemon keeps, more than a common soft limit of
    // 1,024 descriptors): status still answers.
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: reads and writes only the struct passed.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
    }
    let crowd = (limit.rlim_cur as usize).saturating_sub(64).min(1_100);
    let idle: Vec<UnixStream> = (0..crowd)
        .map(|_| UnixStream::connect(&socket).unwrap())
        .collect();
    assert_eq!(status(&data)["running"], true);
    drop(idle);
    drop(stream);
}

#[test]
fn a_daemon_that_holds_the_store_but_never_answers_is_replaced_by_start() {
    let data = DataDir::new();
    // A stand-in for a half-started daemon: it takes the lock, names itself a daemon, never
    // listens and ignores SIGTERM.
    let lock = data.path().join("daemon.lock");
    let script = format!(
        "import fcntl, os, signal, time\n\
         signal.signal(signal.SIGTERM, signal.SIG_IGN)\n\
         f = open({lock:?}, 'w')\n\
         fcntl.flock(f, fcntl.LOCK_EX)\n\
         f.write(f'{{os.getpid()}} daemon\\n'); f.flush()\n\
         print('locked', flush=True)\n\
         time.sleep(600)\n",
        lock = lock.display().to_string()
    );
    let mut hung = std::process::Command::new("python3")
        .arg("-c")
        .arg(&script)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(hung.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    let started = data.run(&["daemon", "start"], true);
    assert!(
        stdout(&started).contains("replaced"),
        "{}",
        stdout(&started)
    );
    assert!(
        !hung.wait().unwrap().success(),
        "the hung process was killed"
    );
    assert_eq!(status(&data)["running"], true);
}

#[test]
fn stored_escape_sequences_never_reach_the_terminal_from_listings() {
    let data = DataDir::new();
    data.write_config("[daemon]\nautostart = false\n");
    // A turn that would retitle the window, set the clipboard and clear the screen.
    let hostile = "hello \u{1b}]2;PWNED\u{7}\u{1b}]52;c;c2VjcmV0\u{7}\u{1b}[2J\u{1b}[Hworld";
    let line = serde_json::json!({
        "session": "evil", "time": "2026-03-01T10:00:00Z", "speaker": "Eve",
        "role": "user", "text": hostile, "id": "e1"
    });
    let file = data.path().join("evil.jsonl");
    std::fs::write(&file, format!("{line}\n")).unwrap();
    data.run(&["import", "conversations", file.to_str().unwrap()], true);
    let session = data.json(&["sessions", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tmux = Tmux::new();
    let long = Duration::from_secs(60);
    for (name, args) in [
        ("show", format!("sessions show {session}")),
        ("list", "sessions list".to_string()),
        (
            "export",
            format!("sessions export {session} --format markdown"),
        ),
        ("memories", "memory list --all".to_string()),
    ] {
        tmux.start(name, &data, &args);
        let screen = tmux.wait_for(name, &["EXITED 0"], long);
        let title = tmux.tmux(&["display-message", "-p", "-t", name, "#{pane_title}"]);
        let title = String::from_utf8_lossy(&title.stdout);
        assert!(
            !title.contains("PWNED"),
            "{name}: the title was set: {title}"
        );
        // The screen was not cleared: what was printed before the clear is still there.
        assert!(screen.contains("hello"), "{name}:\n{screen}");
    }
}

#[test]
fn memory_import_skips_a_line_too_long_for_a_memory_without_reading_it_whole() {
    let data = DataDir::new();
    data.write_config("[daemon]\nautostart = false\n");
    let input = tempfile::tempdir().unwrap();
    let file = input.path().join("memories.jsonl");
    let good = serde_json::json!({
        "id": "n-imported", "kind": "note", "text": "The boat needs new sails.",
        "session": null, "time_start": "2026-03-01T10:00:00Z", "time_end": "2026-03-01T10:00:00Z",
        "source_turns": [], "created": "2026-03-01T10:00:00Z", "updated": "2026-03-01T10:00:00Z",
        "pinned": false, "recall_count": 0, "last_recalled": null
    });
    let huge = format!("{{\"text\":\"{}\"}}", "x".repeat(2 << 20));
    std::fs::write(&file, format!("{good}\n{huge}\n")).unwrap();
    let out = data.run(&["memory", "import", file.to_str().unwrap()], true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(":2: skipped: longer than a memory can be"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 1 memory"));
    let texts = texts(data.json(&["memory", "list", "--json"]).as_array().unwrap());
    assert_eq!(texts, ["The boat needs new sails."]);
}
