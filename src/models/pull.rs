//! `mneme models pull`: a GGUF from a URL or a Hugging Face repo, downloaded with resume, checked
//! (size, sha256 given or published, GGUF header) and only then registered under a name.

use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::Catalog;
use super::pulled::{Pulled, Registry};

/// What to pull and under which name.
#[derive(Debug, Clone)]
pub struct PullRequest {
    /// `http(s)://…/FILE.gguf` or `hf:OWNER/REPO/FILE.gguf`.
    pub source: String,
    /// The name to register; `None` takes the file's stem.
    pub name: Option<String>,
    /// The expected sha256, if the user has one.
    pub sha256: Option<String>,
    /// Replace a model already pulled under this name.
    pub force: bool,
}

/// Why a pull failed. A cut download keeps its partial file for the next try; nothing else is
/// left behind, and nothing is registered.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("{0}")]
    Source(String),
    #[error("cannot download {url}: {reason}")]
    Http { url: String, reason: String },
    #[error(
        "the download stopped at {done} of {total} bytes ({reason}); run the same command again to resume"
    )]
    Cut {
        done: u64,
        total: String,
        reason: String,
    },
    #[error("interrupted at {done} bytes; run the same command again to resume")]
    Interrupted { done: u64 },
    #[error("the file's sha256 is {actual}, not the {origin} {expected}: it was deleted")]
    WrongSha256 {
        actual: String,
        expected: String,
        origin: &'static str,
    },
    #[error("the server announced {expected} bytes but sent {actual}: the file was deleted")]
    WrongSize { expected: u64, actual: u64 },
    #[error("the download is not a usable GGUF model ({0}): it was deleted")]
    NotGguf(String),
    #[error("{needed} bytes are needed but {free} are free in {dir}")]
    NoSpace {
        needed: u64,
        free: u64,
        dir: PathBuf,
    },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Progress reports: bytes so far (resumed bytes included) and the total when known.
pub trait Progress {
    fn started(&mut self, resumed_from: u64, total: Option<u64>);
    fn advanced(&mut self, done: u64);
}

/// Where the URL points, and the name it suggests.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub url: String,
    pub file_stem: String,
}

impl Source {
    pub fn parse(source: &str) -> Result<Self, PullError> {
        let url = if let Some(rest) = source.strip_prefix("hf:") {
            let parts: Vec<&str> = rest.splitn(3, '/').collect();
            match parts.as_slice() {
                [owner, repo, file]
                    if !owner.is_empty() && !repo.is_empty() && file.ends_with(".gguf") =>
                {
                    format!("https://huggingface.co/{owner}/{repo}/resolve/main/{file}")
                }
                _ => {
                    return Err(PullError::Source(format!(
                        "`{source}` is not hf:OWNER/REPO/FILE.gguf"
                    )));
                }
            }
        } else if source.starts_with("http://") || source.starts_with("https://") {
            source.to_string()
        } else {
            return Err(PullError::Source(format!(
                "`{source}` is neither an http(s) URL nor hf:OWNER/REPO/FILE.gguf"
            )));
        };
        let file = url
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .rsplit('/')
            .next()
            .unwrap_or("");
        let file_stem = file.strip_suffix(".gguf").unwrap_or(file).to_string();
        Ok(Self { url, file_stem })
    }
}

/// A model name: short, lower-case, safe as a file name.
pub fn check_name(name: &str) -> Result<(), PullError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(PullError::Source(format!(
            "`{name}` cannot be a model name: use 1-64 of a-z, 0-9, '.', '_', '-' (pass --name)"
        )))
    }
}

/// What a partial download was started from, so a resume never splices two different files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PartialOrigin {
    url: String,
    /// The server's validator (ETag, else Last-Modified), sent back as `If-Range`.
    validator: Option<String>,
    total: Option<u64>,
}

