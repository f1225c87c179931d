//! Memory on S3-compatible object storage, shared by two "machines": two data dirs, each with its
//! own daemon and transcripts, one LanceDB table in a bucket of a real S3 server (moto, installed
//! once by `scripts/s3-server.py`, which `make test` runs) on a loopback port.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{DataDir, eventually, files_containing, stdout};

/// A running S3 server with one bucket; stopped when dropped (its stdin closes).
struct S3Server {
    child: Child,
    control: ChildStdin,
    lines: BufReader<ChildStdout>,
    port: u16,
}

impl S3Server {
    fn start(bucket: &str) -> Self {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/s3-server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["serve", "--bucket", bucket])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the S3 server (python3 scripts/s3-server.py setup; `make test` does)");
        let control = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap());
        let port = ready_port(&mut lines);
        Self {
            child,
            control,
            lines,
            port,
        }
    }

    /// Closes the port and cuts open connections; the data stays.
    fn go_offline(&mut self) {
        writeln!(self.control, "down").unwrap();
        let mut line = String::new();
        self.lines.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "down");
    }

    /// Listens again on the same port, with the same data.
    fn come_back(&mut self) {
        writeln!(self.control, "up").unwrap();
        assert_eq!(ready_port(&mut self.lines), self.port);
    }
}

fn ready_port(lines: &mut BufReader<ChildStdout>) -> u16 {
    let mut line = String::new();
    lines.read_line(&mut line).expect("the S3 server answers");
    line.trim()
        .strip_prefix("ready ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the S3 server did not start: {line:?}"))
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One machine: its own data dir and transcripts, its memory in the shared bucket.
struct Machine {
    data: DataDir,
}

impl Machine {
    fn new(server: &S3Server, bucket: &str) -> Self {
        let data = DataDir::new();
        data.write_config(&format!(
            "[memory]\nuri = \"s3://{bucket}/team-memory\"\nendpoint = \"http://127.0.0.1:{}\"\nregion = \"us-east-1\"\n",
            server.port
        ));
        Self { data }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.data.cmd(args);
        // moto accepts any credentials; these are what a user exports for their own store.
        cmd.env("AWS_ACCESS_KEY_ID", "mneme-test")
            .env("AWS_SECRET_ACCESS_KEY", "mneme-test-secret")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL");
        cmd
    }

