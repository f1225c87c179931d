//! Which fact is the newest about its subject, read once per recall from every fact's id, turns
//! and time (no texts or vectors): recall replaces a superseded fact with the newest of its
//! chain, and leaves out a turn that says only what a superseded fact drawn from it said.

use std::collections::HashMap;

use super::Memory;
use super::facts::prefix_of;

/// The facts' chains: facts sharing a subject prefix, the newest being what is true now.
#[derive(Debug, Default)]
pub struct FactChains {
    /// Every fact, with only its id, turns and time read.
    facts: Vec<Memory>,
    /// The newest fact of each subject prefix, as an index into `facts`.
    newest: HashMap<String, usize>,
}

impl FactChains {
    pub fn new(facts: Vec<Memory>) -> Self {
        let mut newest: HashMap<String, usize> = HashMap::new();
        for (at, fact) in facts.iter().enumerate() {
            let Some(prefix) = prefix_of(&fact.id) else {
                continue;
            };
            let slot = newest.entry(prefix.to_string()).or_insert(at);
            let current = &facts[*slot];
            if (fact.time_start, &fact.id) > (current.time_start, &current.id) {
                *slot = at;
            }
        }
        Self { facts, newest }
    }

    /// The id of the newest fact about `id`'s subject: `id` itself when it is the newest, or
    /// when it is no fact of a chain.
    pub fn newest_of<'a>(&'a self, id: &'a str) -> &'a str {
        prefix_of(id)
            .and_then(|prefix| self.newest.get(prefix))
            .map_or(id, |&at| self.facts[at].id.as_str())
    }

    /// The ids of the facts drawn from any of `turns` that a newer fact supersedes.
    pub fn superseded_from(&self, turns: &[String]) -> Vec<String> {
        self.facts
            .iter()
            .filter(|f| f.source_turns.iter().any(|t| turns.contains(t)))
            .filter(|f| self.newest_of(&f.id) != f.id)
            .map(|f| f.id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::*;
    use crate::memory::MemoryKind;
    use crate::memory::facts::subject_prefix;

    fn fact(subject: &str, n: u32, turn: &str) -> Memory {
        let mut m = Memory::new(MemoryKind::Fact, String::new(), Vec::new(), Utc::now());
        m.id = format!("{}{n:012}", subject_prefix(subject));
        m.time_start += Duration::days(i64::from(n));
        m.source_turns = vec![turn.to_string()];
        m
    }

    #[test]
    fn the_newest_fact_about_a_subject_supersedes_the_older_ones_drawn_from_their_turns() {
        let (old, middle, new) = (
            fact("user|lives in", 1, "t1"),
            fact("user|lives in", 2, "t2"),
            fact("user|lives in", 3, "t3"),
        );
        let other = fact("user|diet", 1, "t1");
        let chains = FactChains::new(vec![
            new.clone(),
            old.clone(),
            other.clone(),
            middle.clone(),
        ]);
        assert_eq!(chains.newest_of(&old.id), new.id);
        assert_eq!(chains.newest_of(&middle.id), new.id);
        assert_eq!(chains.newest_of(&new.id), new.id);
        assert_eq!(chains.newest_of(&other.id), other.id);
        assert_eq!(chains.newest_of("n-note"), "n-note");
        // The turn of the old home gave a superseded fact, and a current one about the diet.
        assert_eq!(chains.superseded_from(&["t1".into()]), [old.id.as_str()]);
        assert!(chains.superseded_from(&["t3".into()]).is_empty());
        assert_eq!(chains.superseded_from(&["t1".into(), "t2".into()]).len(), 2);
    }
}
