//! `mneme bench facts`: how precisely the fact rules turn a user's sentences into facts, on a
//! labelled set (the shipped one or the user's own), against a naive first-person baseline in
//! the same run, with every sentence they get wrong.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::memory::facts::said_by_the_user;

/// One labelled sentence, as a line of the set: `{"text", "fact", "has"?}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Labelled {
    pub text: String,
    /// Whether the sentence states something lasting about the user or their life.
    pub fact: bool,
    /// Words a fact must hold to count (a sentence of several clauses must give the fact it
    /// states, not a misleading one).
    #[serde(default)]
    pub has: Option<String>,
}

/// Precision and recall of one way of finding facts.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Score {
    pub precision: f64,
    pub recall: f64,
    /// Sentences it took for facts.
    pub found: usize,
    /// Of those, the ones labelled as facts.
    pub right: usize,
}

/// A sentence the rules got wrong, with what they made of it.
#[derive(Debug, Clone, Serialize)]
pub struct Wrong {
    pub text: String,
    pub facts: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FactsReport {
    pub sentences: usize,
    /// Sentences labelled as facts.
    pub facts: usize,
    pub rules: Score,
    /// A sentence in the first person ("I …", "My …", "We …") that is no question, taken whole.
    pub baseline: Score,
    pub precision_over_baseline: f64,
    pub recall_over_baseline: f64,
    /// Facts the rules missed (or gave without the words in `has`).
    pub missed: Vec<Wrong>,
    /// Sentences that are no fact but gave one.
    pub false_facts: Vec<Wrong>,
}

/// Reads a labelled set, one JSON object a line (blank lines skipped).
pub fn parse(text: &str) -> Result<Vec<Labelled>> {
    let set: Vec<Labelled> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(at, line)| {
            serde_json::from_str(line).with_context(|| {
                format!(
                    "line {}: expected {{\"text\": \"…\", \"fact\": true|false}}",
                    at + 1
                )
            })
        })
        .collect::<Result<_>>()?;
    if set.is_empty() {
        bail!("the labelled set has no sentences");
    }
    Ok(set)
}

/// The facts the rules find in `text` said by the user.
fn facts_said(text: &str) -> Vec<String> {
    said_by_the_user(text).into_iter().map(|f| f.text).collect()
}

/// The naive baseline: every first-person statement is a fact.
fn first_person_statement(text: &str) -> bool {
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
        .to_lowercase();
    let first_person = first == "i"
        || first.starts_with("i'")
        || matches!(first.as_str(), "my" | "we" | "we're" | "we've" | "our");
    first_person && !text.trim_end().ends_with('?')
}

/// The score of taking for facts the sentences where `taken` is true.
fn score(set: &[Labelled], taken: &[bool]) -> Score {
    let (mut found, mut right) = (0, 0);
    for (item, &yes) in set.iter().zip(taken) {
        found += usize::from(yes);
        right += usize::from(yes && item.fact);
    }
    let facts = set.iter().filter(|i| i.fact).count();
    Score {
        precision: super::ratio(right as f64, found as f64),
        recall: super::ratio(right as f64, facts as f64),
        found,
        right,
    }
}

pub fn run(set: &[Labelled]) -> FactsReport {
    let said: Vec<Vec<String>> = set.iter().map(|i| facts_said(&i.text)).collect();
    // A fact counts when one of those found holds the words the label asks for.
    let counts = |item: &Labelled, facts: &[String]| {
        !facts.is_empty()
            && item
                .has
                .as_deref()
                .is_none_or(|has| facts.iter().any(|f| f.contains(has)))
    };
    let taken: Vec<bool> = set.iter().zip(&said).map(|(i, f)| counts(i, f)).collect();
    let rules = score(set, &taken);
    let naive: Vec<bool> = set
        .iter()
        .map(|i| first_person_statement(&i.text))
        .collect();
    let baseline = score(set, &naive);
    let wrong = |fact: bool| {
        set.iter()
            .zip(&said)
            .zip(&taken)
            .filter(|((item, _), yes)| item.fact == fact && **yes != fact)
            .map(|((item, facts), _)| Wrong {
                text: item.text.clone(),
                facts: facts.clone(),
            })
            .collect()
    };
    FactsReport {
        sentences: set.len(),
        facts: set.iter().filter(|i| i.fact).count(),
        rules,
        baseline,
        precision_over_baseline: super::ratio(rules.precision, baseline.precision),
        recall_over_baseline: super::ratio(rules.recall, baseline.recall),
        missed: wrong(true),
        false_facts: wrong(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(text: &str, fact: bool) -> Labelled {
        Labelled {
            text: text.into(),
            fact,
            has: None,
        }
    }

    /// The shipped set (`assets/eval/facts.jsonl`), written by us knowing the rules: a smoke
    /// check that they stay precise, not a measure of them.
    #[test]
    fn the_rules_are_precise_on_the_shipped_labelled_set() {
        let set =
            parse(&super::super::assets::read(super::super::assets::EVAL_FACTS).unwrap()).unwrap();
        let report = run(&set);
        let (p, r) = (report.rules.precision, report.rules.recall);
        let wrong: Vec<&str> = report
            .missed
            .iter()
            .chain(&report.false_facts)
            .map(|w| w.text.as_str())
            .collect();
        eprintln!("fact rules: precision {p:.2}, recall {r:.2}; wrong: {wrong:?}");
        assert!(p >= 0.9, "precision {p:.2}: {wrong:?}");
        assert!(r >= 0.7, "recall {r:.2}: {wrong:?}");
        // The rules earn their keep: a first-person statement is not a fact by itself.
        assert!(
            report.precision_over_baseline > 1.2,
            "{:?} vs {:?}",
            report.rules,
            report.baseline
        );
    }

    #[test]
    fn a_sentence_is_wrong_when_its_fact_lacks_the_words_asked_for_or_when_a_non_fact_gives_one() {
        let mut clause = labelled("I'm over jazz, my favourite music now is folk.", true);
        clause.has = Some("nonsense words".into());
        let set = vec![
            labelled("I live in Lisbon.", true),
            clause,
            labelled("Could you make it shorter?", false),
        ];
        let report = run(&set);
        assert_eq!(report.rules.right, 1);
        assert_eq!(report.missed.len(), 1);
        assert!(!report.missed[0].facts.is_empty(), "{:?}", report.missed);
        assert!(report.false_facts.is_empty());
        assert_eq!(report.rules.recall, 0.5);
        // The baseline takes both first-person sentences and leaves the question.
        assert_eq!(report.baseline.found, 2);
    }

    #[test]
    fn a_malformed_line_is_named_by_its_number() {
        let error =
            parse("{\"text\": \"I live in Lisbon.\", \"fact\": true}\n\nnot json\n").unwrap_err();
        assert!(format!("{error:#}").contains("line 3"), "{error:#}");
        assert!(parse("\n").is_err());
    }
}
