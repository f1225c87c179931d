//! Models pulled by URL (`mneme models pull`): the registry of names, files and where they came
//! from, kept next to them in the models dir. Only a whole, verified file is ever registered.

use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One pulled model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pulled {
    /// The name `models use` and `--model` take.
    pub name: String,
    /// The file, relative to the models dir.
    pub file: String,
    /// Where it was downloaded from.
    pub source: String,
    pub size: u64,
    pub sha256: String,
    /// Whether the sha256 was checked against one given or published (else only computed).
    pub verified: bool,
    pub pulled_at: DateTime<Utc>,
}

/// The registry file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Registry {
    pub models: Vec<Pulled>,
}

impl Registry {
    pub fn path(models_dir: &Path) -> PathBuf {
        models_dir.join("pulled.json")
    }

    /// The pulled models (none when nothing was pulled; an unreadable registry is an error).
    pub fn load(models_dir: &Path) -> io::Result<Self> {
        match std::fs::read(Self::path(models_dir)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is damaged: {e}", Self::path(models_dir).display()),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e),
        }
    }

    pub fn find(&self, name: &str) -> Option<&Pulled> {
        self.models.iter().find(|m| m.name == name)
    }

    /// Adds or replaces `model` and writes the registry atomically.
    pub fn register(models_dir: &Path, model: Pulled) -> io::Result<()> {
        let mut registry = Self::load(models_dir)?;
        registry.models.retain(|m| m.name != model.name);
        registry.models.push(model);
        let bytes = serde_json::to_vec_pretty(&registry).map_err(io::Error::other)?;
        crate::paths::write_private_atomic(&Self::path(models_dir), &bytes)
    }
}
