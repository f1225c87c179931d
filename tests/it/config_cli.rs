//! Config, doctor and models commands through the real binary.

use std::os::unix::fs::PermissionsExt;

use crate::common::DataDir;

#[test]
fn a_bad_config_is_one_line_naming_file_line_and_key() {
    let data = DataDir::new();
    let path = data.write_config("[model]\nchat = \"smollm2-135m\"\ncontext_size = \"big\"\n");
    let out = data.run(&["ask", "--new", "hi"], false);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("{}:3: key `context_size`", path.display())),
        "{stderr}"
    );
    let path = data.write_config("[generation]\ntemprature = 0.5\n");
    let out = data.run(&["sessions", "list"], false);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "{}:2: key `temprature`: unknown field",
            path.display()
        )),
        "{stderr}"
    ); // A theme the chat does not have is caught when the config loads, by any command.
    let path = data.write_config("[tui]\ntheme = \"blue\"\n");
    let out = data.run(&["sessions", "list"], false);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{}:2: key `theme`", path.display())),
        "{stderr}"
    ); // So is a key binding for an action the chat does not have.
    let path = data.write_config("[tui.keys]\nfly = [\"ctrl+f\"]\n");
    let out = data.run(&["sessions", "list"], false);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{}:2: key `fly`: unknown action", path.display())),
        "{stderr}"
    );
}

#[test]
fn doctor_passes_with_fetched_models_and_a_private_data_dir() {
    let data = DataDir::new();
    let out = data.run(&["doctor"], true);
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains("ok   model smollm2-135m"), "{report}");
    assert!(report.contains("ok   onnx runtime"), "{report}");
    assert!(report.contains("all checks passed"), "{report}");
    let mode = std::fs::metadata(data.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    assert!(
        data.path().join("config.toml").is_file(),
        "the default config is written on first run"
    );
}

#[test]
fn doctor_fails_when_models_are_missing() {
    let data = DataDir::new();
    let empty = tempfile::tempdir().unwrap();
    let out = data
        .cmd(&["doctor"])
        .env("MNEME_MODELS_DIR", empty.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains("FAIL model smollm2-135m"), "{report}");
    assert!(report.contains("FAIL onnx runtime"), "{report}");
}

#[test]
fn models_use_switches_the_chat_model_and_keeps_comments() {
    let data = DataDir::new();
    data.run(&["models", "use", "gemma3-270m"], true);
    let config = std::fs::read_to_string(data.path().join("config.toml")).unwrap();
    assert!(config.contains("chat = \"gemma3-270m\""), "{config}");
    assert!(
        config.lines().any(|l| l.starts_with('#')),
        "comments survive"
    );
    let list = data.json(&["models", "list", "--json"]);
    let active: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["active"] == true)
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0]["name"], "gemma3-270m");
    let out = data.run(&["models", "use", "no-such-model"], false);
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("no model named")
    );
    // A GGUF cut short keeps its magic but not its tensors: refused, and the config unchanged.
    let whole = std::fs::read(crate::common::chat_model_path()).unwrap();
    let cut = data.path().join("cut.gguf");
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let out = data.run(&["models", "use", cut.to_str().unwrap()], false);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("truncated"), "{stderr}");
    let config = std::fs::read_to_string(data.path().join("config.toml")).unwrap();
    assert!(config.contains("chat = \"gemma3-270m\""), "{config}");
    let copy = data.path().join("copy.gguf");
    std::fs::write(&copy, &whole).unwrap();
    data.run(&["models", "use", copy.to_str().unwrap()], true);
}
