#!/usr/bin/env python3
"""Generates a synthetic memory evaluation set: long two-person conversations over months, and
questions with known evidence turns, in five categories (single fact, multi-hop across sessions,
temporal, changed preference where the latest wins, unanswerable); and chats between the user and
the assistant, with the user's first-person questions about what they said of themselves
(first_person) and about what they never said (first_person_unanswerable).

Deterministic for a seed. Facts are hidden among varied small talk, and most questions paraphrase
their evidence rather than repeat it, so word overlap alone does not find them.

    python3 scripts/gen-eval.py --out DIR [--seed 7] [--sessions 44] [--turns 52]

writes DIR/conversations.jsonl (the `mneme import conversations` format) and DIR/questions.jsonl
({"question", "evidence": [turn ids], "kind", "answer"}; unanswerable questions have no evidence).
"""

import argparse
import datetime as dt
import json
import os
import random

PEOPLE = ("Maya", "Tom")

# Small talk: templates x slots, so filler rarely repeats and shares words with facts by chance.
FILLER = [
    "The {weather} today made me want to stay inside with {drink}.",
    "Work was {mood} this week, too many {work_thing}.",
    "Did you see the news about {news}? Wild.",
    "I walked past {place} on the way home and it was packed.",
    "Honestly I just need a quiet weekend with {drink} and a film.",
    "My neighbour is {neighbour_act} again, at seven in the morning.",
    "I'm thinking of reorganising the {room} this weekend.",
    "Traffic on the ring road was {mood} again.",
    "Ha, that sounds like {person_ref}.",
    "I finally caught up on sleep, felt {mood2} afterwards.",
    "We should try {place} sometime, people keep talking about it.",
    "The {weather} is supposed to last until {weekday}.",
    "I spent way too long choosing {small_buy} at the shop.",
    "Sorry, I was half asleep, what did you say about {news}?",
    "Remind me to send you that {media} later.",
    "I keep forgetting to water the {plant}.",
    "It's been one of those {mood} {weekday}s.",
    "Do you ever just sit in the car for ten minutes before going in?",
    "I watched a documentary about {doc} last night.",
    "The bakery near {place} has new {pastry}, worth it.",
    "Yes! Exactly what I was thinking.",
    "That's fair. I'd probably do the same.",
    "No way, really? Tell me more.",
    "Hmm, not sure about that one.",
    "Oh that reminds me, I still owe you for {small_buy}.",
    "My inbox is a disaster after {weekday}.",
    "I tried meditating for {minutes} minutes and gave up after five.",
    "The lift in our building broke again, so stairs it is.",
    "I'm so tired of {work_thing}, seriously.",
    "Let's catch up properly next week, I'm wiped out.",
]
SLOTS = {
    "weather": ["rain", "fog", "heat", "wind", "drizzle", "grey sky", "sunshine", "cold snap"],
    "drink": ["tea", "hot chocolate", "a coffee", "lemonade", "mint tea", "cocoa"],
    "mood": ["brutal", "slow", "chaotic", "fine", "exhausting", "weird", "calm"],
    "mood2": ["human", "brand new", "slightly better", "weirdly energetic"],
    "work_thing": ["meetings", "emails", "spreadsheets", "deadlines", "status calls", "reviews"],
    "news": ["the election", "the transit strike", "the new stadium", "the heatwave", "the bridge closure", "the solar eclipse"],
    "place": ["the market", "the old cinema", "the harbour", "the new food hall", "the museum", "the station", "the park café"],
    "neighbour_act": ["drilling", "vacuuming", "practising drums", "moving furniture", "mowing the lawn"],
    "room": ["kitchen", "hallway", "spare room", "bookshelf", "wardrobe", "garage"],
    "person_ref": ["something my uncle would say", "my old flatmate", "a sitcom plot", "my manager on a Monday"],
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "small_buy": ["socks", "a new mug", "batteries", "a birthday card", "a phone case", "light bulbs"],
    "media": ["podcast", "article", "video", "playlist", "recipe"],
    "plant": ["basil", "fern", "cactus", "orchid", "tomato plants"],
    "doc": ["octopuses", "deep sea vents", "the Apollo missions", "bees", "glaciers", "ancient Rome"],
    "pastry": ["cinnamon buns", "croissants", "custard tarts", "pretzels"],
    "minutes": ["ten", "twenty", "fifteen"],
}

