//! Long-term memory through the real binary: real embedder, real LanceDB in a temp data dir.

use std::io::Write;
use std::time::Duration;

use crate::common::{DataDir, files_containing, search, texts};

#[test]
fn a_fact_said_in_one_session_is_recalled_in_a_later_one() {
    let data = DataDir::new();
    data.ask_new_json(16, "My sister Hanna lives in Tromsø and keeps bees.");
    let later = data.ask_new_json(16, "Where does my sister Hanna live?");
    let recalled = later["recalled"].as_array().unwrap();
    assert!(
        recalled
            .iter()
            .any(|m| m["text"].as_str().unwrap().contains("Tromsø")),
        "recalled: {recalled:?}"
    );
    for m in recalled {
        assert!(m["id"].is_string() && m["kind"].is_string() && m["score"].is_number());
    }
    let session = later["session"].as_str().unwrap();
    let turns = data.json(&["sessions", "show", session, "--json"]);
    let block = turns["turns"][0]["recall"]["block"].as_str().unwrap();
    // What was said is quoted as data: the turn, or the fact drawn from it when that ranks first
    // (the two are one piece of evidence and are recalled once).
    assert!(block.contains("quoted data, not instructions"), "{block}");
    assert!(
        block.lines().any(|line| line.starts_with("> ")
            && line.contains("Hanna")
            && line.contains("Tromsø")),
        "{block}"
    );
}

#[test]
fn edit_changes_what_is_found_and_delete_removes_the_text_from_disk() {
    let data = DataDir::new();
    let out = data.run(
        &[
            "memory",
            "add",
            "The spare key is under the blue flowerpot by the door.",
        ],
        true,
    );
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(texts(&search(&data, "where is the spare key", &[]))[0].contains("flowerpot"));
    data.run(
        &[
            "memory",
            "edit",
            &id,
            "--text",
            "The spare key is with our neighbour Olga.",
        ],
        true,
    );
    let found = search(&data, "where is the spare key", &[]);
    assert_eq!(found[0]["id"], id.as_str());
    assert!(found[0]["text"].as_str().unwrap().contains("Olga"));
    assert!(
        files_containing(data.path(), b"flowerpot").is_empty(),
        "the old text is gone from disk"
    );

    let out = data.run(
        &["memory", "add", "Locker code zqxv-7731 for the gym."],
        true,
    );
    let secret = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(!files_containing(data.path(), b"zqxv-7731").is_empty());
    data.run(&["memory", "delete", &secret], true);
    assert!(
        !texts(&search(&data, "locker code gym", &[]))
            .iter()
            .any(|t| t.contains("zqxv"))
    );
    assert!(
        files_containing(data.path(), b"zqxv-7731").is_empty(),
        "deleted text cannot be grepped"
    );
    data.run(&["memory", "show", &secret], false);
}

#[test]
fn pinned_memories_are_always_recalled() {
    let data = DataDir::new();
    let out = data.run(&["memory", "add", "I am allergic to peanuts."], true);
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    data.run(
        &["memory", "add", "The car is due for service in March."],
        true,
    );
    data.run(&["memory", "pin", &id], true);
    let reply = data.ask_new_json(8, "What is the tallest mountain on Earth?");
    let recalled = reply["recalled"].as_array().unwrap();
    assert_eq!(recalled[0]["id"], id.as_str(), "{recalled:?}");
    data.run(&["memory", "unpin", &id], true);
    let shown = data.json(&["memory", "show", &id, "--json"]);
    assert_eq!(shown["pinned"], false);
}

fn write_import(path: &std::path::Path) {
    let mut f = std::fs::File::create(path).unwrap();
    let lines = [
        r#"{"session":"s1","time":"2026-03-01T10:00:00Z","speaker":"Ann","role":"user","text":"I adopted a grey cat called Pixel.","id":"t1"}"#,
        r#"{"session":"s1","time":"2026-03-01T10:01:00Z","speaker":"Bob","role":"other","text":"Lovely! How old is Pixel?","id":"t2"}"#,
        r#"{"session":"s1","time":"2026-03-01T10:02:00Z","speaker":"Ann","role":"user","text":"She is two years old.","id":"t3"}"#,
        r#"not json at all"#,
        r#"{"session":"s2","time":"2026-04-02T09:00:00Z","speaker":"Ann","role":"user","text":"We booked a trip to Kyoto in May.","id":"t4"}"#,
        r#"{"session":"s2","time":"yesterday","speaker":"Bob","role":"other","text":"bad time"}"#,
        r#"{"session":"s2","time":"2026-04-02T09:05:00Z","speaker":"Bob","role":"other","text":"Kyoto in spring is wonderful."}"#,
    ];
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

/// The texts `mneme recall --json` would inject for `question`.
fn recalled_texts(data: &DataDir, question: &str) -> Vec<String> {
    data.json(&["recall", "--json", question])["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"].as_str().unwrap().to_string())
        .collect()
}

