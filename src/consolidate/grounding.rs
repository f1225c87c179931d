//! A summary becomes a memory that is recalled as truth, so it may only say what its turns say:
//! every name, number and date in it must appear in them, and it must not repeat the prompt's own
//! instructions. When the model cannot manage that, the summary is the speakers' own sentences.

use std::collections::HashSet;

use crate::domain::Turn;

/// Words that start sentences or name nothing (a capital letter alone does not make a name).
const NOT_NAMES: [&str; 24] = [
    "i",
    "the",
    "a",
    "an",
    "they",
    "we",
    "he",
    "she",
    "it",
    "this",
    "that",
    "there",
    "their",
    "both",
    "then",
    "also",
    "after",
    "before",
    "later",
    "when",
    "while",
    "user",
    "assistant",
    "in",
];

fn words_of(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '-'))
        .map(|w| w.strip_suffix("'s").unwrap_or(w))
        .filter(|w| !w.is_empty())
}

/// The names, numbers and dates in `summary` that `source` never says (compared without case).
pub fn ungrounded(summary: &str, source: &str) -> Vec<String> {
    let known: HashSet<String> = words_of(source).map(str::to_lowercase).collect();
    let mut missing = Vec::new();
    for word in words_of(summary) {
        let lower = word.to_lowercase();
        let named = word.chars().next().is_some_and(char::is_uppercase)
            && !NOT_NAMES.contains(&lower.as_str());
        let counted = word.chars().any(|c| c.is_ascii_digit());
        if (named || counted) && !known.contains(&lower) && !missing.contains(&lower) {
            missing.push(lower);
        }
    }
    missing
}

/// Whether `summary` repeats five or more consecutive words of `instructions`.
pub fn repeats_instructions(summary: &str, instructions: &str) -> bool {
    let said: Vec<String> = words_of(summary).map(str::to_lowercase).collect();
    let told: Vec<String> = words_of(instructions).map(str::to_lowercase).collect();
    let runs: HashSet<&[String]> = told.windows(5).collect();
    said.windows(5).any(|w| runs.contains(w))
}

/// Sentences kept in an extractive summary.
const EXTRACT_SENTENCES: usize = 3;

/// A summary made of what people said themselves: the first sentence of the most informative
/// turns (longest, with names or numbers first), in the order they were said, each quoted with
/// its speaker. Returns the text and the ids of the turns it quotes.
pub fn extractive(turns: &[&Turn]) -> Option<(String, Vec<String>)> {
    let mut ranked: Vec<(usize, &Turn, String)> = turns
        .iter()
        .enumerate()
        .filter(|(_, t)| t.role != crate::domain::Role::Assistant && !t.forgotten)
        .filter_map(|(i, t)| {
            let sentence = first_sentence(&t.text)?;
            Some((i, *t, sentence))
        })
        .collect();
    let informative = |s: &str| {
        let specific = words_of(s)
            .skip(1)
            .filter(|w| {
                w.chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
            })
            .count();
        specific * 40 + s.len()
    };
    ranked.sort_by_key(|(_, _, s)| std::cmp::Reverse(informative(s)));
    ranked.truncate(EXTRACT_SENTENCES);
    ranked.sort_by_key(|(i, _, _)| *i);
    if ranked.is_empty() {
        return None;
    }
    let quoted: Vec<String> = ranked
        .iter()
        .map(|(_, t, s)| format!("{} said: \"{s}\"", crate::memory::service::speaker_of(t)))
        .collect();
    let cited = ranked.iter().map(|(_, t, _)| t.id.clone()).collect();
    Some((quoted.join(" "), cited))
}

/// The first sentence of `text` on one line, if it has a few words.
fn first_sentence(text: &str) -> Option<String> {
    let flat = crate::session::one_line(text, 240);
    let end = flat
        .char_indices()
        .find(|&(i, c)| matches!(c, '.' | '!' | '?') && i > 10)
        .map_or(flat.len(), |(i, c)| i + c.len_utf8());
    let sentence = flat[..end].trim().to_string();
    (words_of(&sentence).count() >= 4).then_some(sentence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    #[test]
    fn an_invented_name_or_number_is_caught_and_a_faithful_summary_passes() {
        let source = "Maya: I'm calling my project Lighthouse, launch is on 12 May.\n\
                      assistant: Good luck with Lighthouse!";
        let invented = "Maya is working on a project called Tumeres, launching on 14 May.";
        assert_eq!(ungrounded(invented, source), ["tumeres", "14"]);
        let faithful = "Maya's project is called Lighthouse and launches on 12 May.";
        assert!(ungrounded(faithful, source).is_empty());
    }

    #[test]
    fn a_summary_that_repeats_its_instructions_is_refused() {
        let told = "In two or three sentences of your own words, summarise what was discussed";
        assert!(repeats_instructions(
            "In two or three sentences of your own words: they talked.",
            told
        ));
        assert!(!repeats_instructions(
            "They discussed two sets in Python.",
            told
        ));
    }

    #[test]
    fn the_extractive_summary_quotes_the_most_specific_sentences_in_order() {
        let at = chrono::DateTime::UNIX_EPOCH;
        let turns = [
            Turn::new("t1".into(), at, Role::User, "ok thanks".into()),
            Turn::new(
                "t2".into(),
                at,
                Role::User,
                "My sister Agnieszka is a nurse in Kraków. She loves it.".into(),
            ),
            Turn::new(
                "t3".into(),
                at,
                Role::Assistant,
                "That is wonderful news about your sister.".into(),
            ),
            Turn::new(
                "t4".into(),
                at,
                Role::User,
                "I think the weather is nice today.".into(),
            ),
        ];
        let refs: Vec<&Turn> = turns.iter().collect();
        let (text, cited) = extractive(&refs).unwrap();
        assert_eq!(
            text,
            "user said: \"My sister Agnieszka is a nurse in Kraków.\" \
             user said: \"I think the weather is nice today.\""
        );
        assert_eq!(cited, ["t2", "t4"]);
    }
}
