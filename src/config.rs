//! The TOML config: typed, defaulted, strict about unknown keys, and written commented on first run.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Everything a user can set in `config.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Which model runs and how its context is sized.
    pub model: ModelConfig,
    /// How replies are sampled.
    pub generation: GenerationConfig,
    /// What is remembered and recalled.
    pub memory: MemoryConfig,
    /// The background memory daemon.
    pub daemon: DaemonConfig,
    /// The full-screen chat.
    pub tui: TuiConfig,
    /// How attention bounds the model's working memory.
    pub attention: AttentionConfig,
}

/// The attention strategy (see `mneme bench attention`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttentionConfig {
    /// `full`, `sliding:W[:S]`, `window:W` or `alibi:M`.
    pub strategy: crate::domain::Attention,
}

/// The full-screen chat's look and keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TuiConfig {
    /// `dark` or `light` (colours are off whenever `NO_COLOR` is set).
    pub theme: String,
    /// Key overrides: action name = ["ctrl+q", ...] (see the help screen, F1, for the actions).
    pub keys: std::collections::BTreeMap<String, Vec<String>>,
}

impl Default for TuiConfig {
    fn default() -> Self {
        Self {
            theme: "dark".into(),
            keys: Default::default(),
        }
    }
}

/// The memory daemon: when it starts, consolidates and tidies up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonConfig {
    /// `ask` and the chat start the daemon when it is not running.
    pub autostart: bool,
    /// Local time of day (HH:MM) for the nightly consolidation.
    pub consolidate_at: String,
    /// On start-up, consolidate missed days up to this many days back.
    pub catch_up_days: u32,
    /// How often transcripts are checked for new turns, in milliseconds.
    pub poll_ms: u64,
    /// Minutes between compaction and pruning of old store versions.
    pub upkeep_minutes: u64,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        Self {
            autostart: true,
            consolidate_at: "03:00".into(),
            catch_up_days: 7,
            poll_ms: 1000,
            upkeep_minutes: 60,
        }
    }
}

impl DaemonConfig {
    /// The consolidation time of day (validated at load).
    pub fn consolidate_time(&self) -> chrono::NaiveTime {
        chrono::NaiveTime::parse_from_str(&self.consolidate_at, "%H:%M")
            .unwrap_or(chrono::NaiveTime::MIN)
    }
}

/// Recall settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemoryConfig {
    /// Recall memories into each prompt.
    pub recall: bool,
    /// At most this many memories per prompt.
    pub recall_k: usize,
    /// At most about this many tokens of memories per prompt.
    pub recall_budget_tokens: usize,
    /// Where the memory table lives: empty for the data dir, or `s3://bucket/prefix` for
    /// S3-compatible object storage shared by several machines (credentials from `AWS_*`).
    pub uri: String,
    /// The object store's endpoint (`AWS_ENDPOINT_URL` overrides it); empty for AWS itself.
    pub endpoint: String,
    /// The object store's region (`AWS_REGION` overrides it); empty for the default.
    pub region: String,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        Self {
            recall: true,
            recall_k: 5,
            recall_budget_tokens: 400,
            uri: String::new(),
            endpoint: String::new(),
            region: String::new(),
        }
    }
}

/// Where replies are generated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// llama.cpp in this process, on the GGUF file named by `model.chat`.
    #[default]
    Local,
    /// A server speaking the OpenAI chat API (llama.cpp's `llama-server`, vLLM, Ollama…).
    #[value(name = "openai")]
    #[serde(rename = "openai")]
    OpenAi,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Local => "local",
            Backend::OpenAi => "openai",
        }
    }
}

/// An OpenAI-compatible model server. The API key is never stored here: it is read from
/// `MNEME_OPENAI_API_KEY` or `OPENAI_API_KEY`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenAiConfig {
    /// The API's base URL, ending in `/v1` (`MNEME_OPENAI_BASE_URL` or `OPENAI_BASE_URL` override it).
    pub base_url: String,
    /// The server's model name; empty takes the first one it lists (`MNEME_OPENAI_MODEL` overrides it).
    pub model: String,
}

