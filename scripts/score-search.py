#!/usr/bin/env python3
"""Scores `mneme memory search` the way the held-out check does: imports a set into a fresh data
dir with `mneme import conversations F --wait`, asks every answerable question with
`mneme memory search --queries Q -k 20 --kind chunk --json`, and counts the evidence turns whose
ids are in the `source_turns` of the results within the first 1,300 characters (the first result
always counts). Unlike `mneme bench recall`, whose clock is the day after the set's last turn,
this searches at today's date, as a user importing an old conversation would.

    python3 scripts/score-search.py CONVERSATIONS QUESTIONS [--mneme PATH] [--misses] [--budget N]

--budget changes the 1,300 characters: the hand-written sets' turns are short (57–73 characters
on average, about 17 results in 1,300), so 1,300 characters hide how well the first few rank;
where turns run to 100–150 characters, 1,300 holds 8–12 of them, as 650 does here.

(one JSON line per query: {"query", "results"}) and prints one JSON line: {"evidence",
"found", "recall"}; with --misses, each missed question first.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

BUDGET_CHARS = 1300


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("conversations")
    parser.add_argument("questions")
    parser.add_argument("--mneme", default="mneme", help="the mneme binary (default: on PATH)")
    parser.add_argument("--misses", action="store_true", help="print each missed question")
    parser.add_argument("--budget", type=int, default=BUDGET_CHARS, help="characters of results that count")
    args = parser.parse_args()
    with open(args.questions, encoding="utf-8") as f:
        questions = [json.loads(line) for line in f if line.strip()]
    questions = [q for q in questions if q.get("evidence")]
    with tempfile.TemporaryDirectory(prefix="mneme-score-") as home:
        env = dict(os.environ, MNEME_HOME=home)
        run = lambda *a: subprocess.run(
            [args.mneme, *a], env=env, check=True, capture_output=True, text=True
        ).stdout
        try:
            run("import", "conversations", args.conversations, "--wait")
            queries = os.path.join(home, "queries.txt")
            with open(queries, "w", encoding="utf-8") as f:
                f.write("".join(q["question"] + "\n" for q in questions))
            out = run("memory", "search", "--queries", queries, "-k", "20", "--kind", "chunk", "--json")
        finally:
            subprocess.run([args.mneme, "daemon", "stop"], env=env, capture_output=True)
    answers = [json.loads(line) for line in out.splitlines() if line.strip()]
    found = evidence = 0
    for question, answer in zip(questions, answers):
        used, covered = 0, set()
        for i, result in enumerate(answer["results"]):
            used += len(result["text"])
            if i > 0 and used > args.budget:
                break
            covered.update(result["source_turns"])
        hits = [e for e in question["evidence"] if e in covered]
        found += len(hits)
        evidence += len(question["evidence"])
        if args.misses and len(hits) < len(question["evidence"]):
            print(f"missed: {question['question']} {question['evidence']}", file=sys.stderr)
    print(json.dumps({"evidence": evidence, "found": found, "recall": found / max(evidence, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
