//! `models pull` from a local HTTP server serving the fetched SmolLM2 file: a whole download, a
//! resume after a cut, a wrong checksum refused, then `models use` and a turn with the model.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use crate::common::{DataDir, chat_model_path, stdout};

const FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

/// One request as the file server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    range_from: Option<u64>,
    bytes_sent: u64,
}

/// A small HTTP/1.1 file server on loopback: GET and HEAD of one file with `Range` support, a
/// `.sha256` file next to it when asked, and a fault: the first GET of the file can be cut after
/// some bytes, as a dropped connection would.
struct FileServer {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FileServer {
    fn start(cut_first_get_after: Option<u64>, publish_sha256: Option<String>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let body = Arc::new(std::fs::read(chat_model_path()).unwrap());
        let log = seen.clone();
        std::thread::spawn(move || {
            let mut cut = cut_first_get_after;
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let seen = serve(stream, &body, cut.take(), publish_sha256.as_deref());
                if let Some(seen) = seen {
                    log.lock().unwrap().push(seen);
                }
            }
        });
        Self { port, seen }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/{FILE}", self.port)
    }

    fn gets_of_the_file(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.method == "GET" && s.path.ends_with(".gguf"))
            .cloned()
            .collect()
    }
}

fn serve(
    mut stream: TcpStream,
    body: &[u8],
    cut: Option<u64>,
    sha256: Option<&str>,
) -> Option<Seen> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut range_from = None;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        if line.trim().is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(range) = lower.strip_prefix("range: bytes=") {
            range_from = range.trim().trim_end_matches('-').parse().ok();
        }
    }
    let mut seen = Seen {
        method: method.clone(),
        path: path.clone(),
        range_from,
        bytes_sent: 0,
    };
    if path.ends_with(".sha256") {
        let (status, text) = match sha256 {
            Some(hex) => ("200 OK", format!("{hex}  {FILE}\n")),
            None => ("404 Not Found", String::new()),
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
            text.len()
        );
        return Some(seen);
    }
    let total = body.len() as u64;
    let from = range_from.unwrap_or(0).min(total);
    let status = if range_from.is_some() {
        "206 Partial Content"
    } else {
        "200 OK"
    };
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nETag: \"smollm2-v1\"\r\nAccept-Ranges: bytes\r\nConnection: close\r\n",
        total - from
    );
    if range_from.is_some() {
        head.push_str(&format!(
            "Content-Range: bytes {from}-{}/{total}\r\n",
            total - 1
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    if method == "HEAD" {
        return Some(seen);
    }
    let end = match cut {
        Some(after) => (from + after).min(total),
        None => total,
    };
    for chunk in body[from as usize..end as usize].chunks(1 << 16) {
        if stream.write_all(chunk).is_err() {
            break;
        }
        seen.bytes_sent += chunk.len() as u64;
    }
    let _ = stream.flush();
    // A cut: the connection closes with the body unfinished.
    drop(stream);
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
    Some(seen)
}

fn real_sha256() -> String {
    mneme::models::sha256_file(&chat_model_path()).unwrap()
}

#[test]
fn a_cut_download_resumes_then_the_model_is_used_for_a_turn() {
    let size = std::fs::metadata(chat_model_path()).unwrap().len();
    let server = FileServer::start(Some(size / 3), None);
    let data = DataDir::new();
    let models = data.path().join("models");
    let url = server.url();
    let pull = |extra: &[&str]| {
        let mut args = vec!["models", "pull", &url, "--name", "small"];
        args.extend_from_slice(extra);
        data.cmd(&args)
            .env("MNEME_MODELS_DIR", &models)
            .output()
            .unwrap()
    };
    let sha = real_sha256();

    let cut = pull(&["--sha256", &sha]);
    assert!(!cut.status.success(), "{}", stdout(&cut));
    let stderr = String::from_utf8_lossy(&cut.stderr);
    assert!(
        stderr.contains("run the same command again to resume"),
        "{stderr}"
    );
    let names = |data: &DataDir| model_names_in(data, &models);
    assert!(
        !names(&data).contains(&"small".to_string()),
        "nothing half-registered"
    );

    let whole = pull(&["--sha256", &sha]);
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    assert!(
        stdout(&whole).contains("sha256 verified"),
        "{}",
        stdout(&whole)
    );
    let gets = server.gets_of_the_file();
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert_eq!(gets[0].range_from, None);
    assert_eq!(
        gets[1].range_from,
        Some(gets[0].bytes_sent),
        "the second try asked only for what the first did not get"
    );
    assert_eq!(gets[0].bytes_sent + gets[1].bytes_sent, size);
    assert!(names(&data).contains(&"small".to_string()));
    let pulled = models.join("pulled/small.gguf");
    assert_eq!(std::fs::metadata(&pulled).unwrap().len(), size);

    let used = data
        .cmd(&["models", "use", "small"])
        .env("MNEME_MODELS_DIR", &models)
        .output()
        .unwrap();
    assert!(
        used.status.success(),
        "{}",
        String::from_utf8_lossy(&used.stderr)
    );
    let out = data
        .cmd(&[
            "ask",
            "--new",
            "--temp",
            "0",
            "--max-tokens",
            "8",
            "--json",
            "Hi",
        ])
        .env("MNEME_MODELS_DIR", &models)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["model"], "small");
    assert!(answer["stats"]["generated_tokens"].as_u64().unwrap() > 0);
}

#[test]
fn a_wrong_checksum_given_or_published_is_refused_and_leaves_nothing() {
    let wrong = "0".repeat(64);
    let server = FileServer::start(None, Some(wrong.clone()));
    let data = DataDir::new();
    let models = data.path().join("models");
    let pull = |args: &[&str]| {
        data.cmd(args)
            .env("MNEME_MODELS_DIR", &models)
            .output()
            .unwrap()
    };
    let url = server.url();
    // Published next to the file (URL.sha256), and wrong.
    let out = pull(&["models", "pull", &url, "--name", "bad"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not the published"), "{stderr}");
    // Given on the command line, and wrong.
    let out = pull(&[
        "models",
        "pull",
        &url,
        "--name",
        "bad",
        "--sha256",
        &"1".repeat(64),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not the given"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(models.join("pulled"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
    assert!(!model_names_in(&data, &models).contains(&"bad".to_string()));
    // The right checksum given beats a wrong published one.
    let out = pull(&[
        "models",
        "pull",
        &url,
        "--name",
        "good",
        "--sha256",
        &real_sha256(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn model_names_in(data: &DataDir, models: &std::path::Path) -> Vec<String> {
    let out = data
        .cmd(&["models", "list", "--json"])
        .env("MNEME_MODELS_DIR", models)
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect()
}
