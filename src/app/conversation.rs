//! One turn of a conversation: save the question, build the prompt, save the reply, keep the KV cache warm.

use std::path::{Path, PathBuf};

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::domain::{Recall, Role, StopReason, Turn};
use crate::engine::prompt::TEMPLATE_TOKENS_PER_MESSAGE;
use crate::engine::{ChatMessage, Completion, Engine, ModelInfo};
use crate::session::{Session, SessionError, SessionStore};

/// How many sessions keep a saved KV cache on disk (the most recently used ones).
const KV_STATES_KEPT: usize = 3;

/// What a saved KV cache is valid for: the same model file and context settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CacheKey {
    model_path: PathBuf,
    model_bytes: u64,
    context_size: u32,
    attention: String,
}

/// A session being continued with one model: its transcript, prompt and saved KV cache.
pub struct Conversation {
    store: SessionStore,
    pub session: Session,
    system_prompt: String,
    model_name: String,
    cache_key: CacheKey,
    /// Incognito: turns live only in `session.turns`; no transcript, no KV state is written.
    pub incognito: bool,
    /// Tokens of each turn's message, by turn id (each is tokenized once).
    token_counts: std::collections::HashMap<String, usize>,
}

impl Conversation {
    pub fn new(
        info: &ModelInfo,
        store: SessionStore,
        session: Session,
        system_prompt: &str,
    ) -> Self {
        let cache_key = CacheKey {
            model_path: info.path.clone(),
            model_bytes: std::fs::metadata(&info.path).map_or(0, |m| m.len()),
            context_size: info.context_size,
            attention: info.attention.clone(),
        };
        Self {
            store,
            session,
            system_prompt: system_prompt.to_string(),
            model_name: info.name.clone(),
            cache_key,
            incognito: false,
            token_counts: std::collections::HashMap::new(),
        }
    }

    /// Ids of the turns that have left the model's context: the prompt keeps the system message
    /// and the newest turns that fit in `capacity` tokens with `reserve` left (for the question
    /// and the reply); llama.cpp's sliding window, or the prompt's own fitting, drops the rest.
    /// Their memories are recallable again (`RecallContext::evicted`).
    pub async fn turns_out_of_context(
        &mut self,
        engine: &Engine,
        capacity: usize,
        reserve: usize,
    ) -> std::collections::HashSet<String> {
        let system = engine.count_tokens(&self.system_prompt).await.unwrap_or(0);
        let mut room = capacity.saturating_sub(reserve + system + TEMPLATE_TOKENS_PER_MESSAGE);
        let messages = self.messages();
        let turns: Vec<&Turn> = crate::session::messages(&self.session).collect();
        let mut out = std::collections::HashSet::new();
        // messages[0] is the system message; messages[i + 1] is turns[i].
        for (turn, message) in turns.iter().zip(messages.iter().skip(1)).rev() {
            let tokens = match self.token_counts.get(&turn.id) {
                Some(n) => *n,
                None => {
                    let n = engine
                        .count_tokens(&message.content)
                        .await
                        .unwrap_or(message.content.len() / 3);
                    self.token_counts.insert(turn.id.clone(), n);
                    n
                }
            } + TEMPLATE_TOKENS_PER_MESSAGE;
            if out.is_empty() && tokens <= room {
                room -= tokens;
            } else {
                out.insert(turn.id.clone());
            }
        }
        out
    }

    /// Keeps `turn` (a saved one, or only in memory when incognito).
    fn keep(&mut self, turn: Turn) -> Result<Turn, SessionError> {
        if self.incognito {
            self.session.turns.push(turn.clone());
            return Ok(turn);
        }
        self.store.append(&mut self.session, turn)
    }

    fn key_path(kv: &Path) -> PathBuf {
        kv.with_extension("kv.json")
    }

