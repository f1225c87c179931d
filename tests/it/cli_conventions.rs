//! What users of Unix tools expect of the command line: quiet exits into closed pipes, shell
//! completions and a man page, id prefixes, `--continue`, and saying which day was consolidated.

use std::process::Stdio;

use crate::common::{DataDir, stdout};

/// Runs `mneme ARGS` with its standard output a pipe whose reader is already gone.
fn into_closed_pipe(data: &DataDir, args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    data.cmd(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let data = DataDir::new();
    data.run(&["memory", "add", "a note about bees"], true);
    for args in [&["doctor"][..], &["memory", "list", "--all"], &["--help"]] {
        let out = into_closed_pipe(&data, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0) | Some(141)),
            "mneme {args:?} ended with {:?}: {stderr}",
            out.status
        );
        assert!(!stderr.contains("Broken pipe"), "mneme {args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "mneme {args:?}: {stderr}");
    }
}

#[test]
fn completions_load_in_bash_and_the_man_page_names_every_command() {
    let data = DataDir::new();
    let script = stdout(&data.run(&["completions", "bash"], true));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mneme.bash");
    std::fs::write(&file, &script).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p mneme", file.display()))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        assert!(!stdout(&data.run(&["completions", shell], true)).is_empty());
    }
    let page = stdout(&data.run(&["man"], true));
    assert!(page.starts_with(".ie") || page.contains(".TH"), "{page}");
    for command in ["ask", "chat", "memory", "sessions", "completions"] {
        assert!(page.contains(command), "the page lists {command}");
    }
    let pages = dir.path().join("man");
    data.run(&["man", "--dir", pages.to_str().unwrap()], true);
    assert!(pages.join("mneme-memory-search.1").is_file());
}

#[test]
fn memory_ids_are_accepted_by_a_unique_prefix() {
    let data = DataDir::new();
    let id = stdout(&data.run(&["memory", "add", "the spare key is under the pot"], true))
        .trim()
        .to_string();
    let prefix = &id[..id.len() - 20];
    let shown = data.json(&["memory", "show", prefix, "--json"]);
    assert_eq!(shown["id"], id.as_str());
    data.run(&["memory", "pin", prefix], true);
    assert_eq!(
        data.json(&["memory", "show", &id, "--json"])["pinned"],
        true
    );
    let out = data.run(&["memory", "show", "zz-not-an-id"], false);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no memory `zz-not-an-id`"));
}

#[test]
fn ask_continue_resumes_and_consolidate_names_the_day() {
    let data = DataDir::new();
    let first = data.ask_new_json(8, "Say hello.");
    let again = data.json(&[
        "ask",
        "--continue",
        "--temp",
        "0",
        "--max-tokens",
        "8",
        "--json",
        "Say goodbye.",
    ]);
    assert_eq!(first["session"], again["session"]);

    let out = data.run(
        &["consolidate", "--now", "2026-11-29T12:00:00Z", "--json"],
        true,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("consolidated the day before --now, 2026-11-28")
            && stderr.contains("--date"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["date"], "2026-11-28");
}

#[test]
fn doctor_names_the_simd_paths_llama_cpp_was_built_with() {
    let data = DataDir::new();
    let out = stdout(&data.run(&["doctor"], true));
    let line = out
        .lines()
        .find(|l| l.contains("llama.cpp cpu"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("SSE3") && line.contains("AVX2"), "{line}");
    // Built for this machine (the Makefile and CI set GGML_NATIVE=ON), llama.cpp uses its widest
    // vectors: AVX-512 where the CPU has it, unless that was switched off on purpose.
    #[cfg(target_arch = "x86_64")]
    {
        let env_is = |name: &str, value: &str| {
            std::env::var(name).is_ok_and(|v| v.eq_ignore_ascii_case(value))
        };
        if env_is("GGML_NATIVE", "ON")
            && !env_is("GGML_NATIVE_AVX512", "OFF")
            && std::arch::is_x86_feature_detected!("avx512f")
        {
            assert!(line.contains("AVX512"), "{line}");
        }
    }
}

/// `make install` (scripts/install.sh): the installed binary carries no symbol table, runs, finds
/// the benchmark assets installed beside it, and has its man pages.
#[test]
fn an_installed_mneme_is_stripped_and_finds_its_assets_beside_it() {
    let prefix = tempfile::tempdir().unwrap();
    let built = env!("CARGO_BIN_EXE_mneme");
    let out = std::process::Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/install.sh"))
        .arg(built)
        .arg(prefix.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let installed = prefix.path().join("bin/mneme");
    let bytes = std::fs::read(&installed).unwrap();
    let has_section = |name: &[u8]| bytes.windows(name.len()).any(|w| w == name);
    assert!(has_section(b".text\0"), "not an ELF file with sections");
    assert!(
        !has_section(b".symtab\0"),
        "the installed binary keeps its symbols"
    );
    let (built_size, installed_size) =
        (std::fs::metadata(built).unwrap().len(), bytes.len() as u64);
    assert!(
        installed_size < built_size,
        "{installed_size} vs {built_size}"
    );
    assert!(prefix.path().join("share/man/man1/mneme.1").is_file());

    let data = DataDir::new();
    let doctor = std::process::Command::new(&installed)
        .arg("--data-dir")
        .arg(data.path())
        .arg("doctor")
        .env_remove("MNEME_ASSETS_DIR")
        .output()
        .unwrap();
    let out = stdout(&doctor);
    let line = out
        .lines()
        .find(|l| l.contains("benchmark assets"))
        .unwrap_or_else(|| panic!("{out}"));
    let beside = prefix.path().join("share/mneme/assets");
    assert!(
        line.starts_with("ok") && line.contains(&beside.display().to_string()),
        "{line}"
    );
}

/// A mneme that cannot find its benchmark assets says so in `doctor`, which then fails.
#[test]
fn doctor_fails_and_says_where_it_looked_when_benchmark_assets_are_missing() {
    let data = DataDir::new();
    let nowhere = data.path().join("no-assets");
    let out = data
        .cmd(&["doctor"])
        .env("MNEME_ASSETS_DIR", &nowhere)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.contains("benchmark assets"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.starts_with("FAIL"), "{line}");
    assert!(
        line.contains(&nowhere.display().to_string()) && line.contains("bench-text.txt"),
        "{line}"
    );
}