/// The chat model and its context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// `local` (llama.cpp here) or `openai` (an OpenAI-compatible server, see `[model.openai]`).
    pub backend: Backend,
    /// A fetched model's name (see `mneme models list`) or a path to any GGUF file.
    pub chat: String,
    /// A llama.cpp built-in chat template name for models without their own; empty uses the model's.
    pub template: String,
    /// Context size in tokens (the KV cache holds this many).
    pub context_size: u32,
    /// CPU threads for llama.cpp; 0 uses every core.
    pub threads: u32,
    /// Prompt tokens decoded per batch.
    pub batch_size: u32,
    /// The server used by `backend = "openai"`.
    pub openai: OpenAiConfig,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            backend: Backend::Local,
            chat: "smollm2-135m".into(),
            template: String::new(),
            context_size: 4096,
            threads: 0,
            batch_size: 512,
            openai: OpenAiConfig::default(),
        }
    }
}

/// Sampling settings; temperature 0 is greedy and reproducible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerationConfig {
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub min_p: f32,
    pub repeat_penalty: f32,
    /// How many recent tokens the repeat penalty looks at.
    pub repeat_last_n: i32,
    /// Fixed seed for sampling; absent means a fresh seed each reply.
    pub seed: Option<u32>,
    /// Upper bound on the length of one reply, in tokens.
    pub max_tokens: u32,
    /// The system prompt that opens every conversation.
    pub system_prompt: String,
}

impl Default for GenerationConfig {
    fn default() -> Self {
        Self {
            temperature: 0.7,
            top_k: 40,
            top_p: 0.95,
            min_p: 0.05,
            repeat_penalty: 1.1,
            repeat_last_n: 64,
            seed: None,
            max_tokens: 512,
            system_prompt: DEFAULT_SYSTEM_PROMPT.into(),
        }
    }
}

/// The system prompt used unless the config sets another.
pub const DEFAULT_SYSTEM_PROMPT: &str = "You are mneme, a helpful assistant running locally in a terminal. Answer clearly and concisely.";

/// The commented default config written on first run.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("../assets/default-config.toml");

/// Why a config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write default config {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {key}{message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
}

