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
    ("use", "uses"),
    ("take", "takes"),
    ("run", "runs"),
    ("swim", "swims"),
    ("cycle", "cycles"),
    ("cook", "cooks"),
    ("bake", "bakes"),
    ("knit", "knits"),
    ("ski", "skis"),
    ("surf", "surfs"),
    ("climb", "climbs"),
    ("hike", "hikes"),
    ("meditate", "meditates"),
    ("broke", "broke"),
    ("wear", "wears"),
    ("volunteer", "volunteers"),
    ("support", "supports"),
    ("follow", "follows"),
    ("listen", "listens"),
    ("keep", "keeps"),
    ("collect", "collects"),
    ("suffer", "suffers"),
    ("ride", "rides"),
    ("sing", "sings"),
    ("dance", "dances"),
    ("rent", "rents"),
    // Only with an activity: "I go swimming every Tuesday" (see `WITH_AN_ACTIVITY_ONLY`).
    ("go", "goes"),
    ("can't stand", "cannot stand"),
    ("cannot stand", "cannot stand"),
    // What was so for a while: "I lived in Rome", "I studied chemistry at Edinburgh".
    ("lived", "lived"),
    ("worked", "worked"),
    ("studied", "studied"),
    ("taught", "taught"),
    ("owned", "owned"),
    ("quit", "quit"),
    ("used to", "used to"),
    ("moved", "moved"),
    ("adopted", "adopted"),
    ("bought", "bought"),
    ("started", "started"),
    ("switched", "switched"),
    ("married", "married"),
    ("was born", "was born"),
    ("grew up", "grew up"),
    ("got married", "got married"),
    ("got divorced", "got divorced"),
    ("got engaged", "got engaged"),
    ("got promoted", "got promoted"),
    ("retired", "retired"),
    ("graduated", "graduated"),
    ("learned", "learned"),
    ("learnt", "learnt"),
    ("am allergic", "is allergic"),
    // Only with an achievement: "I wrote a novel", "I ran a marathon" (see
    // `WITH_AN_ACHIEVEMENT_ONLY`).
    ("wrote", "wrote"),
    ("published", "published"),
    ("ran", "ran"),
    ("climbed", "climbed"),
    ("won", "won"),
    ("founded", "founded"),
    ("earned", "earned"),
    ("got", "got"),
];

/// Verbs that state a fact only of a name: "I support Liverpool", "I follow Formula 1" (not "I
/// support the idea", "I follow the steps").
pub(super) const OF_A_NAME_ONLY: &[&str] = &["support", "follow"];

/// Verbs that state a habit only with an activity after them: "I go swimming every Tuesday",
/// not "I go to bed", "I go crazy".
pub(super) const WITH_AN_ACTIVITY_ONLY: &[&str] = &["go"];

/// Past verbs that state a fact only of an achievement: "I wrote a novel during lockdown", "I got
/// my driving licence last year" (not "I wrote an email", "I got a coffee", "I ran late").
pub(super) const WITH_AN_ACHIEVEMENT_ONLY: &[&str] = &[
    "wrote",
    "published",
    "ran",
    "climbed",
    "won",
    "founded",
    "earned",
    "got",
];

/// What a life counts as done: the objects of [`WITH_AN_ACHIEVEMENT_ONLY`].
pub(super) const ACHIEVEMENTS: &[&str] = &[
    "novel",
    "book",
    "thesis",
    "dissertation",
    "album",
    "marathon",
    "company",
    "startup",
    "business",
    "award",
    "medal",
    "championship",
    "licence",
    "license",
    "degree",
    "diploma",
    "phd",
    "doctorate",
    "scholarship",
    "belt",
    "citizenship",
    "kilimanjaro",
    "everest",
];

/// "I'm afraid of heights": a fear of something (not "afraid of the exam", "afraid so").
pub(super) const FEARS: &[&str] = &["afraid", "scared", "terrified", "frightened"];

/// Statements that add up rather than replace: a new purchase is not a correction of the last
/// (achievements, [`WITH_AN_ACHIEVEMENT_ONLY`], add up too).
pub(super) const ADDING_UP: &[&str] = &[
    "has", "owns", "bought", "adopted", "plays", "speaks", "teaches", "started", "eats", "drinks",
    "smokes", "uses", "takes", "wears", "keeps", "collects", "suffers", "lived", "worked",
    "studied", "taught", "owned", "used to", "learned", "learnt",
];

/// Past events that need no object: "I got married", "I retired".
pub(super) const COMPLETE_EVENTS: &[&str] = &[
    "got married",
    "got divorced",
    "got engaged",
    "got promoted",
    "retired",
    "graduated",
];

