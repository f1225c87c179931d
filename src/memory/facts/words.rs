//! The words of a user's sentence and how a fact retells them: splitting into words and
//! sentences, the third person ("I work" → "the user works"), verb forms, denials and the
//! words that tie a statement to the moment.

use super::lexicon::*;

pub(super) fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                .to_string()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

pub(super) fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?' | '\n') {
            let s = text[start..=i].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = i + c.len_utf8();
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

pub(super) fn starts_upper(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

pub(super) fn possessive(name: &str) -> String {
    format!("{name}'s")
}

pub(super) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// Third-person rewriting of the rest of a sentence: my → NAME's, me → NAME, I → NAME.
pub(super) fn retell(rest: &[String], name: &str) -> String {
    rest.iter()
        .enumerate()
        .map(|(i, w)| match w.to_lowercase().as_str() {
            "my" => possessive(name),
            "me" | "myself" | "us" => name.to_string(),
            "mine" | "our" | "ours" => possessive(name),
            "i" => name.to_string(),
            "i'm" => format!("{name} is"),
            "i've" => format!("{name} has"),
            // "… so I work weird hours" → "… so the user works weird hours".
            verb if i > 0 && rest[i - 1].eq_ignore_ascii_case("i") => third_person(verb),
            _ => w.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The verb after "I" as it is said of someone else ("work" → "works", "finish" → "finishes");
/// a past tense or a modal stays.
pub(super) fn third_person(verb: &str) -> String {
    if let Some((_, third)) = THIRD_PERSON
        .iter()
        .chain(STATING_VERBS)
        .find(|(first, _)| *first == verb)
    {
        return (*third).to_string();
    }
    let kept = KEPT_AFTER_I.contains(&verb)
        || ADVERBS.contains(&verb)
        || verb.ends_with("ed")
        || verb.contains('\'')
        || !verb.chars().all(|c| c.is_ascii_lowercase());
    if kept {
        verb.to_string()
    } else if verb.ends_with(['s', 'x', 'z', 'o']) || verb.ends_with("sh") || verb.ends_with("ch") {
        format!("{verb}es")
    } else if let Some(stem) = verb.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'o', 'u'])
    {
        format!("{stem}ies")
    } else {
        format!("{verb}s")
    }
}

/// The third-person form of the one-word present-tense stating verb (not "have") of which
/// `is_form` says `word` is a form.
fn third_of_stating_verb(is_form: impl Fn(&str) -> bool) -> Option<&'static str> {
    STATING_VERBS
        .iter()
        .filter(|(verb, third)| verb != third && *verb != "have" && !verb.contains(' '))
        .find(|(verb, _)| is_form(verb))
        .map(|(_, third)| *third)
}

/// The third-person form of the stating verb whose "-ing" form `word` is ("living" → "lives").
pub(super) fn ongoing_form(word: &str) -> Option<&'static str> {
    third_of_stating_verb(|verb| {
        let stem = verb.strip_suffix('e').unwrap_or(verb);
        // "run" → "running", "swim" → "swimming": a short verb doubles its last consonant.
        let doubled = verb
            .chars()
            .last()
            .filter(|c| !"aeiouwy".contains(*c))
            .map(|c| format!("{verb}{c}ing"));
        word == format!("{stem}ing") || doubled.is_some_and(|d| word == d)
    })
}

/// The third-person form of the stating verb whose past participle `word` is ("lived" →
/// "lives", "spoken" → "speaks"); "had" is left out ("I've had a long day").
pub(super) fn participle_form(word: &str) -> Option<&'static str> {
    third_of_stating_verb(|verb| {
        let regular = if verb.ends_with('e') {
            format!("{verb}d")
        } else if let Some(stem) = verb.strip_suffix('y')
            && !stem.ends_with(['a', 'e', 'o', 'u'])
        {
            format!("{stem}ied")
        } else {
            format!("{verb}ed")
        };
        let irregular = match verb {
            "speak" => "spoken",
            "teach" => "taught",
            "drive" => "driven",
            "eat" => "eaten",
            "drink" => "drunk",
            "run" => "run",
            "swim" => "swum",
            _ => "",
        };
        word == regular || word == irregular
    })
}