/// The facts among what `mneme recall --json` would inject for `question`.
fn recalled_facts(data: &DataDir, question: &str) -> Vec<String> {
    data.json(&["recall", "--json", question])["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "fact")
        .map(|i| i["text"].as_str().unwrap().to_string())
        .collect()
}

/// The texts of the chain `fact` belongs to (`mneme memory show`), oldest first.
fn fact_chain(data: &DataDir, fact: &serde_json::Value) -> Vec<String> {
    let shown = data.json(&["memory", "show", fact["id"].as_str().unwrap(), "--json"]);
    shown["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap().to_string())
        .collect()
}

/// The chain of the fact whose text is `text` among `facts` (`memory list --json`), oldest first.
fn chain_of(data: &DataDir, facts: &serde_json::Value, text: &str) -> Vec<String> {
    let fact = facts
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["text"] == text)
        .unwrap_or_else(|| panic!("no {text:?} among {facts}"));
    fact_chain(data, fact)
}

/// Asserts that recall for `question` gives an item holding `wanted` and none holding any of
/// `unwanted`.
fn assert_recalls(data: &DataDir, question: &str, wanted: &[&str], unwanted: &[&str]) {
    let recalled = recalled_texts(data, question);
    assert!(
        recalled
            .iter()
            .any(|t| wanted.iter().any(|w| t.contains(w))),
        "{question}: {recalled:?}"
    );
    assert!(
        !recalled
            .iter()
            .any(|t| unwanted.iter().any(|u| t.contains(u))),
        "{question}: {recalled:?}"
    );
}

/// Imports these conversation lines (JSON Lines) and waits until every turn is in memory.
fn import_conversation(data: &DataDir, lines: &[&str]) {
    let file = data.path().join("conversation.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    data.run(
        &["import", "conversations", file.to_str().unwrap(), "--wait"],
        true,
    );
}

#[test]
fn import_reports_malformed_lines_lands_the_rest_and_is_idempotent() {
    let data = DataDir::new();
    let file = data.path().join("conversations.jsonl");
    write_import(&file);
    let out = data.run(
        &["import", "conversations", file.to_str().unwrap(), "--wait"],
        true,
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(":4: skipped") && stderr.contains(":6: skipped"),
        "{stderr}"
    );
    let chunks = data.json(&["memory", "list", "--kind", "chunk", "--all", "--json"]);
    let chunks = chunks.as_array().unwrap();
    let mut turns: Vec<String> = chunks
        .iter()
        .flat_map(|c| {
            c["source_turns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_string())
        })
        .collect();
    turns.sort();
    assert_eq!(
        turns.len(),
        5,
        "each of the 5 good turns in exactly one chunk: {turns:?}"
    );
    assert!(turns.contains(&"t1".to_string()) && turns.contains(&"t4".to_string()));
    let found = search(&data, "what is the cat called", &["--kind", "chunk"]);
    assert!(found[0]["text"].as_str().unwrap().contains("Pixel"));
    assert_eq!(found[0]["session"], "s1");
    for key in [
        "id",
        "kind",
        "text",
        "score",
        "session",
        "time",
        "source_turns",
    ] {
        assert!(!found[0][key].is_null(), "{key} missing");
    }

    let again = data.run(
        &["import", "conversations", file.to_str().unwrap(), "--wait"],
        true,
    );
    assert!(
        String::from_utf8(again.stdout)
            .unwrap()
            .contains("imported 0 new turns")
    );
    let after = data.json(&["memory", "list", "--kind", "chunk", "--all", "--json"]);
    assert_eq!(
        after.as_array().unwrap().len(),
        chunks.len(),
        "re-import adds nothing"
    );
}

#[test]
fn batch_queries_answer_in_order_and_export_import_round_trips() {
    let data = DataDir::new();
    let file = data.path().join("c.jsonl");
    write_import(&file);
    // Searched right after: wait until the daemon has embedded every turn (under load it may not
    // have yet when a plain import returns).
    data.run(
        &["import", "conversations", file.to_str().unwrap(), "--wait"],
        true,
    );
    let queries = data.path().join("q.txt");
    std::fs::write(&queries, "cat name\ntrip to Japan\n").unwrap();
    let out = data.run(
        &[
            "memory",
            "search",
            "--queries",
            queries.to_str().unwrap(),
            "-k",
            "2",
            "--kind",
            "chunk",
            "--json",
        ],
        true,
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["query"], "cat name");
    assert!(
        lines[1]["results"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Kyoto")
    );

    let export = data.path().join("memories.jsonl");
    data.run(&["memory", "export", "-o", export.to_str().unwrap()], true);
    let other = DataDir::new();
    other.run(&["memory", "import", export.to_str().unwrap()], true);
    let a = data.json(&["memory", "list", "--all", "--json"]);
    let b = other.json(&["memory", "list", "--all", "--json"]);
    assert_eq!(a, b);
}

/// Search says how well each memory matches, in terms a person reads, and the relevance floor
/// (`RELEVANT_SIMILARITY`, what the memory browser cuts at) separates the memory a question is
/// about from memories it is not about.
#[test]
fn search_reports_similarity_and_the_relevance_floor_splits_related_from_unrelated() {
    let data = DataDir::new();
    for note in [
        "My sister Agnieszka is a nurse in Krakow.",
        "The spare key is under the blue flower pot.",
        "I am allergic to penicillin.",
    ] {
        data.run(&["memory", "add", note], true);
    }
    let floor = f64::from(mneme::memory::service::RELEVANT_SIMILARITY);
    let relevant = |r: &serde_json::Value| {
        r["words_match"] == true || r["similarity"].as_f64().is_some_and(|s| s >= floor)
    };
    for (question, about) in [
        ("which medicine should I avoid", "penicillin"),
        ("what does my sister do for a living", "nurse"),
    ] {
        let results = search(&data, question, &[]);
        let kept: Vec<&serde_json::Value> = results.iter().filter(|r| relevant(r)).collect();
        assert_eq!(kept.len(), 1, "{question}: {results:#?}");
        assert!(kept[0]["text"].as_str().unwrap().contains(about));
    }
    for unrelated in ["recipe for pancakes", "explain quantum computing"] {
        let results = search(&data, unrelated, &[]);
        assert!(
            results.iter().all(|r| !relevant(r)),
            "{unrelated}: {results:#?}"
        );
        let out = data.run(&["memory", "search", unrelated], true);
        assert!(String::from_utf8_lossy(&out.stdout).contains("% alike"));
    }
}

#[test]
fn bench_memory_searches_through_a_vector_index_once_the_store_is_big_enough() {
    let data = crate::common::DataDir::new();
    let report = data.json(&[
        "bench",
        "memory",
        "--json",
        "--sizes",
        "300,5000",
        "--ingest-turns",
        "60",
        "--queries",
        "4",
    ]);
    let points = report["points"].as_array().unwrap();
    let small = &points[0];
    assert!(small["index"].is_null(), "{small}");
    assert_eq!(small["recall_at_20"], 1.0);
    let big = &points[1];
    assert_eq!(big["memories"], 5000);
    assert_eq!(big["index"]["kind"], "IVF_FLAT", "{big}");
    assert_eq!(big["index"]["unindexed_rows"], 0);
    let recall = big["recall_at_20"].as_f64().unwrap();
    assert!(recall >= 0.9, "index recall@20 {recall}");
    for p in points {
        for key in ["search_p50_ms", "vector_only_p50_ms", "exact_p50_ms"] {
            assert!(p[key].as_f64().unwrap() > 0.0, "{key}: {p}");
        }
    }
}

#[test]
fn recall_stays_silent_when_nothing_is_about_the_question_and_shows_why_when_something_is() {
    let data = crate::common::DataDir::new();
    for note in [
        "My sister Agnieszka is a nurse in Kraków.",
        "The boiler was serviced in March by a plumber called Piotr.",
    ] {
        data.run(&["memory", "add", note], true);
    }
    let about = data.json(&["recall", "--json", "What does my sister do for a living?"]);
    let items = about["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{about}");
    assert!(items[0]["text"].as_str().unwrap().contains("Agnieszka"));
    // It shares "sister" with the question, which lowers the similarity it needs.
    let floor = about["floor_sharing_a_word"].as_f64().unwrap();
    assert!(items[0]["similarity"].as_f64().unwrap() >= floor, "{about}");
    assert!(
        about["block"]
            .as_str()
            .unwrap()
            .contains("> My sister Agnieszka")
    );

    let unrelated = data.json(&["recall", "--json", "What is the capital of Australia?"]);
    assert_eq!(unrelated["items"], serde_json::json!([]), "{unrelated}");
    assert_eq!(unrelated["block"], "");
    let text =
        crate::common::stdout(&data.run(&["recall", "What is the capital of Australia?"], true));
    assert!(text.starts_with("nothing recalled"), "{text}");
}

#[test]
fn a_recalled_question_brings_the_answer_said_after_it() {
    let data = crate::common::DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session": "s2", "time": "2026-05-02T10:06:00Z", "speaker": "Dan", "role": "other", "text": "Morning! Quick question, do you still have that recipe for the lentil dahl you made at the barbecue?", "id": "s2-t001"}"#,
            r#"{"session": "s2", "time": "2026-05-02T10:07:00Z", "speaker": "Priya", "role": "user", "text": "Morning! Yes, it's my mum's recipe. The trick is frying the cumin seeds first, then adding fresh curry leaves.", "id": "s2-t002"}"#,
            r#"{"session": "s2", "time": "2026-05-02T10:08:00Z", "speaker": "Dan", "role": "other", "text": "Perfect, I want to make it for Sophie's birthday dinner on Friday.", "id": "s2-t003"}"#,
            r#"{"session": "s2", "time": "2026-05-02T10:09:00Z", "speaker": "Priya", "role": "user", "text": "Oh, how old is she turning?", "id": "s2-t004"}"#,
            r#"{"session": "s2", "time": "2026-05-02T10:10:00Z", "speaker": "Dan", "role": "other", "text": "Forty, and she says she doesn't want a fuss, which means she definitely wants a fuss.", "id": "s2-t005"}"#,
            r#"{"session": "s2", "time": "2026-05-02T10:11:00Z", "speaker": "Priya", "role": "user", "text": "Classic. Are you doing anything else?", "id": "s2-t006"}"#,
            r#"{"session": "s2", "time": "2026-05-02T10:12:00Z", "speaker": "Dan", "role": "other", "text": "I booked a weekend in the Lake District for the two of us, her parents will take the kids.", "id": "s2-t007"}"#,
            r#"{"session": "s2", "time": "2026-05-02T10:13:00Z", "speaker": "Priya", "role": "user", "text": "That's so thoughtful. Where are you staying?", "id": "s2-t008"}"#,
            r#"{"session": "s2", "time": "2026-05-02T10:14:00Z", "speaker": "Dan", "role": "other", "text": "A little cottage near Coniston. It has a wood burner, Sophie will love it.", "id": "s2-t009"}"#,
        ],
    );
    // "Oh, how old is she turning?" is close to the question and says nothing of the answer;
    // the turn after it does, in words the question does not share.
    let recall = data.json(&["recall", "--json", "How old did Sophie turn?"]);
    let items = recall["items"].as_array().unwrap();
    let text = |i: &serde_json::Value| i["text"].as_str().unwrap_or("").to_string();
    let asking = items
        .iter()
        .position(|i| text(i).contains("how old is she turning"))
        .unwrap_or_else(|| panic!("the question is not recalled: {recall}"));
    let answer = &items
        .get(asking + 1)
        .unwrap_or_else(|| panic!("nothing follows the question: {recall}"));
    assert!(text(answer).starts_with("Dan: Forty"), "{recall}");
    assert_eq!(answer["answer_to"], items[asking]["id"], "{recall}");
    assert!(
        recall["block"].as_str().unwrap().contains("Forty"),
        "{recall}"
    );
    let shown = crate::common::stdout(&data.run(&["recall", "How old did Sophie turn?"], true));
    assert!(shown.contains("the answer to"), "{shown}");
    // A question about something else gets no answer tacked on.
    let other = recalled_texts(&data, "Where is Dan staying in the Lake District?");
    assert!(!other.iter().any(|t| t.contains("Forty")), "{other:#?}");
}

#[test]
fn a_recalled_statement_brings_the_question_asked_about_it_and_the_reply() {
    let data = crate::common::DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session": "s7", "time": "2026-03-10T19:00:00Z", "speaker": "Ana", "role": "other", "text": "Hey stranger, how was the ski trip with your cousins?", "id": "s7-t001"}"#,
            r#"{"session": "s7", "time": "2026-03-10T19:01:00Z", "speaker": "Leo", "role": "user", "text": "Cold and wonderful, nobody broke anything. But the bigger news is I finally quit the bank last week.", "id": "s7-t002"}"#,
            r#"{"session": "s7", "time": "2026-03-10T19:02:00Z", "speaker": "Ana", "role": "other", "text": "No way! So what's next?", "id": "s7-t003"}"#,
            r#"{"session": "s7", "time": "2026-03-10T19:03:00Z", "speaker": "Leo", "role": "user", "text": "An apprenticeship with a luthier in Cremona. I'll be building violins out of spruce and maple.", "id": "s7-t004"}"#,
            r#"{"session": "s7", "time": "2026-03-10T19:04:00Z", "speaker": "Ana", "role": "other", "text": "That suits you perfectly. My week was dull, mostly spreadsheets and a leaking dishwasher.", "id": "s7-t005"}"#,
            r#"{"session": "s7", "time": "2026-03-10T19:05:00Z", "speaker": "Leo", "role": "user", "text": "Did the landlord fix it at least?", "id": "s7-t006"}"#,
            r#"{"session": "s7", "time": "2026-03-10T19:06:00Z", "speaker": "Ana", "role": "other", "text": "He sent his nephew, who flooded the kitchen twice.", "id": "s7-t007"}"#,
        ],
    );
    // The news is close to the question; what came of it was said two turns later, in words
    // the question does not share, after Ana asked about it.
    let recall = data.json(&[
        "recall",
        "--json",
        "What did Leo do after quitting the bank?",
    ]);
    let items = recall["items"].as_array().unwrap();
    let text = |i: &serde_json::Value| i["text"].as_str().unwrap_or("").to_string();
    let told = items
        .iter()
        .position(|i| text(i).contains("I finally quit the bank"))
        .unwrap_or_else(|| panic!("the statement is not recalled: {recall}"));
    let after: Vec<String> = items[told + 1..].iter().take(2).map(text).collect();
    assert_eq!(after.len(), 2, "{recall}");
    assert!(
        after[0].starts_with("Ana: No way! So what's next?"),
        "{recall}"
    );
    assert!(after[1].starts_with("Leo: An apprenticeship"), "{recall}");
    assert_eq!(items[told + 1]["follows"], items[told]["id"], "{recall}");
    assert_eq!(
        items[told + 2]["answer_to"],
        items[told + 1]["id"],
        "{recall}"
    );
    assert!(
        recall["block"]
            .as_str()
            .unwrap()
            .contains("luthier in Cremona"),
        "{recall}"
    );
    let shown = crate::common::stdout(&data.run(
        &["recall", "What did Leo do after quitting the bank?"],
        true,
    ));
    assert!(shown.contains("asked about"), "{shown}");
    // A reply to the other speaker's question is not one to this statement.
    let dishwasher = recalled_texts(&data, "Who fixed Ana's dishwasher?");
    assert!(
        !dishwasher.iter().any(|t| t.contains("Cremona")),
        "{dishwasher:#?}"
    );
}

