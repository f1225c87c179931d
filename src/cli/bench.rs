//! `mneme bench`: benchmarks that print machine-readable results with ratios to an in-process baseline.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use super::{App, Cli, print_json};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Prefill and decode tokens/s and time to first token of the chat engine.
    Engine {
        /// Print JSON only.
        #[arg(long)]
        json: bool,
        /// Prompt lengths in tokens.
        #[arg(long, value_delimiter = ',', default_value = "128,512,1024")]
        lengths: Vec<usize>,
        /// Runs per length; the median is reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Tokens generated per run.
        #[arg(long, default_value_t = 64)]
        decode_tokens: usize,
        /// A fetched model's name or a GGUF path.
        #[arg(long, value_name = "NAME|PATH")]
        model: Option<String>,
    },
}

pub async fn run(cli: &Cli, command: &BenchCommand) -> Result<ExitCode> {
    let app = App::load(cli, "bench")?;
    match command {
        BenchCommand::Engine { json, lengths, runs, decode_tokens, model } => {
            let settings = app.engine_settings(model.as_deref())?;
            let (lengths, runs, decode) = (lengths.clone(), (*runs).max(1), (*decode_tokens).max(1));
            let report =
                tokio::task::spawn_blocking(move || crate::bench::engine::run(&settings, &lengths, runs, decode)).await??;
            if *json {
                print_json(&report)?;
            } else {
                println!("model {} ({} threads, median of {} runs)", report.model, report.threads, report.runs);
                println!("{:>8} {:>10} {:>12} {:>12} {:>10} {:>10}", "prompt", "ttft_ms", "prefill t/s", "decode t/s", "prefill×", "decode×");
                for p in &report.points {
                    println!(
                        "{:>8} {:>10.1} {:>12.1} {:>12.1} {:>10.2} {:>10.2}",
                        p.prompt_tokens, p.ttft_ms, p.prefill_tps, p.decode_tps, p.prefill_ratio, p.decode_ratio
                    );
                }
                println!("(× = engine / bare llama.cpp loop in this process)");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