/// Words between "I" and its verb that leave what is stated as it is ("I recently got
/// divorced", "I also have a cat").
pub(super) const ADVERBS: &[&str] = &[
    "just",
    "recently",
    "finally",
    "also",
    "still",
    "actually",
    "usually",
    "always",
    "often",
    "sometimes",
    "mostly",
    "normally",
    "now",
    "really",
    "rarely",
    "seldom",
    "generally",
    "typically",
    // How much: "I'm pretty sure", "I'm quite tired".
    "pretty",
    "quite",
    "very",
    "fairly",
    "totally",
    "absolutely",
    "completely",
];

/// Adverbs of how often that make any verb after them a habit: "I usually skip breakfast", "I
/// always forget people's names".
pub(super) const FREQUENCIES: &[&str] = &[
    "usually",
    "always",
    "often",
    "normally",
    "rarely",
    "seldom",
    "generally",
    "typically",
];

/// "-ing" forms of stating verbs that say what the user is doing at this moment ("I'm drinking a
/// coffee", "I'm playing chess with my son"), unless said to last ("… these days", "every …").
pub(super) const DONE_NOW_WHEN_ONGOING: &[&str] = &[
    "wearing",
    "eating",
    "drinking",
    "listening",
    "playing",
    "singing",
    "dancing",
    "cooking",
    "baking",
    "riding",
    "driving",
    "smoking",
    "hiking",
    "climbing",
    "swimming",
    "surfing",
    "skiing",
    "knitting",
    "going",
];

/// Words that make what the user is doing last ("I'm eating less meat these days").
pub(super) const LASTING_NOW: &[&str] = &[
    "nowadays", "lately", "every", "days", "weekly", "daily", "times", "twice",
];

/// Spans that make what the user has been doing a part of their life: "I've been coding in
/// Rust for three years" (not "I've been waiting for two hours").
pub(super) const LONG_SPANS: &[&str] = &["years", "months", "decades", "decade", "year"];

/// Studies a person is in for years: "I'm doing a PhD in linguistics", "I'm taking a master's".
pub(super) const STUDIES: &[&str] = &[
    "phd",
    "doctorate",
    "masters",
    "master's",
    "mba",
    "degree",
    "apprenticeship",
    "residency",
];

/// Verbs that pursue [`STUDIES`] ("I'm doing / taking / finishing a PhD").
pub(super) const PURSUING: &[&str] = &["doing", "taking", "pursuing", "finishing", "starting"];

/// Verbs that say what the user thinks, wants or does in the talk, not a habit, even after
/// "always" ("I always think …", "I usually ask …").
pub(super) const NOT_HABITS: &[&str] = &[
    "think", "know", "want", "need", "mean", "guess", "wonder", "feel", "say", "tell", "ask",
    "see", "hope", "wish", "try", "get", "do", "am", "be", "can", "will", "could", "would",
    "should", "must", "thought", "find", "end", "seem",
];

/// Counts before what the user has had: "I've had two knee operations".
pub(super) const COUNTS: &[&str] = &[
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "several", "many",
];

/// What a person is on for months: "I'm on a low-sodium diet", "I'm on insulin" (not "I'm on
/// my way", "I'm on it").
pub(super) const REGIMENS: &[&str] = &[
    "diet",
    "medication",
    "medications",
    "meds",
    "insulin",
    "antidepressants",
    "dialysis",
];

/// Words that make a present-tense statement about now only ("my train is late again", "my
/// laptop is slow today"); a past event is dated by them instead ("I started a new job today").
/// "Right now" is not one: "my favourite band right now is …" is what the user likes now.
pub(super) const MOMENT_WORDS: &[&str] = &[
    "today",
    "tonight",
    "again",
    "this morning",
    "this afternoon",
    "this evening",
    "this week",
    "this weekend",
    "later",
];

/// States of which a person is in one at a time: a newer one replaces the older ("I'm married"
/// then "I got divorced", "I'm vegetarian" then "I'm vegan now").
pub(super) const ONE_OF: &[(&str, &[&str])] = &[
    (
        "relationship status",
        &[
            "married",
            "single",
            "divorced",
            "engaged",
            "widowed",
            "separated",
        ],
    ),
    ("diet", &["vegetarian", "vegan", "pescatarian"]),
    (
        "employment",
        &["retired", "unemployed", "self-employed", "freelance"],
    ),
];

/// Feelings: a newer one about the same thing replaces the older ("likes jazz", "hates jazz").
pub(super) const FEELINGS: &[&str] = &["loves", "likes", "hates", "cannot stand"];

