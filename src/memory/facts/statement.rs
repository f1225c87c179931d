//! One clause read as a fact: which first-person statements state something that lasts, and the
//! third-person sentence, subject and person each one gives.

use super::lexicon::*;
use super::subject::{object_key, what_is_said};
use super::words::*;

/// A first-person statement read as a fact.
pub(super) struct Found {
    /// What it is about ("sister|is a", "lives in"): a later fact with the same replaces it.
    pub(super) subject: String,
    /// The statement in the third person.
    pub(super) text: String,
    /// Whom it is about, as said ("My", "brother", "Olek"; "I"): what a pronoun or a clause
    /// without a subject after it stands for.
    pub(super) about: Vec<String>,
    /// Said in the present tense: said of today or "again", it holds for now only ("my train
    /// is late again"); a past event is dated by those words instead.
    pub(super) present: bool,
}

/// The fact a first-person statement states, if it is one.
pub(super) fn fact_in(w: &[String], lower: &[String], name: &str) -> Option<Found> {
    if let Some(and) = lower.windows(2).position(|p| p == ["and", "i"])
        && names_someone(&w[..and].join(" "))
    {
        let others = retell(&w[..and], name);
        return with_others(&others, as_said_alone("i", &w[and + 2..]), name);
    }
    // "We live in Glasgow", "we're vegetarian": "we" holds the user.
    if matches!(lower[0].as_str(), "we" | "we're" | "we've") {
        return with_others("others", as_said_alone(&lower[0], &w[1..]), name);
    }
    // "Call me Pete", "I go by Liz": the name the user goes by.
    let called = if lower[..2] == ["call", "me"] {
        Some(2)
    } else if lower.get(..3) == Some(&["i".into(), "go".into(), "by".into()]) {
        Some(3)
    } else {
        None
    };
    if let Some(at) = called
        && lower.len() <= at + 2
        && lower.len() > at
        && w[at..].iter().all(|x| starts_upper(x))
    {
        return Some(Found {
            subject: "name".into(),
            text: format!("{name} goes by {}", w[at..].join(" ")),
            about: vec!["I".to_string()],
            present: true,
        });
    }
    // "My sister Agnieszka is a nurse", "my favourite tea is rooibos"; "our house is in …" is
    // the user's too.
    if matches!(lower[0].as_str(), "my" | "our")
        && !META_NOUNS.contains(&lower[1].as_str())
        // The noun comes first: "my drinks are on me" is about drinks, "runs" no verb there.
        && let Some(be) = lower
            .iter()
            .enumerate()
            .skip(2)
            .position(|(at, x)| {
                says_what_they_do(x, lower.get(at + 1))
                    || said_of_many(&lower[at - 1], x)
                    || tells_their_history(&lower[1..at], x, lower.get(at + 1))
            })
            .map(|at| at + 2)
        && be <= 5
    {
        // "my sister Agnieszka": the subject is the relation, not the name.
        // "my favourite band right now": when is not what.
        let noun = lower[1..be]
            .iter()
            .zip(&w[1..be])
            .filter(|(_, original)| !original.chars().next().is_some_and(char::is_uppercase))
            .filter(|(l, _)| !TIME_WORDS.contains(&l.as_str()) && !ADVERBS.contains(&l.as_str()))
            .map(|(l, _)| l.clone())
            .collect::<Vec<_>>()
            .join(" ");
        let noun = if noun.is_empty() {
            lower[1].clone()
        } else {
            noun
        };
        // A person (or pet) has many facts, each its own subject: "my sister is a nurse" is not
        // replaced by "my sister lives in Kraków". A thing's statement gives its one value:
        // "my favourite tea is rooibos now" replaces "… is green tea".
        let someone = noun
            .split(' ')
            .next_back()
            .is_some_and(|last| PEOPLE.contains(&last));
        // "My meeting got cancelled", "my phone is dying": what happens to a thing today.
        let doing = lower.get(be + 1).map_or("", String::as_str);
        let thing_now = !someone
            && (HAPPENED_TO_SOMEONE.contains(&lower[be].as_str())
                || (matches!(lower[be].as_str(), "is" | "are")
                    && ((doing.ends_with("ing")
                        && !noun.split(' ').any(|x| IDENTITY_NOUNS.contains(&x)))
                        || THINGS_NOW.contains(&doing)
                        // "My inbox is a disaster after Monday", "my flat is a mess".
                        || (matches!(doing, "a" | "an" | "such")
                            && lower[be + 2..]
                                .iter()
                                .take(2)
                                .any(|x| STATES_OF_A_THING.contains(&x.as_str()))))));
        // "My train was late again": what happened to a thing on one day.
        let thing_that_day = !someone && past(&lower[be]) && for_now_only(lower);
        // "My laptop keeps crashing", "my son keeps asking for a dog": it happens again.
        let again_and_again = lower[be] == "keeps" && doing.ends_with("ing");
        // "My sister had to leave": an obligation.
        if thing_now || thing_that_day || again_and_again || (lower[be] == "had" && doing == "to") {
            return None;
        }
        // "My partner doesn't like spicy food" is about what "likes spicy food" says.
        // "My code doesn't compile": only a stating verb is denied as a fact.
        let (told, after) = match denied_verb(&lower[be..]) {
            Some((third, len)) => (third, be + len),
            None if matches!(lower[be].as_str(), "doesn't" | "does" | "never") => return None,
            None => (lower[be].as_str(), be + 1),
        };
        let subject = if someone {
            format!("{noun}|{}", what_is_said(told, &lower[after..]))
        } else {
            noun
        };
        return Some(Found {
            subject,
            text: format!("{} {}", possessive(name), retell(&w[1..], name)),
            about: w[..be].to_vec(),
            present: !past(&lower[be]),
        });
    }
    // "I'm a nurse", "I am allergic to peanuts", "I live in Kraków", "I switched to rooibos".
    let (start, verb_at) = match lower[0].as_str() {
        "i'm" => (1, None),
        "i" if lower[1] == "am" => (2, None),
        // "I recently got divorced": the adverb stays in the fact, the verb after it states it.
        "i" | "i've" => (
            1,
            Some(
                1 + lower[1..]
                    .iter()
                    .take_while(|x| ADVERBS.contains(&x.as_str()))
                    .count(),
            ),
        ),
        _ => return None,
    };
    let me = vec!["I".to_string()];
    // "I was a chef before I became a developer": a role the user had.
    if lower[..2] == ["i", "was"]
        && matches!(lower.get(2).map(String::as_str), Some("a" | "an"))
        && lower
            .get(3)
            .is_some_and(|role| !NOT_ROLES.contains(&role.as_str()))
    {
        return Some(Found {
            subject: "was a".into(),
            text: format!("{name} was {}", retell(&w[2..], name)),
            about: me,
            present: false,
        });
    }
    // "I've lived in Canada for six years": what lasts, said with how long.
    // "I've never liked olives", "I've always had asthma": the adverb stays in the fact, the
    // participle after it states it.
    let have_said_at = match lower.get(..2).unwrap_or(&[]) {
        [i, _] if i == "i've" => Some(1),
        [i, have] if i == "i" && have == "have" => Some(2),
        _ => None,
    };
    let have_at = have_said_at.map(|at| {
        at + lower[at..]
            .iter()
            .take_while(|x| x.as_str() == "never" || ADVERBS.contains(&x.as_str()))
            .count()
    });
    // "I've had asthma since I was a kid": had for years, not for the day.
    let had_for_years = |at: usize| {
        lower.get(at).is_some_and(|x| x == "had")
            && lower[at..]
                .iter()
                .any(|x| matches!(x.as_str(), "since" | "for"))
            && lower[at + 1..]
                .iter()
                .find(|x| !QUANTIFIERS.contains(&x.as_str()))
                .is_some_and(|thing| !HAD_FOR_A_MOMENT.contains(&thing.as_str()))
    };
    // "I've had two knee operations": what adds up over a life.
    let had_a_count_of = |at: usize| {
        lower.get(at).is_some_and(|x| x == "had")
            && lower.get(at + 1).is_some_and(|n| {
                COUNTS.contains(&n.as_str()) || n.chars().all(|c| c.is_ascii_digit())
            })
            && !lower[at + 1..]
                .iter()
                .any(|x| HAD_FOR_A_MOMENT.contains(&x.as_str()))
            && !for_now_only(lower)
    };
    if let Some(at) = have_at
        && let Some(third) = lower
            .get(at)
            .and_then(|x| participle_form(x))
            .or_else(|| (had_for_years(at) || had_a_count_of(at)).then_some("has"))
        && lower.get(at + 1).is_some_and(|next| {
            !POINTERS.contains(&next.as_str()) && !SHORT_STOPS.contains(&next.as_str())
        })
    {
        return Some(Found {
            subject: what_is_said(third, &lower[at + 1..]),
            text: format!(
                "{name} has {}",
                retell(&w[have_said_at.unwrap_or(at)..], name)
            ),
            about: me,
            present: true,
        });
    }
    // "I've never been to Asia", "I've been to Japan twice": where the user has travelled.
    if lower[0] == "i've"
        && let Some(been) = lower.iter().position(|x| x == "been")
        && lower[1..been]
            .iter()
            .all(|x| x == "never" || ADVERBS.contains(&x.as_str()))
        && lower.get(been + 1).is_some_and(|x| x == "to")
        && lower
            .get(been + 2)
            .is_some_and(|place| !POINTERS.contains(&place.as_str()))
    {
        return Some(Found {
            subject: format!("been to {}", object_key(&lower[been + 1..])),
            text: format!("{name} has {}", retell(&w[1..], name)),
            about: me,
            present: true,
        });
    }
    // "I've been living in Berlin since 2019": what lasts, said with how long.
    let been_at = match lower.get(..3).unwrap_or(&[]) {
        [i, been, ..] if i == "i've" && been == "been" => Some(2),
        [i, have, been] if i == "i" && have == "have" && been == "been" => Some(3),
        _ => None,
    };
    // "I've been a nurse for twelve years", "I've been vegetarian since 2019": what the user
    // is, said with how long.
    let role_or_state = |at: usize| match lower.get(at).map(String::as_str) {
        Some("a" | "an") => lower
            .get(at + 1)
            .is_some_and(|role| !NOT_ROLES.contains(&role.as_str())),
        Some(state) => lasting_state(state),
        None => false,
    };
    if let Some(at) = been_at
        && role_or_state(at)
    {
        return Some(Found {
            subject: what_is_said("is", &lower[at..]),
            text: format!("{name} has been {}", retell(&w[at..], name)),
            about: me,
            present: true,
        });
    }
    if let Some(at) = been_at
        && let Some(ing) = lower.get(at)
        // "I've been learning the guitar for a year": what goes on for months, said as "I'm
        // learning the guitar" would be.
        && let Some(third) = ongoing_form(ing).or((ONGOING.contains(&ing.as_str())
            || (ing.ends_with("ing") && said_for_long(&lower[at..])))
        .then_some("is"))
        && lower.len() > at + 1
        && !matches!(
            lower[at + 1].as_str(),
            "it" | "that" | "this" | "you" | "them"
        )
    {
        let subject = if third == "is" {
            what_is_said("is", &lower[at..])
        } else {
            what_is_said(third, &lower[at + 1..])
        };
        return Some(Found {
            subject,
            text: format!("{name} has been {}", retell(&w[at..], name)),
            about: me,
            present: true,
        });
    }
    match verb_at {
        None => {
            // "I'm no longer vegetarian" denies what "I'm vegetarian" said; "I'm not a morning
            // person" is a role denied ("I'm not a fan of …" is then a mood, as "I'm a fan" is).
            let not_a_role = lower.get(start).is_some_and(|x| x == "not")
                && lower
                    .get(start + 1)
                    .is_some_and(|x| matches!(x.as_str(), "a" | "an"));
            let (is, start) =
                if lower.get(start..start + 2) == Some(&["no".into(), "longer".into()]) {
                    ("is no longer", start + 2)
                } else if not_a_role {
                    ("is not", start + 1)
                } else {
                    ("is", start)
                };
            let first = lower.get(start)?;
            let then = lower.get(start + 1).map_or("", String::as_str);
            // "I'm a bit tired", "I'm 5 minutes away": how the user is now, not what they are.
            // "I'm a bit of a night owl": a role, said modestly.
            let modest_role = lower.get(start..start + 4).is_some_and(|x| {
                x[..3] == ["a", "bit", "of"] && matches!(x[3].as_str(), "a" | "an")
            });
            let for_now =
                (matches!(first.as_str(), "a" | "an") && NOT_ROLES.contains(&then) && !modest_role)
                    || (first.chars().any(|c| c.is_ascii_digit())
                        && matches!(
                            then,
                            "minutes" | "mins" | "min" | "hours" | "seconds" | "secs"
                        ));
            // "I'm writing an email": something done in an hour.
            // "I'm running late": how, not what.
            // "I'm sending this from my phone", "I'm writing to you": about the talk.
            let brief = first.ends_with("ing")
                && (SHORT_STOPS.contains(&then)
                    || POINTERS.contains(&then)
                    || (then == "to"
                        && lower
                            .get(start + 2)
                            .is_some_and(|x| POINTERS.contains(&x.as_str())))
                    || lower[start + 1..]
                        .iter()
                        .find(|x| !QUANTIFIERS.contains(&x.as_str()) && x.as_str() != "the")
                        .is_some_and(|thing| HAD_FOR_A_MOMENT.contains(&thing.as_str())));
            // "I'm currently unemployed" is about being unemployed; "I'm really tired" is a mood.
            let state = start
                + lower[start..]
                    .iter()
                    .take_while(|x| {
                        ADVERBS.contains(&x.as_str()) || TIME_WORDS.contains(&x.as_str())
                    })
                    .count();
            let passing =
                |x: Option<&String>| x.is_some_and(|x| PASSING_STATES.contains(&x.as_str()));
            let fear = a_lasting_fear(&lower[state..]);
            // "I'm on a low-sodium diet", "I'm on insulin".
            let regimen = lower[state] == "on"
                && lower[state + 1..]
                    .iter()
                    .take(4)
                    .any(|x| REGIMENS.contains(&x.as_str()));
            // "I'm fixing a bug", "I'm cleaning the flat": what the user is doing now, unless it
            // goes on for months ("I'm learning Spanish", "I'm working at a bakery").
            let lasts = lower[start..]
                .iter()
                .any(|x| LASTING_NOW.contains(&x.as_str()) || FREQUENCIES.contains(&x.as_str()));
            let doing_now = first.ends_with("ing")
                && !ONGOING.contains(&first.as_str())
                && (ongoing_form(first).is_none()
                    || DONE_NOW_WHEN_ONGOING.contains(&first.as_str()));
            // "I'm in a wheelchair", "I'm in a band".
            let in_for_good = lower[state] == "in"
                && lower[state + 1..]
                    .iter()
                    .take(3)
                    .any(|x| IN_FOR_GOOD.contains(&x.as_str()));
            // "I'm eating less meat these days": what is done now lasts when said to.
            // "I'm doing a PhD in linguistics": studies last for years.
            let studies = PURSUING.contains(&first.as_str())
                && lower[start + 1..]
                    .iter()
                    .take(3)
                    .any(|x| STUDIES.contains(&x.as_str()));
            let lasting_activity = first.ends_with("ing") && (lasts || studies);
            if (((passing(Some(first)) || passing(lower.get(state)) || brief || doing_now)
                && !lasting_activity)
                || for_now)
                && !fear
                && !regimen
                && !in_for_good
            {
                return None;
            }
            let rest = retell(&w[start..], name);
            // "I'm working at a bakery" says what "I work at a bakery" does.
            let subject = match ongoing_form(first) {
                // "is not a morning person" replaces no role the user has.
                _ if not_a_role => format!("is not a {}", object_key(&lower[start + 1..])),
                Some(third) => what_is_said(third, &lower[start + 1..]),
                None => what_is_said("is", &lower[state.min(lower.len() - 1)..]),
            };
            Some(Found {
                subject,
                text: format!("{name} {is} {rest}"),
                about: me,
                present: true,
            })
        }
        Some(at) => {
            let adverbs = w[1..at].join(" ");
            // "I don't like coffee", "I no longer work at Google": the same subject as what
            // they deny, so the newer replaces the older either way.
            // "I can't stand horror movies" is a feeling, not a denial.
            let idiom = lower.get(at + 1).is_some_and(|x| x == "stand");
            let (denied, at) = match denial(&lower[at..]).filter(|_| !idiom) {
                Some((told, len)) => (Some(told), at + len),
                None => (None, at),
            };
            let two = lower
                .get(at..at + 2)
                .map(|p| p.join(" "))
                .unwrap_or_default();
            // "I've got three kids" is what the user has, not an achievement ("I got my licence").
            let have_got = lower[0] == "i've" && lower.get(at).is_some_and(|x| x == "got");
            let found = STATING_VERBS
                .iter()
                .filter(|_| !have_got)
                .find_map(|(verb, third)| {
                    if two == *verb {
                        Some((*verb, *third, 2))
                    } else if lower.get(at) == Some(&verb.to_string()) {
                        Some((*verb, *third, 1))
                    } else {
                        None
                    }
                });
            // "I usually skip breakfast": any verb after how often is a habit.
            let habitual = lower[1..at]
                .iter()
                .any(|x| FREQUENCIES.contains(&x.as_str()))
                && lower.get(at).is_some_and(|verb| {
                    verb.chars().all(|c| c.is_ascii_lowercase())
                        && !verb.ends_with("ed")
                        && !verb.ends_with("ing")
                        && !NOT_HABITS.contains(&verb.as_str())
                });
            let conjugated;
            // "I've got three kids": what the user has.
            let (said, told, len) = match found {
                Some(found) => found,
                None if habitual && denied.is_none() => {
                    conjugated = third_person(&lower[at]);
                    (lower[at].as_str(), conjugated.as_str(), 1)
                }
                None if have_got => ("have", "has", 1),
                None => return None,
            };
            // "does not" and "cannot" take the verb as said ("does not like"); a past tense
            // ("moved") has no such form.
            let takes_base = matches!(denied, Some("does not" | "cannot"));
            if takes_base && said == told {
                return None;
            }
            let told = if lower[0] == "i've" && said == "have" {
                "has"
            } else {
                told
            };
            // "I have to go", "I like it": an obligation or a reaction, not a fact.
            let next = lower.get(at + len).map_or("", String::as_str);
            let infinitive =
                next == "to" && matches!(said, "have" | "like" | "love" | "hate" | "prefer");
            // "I have a meeting at 3pm", "I don't have time for this": had for a moment, or no
            // possession at all.
            // The object's first words, past "a few", "the" and an adjective: "a quick question".
            let object: Vec<&str> = lower[at + len..]
                .iter()
                .map(String::as_str)
                .skip_while(|x| QUANTIFIERS.contains(x) || *x == "the")
                .take_while(|x| !OBJECT_ENDS.contains(x))
                .take(3)
                .collect();
            let for_a_moment = matches!(said, "have" | "take")
                && object.iter().any(|x| HAD_FOR_A_MOMENT.contains(x));
            // "I support the idea": a verb that states a fact only of a name.
            let not_a_name = OF_A_NAME_ONLY.contains(&said)
                && !w[at + len..]
                    .iter()
                    .find(|x| !x.eq_ignore_ascii_case("the"))
                    .is_some_and(|x| starts_upper(x));
            // "I go to bed", "I go crazy": "go" states a habit only with an activity.
            let no_activity = WITH_AN_ACTIVITY_ONLY.contains(&said)
                && !(next.ends_with("ing") && next != "going");
            // "I wrote an email", "I got a coffee": a past verb that states a fact only of an
            // achievement ("I wrote a novel").
            let no_achievement = WITH_AN_ACHIEVEMENT_ONLY.contains(&said)
                && !lower[at + len..]
                    .iter()
                    .take(4)
                    .any(|x| ACHIEVEMENTS.contains(&x.as_str()));
            // "I keep getting this error": "keep" with an activity says it happens again.
            let a_repetition = said == "keep" && next.ends_with("ing");
            // "I listen to what you say": the pointer after the preposition.
            let points_after_to = next == "to"
                && lower
                    .get(at + len + 1)
                    .is_some_and(|x| POINTERS.contains(&x.as_str()));
            // "I like the second option": a choice in the talk, not a taste ("I prefer short
            // answers" is one).
            let a_choice = (FEELINGS.contains(&told) || said == "prefer")
                && next == "the"
                && object.iter().any(|x| CHOICES.contains(x));
            // "I have their album on repeat": whose is not said, so the fact would not stand alone.
            // "I like your style", "I hate when that happens": about the talk, not the user.
            // "I smoke", "I got married": a habit or an event needs no object.
            if (next.is_empty() && !HABITS.contains(&said) && !COMPLETE_EVENTS.contains(&said))
                || for_a_moment
                || a_choice
                || not_a_name
                || no_activity
                || no_achievement
                || a_repetition
                || points_after_to
                || infinitive
                || POINTERS.contains(&next)
            {
                return None;
            }
            let rest = retell(&w[at + len..], name);
            let stated = match denied {
                Some(denial) if takes_base => format!("{denial} {said}"),
                Some(denial) => format!("{denial} {told}"),
                None => told.to_string(),
            };
            let text = [name, &adverbs, &stated, &rest]
                .iter()
                .filter(|part| !part.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            Some(Found {
                subject: what_is_said(told, &lower[at + len..]),
                text,
                about: me,
                present: !past(told),
            })
        }
    }
}

/// Whether `word` (then `next`) makes "my X … <word> …" a statement about X: "is", "has",
/// "died", any stating verb in the third person ("my uncle owns a vineyard", "my son rides a
/// bike"), or a denial ("doesn't", "does not", "never"; "does" alone is no statement here).
fn says_what_they_do(word: &str, next: Option<&String>) -> bool {
    MY_VERBS.contains(&word)
        || STATING_VERBS
            .iter()
            .any(|(first, third)| word == *third && first != third && third.ends_with('s'))
        || matches!(word, "doesn't" | "never")
        || (word == "does" && next.is_some_and(|x| x == "not"))
}

/// "My grandfather fought in the Korean War": a past verb of a person's history after a noun
/// naming someone ("my grandma taught me to bake bread"), not a way out ("my son ran off").
fn tells_their_history(noun: &[String], word: &str, next: Option<&String>) -> bool {
    LIFE_PASTS.contains(&word)
        && noun.iter().any(|n| PEOPLE.contains(&n.as_str()))
        && next.is_some_and(|n| {
            !matches!(
                n.as_str(),
                "it" | "that" | "this" | "you" | "off" | "away" | "out" | "down"
            )
        })
}

/// "My kids go to a Montessori school", "my parents live in Spain": a stating verb in its plain
/// form after people in the plural.
fn said_of_many(noun: &str, word: &str) -> bool {
    noun.ends_with('s')
        && PEOPLE.contains(&noun)
        && (matches!(word, "go" | "are" | "were" | "have")
            || STATING_VERBS
                .iter()
                .any(|(first, third)| word == *first && first != third))
}

/// "doesn't like …", "does not eat …", "never drinks …": the stating verb denied (third
/// person) and how many words the denial and the verb take.
fn denied_verb(lower: &[String]) -> Option<(&'static str, usize)> {
    let len = match lower.first()?.as_str() {
        "doesn't" | "never" => 1,
        "does" if lower.get(1).is_some_and(|x| x == "not") => 2,
        _ => return None,
    };
    let verb = lower.get(len)?;
    STATING_VERBS
        .iter()
        .find(|(first, third)| verb == first || verb == third)
        .map(|(_, third)| (*third, len + 1))
}

/// Whether what follows "I'm" is a fear that lasts: "afraid of heights", "scared of dogs",
/// "terrified of flying"; not of one thing or moment ("scared of the interview", "afraid of it",
/// "afraid of losing my job").
fn a_lasting_fear(after_i_am: &[String]) -> bool {
    let [fear, of, what, rest @ ..] = after_i_am else {
        return false;
    };
    const DETERMINERS: &[&str] = &["the", "a", "an", "my", "our", "being"];
    FEARS.contains(&fear.as_str())
        && of == "of"
        && !POINTERS.contains(&what.as_str())
        && !DETERMINERS.contains(&what.as_str())
        // "afraid of flying", not "afraid of losing my job".
        && (rest.is_empty() || !what.ends_with("ing"))
        && rest.len() <= 2
}

/// "My wife Sofia and I adopted a dog", "We live in Glasgow": the user's statement, made with
/// someone (`others`: "the user's wife Sofia"; "others" for "we").
pub(super) fn with_others(others: &str, alone: Vec<String>, name: &str) -> Option<Found> {
    let lower: Vec<String> = alone.iter().map(|x| x.to_lowercase()).collect();
    if lower.len() < 3 {
        return None;
    }
    let found = fact_in(&alone, &lower, name)?;
    let said_alone = found.text.strip_prefix(&format!("{name} "))?;
    // The verb in the plural: "The user and the user's wife live in Porto."
    let mut verb_seen = false;
    let plural = said_alone
        .split(' ')
        .map(|word| {
            if verb_seen || ADVERBS.contains(&word) {
                return word;
            }
            verb_seen = true;
            match word {
                "is" => "are",
                "does" => "do",
                _ => STATING_VERBS
                    .iter()
                    .find(|(first, third)| *third == word && first != third)
                    .map_or(word, |(first, _)| first),
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    Some(Found {
        subject: found.subject,
        text: format!("{name} and {others} {plural}"),
        about: vec!["I".to_string()],
        present: found.present,
    })
}

/// What "we" or "my wife and I" said, as the user alone would say it: "are vegetarian" → "I am
/// vegetarian", "have a cat" → "I have a cat".
pub(super) fn as_said_alone(first: &str, rest: &[String]) -> Vec<String> {
    let start: &[&str] = match first.to_lowercase().as_str() {
        "we're" => &["I", "am"],
        "we've" => &["I've"],
        _ if rest.first().is_some_and(|x| x.eq_ignore_ascii_case("are")) => &["I", "am"],
        _ => &["I"],
    };
    let skip = usize::from(start.len() == 2 && !first.eq_ignore_ascii_case("we're"));
    start
        .iter()
        .map(|x| x.to_string())
        .chain(rest[skip..].iter().cloned())
        .collect()
}

/// Whether a clause of two or three words states something that lasts: "I'm vegetarian", "I'm
/// 34", "I'm a nurse", "I'm Polish", "I'm learning Spanish", "I speak Polish", "I don't smoke",
/// "Call me Pete". Most short sentences are moods or replies ("I'm starving", "I love it").
pub(super) fn short_but_lasting(w: &[String], lower: &[String]) -> bool {
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    match lower.as_slice() {
        ["i'm", rest @ ..] | ["i", "am", rest @ ..] if !rest.is_empty() && rest.len() <= 2 => {
            let original = &w[w.len() - rest.len()..];
            match rest {
                // "I'm vegan now", "I'm 35 today".
                [one] | [one, "now" | "today"] => {
                    one.chars().any(|c| c.is_ascii_digit())
                        || lasting_state(one)
                        || (starts_upper(&original[0]) && !PASSING_STATES.contains(one))
                }
                ["a" | "an", role] => !NOT_ROLES.contains(role),
                // "I'm half Irish".
                ["half" | "part", _] => starts_upper(&original[1]),
                // "I'm learning Spanish", "I'm colour blind", "I'm currently unemployed".
                [first, second] => {
                    (ONGOING.contains(first) && !SHORT_STOPS.contains(second))
                        || (lasting_state(second) && !PASSING_STATES.contains(first))
                }
                _ => false,
            }
        }
        // "I got married", "I just retired".
        ["i", rest @ ..]
            if COMPLETE_EVENTS.contains(
                &rest
                    .iter()
                    .skip_while(|x| ADVERBS.contains(x))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .as_str(),
            ) =>
        {
            true
        }
        ["i", verb] => HABITS.contains(verb),
        ["i", denied, verb] if denial(&[denied.to_string()]).is_some() => HABITS.contains(verb),
        ["i", verb, object] => {
            (SHORT_VERBS.contains(verb) && !SHORT_STOPS.contains(object))
                // "I have ADHD", "I have Netflix": a name says what.
                || (*verb == "have" && starts_upper(&w[2]))
        }
        ["call", "me", _] => starts_upper(&w[2]),
        _ => false,
    }
}

/// Whether `part` only names someone ("My wife Sofia", "Tom"): a noun phrase without a verb.
pub(super) fn names_someone(part: &str) -> bool {
    let w = words(part);
    let lower: Vec<String> = w.iter().map(|x| x.to_lowercase()).collect();
    (1..=4).contains(&w.len())
        && (matches!(lower[0].as_str(), "my" | "our") || (starts_upper(&w[0]) && lower[0] != "i"))
        && !lower
            .iter()
            .any(|x| is_a_verb(x) || matches!(x.as_str(), "i" | "i'm" | "and"))
}