impl Config {
    /// Loads `path`, writing the commented default first if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, ConfigError> {
        if !path.exists() {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| ConfigError::Write {
                    path: path.into(),
                    source,
                })?;
            }
            crate::paths::write_private_atomic(path, DEFAULT_CONFIG_TOML.as_bytes()).map_err(
                |source| ConfigError::Write {
                    path: path.into(),
                    source,
                },
            )?;
        }
        Self::load(path)
    }

    /// Loads and validates `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| ConfigError::Invalid {
            path: path.into(),
            line: 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count(),
            key: String::new(),
            message: "the file is not valid UTF-8".into(),
        })?;
        Self::parse(&text, path)
    }

    /// Parses TOML text; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, ConfigError> {
        refuse_stored_secrets(text, origin)?;
        let config: Config = toml::from_str(text).map_err(|e| invalid(text, origin, &e))?;
        config.validate(text, origin)?;
        Ok(config)
    }

    fn validate(&self, text: &str, origin: &Path) -> Result<(), ConfigError> {
        let check = |ok: bool, key: &str, message: &str| -> Result<(), ConfigError> {
            if ok {
                return Ok(());
            }
            Err(ConfigError::Invalid {
                path: origin.into(),
                line: line_of_key(text, key),
                key: format!("key `{key}`: "),
                message: message.into(),
            })
        };
        let m = &self.model;
        let g = &self.generation;
        check(
            !m.chat.trim().is_empty(),
            "chat",
            "must name a model or a GGUF path",
        )?;
        check(
            (256..=1 << 20).contains(&m.context_size),
            "context_size",
            "must be between 256 and 1048576",
        )?;
        check(
            (1..=1 << 16).contains(&m.batch_size),
            "batch_size",
            "must be between 1 and 65536",
        )?;
        check(m.threads <= 1024, "threads", "must be at most 1024")?;
        check(
            m.openai.base_url.is_empty()
                || m.openai.base_url.starts_with("http://")
                || m.openai.base_url.starts_with("https://"),
            "base_url",
            "must start with http:// or https://",
        )?;
        check(
            (0.0..=5.0).contains(&g.temperature),
            "temperature",
            "must be between 0 and 5",
        )?;
        check(g.top_k >= 0, "top_k", "must be 0 (off) or more")?;
        check(
            (0.0..=1.0).contains(&g.top_p),
            "top_p",
            "must be between 0 and 1",
        )?;
        check(
            (0.0..=1.0).contains(&g.min_p),
            "min_p",
            "must be between 0 and 1",
        )?;
        check(
            (0.0..=10.0).contains(&g.repeat_penalty),
            "repeat_penalty",
            "must be between 0 and 10",
        )?;
        check(
            g.repeat_last_n >= -1,
            "repeat_last_n",
            "must be -1 (whole context), 0 (off) or more",
        )?;
        check(g.max_tokens >= 1, "max_tokens", "must be at least 1")?;
        check(
            (1..=50).contains(&self.memory.recall_k),
            "recall_k",
            "must be between 1 and 50",
        )?;
        check(
            (50..=8192).contains(&self.memory.recall_budget_tokens),
            "recall_budget_tokens",
            "must be between 50 and 8192",
        )?;
        let memory = &self.memory;
        check(
            memory.uri.is_empty()
                || memory
                    .uri
                    .strip_prefix("s3://")
                    .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/')),
            "uri",
            "must be empty (the data dir) or s3://bucket/prefix",
        )?;
        check(
            memory.endpoint.is_empty()
                || memory.endpoint.starts_with("http://")
                || memory.endpoint.starts_with("https://"),
            "endpoint",
            "must start with http:// or https://",
        )?;
        check(
            matches!(self.tui.theme.as_str(), "dark" | "light"),
            "theme",
            "must be \"dark\" or \"light\"",
        )?;
        for (action, keys) in &self.tui.keys {
            let one = std::collections::BTreeMap::from([(action.clone(), keys.clone())]);
            if let Err(message) = crate::keymap::KeyMap::with_overrides(&one) {
                check(false, action, &message)?;
            }
        }
        let d = &self.daemon;
        check(
            chrono::NaiveTime::parse_from_str(&d.consolidate_at, "%H:%M").is_ok(),
            "consolidate_at",
            "must be a time of day like \"03:00\"",
        )?;
        check(
            (100..=60_000).contains(&d.poll_ms),
            "poll_ms",
            "must be between 100 and 60000",
        )?;
        check(
            d.catch_up_days <= 366,
            "catch_up_days",
            "must be at most 366",
        )?;
        check(
            (1..=10_080).contains(&d.upkeep_minutes),
            "upkeep_minutes",
            "must be between 1 and 10080",
        )?;
        Ok(())
    }
}

/// An API key in the config would sit in clear text in a file that is easy to share: it is
/// refused with a pointer to the environment variable instead of a bare "unknown key".
fn refuse_stored_secrets(text: &str, origin: &Path) -> Result<(), ConfigError> {
    let Ok(value) = text.parse::<toml::Table>() else {
        return Ok(());
    };
    let openai = value
        .get("model")
        .and_then(|m| m.get("openai"))
        .and_then(|o| o.as_table());
    if let Some(key) =
        openai.and_then(|o| o.keys().find(|k| k.contains("key") || k.contains("token")))
    {
        return Err(ConfigError::Invalid {
            path: origin.into(),
            line: line_of_key(text, key),
            key: format!("key `{key}`: "),
            message: "API keys are not stored in the config: set MNEME_OPENAI_API_KEY or OPENAI_API_KEY in the environment".into(),
        });
    }
    let memory = value.get("memory").and_then(|m| m.as_table());
    let credential = |k: &&String| {
        ["access_key", "secret", "session_token", "password"]
            .iter()
            .any(|c| k.contains(c))
    };
    if let Some(key) = memory.and_then(|m| m.keys().find(credential)) {
        return Err(ConfigError::Invalid {
            path: origin.into(),
            line: line_of_key(text, key),
            key: format!("key `{key}`: "),
            message: "object storage credentials are not stored in the config: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment".into(),
        });
    }
    Ok(())
}

