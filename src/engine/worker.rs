//! The engine thread: owns the llama.cpp model and context, reuses the KV cache across turns, streams replies.

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender};
use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::token::LlamaToken;
use tokio::sync::mpsc::UnboundedSender;

use super::attention::LlamaAttention;
use super::prompt::PromptFormat;
use super::utf8::Utf8Stream;
use super::window::{Slide, SlideStats, make_room};
use super::{
    ChatMessage, Command, Completion, EngineError, EngineSettings, GenerateRequest,
    GenerationEvent, ModelInfo, Role, StopReason, TurnStats,
};

/// Thread entry point: load, report readiness, then serve commands until the handle is dropped.
pub(super) fn run(
    settings: EngineSettings,
    inbox: Receiver<Command>,
    ready: SyncSender<Result<ModelInfo, EngineError>>,
) {
    let backend = super::backend::backend();
    let model = match settings.attention.load_model(backend, &settings.model.path) {
        Ok(model) => model,
        Err(_) => {
            let _ = ready.send(Err(EngineError::LoadFailed {
                path: settings.model.path.clone(),
            }));
            return;
        }
    };
    let params = settings.context_params();
    let ctx = match model.new_context(backend, params) {
        Ok(ctx) => ctx,
        Err(e) => {
            let _ = ready.send(Err(EngineError::Context {
                context: settings.context_size,
                reason: e.to_string(),
            }));
            return;
        }
    };
    let format = match PromptFormat::resolve(
        &model,
        settings.template_override.as_deref(),
        settings.model.template.as_deref(),
    ) {
        Ok(format) => format,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let info = model_info(&model, &settings, &ctx, &format);
    let slide = settings
        .attention
        .sliding()
        .map(|(sinks, window)| Slide::for_model(&model, sinks, window));
    let mut worker = Worker {
        model: &model,
        sliding_window: info.sliding_window as usize,
        ctx,
        format,
        cached: Vec::new(),
        batch_size: settings.batch_size as usize,
        slide,
        stream: Vec::new(),
        slide_stats: SlideStats::default(),
    };
    if ready.send(Ok(info)).is_err() {
        return;
    }
    while let Ok(command) = inbox.recv() {
        match command {
            Command::Generate(request, events) => worker.generate(&request, &events),
            Command::SaveState(path, reply) => {
                let _ = reply.send(worker.save_state(&path));
            }
            Command::LoadState(path, reply) => {
                let _ = reply.send(worker.load_state(&path));
            }
            Command::Tokenize(text, reply) => {
                let _ = reply.send(worker.tokenize(&text, false).len());
            }
            Command::Reset => worker.reset(),
        }
    }
}

fn model_info(
    model: &LlamaModel,
    settings: &EngineSettings,
    ctx: &LlamaContext,
    format: &PromptFormat,
) -> ModelInfo {
    let architecture = model
        .meta_val_str("general.architecture")
        .unwrap_or_default();
    let native_sliding_window = model
        .meta_val_str(&format!("{architecture}.attention.sliding_window"))
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let sliding_window = match settings.attention {
        super::Attention::Window { window } => window,
        _ => native_sliding_window,
    };
    ModelInfo {
        name: settings.model.name.clone(),
        path: settings.model.path.clone(),
        backend: "local".into(),
        endpoint: None,
        description: model.meta_val_str("general.name").unwrap_or_default(),
        architecture,
        layers: model.n_layer(),
        train_context: model.n_ctx_train(),
        // What the model sees: a sliding window holds sinks + window tokens, whatever padding
        // llama.cpp gives the cache (260 tokens asked for are a 512-token cache).
        context_size: settings
            .attention
            .sliding()
            .map_or(ctx.n_ctx(), |(sinks, window)| (sinks + window) as u32),
        template: format.source.clone(),
        sliding_window,
        native_sliding_window,
        attention: settings.attention.to_string(),
        size_bytes: model.size(),
        parameters: model.n_params(),
    }
}

struct Worker<'m> {
    model: &'m LlamaModel,
    ctx: LlamaContext<'m>,
    format: PromptFormat,
    /// Exactly the tokens held in the KV cache for sequence 0, in position order.
    cached: Vec<LlamaToken>,
    batch_size: usize,
    sliding_window: usize,
    /// Set when attention slides (StreamingLLM).
    slide: Option<Slide>,
    /// With `slide`: every token fed since the last reset; the cache holds its sinks and its tail.
    stream: Vec<LlamaToken>,
    slide_stats: SlideStats,
}