# Single facts: (statement, question, answer). {p} is the speaker, {o} the other person.
FACTS = [
    ("We finally adopted a beagle from the shelter, we named him {x}.", "What is the name of {p}'s dog?", ["Pepper", "Biscuit", "Waffles", "Rocket"]),
    ("I started learning the {x} in a class on Thursday evenings.", "Which instrument is {p} learning?", ["cello", "clarinet", "banjo", "trumpet"]),
    ("My sister {x} just got engaged, we're all thrilled.", "Who in {p}'s family got engaged?", ["Lena", "Agnieszka", "Priya", "Marta"]),
    ("I've been reading {x} on my commute, can't put it down.", "What book has {p} been reading while travelling to work?", ["Dune", "Middlemarch", "The Hobbit", "Beloved"]),
    ("I'm allergic to {x}, found out the hard way at a wedding.", "What food allergy does {p} have?", ["shellfish", "peanuts", "kiwi", "sesame"]),
    ("We booked a trip to {x} for the autumn holidays.", "Where is {p} going on the autumn holiday?", ["Lisbon", "Kyoto", "Reykjavik", "Naples"]),
    ("My new job is at a {x} downtown, I start on Monday.", "Where did {p} get a new job?", ["law firm", "hospital lab", "game studio", "bike shop"]),
    ("I bought a second-hand {x}, it's bright red.", "What vehicle did {p} buy used?", ["Vespa", "Volvo estate", "cargo bike", "camper van"]),
    ("My grandmother turns {x} next month, we're planning a party.", "How old is {p}'s grandmother turning?", ["90", "85", "100", "95"]),
    ("I signed up for the {x} marathon in spring.", "Which marathon did {p} register for?", ["Berlin", "Valencia", "Boston", "Rotterdam"]),
    ("I've gone vegetarian since {x}, mostly for the climate.", "Since when has {p} been vegetarian?", ["January", "my birthday", "the summer", "last Easter"]),
    ("Our pottery class meets on {x} nights at the community centre.", "When does {p}'s pottery class meet?", ["Tuesday", "Wednesday", "Friday", "Sunday"]),
    ("I painted the bedroom {x}, it feels so calm now.", "What colour did {p} paint the bedroom?", ["sage green", "navy blue", "terracotta", "pale yellow"]),
    ("My brother {x} moved back in with us for a few months.", "Which sibling moved in with {p}?", ["Jonas", "Karim", "Ollie", "Mateo"]),
    ("I'm volunteering at the {x} on Saturdays now.", "Where does {p} volunteer on weekends?", ["food bank", "animal shelter", "library", "community garden"]),
    ("I passed my driving test on the {x} try!", "On which attempt did {p} pass the driving test?", ["third", "second", "fourth", "first"]),
    ("We're growing {x} on the balcony this year.", "What is {p} growing on the balcony?", ["chillies", "strawberries", "courgettes", "lavender"]),
    ("I broke my {x} skiing, six weeks in a cast.", "What did {p} break while skiing?", ["wrist", "ankle", "collarbone", "thumb"]),
    ("My favourite band right now is {x}, I have their album on repeat.", "Which band does {p} have on repeat?", ["Khruangbin", "Wet Leg", "Fontaines D.C.", "Big Thief"]),
    ("I took up {x} at the climbing gym near work.", "What sport did {p} take up near the office?", ["bouldering", "top-rope climbing", "speed climbing", "lead climbing"]),
    ("My daughter {x} started school this week.", "What is the name of {p}'s daughter who started school?", ["Zoe", "Ines", "Mila", "Hana"]),
    ("I adopted two cats, {x} and her sister.", "What is one of {p}'s cats called?", ["Mochi", "Luna", "Tofu", "Nori"]),
    ("I got a tattoo of a {x} on my forearm.", "What tattoo did {p} get?", ["compass", "swallow", "fern leaf", "lighthouse"]),
    ("We're renovating the {x} and it's chaos.", "Which room is {p} renovating?", ["bathroom", "attic", "kitchen", "basement"]),
    ("I learned to make {x} from my neighbour.", "What dish did {p} learn from a neighbour?", ["pierogi", "dumplings", "paella", "baklava"]),
    ("Our landlord finally agreed to let us keep a {x}.", "What pet is {p} now allowed to keep?", ["rabbit", "hamster", "budgie", "ferret"]),
    ("I got my {x} certificate after months of evening study.", "What qualification did {p} earn by studying at night?", ["accounting", "sommelier", "first aid", "Spanish B2"]),
    ("My partner surprised me with tickets to see {x} live.", "Which act is {p} going to see thanks to a surprise gift?", ["Radiohead", "Adele", "Björk", "Coldplay"]),
    ("I sold my old {x} online, got a decent price.", "What did {p} sell on the internet?", ["piano", "drum kit", "sofa", "road bike"]),
    ("The doctor says I need glasses for {x}.", "Why does {p} need glasses?", ["reading", "driving", "screen work", "distance"]),
    ("I joined a choir that sings {x}.", "What kind of music does {p}'s choir sing?", ["gospel", "sea shanties", "madrigals", "jazz standards"]),
    ("We're fostering a {x}-year-old boy for the summer.", "How old is the child {p} is fostering?", ["seven", "nine", "twelve", "five"]),
    ("I've been sleeping badly since the {x} moved in upstairs.", "Who disturbed {p}'s sleep by moving in above?", ["drummer", "family with twins", "dog breeder", "night-shift baker"]),
    ("My dad is recovering from {x} surgery, he's doing okay.", "What operation did {p}'s father have?", ["knee", "heart", "hip", "cataract"]),
    ("I'm saving up for a trip to see the {x}.", "What sight is {p} saving money to visit?", ["northern lights", "pyramids", "Great Barrier Reef", "Machu Picchu"]),
    ("Our book club picked {x} for next month.", "Which book did {p}'s reading group choose?", ["Circe", "Stoner", "Piranesi", "Normal People"]),
    ("I finally fixed the {x} myself, no plumber needed.", "What household repair did {p} do without a professional?", ["leaking tap", "boiler", "shower drain", "toilet cistern"]),
    ("My best friend {x} is moving to Canada.", "Which friend of {p} is emigrating to Canada?", ["Hanna", "Diego", "Freya", "Omar"]),
    ("I switched my phone to {x}, the battery lasts forever.", "What phone does {p} use now?", ["a Pixel", "an iPhone", "a Fairphone", "a Nokia"]),
    ("We planted a {x} tree in the garden for the baby.", "What tree was planted in {p}'s garden?", ["cherry", "apple", "oak", "magnolia"]),
    ("I've been commissioned to paint a mural at the {x}.", "Where is {p} painting a mural?", ["primary school", "train station", "youth club", "hospital"]),
    ("My son {x} scored the winning goal on Saturday.", "Which of {p}'s children scored the winning goal?", ["Felix", "Arjun", "Luca", "Noah"]),
    ("I'm taking a course in {x} at the community college.", "What is {p} studying at the community college?", ["welding", "photography", "Italian", "bookkeeping"]),
    ("The vet said our dog needs a special {x} diet.", "What diet did the vet recommend for {p}'s dog?", ["low-fat", "grain-free", "kidney", "hypoallergenic"]),
    ("My grandfather taught me to play {x} when I was small.", "What game did {p}'s grandfather teach them?", ["backgammon", "chess", "mahjong", "cribbage"]),
    ("I won a {x} in the office raffle.", "What did {p} win in a raffle at work?", ["weekend spa break", "coffee machine", "bicycle", "hamper"]),
    ("I'm running the {x} stall at the school fair.", "Which stall is {p} in charge of at the fair?", ["cake", "tombola", "book swap", "face painting"]),
    ("My flat is on the {x} floor, no lift.", "Which floor does {p} live on?", ["fifth", "fourth", "sixth", "third"]),
    ("I got a puppy-training gig at the {x} on weekends.", "Where does {p} train puppies?", ["pet store", "rescue centre", "dog park", "kennel club"]),
]

