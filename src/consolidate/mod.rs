//! Nightly consolidation: each day's turns become a grounded summary per session plus a digest of
//! the day, stored as `summary` memories that cite their turns; near-duplicate chunks are merged.

pub mod grounding;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Local, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::engine::{ChatMessage, Engine, EngineSpec, GenerateRequest, Role, SamplingParams};
use crate::memory::fuse::cosine;
use crate::memory::writer::MemoryWriter;
use crate::memory::{Memory, MemoryFilter, MemoryKind};
use crate::session::{Session, SessionStore, Turn};

/// Longest summary reply, in tokens.
const SUMMARY_MAX_TOKENS: u32 = 160;
/// Longest turn text quoted into a summary prompt, in characters.
const TURN_QUOTE_CHARS: usize = 1200;
/// Chunks at least this similar are merged.
const MERGE_COSINE: f32 = 0.97;

/// The local calendar day a time falls on.
pub fn local_day(time: DateTime<Utc>) -> NaiveDate {
    time.with_timezone(&Local).date_naive()
}

/// What consolidation has done, per day; kept in `consolidation.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConsolidationLog {
    pub days: BTreeMap<NaiveDate, DayRecord>,
}

/// One consolidated day.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DayRecord {
    pub at: DateTime<Utc>,
    /// How many turns the day had when it was consolidated (more later means it is due again).
    pub turns: usize,
    pub summaries: Vec<String>,
    pub failed: Vec<Failure>,
}

impl ConsolidationLog {
    pub fn load(path: &Path) -> Self {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let body = serde_json::to_vec_pretty(self).expect("serialises");
        crate::paths::write_private_atomic(path, &body)
    }
}

/// Counts the turns on each local day of the transcripts.
pub fn turns_per_day(sessions: &SessionStore) -> BTreeMap<NaiveDate, usize> {
    let mut days = BTreeMap::new();
    for id in sessions.ids().unwrap_or_default() {
        if let Ok(session) = sessions.open(&id) {
            for turn in &session.turns {
                *days.entry(local_day(turn.time)).or_insert(0) += 1;
            }
        }
    }
    days
}

/// Days before `today` (at most `catch_up` back) with turns not yet consolidated.
pub fn due_days(
    log: &ConsolidationLog,
    per_day: &BTreeMap<NaiveDate, usize>,
    today: NaiveDate,
    catch_up: u32,
) -> Vec<NaiveDate> {
    let first = today - chrono::Duration::days(i64::from(catch_up));
    per_day
        .iter()
        .filter(|(day, turns)| {
            **day >= first && **day < today && log.days.get(day).is_none_or(|r| r.turns != **turns)
        })
        .map(|(day, _)| *day)
        .collect()
}

/// A summary written by consolidation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Produced {
    pub id: String,
    /// `session` or `digest`.
    pub scope: String,
    pub session: Option<String>,
    pub text: String,
    pub source_turns: Vec<String>,
    /// Some of the day's turns did not fit the model's context and are not covered.
    pub truncated: bool,
}

/// A summary that could not be written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    /// A session id, or `digest`.
    pub target: String,
    pub reason: String,
}

/// What consolidating one day did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DayReport {
    pub date: NaiveDate,
    pub summaries: Vec<Produced>,
    pub failed: Vec<Failure>,
    /// Summaries by the model that passed the grounding check (`grounding::ungrounded`).
    #[serde(default)]
    pub grounded: usize,
    /// Model summaries refused for naming what their turns never say (then retried).
    #[serde(default)]
    pub ungrounded_attempts: usize,
    /// Summaries made of the speakers' own sentences after the model failed twice.
    #[serde(default)]
    pub extractive: usize,
    pub merged_chunks: usize,
    pub took_ms: u64,
    pub rss_idle_bytes: u64,
    pub rss_peak_bytes: u64,
}

/// Resident memory of this process, in bytes (0 where /proc is unavailable).
pub fn rss_bytes() -> u64 {
    proc_status_bytes("VmRSS:")
}

