//! Helpers shared by the integration tests: temp data dirs and running the real `mneme` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A fresh private data dir for one test.
pub struct DataDir {
    pub dir: tempfile::TempDir,
}

impl DataDir {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `mneme --data-dir <this dir> ARGS...`
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mneme"));
        cmd.arg("--data-dir").arg(self.path()).args(args);
        cmd.env_remove("MNEME_HOME");
        // Local days (consolidation) must not depend on the machine's time zone.
        cmd.env("TZ", "UTC");
        cmd
    }

    /// Runs and returns the output; panics with stderr if the exit code differs from `expect_ok`.
    pub fn run(&self, args: &[&str], expect_ok: bool) -> Output {
        let out = self.cmd(args).output().expect("run mneme");
        assert_eq!(
            out.status.success(),
            expect_ok,
            "mneme {args:?}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Runs and parses stdout as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args, true);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    /// `ask --new --temp 0 --max-tokens N --json QUESTION`, parsed.
    pub fn ask_new_json(&self, max_tokens: u32, question: &str) -> serde_json::Value {
        let max = max_tokens.to_string();
        self.json(&[
            "ask",
            "--new",
            "--temp",
            "0",
            "--max-tokens",
            &max,
            "--json",
            question,
        ])
    }

    /// The turns of a session, as `sessions show ID --json` prints them.
    pub fn turns(&self, session: &str) -> Vec<serde_json::Value> {
        self.json(&["sessions", "show", session, "--json"])["turns"]
            .as_array()
            .expect("a session has turns")
            .clone()
    }

    pub fn write_config(&self, text: &str) -> PathBuf {
        let path = self.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for DataDir {
    /// A daemon started for this dir (by a test or on demand by `ask`) stops with it.
    fn drop(&mut self) {
        if self.path().join("daemon.lock").exists() {
            let _ = self.cmd(&["daemon", "stop"]).output();
        }
    }
}

/// The default models dir (the same place the binary looks), where `make test` fetched the models.
pub fn models_dir() -> PathBuf {
    let paths = mneme::paths::Paths::resolve(Some(PathBuf::from("/unused")), None).unwrap();
    paths.models_dir
}

/// The default chat model's file.
pub fn chat_model_path() -> PathBuf {
    let catalog = mneme::models::Catalog::new(&models_dir());
    catalog
        .resolve_chat("smollm2-135m")
        .expect("models fetched by `make test`")
        .path
}

/// `memory search --json -k 5 [extra] QUERY`, parsed.
pub fn search(data: &DataDir, query: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["memory", "search", "--json", "-k", "5"];
    args.extend_from_slice(extra);
    args.push(query);
    data.json(&args).as_array().unwrap().clone()
}

pub fn texts(results: &[serde_json::Value]) -> Vec<String> {
    results
        .iter()
        .map(|r| r["text"].as_str().unwrap().to_string())
        .collect()
}

/// Every regular file under `dir` (not the daemon's socket), read as bytes, searched for `needle`.
pub fn files_containing(dir: &std::path::Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.is_file()
                && std::fs::read(&path)
                    .unwrap()
                    .windows(needle.len())
                    .any(|w| w == needle)
            {
                hits.push(path);
            }
        }
    }
    hits
}

pub fn status(data: &DataDir) -> serde_json::Value {
    data.json(&["daemon", "status", "--json"])
}

/// Polls `check` every 200 ms for up to `limit`; true when it held.
pub fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    check()
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Spawns `cmd` (stdout piped, stderr as set) and returns once its first byte of output, returned
/// too, has arrived: a reply has started streaming.
pub fn spawn_until_first_byte(mut cmd: Command) -> (std::process::Child, u8) {
    use std::io::Read;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn mneme");
    let mut byte = [0u8; 1];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut byte)
        .expect("the reply starts streaming");
    (child, byte[0])
}