/// Words that end the object of a statement ("a red kayak for the summer" → "red kayak").
pub(super) const OBJECT_ENDS: &[&str] = &[
    "for", "in", "at", "to", "with", "from", "on", "of", "a", "lot", "now", "very", "much", "and",
    "but", "because", "since", "when", "every", "each", "last", "this", "these", "anymore",
    "either", "again", "ever", "really",
];

/// Verbs that make "my X … <verb> …" a statement about X.
pub(super) const MY_VERBS: &[&str] = &[
    "is", "are", "was", "were", "lives", "works", "moved", "started", "turns", "turned", "has",
    "got", "loves", "likes", "studies", "plays", "goes", "died", "passed", "had",
];

/// Past verbs that tell a person's history ("my grandfather fought in the Korean War", "my mum
/// taught maths for years"), not an errand of the day ("my son dropped his phone").
pub(super) const LIFE_PASTS: &[&str] = &[
    "fought",
    "taught",
    "won",
    "built",
    "grew",
    "became",
    "wrote",
    "founded",
    "raised",
    "ran",
    "served",
    "emigrated",
    "trained",
    "worked",
    "studied",
    "lived",
    "retired",
    "graduated",
];

/// What "my X is a …" says of how a thing is now, not what it is ("my inbox is a disaster",
/// "my desk is a total mess"; "my car is an old Volvo" stays a fact).
pub(super) const STATES_OF_A_THING: &[&str] = &[
    "disaster",
    "mess",
    "nightmare",
    "wreck",
    "zoo",
    "circus",
    "pigsty",
    "tip",
    "joke",
    "pain",
];

/// Verbs that say what happened to someone ("my sister got married", "… had a baby"), not to a
/// thing ("my meeting got cancelled").
pub(super) const HAPPENED_TO_SOMEONE: &[&str] = &["got", "had"];

/// How a thing is today ("my flight is delayed", "my internet is down"): not a fact about it.
pub(super) const THINGS_NOW: &[&str] = &[
    "delayed",
    "cancelled",
    "canceled",
    "broken",
    "late",
    "down",
    "dead",
    "gone",
    "stuck",
    "crashed",
    "frozen",
    "lost",
    "missing",
    "empty",
    "full",
    "ready",
    "done",
    "over",
    "slow",
    "cold",
    "hot",
    "wrong",
];

/// Nouns for what a person does or likes, so "my hobby is gardening" is a fact where "my phone
/// is dying" is not.
pub(super) const IDENTITY_NOUNS: &[&str] = &[
    "hobby",
    "hobbies",
    "job",
    "work",
    "career",
    "passion",
    "dream",
    "goal",
    "favourite",
    "favorite",
    "speciality",
    "specialty",
    "thing",
    "major",
    "field",
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
    // How the user feels or how far along they are now.
    "excited",
    "bored",
    "almost",
    "nearly",
    "worried",
    "nervous",
    "stressed",
    "anxious",
    "upset",
    "angry",
    "annoyed",
    "sad",
    "scared",
    "hungry",
    "thirsty",
    "sick",
    "busy",
    "late",
    "ready",
    "exhausted",
    "confused",
    "curious",
    "stuck",
    "free",
    "available",
    "sleepy",
    "cold",
    "hot",
    // What one does for an hour ("I'm heading to the office", "I'm asking for a friend"), not
    // for months ("I'm volunteering at the shelter", "I'm taking a course").
    "heading",
    "leaving",
    "coming",
    "eating",
    "having",
    "asking",
    // Plans and errands: "I'm planning to paint the kitchen", "I'm meeting my sister later".
    "planning",
    "hoping",
    "meaning",
    "wanting",
    "aiming",
    "intending",
    "meeting",
    "kidding",
    "joking",
    "sitting",
    "waiting",
    "watching",
    "cooking",
    "walking",
    "getting",
    "making",
    "doing",
    "talking",
    "saying",
    "telling",
    "calling",
    "texting",
    "typing",
    "sleeping",
    "resting",
    "relaxing",
    "listening",
    "packing",
    "cleaning",
    "shopping",
    "checking",
];

/// What one has or takes for a moment, or not at all, after "I have" / "I don't have" / "I take"
/// ("a meeting at 3pm", "a question", "time for this", "a break").
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
    // "I take a break", "I take a look".
    "break",
    "look",
    "nap",
    "shower",
    "walk",
    "minute",
    "moment",
    "second",
    "seat",
    "guess",
    // "I'm writing an email to my boss".
    "email",
    "message",
    "text",
    "reply",
    "letter",
    "note",
    "comment",
    "post",
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