/// A memory figure from `/proc/self/status` (`VmRSS:`, `VmHWM:`…), in bytes; 0 when unavailable.
pub fn proc_status_bytes(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// What the model is told when asked for a summary (a summary repeating it is refused).
const SUMMARY_SYSTEM: &str =
    "You write short, accurate summaries of conversations in your own words.";
const SUMMARY_INSTRUCTIONS: &str = "In two or three sentences of your own words, summarise what was \
     discussed and any facts, plans or decisions stated. Do not copy the transcript and do not add \
     anything it does not say.";

/// Cleans a model's summary; `None` when it is empty or not a summary at all.
pub fn parse_summary(raw: &str) -> Option<String> {
    let mut text = raw.trim();
    for prefix in ["summary:", "**summary:**", "**summary**:"] {
        if text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix) {
            text = text[prefix.len()..].trim();
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let words = text
        .split(' ')
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count();
    if words < 4 || text.len() < 20 || text.contains("<|") {
        return None;
    }
    // A reply cut off by the token limit ends at its last whole sentence.
    let text = match text.rfind(['.', '!', '?']) {
        Some(end) if end + 1 < text.len() && end > text.len() / 3 => text[..=end].to_string(),
        _ => text,
    };
    Some(crate::session::one_line(&text, 1200))
}

fn stable_id(prefix: &str, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for p in parts {
        hasher.update(p.as_bytes());
        hasher.update([0]);
    }
    format!("{prefix}-{}", &hex::encode(hasher.finalize())[..20])
}

fn quote(turn: &Turn) -> String {
    let speaker = crate::memory::service::speaker_of(turn);
    let text = crate::session::one_line(&turn.text, TURN_QUOTE_CHARS);
    format!(
        "{speaker}: {}",
        crate::engine::prompt::neutralise_markup(&text)
    )
}

/// Consolidates days with a chat model loaded for the duration.
pub struct Consolidator<'a> {
    pub memory: &'a MemoryWriter<'a>,
    pub sessions: &'a SessionStore,
    /// The chat model that writes the summaries (local, or the configured model server).
    pub engine: EngineSpec,
    pub cancel: CancellationToken,
    /// Set when the memory table is shared with other machines: this data dir's id, so each
    /// machine's digest of a day (of its own conversations) is a memory of its own.
    pub origin: Option<String>,
}

struct Input<'a> {
    session: &'a Session,
    turns: Vec<&'a Turn>,
}

