//! The remote engine: replies streamed from a server speaking the OpenAI chat API (llama.cpp's
//! `llama-server`, vLLM, Ollama…), with the same events, stats and cancellation as the local one.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;

use super::sse::{SseEvent, SseParser};
use super::{
    ChatMessage, Completion, EngineError, GenerateRequest, GenerationEvent, ModelInfo, Role,
    StopReason, TurnStats,
};
use crate::config::ModelConfig;

/// Where the server is when nothing says otherwise (llama-server's own default port).
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080/v1";

/// Tries of a request the server turned away as busy (429) or failing (5xx).
const TRIES: u32 = 3;

/// Longest wait between tries, whatever `Retry-After` asks for.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Silence after which a streaming reply is given up (a long prompt is read before the first byte).
const READ_TIMEOUT: Duration = Duration::from_secs(300);

/// A message's tokens, about, without the server's tokenizer: bytes / 3 over-counts English a
/// little, which errs on the side of leaving room.
pub fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(3)
}

/// A message's tokens in the prompt, about: its text and the template around it.
fn estimated_cost(message: &ChatMessage) -> usize {
    estimate_tokens(&message.content) + super::prompt::TEMPLATE_TOKENS_PER_MESSAGE
}

/// How to reach the server, resolved from the config and the environment.
#[derive(Clone, PartialEq)]
pub struct OpenAiSettings {
    pub base_url: String,
    /// The model asked for; `None` takes the first the server lists.
    pub model: Option<String>,
    pub api_key: Option<String>,
    /// The context the conversation is fitted into (the server's own may be smaller).
    pub context_size: u32,
}

impl std::fmt::Debug for OpenAiSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiSettings")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "(set)"))
            .field("context_size", &self.context_size)
            .finish()
    }
}

impl OpenAiSettings {
    /// `MNEME_OPENAI_*` over `OPENAI_*` over the config; `model` (from `--model`) over all.
    pub fn resolve(
        config: &ModelConfig,
        env: impl Fn(&str) -> Option<String>,
        model: Option<&str>,
    ) -> Self {
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let base_url = env("MNEME_OPENAI_BASE_URL")
            .or_else(|| env("OPENAI_BASE_URL"))
            .or_else(|| Some(config.openai.base_url.clone()).filter(|u| !u.is_empty()))
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            model: model
                .map(str::to_string)
                .or_else(|| env("MNEME_OPENAI_MODEL"))
                .or_else(|| Some(config.openai.model.clone()).filter(|m| !m.is_empty())),
            api_key: env("MNEME_OPENAI_API_KEY").or_else(|| env("OPENAI_API_KEY")),
            context_size: config.context_size,
        }
    }
}

/// A connection to one server and model.
#[derive(Debug, Clone)]
pub struct OpenAiClient {
    http: reqwest::Client,
    settings: OpenAiSettings,
    model: String,
}

#[derive(Deserialize)]
struct ModelList {
    data: Vec<ModelEntry>,
}

#[derive(Deserialize)]
struct ModelEntry {
    id: String,
}

