//! Facts from what the user says: short, self-contained statements about the user and the people
//! and things in their life ("my sister Agnieszka is a nurse in Kraków" → "The user's sister
//! Agnieszka is a nurse in Kraków."), found by rules in the user's own turns only (never in
//! replies, recalled text or summaries), each citing its turn and dated when it was said.
//!
//! A fact has a subject ("the user's sister", "the user lives in"): a newer fact about the same
//! subject supersedes an older one. Both are kept; the subject is in the id, so the chain is a
//! query, and recall prefers the newest.

use sha2::{Digest, Sha256};

use super::chunk::SourceTurn;

mod lexicon;
mod statement;
mod subject;
mod words;

use lexicon::*;
use statement::{fact_in, names_someone, short_but_lasting};
use words::{
    capitalised, contracted_is, for_now_only, is_a_verb, lasting_state, sentences, starts_upper,
    words,
};

/// A fact found in a turn, before it is embedded and stored.
#[derive(Debug, Clone, PartialEq)]
pub struct FactDraft {
    /// `f-<subject hash>-<turn hash>`: facts about one subject share the prefix.
    pub id: String,
    /// What it is about, normalised ("user|sister", "user|lives in").
    pub subject: String,
    pub text: String,
    pub turn: String,
}

/// The id prefix shared by every fact about `subject`.
pub fn subject_prefix(subject: &str) -> String {
    let hash = hex::encode(Sha256::digest(subject.as_bytes()));
    format!("f-{}-", &hash[..10])
}

/// The subject prefix of a fact id made by [`extract`] (letters and digits only, safe in a query).
pub fn prefix_of(id: &str) -> Option<&str> {
    let rest = id.strip_prefix("f-")?;
    let (hash, _) = rest.split_once('-')?;
    (hash.len() == 10 && hash.chars().all(|c| c.is_ascii_hexdigit())).then(|| &id[..13])
}

/// Who the user is in a fact: their name when the transcript has one, else "the user".
fn who(turn: &SourceTurn) -> String {
    match turn.speaker.as_str() {
        "user" | "" => "the user".into(),
        name => name.to_string(),
    }
}

/// The facts in one of the user's turns.
pub fn extract(turn: &SourceTurn) -> Vec<FactDraft> {
    let name = who(turn);
    let mut facts = Vec::new();
    // Who the last fact was about, as said ("My brother Olek", "I"): a later clause of the turn
    // may go on about them without naming them ("… and he is a firefighter", "… and works as a
    // pilot", "He is a firefighter.").
    let mut about: Option<Vec<String>> = None;
    for sentence in sentences(&turn.text) {
        if sentence.ends_with('?') {
            continue;
        }
        // A hedge anywhere makes the whole sentence hypothetical: "if it rains, I work from home".
        if words(sentence)
            .iter()
            .any(|x| HEDGES.contains(&x.to_lowercase().as_str()))
        {
            continue;
        }
        // Every clause is read: "I'm over jazz, my favourite music now is folk" states its fact
        // in the second, "Last year, I moved to Porto" after an opening phrase.
        let clauses = clauses(sentence);
        for (at, clause) in clauses.iter().enumerate() {
            let w = words(clause);
            let skip = w
                .iter()
                .take_while(|x| CLAUSE_OPENERS.contains(&x.to_lowercase().as_str()))
                .count();
            let w = with_its_subject(&contracted_is(&w[skip..]), about.as_deref(), at > 0);
            let lower: Vec<String> = w.iter().map(|x| x.to_lowercase()).collect();
            let long_enough = (4..=30).contains(&w.len()) || short_but_lasting(&w, &lower);
            if !long_enough {
                continue;
            }
            // After the first clause, "I'm …" is a mood more often than a fact ("Sorry, I'm late
            // again"): only "I'm a …" (or "not a …"), "I'm allergic …", what lasts ("I'm
            // vegetarian") and a name count there.
            let after_i_am = lower
                .iter()
                .position(|x| !matches!(x.as_str(), "i'm" | "i" | "am"))
                .unwrap_or(lower.len());
            let after_i_am = match lower.get(after_i_am..after_i_am + 2) {
                Some([not, a]) if not == "not" && matches!(a.as_str(), "a" | "an") => {
                    after_i_am + 1
                }
                _ => after_i_am,
            };
            let states_a_mood = at > 0
                && (lower[0] == "i'm" || lower[..2] == ["i", "am"])
                && !lower
                    .get(after_i_am)
                    .zip(w.get(after_i_am))
                    .is_some_and(|(x, original)| {
                        matches!(x.as_str(), "a" | "an" | "allergic")
                            || lasting_state(x)
                            || starts_upper(original)
                    });
            if states_a_mood {
                continue;
            }
            if let Some(found) =
                fact_in(&w, &lower, &name).filter(|found| !(found.present && for_now_only(&lower)))
            {
                about = Some(found.about);
                // "I have two kids, Tom and Ella": names after a comma belong to the statement.
                let text = match clauses.get(at + 1).filter(|next| only_names(next)) {
                    Some(names) => format!("{}, {}", found.text, words(names).join(" ")),
                    None => found.text,
                };
                facts.push(draft(turn, &name, (found.subject, text)));
            }
        }
    }
    facts
}