/// The length of the common prefix of two token lists.
pub(super) fn common_prefix(a: &[LlamaToken], b: &[LlamaToken]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl Worker<'_> {
    fn n_ctx(&self) -> usize {
        self.ctx.n_ctx() as usize
    }

    fn tokenize(&self, text: &str, add_special: bool) -> Vec<LlamaToken> {
        let model = self.model;
        model.vocab().tokenize(text.as_bytes(), add_special, true)
    }

    fn reset(&mut self) {
        self.ctx.clear_kv_cache();
        self.cached.clear();
        self.stream.clear();
    }

    /// The whole conversation as tokens, for a sliding cache (nothing is left out: the cache slides).
    fn whole_prompt(&self, messages: &[ChatMessage]) -> Result<Vec<LlamaToken>, EngineError> {
        let text = self.format.render(self.model, messages)?;
        Ok(self.tokenize(&text, true))
    }

    /// For a sliding cache: keeps what the cache holds of `prompt` and returns the tokens still to
    /// decode. A prompt that does not continue what the cache has seen (another conversation, an
    /// edited history) is rebuilt from its sinks and newest tokens.
    fn slide_to(
        &mut self,
        prompt: &[LlamaToken],
        slide: Slide,
        headroom: usize,
    ) -> Vec<LlamaToken> {
        let common = common_prefix(&self.stream, prompt).min(prompt.len().saturating_sub(1));
        let evicted = self.stream.len() - self.cached.len();
        if common == self.stream.len() {
            return prompt[common..].to_vec();
        }
        // Roll back inside what the cache still holds.
        let index = if evicted == 0 {
            Some(common)
        } else if common >= slide.sinks + evicted {
            Some(common - evicted)
        } else {
            None
        };
        if let Some(index) = index.filter(|i| *i > 0)
            && self
                .ctx
                .kv_cache_seq_rm(0, Some(index as u32), None)
                .is_ok()
        {
            self.cached.truncate(index);
            self.stream.truncate(common);
            return prompt[common..].to_vec();
        }
        self.reset();
        let kept = super::window::retained(prompt, slide, headroom);
        // The cache will hold `kept`; the stream is the whole prompt (its middle evicted).
        self.stream = prompt[..prompt.len() - kept.len()].to_vec();
        self.slide_stats.evicted_tokens += prompt.len() - kept.len();
        kept
    }

    /// Renders and tokenizes the conversation, leaving out the oldest messages until it fits
    /// with room for a reply. The system message and the newest message always stay.
    fn fit_prompt(
        &self,
        messages: &[ChatMessage],
        max_tokens: u32,
    ) -> Result<(Vec<LlamaToken>, usize), EngineError> {
        let reserve = (max_tokens as usize).min(self.n_ctx() / 2);
        let budget = self.n_ctx().saturating_sub(reserve);
        let has_system = messages.first().is_some_and(|m| m.role == Role::System);
        let first_droppable = usize::from(has_system);
        let mut dropped = 0;
        loop {
            let mut kept: Vec<ChatMessage> = messages[..first_droppable].to_vec();
            kept.extend_from_slice(&messages[first_droppable + dropped..]);
            let text = self.format.render(self.model, &kept)?;
            let tokens = self.tokenize(&text, true);
            if tokens.len() <= budget {
                return Ok((tokens, dropped));
            }
            if first_droppable + dropped + 1 >= messages.len() {
                return Err(EngineError::PromptTooLong {
                    tokens: tokens.len(),
                    context: self.n_ctx(),
                });
            }
            dropped += 1;
        }
    }

    /// Keeps the longest reusable prefix of the cache for `prompt`; returns how many tokens stay.
    fn reuse_prefix(&mut self, prompt: &[LlamaToken]) -> usize {
        let mut keep = common_prefix(&self.cached, prompt).min(prompt.len().saturating_sub(1));
        if keep < self.cached.len() && self.sliding_window > 0 {
            // A windowed cache has dropped old cells: rolling back is only safe inside the window.
            let oldest = self.ctx.kv_cache_seq_pos_min(0).max(0) as usize;
            if oldest > keep.saturating_sub(self.sliding_window) {
                keep = 0;
            }
        }
        if keep == 0
            || self
                .ctx
                .kv_cache_seq_rm(0, Some(keep as u32), None)
                .is_err()
        {
            self.reset();
            return 0;
        }
        self.cached.truncate(keep);
        keep
    }

    /// Decodes `tokens` at the end of the cache in batches; logits only for the last one.
    fn decode_tokens(
        &mut self,
        tokens: &[LlamaToken],
        mut progress: impl FnMut(usize),
    ) -> Result<usize, EngineError> {
        let batch_size = match self.slide {
            Some(slide) => self.batch_size.min(slide.max_batch()).max(1),
            None => self.batch_size.max(1),
        };
        let mut batch = LlamaBatch::new(batch_size, 1);
        let mut done = 0;
        let mut last_index = 0;
        for chunk in tokens.chunks(batch_size) {
            if let Some(slide) = self.slide {
                make_room(
                    &mut self.ctx,
                    &mut self.cached,
                    slide,
                    chunk.len(),
                    &mut self.slide_stats,
                )?;
            }
            batch.clear();
            for (i, token) in chunk.iter().enumerate() {
                let is_last = done + i + 1 == tokens.len();
                batch
                    .add(*token, (self.cached.len() + i) as i32, &[0], is_last)
                    .map_err(|e| EngineError::Llama(e.to_string()))?;
            }
            if let Err(e) = self.ctx.decode(&mut batch) {
                // Leave the cache consistent with `cached`.
                let _ = self
                    .ctx
                    .kv_cache_seq_rm(0, Some(self.cached.len() as u32), None);
                return Err(EngineError::Llama(format!("decode failed: {e}")));
            }
            self.cached.extend_from_slice(chunk);
            if self.slide.is_some() {
                self.stream.extend_from_slice(chunk);
            }
            done += chunk.len();
            last_index = chunk.len() as i32 - 1;
            progress(done);
        }
        Ok(last_index as usize)
    }

    fn generate(&mut self, request: &GenerateRequest, events: &UnboundedSender<GenerationEvent>) {
        if let Err(err) = self.try_generate(request, events) {
            let _ = events.send(GenerationEvent::Failed(err));
        }
    }

    fn try_generate(
        &mut self,
        request: &GenerateRequest,
        events: &UnboundedSender<GenerationEvent>,
    ) -> Result<(), EngineError> {
        let started = Instant::now();
        let slid_before = self.slide_stats;
        let (prompt, dropped_messages, new_tokens) = match self.slide {
            Some(slide) => {
                let prompt = self.whole_prompt(&request.messages)?;
                let headroom = (request.max_tokens as usize).min(slide.window / 2);
                let new_tokens = self.slide_to(&prompt, slide, headroom);
                (prompt, 0, new_tokens)
            }
            None => {
                let (prompt, dropped) = self.fit_prompt(&request.messages, request.max_tokens)?;
                let keep = self.reuse_prefix(&prompt);
                let new_tokens = prompt[keep..].to_vec();
                (prompt, dropped, new_tokens)
            }
        };
        let total = new_tokens.len();
        let mut logits_index = self.decode_tokens(&new_tokens, |done| {
            let _ = events.send(GenerationEvent::Prefill { done, total });
        })? as i32;
        let prefill_done = Instant::now();

        let model = self.model;
        let mut sampler = request.sampling.build(model.n_vocab(), self.ctx.n_ctx());
        let vocab = model.vocab();
        let mut utf8 = Utf8Stream::default();
        let mut text = String::new();
        let mut generated = 0usize;
        let mut first_token_at = None;
        let mut single = LlamaBatch::new(1, 1);
        let stop = loop {
            if request.cancel.is_cancelled() {
                break StopReason::Cancelled;
            }
            if generated >= request.max_tokens as usize {
                break StopReason::MaxTokens;
            }
            let token = sampler.sample(&self.ctx, logits_index);
            first_token_at.get_or_insert_with(Instant::now);
            if vocab.is_eog(token) && !request.ignore_end_of_turn {
                break StopReason::EndOfTurn;
            }
            generated += 1;
            let piece = utf8.push(&vocab.token_to_piece(token, false, None));
            if !piece.is_empty() {
                text.push_str(&piece);
                let _ = events.send(GenerationEvent::Piece(piece));
            }
            match self.slide {
                Some(slide) => make_room(
                    &mut self.ctx,
                    &mut self.cached,
                    slide,
                    1,
                    &mut self.slide_stats,
                )?,
                None if self.cached.len() >= self.n_ctx() => break StopReason::ContextFull,
                None => {}
            }
            single.clear();
            single
                .add(token, self.cached.len() as i32, &[0], true)
                .map_err(|e| EngineError::Llama(e.to_string()))?;
            self.ctx
                .decode(&mut single)
                .map_err(|e| EngineError::Llama(format!("decode failed: {e}")))?;
            self.cached.push(token);
            if self.slide.is_some() {
                self.stream.push(token);
            }
            logits_index = 0;
        };
        let rest = utf8.finish();
        if !rest.is_empty() {
            text.push_str(&rest);
            let _ = events.send(GenerationEvent::Piece(rest));
        }
        let finished = Instant::now();
        let prefill_secs = prefill_done.duration_since(started).as_secs_f64();
        let decode_secs = finished.duration_since(prefill_done).as_secs_f64();
        let stats = TurnStats {
            ttft_ms: first_token_at
                .unwrap_or(finished)
                .duration_since(started)
                .as_secs_f64()
                * 1000.0,
            prefill_tokens: total,
            prompt_tokens: prompt.len(),
            prefill_tps: rate(total, prefill_secs),
            decode_tps: rate(generated, decode_secs),
            generated_tokens: generated,
            context_used: self.cached.len(),
            context_size: self.slide.map_or(self.n_ctx(), |s| s.capacity()),
            dropped_messages,
            kv_shifts: self.slide_stats.shifts - slid_before.shifts,
            kv_reprefills: self.slide_stats.reprefills - slid_before.reprefills,
            evicted_tokens: self.slide_stats.evicted_tokens - slid_before.evicted_tokens,
        };
        let _ = events.send(GenerationEvent::Finished(Completion { text, stop, stats }));
        Ok(())
    }

    fn save_state(&mut self, path: &Path) -> Result<usize, EngineError> {
        let tmp = crate::paths::temp_sibling(path);
        let written = self
            .ctx
            .state_seq_save_file(&tmp, 0, &self.cached)
            .map_err(|e| EngineError::Llama(format!("cannot save the KV cache: {e}")));
        let renamed = written.and_then(|n| {
            std::fs::rename(&tmp, path)
                .map_err(|e| EngineError::Llama(format!("cannot save the KV cache: {e}")))?;
            Ok(n)
        });
        if renamed.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        renamed
    }

    fn load_state(&mut self, path: &Path) -> Result<usize, EngineError> {
        self.reset();
        match self.ctx.state_seq_load_file(path, 0, self.n_ctx()) {
            Ok((tokens, _bytes)) => {
                if self.slide.is_some() {
                    self.stream = tokens.clone();
                }
                self.cached = tokens;
                Ok(self.cached.len())
            }
            Err(e) => {
                self.reset();
                Err(EngineError::Llama(format!(
                    "cannot restore the KV cache from {}: {e}",
                    path.display()
                )))
            }
        }
    }
}

fn rate(count: usize, secs: f64) -> f64 {
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}