impl OpenAiClient {
    /// Checks that the server answers and serves the model; returns the client and what it runs.
    pub async fn connect(settings: OpenAiSettings) -> Result<(Self, ModelInfo), EngineError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(READ_TIMEOUT)
            .build()
            .map_err(|e| EngineError::Server(format!("cannot make an HTTP client: {e}")))?;
        let mut client = Self {
            http,
            settings,
            model: String::new(),
        };
        let served = client.list_models().await?;
        client.model = match &client.settings.model {
            // Some servers (Ollama) serve models they do not list until pulled: ask anyway.
            Some(model) => model.clone(),
            None => served.first().cloned().ok_or_else(|| {
                EngineError::Server(format!(
                    "the model server at {} lists no models",
                    client.settings.base_url
                ))
            })?,
        };
        if !served.is_empty() && !served.contains(&client.model) {
            return Err(EngineError::Server(format!(
                "the model server at {} has no model `{}`; it serves: {}",
                client.settings.base_url,
                client.model,
                served.join(", ")
            )));
        }
        let info = ModelInfo {
            name: client.model.clone(),
            path: Default::default(),
            backend: "openai".into(),
            endpoint: Some(client.settings.base_url.clone()),
            architecture: String::new(),
            description: format!("{} at {}", client.model, client.settings.base_url),
            layers: 0,
            train_context: 0,
            context_size: client.settings.context_size,
            template: "server".into(),
            sliding_window: 0,
            native_sliding_window: 0,
            attention: "server".into(),
            size_bytes: 0,
            parameters: 0,
        };
        Ok((client, info))
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.settings.base_url)
    }

    fn authorised(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.settings.api_key {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }

    /// The models the server serves (`GET /models`).
    pub async fn list_models(&self) -> Result<Vec<String>, EngineError> {
        let response = self
            .send_with_retry(|| self.authorised(self.http.get(self.url("models"))))
            .await?;
        let list: ModelList = response.json().await.map_err(|e| {
            EngineError::Server(format!(
                "the model server at {} answered /models with something that is not a model list: {e}",
                self.settings.base_url
            ))
        })?;
        Ok(list.data.into_iter().map(|m| m.id).collect())
    }

    /// Sends a request, trying again (bounded, with backoff) while the server is busy or failing.
    async fn send_with_retry(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, EngineError> {
        let mut try_number = 1;
        loop {
            let response = build().send().await.map_err(|e| self.unreachable(&e))?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            let retryable = status.as_u16() == 429 || status.is_server_error();
            if retryable && try_number < TRIES {
                let wait = retry_after(&response)
                    .unwrap_or(Duration::from_millis(500 * 2u64.pow(try_number - 1)));
                tracing::warn!(%status, try_number, "model server busy; trying again");
                tokio::time::sleep(wait.min(MAX_BACKOFF)).await;
                try_number += 1;
                continue;
            }
            let body = response.text().await.unwrap_or_default();
            return Err(self.refused(status, &body, try_number));
        }
    }

    fn unreachable(&self, e: &reqwest::Error) -> EngineError {
        let cause = std::error::Error::source(e)
            .and_then(std::error::Error::source)
            .map(|c| c.to_string())
            .unwrap_or_else(|| e.to_string());
        EngineError::Server(format!(
            "cannot reach the model server at {} ({cause}): is it running? Set OPENAI_BASE_URL or [model.openai] base_url",
            self.settings.base_url
        ))
    }

    fn refused(&self, status: reqwest::StatusCode, body: &str, tries: u32) -> EngineError {
        let said = server_message(body);
        let base = &self.settings.base_url;
        EngineError::Server(match status.as_u16() {
            401 | 403 => format!(
                "the model server at {base} refused the API key ({status}{said}): set MNEME_OPENAI_API_KEY or OPENAI_API_KEY"
            ),
            404 => format!(
                "the model server at {base} answered 404 for model `{}`{said}: check the model name and that the URL ends in /v1",
                self.model
            ),
            429 => format!("the model server at {base} is busy (429 after {tries} tries{said})"),
            s if s >= 500 => {
                format!("the model server at {base} failed ({status} after {tries} tries{said})")
            }
            _ => format!("the model server at {base} refused the request ({status}{said})"),
        })
    }

    /// Streams one reply into `events`, ending with `Finished` or `Failed`.
    pub async fn generate(
        &self,
        request: GenerateRequest,
        events: UnboundedSender<GenerationEvent>,
    ) {
        let event = match self.stream(&request, &events).await {
            Ok(done) => GenerationEvent::Finished(done),
            Err(e) => GenerationEvent::Failed(e),
        };
        let _ = events.send(event);
    }

    async fn stream(
        &self,
        request: &GenerateRequest,
        events: &UnboundedSender<GenerationEvent>,
    ) -> Result<Completion, EngineError> {
        let started = Instant::now();
        let (messages, dropped_messages) = fit(
            &request.messages,
            self.settings.context_size as usize,
            request.max_tokens as usize,
        );
        let body = self.body(request, &messages);
        let sent = self.send_with_retry(|| {
            self.authorised(self.http.post(self.url("chat/completions")))
                .json(&body)
        });
        let mut response = tokio::select! {
            response = sent => response?,
            _ = request.cancel.cancelled() => return Ok(cancelled_before_reply(started, dropped_messages)),
        };
        let mut parser = SseParser::default();
        let mut reply = Reply::default();
        loop {
            let chunk = tokio::select! {
                chunk = response.chunk() => chunk,
                // Dropping the response closes the connection: the server stops generating.
                _ = request.cancel.cancelled() => {
                    reply.stop = Some(StopReason::Cancelled);
                    break;
                }
            };
            let (parsed, ended) = match chunk {
                Ok(Some(bytes)) => (parser.feed(&bytes), false),
                Ok(None) => (parser.finish(), true),
                Err(e) => {
                    return Err(EngineError::Server(format!(
                        "the model server closed the connection mid-reply ({})",
                        crate::error_chain::root_cause(&e)
                    )));
                }
            };
            for event in parsed.map_err(|e| malformed(&e.to_string()))? {
                reply.take(event, events)?;
            }
            if reply.done || ended {
                break;
            }
        }
        if !reply.done && reply.stop.is_none() {
            return Err(EngineError::Server(
                "the model server closed the connection mid-reply (the stream ended without finishing)"
                    .into(),
            ));
        }
        Ok(reply.completion(
            started,
            request,
            dropped_messages,
            self.settings.context_size,
        ))
    }

    fn body(&self, request: &GenerateRequest, messages: &[&ChatMessage]) -> Value {
        let s = &request.sampling;
        let mut body = json!({
            "model": self.model,
            "messages": messages.iter().map(|m| json!({
                "role": role_name(m.role),
                "content": m.content,
            })).collect::<Vec<_>>(),
            "stream": true,
            "stream_options": { "include_usage": true },
            "max_tokens": request.max_tokens,
            "temperature": s.temperature.max(0.0),
            "top_p": s.top_p,
            "seed": s.seed,
            // llama.cpp's and vLLM's samplers; servers without them ignore the fields.
            "top_k": s.top_k,
            "min_p": s.min_p,
            "repeat_penalty": s.repeat_penalty,
        });
        if request.ignore_end_of_turn {
            body["ignore_eos"] = json!(true);
        }
        body
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::System => "system",
        Role::Assistant => "assistant",
        // Someone else in an imported conversation reads as the user, as with the local engine.
        Role::User | Role::Other => "user",
    }
}

/// The system message and the newest messages that fit in `context` tokens with `reply` left.
fn fit(messages: &[ChatMessage], context: usize, reply: usize) -> (Vec<&ChatMessage>, usize) {
    let (system, rest): (Vec<&ChatMessage>, Vec<&ChatMessage>) =
        messages.iter().partition(|m| m.role == Role::System);
    let mut room = context
        .saturating_sub(reply)
        .saturating_sub(system.iter().map(|m| estimated_cost(m)).sum());
    let mut kept = Vec::new();
    for message in rest.iter().rev() {
        let c = estimated_cost(message);
        // The newest message is always sent: the server says so if it cannot fit.
        if c > room && !kept.is_empty() {
            break;
        }
        room = room.saturating_sub(c);
        kept.push(*message);
    }
    kept.reverse();
    let dropped = rest.len() - kept.len();
    (system.into_iter().chain(kept).collect(), dropped)
}

fn cancelled_before_reply(started: Instant, dropped_messages: usize) -> Completion {
    Completion {
        text: String::new(),
        stop: StopReason::Cancelled,
        stats: TurnStats {
            ttft_ms: started.elapsed().as_secs_f64() * 1000.0,
            dropped_messages,
            ..TurnStats::default()
        },
    }
}

fn malformed(detail: &str) -> EngineError {
    EngineError::Server(format!(
        "the model server sent a malformed stream: {detail}"
    ))
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let seconds: u64 = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

/// The `error.message` of an error body (or its first line), made safe to print.
fn server_message(body: &str) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .or_else(|| v.get("error"))
                .or_else(|| v.get("message"))
                .and_then(|m| m.as_str().map(str::to_string))
        })
        .unwrap_or_else(|| body.lines().next().unwrap_or("").to_string());
    let message: String = crate::sanitize::for_screen(message.trim())
        .chars()
        .take(200)
        .collect();
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

