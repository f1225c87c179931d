//! Time in a question: "yesterday", "last week", "in May", "in March 2025", "two years ago",
//! "on Monday" become a span of time relative to the conversation's clock, so that a dated
//! question ranks what was said then first (`MemoryService::search_at`).

use chrono::{DateTime, Datelike, Duration, Local, NaiveDate, TimeZone, Utc, Weekday};

/// A span of time a question is about: from `start` (inclusive) to `end` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];
const NUMBERS: [&str; 13] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve",
];

fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    Local.from_local_datetime(&midnight).earliest().map_or_else(
        || Utc.from_utc_datetime(&midnight),
        |t| t.with_timezone(&Utc),
    )
}

fn days(start: NaiveDate, end: NaiveDate) -> Span {
    Span {
        start: local_midnight(start),
        end: local_midnight(end),
    }
}

fn month(year: i32, month: u32) -> Option<Span> {
    let start = NaiveDate::from_ymd_opt(year, month, 1)?;
    let end = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some(days(start, end))
}

fn year(year: i32) -> Option<Span> {
    Some(days(
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
    ))
}

fn number(word: &str) -> Option<i64> {
    match word {
        "a" | "an" => Some(1),
        "couple" => Some(2),
        "few" => Some(3),
        _ => word
            .parse()
            .ok()
            .or_else(|| NUMBERS.iter().position(|n| *n == word).map(|n| n as i64)),
    }
}

/// The words of a lower-cased question, without punctuation.
fn words_of(lower: &str) -> Vec<&str> {
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The span `question` asks about, relative to `now`, if it names one.
pub fn span(question: &str, now: DateTime<Utc>) -> Option<Span> {
    let lower = question.to_lowercase();
    let words = words_of(&lower);
    let today = now.with_timezone(&Local).date_naive();
    let has = |phrase: &[&str]| words.windows(phrase.len()).any(|w| w == phrase);
    if has(&["yesterday"]) {
        return Some(days(today - Duration::days(1), today));
    }
    if has(&["today"]) || has(&["this", "morning"]) || has(&["tonight"]) {
        return Some(days(today, today + Duration::days(1)));
    }
    let week_start = today - Duration::days(today.weekday().num_days_from_monday() as i64);
    if has(&["last", "week"]) {
        return Some(days(week_start - Duration::days(7), week_start));
    }
    if has(&["this", "week"]) {
        return Some(days(week_start, today + Duration::days(1)));
    }
    if has(&["last", "month"]) {
        let (y, m) = if today.month() == 1 {
            (today.year() - 1, 12)
        } else {
            (today.year(), today.month() - 1)
        };
        return month(y, m);
    }
    if has(&["this", "month"]) {
        return month(today.year(), today.month());
    }
    if has(&["last", "year"]) {
        return year(today.year() - 1);
    }
    if has(&["this", "year"]) {
        return year(today.year());
    }
    // "two years ago", "3 weeks ago", "a month ago": a span of that unit around then.
    if let Some(at) = words.iter().position(|w| *w == "ago")
        && at >= 2
        && let Some(n) = number(words[at - 2])
    {
        let unit = words[at - 1].trim_end_matches('s');
        let (back, width) = match unit {
            "day" => (Duration::days(n), Duration::days(1)),
            "week" => (Duration::weeks(n), Duration::weeks(1)),
            "month" => (Duration::days(30 * n), Duration::days(30)),
            "year" => (Duration::days(365 * n), Duration::days(365)),
            _ => return None,
        };
        let centre = today - back;
        return Some(days(
            centre - width / 2,
            centre + width / 2 + Duration::days(1),
        ));
    }
    if let Some((m, named_year)) = named_month(&words) {
        return month(named_year.unwrap_or_else(|| latest_year_of(m, today)), m);
    }
    // "in 2024".
    for pair in words.windows(2) {
        if matches!(pair[0], "in" | "during")
            && let Ok(y) = pair[1].parse::<i32>()
            && (1900..=2200).contains(&y)
        {
            return year(y);
        }
    }
    // "on Monday": the latest such day before today.
    for (name, weekday) in WEEKDAYS {
        if has(&["on", name]) || has(&["last", name]) {
            let back = (today.weekday().num_days_from_monday() as i64
                - weekday.num_days_from_monday() as i64)
                .rem_euclid(7);
            let back = if back == 0 { 7 } else { back };
            let day = today - Duration::days(back);
            return Some(days(day, day + Duration::days(1)));
        }
    }
    None
}

/// The month a question names ("in May", "May 2025", "in March of 2024"): its number (1 for
/// January) and the year when one is given.
fn named_month(words: &[&str]) -> Option<(u32, Option<i32>)> {
    for (i, word) in words.iter().enumerate() {
        let Some(m) = MONTH_NAMES
            .iter()
            .position(|name| name.eq_ignore_ascii_case(word))
        else {
            continue;
        };
        let year_after = words
            .get(i + 1)
            .filter(|w| **w != "of")
            .or_else(|| words.get(i + 2).filter(|_| words.get(i + 1) == Some(&"of")))
            .and_then(|w| w.parse::<i32>().ok())
            .filter(|y| (1900..=2200).contains(y));
        // "may" is also a verb: only "in may" or "may <year>" count for it.
        let preceded = i > 0 && matches!(words[i - 1], "in" | "during" | "early" | "late" | "of");
        if *word == "may" && year_after.is_none() && !preceded {
            continue;
        }
        return Some((m as u32 + 1, year_after));
    }
    None
}

/// Without a year, a month is the latest one not after today.
fn latest_year_of(month: u32, today: NaiveDate) -> i32 {
    if month <= today.month() {
        today.year()
    } else {
        today.year() - 1
    }
}

/// The name of the month that sets the span of `question` ("What play is she doing the sound
/// for in February?" → "February"), if a month does: a memory that names that month is about
/// it though it was said before ("We're doing Pygmalion in February").
pub fn month_of(question: &str, now: DateTime<Utc>) -> Option<&'static str> {
    let lower = question.to_lowercase();
    let words = words_of(&lower);
    let (m, named_year) = named_month(&words)?;
    let today = now.with_timezone(&Local).date_naive();
    let named = month(named_year.unwrap_or_else(|| latest_year_of(m, today)), m);
    (span(question, now) == named).then(|| MONTH_NAMES[m as usize - 1])
}