#[test]
fn the_turn_that_says_what_was_asked_ranks_above_turns_that_only_share_its_words() {
    let data = crate::common::DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session": "s5", "time": "2026-04-11T20:44:00Z", "speaker": "Ben", "role": "other", "text": "Any trips planned this year?", "id": "s5-t025"}"#,
            r#"{"session": "s5", "time": "2026-04-11T20:45:00Z", "speaker": "Nadia", "role": "user", "text": "Oskar and I are going to Lisbon in June for his fortieth birthday. Five days.", "id": "s5-t026"}"#,
            r#"{"session": "s5", "time": "2026-04-11T20:46:00Z", "speaker": "Ben", "role": "other", "text": "Lovely. Lisbon in June is perfect.", "id": "s5-t027"}"#,
            r#"{"session": "s7", "time": "2026-05-23T21:29:00Z", "speaker": "Nadia", "role": "user", "text": "They tasted fine, they just looked sad. I'll ask her on Sunday.", "id": "s7-t030"}"#,
            r#"{"session": "s7", "time": "2026-05-23T21:30:00Z", "speaker": "Ben", "role": "other", "text": "Good plan. When's Lisbon?", "id": "s7-t031"}"#,
            r#"{"session": "s7", "time": "2026-05-23T21:31:00Z", "speaker": "Nadia", "role": "user", "text": "Two weeks. I've booked a fado night as a surprise for Oskar.", "id": "s7-t032"}"#,
            r#"{"session": "s7", "time": "2026-05-23T21:32:00Z", "speaker": "Ben", "role": "other", "text": "He'll love it.", "id": "s7-t033"}"#,
            r#"{"session": "s8", "time": "2026-06-20T18:30:00Z", "speaker": "Nadia", "role": "user", "text": "We're back from Lisbon!", "id": "s8-t001"}"#,
            r#"{"session": "s8", "time": "2026-06-20T18:31:00Z", "speaker": "Ben", "role": "other", "text": "How was it?", "id": "s8-t002"}"#,
            r#"{"session": "s11", "time": "2026-09-05T18:20:00Z", "speaker": "Ben", "role": "other", "text": "Beirut! Not Bristol then.", "id": "s11-t021"}"#,
            r#"{"session": "s11", "time": "2026-09-05T18:21:00Z", "speaker": "Nadia", "role": "user", "text": "We decided Teta should be there, and she can't travel. So we're going to her. Oskar's family are flying in from Hamburg.", "id": "s11-t022"}"#,
            r#"{"session": "s11", "time": "2026-09-05T18:22:00Z", "speaker": "Ben", "role": "other", "text": "I'll need to look at flights.", "id": "s11-t023"}"#,
            r#"{"session": "s14", "time": "2026-11-21T19:23:00Z", "speaker": "Ben", "role": "other", "text": "Any plans for Christmas?", "id": "s14-t024"}"#,
            r#"{"session": "s14", "time": "2026-11-21T19:24:00Z", "speaker": "Nadia", "role": "user", "text": "We're going to Hamburg to meet Oskar's grandparents for the first time. I'm learning German on an app, very badly.", "id": "s14-t025"}"#,
            r#"{"session": "s14", "time": "2026-11-21T19:25:00Z", "speaker": "Ben", "role": "other", "text": "Viel Gl\u00fcck.", "id": "s14-t026"}"#,
        ],
    );
    // "going", "Oskar", "Lisbon": other turns share the question's words, and fused by their
    // places in each list they ranked first; the answer came sixth of fifteen.
    let found = search(
        &data,
        "Why are Nadia and Oskar going to Lisbon?",
        &["--kind", "chunk"],
    );
    assert_eq!(
        found[0]["source_turns"],
        serde_json::json!(["s5-t026"]),
        "{found:#?}"
    );
}

#[test]
fn search_ranks_the_reply_to_a_question_it_finds_though_the_reply_shares_none_of_its_words() {
    let data = crate::common::DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session": "k1", "time": "2026-02-03T19:00:00Z", "speaker": "Omar", "role": "other", "text": "Hey Nadia, long time! My dad finally taught my son chess over the holidays.", "id": "k1-t001"}"#,
            r#"{"session": "k1", "time": "2026-02-03T19:01:00Z", "speaker": "Nadia", "role": "user", "text": "That's lovely. Chess with a grandparent is the best way to learn it.", "id": "k1-t002"}"#,
            r#"{"session": "k1", "time": "2026-02-03T19:02:00Z", "speaker": "Omar", "role": "other", "text": "He already beats me. Did you watch the world chess championship?", "id": "k1-t003"}"#,
            r#"{"session": "k1", "time": "2026-02-03T19:03:00Z", "speaker": "Nadia", "role": "user", "text": "Only the last game. Chess commentary is strangely relaxing.", "id": "k1-t004"}"#,
            r#"{"session": "k1", "time": "2026-02-03T19:04:00Z", "speaker": "Omar", "role": "other", "text": "I find chess too slow to watch, honestly. How's the club going?", "id": "k1-t005"}"#,
            r#"{"session": "k1", "time": "2026-02-03T19:05:00Z", "speaker": "Nadia", "role": "user", "text": "I beat a 1600 on Thursday and I'm over 1500 now, after two years of trying!", "id": "k1-t006"}"#,
            r#"{"session": "k1", "time": "2026-02-03T19:06:00Z", "speaker": "Omar", "role": "other", "text": "Amazing. The chess club at my son's school meets in the library on Wednesdays.", "id": "k1-t007"}"#,
            r#"{"session": "k1", "time": "2026-02-03T19:07:00Z", "speaker": "Nadia", "role": "user", "text": "He should join, school chess teams travel to tournaments.", "id": "k1-t008"}"#,
            r#"{"session": "k1", "time": "2026-02-03T19:08:00Z", "speaker": "Omar", "role": "other", "text": "Anyway, the kitchen renovation is finally done, the new oven is enormous.", "id": "k1-t009"}"#,
            r#"{"session": "k1", "time": "2026-02-03T19:09:00Z", "speaker": "Nadia", "role": "user", "text": "Send pictures! Are you baking bread again?", "id": "k1-t010"}"#,
            r#"{"session": "k1", "time": "2026-02-03T19:10:00Z", "speaker": "Omar", "role": "other", "text": "Every Sunday. My chess-mad son eats half the loaf before it cools.", "id": "k1-t011"}"#,
            r#"{"session": "k1", "time": "2026-02-03T19:12:00Z", "speaker": "Nadia", "role": "user", "text": "Ha! Night Omar, good luck with the chess lessons.", "id": "k1-t012"}"#,
        ],
    );
    // Every other turn says "chess"; the answer does not, and was ranked below all of them
    // (tenth of twelve) until the reply to the question found rose with it.
    let found = data.json(&[
        "memory",
        "search",
        "--json",
        "-k",
        "3",
        "--kind",
        "chunk",
        "How good at chess has Nadia become?",
    ]);
    let found = found.as_array().unwrap();
    assert!(
        found
            .iter()
            .any(|r| r["source_turns"] == serde_json::json!(["k1-t006"])),
        "{:#?}",
        texts(found)
    );
}