impl Consolidator<'_> {
    /// Writes the summaries of `date`; the model is loaded now and released on return.
    pub async fn consolidate_day(&self, date: NaiveDate) -> anyhow::Result<DayReport> {
        let started = std::time::Instant::now();
        let rss_idle = rss_bytes();
        let all: Vec<Session> = self
            .sessions
            .ids()?
            .iter()
            .filter_map(|id| self.sessions.open(id).ok())
            .collect();
        let inputs: Vec<Input> = all
            .iter()
            .map(|session| Input {
                session,
                turns: session
                    .turns
                    .iter()
                    .filter(|t| {
                        local_day(t.time) == date && !t.forgotten && !t.text.trim().is_empty()
                    })
                    .collect(),
            })
            .filter(|i| !i.turns.is_empty())
            .collect();
        let mut report = DayReport {
            date,
            summaries: Vec::new(),
            failed: Vec::new(),
            grounded: 0,
            ungrounded_attempts: 0,
            extractive: 0,
            merged_chunks: 0,
            took_ms: 0,
            rss_idle_bytes: rss_idle,
            rss_peak_bytes: rss_idle,
        };
        if !inputs.is_empty() {
            let engine = Engine::start(self.engine.clone()).await?;
            report.rss_peak_bytes = report.rss_peak_bytes.max(rss_bytes());
            for input in &inputs {
                if self.cancel.is_cancelled() {
                    break;
                }
                let title = input.session.title();
                let header = format!("A conversation on {date}:");
                let target = input.session.id().to_string();
                let outcome = self
                    .summarise(&engine, &header, &input.turns, &mut report)
                    .await;
                match outcome {
                    Ok((text, cited, truncated)) => {
                        let text = session_summary_text(date, &title, &text);
                        let id = stable_id("s", &[&date.to_string(), &target]);
                        let produced = Produced {
                            id,
                            scope: "session".into(),
                            session: Some(target),
                            text,
                            source_turns: cited,
                            truncated,
                        };
                        self.store(&produced, &input.turns).await?;
                        report.summaries.push(produced);
                    }
                    Err(reason) => report.failed.push(Failure { target, reason }),
                }
            }
            if !self.cancel.is_cancelled() {
                let day_turns: Vec<&Turn> = inputs
                    .iter()
                    .flat_map(|i| i.turns.iter().copied())
                    .collect();
                let header = format!("Transcripts of every conversation on {date}:");
                match self
                    .summarise(&engine, &header, &day_turns, &mut report)
                    .await
                {
                    Ok((text, cited, truncated)) => {
                        let produced = Produced {
                            id: match &self.origin {
                                None => stable_id("d", &[&date.to_string()]),
                                Some(origin) => stable_id("d", &[&date.to_string(), origin]),
                            },
                            scope: "digest".into(),
                            session: None,
                            text: format!("Digest of {date}: {text}"),
                            source_turns: cited,
                            truncated,
                        };
                        self.store(&produced, &day_turns).await?;
                        report.summaries.push(produced);
                    }
                    Err(reason) => report.failed.push(Failure {
                        target: "digest".into(),
                        reason,
                    }),
                }
            }
            drop(engine);
        }
        report.merged_chunks = self.merge_duplicate_chunks(date).await?;
        report.took_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    /// Asks the model for a summary of `turns` (as many as fit), retrying once. Returns the text,
    /// the ids of the turns the prompt held, and whether some did not fit.
    async fn summarise(
        &self,
        engine: &Engine,
        header: &str,
        turns: &[&Turn],
        report: &mut DayReport,
    ) -> Result<(String, Vec<String>, bool), String> {
        let budget =
            (engine.info().context_size as usize).saturating_sub(SUMMARY_MAX_TOKENS as usize + 256);
        let mut lines = Vec::new();
        let mut cited = Vec::new();
        let mut used = engine.count_tokens(header).await.unwrap_or(0) + 80;
        for turn in turns {
            let line = quote(turn);
            let cost = engine.count_tokens(&line).await.unwrap_or(line.len() / 3) + 2;
            if used + cost > budget {
                break;
            }
            used += cost;
            lines.push(line);
            cited.push(turn.id.clone());
        }
        if cited.is_empty() {
            return Err("the first turn alone does not fit the model's context".into());
        }
        let truncated = cited.len() < turns.len();
        let source = format!("{header}\n{}", lines.join("\n"));
        let prompt = format!("{header}\n\n{}\n\n{SUMMARY_INSTRUCTIONS}", lines.join("\n"));
        let messages = vec![
            ChatMessage::new(Role::System, SUMMARY_SYSTEM),
            ChatMessage::new(Role::User, prompt),
        ];
        let mut last_reason = String::new();
        for attempt in 0..2 {
            // First greedy; the retry samples, so it can say something different.
            let sampling = SamplingParams {
                temperature: if attempt == 0 { 0.0 } else { 0.7 },
                seed: 1 + attempt,
                ..SamplingParams::greedy()
            };
            let request = GenerateRequest {
                messages: messages.clone(),
                sampling,
                max_tokens: SUMMARY_MAX_TOKENS,
                cancel: self.cancel.clone(),
                ignore_end_of_turn: false,
            };
            let result = engine.complete(request).await;
            report.rss_peak_bytes = report.rss_peak_bytes.max(rss_bytes());
            match result {
                Ok(done) => match parse_summary(&done.text) {
                    Some(text)
                        if grounding::repeats_instructions(&text, SUMMARY_INSTRUCTIONS)
                            || grounding::repeats_instructions(&text, SUMMARY_SYSTEM) =>
                    {
                        last_reason = "the model's output repeats its instructions".into();
                        tracing::warn!("summary attempt {} failed: {last_reason}", attempt + 1);
                    }
                    Some(text) => {
                        let missing = grounding::ungrounded(&text, &source);
                        if missing.is_empty() {
                            report.grounded += 1;
                            return Ok((text, cited, truncated));
                        }
                        // Counted, never quoted: the words may be what the user later forgets.
                        last_reason = format!(
                            "the model's summary names {} things its turns never say",
                            missing.len()
                        );
                        report.ungrounded_attempts += 1;
                        tracing::warn!("summary attempt {} failed: {last_reason}", attempt + 1);
                    }
                    None => {
                        // Never the text itself: it may hold what the user later forgets.
                        last_reason = format!(
                            "the model's output ({} characters) is not a summary",
                            done.text.chars().count()
                        );
                        tracing::warn!("summary attempt {} failed: {last_reason}", attempt + 1);
                    }
                },
                Err(e) => last_reason = format!("generation failed: {e}"),
            }
            if self.cancel.is_cancelled() {
                break;
            }
        }
        if self.cancel.is_cancelled() {
            return Err(last_reason);
        }
        // The model could not say it faithfully: the speakers' own words instead.
        let held = &turns[..cited.len()];
        match grounding::extractive(held) {
            Some((text, quoted)) => {
                tracing::info!("summary falls back to quoting its turns: {last_reason}");
                report.extractive += 1;
                Ok((text, quoted, truncated))
            }
            None => Err(last_reason),
        }
    }

    async fn store(&self, produced: &Produced, turns: &[&Turn]) -> anyhow::Result<()> {
        let cited: HashSet<&str> = produced.source_turns.iter().map(String::as_str).collect();
        let times: Vec<DateTime<Utc>> = turns
            .iter()
            .filter(|t| cited.contains(t.id.as_str()))
            .map(|t| t.time)
            .collect();
        let vector = self
            .memory
            .memory()
            .embed(std::slice::from_ref(&produced.text))
            .await?;
        let now = Utc::now();
        let mut memory = Memory::new(
            MemoryKind::Summary,
            produced.text.clone(),
            vector.into_iter().next().unwrap_or_default(),
            now,
        );
        memory.id = produced.id.clone();
        memory.session = produced.session.clone();
        memory.time_start = times.iter().min().copied().unwrap_or(now);
        memory.time_end = times.iter().max().copied().unwrap_or(now);
        memory.source_turns = produced.source_turns.clone();
        // A re-run replaces the summary but keeps the user's pin and the recall history.
        if let Some(old) = self.memory.memory().store().get(&memory.id).await? {
            memory.pinned = old.pinned;
            memory.recall_count = old.recall_count;
            memory.last_recalled = old.last_recalled;
            memory.created = old.created;
        }
        self.memory.upsert(&mut [memory]).await?;
        Ok(())
    }

    /// Merges near-identical chunks of `date` into the oldest of each group, keeping every source turn.
    async fn merge_duplicate_chunks(&self, date: NaiveDate) -> anyhow::Result<usize> {
        let start = date
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(Local).earliest())
            .map(|t| t.with_timezone(&Utc));
        let Some(start) = start else { return Ok(0) };
        let filter = MemoryFilter {
            kinds: vec![MemoryKind::Chunk],
            after: Some(start),
            before: Some(start + chrono::Duration::days(1)),
            ..MemoryFilter::default()
        };
        let chunks = self.memory.memory().store().list(&filter, None).await?;
        let mut gone: HashSet<String> = HashSet::new();
        let mut changed: Vec<Memory> = Vec::new();
        let only_chunks = MemoryFilter {
            kinds: vec![MemoryKind::Chunk],
            ..MemoryFilter::default()
        };
        for chunk in &chunks {
            if gone.contains(&chunk.id) || chunk.pinned {
                continue;
            }
            let near = self
                .memory
                .memory()
                .store()
                .vector_search(&chunk.vector, 5, &only_chunks)
                .await?;
            for other in near {
                if other.id == chunk.id
                    || other.pinned
                    || gone.contains(&other.id)
                    || cosine(&chunk.vector, &other.vector) < MERGE_COSINE
                    || !crate::memory::fuse::same_words(&chunk.text, &other.text)
                {
                    continue;
                }
                let (mut keep, drop) =
                    if (other.time_start, &other.id) < (chunk.time_start, &chunk.id) {
                        (other, chunk.clone())
                    } else {
                        (chunk.clone(), other)
                    };
                if let Some(pos) = changed.iter().position(|m| m.id == keep.id) {
                    keep = changed.remove(pos);
                }
                for turn in drop.source_turns {
                    if !keep.source_turns.contains(&turn) {
                        keep.source_turns.push(turn);
                    }
                }
                keep.time_start = keep.time_start.min(drop.time_start);
                keep.time_end = keep.time_end.max(drop.time_end);
                keep.recall_count += drop.recall_count;
                keep.updated = Utc::now();
                gone.insert(drop.id);
                changed.push(keep);
            }
        }
        if gone.is_empty() {
            return Ok(0);
        }
        // Keep first, then delete: a crash in between leaves a duplicate, never a lost turn.
        self.memory.upsert(&mut changed).await?;
        let ids: Vec<String> = gone.into_iter().collect();
        self.memory.delete(&ids).await?;
        Ok(ids.len())
    }
}