/// What has streamed of a reply so far.
#[derive(Default)]
struct Reply {
    text: String,
    first_piece_at: Option<Instant>,
    stop: Option<StopReason>,
    done: bool,
    usage: Option<Usage>,
    timings: Option<Timings>,
    pieces: usize,
}

#[derive(Debug, Clone, Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: usize,
    #[serde(default)]
    completion_tokens: usize,
}

/// llama.cpp's server reports its own prefill and decode timings.
#[derive(Debug, Clone, Deserialize)]
struct Timings {
    #[serde(default)]
    prompt_n: usize,
    #[serde(default)]
    prompt_per_second: f64,
    #[serde(default)]
    predicted_per_second: f64,
}

impl Reply {
    fn take(
        &mut self,
        event: SseEvent,
        events: &UnboundedSender<GenerationEvent>,
    ) -> Result<(), EngineError> {
        let data = match event {
            SseEvent::Error(e) => {
                return Err(EngineError::Server(format!(
                    "the model server failed mid-reply{}",
                    server_message(&e)
                )));
            }
            SseEvent::Data(data) if data.trim() == "[DONE]" => {
                self.done = true;
                return Ok(());
            }
            SseEvent::Data(data) => data,
        };
        let chunk: Value = serde_json::from_str(&data)
            .map_err(|e| malformed(&format!("an event is not JSON ({e})")))?;
        if chunk.get("error").is_some() {
            return Err(EngineError::Server(format!(
                "the model server failed mid-reply{}",
                server_message(&data)
            )));
        }
        if let Some(usage) = chunk.get("usage").filter(|u| !u.is_null()) {
            self.usage = serde_json::from_value(usage.clone()).ok();
        }
        if let Some(timings) = chunk.get("timings") {
            self.timings = serde_json::from_value(timings.clone()).ok();
        }
        let Some(choices) = chunk.get("choices") else {
            return Err(malformed("an event has no `choices`"));
        };
        let choices = choices
            .as_array()
            .ok_or_else(|| malformed("`choices` is not a list"))?;
        for choice in choices {
            if let Some(piece) = choice.pointer("/delta/content").and_then(Value::as_str)
                && !piece.is_empty()
            {
                self.first_piece_at.get_or_insert_with(Instant::now);
                self.text.push_str(piece);
                self.pieces += 1;
                let _ = events.send(GenerationEvent::Piece(piece.to_string()));
            }
            match choice.get("finish_reason").and_then(Value::as_str) {
                Some("length") => self.stop = Some(StopReason::MaxTokens),
                Some(_) => self.stop = Some(StopReason::EndOfTurn),
                None => {}
            }
        }
        Ok(())
    }

