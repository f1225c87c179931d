//! `mneme sessions` through the real binary.

use crate::common::DataDir;

#[test]
fn sessions_export_rename_and_delete() {
    let data = DataDir::new();
    let reply = data.ask_new_json(16, "Hi there");
    let id = reply["session"].as_str().unwrap();
    let md = data.run(&["sessions", "export", id, "--format", "markdown"], true);
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.starts_with("# Hi there"), "{md}");
    assert!(md.contains(reply["reply"].as_str().unwrap().trim()));
    let jsonl = data.run(&["sessions", "export", id, "--format", "jsonl"], true);
    assert_eq!(String::from_utf8(jsonl.stdout).unwrap().lines().count(), 2);
    data.run(&["sessions", "rename", id, "Greetings"], true);
    assert_eq!(
        data.json(&["sessions", "list", "--json"])[0]["title"],
        "Greetings"
    );
    data.run(&["sessions", "delete", id], true);
    assert_eq!(
        data.json(&["sessions", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let out = data.run(&["sessions", "show", id], false);
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("no session")
    );
}