/// A session summary as stored: dated and titled, so recall and search see when and where.
fn session_summary_text(date: NaiveDate, title: &str, body: &str) -> String {
    format!("On {date}, in \"{title}\": {body}")
}

/// What a session summary says, without the date and title it is stored with (for screens that
/// already show them).
pub fn session_summary_body(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("On ") else {
        return text;
    };
    match rest
        .split_once(", in \"")
        .and_then(|(_, r)| r.split_once("\": "))
    {
        Some((_, body)) => body,
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_summary_body_is_read_back_without_its_date_and_title() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let text = session_summary_text(date, "Bees: and \"hives\"", "They talked about bees.");
        assert_eq!(session_summary_body(&text), "They talked about bees.");
        assert_eq!(session_summary_body("plain text"), "plain text");
    }

    #[test]
    fn summaries_are_cleaned_and_non_summaries_refused() {
        assert_eq!(
            parse_summary("Summary:  The user asked about   bees and Hanna.\n").as_deref(),
            Some("The user asked about bees and Hanna.")
        );
        assert_eq!(
            parse_summary("They planted tulips. They asked about clay soil and the").as_deref(),
            Some("They planted tulips.")
        );
        assert_eq!(parse_summary("   "), None);
        assert_eq!(parse_summary("Okay."), None);
        assert_eq!(
            parse_summary("<|im_start|>assistant <|im_end|> a b c d e f"),
            None
        );
    }

    #[test]
    fn due_days_skip_today_old_days_and_unchanged_ones() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let per_day = BTreeMap::from([
            (d("2026-11-01"), 3),
            (d("2026-11-25"), 4),
            (d("2026-11-26"), 2),
            (d("2026-11-27"), 6),
            (d("2026-11-28"), 1),
        ]);
        let mut log = ConsolidationLog::default();
        log.days.insert(
            d("2026-11-26"),
            DayRecord {
                at: Utc::now(),
                turns: 2,
                summaries: vec![],
                failed: vec![],
            },
        );
        log.days.insert(
            d("2026-11-25"),
            DayRecord {
                at: Utc::now(),
                turns: 3,
                summaries: vec![],
                failed: vec![],
            },
        );
        assert_eq!(
            due_days(&log, &per_day, d("2026-11-28"), 7),
            [d("2026-11-25"), d("2026-11-27")]
        );
    }
}
