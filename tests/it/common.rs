//! Helpers shared by the integration tests: temp data dirs and running the real `mneme` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