# Multi-hop: two statements in different sessions; the question needs both.
HOPS = [
    ("My cousin {x} moved to Oslo last month.", "{x} from Oslo just started as a nurse at the university hospital.",
     "What job does {p}'s cousin in Oslo have now?", ["Lena", "Karin", "Sofia", "Ana"], "nurse"),
    ("My friend {x} is opening a café.", "{x}'s café opened on Harbour Street, it's called Driftwood.",
     "What is the name of the café {p}'s friend opened?", ["Sam", "Noor", "Iris", "Theo"], "Driftwood"),
    ("My uncle {x} restores old boats.", "{x} finished the sailing boat, he named it Albatross.",
     "What did {p}'s uncle call the boat he restored?", ["Piotr", "Hugo", "Walter", "Emil"], "Albatross"),
    ("My colleague {x} is training for a triathlon.", "{x} finished the triathlon in under three hours!",
     "How did {p}'s colleague do in the race they trained for?", ["Dana", "Ravi", "Leo", "Mei"], "under three hours"),
    ("My old teacher {x} wrote a novel.", "{x}'s novel is about a lighthouse keeper in Cornwall.",
     "What is the novel by {p}'s former teacher about?", ["Mrs Hart", "Mr Okafor", "Ms Lind", "Mr Brandt"], "a lighthouse keeper"),
    ("My neighbour {x} keeps bees.", "{x} gave us a jar, the bees made heather honey this year.",
     "What kind of honey did {p}'s neighbour's bees make?", ["Greta", "Tomasz", "Bill", "Aiko"], "heather honey"),
    ("My aunt {x} bought a vineyard.", "{x}'s first vintage is a dry riesling.",
     "What wine did {p}'s aunt make first?", ["Rosa", "Edith", "Clara", "Yuki"], "dry riesling"),
    ("My flatmate {x} got into a band.", "{x}'s band plays at the Blue Lantern on Friday.",
     "Where is {p}'s flatmate's band playing?", ["Kai", "Bea", "Finn", "Lola"], "the Blue Lantern"),
    ("My boss {x} is leaving the company.", "{x} is going to run a ski school in Austria.",
     "What will {p}'s departing boss do next?", ["Frank", "Helga", "Marco", "Sunita"], "run a ski school"),
    ("My godson {x} is applying to universities.", "{x} got into Edinburgh to study geology!",
     "What will {p}'s godson study?", ["Rory", "Ben", "Ivo", "Sami"], "geology"),
]

