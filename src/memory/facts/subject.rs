//! What a fact is about (its subject: "lives in", "sister|is a", "diet"), so that only a newer
//! statement about the same thing supersedes it.

use super::lexicon::*;

/// The object a statement is about, as a short key: its first words after the preposition and
/// article, up to where the sentence moves on.
pub(super) fn object_key(rest: &[String]) -> String {
    let skip = |w: &&String| {
        matches!(
            w.as_str(),
            "in" | "at" | "as" | "to" | "for" | "with" | "a" | "an" | "the" | "my" | "some" | "our"
        )
    };
    rest.iter()
        .skip_while(skip)
        .take_while(|w| !OBJECT_ENDS.contains(&w.as_str()))
        .take(2)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a statement with the verb `told` (third person) and the words after it says something
/// about, so that only a statement about the same replaces it.
pub(super) fn what_is_said(told: &str, rest: &[String]) -> String {
    let next = rest.first().map_or("", String::as_str);
    // "is married", "got divorced", "retired": one state of a few replaces another.
    let state = match told.strip_prefix("got ") {
        Some(state) => state,
        None if matches!(told, "is" | "are" | "got") => next,
        None => told,
    };
    if let Some((group, _)) = ONE_OF.iter().find(|(_, states)| states.contains(&state)) {
        return (*group).into();
    }
    // "started a new job at Spotify", "started working at a bakery": where the user works now.
    if told == "started" {
        let mut after = rest
            .iter()
            .map(String::as_str)
            .skip_while(|x| matches!(*x, "a" | "an" | "my" | "the" | "new"));
        if let Some("job" | "working") = after.next()
            && let Some(at @ ("at" | "as" | "for")) = after.next()
        {
            return format!("works {at}");
        }
    }
    if matches!(told, "is" | "are" | "was" | "were") {
        // "is a nurse" then "is a vet now": what someone is replaces what they were. "is
        // allergic to …", "is vegetarian", "is 34" are each about something else.
        return match next {
            "a" | "an" => "is a".into(),
            "allergic" => "allergic".into(),
            "called" | "named" => "is called".into(),
            // "is into bouldering": a liking.
            "into" => format!("feels about {}", object_key(&rest[1..])),
            // "is 34", "is 34 years old", "is 35 next week"; "is 6 feet tall" is not an age.
            _ if next.chars().any(|c| c.is_ascii_digit())
                && rest.get(1).is_none_or(|unit| {
                    matches!(
                        unit.as_str(),
                        "years"
                            | "year"
                            | "now"
                            | "next"
                            | "this"
                            | "soon"
                            | "today"
                            | "in"
                            | "and"
                    )
                }) =>
            {
                "age".into()
            }
            _ => format!("is {}", object_key(rest)),
        };
    }
    if matches!(told, "turns" | "turned") {
        return "age".into();
    }
    // What the statement is about: the verb and its preposition ("lives in").
    let preposition = rest
        .first()
        .filter(|p| matches!(p.as_str(), "in" | "at" | "as" | "to" | "for" | "with"))
        .map(|p| format!(" {p}"))
        .unwrap_or_default();
    // Where one answer replaces the last ("lives in"), the verb is the subject; where answers
    // add up ("bought", "has"), so is the object; a feeling is about its object ("likes jazz"
    // then "hates jazz"). "I moved my desk": a verb with a direct object is about that object
    // ("moved my workouts" does not replace it), as "moved to" (where the user lives) is not.
    let direct_object = preposition.is_empty()
        && matches!(
            next,
            "my" | "the" | "a" | "an" | "our" | "his" | "her" | "their"
        );
    if FEELINGS.contains(&told) {
        format!("feels about {}", object_key(rest))
    } else if ADDING_UP.contains(&told) || WITH_AN_ACHIEVEMENT_ONLY.contains(&told) || direct_object
    {
        format!("{told} {}", object_key(rest))
            .trim_end()
            .to_string()
    } else if told == "moved" && preposition == " to" {
        // Where someone moved is where they live: "I moved to Berlin" replaces "I live in Dublin".
        "lives in".into()
    } else {
        format!("{told}{preposition}")
    }
}