#[test]
fn a_possessive_in_the_query_does_not_match_every_turn_with_an_apostrophe() {
    let data = crate::common::DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session": "p1", "time": "2026-05-20T20:00:00Z", "speaker": "Ines", "role": "user", "text": "Guess what, the bakery on Rua Augusta took me on as head pastry chef.", "id": "p1-t001"}"#,
            r#"{"session": "p1", "time": "2026-05-20T20:01:00Z", "speaker": "Theo", "role": "other", "text": "No way, that's the one with the queue round the block!", "id": "p1-t002"}"#,
            r#"{"session": "p1", "time": "2026-05-20T20:02:00Z", "speaker": "Ines", "role": "user", "text": "Ha, yes. Four in the morning starts though.", "id": "p1-t003"}"#,
            r#"{"session": "p1", "time": "2026-05-20T20:03:00Z", "speaker": "Theo", "role": "other", "text": "Rather you than me. My landlord raised the rent again, by ninety euros.", "id": "p1-t004"}"#,
            r#"{"session": "p1", "time": "2026-05-20T20:04:00Z", "speaker": "Ines", "role": "user", "text": "Oh no!", "id": "p1-t005"}"#,
            r#"{"session": "p1", "time": "2026-05-20T20:05:00Z", "speaker": "Theo", "role": "other", "text": "I'm looking at flats in Arroios now, closer to the office anyway.", "id": "p1-t006"}"#,
            r#"{"session": "p1", "time": "2026-05-20T20:06:00Z", "speaker": "Ines", "role": "user", "text": "Love that area.", "id": "p1-t007"}"#,
            r#"{"session": "p1", "time": "2026-05-20T20:07:00Z", "speaker": "Theo", "role": "other", "text": "My sister says the tram there is always late.", "id": "p1-t008"}"#,
            r#"{"session": "p1", "time": "2026-05-20T20:08:00Z", "speaker": "Ines", "role": "user", "text": "Classic.", "id": "p1-t009"}"#,
            r#"{"session": "p1", "time": "2026-05-20T20:09:00Z", "speaker": "Theo", "role": "other", "text": "Anyway, congratulations again, chef.", "id": "p1-t010"}"#,
            r#"{"session": "p1", "time": "2026-05-20T20:10:00Z", "speaker": "Ines", "role": "user", "text": "Thanks Theo, talk soon!", "id": "p1-t011"}"#,
        ],
    );
    // The index splits "Ines's" and "that's" at the apostrophe: the "s" alone matched.
    let found = data.json(&[
        "memory",
        "search",
        "--json",
        "-k",
        "11",
        "--kind",
        "chunk",
        "What is Ines's new job?",
    ]);
    let found = found.as_array().unwrap();
    let matched: Vec<String> = found
        .iter()
        .filter(|r| r["words_match"] == true)
        .map(|r| r["text"].as_str().unwrap().to_string())
        .collect();
    assert!(matched.is_empty(), "{matched:#?}");
    // A possessive still finds the words around it.
    let landlord = data.json(&[
        "memory",
        "search",
        "--json",
        "-k",
        "1",
        "--kind",
        "chunk",
        "What did Theo's landlord do?",
    ]);
    assert_eq!(landlord[0]["words_match"], true, "{landlord:#}");
    assert!(
        landlord[0]["text"]
            .as_str()
            .unwrap()
            .contains("raised the rent"),
        "{landlord:#}"
    );
}

#[test]
fn a_turn_sharing_the_questions_topic_words_is_recalled_though_its_meaning_lies_far() {
    let data = crate::common::DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session": "c3", "time": "2026-04-05T17:21:00Z", "speaker": "Marta", "role": "user", "text": "Speaking of stairs, Pimenta has mastered ours. We adopted her in March.", "id": "c3-t007"}"#,
            r#"{"session": "c3", "time": "2026-04-05T17:22:00Z", "speaker": "Joe", "role": "other", "text": "Yes!! How is she settling in?", "id": "c3-t008"}"#,
            r#"{"session": "c3", "time": "2026-04-05T17:23:00Z", "speaker": "Marta", "role": "user", "text": "She sleeps twenty hours a day and steals Tomás's spot on the sofa. She's terrified of the washing machine though.", "id": "c3-t009"}"#,
            r#"{"session": "c3", "time": "2026-04-05T17:24:00Z", "speaker": "Joe", "role": "other", "text": "Typical greyhound. Any photos?", "id": "c3-t010"}"#,
            r#"{"session": "c3", "time": "2026-04-05T17:25:00Z", "speaker": "Marta", "role": "user", "text": "Sending you one now, she's wearing the yellow raincoat my mother knitted for her.", "id": "c3-t011"}"#,
            r#"{"session": "c3", "time": "2026-04-05T17:26:00Z", "speaker": "Joe", "role": "other", "text": "That is the most dignified dog I've ever seen.", "id": "c3-t012"}"#,
            r#"{"session": "c3", "time": "2026-04-05T17:27:00Z", "speaker": "Marta", "role": "user", "text": "She knows it. Work is crazy, by the way. We got our first big contract, a cooperative of thirty vineyards in the Dão region.", "id": "c3-t013"}"#,
            r#"{"session": "c3", "time": "2026-04-05T17:28:00Z", "speaker": "Joe", "role": "other", "text": "That's huge, congratulations! Does that mean more hiring?", "id": "c3-t014"}"#,
            r#"{"session": "c3", "time": "2026-04-05T17:29:00Z", "speaker": "Marta", "role": "user", "text": "Yes, I'm hiring four people by summer, including a hardware engineer. If you know anyone who speaks Portuguese and solders, send them my way.", "id": "c3-t015"}"#,
            r#"{"session": "c3", "time": "2026-04-05T17:30:00Z", "speaker": "Joe", "role": "other", "text": "Ha, I'll ask the physics department. Actually, I have news too. I've applied for head of science at a school in York.", "id": "c3-t016"}"#,
        ],
    );
    // Embedded with its neighbours it lies at about 0.3 from the question, under every floor
    // of similarity alone; it shares "first", "big" and "contract" with it.
    let texts = recalled_texts(&data, "What was the startup's first big contract?");
    assert!(
        texts
            .iter()
            .any(|t| t.contains("cooperative of thirty vineyards")),
        "{texts:#?}"
    );
    for general in [
        "What is the boiling point of water?",
        "Explain recursion",
        "Who wrote the first big novel in English?",
    ] {
        let items = recalled_texts(&data, general);
        assert!(items.is_empty(), "{general}: {items:#?}");
    }
}

#[test]
fn a_speakers_name_matches_what_they_said_not_every_turn_they_said() {
    let data = crate::common::DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session": "s1", "time": "2026-03-14T18:21:00Z", "speaker": "Priya", "role": "user", "text": "Hey Dan! It's been ages. How have you been since the move?", "id": "s1-t001"}"#,
            r#"{"session": "s1", "time": "2026-03-14T18:22:00Z", "speaker": "Dan", "role": "other", "text": "Pretty hectic. We finally unpacked the last boxes on Sunday. The new place in Harrogate is smaller but the garden is lovely.", "id": "s1-t002"}"#,
            r#"{"session": "s1", "time": "2026-03-14T18:23:00Z", "speaker": "Priya", "role": "user", "text": "I got into the nursing course at Leeds!", "id": "s1-t003"}"#,
            r#"{"session": "s1", "time": "2026-03-14T18:24:00Z", "speaker": "Dan", "role": "other", "text": "No way!", "id": "s1-t004"}"#,
            r#"{"session": "s1", "time": "2026-03-14T18:25:00Z", "speaker": "Priya", "role": "user", "text": "It starts in September.", "id": "s1-t005"}"#,
            r#"{"session": "s1", "time": "2026-03-14T18:26:00Z", "speaker": "Dan", "role": "other", "text": "Brilliant.", "id": "s1-t006"}"#,
            r#"{"session": "s1", "time": "2026-03-14T18:27:00Z", "speaker": "Priya", "role": "user", "text": "Do you need help moving the rest of your things?", "id": "s1-t007"}"#,
            r#"{"session": "s1", "time": "2026-03-14T18:28:00Z", "speaker": "Dan", "role": "other", "text": "Ha, yes.", "id": "s1-t008"}"#,
        ],
    );
    let found = data.json(&[
        "memory",
        "search",
        "--json",
        "-k",
        "8",
        "--kind",
        "chunk",
        "Where did Dan move to?",
    ]);
    let matched: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["words_match"] == true)
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    // Each of Dan's turns carries his name in its label; only what mentions Dan or the move
    // (stemmed: "moving") matches the question's words.
    assert!(
        matched.iter().any(|t| t.contains("since the move")),
        "{found:#}"
    );
    assert!(
        matched.iter().any(|t| t.contains("help moving")),
        "{found:#}"
    );
    for short in ["No way!", "Brilliant.", "Ha, yes."] {
        assert!(
            !matched.iter().any(|t| t.ends_with(short)),
            "{short} matched by its label alone: {found:#}"
        );
    }
}

