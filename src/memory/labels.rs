//! Speaker labels ("Dan: …"): what a memory says without who said it, and whether a full-text
//! match lies in what was said or only in the label.

use std::collections::HashSet;

use lance_index::scalar::inverted::tokenizer::document_tokenizer::LanceTokenizer;
use lance_tokenizer::BoxTokenStream;
use lancedb::index::scalar::FtsIndexBuilder;

/// A line's "speaker: " label (a single word of at most 40 characters) and what follows it.
pub(super) fn speaker_label(line: &str) -> Option<(&str, &str)> {
    line.split_once(": ")
        .filter(|(speaker, _)| !speaker.contains(' ') && speaker.len() <= 40)
}

/// A line of a memory without its "speaker: " label.
pub(super) fn without_speaker(line: &str) -> &str {
    speaker_label(line).map_or(line, |(_, rest)| rest)
}

/// A memory's lines without their "speaker: " labels.
pub(super) fn without_speakers(text: &str) -> String {
    text.lines()
        .map(without_speaker)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The speakers of these memories' lines ("Maya: …"): the people of the conversations they come
/// from, whose names say nothing about what a turn is about.
pub(super) fn speakers<'m>(memories: impl IntoIterator<Item = &'m super::Memory>) -> Vec<String> {
    let mut names: Vec<String> = memories
        .into_iter()
        .filter(|m| m.kind == super::MemoryKind::Chunk)
        .flat_map(|m| {
            m.text
                .lines()
                .filter_map(speaker_label)
                .map(|(s, _)| s.to_string())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `text` without the words that are one of `names` or its possessive.
pub(super) fn without_names(text: &str, names: &[String]) -> String {
    names
        .iter()
        .fold(text.to_string(), |text, name| without_name(&text, name))
}

/// `text` without the words that are `name` or its possessive ("Tom", "Tom's", "tom?").
pub(super) fn without_name(text: &str, name: &str) -> String {
    text.split_whitespace()
        .filter(|word| {
            let core = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’');
            let core = core
                .strip_suffix("'s")
                .or_else(|| core.strip_suffix("’s"))
                .unwrap_or(core);
            !core.eq_ignore_ascii_case(name)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Tells full-text hits that match a query by what they say from those that match only by
/// their speaker label. A label names its speaker in every turn they said, so in a conversation
/// between two people a question naming one of them ("Where did Dan move to?") matches half the
/// turns by the name alone, the shortest first ("Dan: The medical household."). Words are
/// compared as the full-text index sees them (the same tokenizer: lower case, stemmed, without
/// stop words), so "moving" in a turn matches "move" in the query.
pub(super) struct SaidWords {
    query: HashSet<String>,
    tokenizer: Option<Tokenizer>,
}

type Tokenizer = Box<dyn LanceTokenizer>;

impl SaidWords {
    /// The words of `query` as the full-text index searches them.
    pub(super) fn of_query(query: &str) -> Self {
        let tokenizer = match FtsIndexBuilder::default().build() {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::warn!("no full-text tokenizer, every word match counts: {e}");
                None
            }
        };
        let mut said = Self {
            query: HashSet::new(),
            tokenizer,
        };
        if let Some(t) = said.tokenizer.as_mut() {
            said.query = tokens(t.token_stream_for_search(query));
        }
        said
    }

    /// Whether `text`, its speaker labels aside, holds one of the query's words.
    pub(super) fn in_what_is_said(&mut self, text: &str) -> bool {
        let Some(t) = self.tokenizer.as_mut() else {
            return true;
        };
        let said = without_speakers(text);
        !tokens(t.token_stream_for_doc(&said)).is_disjoint(&self.query)
    }
}

fn tokens(mut stream: BoxTokenStream<'_>) -> HashSet<String> {
    let mut words = HashSet::new();
    while let Ok(Some(token)) = stream.try_next() {
        words.insert(token.text.clone());
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_speakers_name_in_the_label_alone_is_no_word_match() {
        let mut said = SaidWords::of_query("Where did Dan move to?");
        assert!(!said.in_what_is_said("Dan: The medical household."));
        assert!(said.in_what_is_said("Priya: Hey Dan! How have you been?"));
        // Stemmed as the index stems: "moving" is "move".
        assert!(said.in_what_is_said("Dan: Do you need help moving? I have the van."));
        // Stop words never matched in the index, so they do not here.
        assert!(!said.in_what_is_said("Dan: Where to? I did."));
    }

    #[test]
    fn text_without_a_label_is_all_said() {
        let mut said = SaidWords::of_query("Dan's van");
        assert!(said.in_what_is_said("Dan owns a van"));
        assert!(said.in_what_is_said("user: my van broke down\nassistant: sorry"));
    }
}