/// Downloads, checks and registers a model; returns what was registered.
pub async fn pull(
    catalog: &Catalog,
    request: &PullRequest,
    progress: &mut dyn Progress,
    cancel: &CancellationToken,
) -> Result<Pulled, PullError> {
    let source = Source::parse(&request.source)?;
    let name = request
        .name
        .clone()
        .unwrap_or_else(|| source.file_stem.to_ascii_lowercase());
    check_name(&name)?;
    if catalog.artifacts.iter().any(|a| a.name == name) {
        return Err(PullError::Source(format!(
            "`{name}` is a built-in model's name: pass another --name"
        )));
    }
    let models_dir = &catalog.models_dir;
    if Registry::load(models_dir)?.find(&name).is_some() && !request.force {
        return Err(PullError::Source(format!(
            "a model named `{name}` is already pulled: `models use {name}`, or pull again with --force"
        )));
    }
    let expected = match &request.sha256 {
        Some(given) => Some((normalise_sha256(given)?, "given")),
        None => None,
    };
    let dir = models_dir.join("pulled");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("{name}.gguf"));
    let partial = dir.join(format!("{name}.gguf.partial"));
    let origin_path = dir.join(format!("{name}.gguf.partial.json"));

    let http = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(15))
        .read_timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|e| http_error(&source.url, &e))?;
    let expected = match expected {
        Some(e) => Some(e),
        None => published_sha256(&http, &source.url)
            .await
            .map(|s| (s, "published")),
    };

    download(&http, &source.url, &partial, &origin_path, progress, cancel).await?;

    let checked = check_download(&partial, expected.as_ref());
    if let Err(e) = checked {
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_file(&origin_path);
        return Err(e);
    }
    let (size, sha256) = checked?;
    std::fs::rename(&partial, &file)?;
    let _ = std::fs::remove_file(&origin_path);
    let pulled = Pulled {
        name,
        file: format!("pulled/{}", file.file_name().unwrap().to_string_lossy()),
        source: request.source.clone(),
        size,
        sha256,
        verified: expected.is_some(),
        pulled_at: Utc::now(),
    };
    Registry::register(models_dir, pulled.clone())?;
    Ok(pulled)
}

fn normalise_sha256(text: &str) -> Result<String, PullError> {
    let hex = text.trim().to_ascii_lowercase();
    if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(hex)
    } else {
        Err(PullError::Source(format!(
            "`{text}` is not a sha256 (64 hex digits)"
        )))
    }
}

fn http_error(url: &str, e: &reqwest::Error) -> PullError {
    PullError::Http {
        url: url.to_string(),
        reason: crate::error_chain::root_cause(e),
    }
}

/// A checksum the host publishes: Hugging Face's `X-Linked-Etag` (the LFS sha256) on the
/// un-followed redirect, or a `URL.sha256` file next to the download.
async fn published_sha256(http: &reqwest::Client, url: &str) -> Option<String> {
    let head = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(15))
        .build()
        .ok()?;
    if let Ok(response) = head.head(url).send().await
        && let Some(tag) = response.headers().get("x-linked-etag")
        && let Ok(hex) = normalise_sha256(tag.to_str().unwrap_or("").trim_matches('"'))
    {
        return Some(hex);
    }
    let response = http.get(format!("{url}.sha256")).send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    let text = response.text().await.ok()?;
    normalise_sha256(text.split_whitespace().next()?).ok()
}

