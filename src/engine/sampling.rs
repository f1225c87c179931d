//! Sampling settings and the llama.cpp sampler chain built from them.

use llama_cpp_2::sampling::LlamaSampler;
use serde::{Deserialize, Serialize};

use crate::config::GenerationConfig;

/// How the next token is chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplingParams {
    /// 0 (or less) is greedy decoding.
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub min_p: f32,
    pub repeat_penalty: f32,
    pub repeat_last_n: i32,
    pub seed: u32,
}

impl SamplingParams {
    /// Settings from the config; a missing seed is drawn fresh.
    pub fn from_config(config: &GenerationConfig) -> Self {
        Self {
            temperature: config.temperature,
            top_k: config.top_k,
            top_p: config.top_p,
            min_p: config.min_p,
            repeat_penalty: config.repeat_penalty,
            repeat_last_n: config.repeat_last_n,
            seed: config.seed.unwrap_or_else(fresh_seed),
        }
    }

    /// Greedy decoding: reproducible output.
    pub fn greedy() -> Self {
        Self {
            temperature: 0.0,
            ..Self::from_config(&GenerationConfig::default())
        }
    }

    pub fn is_greedy(&self) -> bool {
        self.temperature <= 0.0
    }

    /// The sampler chain: penalties, then truncation, then temperature and a seeded draw.
    pub fn build(&self, n_vocab: i32, n_ctx: u32) -> LlamaSampler {
        let mut chain = Vec::new();
        if self.repeat_penalty != 1.0 && self.repeat_last_n != 0 {
            let last_n = if self.repeat_last_n < 0 {
                n_ctx as i32
            } else {
                self.repeat_last_n
            };
            chain.push(LlamaSampler::penalties(
                n_vocab,
                last_n,
                self.repeat_penalty,
                0.0,
                0.0,
            ));
        }
        if self.is_greedy() {
            chain.push(LlamaSampler::greedy());
            return LlamaSampler::chain_simple(chain);
        }
        if self.top_k > 0 {
            chain.push(LlamaSampler::top_k(self.top_k));
        }
        if self.top_p < 1.0 {
            chain.push(LlamaSampler::top_p(self.top_p, 1));
        }
        if self.min_p > 0.0 {
            chain.push(LlamaSampler::min_p(self.min_p, 1));
        }
        chain.push(LlamaSampler::temp(self.temperature));
        chain.push(LlamaSampler::dist(self.seed));
        LlamaSampler::chain_simple(chain)
    }
}

fn fresh_seed() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ d.as_secs() as u32)
        .unwrap_or(0);
    nanos ^ std::process::id().rotate_left(16)
}
