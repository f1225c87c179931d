//! Past conversations from JSONL (one turn a line) into session transcripts, idempotently.

use std::collections::{BTreeMap, HashSet};
use std::io::BufRead;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::engine::Role;
use crate::session::{Session, SessionError, SessionStore, Turn};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportLine {
    session: String,
    time: String,
    speaker: String,
    role: String,
    text: String,
    #[serde(default)]
    id: Option<String>,
}

/// A session name usable as a file name: kept when safe, else hashed.
pub fn session_id_for(name: &str) -> String {
    let safe = !name.is_empty()
        && name.len() <= 80
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if safe {
        return name.to_string();
    }
    format!(
        "import-{}",
        &hex::encode(Sha256::digest(name.as_bytes()))[..16]
    )
}

pub fn parse_line(line: &str) -> Result<(String, Turn), String> {
    let l: ImportLine = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let time = DateTime::parse_from_rfc3339(&l.time)
        .map_err(|e| format!("time `{}` is not RFC 3339: {e}", l.time))?
        .with_timezone(&Utc);
    let role = match l.role.as_str() {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        "other" => Role::Other,
        r => return Err(format!("role `{r}` is not user, assistant or other")),
    };
    if l.session.trim().is_empty() {
        return Err("session is empty".into());
    }
    let session = session_id_for(&l.session);
    let id = l.id.filter(|i| !i.trim().is_empty()).unwrap_or_else(|| {
        let digest = Sha256::digest(
            format!("{}\0{}\0{}\0{}", l.session, l.time, l.speaker, l.text).as_bytes(),
        );
        format!("{session}.imp-{}", &hex::encode(digest)[..12])
    });
    let turn = Turn {
        speaker: Some(l.speaker),
        ..Turn::new(id, time, role, l.text)
    };
    Ok((session, turn))
}

/// Turns read from a file, grouped by session, and the lines that could not be read.
#[derive(Debug, Default)]
pub struct Parsed {
    pub by_session: BTreeMap<String, Vec<Turn>>,
    /// (line number, reason)
    pub malformed: Vec<(usize, String)>,
}

/// Reads every line; a malformed line is recorded with its number and the rest still load.
pub fn parse(mut reader: impl BufRead) -> std::io::Result<Parsed> {
    let mut parsed = Parsed::default();
    let mut number = 0;
    while let Some(line) = next_line(&mut reader, MAX_LINE_BYTES)? {
        number += 1;
        let line = match line {
            Line::Whole(bytes) => bytes,
            Line::TooLong => {
                parsed.malformed.push((
                    number,
                    format!("longer than {} MiB: skipped unread", MAX_LINE_BYTES >> 20),
                ));
                continue;
            }
        };
        let Ok(text) = String::from_utf8(line) else {
            parsed.malformed.push((number, "not valid UTF-8".into()));
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        match parse_line(&text) {
            Ok((session, turn)) => parsed.by_session.entry(session).or_default().push(turn),
            Err(e) => parsed.malformed.push((number, e)),
        }
    }
    Ok(parsed)
}

/// The longest line (one turn) an import reads; longer ones are skipped without being held.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One line of input, or the news that it was too long to keep.
pub enum Line {
    Whole(Vec<u8>),
    TooLong,
}

/// The next line without its newline (`None` at the end); a line over `cap` bytes is consumed
/// without keeping more than `cap` of it.
pub fn next_line(reader: &mut impl BufRead, cap: usize) -> std::io::Result<Option<Line>> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(match (too_long, line.is_empty()) {
                (true, _) => Some(Line::TooLong),
                (false, true) => None,
                (false, false) => Some(Line::Whole(line)),
            });
        }
        let end = buffer.iter().position(|b| *b == b'\n');
        let chunk = &buffer[..end.unwrap_or(buffer.len())];
        if !too_long && line.len() + chunk.len() <= cap {
            line.extend_from_slice(chunk);
        } else {
            too_long = true;
            line = Vec::new();
        }
        let used = end.map_or(chunk.len(), |e| e + 1);
        reader.consume(used);
        if end.is_some() {
            return Ok(Some(if too_long {
                Line::TooLong
            } else {
                Line::Whole(line)
            }));
        }
    }
}

/// What storing the parsed turns did.
#[derive(Debug, Default)]
pub struct Stored {
    pub sessions: Vec<Session>,
    pub added: usize,
    /// Turns whose id was already in their session.
    pub present: usize,
}

/// Appends the turns not yet in their session transcripts (one fsync per session).
pub fn store(sessions: &SessionStore, parsed: Parsed) -> Result<Stored, SessionError> {
    let mut stored = Stored::default();
    for (id, mut turns) in parsed.by_session {
        turns.sort_by_key(|t| t.time);
        let created = turns.first().map_or_else(Utc::now, |t| t.time);
        let mut session = sessions.open_or_create(&id, created)?;
        let known: HashSet<String> = session.turns.iter().map(|t| t.id.clone()).collect();
        let mut seen = HashSet::new();
        let offered = turns.len();
        let fresh: Vec<Turn> = turns
            .into_iter()
            .filter(|t| !known.contains(&t.id) && seen.insert(t.id.clone()))
            .collect();
        stored.present += offered - fresh.len();
        stored.added += fresh.len();
        sessions.append_many(&mut session, fresh)?;
        stored.sessions.push(session);
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_over_the_cap_is_skipped_unread_and_the_rest_imported() {
        let good = r#"{"session":"s","time":"2026-03-01T10:00:00Z","speaker":"Ann","role":"user","text":"hi"}"#;
        let huge = format!(
            r#"{{"session":"s","time":"2026-03-01T10:01:00Z","speaker":"Ann","role":"user","text":"{}"}}"#,
            "x".repeat(MAX_LINE_BYTES + 10)
        );
        let input = format!("{good}\n{huge}\n{good}");
        let parsed = parse(std::io::BufReader::with_capacity(4096, input.as_bytes())).unwrap();
        assert_eq!(parsed.malformed.len(), 1);
        assert_eq!(parsed.malformed[0].0, 2);
        assert!(parsed.malformed[0].1.contains("longer than 1 MiB"));
        assert_eq!(parsed.by_session.values().map(Vec::len).sum::<usize>(), 2);
    }
}
