//! The words the fact rules read: verbs that state something, moods that do not, the people in a
//! user's life. Data, kept apart from the rules in `facts` that use it.

/// Verbs after "I" that state something lasting, with their third-person form.
pub(super) const STATING_VERBS: &[(&str, &str)] = &[
    ("live", "lives"),
    ("work", "works"),
    ("love", "loves"),
    ("like", "likes"),
    ("hate", "hates"),
    ("prefer", "prefers"),
    ("have", "has"),
    ("own", "owns"),
    ("drive", "drives"),
    ("play", "plays"),
    ("speak", "speaks"),
    ("study", "studies"),
    ("teach", "teaches"),
    ("commute", "commutes"),
    ("eat", "eats"),
    ("drink", "drinks"),
    ("smoke", "smokes"),
    ("moved", "moved"),
    ("adopted", "adopted"),
    ("bought", "bought"),
    ("started", "started"),
    ("switched", "switched"),
    ("married", "married"),
    ("was born", "was born"),
    ("grew up", "grew up"),
    ("am allergic", "is allergic"),
];

/// Statements that add up rather than replace: a new purchase is not a correction of the last.
pub(super) const ADDING_UP: &[&str] = &[
    "has", "owns", "bought", "adopted", "plays", "speaks", "teaches", "started", "eats", "drinks",
    "smokes",
];

/// Feelings: a newer one about the same thing replaces the older ("likes jazz", "hates jazz").
pub(super) const FEELINGS: &[&str] = &["loves", "likes", "hates"];

/// Words that end the object of a statement ("a red kayak for the summer" → "red kayak").
pub(super) const OBJECT_ENDS: &[&str] = &[
    "for", "in", "at", "to", "with", "from", "on", "of", "a", "lot", "now", "very", "much", "and",
    "but", "because", "since", "when", "every", "each", "last", "this", "these", "anymore",
    "either", "again", "ever", "really",
];

/// Verbs that make "my X … <verb> …" a statement about X.
pub(super) const MY_VERBS: &[&str] = &[
    "is", "are", "was", "were", "lives", "works", "moved", "started", "turns", "turned", "has",
    "got", "loves", "likes", "studies", "plays", "goes",
];

/// Words saying when, not what, in "my favourite X now is …".
pub(super) const TIME_WORDS: &[&str] = &[
    "now",
    "right",
    "currently",
    "nowadays",
    "lately",
    "these",
    "days",
    "still",
];

/// "My X is …" about the conversation rather than the person's life.
pub(super) const META_NOUNS: &[&str] = &[
    "question",
    "point",
    "bad",
    "guess",
    "answer",
    "problem",
    "issue",
    "idea",
    "fault",
    "pleasure",
    "mistake",
    "turn",
    "understanding",
    "request",
];

/// "I'm …" continuations that are moods or plans, not facts about the person.
pub(super) const PASSING_STATES: &[&str] = &[
    "sorry",
    "not",
    "going",
    "thinking",
    "sure",
    "so",
    "just",
    "really",
    "tired",
    "glad",
    "happy",
    "trying",
    "looking",
    "wondering",
    "afraid",
    "fine",
    "ok",
    "okay",
    "here",
    "back",
    "done",
    "on",
    "off",
    "about",
    "still",
    "also",
    "feeling",
    // "I'm over X": done with it, not a fact about X.
    "over",
    // "I'm in London this week", "I'm at work": where the user is now.
    "in",
    "at",
];

/// What one has for a moment, or not at all, after "I have" / "I don't have" ("a meeting at
/// 3pm", "a question", "time for this").
pub(super) const HAD_FOR_A_MOMENT: &[&str] = &[
    "meeting",
    "question",
    "questions",
    "appointment",
    "call",
    "idea",
    "problem",
    "issue",
    "doubt",
    "exam",
    "test",
    "interview",
    "deadline",
    "headache",
    "cold",
    "date",
    "plan",
    "plans",
    "feeling",
    "suggestion",
    "request",
    "time",
    "much",
    "enough",
    "fun",
    "anything",
    "clue",
    "choice",
];

/// Words after a stating verb that point at what was said or who is talked to, so the statement
/// says nothing about the user on its own ("I like it", "I like your style", "I hate when that
/// happens").
pub(super) const POINTERS: &[&str] = &[
    "it", "that", "this", "you", "your", "yours", "them", "their", "his", "her", "its", "him",
    "when", "how", "what",
];