/// The facts in `text` as the user's message of no session: how `bench facts` and the rules'
/// tests read a sentence.
pub fn said_by_the_user(text: &str) -> Vec<FactDraft> {
    extract(&SourceTurn {
        id: "user.1".into(),
        session: "user".into(),
        time: chrono::DateTime::UNIX_EPOCH,
        speaker: "user".into(),
        text: text.into(),
    })
}

/// Whether a clause is only names ("Tom and Ella", "England").
fn only_names(clause: &str) -> bool {
    let w = words(clause);
    w.iter().any(|x| starts_upper(x))
        && w.iter()
            .all(|x| starts_upper(x) || matches!(x.as_str(), "and" | "&"))
}

/// The clauses of a sentence: split at commas, semicolons, colons and "but", and at an "and"
/// that starts a statement of its own ("… in Gdansk and he is a firefighter", "… and works as
/// a pilot"), not one that joins two things ("Polish and Portuguese").
fn clauses(sentence: &str) -> Vec<&str> {
    sentence
        .split([',', ';', ':'])
        .flat_map(|part| part.split(" but "))
        .flat_map(split_at_statements)
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// `clause` split at each " and " followed by a subject or a verb.
fn split_at_statements(clause: &str) -> Vec<&str> {
    const AND: &str = " and ";
    let mut parts = Vec::new();
    let mut start = 0;
    for (at, _) in clause.match_indices(AND) {
        let after = at + AND.len();
        let next = clause[after..]
            .split_whitespace()
            .next()
            .and_then(|first| words(first).pop())
            .unwrap_or_default()
            .to_lowercase();
        // "My wife Sofia and I adopted a dog": "and I" ends who did it, not a statement.
        let who_with_me = next == "i" && names_someone(&clause[start..at]);
        if starts_a_statement(&next) && !who_with_me {
            parts.push(&clause[start..at]);
            start = after;
        }
    }
    parts.push(&clause[start..]);
    parts
}

/// Whether a clause opening with `word` (lower-cased) states something of its own: it names who
/// (a pronoun, "my …") or goes on with a verb about whom the clause before was about.
fn starts_a_statement(word: &str) -> bool {
    matches!(word, "i" | "i'm" | "i've" | "my" | "we" | "we're" | "we've")
        || PRONOUNS.contains(&word)
        || is_a_verb(word)
}

/// A clause with whom it is about put back: "he is a firefighter" after "My brother Olek lives
/// in Gdansk" is "My brother Olek is a firefighter", and "works as a pilot" after "My sister
/// Hanna lives in Tromsø" is "My sister Hanna works as a pilot". A pronoun only stands for a
/// person named with "my"; "I" goes on only with a verb in its own person ("… and work at …").
fn with_its_subject(w: &[String], about: Option<&[String]>, same_sentence: bool) -> Vec<String> {
    let (Some(first), Some(about)) = (w.first(), about) else {
        return w.to_vec();
    };
    let first = first.to_lowercase();
    let about_me = about == ["I"];
    let stands_for_them = !about_me && PRONOUNS.contains(&first.as_str());
    // A verb goes on from a clause of the same sentence only: "Has anyone seen my keys." is no
    // fact about the sister named in the sentence before.
    let goes_on = same_sentence
        && if about_me {
            STATING_VERBS.iter().any(|(verb, _)| first == *verb)
        } else {
            MY_VERBS.contains(&first.as_str())
        };
    let rest = if stands_for_them {
        &w[1..]
    } else if goes_on {
        w
    } else {
        return w.to_vec();
    };
    // "she is" → "is" after "My sister": the verb is in the person's form already.
    about.iter().chain(rest).cloned().collect()
}

/// The stored form of a fact found in `turn`: its subject, id and sentence.
fn draft(turn: &SourceTurn, name: &str, (subject, text): (String, String)) -> FactDraft {
    let subject = format!("{}|{subject}", name.to_lowercase());
    let mut hasher = Sha256::new();
    hasher.update(turn.id.as_bytes());
    hasher.update(text.as_bytes());
    let id = format!(
        "{}{}",
        subject_prefix(&subject),
        &hex::encode(hasher.finalize())[..12]
    );
    FactDraft {
        id,
        subject,
        text: capitalised(&format!("{}.", text.trim_end_matches(['.', '!']))),
        turn: turn.id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(text: &str) -> Vec<String> {
        said_by_the_user(text).into_iter().map(|f| f.text).collect()
    }

    fn subjects(text: &str) -> Vec<String> {
        said_by_the_user(text)
            .into_iter()
            .map(|f| f.subject)
            .collect()
    }

    #[test]
    fn first_person_statements_become_third_person_facts() {
        assert_eq!(
            said("My sister Agnieszka is a nurse in Kraków."),
            ["The user's sister Agnieszka is a nurse in Kraków."]
        );
        assert_eq!(
            said("I live in Lisbon with my partner"),
            ["The user lives in Lisbon with the user's partner."]
        );
        assert_eq!(
            said("I'm allergic to peanuts!"),
            ["The user is allergic to peanuts."]
        );
        assert_eq!(
            said("Work was long. I switched to rooibos last month."),
            ["The user switched to rooibos last month."]
        );
        // Every clause is read, after an opening phrase too; "I'm over X" is not a fact.
        assert_eq!(
            said("I'm over The Office, my favourite now is Severance."),
            ["The user's favourite now is Severance."]
        );
        assert_eq!(
            said("Last year, I moved to Porto with my partner."),
            ["The user moved to Porto with the user's partner."]
        );
        assert!(said("Sorry, I'm late again.").is_empty());
        assert!(said("My favourite band is Wet Leg, I have their album on repeat.").len() == 1);
        assert!(said("If it rains tomorrow, I work from home.").is_empty());
    }

    #[test]
    fn short_statements_of_what_lasts_are_facts_and_short_moods_are_not() {
        // What a user says most often about themselves is short.
        for (text, fact) in [
            ("I'm vegetarian.", "The user is vegetarian."),
            ("I'm 34.", "The user is 34."),
            ("I'm a nurse.", "The user is a nurse."),
            ("I'm Polish.", "The user is Polish."),
            ("I am retired.", "The user is retired."),
            ("I'm learning Spanish.", "The user is learning Spanish."),
            ("I hate mornings.", "The user hates mornings."),
            ("I speak Polish.", "The user speaks Polish."),
            ("I work remotely.", "The user works remotely."),
            ("Call me Pete.", "The user goes by Pete."),
            ("No meat for me, I'm vegetarian.", "The user is vegetarian."),
        ] {
            assert_eq!(said(text), [fact], "{text}");
        }
        for text in [
            "I'm starving.",
            "I'm home.",
            "I'm bored.",
            "I'm leaving.",
            "I'm a mess.",
            "I love it.",
            "I have time.",
            "I work tomorrow.",
            "Call me later.",
            "Thanks, I'm Ok.",
            "I'm a bit tired.",
            "I'm 5 minutes away.",
            "I don't like him.",
            "I prefer not.",
            "I like both.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
    }

    #[test]
    fn a_negated_statement_is_a_fact_that_replaces_what_it_denies() {
        let subject = |text: &str| subjects(text)[0].clone();
        for (text, fact, denies) in [
            (
                "I don't like coffee.",
                "The user does not like coffee.",
                "I like coffee a lot.",
            ),
            (
                "I no longer work at Google.",
                "The user no longer works at Google.",
                "I work at Google as an engineer.",
            ),
            (
                "I don't live in London anymore.",
                "The user does not live in London anymore.",
                "I live in London.",
            ),
            (
                "I can't eat gluten.",
                "The user cannot eat gluten.",
                "I eat gluten.",
            ),
            ("I don't smoke.", "The user does not smoke.", "I smoke."),
            (
                "I'm no longer vegetarian.",
                "The user is no longer vegetarian.",
                "I'm vegetarian.",
            ),
            (
                "I do not have a car.",
                "The user does not have a car.",
                "I have a car.",
            ),
        ] {
            assert_eq!(said(text), [fact], "{text}");
            assert_eq!(subject(text), subject(denies), "{text} / {denies}");
        }
        assert_eq!(
            subject("I don't drink alcohol anymore."),
            subject("I drink alcohol at weekends.")
        );
        // A height is not an age: it does not replace "I'm 34".
        assert_ne!(subject("I'm 6 feet tall."), subject("I'm 34."));
        for text in [
            "I don't know.",
            "I don't like it.",
            "I don't have time for this.",
            "I can't wait.",
            "I never thought of that.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
    }

    #[test]
    fn what_has_gone_on_for_a_while_is_a_fact() {
        assert_eq!(
            said("I've been playing guitar for ten years."),
            ["The user has been playing guitar for ten years."]
        );
        assert_eq!(
            said("I have been living in Berlin since 2019."),
            ["The user has been living in Berlin since 2019."]
        );
        for text in [
            "I've been thinking about it a lot.",
            "I've been busy all week.",
            "I've been playing it all day.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
    }

    #[test]
    fn names_after_a_comma_and_our_things_belong_to_the_statement() {
        assert_eq!(
            said("I have two kids, Tom and Ella."),
            ["The user has two kids, Tom and Ella."]
        );
        assert_eq!(
            said("Our house is in Wicklow."),
            ["The user's house is in Wicklow."]
        );
        // A list of lower-case things after a comma is not a name.
        assert!(said("Red, yellow and blue.").is_empty());
    }

    #[test]
    fn each_statement_about_someone_is_a_fact_of_its_own() {
        // Users say two things in one breath; each fact states one, so a question about either
        // finds the one it asks about.
        let olek = [
            "The user's brother Olek lives in Gdansk.",
            "The user's brother Olek is a firefighter.",
        ];
        assert_eq!(
            said("My brother Olek lives in Gdansk and he is a firefighter."),
            olek
        );
        assert_eq!(
            said("My brother Olek lives in Gdansk. He is a firefighter."),
            olek
        );
        assert_eq!(
            said("My sister Hanna lives in Tromsø and works as a pilot."),
            [
                "The user's sister Hanna lives in Tromsø.",
                "The user's sister Hanna works as a pilot."
            ]
        );
        assert_eq!(
            said("I'm a school teacher and I live in Lyon."),
            ["The user is a school teacher.", "The user lives in Lyon."]
        );
        assert_eq!(
            said("I live in Lyon and work at a bakery."),
            ["The user lives in Lyon.", "The user works at a bakery."]
        );
        // An "and" that joins two things is not a second statement.
        assert_eq!(
            said("I speak Polish and Portuguese at home."),
            ["The user speaks Polish and Portuguese at home."]
        );
        // A pronoun stands only for someone a fact was about, and a verb goes on only from
        // a clause of its own sentence.
        assert!(said("I met the new manager. He is very tall.").is_empty());
        assert_eq!(
            said("My sister Hanna is a nurse. Got home late again."),
            ["The user's sister Hanna is a nurse."]
        );
    }

    #[test]
    fn what_users_say_in_everyday_words_is_a_fact() {
        // Found by importing everyday statements as user turns: each gave no fact.
        for (text, fact) in [
            (
                "My wife Sofia and I just adopted a dog named Biscuit.",
                "The user and the user's wife Sofia just adopted a dog named Biscuit.",
            ),
            (
                "My wife and I live in Porto.",
                "The user and the user's wife live in Porto.",
            ),
            ("I've got three kids.", "The user has three kids."),
            (
                "I use Arch Linux on my laptop.",
                "The user uses Arch Linux on the user's laptop.",
            ),
            (
                "I take metformin every morning.",
                "The user takes metformin every morning.",
            ),
            ("I go by Liz.", "The user goes by Liz."),
            ("My name's Dave.", "The user's name is Dave."),
            ("My mom's Italian.", "The user's mom is Italian."),
            ("My cat died last month.", "The user's cat died last month."),
            (
                "My dad passed away in 2019.",
                "The user's dad passed away in 2019.",
            ),
            (
                "I recently got divorced.",
                "The user recently got divorced.",
            ),
            ("I got married.", "The user got married."),
            (
                "I just started a new job at Spotify.",
                "The user just started a new job at Spotify.",
            ),
            (
                "I've been a nurse for twelve years.",
                "The user has been a nurse for twelve years.",
            ),
            (
                "My mom lives with us.",
                "The user's mom lives with the user.",
            ),
        ] {
            assert_eq!(said(text), [fact], "{text}");
        }
        // What holds today, or again, is how things are for now; an event is dated by it.
        for text in [
            "My train is late again.",
            "My laptop is slow today.",
            "I work from home today.",
            "I'm asking for a friend.",
            "I'm heading to the office now.",
            "I'm eating lunch at my desk.",
            "I've been a bit busy.",
            "I take a break every hour.",
            "I got home late.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
        assert_eq!(
            said("I started a new job today!"),
            ["The user started a new job today."]
        );
        assert_eq!(said("I'm 35 today."), ["The user is 35 today."]);
    }

    #[test]
    fn a_fear_and_a_team_are_facts_and_a_worry_or_an_idea_are_not() {
        // Missed on a set labelled before the rules saw it (set A, 2026-12-02).
        for (text, fact) in [
            ("I'm afraid of heights.", "The user is afraid of heights."),
            (
                "I'm terrified of flying.",
                "The user is terrified of flying.",
            ),
            ("I'm scared of big dogs.", "The user is scared of big dogs."),
            ("I support Liverpool.", "The user supports Liverpool."),
            (
                "I follow Formula 1 closely.",
                "The user follows Formula 1 closely.",
            ),
        ] {
            assert_eq!(said(text), [fact], "{text}");
        }
        for text in [
            "I'm afraid of the interview tomorrow.",
            "I'm afraid of losing my job.",
            "I'm afraid so.",
            "I'm scared of it.",
            "I support the idea.",
            "I follow the steps you gave me.",
            "I follow you.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
    }

    #[test]
    fn habits_said_with_a_preposition_or_an_activity_and_what_my_people_own_are_facts() {
        // Missed on a set labelled before the rules saw it (set B, 2026-12-02).
        for (text, fact) in [
            (
                "I listen mostly to jazz.",
                "The user listens mostly to jazz.",
            ),
            (
                "I go swimming every Tuesday.",
                "The user goes swimming every Tuesday.",
            ),
            (
                "My uncle owns a vineyard in Portugal.",
                "The user's uncle owns a vineyard in Portugal.",
            ),
            (
                "I ride my bike to work.",
                "The user rides the user's bike to work.",
            ),
            (
                "My sister speaks four languages.",
                "The user's sister speaks four languages.",
            ),
        ] {
            assert_eq!(said(text), [fact], "{text}");
        }
        for text in [
            "I go to bed at ten.",
            "I go crazy when the build breaks.",
            "I listen to what you say.",
            "I listen to you.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
    }

    #[test]
    fn what_my_people_do_not_do_and_what_the_user_keeps_collects_or_suffers_from_are_facts() {
        // Missed on a set labelled before the rules saw it (set C, 2026-12-02).
        for (text, fact) in [
            (
                "I keep bees in my garden.",
                "The user keeps bees in the user's garden.",
            ),
            (
                "My partner doesn't like spicy food.",
                "The user's partner doesn't like spicy food.",
            ),
            (
                "My brother never drinks alcohol.",
                "The user's brother never drinks alcohol.",
            ),
            (
                "I collect old vinyl records.",
                "The user collects old vinyl records.",
            ),
            (
                "I suffer from migraines.",
                "The user suffers from migraines.",
            ),
            ("I'm half Irish.", "The user is half Irish."),
            ("I am half Greek.", "The user is half Greek."),
        ] {
            assert_eq!(said(text), [fact], "{text}");
        }
        for text in [
            "I keep getting this error.",
            "I keep it short.",
            "I'm half asleep.",
            "My code doesn't compile.",
            "My sister does not care.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
        // A denial about someone is about what it denies: the newer replaces the older.
        let subject = |text: &str| subjects(text)[0].clone();
        assert_eq!(
            subject("My partner doesn't like spicy food."),
            subject("My partner likes spicy food.")
        );
    }

    #[test]
    fn habits_roles_denied_counts_and_diets_are_facts_and_plans_and_the_talk_are_not() {
        // Found on a harder set labelled before the rules saw it (set D, 2026-12-02).
        for (text, fact) in [
            (
                "I usually skip breakfast.",
                "The user usually skips breakfast.",
            ),
            (
                "I always forget people's names.",
                "The user always forgets people's names.",
            ),
            (
                "I'm not a morning person.",
                "The user is not a morning person.",
            ),
            (
                "I've had two knee operations.",
                "The user has had two knee operations.",
            ),
            (
                "I'm on a low-sodium diet for my blood pressure.",
                "The user is on a low-sodium diet for the user's blood pressure.",
            ),
            (
                "I often go hiking with friends.",
                "The user often goes hiking with friends.",
            ),
        ] {
            assert_eq!(said(text), [fact], "{text}");
        }
        for text in [
            "I'm planning to paint the kitchen this weekend.",
            "I'm meeting my sister for lunch later.",
            "I'm sending this from my phone.",
            "I'm writing to you from the airport.",
            "I always appreciate your help.",
            "I usually just google it.",
            "I always wanted to visit Japan.",
            "I've had two coffees this morning.",
            "I'm on my way.",
            "I'm not a fan of this layout.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
        // Missed on set F (messages as users write them, labelled before the rules saw them).
        assert_eq!(
            said("I've been learning the guitar for a year, mostly chords."),
            ["The user has been learning the guitar for a year."]
        );
        let subject = |text: &str| subjects(text)[0].clone();
        assert_eq!(
            subject("I've been learning the guitar for a year."),
            subject("I'm learning the guitar.")
        );
        // Found trying it as a user: a role denied after "and" is a fact of its own.
        assert_eq!(
            said("By the way, I usually skip breakfast and I'm not a morning person."),
            [
                "The user usually skips breakfast.",
                "The user is not a morning person."
            ]
        );
        // A role denied replaces no role: "I'm a nurse" stays what the user is.
        let subject = |text: &str| subjects(text)[0].clone();
        assert_ne!(
            subject("I'm not a morning person."),
            subject("I'm a nurse.")
        );
    }

    #[test]
    fn activities_of_years_studies_and_achievements_are_facts_and_hours_and_errands_are_not() {
        // Missed on sets labelled before the rules saw them (sets F and G, 2026-12-02).
        for (text, fact) in [
            (
                "I've been coding in Rust for three years.",
                "The user has been coding in Rust for three years.",
            ),
            (
                "I've been climbing for a couple of years now.",
                "The user has been climbing for a couple of years now.",
            ),
            (
                "I'm doing a PhD in linguistics.",
                "The user is doing a PhD in linguistics.",
            ),
            (
                "I'm taking a master's in data science.",
                "The user is taking a master's in data science.",
            ),
            (
                "I wrote a novel during lockdown.",
                "The user wrote a novel during lockdown.",
            ),
            (
                "I got my driving licence last year.",
                "The user got the user's driving licence last year.",
            ),
            (
                "I ran a marathon in 2019.",
                "The user ran a marathon in 2019.",
            ),
        ] {
            assert_eq!(said(text), [fact], "{text}");
        }
        for text in [
            "I've been waiting for two hours.",
            "I've been debugging this since this morning.",
            "I'm doing the dishes.",
            "I'm taking a break.",
            "I wrote an email to my landlord.",
            "I got a coffee on the way in.",
            "I ran late this morning.",
            "I won the argument in the end.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
    }

    #[test]
    fn what_my_kids_do_and_what_goes_on_for_years_are_facts_and_what_i_am_doing_now_is_not() {
        // Found on a set labelled before the rules saw it (set E, 2026-12-02).
        for (text, fact) in [
            (
                "I've been running a small Etsy shop since 2021.",
                "The user has been running a small Etsy shop since 2021.",
            ),
            (
                "My kids go to a Montessori school.",
                "The user's kids go to a Montessori school.",
            ),
            (
                "My parents live in Spain.",
                "The user's parents live in Spain.",
            ),
            ("I sing in a choir.", "The user sings in a choir."),
            (
                "I rent a room in a shared house.",
                "The user rents a room in a shared house.",
            ),
            ("I'm saving for a house.", "The user is saving for a house."),
        ] {
            assert_eq!(said(text), [fact], "{text}");
        }
        for text in [
            "I'm pretty sure that's wrong.",
            "I'm quite tired.",
            "I'm fixing a bug in the login page.",
            // 33 of the 85 facts of the generated set (seed 7) were this noise turn's.
            "My inbox is a disaster after Monday.",
            "My desk is a total mess.",
            "I'm cleaning the kitchen before they arrive.",
            "My glasses need cleaning.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
    }

    #[test]
    fn a_history_told_of_my_people_and_a_state_written_with_a_hyphen_are_facts_and_what_i_am_doing_this_minute_is_not()
     {
        // Found on set G (written and labelled before the rules saw it, 2026-12-02).
        for (text, fact) in [
            (
                "My grandfather fought in the Korean War.",
                "The user's grandfather fought in the Korean War.",
            ),
            (
                "My grandma taught me to bake bread.",
                "The user's grandma taught the user to bake bread.",
            ),
            (
                "My uncle built his own house.",
                "The user's uncle built his own house.",
            ),
            (
                "I'm colour-blind, so the red and green look the same to me.",
                "The user is colour-blind.",
            ),
            ("I'm short-sighted.", "The user is short-sighted."),
        ] {
            assert_eq!(said(text), [fact], "{text}");
        }
        for text in [
            "I'm wearing my new glasses and they feel weird.",
            "I'm drinking a coffee right now.",
            "I'm playing chess with my son.",
            "My train was late again.",
            "My son ran off with my phone.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
        // What the user does at this minute lasts when they say so.
        for (text, fact) in [
            (
                "I'm eating less meat these days.",
                "The user is eating less meat these days.",
            ),
            (
                "I'm drinking less coffee lately.",
                "The user is drinking less coffee lately.",
            ),
        ] {
            assert_eq!(said(text), [fact], "{text}");
        }
    }

    #[test]
    fn chat_fillers_denials_since_ever_modest_roles_and_what_one_is_in_for_good_are_facts() {
        // Found on set H (messages as users type them, labelled before the rules saw it).
        for (text, fact) in [
            (
                "ngl i've never liked olives",
                "The user has never liked olives.",
            ),
            (
                "I'm a bit of a night owl, I do my best work after midnight.",
                "The user is a bit of a night owl.",
            ),
            (
                "I never learned to ride a bike.",
                "The user never learned to ride a bike.",
            ),
            (
                "I'm in a wheelchair, so step-free access matters to me.",
                "The user is in a wheelchair.",
            ),
        ] {
            assert_eq!(said(text), [fact], "{text}");
        }
        for text in [
            "My laptop keeps crashing whenever I open Photoshop.",
            "I'm in a meeting.",
            "honestly I'm exhausted, long week",
            "I'm a bit tired.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
    }

    #[test]
    fn what_lasts_is_a_fact_and_how_the_day_goes_is_not() {
        // Found on a second set of everyday statements, written before the rules were run on it.
        for (text, fact) in [
            (
                "I've lived in Canada for six years.",
                "The user has lived in Canada for six years.",
            ),
            ("I'm gluten intolerant.", "The user is gluten intolerant."),
            ("I'm colour blind.", "The user is colour blind."),
            (
                "I'm currently unemployed.",
                "The user is currently unemployed.",
            ),
            (
                "I was a chef before I became a developer.",
                "The user was a chef before the user became a developer.",
            ),
            (
                "I run every morning before work.",
                "The user runs every morning before work.",
            ),
            ("I swim.", "The user swims."),
            (
                "I broke my leg last summer.",
                "The user broke the user's leg last summer.",
            ),
            (
                "My sister just had a baby girl.",
                "The user's sister just had a baby girl.",
            ),
            // A third set, also written before the rules were run on it.
            (
                "I've been vegetarian for about five years now.",
                "The user has been vegetarian for about five years now.",
            ),
            (
                "We live in a small flat in Glasgow.",
                "The user and others live in a small flat in Glasgow.",
            ),
            (
                "I studied chemistry at Edinburgh.",
                "The user studied chemistry at Edinburgh.",
            ),
            (
                "I'm really into bouldering these days.",
                "The user is really into bouldering these days.",
            ),
            (
                "I can't stand horror movies.",
                "The user cannot stand horror movies.",
            ),
            (
                "I volunteer at a food bank on Sundays.",
                "The user volunteers at a food bank on Sundays.",
            ),
            (
                "I've never been to Asia.",
                "The user has never been to Asia.",
            ),
            ("I wear glasses.", "The user wears glasses."),
            (
                "I quit smoking two years ago.",
                "The user quit smoking two years ago.",
            ),
            ("I used to live in Rome.", "The user used to live in Rome."),
            // A fourth set, also written before the rules were run on it.
            (
                "I've had asthma since I was a kid.",
                "The user has had asthma since the user was a kid.",
            ),
            ("I have ADHD.", "The user has ADHD."),
            (
                "I work as a barista while I finish my degree.",
                "The user works as a barista while the user finishes the user's degree.",
            ),
        ] {
            assert_eq!(said(text), [fact], "{text}");
        }
        for text in [
            "My meeting got cancelled.",
            "I'm excited about the weekend.",
            "I'm bored at work.",
            "I'm almost done with the report.",
            "I'm writing an email to my boss.",
            "I have a few questions about Rust.",
            "I have no idea.",
            "My phone is dying.",
            "I was a bit late.",
            "I'm running late for work.",
            "I'm just checking something.",
            "I'm really tired.",
            "We have a problem.",
            "We like it.",
            "My flight is delayed.",
            "I've had a cold for a week.",
            // A fifth set, scored before these two were fixed.
            "I have a quick question.",
            "I like the second option.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
        // Someone's life goes on in the present: "is studying" is what she does these months.
        assert_eq!(
            said("My sister is studying law in Leeds."),
            ["The user's sister is studying law in Leeds."]
        );
    }

    #[test]
    fn one_of_several_values_replaces_another() {
        let subject = |text: &str| subjects(text)[0].clone();
        // Where one is married, divorced or single, one state replaces the other.
        assert_eq!(
            subject("I recently got divorced."),
            subject("I'm married to Anna.")
        );
        assert_eq!(subject("I'm single."), subject("I'm engaged."));
        assert_eq!(subject("I'm vegan now."), subject("I'm vegetarian."));
        assert_ne!(subject("I'm vegan now."), subject("I'm married."));
        // The name the user goes by, however said.
        assert_eq!(subject("My name's Dave."), subject("Call me Pete."));
        assert_eq!(subject("I go by Liz."), subject("My name is Elizabeth."));
        // A new job is where the user works now.
        assert_eq!(
            subject("I just started a new job at Spotify."),
            subject("I work at Google.")
        );
        assert_eq!(
            subject("I started working at a bakery."),
            subject("I work at a hospital.")
        );
        // Liking and not standing something are feelings about it.
        assert_eq!(
            subject("I can't stand horror movies."),
            subject("I love horror movies.")
        );
        assert_eq!(
            subject("I'm really into bouldering."),
            subject("I hate bouldering.")
        );
        // Where the user lived or worked adds up; it does not replace where they live now.
        assert_ne!(subject("I lived in Rome."), subject("I live in Dublin."));
        assert_ne!(subject("I lived in Rome."), subject("I lived in Paris."));
        // A statement with someone else about the user is the user's.
        assert_eq!(
            subject("My wife and I live in Porto."),
            subject("I live in Dublin.")
        );
    }

    #[test]
    fn questions_moods_plans_and_hypotheticals_are_not_facts() {
        for text in [
            "Is my sister a nurse?",
            "I'm going to the shops later.",
            "I'm not sure about that.",
            "If I lived in Paris I would walk everywhere.",
            "Maybe my brother is right about it.",
            "Thanks, that helps.",
            "I have to leave early today.",
            "I like that idea a lot.",
            "Red, yellow and blue.",
            "I have a meeting at 3pm.",
            "I'm in London this week.",
            "I like your style.",
            "I hate when that happens.",
        ] {
            assert!(said(text).is_empty(), "{text}: {:?}", said(text));
        }
    }

    #[test]
    fn only_a_statement_that_replaces_the_last_one_shares_its_subject() {
        let subject = |text: &str| subjects(text)[0].clone();
        // Where someone moved is where they live now, however it is said.
        assert_eq!(
            subject("I moved to Berlin last year."),
            subject("I live in Dublin.")
        );
        assert_eq!(
            subject("My sister Hanna moved to Oslo."),
            subject("My sister Hanna lives in Kraków.")
        );
        assert_eq!(
            subject("I've been living in Berlin since 2019."),
            subject("I live in Dublin.")
        );
        assert_eq!(
            subject("I have been working at Google for three years."),
            subject("I work at a bakery.")
        );
        // Purchases and possessions add up.
        assert_ne!(
            subject("I bought a blue tent for camping."),
            subject("I bought a red kayak for the summer.")
        );
        assert_ne!(
            subject("I have a dog called Rex."),
            subject("I have a car.")
        );
        // A feeling about the same thing replaces the last one; about another thing it does not.
        assert_eq!(subject("I like jazz a lot."), subject("I hate jazz now."));
        assert_ne!(
            subject("I like jazz a lot."),
            subject("I like hiking in the hills.")
        );
        // A verb with a direct object is about that object.
        assert_ne!(
            subject("I moved my workouts to the early mornings."),
            subject("I moved my desk to the spare room.")
        );
        // "Now" says when, not what: the favourite band is still the favourite band.
        assert_eq!(
            subject("My favourite band is Wet Leg."),
            subject("I'm over them, my favourite band right now is Big Thief.")
        );
        // Someone in the user's life has many facts: where she lives does not replace what
        // she does, nor does being vegetarian replace a job; a new job does.
        assert_ne!(
            subject("My sister Hanna is a nurse."),
            subject("My sister Hanna lives in Kraków.")
        );
        assert_eq!(
            subject("My sister Hanna is a nurse."),
            subject("Funny story, my sister Hanna is a vet now.")
        );
        assert_eq!(
            subject("My sister lives in Kraków."),
            subject("My sister lives in Oslo now.")
        );
        assert_ne!(
            subject("I'm a software engineer at a bank."),
            subject("I'm vegetarian since January.")
        );
        assert_eq!(subject("I'm a night nurse."), subject("I'm a teacher now."));
        // A thing's statement gives its one value.
        assert_eq!(
            subject("My car is a red Volvo."),
            subject("My car is a blue Skoda now.")
        );
        // Where one answer replaces the last.
        assert_eq!(
            subject("I live in Kraków."),
            subject("I live in Porto now.")
        );
        assert_eq!(
            subject("I moved to Kraków last year."),
            subject("I moved to Porto.")
        );
        assert_eq!(
            subject("I work at a bakery downtown."),
            subject("I work at the hospital.")
        );
    }

    #[test]
    fn facts_about_one_subject_share_an_id_prefix() {
        let turn = |id: &str, text: &str| SourceTurn {
            id: id.into(),
            session: "s".into(),
            time: chrono::DateTime::UNIX_EPOCH,
            speaker: "Maya".into(),
            text: text.into(),
        };
        let old = extract(&turn("t1", "My favourite tea is green tea."));
        let new = extract(&turn("t9", "My favourite tea is rooibos now."));
        assert_eq!(old[0].subject, "maya|favourite tea");
        assert_eq!(old[0].text, "Maya's favourite tea is green tea.");
        assert!(new[0].id.starts_with(&subject_prefix(&old[0].subject)));
        assert_ne!(old[0].id, new[0].id);
        assert_eq!(
            prefix_of(&new[0].id),
            Some(subject_prefix(&old[0].subject).as_str())
        );
        assert_eq!(prefix_of("n-0193abc"), None);
    }
}