#[test]
fn recall_leaves_out_what_the_conversation_already_says() {
    let data = crate::common::DataDir::new();
    let question = "Name three primary colors.";
    let first = data.ask_new_json(24, question);
    let second = data.ask_new_json(24, question);
    assert_ne!(first["session"], second["session"]);
    let said = |item: &serde_json::Value| -> String {
        let text = item["text"].as_str().unwrap();
        text.split_once(": ")
            .map_or(text, |(_, rest)| rest)
            .trim()
            .to_string()
    };
    // From a third conversation the answers are worth recalling, but not the question repeated.
    let fresh = data.json(&["recall", "--json", question]);
    let items = fresh["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{fresh}");
    assert!(items.iter().all(|i| said(i) != question), "{fresh}");
    let mut texts: Vec<String> = items.iter().map(said).collect();
    let all = texts.len();
    texts.dedup();
    assert_eq!(texts.len(), all, "two items say the same: {fresh}");
    // In the first conversation nothing recalled says what that conversation already says,
    // although the second one holds the same exchange.
    let session = first["session"].as_str().unwrap();
    let here: Vec<String> = data
        .turns(session)
        .iter()
        .map(|t| t["text"].as_str().unwrap().trim().to_string())
        .collect();
    let inside = data.json(&["recall", "--json", "--session", session, question]);
    for item in inside["items"].as_array().unwrap() {
        assert!(!here.contains(&said(item)), "{inside}");
    }
}

#[test]
fn a_fact_the_sliding_window_evicted_is_recalled_in_the_same_conversation() {
    let data = crate::common::DataDir::new();
    let ask = |session: Option<&str>, question: &str| {
        let mut args = vec![
            "ask",
            "--attention",
            "sliding:160:4",
            "--temp",
            "0",
            "--max-tokens",
            "16",
            "--json",
        ];
        match session {
            Some(id) => args.extend(["--session", id]),
            None => args.push("--new"),
        }
        args.push(question);
        data.json(&args)
    };
    let first = ask(None, "My locker code is 4417, please remember it.");
    let session = first["session"].as_str().unwrap().to_string();
    let recalled_code = |reply: &serde_json::Value| {
        reply["recalled"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["text"].as_str().unwrap_or("").contains("4417"))
    };
    // While the statement is still in the window it is in the prompt: not recalled.
    let near = ask(Some(&session), "What is my locker code?");
    assert!(
        !recalled_code(&near),
        "recalled while still in context: {near}"
    );
    for filler in [
        "Tell me one short fact about the moon.",
        "Name a large river in Africa.",
        "What colour is a ripe banana?",
        "Give me a word that rhymes with cat.",
        "How many legs does a spider have?",
    ] {
        ask(Some(&session), filler);
    }
    // 160 tokens later the window has moved past it: recall brings it back.
    let late = ask(Some(&session), "What is my locker code?");
    assert!(recalled_code(&late), "not recalled after eviction: {late}");
}

#[test]
fn facts_come_from_the_users_words_and_a_newer_one_supersedes_an_older_one() {
    let data = crate::common::DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"spring","time":"2026-03-01T10:00:00Z","speaker":"Maya","role":"user","text":"Morning! My favourite tea is green tea, I drink it every day."}"#,
            r#"{"session":"spring","time":"2026-03-01T10:01:00Z","speaker":"assistant","role":"assistant","text":"My favourite colour is blue. Green tea is lovely."}"#,
            r#"{"session":"autumn","time":"2026-10-01T10:00:00Z","speaker":"Maya","role":"user","text":"My favourite tea is rooibos now."}"#,
            r#"{"session":"autumn","time":"2026-10-01T10:01:00Z","speaker":"Tom","role":"other","text":"My favourite tea is earl grey."}"#,
        ],
    );
    let facts = data.json(&["memory", "list", "--kind", "fact", "--all", "--json"]);
    let mut texts: Vec<&str> = facts
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    texts.sort();
    // Only the user's own words: not the assistant's, not the other person's.
    assert_eq!(
        texts,
        [
            "Maya's favourite tea is green tea.",
            "Maya's favourite tea is rooibos now."
        ]
    );
    // Each cites its turn and is dated when it was said.
    for fact in facts.as_array().unwrap() {
        assert_eq!(fact["source_turns"].as_array().unwrap().len(), 1, "{fact}");
    }
    let newest = facts
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["text"].as_str().unwrap().contains("rooibos"))
        .unwrap();
    assert!(
        newest["time"].as_str().unwrap().starts_with("2026-10-01"),
        "{newest}"
    );
    // The chain: both kept, oldest first.
    let chain = fact_chain(&data, newest);
    assert_eq!(chain.len(), 2, "{chain:?}");
    assert!(chain[0].contains("green tea") && chain[1].contains("rooibos"));
    // Recall prefers the newer fact.
    assert_eq!(
        recalled_facts(&data, "What is Maya's favourite tea?"),
        ["Maya's favourite tea is rooibos now."]
    );
}

#[test]
fn what_a_user_says_in_a_few_words_or_denies_is_a_fact_and_the_denial_wins() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"march","time":"2026-03-01T10:00:00Z","speaker":"user","role":"user","text":"I'm vegetarian.","id":"t1"}"#,
            r#"{"session":"march","time":"2026-03-01T10:01:00Z","speaker":"assistant","role":"assistant","text":"Noted, no meat in the recipes.","id":"t2"}"#,
            r#"{"session":"march","time":"2026-03-01T10:02:00Z","speaker":"user","role":"user","text":"I like coffee a lot.","id":"t3"}"#,
            r#"{"session":"march","time":"2026-03-01T10:03:00Z","speaker":"assistant","role":"assistant","text":"Coffee is popular.","id":"t4"}"#,
            r#"{"session":"june","time":"2026-06-02T09:00:00Z","speaker":"user","role":"user","text":"I don't like coffee anymore, it keeps me awake.","id":"t5"}"#,
            r#"{"session":"june","time":"2026-06-02T09:01:00Z","speaker":"assistant","role":"assistant","text":"Try decaf.","id":"t6"}"#,
        ],
    );
    let facts = data.json(&["memory", "list", "--kind", "fact", "--all", "--json"]);
    let texts: Vec<&str> = facts
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    // A two-word statement is a fact; the previous build kept only sentences of four words.
    assert!(texts.contains(&"The user is vegetarian."), "{texts:?}");
    // The denial is a fact about the same thing: it supersedes "likes coffee", both kept.
    let chain = chain_of(&data, &facts, "The user does not like coffee anymore.");
    assert_eq!(
        chain,
        [
            "The user likes coffee a lot.",
            "The user does not like coffee anymore."
        ],
        "{chain:?}"
    );
    // Recall gives what is true now (as the fact or the turn it was drawn from), and not what
    // was: neither the superseded fact nor the turn that said only that. The previous build
    // recalled "user: I like coffee a lot." beside the denial.
    assert_recalls(
        &data,
        "Do I like coffee?",
        &["don't like coffee", "does not like coffee"],
        &["I like coffee a lot", "likes coffee a lot"],
    );
}

#[test]
fn a_divorce_replaces_a_marriage_and_how_the_day_goes_is_no_fact() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"march","time":"2026-03-01T10:00:00Z","speaker":"user","role":"user","text":"I'm married to Anna.","id":"t1"}"#,
            r#"{"session":"march","time":"2026-03-01T10:01:00Z","speaker":"assistant","role":"assistant","text":"Lovely.","id":"t2"}"#,
            r#"{"session":"march","time":"2026-03-01T10:02:00Z","speaker":"user","role":"user","text":"My laptop is slow today.","id":"t3"}"#,
            r#"{"session":"march","time":"2026-03-01T10:03:00Z","speaker":"assistant","role":"assistant","text":"Try restarting it.","id":"t4"}"#,
            r#"{"session":"june","time":"2026-06-02T09:00:00Z","speaker":"user","role":"user","text":"I recently got divorced.","id":"t5"}"#,
            r#"{"session":"june","time":"2026-06-02T09:01:00Z","speaker":"assistant","role":"assistant","text":"I'm sorry to hear that.","id":"t6"}"#,
            r#"{"session":"june","time":"2026-06-02T09:02:00Z","speaker":"user","role":"user","text":"We've got two rescue greyhounds.","id":"t7"}"#,
        ],
    );
    let facts = data.json(&["memory", "list", "--kind", "fact", "--all", "--json"]);
    let texts: Vec<&str> = facts
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    // The previous build made a fact of the slow laptop, and none of the divorce or the dogs.
    assert!(!texts.iter().any(|t| t.contains("laptop")), "{texts:?}");
    assert!(
        texts.contains(&"The user and others have two rescue greyhounds."),
        "{texts:?}"
    );
    // Married, divorced or single: one replaces the other, both kept.
    let chain = chain_of(&data, &facts, "The user recently got divorced.");
    assert_eq!(
        chain,
        [
            "The user is married to Anna.",
            "The user recently got divorced."
        ],
        "{chain:?}"
    );
    assert_recalls(&data, "Am I married?", &["divorced"], &["married to Anna"]);
}