    fn completion(
        self,
        started: Instant,
        request: &GenerateRequest,
        dropped_messages: usize,
        context_size: u32,
    ) -> Completion {
        let now = Instant::now();
        let ttft = self.first_piece_at.unwrap_or(now) - started;
        let decode_secs = (now - self.first_piece_at.unwrap_or(now)).as_secs_f64();
        let prompt_tokens = self.usage.as_ref().map_or_else(
            || request.messages.iter().map(estimated_cost).sum(),
            |u| u.prompt_tokens,
        );
        let generated = self
            .usage
            .as_ref()
            .map_or(self.pieces, |u| u.completion_tokens);
        let measured_decode = if decode_secs > 0.0 && generated > 1 {
            (generated - 1) as f64 / decode_secs
        } else {
            0.0
        };
        let (prefill_tokens, prefill_tps, decode_tps) = match &self.timings {
            Some(t) => (t.prompt_n, t.prompt_per_second, t.predicted_per_second),
            None => (
                prompt_tokens,
                prompt_tokens as f64 / ttft.as_secs_f64().max(1e-6),
                measured_decode,
            ),
        };
        Completion {
            stop: self.stop.unwrap_or(if request.cancel.is_cancelled() {
                StopReason::Cancelled
            } else {
                StopReason::EndOfTurn
            }),
            text: self.text,
            stats: TurnStats {
                ttft_ms: ttft.as_secs_f64() * 1000.0,
                prefill_tokens,
                prompt_tokens,
                prefill_tps,
                decode_tps,
                generated_tokens: generated,
                context_used: prompt_tokens + generated,
                context_size: context_size as usize,
                dropped_messages,
                ..TurnStats::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn settings_take_mneme_variables_over_the_ecosystems_over_the_config() {
        let mut config = ModelConfig::default();
        config.openai.base_url = "http://config:1/v1".into();
        config.openai.model = "config-model".into();
        let s = OpenAiSettings::resolve(&config, env(&[]), None);
        assert_eq!(s.base_url, "http://config:1/v1");
        assert_eq!(s.model.as_deref(), Some("config-model"));
        assert_eq!(s.api_key, None);
        let s = OpenAiSettings::resolve(
            &config,
            env(&[
                ("OPENAI_BASE_URL", "http://eco:2/v1/"),
                ("OPENAI_API_KEY", "eco-key"),
            ]),
            None,
        );
        assert_eq!(
            (s.base_url.as_str(), s.api_key.as_deref()),
            ("http://eco:2/v1", Some("eco-key"))
        );
        let s = OpenAiSettings::resolve(
            &config,
            env(&[
                ("OPENAI_BASE_URL", "http://eco:2/v1"),
                ("MNEME_OPENAI_BASE_URL", "http://mine:3/v1"),
                ("OPENAI_API_KEY", "eco-key"),
                ("MNEME_OPENAI_API_KEY", "my-key"),
                ("MNEME_OPENAI_MODEL", "env-model"),
            ]),
            Some("flag-model"),
        );
        assert_eq!(s.base_url, "http://mine:3/v1");
        assert_eq!(s.api_key.as_deref(), Some("my-key"));
        assert_eq!(s.model.as_deref(), Some("flag-model"));
        assert!(
            !format!("{s:?}").contains("my-key"),
            "the key is never logged"
        );
        let s = OpenAiSettings::resolve(&ModelConfig::default(), env(&[]), None);
        assert_eq!((s.base_url.as_str(), s.model), (DEFAULT_BASE_URL, None));
    }

    #[test]
    fn fitting_keeps_the_system_message_and_the_newest_turns() {
        let long = "x".repeat(300); // 100 tokens + 6
        let messages = vec![
            ChatMessage::new(Role::System, "sys"),
            ChatMessage::new(Role::User, long.clone()),
            ChatMessage::new(Role::Assistant, long.clone()),
            ChatMessage::new(Role::User, "newest"),
        ];
        let (kept, dropped) = fit(&messages, 150, 64);
        assert_eq!(dropped, 2);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].role, Role::System);
        assert_eq!(kept[1].content, "newest");
        let (kept, dropped) = fit(&messages, 4096, 64);
        assert_eq!((kept.len(), dropped), (4, 0));
    }

    fn reply_from(stream: &str) -> Result<Reply, EngineError> {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let mut reply = Reply::default();
        let mut parser = SseParser::default();
        let mut events = parser.feed(stream.as_bytes()).unwrap();
        events.extend(parser.finish().unwrap());
        for event in events {
            reply.take(event, &tx)?;
        }
        Ok(reply)
    }

    #[test]
    fn a_stream_gives_its_pieces_stop_usage_and_timings() {
        let reply = reply_from(concat!(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"length\"}]}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":2},",
            "\"timings\":{\"prompt_n\":5,\"prompt_per_second\":100.0,\"predicted_per_second\":20.0}}\n\n",
            "data: [DONE]\n\n",
        ))
        .unwrap();
        assert_eq!(reply.text, "Hello");
        assert_eq!(reply.stop, Some(StopReason::MaxTokens));
        assert!(reply.done);
        assert_eq!(reply.usage.as_ref().unwrap().prompt_tokens, 12);
        assert_eq!(reply.timings.as_ref().unwrap().prompt_n, 5);
    }

