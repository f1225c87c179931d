//! The sliding window with attention sinks (StreamingLLM): when the cache would outgrow
//! `sinks + window` tokens, the oldest tokens after the sinks are removed and the rest shifted
//! back, which re-rotates their RoPE keys (each layer with its own RoPE base, so a model with its
//! own windowed layers, like Gemma 3, shifts too once its two caches are the same size). Where
//! llama.cpp cannot shift a cache (multi-section RoPE), the retained tokens are decoded again
//! instead, and counted as such.

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::{LlamaModel, RopeType};
use llama_cpp_2::token::LlamaToken;
use serde::{Deserialize, Serialize};

use super::EngineError;

/// A sliding cache's shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slide {
    pub sinks: usize,
    pub window: usize,
    /// llama.cpp can shift this cache's positions (else evictions re-decode what is kept).
    pub can_shift: bool,
}

impl Slide {
    /// The slide for `sinks` and `window` on `model`.
    ///
    /// The context must be made with `swa_full` (see [`full_swa_cache`]): a model with its own
    /// windowed layers then keeps both halves of its cache the same size, which is what llama.cpp
    /// needs to shift them (`llama_kv_cache_iswa::get_can_shift`). Shifting re-rotates every layer
    /// with that layer's RoPE base (`llama_model::get_rope_freq_base`), so Gemma 3's local layers
    /// (base 10k) and global layers (base 1M) both stay right.
    pub fn for_model(model: &LlamaModel, sinks: usize, window: usize) -> Self {
        Self {
            sinks,
            window,
            can_shift: shiftable(model),
        }
    }

    /// The most tokens the cache ever holds.
    pub fn capacity(&self) -> usize {
        self.sinks + self.window
    }

    /// The largest batch that can be decoded without overfilling the cache.
    pub fn max_batch(&self) -> usize {
        (self.window / 2).max(1)
    }
}

/// Whether llama.cpp can shift this model's cache: not with multi-section RoPE (several positions
/// per token) nor Step3.5's per-layer RoPE sizes (`llama_kv_cache::get_can_shift`), where asking
/// it to would abort the process.
pub fn shiftable(model: &LlamaModel) -> bool {
    let multi_position = matches!(
        model.rope_type(),
        Some(RopeType::MRope | RopeType::IMRope | RopeType::Vision)
    );
    let architecture = model
        .meta_val_str("general.architecture")
        .unwrap_or_default();
    !multi_position && architecture != "step35"
}

/// Whether a context for this strategy needs llama.cpp's `swa_full`: sliding shifts the cache,
/// which llama.cpp allows for a model with windowed layers only when both of its caches have the
/// context's size. The window bounds the context, so the cache stays flat either way.
pub fn full_swa_cache(sliding: bool) -> bool {
    sliding
}

/// What sliding did, for stats and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SlideStats {
    /// Evictions done by shifting the cache.
    pub shifts: usize,
    /// Evictions done by decoding the retained tokens again.
    pub reprefills: usize,
    pub evicted_tokens: usize,
}

/// Makes room for `incoming` tokens at the end of the cache (`cached` mirrors it exactly).
pub fn make_room(
    ctx: &mut LlamaContext,
    cached: &mut Vec<LlamaToken>,
    slide: Slide,
    incoming: usize,
    stats: &mut SlideStats,
) -> Result<(), EngineError> {
    if cached.len() + incoming <= slide.capacity() {
        return Ok(());
    }
    let need = cached.len() + incoming - slide.capacity();
    // Evict in steps of a quarter window, so shifting is not paid on every token.
    let discard = need
        .max(slide.window / 4)
        .min(cached.len().saturating_sub(slide.sinks));
    let (start, end) = (slide.sinks, slide.sinks + discard);
    let llama = |e: &dyn std::fmt::Display| EngineError::Llama(e.to_string());
    if slide.can_shift {
        ctx.kv_cache_seq_rm(0, Some(start as u32), Some(end as u32))
            .map_err(|e| llama(&e))?;
        ctx.kv_cache_seq_add(0, Some(end as u32), None, -(discard as i32))
            .map_err(|e| llama(&e))?;
        cached.drain(start..end);
        stats.shifts += 1;
    } else {
        cached.drain(start..end);
        let keep = std::mem::take(cached);
        ctx.clear_kv_cache();
        let batch = slide.max_batch().min(ctx.n_batch() as usize);
        decode_at_end(ctx, cached, &keep, batch)?;
        stats.reprefills += 1;
    }
    stats.evicted_tokens += discard;
    Ok(())
}

/// Decodes `tokens` after `cached` (no logits needed); used to rebuild a cache.
fn decode_at_end(
    ctx: &mut LlamaContext,
    cached: &mut Vec<LlamaToken>,
    tokens: &[LlamaToken],
    batch_size: usize,
) -> Result<(), EngineError> {
    let mut batch = LlamaBatch::new(batch_size.max(1), 1);
    for chunk in tokens.chunks(batch_size.max(1)) {
        batch.clear();
        for (i, token) in chunk.iter().enumerate() {
            batch
                .add(*token, (cached.len() + i) as i32, &[0], false)
                .map_err(|e| EngineError::Llama(e.to_string()))?;
        }
        ctx.decode(&mut batch)
            .map_err(|e| EngineError::Llama(format!("decode failed: {e}")))?;
        cached.extend_from_slice(chunk);
    }
    Ok(())
}

/// The tokens a sliding cache keeps of a `prompt` too long for it: the sinks and the newest
/// tokens, leaving `headroom` free for what comes next.
pub fn retained(prompt: &[LlamaToken], slide: Slide, headroom: usize) -> Vec<LlamaToken> {
    let keep_tail = slide.capacity().saturating_sub(slide.sinks + headroom);
    if prompt.len() <= slide.sinks + keep_tail {
        return prompt.to_vec();
    }
    let mut kept = prompt[..slide.sinks].to_vec();
    kept.extend_from_slice(&prompt[prompt.len() - keep_tail..]);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_prompt_keeps_its_sinks_and_newest_tokens() {
        let prompt: Vec<LlamaToken> = (0..100).map(LlamaToken::new).collect();
        let slide = Slide {
            sinks: 4,
            window: 32,
            can_shift: true,
        };
        let kept = retained(&prompt, slide, 8);
        assert_eq!(kept.len(), 4 + 24);
        assert_eq!(kept[..4], prompt[..4]);
        assert_eq!(kept[4..], prompt[76..]);
        assert_eq!(retained(&prompt[..20], slide, 8), prompt[..20]);
    }
}