# Changed preferences: an early statement, later replaced.
CHANGES = [
    ("My favourite tea is {a}, I drink it every morning.", "I've gone off {a} completely, it's all {b} for me now.",
     "What tea does {p} drink these days?", ("green tea", "rooibos"), ("earl grey", "chamomile")),
    ("I'm working from the {a} most days.", "I moved my desk, I work from the {b} now.",
     "Where does {p} work from now?", ("kitchen table", "spare room"), ("living room", "library")),
    ("I commute by {a}.", "I gave up on the {a}, I cycle to work now instead of that.",
     "How does {p} get to work now?", ("bus", "bike"), ("train", "bike")),
    ("My go-to running route is along the {a}.", "New favourite running route: the {b}, so much quieter.",
     "Which running route does {p} prefer now?", ("river", "forest trail"), ("canal", "hill loop")),
    ("I'm really into {a} at the moment.", "Not into {a} anymore, I've switched to {b}.",
     "What hobby is {p} into currently?", ("knitting", "woodworking"), ("crosswords", "chess")),
    ("My usual coffee order is a {a}.", "I stopped ordering {a}, it's a {b} every time now.",
     "What coffee does {p} order nowadays?", ("flat white", "cortado"), ("latte", "americano")),
    ("We shop at the {a} every week.", "We don't go to the {a} anymore, we get everything at the {b}.",
     "Where does {p} do the weekly shopping now?", ("supermarket", "farmers' market"), ("corner shop", "co-op")),
    ("I go to the gym in the {a}.", "I've moved my workouts to the {b}, much emptier.",
     "When does {p} go to the gym now?", ("evenings", "early mornings"), ("mornings", "lunch break")),
    ("I'm using {a} for notes.", "Dropped {a}, I keep all my notes in {b} now.",
     "Which app does {p} use for notes these days?", ("Evernote", "Obsidian"), ("OneNote", "a paper notebook")),
    ("My favourite show is {a}.", "I'm over {a}, my favourite now is {b}.",
     "What is {p}'s favourite show at the moment?", ("The Office", "Severance"), ("Friends", "The Bear")),
]