    #[test]
    fn malformed_events_and_server_errors_are_clear_errors() {
        let err = reply_from("data: {not json\n\n").err().unwrap().to_string();
        assert!(err.contains("malformed stream"), "{err}");
        let err = reply_from("data: {\"id\":1}\n\n")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("no `choices`"), "{err}");
        let err = reply_from("error: {\"code\":500,\"message\":\"out of memory\"}\n\n")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("out of memory"), "{err}");
        let err = reply_from("data: {\"error\":{\"message\":\"context \\u001b[31mfull\"}}\n\n")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("context") && !err.contains('\u{1b}'), "{err}");
    }

    /// A scripted HTTP server (a fake, for this retry unit only): answers each request with the
    /// next canned response and counts the requests.
    async fn scripted_server(
        answers: Vec<&'static str>,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v1", listener.local_addr().unwrap());
        let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = count.clone();
        tokio::spawn(async move {
            for answer in answers.into_iter().cycle() {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let mut request = vec![0u8; 64 * 1024];
                let _ = socket.read(&mut request).await;
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        (base, count)
    }

    const BUSY: &str = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 0\r\nconnection: close\r\ncontent-length: 37\r\n\r\n{\"error\":{\"message\":\"loading model\"}}";
    const MODELS: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: 28\r\n\r\n{\"data\":[{\"id\":\"scripted\"}]}";
    const STREAM: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\ndata: {\"choices\":[{\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

    fn request() -> GenerateRequest {
        GenerateRequest {
            messages: vec![ChatMessage::new(Role::User, "hi")],
            sampling: crate::engine::SamplingParams::greedy(),
            max_tokens: 8,
            cancel: tokio_util::sync::CancellationToken::new(),
            ignore_end_of_turn: false,
        }
    }

    fn settings(base_url: String) -> OpenAiSettings {
        OpenAiSettings {
            base_url,
            model: None,
            api_key: None,
            context_size: 4096,
        }
    }

    #[tokio::test]
    async fn a_busy_server_is_tried_again_a_bounded_number_of_times() {
        let (base, count) = scripted_server(vec![MODELS, BUSY, BUSY, STREAM]).await;
        let (client, info) = OpenAiClient::connect(settings(base)).await.unwrap();
        assert_eq!(info.name, "scripted");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        client.generate(request(), tx).await;
        let mut finished = None;
        while let Some(event) = rx.recv().await {
            if let GenerationEvent::Finished(done) = event {
                finished = Some(done);
            }
        }
        assert_eq!(finished.expect("finished").text, "ok");
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 4);

        let (base, count) = scripted_server(vec![MODELS, BUSY, BUSY, BUSY, BUSY]).await;
        let (client, _) = OpenAiClient::connect(settings(base)).await.unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        client.generate(request(), tx).await;
        let Some(GenerationEvent::Failed(e)) = rx.recv().await else {
            panic!("a failure")
        };
        let e = e.to_string();
        assert!(
            e.contains("503") && e.contains("after 3 tries") && e.contains("loading model"),
            "{e}"
        );
        assert_eq!(
            count.load(std::sync::atomic::Ordering::SeqCst),
            1 + TRIES as usize
        );
    }
}