    /// Restores the session's saved KV cache when this model and these settings made it.
    /// Returns the number of restored tokens; `None` means the next turn re-reads the history.
    pub async fn restore_cache(&self, engine: &Engine) -> Option<usize> {
        if !engine.keeps_state() {
            return None;
        }
        let kv = self.store.kv_state_path(self.session.id());
        let key: CacheKey =
            serde_json::from_slice(&std::fs::read(Self::key_path(&kv)).ok()?).ok()?;
        if key != self.cache_key || !kv.is_file() {
            return None;
        }
        match engine.load_state(&kv).await {
            Ok(tokens) => Some(tokens),
            Err(e) => {
                tracing::warn!("ignoring saved KV cache: {e}");
                None
            }
        }
    }

    /// The prompt for a reply to the conversation so far (which ends with the user's turn).
    pub fn messages(&self) -> Vec<ChatMessage> {
        let mut messages = vec![ChatMessage::new(Role::System, self.system_prompt.clone())];
        messages.extend(crate::session::messages(&self.session).map(|t| {
            let text = match &t.speaker {
                Some(speaker) => format!("{speaker}: {}", t.text),
                None => t.text.clone(),
            };
            match &t.recall {
                Some(recall) => ChatMessage::new(t.role, format!("{}\n\n{text}", recall.block)),
                None => ChatMessage::new(t.role, text),
            }
        }));
        messages
    }

    fn new_turn(&self, role: Role, text: String) -> Turn {
        // The id is a placeholder: the store allocates the real one under the transcript lock.
        Turn::new(
            SessionStore::next_turn_id(&self.session),
            Utc::now(),
            role,
            text,
        )
    }

    /// Saves the user's message (fsynced) with the memories recalled for it, before any reply.
    pub fn add_user_turn(
        &mut self,
        text: &str,
        recall: Option<Recall>,
    ) -> Result<Turn, SessionError> {
        let mut turn = self.new_turn(Role::User, text.to_string());
        turn.recall = recall;
        self.keep(turn)
    }

    /// Saves the reply; a cancelled one is marked interrupted. Then keeps the KV cache for next time.
    pub async fn add_reply(
        &mut self,
        engine: &Engine,
        completion: &Completion,
    ) -> Result<Turn, SessionError> {
        let mut turn = self.new_turn(Role::Assistant, completion.text.clone());
        turn.model = Some(self.model_name.clone());
        turn.stats = Some(completion.stats.clone());
        turn.stop = Some(completion.stop);
        turn.interrupted = completion.stop == StopReason::Cancelled;
        let turn = self.keep(turn)?;
        if !self.incognito && engine.keeps_state() {
            self.save_cache(engine).await;
        }
        Ok(turn)
    }

    /// Saves what was streamed of a reply that failed part-way, marked interrupted.
    pub fn add_partial_reply(&mut self, text: &str) -> Result<Option<Turn>, SessionError> {
        if text.is_empty() {
            return Ok(None);
        }
        let mut turn = self.new_turn(Role::Assistant, text.to_string());
        turn.model = Some(self.model_name.clone());
        turn.interrupted = true;
        self.keep(turn).map(Some)
    }

    async fn save_cache(&self, engine: &Engine) {
        let kv = self.store.kv_state_path(self.session.id());
        let saved = match engine.save_state(&kv).await {
            Ok(_) => {
                let key = serde_json::to_vec(&self.cache_key).expect("key serialises");
                crate::paths::write_private_atomic(&Self::key_path(&kv), &key)
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = saved {
            tracing::warn!("could not save the KV cache of {}: {e}", self.session.id());
        }
        prune_kv_states(self.store.dir());
    }
}

/// Keeps only the most recently written KV caches: they are large and only a speed-up.
fn prune_kv_states(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut states: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "kv"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    states.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (_, path) in states.into_iter().skip(KV_STATES_KEPT) {
        let _ = std::fs::remove_file(Conversation::key_path(&path));
        let _ = std::fs::remove_file(&path);
    }
}