# Unanswerable: about things never said.
NEVER = [
    "What is the name of {p}'s horse?",
    "Which university did {p}'s grandfather attend?",
    "What colour is {p}'s boat?",
    "How many goldfish does {p} have?",
    "What is {p}'s favourite opera?",
    "Where did {p} go scuba diving?",
    "What is the name of {p}'s parrot?",
    "Which chess opening does {p} always play?",
    "What brand is {p}'s motorbike?",
    "What did {p} win at the poetry slam?",
    "Which mountain did {p} climb in Peru?",
    "What is {p}'s tortoise called?",
    "What language is {p} learning in night school in Tokyo?",
    "Who was {p}'s best man?",
    "What is the name of {p}'s yacht?",
]

REPLIES = [
    "Oh nice, {o} would love that.",
    "That's big news!",
    "How do you feel about it?",
    "No way! Congratulations.",
    "Ha, of course you did.",
    "Wow, I had no idea.",
    "Send me a photo sometime.",
    "That sounds lovely.",
]


def filler(rng):
    t = rng.choice(FILLER)
    for k, v in SLOTS.items():
        while "{" + k + "}" in t:
            t = t.replace("{" + k + "}", rng.choice(v), 1)
    return t


ASSISTANT_REPLIES = [
    "That sounds lovely.",
    "Good to know, thanks for telling me.",
    "How did that go?",
    "I hope it goes well.",
    "Tell me more about it whenever you like.",
    "That must have been quite something.",
]


def asked_by_me(question):
    """A question about {p} as the user asks it about themselves ("What is my dog called?")."""
    q = question.replace("{p}'s", "my")
    for verb, mine in (("does", "do"), ("is", "am"), ("has", "have"), ("did", "did"), ("was", "was")):
        q = q.replace(f"{verb} {{p}}", f"{mine} I")
    q = q.replace("{p} is ", "I am ").replace("{p} has ", "I have ")
    for before in ("with", "taught", "for", "to"):
        q = q.replace(f"{before} {{p}}", f"{before} me")
    q = q.replace("teach them", "teach me")
    return q.replace("{p}", "I").replace("{o}", "my friend")