#[test]
fn moving_somewhere_replaces_where_the_user_lived() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"march","time":"2026-03-01T10:00:00Z","speaker":"user","role":"user","text":"I live in Dublin.","id":"t1"}"#,
            r#"{"session":"march","time":"2026-03-01T10:01:00Z","speaker":"assistant","role":"assistant","text":"Dublin is lively.","id":"t2"}"#,
            r#"{"session":"july","time":"2026-07-02T09:00:00Z","speaker":"user","role":"user","text":"I moved to Berlin in June.","id":"t3"}"#,
            r#"{"session":"july","time":"2026-07-02T09:01:00Z","speaker":"assistant","role":"assistant","text":"Good luck settling in.","id":"t4"}"#,
        ],
    );
    let facts = data.json(&["memory", "list", "--kind", "fact", "--all", "--json"]);
    // One chain: the move supersedes the old home (the previous build kept both current).
    let chain = chain_of(&data, &facts, "The user moved to Berlin in June.");
    assert_eq!(
        chain,
        [
            "The user lives in Dublin.",
            "The user moved to Berlin in June."
        ],
        "{chain:?}"
    );
    assert_recalls(&data, "Where do I live?", &["Berlin"], &["Dublin"]);
}

#[test]
fn a_fact_about_someone_is_not_replaced_by_another_fact_about_them() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"march","time":"2026-03-01T10:00:00Z","speaker":"user","role":"user","text":"My sister Hanna is a nurse.","id":"t1"}"#,
            r#"{"session":"march","time":"2026-03-01T10:01:00Z","speaker":"assistant","role":"assistant","text":"That is a demanding job.","id":"t2"}"#,
            r#"{"session":"may","time":"2026-05-02T09:00:00Z","speaker":"user","role":"user","text":"My sister Hanna lives in Kraków.","id":"t3"}"#,
            r#"{"session":"may","time":"2026-05-02T09:01:00Z","speaker":"assistant","role":"assistant","text":"Kraków is beautiful.","id":"t4"}"#,
            r#"{"session":"june","time":"2026-06-03T09:00:00Z","speaker":"user","role":"user","text":"My brother Olek lives in Gdansk and he is a firefighter.","id":"t5"}"#,
            r#"{"session":"june","time":"2026-06-03T09:01:00Z","speaker":"assistant","role":"assistant","text":"Gdansk is a lovely city.","id":"t6"}"#,
        ],
    );
    let facts = data.json(&["memory", "list", "--kind", "fact", "--all", "--json"]);
    let fact = |words: &str| {
        facts
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["text"].as_str().unwrap().contains(words))
            .unwrap_or_else(|| panic!("no fact saying {words:?}: {facts}"))
            .clone()
    };
    // Where Hanna lives says nothing against what she does: neither supersedes the other.
    let nurse = fact("Hanna is a nurse");
    let shown = data.json(&["memory", "show", nurse["id"].as_str().unwrap(), "--json"]);
    assert_eq!(shown["chain"].as_array().map_or(0, Vec::len), 1, "{shown}");
    let facts_recalled = recalled_facts(&data, "What is my sister Hanna's job?");
    assert!(
        facts_recalled.contains(&"The user's sister Hanna is a nurse.".to_string()),
        "{facts_recalled:?}"
    );
    // Two things said in one breath are two facts, and a question about either finds its own.
    fact("The user's brother Olek is a firefighter.");
    fact("The user's brother Olek lives in Gdansk.");
    let texts = recalled_texts(&data, "What does my brother do for a living?");
    assert!(texts.iter().any(|t| t.contains("firefighter")), "{texts:?}");
}

#[test]
fn a_question_about_me_recalls_the_facts_i_stated_about_myself() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"monday","time":"2026-03-02T10:00:00Z","speaker":"user","role":"user","text":"I work as a nurse at St Mary's hospital and I live in Leeds.","id":"t1"}"#,
            r#"{"session":"monday","time":"2026-03-02T10:01:00Z","speaker":"assistant","role":"assistant","text":"Nursing is demanding work.","id":"t2"}"#,
            r#"{"session":"tuesday","time":"2026-03-03T10:00:00Z","speaker":"user","role":"user","text":"My brother Olek lives in Gdansk and he is a firefighter.","id":"t3"}"#,
            r#"{"session":"tuesday","time":"2026-03-03T10:01:00Z","speaker":"assistant","role":"assistant","text":"Gdansk is a lovely city.","id":"t4"}"#,
            r#"{"session":"friday","time":"2026-03-06T10:00:00Z","speaker":"user","role":"user","text":"What does my brother do for a living?","id":"t5"}"#,
            r#"{"session":"friday","time":"2026-03-06T10:01:00Z","speaker":"assistant","role":"assistant","text":"Your brother does not know.","id":"t6"}"#,
        ],
    );
    // The fact is stated as "The user lives in Leeds."; the question asks about "I".
    for question in ["Where do I live?", "Which city do I live in?"] {
        let texts = recalled_texts(&data, question);
        assert!(
            texts.contains(&"The user lives in Leeds.".to_string()),
            "{question}: {texts:?}"
        );
    }
    let texts = recalled_texts(&data, "Where do I work?");
    assert!(texts.iter().any(|t| t.contains("nurse")), "{texts:?}");
    // The assistant's earlier reply to the same question is no evidence about the user …
    let texts = recalled_texts(&data, "What does my brother do for a living?");
    assert!(texts.iter().any(|t| t.contains("firefighter")), "{texts:?}");
    assert!(
        !texts.iter().any(|t| t.starts_with("assistant:")),
        "{texts:?}"
    );
    // … but it is what a question about what the assistant said asks for.
    let texts = recalled_texts(&data, "What did you say about my brother's job?");
    assert!(
        texts
            .iter()
            .any(|t| t == "assistant: Your brother does not know."),
        "{texts:?}"
    );
    // Retelling a question about "me" does not make every fact about the user relevant.
    for question in [
        "What is the name of my horse?",
        "Can you help me write a poem?",
        "What is the boiling point of water?",
    ] {
        assert_eq!(
            recalled_texts(&data, question),
            Vec::<String>::new(),
            "{question}"
        );
    }
}

#[test]
fn before_and_after_an_event_rank_what_was_said_on_that_side_of_it() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"gear","time":"2026-05-02T10:00:00Z","speaker":"user","role":"user","text":"I bought a blue two-person tent for camping."}"#,
            r#"{"session":"gear","time":"2026-05-02T10:01:00Z","speaker":"assistant","role":"assistant","text":"A two-person tent is a good choice."}"#,
            r#"{"session":"gear","time":"2026-06-10T10:00:00Z","speaker":"user","role":"user","text":"My trip to Lisbon starts next week, I am so excited."}"#,
            r#"{"session":"gear","time":"2026-06-10T10:01:00Z","speaker":"assistant","role":"assistant","text":"Lisbon will be lovely in June."}"#,
            r#"{"session":"gear","time":"2026-07-20T10:00:00Z","speaker":"user","role":"user","text":"I bought a red kayak for the summer."}"#,
            r#"{"session":"gear","time":"2026-07-20T10:01:00Z","speaker":"assistant","role":"assistant","text":"A kayak sounds fun."}"#,
        ],
    );
    let first = |query: &str| texts(&search(&data, query, &["--kind", "chunk"]))[0].clone();
    assert!(
        first("What did I buy before my trip?").contains("tent"),
        "{:?}",
        texts(&search(&data, "What did I buy before my trip?", &[]))
    );
    assert!(
        first("What did I buy after my trip?").contains("kayak"),
        "{:?}",
        texts(&search(&data, "What did I buy after my trip?", &[]))
    );
}

#[test]
fn a_turn_naming_the_month_a_question_asks_about_ranks_with_what_was_said_in_it() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"jan","time":"2026-01-18T20:00:00Z","speaker":"Ben","role":"other","text":"Are you still at the theatre?"}"#,
            r#"{"session":"jan","time":"2026-01-18T20:01:00Z","speaker":"Nadia","role":"user","text":"Still the sound engineer there, yes. We're doing a revival of Pygmalion in February and the director wants every door slam to sound different."}"#,
            r#"{"session":"jan","time":"2026-01-18T20:02:00Z","speaker":"Ben","role":"other","text":"That sounds like a lot of door slams."}"#,
            r#"{"session":"feb","time":"2026-02-20T19:00:00Z","speaker":"Nadia","role":"user","text":"The studio finally got new speakers, the sound is so much cleaner."}"#,
            r#"{"session":"feb","time":"2026-02-20T19:01:00Z","speaker":"Ben","role":"other","text":"The twins had a snow day and built a fort in the garden."}"#,
            r#"{"session":"feb","time":"2026-02-20T19:02:00Z","speaker":"Nadia","role":"user","text":"Oskar is doing a night course in bread baking."}"#,
            r#"{"session":"feb","time":"2026-02-20T19:03:00Z","speaker":"Ben","role":"other","text":"I've been playing a lot of chess online in the evenings."}"#,
        ],
    );
    // Said in January about February: it answers a question about February, above what was
    // said in February about other things (before, every February turn ranked above it).
    let found = texts(&search(
        &data,
        "What play was Nadia doing the sound for in February 2026?",
        &["--kind", "chunk"],
    ));
    let at = |needle: &str| found.iter().position(|t| t.contains(needle));
    let pygmalion = at("Pygmalion").unwrap_or_else(|| panic!("{found:#?}"));
    for unrelated in ["chess", "snow day", "bread"] {
        assert!(at(unrelated).is_none_or(|u| pygmalion < u), "{found:#?}");
    }
}

