#!/usr/bin/env python3
"""Generate mneme's recall evaluation set: months of chat between two friends, with questions whose evidence turns are known.

Writes (deterministically, seed fixed):
  assets/eval/conversations.jsonl  one turn per line, the `mneme import conversations` format
  assets/eval/questions.jsonl      {"question": str, "evidence": [turn ids], "kind": str}

Facts are stated once in passing, surrounded by small talk; some change later (the question then asks
for the latest). Questions paraphrase the facts, so neither word overlap nor meaning alone finds them all.
"""

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "assets" / "eval"
A, B = "Maya", "Tom"

SMALL_TALK = [
    ("Morning! How did you sleep?", "Not bad, the neighbours were quiet for once."),
    ("Did you see the match last night?", "Only the second half, it was a tense finish."),
    ("It's been raining all day here.", "Same here, I haven't left the house."),
    ("What are you up to this weekend?", "Nothing planned yet, maybe a long walk."),
    ("I'm so tired today.", "Coffee helps. Or an early night."),
    ("Have you watched anything good lately?", "A documentary about octopuses, surprisingly gripping."),
    ("Work was chaotic today.", "Sounds like you deserve a quiet evening."),
    ("I finally cleaned the kitchen.", "Impressive, mine still looks like a battlefield."),
    ("The bus was late again.", "That route is hopeless in the mornings."),
    ("I tried a new recipe tonight.", "Did it turn out well?"),
    ("How is your week going?", "Busy but fine, thanks for asking."),
    ("I can't believe it's already this late in the year.", "Time flies, honestly."),
    ("My phone battery died twice today.", "Maybe it's time for a new one."),
    ("Any plans for dinner?", "Leftovers, probably. Exciting life."),
    ("I went for a run this morning.", "Good for you, I managed to stay in bed."),
    ("The garden needs so much work.", "Spring always sneaks up on us."),
]

# (speaker, statement, question, kind, optional later update (statement, question-for-latest))
FACTS = [
    (A, "By the way, I adopted a rescue greyhound last week, we named him Biscuit.", "What is the name of Maya's dog?", "single"),
    (B, "I've started learning the cello, my teacher is an old man called Mr. Havel.", "Who teaches Tom music?", "single"),
    (A, "My brother Lukas just moved to Lisbon for a job at a bank.", "Which city did Maya's brother move to?", "single"),
    (B, "Our team at work switched to a four-day week, Fridays are off now.", "Which day does Tom no longer work?", "single"),
    (A, "I signed up for a pottery class, it's every Tuesday evening.", "When does Maya's pottery class meet?", "single"),
    (B, "My grandmother turns ninety in August, we're planning a party in Gdansk.", "How old will Tom's grandmother be?", "single"),
    (A, "I broke my wrist falling off my bike, it's in a cast for six weeks.", "What injury did Maya have?", "single"),
    (B, "We finally bought a flat, it's on the fourth floor with a tiny balcony.", "What floor is Tom's new home on?", "single"),
    (A, "My favourite author at the moment is Ursula Le Guin, I'm rereading The Dispossessed.", "Which writer does Maya like right now?", "single"),
    (B, "I'm allergic to shellfish, found out the hard way at a wedding.", "What food can Tom not eat?", "single"),
    (A, "Work is sending me to a conference in Montreal in October.", "Where is Maya travelling for work?", "single"),
    (B, "My sister Ola had a baby girl, they called her Zofia.", "What is the name of Tom's niece?", "single"),
    (A, "I got a promotion, I'm now leading the data team.", "What is Maya's new role?", "single"),
    (B, "I ran my first half marathon, finished in two hours and five minutes.", "How long did Tom take for his race?", "single"),
    (A, "We planted three apple trees at the allotment.", "What did Maya plant?", "single"),
    (B, "My car got stolen from outside the gym, the police found it a week later.", "What happened to Tom's car?", "single"),
]

CHANGING = [
    (A, "I'm vegetarian these days, no meat at all.", "Actually I started eating fish again, the vegetarian thing was too hard.",
     "Does Maya eat fish now?"),
    (B, "I'm working from the office in the old town.", "We moved offices, I now work from the new tower by the river.",
     "Where is Tom's office now?"),
    (A, "My favourite band is Radiohead, always has been.", "Lately I've been obsessed with Khruangbin, it's all I listen to.",
     "What music is Maya into lately?"),
    (B, "I'm saving up to travel to Japan next spring.", "We changed plans, next spring we're going to Peru instead.",
     "Where is Tom travelling next spring?"),
]


def main() -> None:
    rng = random.Random(20261128)
    start = datetime(2026, 1, 5, 18, 0, tzinfo=timezone.utc)
    sessions = 40
    facts = FACTS[:]
    rng.shuffle(facts)
    # Each session carries up to one fact and may carry a change's first or second half.
    fact_slots = rng.sample(range(sessions), len(facts))
    change_first = rng.sample(range(0, sessions // 2), len(CHANGING))
    change_second = [s + rng.randint(8, sessions // 2 - 1) for s in change_first]
    turns, questions = [], []
    for s in range(sessions):
        when = start + timedelta(days=4 * s + rng.randint(0, 2), minutes=rng.randint(0, 180))
        sid = f"chat-{s + 1:02d}"
        pairs = rng.sample(SMALL_TALK, 6)
        script = []  # (speaker, text, tag)
        for first, second in pairs:
            who = rng.choice([A, B])
            other = B if who == A else A
            script.append((who, first, None))
            script.append((other, second, None))
        inserts = []
        if s in fact_slots:
            inserts.append(("fact", facts[fact_slots.index(s)]))
        for i, (cs, cl) in enumerate(zip(change_first, change_second)):
            if s == cs:
                inserts.append(("change1", CHANGING[i]))
            if s == cl:
                inserts.append(("change2", CHANGING[i]))
        for tag, item in inserts:
            pos = rng.randrange(1, len(script))
            speaker = item[0]
            text = item[1] if tag in ("fact", "change1") else item[2]
            reply_to = B if speaker == A else A
            reply = rng.choice(["Oh wow, really?", "That's big news!", "Good to know.", "Tell me more about it next time.", "Ha, I did not expect that."])
            script[pos:pos] = [(speaker, text, (tag, item)), (reply_to, reply, None)]
        for n, (speaker, text, tag) in enumerate(script):
            tid = f"{sid}-t{n + 1:02d}"
            time = when + timedelta(minutes=2 * n)
            turns.append({"session": sid, "time": time.isoformat().replace("+00:00", "Z"), "speaker": speaker,
                          "role": "user" if speaker == A else "other", "text": text, "id": tid})
            if tag is None:
                continue
            kind, item = tag
            if kind == "fact":
                questions.append({"question": item[2], "evidence": [tid], "kind": "single"})
            elif kind == "change2":
                questions.append({"question": item[3], "evidence": [tid], "kind": "latest"})
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "conversations.jsonl", "w") as f:
        for t in turns:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    with open(OUT / "questions.jsonl", "w") as f:
        for q in questions:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")
    print(f"{len(turns)} turns in {sessions} sessions, {len(questions)} questions -> {OUT}")


if __name__ == "__main__":
    main()