def chats_with_the_assistant(rng, days, sessions=10, turns_each=16, facts=24):
    """Sessions between the user (speaker "user", as the chat saves them) and the assistant, with
    `facts` statements hidden in small talk; first-person questions about them, and first-person
    questions about things never said."""
    planned = {s: [] for s in range(sessions)}
    questions = []
    for statement, question, answers in rng.sample(FACTS, facts):
        x = rng.choice(answers)
        s = rng.randrange(sessions)
        planned[s].append(statement.format(x=x))
        questions.append(({"question": asked_by_me(question), "kind": "first_person", "answer": x},
                          (s, len(planned[s]) - 1)))
    unanswerable = [{"question": asked_by_me(q), "evidence": [], "kind": "first_person_unanswerable",
                     "answer": None} for q in rng.sample(NEVER, 10)]
    turns, ids = [], {}
    for s in range(sessions):
        sid = f"me-{s + 1:02d}"
        body = []
        for _ in range(turns_each // 2):
            body += [(filler(rng), "user", None), (rng.choice(ASSISTANT_REPLIES), "assistant", None)]
        for k, text in enumerate(planned[s]):
            at = 2 * rng.randrange(len(body) // 2 + 1)
            body[at:at] = [(text, "user", k), (rng.choice(ASSISTANT_REPLIES), "assistant", None)]
        day = days[(2 * s + 1) % len(days)] + dt.timedelta(hours=3)
        for n, (text, speaker, k) in enumerate(body):
            tid = f"{sid}-t{n + 1:03d}"
            time = day + dt.timedelta(minutes=2 * n)
            turns.append({"session": sid, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          "speaker": speaker, "role": speaker, "text": text, "id": tid})
            if k is not None:
                ids[(s, k)] = tid
    for q, slot in questions:
        q["evidence"] = [ids[slot]]
    return turns, [q for q, _ in questions] + unanswerable


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sessions", type=int, default=44)
    ap.add_argument("--turns", type=int, default=52)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    start = dt.datetime(2025, 3, 3, 19, 0, tzinfo=dt.timezone.utc)
    days = [start + dt.timedelta(days=5 * i + rng.randint(0, 3)) for i in range(args.sessions)]

    # Plan where each statement goes: (session, statement, speaker, question record or None).
    planned = {s: [] for s in range(args.sessions)}
    questions = []

    def place(session, text, speaker):
        planned[session].append((text, speaker))
        return (session, len(planned[session]) - 1)

    pending = []  # (question dict, [slots]) resolved to turn ids after layout
    for i, (statement, question, answers) in enumerate(FACTS):
        for p in PEOPLE:
            x = rng.choice(answers)
            s = rng.randrange(args.sessions)
            slot = place(s, statement.format(x=x), p)
            o = PEOPLE[1 - PEOPLE.index(p)]
            pending.append(({"question": question.format(p=p, o=o), "kind": "single", "answer": x}, [slot]))
            # A dated variant of some of them: the question names when it was said.
            if i % 2 == 0:
                month = days[s].strftime("%B %Y")
                pending.append(({"question": f"In {month}, what did {p} mention about this: {question.format(p=p, o=o)[:-1].lower()}?",
                                 "kind": "temporal", "answer": x}, [slot]))
    for first, second, question, names, answer in HOPS:
        for p in PEOPLE:
            x = rng.choice(names)
            a = rng.randrange(args.sessions // 2)
            b = rng.randrange(args.sessions // 2 + 1, args.sessions)
            s1 = place(a, first.format(x=x), p)
            s2 = place(b, second.format(x=x), p)
            pending.append(({"question": question.format(p=p), "kind": "multi_hop", "answer": answer}, [s1, s2]))
    for early, late, question, pair1, pair2 in CHANGES:
        for p, (a, b) in zip(PEOPLE, (pair1, pair2)):
            s1 = rng.randrange(args.sessions // 3)
            s2 = rng.randrange(2 * args.sessions // 3, args.sessions)
            place(s1, early.format(a=a), p)
            slot = place(s2, late.format(a=a, b=b), p)
            pending.append(({"question": question.format(p=p), "kind": "changed", "answer": b}, [slot]))
    # Temporal questions about what was said in a given month (no paraphrase of the fact itself).
    for q in NEVER:
        for p in PEOPLE:
            questions.append({"question": q.format(p=p), "evidence": [], "kind": "unanswerable", "answer": None})

    # Lay out each session: filler with the planned statements at random places, each followed
    # by the other person's reply.
    turns = []
    ids = {}
    for s in range(args.sessions):
        sid = f"chat-{s + 1:02d}"
        statements = planned[s]
        body = []
        for n in range(args.turns):
            body.append((filler(rng), PEOPLE[n % 2], None))
        for k, (text, speaker) in enumerate(statements):
            at = rng.randrange(len(body) + 1)
            other = PEOPLE[1 - PEOPLE.index(speaker)]
            body.insert(at, (text, speaker, k))
            body.insert(at + 1, (rng.choice(REPLIES).format(o=speaker), other, None))
        for n, (text, speaker, k) in enumerate(body):
            tid = f"{sid}-t{n + 1:03d}"
            time = days[s] + dt.timedelta(minutes=2 * n)
            turns.append({"session": sid, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          "speaker": speaker, "role": "user" if speaker == PEOPLE[0] else "other",
                          "text": text, "id": tid})
            if k is not None:
                ids[(s, k)] = tid
    for q, slots in pending:
        q["evidence"] = [ids[slot] for slot in slots]
        questions.append(q)
    rng.shuffle(questions)
    # Chats with the assistant, after the rest so that it stays as it was for a seed: the user
    # says things about themselves ("I'm allergic to kiwi") and later asks in the first person.
    me_turns, me_questions = chats_with_the_assistant(random.Random(args.seed + 1), days)
    turns += me_turns
    questions += me_questions
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "conversations.jsonl"), "w") as f:
        for t in turns:
            f.write(json.dumps(t) + "\n")
    with open(os.path.join(args.out, "questions.jsonl"), "w") as f:
        for q in questions:
            f.write(json.dumps(q) + "\n")
    kinds = {}
    for q in questions:
        kinds[q["kind"]] = kinds.get(q["kind"], 0) + 1
    print(f"{len(turns)} turns in {args.sessions} sessions, {len(questions)} questions: {kinds}")


if __name__ == "__main__":
    main()