/// Whether `text` names `month` ("February"): as a word, and "May" only with its capital.
pub fn names_month(text: &str, month: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric()).any(|w| {
        if month == "May" {
            w == "May"
        } else {
            w.eq_ignore_ascii_case(month)
        }
    })
}

/// Which side of an event a question asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Before,
    After,
}

/// "before my trip", "after the wedding", "since our move to Porto": the side and the event's
/// words, which the memories then date (`MemoryService::search_at`).
pub fn relative_event(question: &str) -> Option<(Side, String)> {
    let lower = question.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let at = words
        .iter()
        .position(|w| matches!(*w, "before" | "after" | "since"))?;
    let side = if words[at] == "before" {
        Side::Before
    } else {
        Side::After
    };
    let rest = &words[at + 1..];
    let owner = rest
        .first()
        .filter(|w| matches!(**w, "my" | "the" | "our" | "his" | "her" | "their" | "we"))?;
    // The event: a few words after the possessive, up to where the question moves on.
    let event: Vec<&str> = rest[1..]
        .iter()
        .take_while(|w| {
            !matches!(
                **w,
                "did" | "do" | "was" | "were" | "is" | "and" | "what" | "when" | "i" | "you"
            )
        })
        .take(4)
        .copied()
        .collect();
    // "before we left": a clause, not a thing that was talked about.
    if event.is_empty() || *owner == "we" {
        return None;
    }
    Some((side, event.join(" ")))
}