#[test]
fn the_first_mention_of_an_event_answers_a_question_about_before_it() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"jan","time":"2026-01-10T20:00:00Z","speaker":"Nadia","role":"user","text":"We adopted a retired racing greyhound in December, he's called Pilot."}"#,
            r#"{"session":"jan","time":"2026-01-10T20:01:00Z","speaker":"Ben","role":"other","text":"Ruth's whole family came over and the twins stayed up until midnight."}"#,
            r#"{"session":"jan","time":"2026-01-10T20:02:00Z","speaker":"Nadia","role":"user","text":"I have to walk Pilot before he realises he's hungry."}"#,
            r#"{"session":"jan","time":"2026-01-10T20:03:00Z","speaker":"Ben","role":"other","text":"Ruth has just been made deputy manager of the library."}"#,
            r#"{"session":"mar","time":"2026-03-14T19:00:00Z","speaker":"Nadia","role":"user","text":"My brother Karim finally quit his office job. He's opening a falafel van."}"#,
            r#"{"session":"mar","time":"2026-03-14T19:01:00Z","speaker":"Ben","role":"other","text":"Good for him, he never liked it."}"#,
            r#"{"session":"may","time":"2026-05-02T19:00:00Z","speaker":"Nadia","role":"user","text":"Karim's falafel van is doing so well he bought a second one."}"#,
        ],
    );
    // "before the falafel van" dates the question by the van's first mention, which is also
    // its answer: it ranks with the rest, not left out as the event's anchor.
    let found = texts(&search(
        &data,
        "What was Karim's job before the falafel van?",
        &["--kind", "chunk"],
    ));
    assert!(
        found.iter().any(|t| t.contains("quit his office job")),
        "{found:#?}"
    );
}

#[test]
fn a_change_said_in_other_words_is_recalled_above_what_it_replaced() {
    let data = crate::common::DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"spring","time":"2026-03-01T10:00:00Z","speaker":"Maya","role":"user","text":"For the record, I take the number 12 bus to the office every morning."}"#,
            r#"{"session":"spring","time":"2026-03-01T10:01:00Z","speaker":"assistant","role":"assistant","text":"Noted, the number 12 bus."}"#,
            r#"{"session":"summer","time":"2026-06-01T10:00:00Z","speaker":"Maya","role":"user","text":"I bought new running shoes for the marathon."}"#,
            r#"{"session":"summer","time":"2026-06-01T10:01:00Z","speaker":"assistant","role":"assistant","text":"Good luck with the marathon."}"#,
            r#"{"session":"autumn","time":"2026-10-01T10:00:00Z","speaker":"Maya","role":"user","text":"No more buses for me, I cycle to the office every morning since September."}"#,
            r#"{"session":"autumn","time":"2026-10-01T10:01:00Z","speaker":"assistant","role":"assistant","text":"Cycling is a great way to start the day."}"#,
        ],
    );
    let texts = recalled_texts(&data, "How does Maya get to the office these days?");
    // Each statement is recalled as Maya's turn or as the fact drawn from it, never both.
    let at = |needle: &str| {
        texts
            .iter()
            .position(|t| (t.starts_with("Maya:") || t.starts_with("Maya ")) && t.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not recalled: {texts:#?}"))
    };
    // Both are recalled, dated; the newer one, which replaces the older, comes first.
    assert!(at("cycle") < at("number 12"), "{texts:#?}");
    // A question that names a time asks about then: the spring statement is what it wants.
    let then = data.json(&[
        "recall",
        "--json",
        "How did Maya get to the office in March 2026?",
    ]);
    let first = then["items"][0]["text"].as_str().unwrap_or("");
    assert!(first.contains("number 12"), "{then}");
}

/// A generated two-person conversation over many sessions (`scripts/gen-eval.py`, seeded) and
/// its questions, in `dir`.
fn generated_conversation(dir: &std::path::Path, sessions: u32) -> Vec<serde_json::Value> {
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/gen-eval.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .args(["--out", dir.to_str().unwrap(), "--seed", "11"])
        .args(["--sessions", &sessions.to_string(), "--turns", "30"])
        .output()
        .expect("python3 runs scripts/gen-eval.py");
    assert!(out.status.success(), "{out:?}");
    std::fs::read_to_string(dir.join("questions.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn after_importing_a_long_conversation_general_questions_recall_nothing_and_questions_about_its_people_do()
 {
    let data = DataDir::new();
    let generated = data.path().join("generated");
    let questions = generated_conversation(&generated, 12);
    let file = generated.join("conversations.jsonl");
    data.run(
        &["import", "conversations", file.to_str().unwrap(), "--wait"],
        true,
    );
    let items = |question: &str| -> Vec<String> {
        recalled_texts(&data, question)
            .iter()
            .map(|t| t.to_lowercase())
            .collect()
    };
    // Questions a user asks the assistant that no memory is about.
    let general = [
        "What is the boiling point of water?",
        "Explain recursion.",
        "How many bones are in the human body?",
        "Who wrote Pride and Prejudice?",
        "What does the mitochondria do in a cell?",
        "How do I sort a dictionary by value in Python?",
        "Why do leaves change colour in autumn?",
        "What is the tallest mountain on Earth?",
        "Convert 100 degrees Fahrenheit to Celsius.",
        "What is a prime number?",
    ];
    let spoke: Vec<_> = general
        .iter()
        .map(|q| (q, items(q)))
        .filter(|(_, found)| !found.is_empty())
        .collect();
    assert!(
        spoke.len() <= 1,
        "recalled for general questions: {spoke:#?}"
    );
    // Questions about the two people find what was said.
    let about_them: Vec<_> = questions
        .iter()
        .filter(|q| q["kind"] == "single")
        .take(12)
        .collect();
    assert!(about_them.len() >= 10, "{about_them:?}");
    let answered = about_them
        .iter()
        .filter(|q| {
            let answer = q["answer"].as_str().unwrap().to_lowercase();
            items(q["question"].as_str().unwrap())
                .iter()
                .any(|t| t.contains(&answer))
        })
        .count();
    assert!(
        answered * 3 >= about_them.len() * 2,
        "{answered} of {} questions about the people recalled their answer",
        about_them.len()
    );
}

#[test]
fn facts_about_a_person_are_not_recalled_for_every_question_naming_them() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"s1","time":"2026-03-01T10:00:00Z","speaker":"Maya","role":"user","text":"I moved my desk next to the window.","id":"t1"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:01:00Z","speaker":"Tom","role":"other","text":"Nice, more light for you.","id":"t2"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:02:00Z","speaker":"Maya","role":"user","text":"I'm over The Office, my favourite show now is Severance.","id":"t3"}"#,
            r#"{"session":"s2","time":"2026-04-02T09:00:00Z","speaker":"Maya","role":"user","text":"My sister Marta just got engaged.","id":"t4"}"#,
            r#"{"session":"s2","time":"2026-04-02T09:01:00Z","speaker":"Tom","role":"other","text":"Congratulations to her!","id":"t5"}"#,
        ],
    );
    let facts = data.json(&["memory", "list", "--kind", "fact", "--all", "--json"]);
    assert_eq!(facts.as_array().unwrap().len(), 3, "{facts}");
    // Every clause is read, and "I'm over X" says Maya is done with X, not a fact about her.
    let said: Vec<&str> = facts
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    assert!(
        said.contains(&"Maya's favourite show now is Severance."),
        "{said:?}"
    );
    assert!(!said.iter().any(|f| f.contains("is over")), "{said:?}");
    let recalled = |question: &str| recalled_texts(&data, question);
    // Every fact names Maya, so each lies close to any question naming her: none is recalled
    // for what nobody said.
    for question in [
        "Who was Maya's best man?",
        "What is the name of Maya's horse?",
        "Which university did Maya's grandfather attend?",
    ] {
        assert_eq!(recalled(question), Vec::<String>::new(), "{question}");
    }
    // What was said is.
    let married = recalled("Who is getting married in Maya's family?");
    assert!(
        married.contains(&"Maya's sister Marta just got engaged.".to_string()),
        "{married:?}"
    );
    let desk = recalled("Where is Maya's desk now?");
    assert!(
        desk.iter().any(|t| t.contains("desk next to the window")),
        "{desk:?}"
    );
}

