//! Sentence embeddings with fastembed: all-MiniLM-L6-v2 (int8 ONNX), ONNX Runtime loaded from the fetched library.

use std::path::Path;
use std::sync::OnceLock;

use fastembed::{
    InitOptionsUserDefined, Pooling, TextEmbedding, TokenizerFiles, UserDefinedEmbeddingModel,
};

use super::EMBEDDING_DIMS;
use crate::models::Catalog;

/// Longest input in tokens; longer text is truncated by the tokenizer.
pub const MAX_TOKENS: usize = 256;
/// Texts embedded per ONNX call.
pub const BATCH: usize = 64;

/// Why the embedder could not be used.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("the embedding model is not fetched ({0} is missing): run `mneme models fetch`")]
    Missing(String),
    #[error("ONNX Runtime could not be loaded from {path}: {reason}")]
    Runtime { path: String, reason: String },
    #[error("the embedding model failed: {0}")]
    Model(String),
}

/// ONNX Runtime is loaded once per process, from one library.
static RUNTIME: OnceLock<Result<(), String>> = OnceLock::new();

fn load_runtime(library: &Path) -> Result<(), EmbedError> {
    RUNTIME
        .get_or_init(|| {
            if !library.is_file() {
                return Err(format!(
                    "{} is missing: run `mneme models fetch`",
                    library.display()
                ));
            }
            ort::init_from(library)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|reason| EmbedError::Runtime {
            path: library.display().to_string(),
            reason,
        })
}

/// The loaded embedding model (load once per process and reuse).
pub struct Embedder {
    model: TextEmbedding,
}

impl Embedder {
    /// Loads the model files from the catalog's models dir.
    pub fn load(catalog: &Catalog) -> Result<Self, EmbedError> {
        load_runtime(&catalog.onnxruntime_library())?;
        let dir = catalog.embedding_dir();
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|_| EmbedError::Missing(path.display().to_string()))
        };
        let files = TokenizerFiles {
            tokenizer_file: read("tokenizer.json")?,
            config_file: read("config.json")?,
            special_tokens_map_file: read("special_tokens_map.json")?,
            tokenizer_config_file: read("tokenizer_config.json")?,
        };
        let model =
            UserDefinedEmbeddingModel::new(read("model.onnx")?, files).with_pooling(Pooling::Mean);
        let mut options = InitOptionsUserDefined::default();
        options.max_length = MAX_TOKENS;
        // ONNX Runtime's intra-op threads spin between operators by default, taking the cores the
        // full-text and vector searches run on while a query is embedded beside them. Without
        // spinning, `mneme bench memory` at 10k memories (2 cores, alternating runs): hybrid
        // search p50 17.0–18.3 ms against 19.3–20.5, p95 20.5–23.8 against 28.1–34.1; ingest
        // throughput unchanged.
        options
            .session_config
            .push(("session.intra_op.allow_spinning".into(), "0".into()));
        let model = TextEmbedding::try_new_from_user_defined(model, options)
            .map_err(|e| EmbedError::Model(e.to_string()))?;
        Ok(Self { model })
    }

    /// Embeds texts in batches; each vector is L2-normalised and 384 wide.
    pub fn embed(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let vectors = self
            .model
            .embed(texts, Some(BATCH))
            .map_err(|e| EmbedError::Model(e.to_string()))?;
        Ok(vectors.into_iter().map(normalise).collect())
    }

    /// Embeds one text.
    pub fn embed_one(&mut self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let mut v = self.embed(&[text.to_string()])?;
        let vector = v.pop().unwrap_or_default();
        if vector.len() != EMBEDDING_DIMS {
            return Err(EmbedError::Model(format!(
                "expected {EMBEDDING_DIMS} dimensions, got {}",
                vector.len()
            )));
        }
        Ok(vector)
    }
}

fn normalise(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}