/// The denial opening `lower` (after "I"), as the fact says it, and how many words it takes.
pub(super) fn denial(lower: &[String]) -> Option<(&'static str, usize)> {
    let two = lower.get(..2).map(|p| p.join(" ")).unwrap_or_default();
    let first = lower.first().map_or("", String::as_str);
    DENIALS.iter().find_map(|(said, len)| {
        let matched = if *len == 2 {
            two == *said
        } else {
            first == *said
        };
        let told = match *said {
            "don't" | "do not" => "does not",
            "can't" | "cannot" | "can not" => "cannot",
            "never" => "never",
            _ => "no longer",
        };
        matched.then_some((told, *len))
    })
}

/// "My name's Dave", "my mom's Italian": the "'s" of "is", read as "is". It stays a possessive
/// before a noun ("my husband's name is Tom").
pub(super) fn contracted_is(w: &[String]) -> Vec<String> {
    let mine = w
        .first()
        .is_some_and(|x| matches!(x.to_lowercase().as_str(), "my" | "our"));
    let mut out = Vec::with_capacity(w.len() + 1);
    for (i, word) in w.iter().enumerate() {
        let next = w.get(i + 1).map_or("", String::as_str);
        let is_said = mine
            && (1..=3).contains(&i)
            && !out.iter().any(|x: &String| x == "is")
            && (next.is_empty()
                || starts_upper(next)
                || next.chars().any(|c| c.is_ascii_digit())
                || matches!(
                    next.to_lowercase().as_str(),
                    "a" | "an" | "the" | "called" | "named" | "from" | "in" | "at" | "still"
                ));
        match word.strip_suffix("'s").filter(|_| is_said) {
            Some(noun) => {
                out.push(noun.to_string());
                out.push("is".to_string());
            }
            None => out.push(word.clone()),
        }
    }
    out
}

/// Whether a present-tense statement holds only now ("my laptop is slow today", "my train is
/// late again"). A number says it anyway ("I'm 35 today").
pub(super) fn for_now_only(lower: &[String]) -> bool {
    let text = format!(" {} ", lower.join(" "));
    !lower.iter().any(|x| x.chars().any(|c| c.is_ascii_digit()))
        && MOMENT_WORDS
            .iter()
            .any(|moment| text.contains(&format!(" {moment} ")))
}

/// Whether `word` after "I'm" says what lasts about a person ("vegetarian"), written with or
/// without its hyphen ("colour-blind" as "colourblind").
pub(super) fn lasting_state(word: &str) -> bool {
    LASTING_STATES.contains(&word) || LASTING_STATES.contains(&word.replace('-', "").as_str())
}

/// Whether `verb` states what happened, not what is ("moved", "was", "died").
pub(super) fn past(verb: &str) -> bool {
    matches!(
        verb,
        "was" | "were" | "got" | "died" | "passed" | "grew up" | "bought"
    ) || verb.ends_with("ed")
        || LIFE_PASTS.contains(&verb)
        || verb.starts_with("got ")
}

/// A statement verb in either person ("lives", "live", "works", "is").
pub(super) fn is_a_verb(word: &str) -> bool {
    MY_VERBS.contains(&word)
        || STATING_VERBS
            .iter()
            .any(|(first, third)| word == *first || word == *third)
}

/// Whether the clause says it has gone on for years or months ("for three years", "for a
/// year", "since 2019"), not for hours ("for two hours", "since this morning").
pub(super) fn said_for_long(lower: &[String]) -> bool {
    lower.iter().enumerate().any(|(i, x)| match x.as_str() {
        "for" => lower[i + 1..]
            .iter()
            .take(4)
            .any(|w| LONG_SPANS.contains(&w.as_str())),
        "since" => lower
            .get(i + 1)
            .is_some_and(|w| w.len() == 4 && w.chars().all(|c| c.is_ascii_digit())),
        _ => false,
    })
}