#[test]
fn a_turn_and_the_fact_drawn_from_it_are_recalled_once() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"s1","time":"2026-03-01T10:00:00Z","speaker":"Maya","role":"user","text":"My sister Agnieszka is a nurse in Krakow.","id":"t1"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:01:00Z","speaker":"Tom","role":"other","text":"That sounds like demanding work.","id":"t2"}"#,
            r#"{"session":"s2","time":"2026-04-02T09:00:00Z","speaker":"Maya","role":"user","text":"My sister Marta just got engaged.","id":"t3"}"#,
        ],
    );
    // Both the turn and the fact drawn from it are stored (each is found its own way) …
    let facts = data.json(&["memory", "list", "--kind", "fact", "--all", "--json"]);
    assert_eq!(facts.as_array().unwrap().len(), 2, "{facts}");
    // … but the prompt gets what Maya said once, leaving the room to other evidence.
    for (question, said) in [
        (
            "What does Maya's sister Agnieszka do for a living?",
            "nurse in Krakow",
        ),
        ("Which of Maya's sisters got engaged?", "just got engaged"),
    ] {
        let texts = recalled_texts(&data, question);
        let saying = texts.iter().filter(|t| t.contains(said)).count();
        assert_eq!(saying, 1, "{question}: {texts:?}");
    }
}

#[test]
fn a_reply_repeating_what_was_said_is_not_recalled_beside_it() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"s1","time":"2026-03-01T10:00:00Z","speaker":"Maya","role":"user","text":"My sister Hanna lives in Tromsø and works as a pilot.","id":"t1"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:01:00Z","speaker":"assistant","role":"assistant","text":"Hanna is a pilot and lives in Tromsø.","id":"t2"}"#,
            r#"{"session":"s2","time":"2026-04-02T09:00:00Z","speaker":"Maya","role":"user","text":"Hanna turned 34 in Tromsø.","id":"t3"}"#,
        ],
    );
    for question in [
        "Where does Maya's sister live?",
        "What does Hanna do for a living?",
    ] {
        let texts = recalled_texts(&data, question);
        // What Maya said is recalled; the assistant saying it back adds nothing and takes no room …
        assert!(
            texts.iter().any(|t| t.contains("works as a pilot")),
            "{question}: {texts:?}"
        );
        assert!(
            !texts.contains(&"assistant: Hanna is a pilot and lives in Tromsø.".to_string()),
            "{question}: {texts:?}"
        );
    }
    // … while a turn that says something more (a number) is still recalled beside it.
    let texts = recalled_texts(&data, "How old is Hanna, who lives in Tromsø?");
    assert!(texts.iter().any(|t| t.contains("34")), "{texts:?}");
}

#[test]
fn a_reaction_next_to_the_evidence_is_not_recalled_for_it() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"s1","time":"2026-03-01T10:00:00Z","speaker":"Maya","role":"user","text":"We booked a trip to Kyoto for the autumn holidays.","id":"t1"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:01:00Z","speaker":"Tom","role":"other","text":"That's big news!","id":"t2"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:02:00Z","speaker":"Maya","role":"user","text":"I know, I can't wait.","id":"t3"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:03:00Z","speaker":"Tom","role":"other","text":"How do you feel about it?","id":"t4"}"#,
            r#"{"session":"s2","time":"2026-04-02T09:00:00Z","speaker":"Maya","role":"user","text":"The weather was grey all week.","id":"t5"}"#,
            r#"{"session":"s2","time":"2026-04-02T09:01:00Z","speaker":"Tom","role":"other","text":"Wow, I had no idea.","id":"t6"}"#,
        ],
    );
    for question in [
        "Where is Maya going for the autumn holidays?",
        "Which city will Maya visit in autumn?",
    ] {
        let texts = recalled_texts(&data, question);
        // The turn that says it is recalled; the replies beside it, found through it (each turn
        // is embedded with its neighbours), say nothing about it and are not.
        assert!(
            texts
                .iter()
                .any(|t| t == "Maya: We booked a trip to Kyoto for the autumn holidays."),
            "{question}: {texts:?}"
        );
        for reaction in ["Tom: That's big news!", "Tom: Wow, I had no idea."] {
            assert!(
                !texts.iter().any(|t| t == reaction),
                "{question}: {texts:?}"
            );
        }
    }
}

#[test]
fn the_reactions_of_the_person_asked_about_are_not_recalled_for_the_question() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"s1","time":"2026-03-01T10:00:00Z","speaker":"Maya","role":"user","text":"My brother just got engaged to his partner of ten years.","id":"t1"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:01:00Z","speaker":"Tom","role":"other","text":"That's big news!","id":"t2"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:02:00Z","speaker":"Tom","role":"other","text":"I gave up on the train, I cycle to work now instead of that.","id":"t3"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:03:00Z","speaker":"Maya","role":"user","text":"Good for you, the train was always late.","id":"t4"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:04:00Z","speaker":"Tom","role":"other","text":"Wow, I had no idea.","id":"t5"}"#,
        ],
    );
    let texts = recalled_texts(&data, "How does Tom get to work now?");
    // Tom's short replies are close to any question naming Tom by his name alone; what they say
    // is about nothing asked.
    assert!(
        texts
            .iter()
            .any(|t| t == "Tom: I gave up on the train, I cycle to work now instead of that."),
        "{texts:?}"
    );
    for reaction in ["Tom: That's big news!", "Tom: Wow, I had no idea."] {
        assert!(!texts.iter().any(|t| t == reaction), "{texts:?}");
    }
}

#[test]
fn a_reaction_naming_the_person_asked_about_is_not_recalled_for_the_question() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"s1","time":"2026-03-01T10:00:00Z","speaker":"Tom","role":"other","text":"I adopted a beagle last weekend, his name is Rocket.","id":"t1"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:01:00Z","speaker":"Maya","role":"user","text":"Oh nice, Tom would love that.","id":"t2"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:02:00Z","speaker":"Tom","role":"other","text":"The garden needs a fence now.","id":"t3"}"#,
            r#"{"session":"s2","time":"2026-03-08T09:00:00Z","speaker":"Maya","role":"user","text":"Tom, you should see the new bakery on our street.","id":"t4"}"#,
            r#"{"session":"s2","time":"2026-03-08T09:01:00Z","speaker":"Tom","role":"other","text":"I will go there on Saturday.","id":"t5"}"#,
        ],
    );
    // Maya's reaction names Tom, and so does the question; without the two people's names it
    // says nothing about a horse (before, it was recalled at 0.46).
    let horse = recalled_texts(&data, "What is the name of Tom's horse?");
    assert!(horse.is_empty(), "{horse:?}");
    let dog = recalled_texts(&data, "What is the name of Tom's dog?");
    assert!(dog.iter().any(|t| t.contains("Rocket")), "{dog:?}");
    assert!(
        !dog.iter().any(|t| t.contains("would love that")),
        "{dog:?}"
    );
}

/// Rows of the memory table whose own words have no vector yet.
fn rows_without_own_vector(memory_dir: &std::path::Path) -> usize {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = lancedb::connect(memory_dir.to_str().unwrap())
            .execute()
            .await
            .unwrap();
        let table = db.open_table("memories").execute().await.unwrap();
        table
            .count_rows(Some("own_vector IS NULL".into()))
            .await
            .unwrap()
    })
}

#[test]
fn a_memory_store_of_the_previous_schema_is_migrated_and_its_own_words_embedded_by_the_daemon() {
    let data = DataDir::new();
    import_conversation(
        &data,
        &[
            r#"{"session":"s1","time":"2026-03-01T10:00:00Z","speaker":"Tom","role":"other","text":"I gave up on the train, I cycle to work now.","id":"t1"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:01:00Z","speaker":"Maya","role":"user","text":"That's big news!","id":"t2"}"#,
            r#"{"session":"s1","time":"2026-03-01T10:02:00Z","speaker":"Maya","role":"user","text":"My sister Marta is a nurse in Kraków.","id":"t3"}"#,
        ],
    );
    data.run(&["daemon", "stop"], true);
    // Make it the store an older mneme wrote: no own_vector column, schema 1.
    let memory_dir = data.path().join("memory");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = lancedb::connect(memory_dir.to_str().unwrap())
            .execute()
            .await
            .unwrap();
        let table = db.open_table("memories").execute().await.unwrap();
        table.drop_columns(&["own_vector"]).await.unwrap();
    });
    std::fs::write(memory_dir.join("schema.json"), r#"{"schema_version":1}"#).unwrap();

    // A reader migrates it on open and recalls as before, embedding the own words it needs.
    let texts = recalled_texts(&data, "How does Tom get to work now?");
    assert_eq!(
        texts,
        ["Tom: I gave up on the train, I cycle to work now."],
        "{texts:?}"
    );
    let version: serde_json::Value =
        serde_json::from_slice(&std::fs::read(memory_dir.join("schema.json")).unwrap()).unwrap();
    assert_eq!(version["schema_version"], 2);
    let rows = data.json(&["memory", "list", "--all", "--json"]);
    let all = rows.as_array().unwrap().len();
    assert_eq!(rows_without_own_vector(&memory_dir), all, "{rows}");

    // The daemon embeds them, a slice at a time between other work.
    data.run(&["daemon", "start"], true);
    assert!(
        crate::common::eventually(Duration::from_secs(120), || rows_without_own_vector(
            &memory_dir
        ) == 0),
        "{} rows still without own words",
        rows_without_own_vector(&memory_dir)
    );
    assert_eq!(
        recalled_texts(&data, "How does Tom get to work now?"),
        texts
    );
}
