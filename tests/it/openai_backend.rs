//! The `openai` backend against a real OpenAI-compatible server: llama.cpp's own `llama-server`
//! (built once by `scripts/build-llama-server.py`, which `make test` runs) serving the fetched
//! SmolLM2 file on loopback, started and stopped by each test.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{DataDir, chat_model_path, eventually, spawn_until_first_byte, stdout};
use crate::tui_tmux::Tmux;

/// The name the server gives its model (`--alias`), which mneme must report.
const SERVED_MODEL: &str = "smollm2-served";

/// Where `scripts/build-llama-server.py` puts the binary (or `MNEME_LLAMA_SERVER`).
fn llama_server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("MNEME_LLAMA_SERVER") {
        return path.into();
    }
    let manifest: serde_json::Value =
        serde_json::from_str(include_str!("../../assets/models.json")).unwrap();
    let version = manifest["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "llama-server")
        .unwrap()["version"]
        .as_str()
        .unwrap()
        .to_string();
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache"));
    let path = cache
        .join("mneme/llama-server")
        .join(version)
        .join("llama-server");
    assert!(
        path.is_file(),
        "{} is missing: run `python3 scripts/build-llama-server.py` (`make test` does)",
        path.display()
    );
    path
}

/// A running `llama-server` on a loopback port; killed when dropped.
struct LlamaServer {
    child: Child,
    port: u16,
}

