//! Writes a session out as Markdown (to read) or JSONL (to process or re-import).

use std::fmt::Write as _;

use super::Session;
use crate::engine::Role;

/// The formats `sessions export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Markdown,
    Jsonl,
}

/// Renders a whole session in `format`.
pub fn export(session: &Session, format: ExportFormat) -> String {
    match format {
        ExportFormat::Jsonl => session
            .turns
            .iter()
            .map(|t| serde_json::to_string(t).expect("turn serialises") + "\n")
            .collect(),
        ExportFormat::Markdown => {
            let mut out = format!("# {}\n\n", session.title());
            let _ = writeln!(
                out,
                "Session `{}`, started {}.\n",
                session.meta.id,
                session.meta.created.to_rfc3339()
            );
            for turn in &session.turns {
                let who = match (turn.role, &turn.speaker) {
                    (_, Some(speaker)) => speaker.as_str(),
                    (Role::User, None) => "You",
                    (Role::Assistant, None) => "mneme",
                    (Role::System, None) => "System",
                    (Role::Other, None) => "Other",
                };
                let _ = writeln!(out, "## {who} · {}\n", turn.time.format("%Y-%m-%d %H:%M"));
                out.push_str(turn.text.trim_end());
                out.push('\n');
                if turn.interrupted {
                    out.push_str("\n*(interrupted)*\n");
                }
                out.push('\n');
            }
            out
        }
    }
}