/// What the user picks among the assistant's offers ("I like the second option", "I prefer the
/// shorter version"): a choice in the talk, not a taste.
pub(super) const CHOICES: &[&str] = &[
    "option",
    "options",
    "version",
    "versions",
    "suggestion",
    "suggestions",
    "answer",
    "answers",
    "explanation",
    "example",
    "examples",
    "draft",
    "one",
    "approach",
    "choice",
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
    "shortsighted",
    "longsighted",
    "nearsighted",
    "farsighted",
    "deaf",
    "blind",
    "bilingual",
    "trilingual",
    "autistic",
    "dyslexic",
    "sober",
    // "I'm gluten intolerant", "I'm lactose intolerant".
    "intolerant",
];

/// Words before the thing had in "I have a few questions", "I have no idea".
pub(super) const QUANTIFIERS: &[&str] = &[
    "a", "an", "any", "some", "no", "few", "several", "many", "lots", "of",
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
    "living",
    "working",
    "commuting",
    "saving",
];

/// What the user is in for good, not for the afternoon ("I'm in a wheelchair", "I'm in a band";
/// not "I'm in a meeting", "I'm in the car").
pub(super) const IN_FOR_GOOD: &[&str] = &[
    "wheelchair",
    "band",
    "choir",
    "orchestra",
    "relationship",
    "army",
    "navy",
    "recovery",
    "remission",
    "union",
];

/// What follows "I'm a" about a moment or a mood, not a role ("I'm a mess", "I'm a bit tired").
pub(super) const NOT_ROLES: &[&str] = &[
    "mess", "bit", "wreck", "little", "lot", "genius", "fan", "pain", "idiot", "fool",
];

/// Verbs a three-word sentence can state a fact with ("I speak Polish", "I hate mornings");
/// "I have time" is not one.
pub(super) const SHORT_VERBS: &[&str] = &[
    "live",
    "work",
    "love",
    "like",
    "hate",
    "prefer",
    "drive",
    "play",
    "speak",
    "study",
    "teach",
    "commute",
    "eat",
    "drink",
    "smoke",
    "run",
    "swim",
    "cycle",
    "cook",
    "bake",
    "knit",
    "ski",
    "surf",
    "climb",
    "hike",
    "meditate",
    "wear",
    "volunteer",
    "support",
    "follow",
    "ride",
    "sing",
    "dance",
    "rent",
    "keep",
    "collect",
];

/// Habits a verb states with no object: "I smoke", "I don't drive".
pub(super) const HABITS: &[&str] = &[
    "smoke", "drink", "drive", "run", "swim", "cycle", "cook", "bake", "knit", "ski", "surf",
    "climb", "hike", "meditate",
];

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
/// Chat fillers count as openers too ("ngl I've never liked olives", "tbh I hate flying").
pub(super) const CLAUSE_OPENERS: &[&str] = &[
    "and", "but", "so", "now", "then", "also", "plus", "though", "ngl", "tbh", "btw", "fyi",
    "honestly", "actually", "well", "oh", "lol",
];

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

/// Past tenses that do not end in "-ed", left as they are after "I" in a retold clause ("when I
/// was twelve", "before I became a developer"), as are the words that take no "-s".
pub(super) const KEPT_AFTER_I: &[&str] = &[
    "was",
    "were",
    "will",
    "would",
    "can",
    "could",
    "should",
    "might",
    "must",
    "may",
    "shall",
    "did",
    "didn't",
    "can't",
    "cannot",
    "won't",
    "wouldn't",
    "couldn't",
    "shouldn't",
    "had",
    "never",
    "went",
    "saw",
    "got",
    "met",
    "became",
    "began",
    "came",
    "left",
    "made",
    "took",
    "gave",
    "found",
    "knew",
    "thought",
    "told",
    "said",
    "felt",
    "kept",
    "lost",
    "paid",
    "sold",
    "spent",
    "won",
    "wrote",
    "read",
    "ran",
    "swam",
    "ate",
    "drank",
    "drove",
    "spoke",
    "taught",
    "bought",
    "brought",
    "caught",
    "broke",
    "chose",
    "fell",
    "flew",
    "forgot",
    "grew",
    "held",
    "hurt",
    "let",
    "led",
    "put",
    "quit",
    "rode",
    "sat",
    "set",
    "slept",
    "stood",
    "threw",
    "understood",
    "woke",
    "wore",
    "sent",
    "built",
    "heard",
    "used",
];

/// Words after "I" with a third-person form of their own.
pub(super) const THIRD_PERSON: &[(&str, &str)] = &[
    ("am", "is"),
    ("have", "has"),
    ("do", "does"),
    ("don't", "doesn't"),
    ("haven't", "hasn't"),
    ("go", "goes"),
];