/// Downloads `url` into `partial`, resuming what an earlier try left there.
async fn download(
    http: &reqwest::Client,
    url: &str,
    partial: &Path,
    origin_path: &Path,
    progress: &mut dyn Progress,
    cancel: &CancellationToken,
) -> Result<(), PullError> {
    let previous: Option<PartialOrigin> = std::fs::read(origin_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let mut have = std::fs::metadata(partial).map_or(0, |m| m.len());
    if previous.as_ref().is_none_or(|p| p.url != url) {
        have = 0;
    }
    let mut get = http.get(url);
    if have > 0 {
        get = get.header(reqwest::header::RANGE, format!("bytes={have}-"));
        if let Some(validator) = previous.as_ref().and_then(|p| p.validator.clone()) {
            get = get.header(reqwest::header::IF_RANGE, validator);
        }
    }
    let mut response = tokio::select! {
        r = get.send() => r.map_err(|e| http_error(url, &e))?,
        _ = cancel.cancelled() => return Err(PullError::Interrupted { done: have }),
    };
    let status = response.status();
    let total = match status.as_u16() {
        206 => content_range_total(&response),
        416 if previous.as_ref().and_then(|p| p.total) == Some(have) => {
            progress.started(have, Some(have));
            return Ok(());
        }
        200 => {
            have = 0;
            response.content_length()
        }
        _ => {
            return Err(PullError::Http {
                url: url.to_string(),
                reason: format!("the server answered {status}"),
            });
        }
    };
    let validator = ["etag", "last-modified"].iter().find_map(|h| {
        response
            .headers()
            .get(*h)?
            .to_str()
            .ok()
            .map(str::to_string)
    });
    let origin = PartialOrigin {
        url: url.to_string(),
        validator,
        total,
    };
    crate::paths::write_private_atomic(
        origin_path,
        &serde_json::to_vec(&origin).map_err(io::Error::other)?,
    )?;
    if let Some(total) = total {
        check_space(partial, total.saturating_sub(have))?;
    }
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(partial)?;
    out.set_len(have)?;
    out.seek(io::SeekFrom::Start(have))?;
    progress.started(have, total);
    let mut done = have;
    loop {
        let chunk = tokio::select! {
            c = response.chunk() => c,
            _ = cancel.cancelled() => {
                out.sync_all()?;
                return Err(PullError::Interrupted { done });
            }
        };
        match chunk {
            Ok(Some(bytes)) => {
                out.write_all(&bytes)?;
                done += bytes.len() as u64;
                progress.advanced(done);
            }
            Ok(None) => break,
            Err(e) => {
                out.sync_all()?;
                return Err(PullError::Cut {
                    done,
                    total: total.map_or("?".into(), |t| t.to_string()),
                    reason: match http_error(url, &e) {
                        PullError::Http { reason, .. } => reason,
                        other => other.to_string(),
                    },
                });
            }
        }
    }
    out.sync_all()?;
    if let Some(total) = total
        && done != total
    {
        if done < total {
            return Err(PullError::Cut {
                done,
                total: total.to_string(),
                reason: "the server closed the connection".into(),
            });
        }
        return Err(PullError::WrongSize {
            expected: total,
            actual: done,
        });
    }
    Ok(())
}

/// The total size from `Content-Range: bytes A-B/TOTAL`.
fn content_range_total(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get(reqwest::header::CONTENT_RANGE)?
        .to_str()
        .ok()?
        .rsplit('/')
        .next()?
        .parse()
        .ok()
}

/// Refuses a download the disk cannot hold, before writing any of it.
fn check_space(file: &Path, needed: u64) -> Result<(), PullError> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let path = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes())
        .map_err(|_| io::Error::other("a path with a NUL byte"))?;
    // SAFETY: `stat` is a plain C struct filled by statvfs; `path` is NUL-terminated.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return Ok(());
    }
    let free = stat.f_bavail as u64 * stat.f_frsize as u64;
    if free < needed {
        return Err(PullError::NoSpace {
            needed,
            free,
            dir: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// The file's size and sha256, checked against `expected`, and its GGUF header.
fn check_download(
    partial: &Path,
    expected: Option<&(String, &'static str)>,
) -> Result<(u64, String), PullError> {
    let size = std::fs::metadata(partial)?.len();
    let actual = super::sha256_file(partial)?;
    if let Some((expected, origin)) = expected
        && *expected != actual
    {
        return Err(PullError::WrongSha256 {
            actual,
            expected: expected.clone(),
            origin,
        });
    }
    super::check_gguf(partial).map_err(|e| PullError::NotGguf(e.to_string()))?;
    Ok((size, actual))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_urls_or_hugging_face_files() {
        let hf = Source::parse("hf:Org/Repo-GGUF/model.Q4_K_M.gguf").unwrap();
        assert_eq!(
            hf.url,
            "https://huggingface.co/Org/Repo-GGUF/resolve/main/model.Q4_K_M.gguf"
        );
        assert_eq!(hf.file_stem, "model.Q4_K_M");
        let url = Source::parse("http://127.0.0.1:9/a/Small.gguf?download=1").unwrap();
        assert_eq!(url.file_stem, "Small");
        assert!(Source::parse("hf:Org/model.gguf").is_err());
        assert!(Source::parse("hf:Org/Repo/model.bin").is_err());
        assert!(Source::parse("ftp://x/model.gguf").is_err());
        assert!(Source::parse("/tmp/model.gguf").is_err());
    }

    #[test]
    fn names_are_safe_file_names() {
        for good in ["small", "smollm2-135m", "q4_k.m"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "../x", "a/b", "Big", ".hidden", "-x", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