/// Words that make a sentence hypothetical or a question rather than a statement.
pub(super) const HEDGES: &[&str] = &[
    "if", "maybe", "might", "would", "could", "should", "perhaps", "wish", "hope", "whether",
];

/// Single words after "I'm" that say what lasts about a person, not how they feel right now
/// ("I'm vegetarian" against "I'm starving").
pub(super) const LASTING_STATES: &[&str] = &[
    "vegetarian",
    "vegan",
    "pescatarian",
    "coeliac",
    "celiac",
    "diabetic",
    "teetotal",
    "married",
    "single",
    "divorced",
    "engaged",
    "widowed",
    "separated",
    "retired",
    "unemployed",
    "self-employed",
    "freelance",
    "pregnant",
    "left-handed",
    "right-handed",
    "colourblind",
    "colorblind",
    "deaf",
    "blind",
    "bilingual",
    "trilingual",
    "autistic",
    "dyslexic",
    "sober",
];

/// "-ing" words after "I'm" for what someone is doing over months ("I'm learning Spanish"),
/// not this evening ("I'm leaving", "I'm cooking").
pub(super) const ONGOING: &[&str] = &[
    "learning",
    "studying",
    "training",
    "teaching",
    "writing",
    "building",
    "renovating",
    "expecting",
    "raising",
];

/// What follows "I'm a" about a moment or a mood, not a role ("I'm a mess", "I'm a bit tired").
pub(super) const NOT_ROLES: &[&str] = &[
    "mess", "bit", "wreck", "little", "lot", "genius", "fan", "pain", "idiot", "fool",
];

/// Verbs a three-word sentence can state a fact with ("I speak Polish", "I hate mornings");
/// "I have time" is not one.
pub(super) const SHORT_VERBS: &[&str] = &[
    "live", "work", "love", "like", "hate", "prefer", "drive", "play", "speak", "study", "teach",
    "commute", "eat", "drink", "smoke",
];

/// Habits a verb states with no object: "I smoke", "I don't drive".
pub(super) const HABITS: &[&str] = &["smoke", "drink", "drive"];

/// Words after a verb in a short sentence that say when or where, not what ("I work tomorrow"),
/// or point at what was just said ("I like both").
pub(super) const SHORT_STOPS: &[&str] = &[
    "here",
    "there",
    "home",
    "today",
    "tomorrow",
    "tonight",
    "now",
    "too",
    "late",
    "early",
    "hard",
    "again",
    "alone",
    "lots",
    "more",
    "less",
    "so",
    "well",
    "out",
    "fast",
    "later",
    "not",
    "yours",
    "both",
    "all",
    "everything",
    "everyone",
    "nothing",
    "one",
    "ones",
    "those",
    "these",
    "either",
];

/// Ways of saying "not" before a verb, with how many words they take.
pub(super) const DENIALS: &[(&str, usize)] = &[
    ("don't", 1),
    ("do not", 2),
    ("can't", 1),
    ("cannot", 1),
    ("can not", 2),
    ("never", 1),
    ("no longer", 2),
];

/// Pronouns that stand for the person the clause before was about.
pub(super) const PRONOUNS: &[&str] = &["he", "she", "they"];

/// Words that open a clause without changing what it states ("and I live in …", "now my …").
pub(super) const CLAUSE_OPENERS: &[&str] =
    &["and", "but", "so", "now", "then", "also", "plus", "though"];

/// Nouns for the people (and animals) in the user's life: each has many facts of its own.
pub(super) const PEOPLE: &[&str] = &[
    "sister",
    "brother",
    "sibling",
    "siblings",
    "twin",
    "mother",
    "mum",
    "mom",
    "father",
    "dad",
    "parents",
    "wife",
    "husband",
    "partner",
    "spouse",
    "son",
    "daughter",
    "kid",
    "kids",
    "child",
    "children",
    "baby",
    "boyfriend",
    "girlfriend",
    "fiancé",
    "fiancée",
    "fiance",
    "fiancee",
    "friend",
    "friends",
    "boss",
    "manager",
    "colleague",
    "coworker",
    "cousin",
    "aunt",
    "uncle",
    "grandmother",
    "grandma",
    "granny",
    "grandfather",
    "grandpa",
    "grandparents",
    "grandson",
    "granddaughter",
    "niece",
    "nephew",
    "flatmate",
    "roommate",
    "housemate",
    "neighbour",
    "neighbor",
    "stepson",
    "stepdaughter",
    "stepmother",
    "stepfather",
    "dog",
    "cat",
    "puppy",
    "kitten",
    "horse",
    "parrot",
    "rabbit",
    "hamster",
];