impl LlamaServer {
    fn start(extra: &[&str]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let model = chat_model_path();
        let child = Command::new(llama_server_binary())
            .args(["-m", model.to_str().unwrap(), "--host", "127.0.0.1"])
            .args([
                "--port",
                &port.to_string(),
                "-c",
                "4096",
                "-np",
                "1",
                "-t",
                "2",
            ])
            .args(["--alias", SERVED_MODEL])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start llama-server");
        let server = Self { child, port };
        assert!(
            eventually(Duration::from_secs(60), || server
                .get("/health")
                .starts_with("HTTP/1.1 200")),
            "llama-server did not become ready on port {port}"
        );
        server
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// A plain HTTP GET: status line, headers and body as text ("" when nothing answers).
    fn get(&self, path: &str) -> String {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return String::new();
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        if stream.write_all(request.as_bytes()).is_err() {
            return String::new();
        }
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    /// Whether the server is generating for some request now (its `/slots` report).
    fn busy(&self) -> bool {
        self.get("/slots").contains("\"is_processing\":true")
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for LlamaServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `mneme ARGS` against `server` through the environment, the ecosystem's way.
fn remote(data: &DataDir, server: &LlamaServer, args: &[&str]) -> Command {
    let mut cmd = data.cmd(args);
    cmd.env("OPENAI_BASE_URL", server.base_url())
        .env_remove("OPENAI_API_KEY")
        .env_remove("MNEME_OPENAI_API_KEY")
        .env_remove("MNEME_OPENAI_BASE_URL")
        .env_remove("MNEME_OPENAI_MODEL");
    cmd
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        stdout(out),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

fn keys(value: &serde_json::Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn only_session(data: &DataDir) -> String {
    data.json(&["sessions", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn ask_through_llama_server_streams_a_reply_with_the_local_json_shape() {
    let server = LlamaServer::start(&[]);
    let data = DataDir::new();
    let question = "What is the capital of France?";
    let ask = [
        "ask",
        "--backend",
        "openai",
        "--temp",
        "0",
        "--max-tokens",
        "24",
        "--json",
        question,
    ];
    let out = remote(&data, &server, &ask).output().unwrap();
    let answer = json_of(&out);
    let session = answer["session"].as_str().unwrap().to_string();
    let local = data.ask_new_json(8, "Hello");
    assert_eq!(keys(&answer), keys(&local), "{answer}\n{local}");
    assert_eq!(keys(&answer["stats"]), keys(&local["stats"]));
    assert_eq!(answer["model"], SERVED_MODEL);
    let reply = answer["reply"].as_str().unwrap();
    assert!(!reply.trim().is_empty(), "{answer}");
    assert!(answer["stats"]["generated_tokens"].as_u64().unwrap() > 0);
    assert!(answer["stats"]["prompt_tokens"].as_u64().unwrap() > 10);
    let turns = data.turns(answer["session"].as_str().unwrap());
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[0]["text"], question);
    assert_eq!(turns[1]["text"], reply);
    assert_eq!(turns[1]["model"], SERVED_MODEL);

    // Streamed: what reaches stdout is what is saved, and the attention notice says it is moot.
    let out = remote(
        &data,
        &server,
        &[
            "ask",
            "--backend",
            "openai",
            "--attention",
            "sliding:512",
            "--session",
            &session,
            "--temp",
            "0",
            "--max-tokens",
            "24",
            "And of Italy?",
        ],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("applies only to the local backend"),
        "{stderr}"
    );
    let turns = data.turns(&session);
    assert_eq!(turns.len(), 4, "the follow-up continued the session");
    assert_eq!(
        stdout(&out).trim_end(),
        turns[3]["text"].as_str().unwrap().trim_end()
    );
}

#[test]
fn a_memory_is_recalled_into_the_prompt_the_server_reads() {
    let server = LlamaServer::start(&[]);
    let data = DataDir::new();
    data.run(
        &[
            "memory",
            "add",
            "The user's locker code at the gym is 4417.",
        ],
        true,
    );
    let question = "What is my locker code at the gym?";
    let ask = |extra: &[&str]| {
        let mut args = vec!["ask", "--backend", "openai", "--new", "--temp", "0"];
        args.extend_from_slice(&["--max-tokens", "16", "--json"]);
        args.extend_from_slice(extra);
        args.push(question);
        json_of(&remote(&data, &server, &args).output().unwrap())
    };
    let with = ask(&[]);
    let recalled = with["recalled"].as_array().unwrap();
    assert!(
        recalled
            .iter()
            .any(|r| r["text"].as_str().unwrap().contains("4417")),
        "{with}"
    );
    let without = ask(&["--no-recall"]);
    let tokens = |v: &serde_json::Value| v["stats"]["prompt_tokens"].as_u64().unwrap();
    assert!(
        tokens(&with) > tokens(&without) + 8,
        "the server read the recalled memory: {} vs {} prompt tokens",
        tokens(&with),
        tokens(&without)
    );
}

/// Starts a long streamed reply and returns once its first byte (returned too) arrived.
fn streaming_ask(data: &DataDir, server: &LlamaServer) -> (Child, u8) {
    let mut cmd = remote(
        data,
        server,
        &[
            "ask",
            "--backend",
            "openai",
            "--new",
            "--max-tokens",
            "2000",
            "Write a very long story about a lighthouse keeper and her cat.",
        ],
    );
    cmd.stderr(Stdio::piped());
    spawn_until_first_byte(cmd)
}

#[test]
fn cancelling_a_remote_reply_closes_the_request_and_saves_it_interrupted() {
    let server = LlamaServer::start(&[]);
    let data = DataDir::new();
    let (mut child, _) = streaming_ask(&data, &server);
    assert!(server.busy(), "the server is generating");
    // SAFETY: sending SIGINT to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let started = Instant::now();
    // The server notices the closed connection when it next writes a token (slow on a busy machine).
    assert!(
        eventually(Duration::from_secs(15), || !server.busy()),
        "the server stopped generating once the request closed"
    );
    let stopped_after = started.elapsed();
    let turns = data.turns(&only_session(&data));
    assert_eq!(turns.len(), 2, "{turns:?}");
    assert_eq!(turns[1]["interrupted"], true);
    assert!(
        turns[1]["stats"]["generated_tokens"].as_u64().unwrap() < 2000,
        "stopped after {stopped_after:?}: {turns:?}"
    );
}

#[test]
fn a_server_killed_mid_reply_is_a_clear_error_and_keeps_the_question_and_the_partial() {
    let mut server = LlamaServer::start(&[]);
    let data = DataDir::new();
    let (child, first) = streaming_ask(&data, &server);
    std::thread::sleep(Duration::from_millis(300));
    server.kill();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("closed the connection mid-reply"),
        "{stderr}"
    );
    assert!(stderr.contains("your question was saved"), "{stderr}");
    let turns = data.turns(&only_session(&data));
    assert_eq!(
        turns.len(),
        2,
        "the question and the partial reply: {turns:?}"
    );
    assert!(turns[0]["text"].as_str().unwrap().contains("lighthouse"));
    assert_eq!(turns[1]["interrupted"], true);
    let partial = turns[1]["text"].as_str().unwrap();
    assert!(!partial.is_empty());
    let shown = [vec![first], out.stdout.clone()].concat();
    let shown = String::from_utf8_lossy(&shown);
    assert_eq!(
        shown.trim_end(),
        partial.trim_end(),
        "what was shown is what was saved"
    );
}

#[test]
fn a_wrong_key_an_unknown_model_and_no_server_are_one_line_errors() {
    let server = LlamaServer::start(&["--api-key", "right-key"]);
    let data = DataDir::new();
    let ask = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["ask", "--backend", "openai", "--new"];
        args.extend_from_slice(&["--max-tokens", "8", "--json"]);
        args.extend_from_slice(extra);
        args.push("Hello there");
        let mut cmd = remote(&data, &server, &args);
        cmd.envs(env.iter().copied());
        cmd.output().unwrap()
    };
    let out = ask(&[], &[("OPENAI_API_KEY", "wrong-key")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("refused the API key (401"), "{stderr}");
    assert!(
        !stderr.contains("wrong-key"),
        "the key is never printed: {stderr}"
    );
    // Refused before anything was asked: no empty conversation is left behind.
    let sessions = data.json(&["sessions", "list", "--json"]);
    assert_eq!(sessions.as_array().unwrap().len(), 0, "{sessions}");

    // The right key, from mneme's own variable, over the ecosystem's.
    let answer = json_of(&ask(
        &[],
        &[
            ("OPENAI_API_KEY", "wrong-key"),
            ("MNEME_OPENAI_API_KEY", "right-key"),
        ],
    ));
    assert_eq!(answer["model"], SERVED_MODEL);

    let out = ask(
        &["--model", "no-such-model"],
        &[("OPENAI_API_KEY", "right-key")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("has no model `no-such-model`") && stderr.contains(SERVED_MODEL),
        "{stderr}"
    );

    let mut cmd = data.cmd(&["ask", "--backend", "openai", "--new", "Hello"]);
    cmd.env("OPENAI_BASE_URL", "http://127.0.0.1:9/v1");
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("cannot reach the model server at http://127.0.0.1:9/v1"),
        "{stderr}"
    );
}

#[test]
fn doctor_checks_the_model_server() {
    let mut server = LlamaServer::start(&[]);
    let data = DataDir::new();
    data.write_config("[model]\nbackend = \"openai\"\n");
    let out = remote(&data, &server, &["doctor"]).output().unwrap();
    let report = stdout(&out);
    let line = report
        .lines()
        .find(|l| l.contains("model server"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(line.starts_with("ok"), "{line}");
    assert!(
        line.contains(SERVED_MODEL) && line.contains(&server.base_url()),
        "{line}"
    );
    server.kill();
    let out = remote(&data, &server, &["doctor"]).output().unwrap();
    assert!(!out.status.success());
    let report = stdout(&out);
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("FAIL") && l.contains("cannot reach the model server")),
        "{report}"
    );
}

#[test]
fn a_chat_turn_in_the_tui_goes_through_the_server() {
    let server = LlamaServer::start(&[]);
    let data = DataDir::new();
    let tmux = Tmux::new();
    let env = format!("OPENAI_BASE_URL={}", server.base_url());
    tmux.start_sized(
        "remote",
        &data,
        &env,
        "chat --new --backend openai",
        (120, 40),
    );
    tmux.wait_for("remote", &[SERVED_MODEL], Duration::from_secs(60));
    tmux.type_text("remote", "Say hello to me.");
    tmux.keys("remote", &["Enter"]);
    tmux.wait_for("remote", &["tok/s"], Duration::from_secs(60));
    let session = only_session(&data);
    let saved = eventually(Duration::from_secs(10), || data.turns(&session).len() == 2);
    assert!(saved, "{:?}", data.turns(&session));
    let turns = data.turns(&session);
    assert_eq!(turns[1]["model"], SERVED_MODEL);
    assert!(!turns[1]["text"].as_str().unwrap().trim().is_empty());
}

#[test]
fn consolidation_writes_its_summaries_with_the_server_model() {
    let server = LlamaServer::start(&["--metrics"]);
    let data = DataDir::new();
    data.write_config("[model]\nbackend = \"openai\"\n[daemon]\nautostart = false\n");
    let file = data.path().join("day.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"session":"trip","time":"2026-11-27T18:00:00Z","speaker":"user","role":"user","text":"We are going to Lisbon on March 3rd for a week."}"#,
            r#"{"session":"trip","time":"2026-11-27T18:01:00Z","speaker":"assistant","role":"assistant","text":"Lisbon in March is mild. Visit Belem and ride tram 28."}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    data.run(&["import", "conversations", file.to_str().unwrap()], true);
    let predicted = || -> f64 {
        server
            .get("/metrics")
            .lines()
            .find(|l| l.starts_with("llamacpp:tokens_predicted_total"))
            .and_then(|l| l.split_whitespace().last()?.parse().ok())
            .unwrap_or(0.0)
    };
    let before = predicted();
    let out = remote(
        &data,
        &server,
        &["consolidate", "--date", "2026-11-27", "--json"],
    )
    .output()
    .unwrap();
    let report = json_of(&out);
    let summaries = report["summaries"].as_array().unwrap();
    assert!(!summaries.is_empty(), "{report}");
    assert_eq!(
        report["failed"].as_array().map_or(0, |f| f.len()),
        0,
        "{report}"
    );
    assert!(
        predicted() > before,
        "the server wrote the summaries: {before} → {}",
        predicted()
    );
}