fn invalid(text: &str, origin: &Path, err: &toml::de::Error) -> ConfigError {
    let offset = err.span().map(|s| s.start).unwrap_or(0).min(text.len());
    let line = 1 + text[..offset].matches('\n').count();
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let key = line_text
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('['))
        .map(|k| format!("key `{k}`: "))
        .unwrap_or_default();
    ConfigError::Invalid {
        path: origin.into(),
        line,
        key,
        message: err.message().trim().to_string(),
    }
}

fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.split_once('=').is_some_and(|(k, _)| k.trim() == key))
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/x/config.toml"))
    }

    #[test]
    fn default_file_parses_to_defaults() {
        assert_eq!(parse(DEFAULT_CONFIG_TOML).unwrap(), Config::default());
    }

    #[test]
    fn an_api_key_in_the_config_is_refused_with_where_it_belongs() {
        let err = parse("[model.openai]\nbase_url = \"http://x/v1\"\napi_key = \"sk-1\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains(":3:"), "{err}");
        assert!(err.contains("OPENAI_API_KEY"), "{err}");
    }

    #[test]
    fn memory_on_object_storage_parses_and_its_credentials_are_refused() {
        let config = parse(
            "[memory]\nuri = \"s3://team-bucket/mneme\"\nendpoint = \"http://127.0.0.1:9000\"\nregion = \"eu-central-1\"\n",
        )
        .unwrap();
        assert_eq!(config.memory.uri, "s3://team-bucket/mneme");
        assert_eq!(config.memory.endpoint, "http://127.0.0.1:9000");
        let err = parse("[memory]\nuri = \"/tmp/x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("s3://bucket/prefix"), "{err}");
        assert!(parse("[memory]\nuri = \"s3://\"\n").is_err());
        assert!(parse("[memory]\nendpoint = \"127.0.0.1:9000\"\n").is_err());
        let err = parse("[memory]\nuri = \"s3://b/p\"\naws_secret_access_key = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(":3:") && err.contains("AWS_SECRET_ACCESS_KEY"),
            "{err}"
        );
        assert!(!err.contains("\"x\""), "{err}");
    }

    #[test]
    fn backend_and_server_parse() {
        let config =
            parse("[model]\nbackend = \"openai\"\n[model.openai]\nbase_url = \"http://127.0.0.1:8080/v1\"\n")
                .unwrap();
        assert_eq!(config.model.backend, Backend::OpenAi);
        assert_eq!(config.model.openai.base_url, "http://127.0.0.1:8080/v1");
        assert!(parse("[model]\nbackend = \"remote\"\n").is_err());
        assert!(parse("[model.openai]\nbase_url = \"127.0.0.1:8080\"\n").is_err());
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = parse("[model]\nchat = \"a\"\ncontext_sise = 5\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/x/config.toml:3: key `context_sise`: unknown field"),
            "{err}"
        );
    }

    #[test]
    fn wrong_type_names_file_line_and_key() {
        let err = parse("[generation]\n\ntemperature = \"hot\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/x/config.toml:3: key `temperature`:"),
            "{err}"
        );
    }

    #[test]
    fn out_of_range_value_names_file_line_and_key() {
        let err = parse("[model]\ncontext_size = 12\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "/x/config.toml:2: key `context_size`: must be between 256 and 1048576"
        );
    }

    #[test]
    fn first_load_writes_commented_default_privately() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("config.toml");
        let config = Config::load_or_create(&path).unwrap();
        assert_eq!(config, Config::default());
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.lines().any(|l| l.starts_with('#')));
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