    fn output(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run mneme")
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.output(args);
        assert!(
            out.status.success(),
            "mneme {args:?}\nstdout: {}\nstderr: {}",
            stdout(&out),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
    }

    fn memory_texts(&self) -> Vec<String> {
        self.json(&["memory", "list", "--all", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap().to_string())
            .collect()
    }
}

fn bucket(name: &str) -> String {
    format!("mneme-{name}-{}", std::process::id())
}

/// A bucket on a fresh server, and two machines sharing it, each with its daemon running.
fn two_machines(name: &str) -> (String, S3Server, Machine, Machine) {
    let bucket = bucket(name);
    let server = S3Server::start(&bucket);
    let laptop = Machine::new(&server, &bucket);
    let desktop = Machine::new(&server, &bucket);
    laptop.run(&["daemon", "start"]);
    desktop.run(&["daemon", "start"]);
    (bucket, server, laptop, desktop)
}

#[test]
fn a_memory_said_on_one_machine_is_recalled_on_the_other() {
    let (bucket, _server, laptop, desktop) = two_machines("shared");

    laptop.run(&[
        "ask",
        "--new",
        "--temp",
        "0",
        "--max-tokens",
        "8",
        "My sister Agnieszka works as a nurse in Kraków.",
    ]);
    let question = "What does my sister do for a living?";
    assert!(
        eventually(Duration::from_secs(60), || {
            let recall = desktop.json(&["recall", "--json", question]);
            recall["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["text"].as_str().unwrap().contains("Agnieszka"))
        }),
        "the desktop never recalled what was said on the laptop"
    );
    let recall = desktop.json(&["recall", "--json", question]);
    assert!(
        recall["block"].as_str().unwrap().contains("Agnieszka"),
        "{recall}"
    );
    // What is shared is memory: the transcript stays on the laptop, and neither machine keeps the
    // memory table in its own data dir.
    let sessions = desktop.json(&["sessions", "list", "--json"]);
    assert_eq!(sessions.as_array().unwrap().len(), 0, "{sessions}");
    for machine in [&laptop, &desktop] {
        let memory_dir = machine.data.path().join("memory");
        assert!(
            files_containing(&memory_dir, b"Agnieszka").is_empty(),
            "memory text on local disk under {}",
            memory_dir.display()
        );
    }
    let doctor = stdout(&desktop.output(&["doctor"]));
    assert!(
        doctor.lines().any(|l| l.starts_with("ok")
            && l.contains("memory database")
            && l.contains(&format!("s3://{bucket}/team-memory"))),
        "{doctor}"
    );
    let status = desktop.json(&["daemon", "status", "--json"]);
    assert!(
        status["memory_at"]
            .as_str()
            .unwrap()
            .starts_with(&format!("s3://{bucket}/team-memory")),
        "{status}"
    );
}

#[test]
fn both_machines_writing_at_once_lose_no_memory() {
    let (_bucket, _server, laptop, desktop) = two_machines("race");
    // Create the table once, so both daemons race on commits, not on creating it.
    laptop.run(&[
        "memory",
        "add",
        "The team's memory lives in a shared bucket.",
    ]);

    const EACH: usize = 8;
    let notes = |who: &str| -> Vec<String> {
        (0..EACH)
            .map(|i| format!("Note {i} from the {who}: parcel {} arrived.", 1000 + i))
            .collect()
    };
    let expected: Vec<String> = [notes("laptop"), notes("desktop")].concat();
    std::thread::scope(|scope| {
        let mut writers = Vec::new();
        for (machine, who) in [(&laptop, "laptop"), (&desktop, "desktop")] {
            for note in notes(who) {
                writers.push(scope.spawn(move || machine.run(&["memory", "add", &note])));
            }
        }
        for writer in writers {
            writer.join().expect("a writer finished");
        }
    });
    for machine in [&laptop, &desktop] {
        let texts = machine.memory_texts();
        for note in &expected {
            assert!(
                texts.iter().any(|t| t == note),
                "{note:?} is missing: {texts:#?}"
            );
        }
        assert_eq!(texts.len(), expected.len() + 1, "{texts:#?}");
    }
}

#[test]
fn with_the_store_offline_a_turn_is_saved_and_remembered_once_it_is_back() {
    let bucket = bucket("offline");
    let mut server = S3Server::start(&bucket);
    let laptop = Machine::new(&server, &bucket);
    laptop.run(&["daemon", "start"]);
    laptop.run(&["memory", "add", "The shared memory was set up on Monday."]);

    server.go_offline();
    let started = Instant::now();
    let asked = laptop.run(&[
        "ask",
        "--new",
        "--temp",
        "0",
        "--max-tokens",
        "8",
        "--json",
        "Remember that the gate code is 7391.",
    ]);
    let stderr = String::from_utf8_lossy(&asked.stderr);
    assert!(
        stderr.contains("memory is unavailable") && stderr.contains("unreachable"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "ask waited {:?} for the offline store",
        started.elapsed()
    );
    let reply: serde_json::Value = serde_json::from_slice(&asked.stdout).unwrap();
    let session = reply["session"].as_str().unwrap();
    let turns = laptop.json(&["sessions", "show", session, "--json"])["turns"].clone();
    assert!(
        turns[0]["text"].as_str().unwrap().contains("7391"),
        "{turns}"
    );
    // Reading memory says why it cannot, in one line, and loses nothing.
    let search = laptop.output(&["memory", "search", "gate code"]);
    assert!(!search.status.success());
    let error = String::from_utf8_lossy(&search.stderr);
    assert!(
        error.contains("unreachable") && error.contains(&format!("s3://{bucket}/team-memory")),
        "{error}"
    );

    server.come_back();
    assert!(
        eventually(Duration::from_secs(90), || {
            let found = laptop.json(&["memory", "search", "--json", "-k", "5", "gate code"]);
            found
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["text"].as_str().unwrap().contains("7391"))
        }),
        "the turn said while offline was never remembered"
    );
    assert!(
        laptop
            .memory_texts()
            .iter()
            .any(|t| t.contains("set up on Monday")),
        "a memory written before the outage is gone"
    );
}
