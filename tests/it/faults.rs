//! Faults a user meets by bad luck: a full disk. (The other faults have their tests beside the
//! feature they break: SIGKILL mid-reply in `ask_cli`, mid-import and garbage on the socket in
//! `daemon`, parallel appenders in the session store's unit tests.)

use std::process::Command;

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
