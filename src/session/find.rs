//! Searching every conversation's messages for words, and forking a conversation at a message:
//! what the chat's search screen and "fork from here" need from the transcripts.

use chrono::{DateTime, Utc};

use super::{Session, SessionError, SessionStore, Turn};
use crate::domain::Role;

/// A message that matched a search.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnHit {
    pub session_id: String,
    pub title: String,
    /// Its place among the conversation's messages (system turns not counted).
    pub position: usize,
    pub role: Role,
    pub time: DateTime<Utc>,
    /// The message around the first match, on one line.
    pub snippet: String,
}

/// How many characters of a message a hit shows around the match.
const SNIPPET_CHARS: usize = 160;

impl SessionStore {
    /// Messages of every conversation containing every word of `query` (case-insensitive),
    /// newest conversation first, at most `limit`. Forgotten turns are never found.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<TurnHit>, SessionError> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        let mut hits = Vec::new();
        if words.is_empty() {
            return Ok(hits);
        }
        let ids = self.ids().map_err(|source| SessionError::Io {
            id: "*".into(),
            source,
        })?;
        for id in ids.iter().rev() {
            // A conversation that cannot be read is skipped, not a failed search.
            let Ok(session) = self.open(id) else {
                continue;
            };
            let title = session.title();
            for (position, turn) in messages(&session).enumerate() {
                let lower = turn.text.to_lowercase();
                if turn.forgotten || !words.iter().all(|w| lower.contains(w.as_str())) {
                    continue;
                }
                hits.push(TurnHit {
                    session_id: session.id().to_string(),
                    title: title.clone(),
                    position,
                    role: turn.role,
                    time: turn.time,
                    snippet: snippet(&turn.text, &words[0]),
                });
                if hits.len() >= limit {
                    return Ok(hits);
                }
            }
        }
        Ok(hits)
    }

    /// A new conversation holding `source`'s messages up to and including the one at `position`
    /// (with the system turns among them), named after it. The source is left as it was.
    pub fn fork(&self, source: &Session, position: usize) -> Result<Session, SessionError> {
        let Some(last) = messages(source).nth(position) else {
            return Err(SessionError::NotFound(format!(
                "message {} of {}",
                position + 1,
                source.id()
            )));
        };
        let through = source
            .turns
            .iter()
            .position(|t| std::ptr::eq(t, last))
            .expect("the message is one of the turns");
        let mut fork = self.create()?;
        let turns: Vec<Turn> = source.turns[..=through]
            .iter()
            .enumerate()
            .map(|(n, t)| Turn {
                id: format!("{}.{}", fork.id(), n + 1),
                ..t.clone()
            })
            .collect();
        self.append_many(&mut fork, turns)?;
        let name = format!("{} (fork)", source.title());
        fork.meta = self.rename(fork.id(), &name)?;
        Ok(fork)
    }
}

/// A conversation's messages as the chat shows them: every turn but system turns.
pub fn messages(session: &Session) -> impl Iterator<Item = &Turn> {
    session.turns.iter().filter(|t| t.role != Role::System)
}

/// `text` on one line, cut to show `word` (lower-case) near its start.
fn snippet(text: &str, word: &str) -> String {
    let flat = super::one_line(text, usize::MAX);
    let lower = flat.to_lowercase();
    // Lower-casing can change byte lengths: find the match by characters.
    let at = lower
        .find(word)
        .map_or(0, |byte| lower[..byte].chars().count());
    let start = at.saturating_sub(SNIPPET_CHARS / 4);
    let shown: String = flat.chars().skip(start).collect();
    let prefix = if start > 0 { "…" } else { "" };
    format!("{prefix}{}", super::one_line(&shown, SNIPPET_CHARS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(session: &Session, n: usize, role: Role, text: &str) -> Turn {
        Turn::new(
            format!("{}.{n}", session.id()),
            Utc::now(),
            role,
            text.into(),
        )
    }

    #[test]
    fn search_finds_messages_by_all_their_words_and_fork_keeps_the_history_up_to_there() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let mut a = store.create().unwrap();
        let turns = vec![
            turn(&a, 1, Role::System, "be brief"),
            turn(&a, 2, Role::User, "My cat Saffron likes tuna."),
            turn(&a, 3, Role::Assistant, "Saffron sounds lovely."),
            turn(&a, 4, Role::User, "What about dogs?"),
        ];
        store.append_many(&mut a, turns).unwrap();

        let hits = store.search("saffron TUNA", 10).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].position, hits[0].role), (0, Role::User));
        assert!(hits[0].snippet.contains("Saffron likes tuna"));
        assert_eq!(store.search("saffron", 10).unwrap().len(), 2);
        assert!(store.search("parrot", 10).unwrap().is_empty());

        let fork = store.fork(&a, 1).unwrap();
        let reopened = store.open(fork.id()).unwrap();
        let texts: Vec<&str> = reopened.turns.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "be brief",
                "My cat Saffron likes tuna.",
                "Saffron sounds lovely."
            ]
        );
        assert!(reopened.turns.iter().all(|t| t.id.starts_with(fork.id())));
        assert!(reopened.title().ends_with("(fork)"));
        assert_eq!(
            store.open(a.id()).unwrap().turns.len(),
            4,
            "the source is untouched"
        );
        assert!(store.fork(&a, 9).is_err());
    }
}
