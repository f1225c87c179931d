//! Benchmark texts and evaluation sets, read from `assets/` at run time instead of being compiled
//! into every binary (they are only needed by `mneme bench`).

use std::path::PathBuf;

use anyhow::{Context, Result};

/// Overrides where the assets are read from.
pub const ASSETS_DIR_ENV: &str = "MNEME_ASSETS_DIR";

/// Prose for engine prompts.
pub const ENGINE_TEXT: &str = "bench-text.txt";
/// Genesis (KJV), for attention benchmarks.
pub const ATTENTION_TEXT: &str = "bench/genesis-kjv.txt";
/// The recall eval set.
pub const EVAL_CONVERSATIONS: &str = "eval/conversations.jsonl";
pub const EVAL_QUESTIONS: &str = "eval/questions.jsonl";
/// User sentences labelled fact or not, for `bench facts`.
pub const EVAL_FACTS: &str = "eval/facts.jsonl";
/// Every asset `mneme bench` reads.
pub const ALL: [&str; 5] = [
    ENGINE_TEXT,
    ATTENTION_TEXT,
    EVAL_CONVERSATIONS,
    EVAL_QUESTIONS,
    EVAL_FACTS,
];

/// The assets `dir` (see [`assets_dir`]) lacks.
pub fn missing(dir: &std::path::Path) -> Vec<&'static str> {
    ALL.into_iter()
        .filter(|name| !dir.join(name).is_file())
        .collect()
}

/// `MNEME_ASSETS_DIR`, else `share/mneme/assets` beside an installed binary's `bin/`, else the
/// source tree this binary was built from.
pub fn assets_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(ASSETS_DIR_ENV) {
        return PathBuf::from(dir);
    }
    let installed = std::env::current_exe().ok().and_then(|exe| {
        let dir = exe.parent()?.parent()?.join("share/mneme/assets");
        dir.is_dir().then_some(dir)
    });
    installed.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets"))
}

/// Reads one asset, with an error that says where it was looked for and how to point elsewhere.
pub fn read(name: &str) -> Result<String> {
    let path = assets_dir().join(name);
    std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read the benchmark asset {} (set {ASSETS_DIR_ENV} to the assets/ folder of a mneme checkout)",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_bench_asset_is_found_from_the_build_tree() {
        for name in super::ALL {
            assert!(!super::read(name).unwrap().is_empty(), "{name}");
        }
    }
}