/// The span on `side` of an event dated `at`.
pub fn around(side: Side, at: DateTime<Utc>, now: DateTime<Utc>) -> Span {
    match side {
        Side::Before => Span {
            start: DateTime::<Utc>::UNIX_EPOCH,
            end: at,
        },
        Side::After => Span {
            start: at,
            end: now,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_a_question_is_relative_to() {
        assert_eq!(
            relative_event("What did I buy before my trip to Lisbon?"),
            Some((Side::Before, "trip to lisbon".into()))
        );
        assert_eq!(
            relative_event("Which books did I read after the wedding?"),
            Some((Side::After, "wedding".into()))
        );
        assert_eq!(
            relative_event("What changed since our move, do you remember?"),
            Some((Side::After, "move".into()))
        );
        assert_eq!(relative_event("What did we do before we left?"), None);
        assert_eq!(relative_event("What should I eat before running?"), None);
        assert_eq!(relative_event("What is my sister's name?"), None);
    }

    fn at(date: &str) -> DateTime<Utc> {
        // Noon, so the local day is the same date in any time zone within ±11 hours.
        format!("{date}T12:00:00Z").parse().unwrap()
    }

    fn local_day(t: DateTime<Utc>) -> String {
        t.with_timezone(&Local).date_naive().to_string()
    }

    fn shown(question: &str, now: &str) -> Option<(String, String)> {
        span(question, at(now)).map(|s| (local_day(s.start), local_day(s.end)))
    }

    fn pair(a: &str, b: &str) -> Option<(String, String)> {
        Some((a.into(), b.into()))
    }

    #[test]
    fn relative_days_weeks_months_and_years() {
        // 2026-11-29 is a Sunday.
        let now = "2026-11-29";
        assert_eq!(
            shown("What did I cook yesterday?", now),
            pair("2026-11-28", "2026-11-29")
        );
        assert_eq!(
            shown("what happened last week", now),
            pair("2026-11-16", "2026-11-23")
        );
        assert_eq!(
            shown("Anything last month?", now),
            pair("2026-10-01", "2026-11-01")
        );
        assert_eq!(
            shown("What did we plan last year?", now),
            pair("2025-01-01", "2026-01-01")
        );
        assert_eq!(
            shown("What did I say on Monday?", now),
            pair("2026-11-23", "2026-11-24")
        );
        let ago = shown("What did I do two years ago?", now).unwrap();
        assert!(
            ago.0.starts_with("2024-05") && ago.1.starts_with("2025-05"),
            "{ago:?}"
        );
    }

    #[test]
    fn named_months_and_years() {
        let now = "2026-03-10";
        assert_eq!(
            shown("What did Tom cook in May?", now),
            pair("2025-05-01", "2025-06-01")
        );
        assert_eq!(shown("in February", now), pair("2026-02-01", "2026-03-01"));
        assert_eq!(
            shown("In March 2025, what did Maya say?", now),
            pair("2025-03-01", "2025-04-01")
        );
        assert_eq!(
            shown("What happened in 2024?", now),
            pair("2024-01-01", "2025-01-01")
        );
        // "may" the verb names no month; a question without time has no span.
        assert_eq!(shown("May I ask what my sister does?", now), None);
        assert_eq!(shown("Where does Maya work?", now), None);
    }

    #[test]
    fn the_month_that_sets_a_span_and_the_texts_that_name_it() {
        let now = at("2026-12-04");
        assert_eq!(
            month_of("What play was Nadia doing the sound for in February?", now),
            Some("February")
        );
        assert_eq!(
            month_of("In May 2025, what did Tom cook?", now),
            Some("May")
        );
        // A span set by something else is no month's.
        assert_eq!(month_of("What did I say last week about May?", now), None);
        assert_eq!(month_of("May I ask what my sister does?", now), None);
        assert!(names_month(
            "We're doing Pygmalion in February.",
            "February"
        ));
        assert!(names_month("from SEPTEMBER on", "September"));
        assert!(names_month("Back in May, I think.", "May"));
        assert!(!names_month("You may be right.", "May"));
        assert!(!names_month("Februarys are grim.", "February"));
    }
}
