//! `mneme doctor`: one line per check of what mneme needs, and a non-zero exit when any fails.

use std::ffi::CString;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use super::{App, Cli};
use crate::config::Config;
use crate::models::{ArtifactState, Catalog};

/// With `backend = "openai"`: the server answers, lists its models, and serves the one asked for.
async fn check_model_server(report: &mut Report, config: &Config) {
    if config.model.backend != crate::config::Backend::OpenAi {
        return;
    }
    let settings = crate::engine::openai::OpenAiSettings::resolve(
        &config.model,
        |name| std::env::var(name).ok(),
        None,
    );
    let key = if settings.api_key.is_some() {
        "key set"
    } else {
        "no key"
    };
    let base_url = settings.base_url.clone();
    match crate::engine::Engine::connect(settings).await {
        Ok(engine) => report.line(
            true,
            "model server",
            format!("{base_url} serves `{}` ({key})", engine.info().name),
        ),
        Err(e) => report.line(false, "model server", e.to_string()),
    }
}

struct Report {
    failures: usize,
}

impl Report {
    fn line(&mut self, ok: bool, what: &str, detail: impl AsRef<str>) {
        if !ok {
            self.failures += 1;
        }
        crate::outln!(
            "{} {what:<22} {}",
            if ok { "ok  " } else { "FAIL" },
            detail.as_ref()
        );
    }
}

pub async fn run(cli: &Cli) -> Result<ExitCode> {
    let (paths, _log) = App::prepare(cli.data_dir.clone(), cli.config.clone(), "cli")?;
    let mut report = Report { failures: 0 };

    let config = Config::load_or_create(&paths.config_file);
    report.line(
        config.is_ok(),
        "config",
        match &config {
            Ok(_) => paths.config_file.display().to_string(),
            Err(e) => e.to_string(),
        },
    );
    check_data_dir(&mut report, &paths.data_dir);

    let catalog = Catalog::new(&paths.models_dir);
    for artifact in &catalog.artifacts {
        let path = catalog.path_of(artifact);
        let detail = match catalog.verify(artifact) {
            Ok(ArtifactState::Ok) => format!("{} (sha256 ok)", path.display()),
            Ok(ArtifactState::Missing) => {
                format!("{} is missing: run `mneme models fetch`", path.display())
            }
            Ok(ArtifactState::WrongSize | ArtifactState::WrongHash) => {
                format!(
                    "{} is damaged (size or sha256 differs): run `mneme models fetch`",
                    path.display()
                )
            }
            Err(e) => format!("{}: {e}", path.display()),
        };
        report.line(
            detail.ends_with("(sha256 ok)"),
            &format!("model {}", artifact.name),
            detail,
        );
    }
    if let Ok(config) = &config {
        check_model_server(&mut report, config).await;
        let chosen = catalog.resolve_chat(&config.model.chat);
        let remote = config.model.backend == crate::config::Backend::OpenAi;
        report.line(
            chosen.is_ok() || remote,
            "chat model",
            match chosen {
                Ok(m) => format!("{} ({})", m.name, m.path.display()),
                Err(e) if remote => format!("not used with backend = \"openai\" ({e})"),
                Err(e) => e.to_string(),
            },
        );
    }
    let runtime = catalog.onnxruntime_library();
    let loaded = check_loadable(&runtime, "OrtGetApiBase");
    report.line(
        loaded.is_ok(),
        "onnx runtime",
        match loaded {
            Ok(()) => format!("{} loads", runtime.display()),
            Err(e) => e,
        },
    );
    let assets = crate::bench::assets::assets_dir();
    let missing = crate::bench::assets::missing(&assets);
    report.line(
        missing.is_empty(),
        "benchmark assets",
        if missing.is_empty() {
            assets.display().to_string()
        } else {
            format!(
                "{} lacks {} (`mneme bench` reads them): set {} to the assets/ folder of a \
                 mneme checkout",
                assets.display(),
                missing.join(", "),
                crate::bench::assets::ASSETS_DIR_ENV
            )
        },
    );
    // Which SIMD paths the llama.cpp in this binary uses (built for this CPU by `make`).
    let simd = crate::engine::simd_paths(&crate::engine::system_info());
    report.line(true, "llama.cpp cpu", simd.join(" "));
    let store = crate::session::SessionStore::new(paths.sessions_dir());
    let sessions = store.list();
    report.line(
        sessions.is_ok(),
        "sessions",
        match sessions {
            Ok(rows) => format!("{} readable", rows.len()),
            Err(e) => e.to_string(),
        },
    );
    let memory_config = config
        .as_ref()
        .map(|c| c.memory.clone())
        .unwrap_or_default();
    let location =
        crate::memory::location::StoreLocation::for_config(&memory_config, paths.memory_dir());
    if location.is_shared() || location.dir().exists() {
        let opened = match crate::memory::store::MemoryStore::open(&location).await {
            Ok(store) => match store.count(&Default::default()).await {
                Ok(n) => Ok((n, store.vector_index().await.ok().flatten())),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        };
        report.line(
            opened.is_ok(),
            "memory database",
            match opened {
                Ok((n, index)) => format!(
                    "{} readable, {}; {}",
                    location.describe(),
                    crate::domain::counted(n, "memory", "memories"),
                    match index {
                        Some(ix) if ix.unindexed_rows > 0 => format!(
                            "{} vector index, {} not in it yet (upkeep adds them)",
                            ix.kind, ix.unindexed_rows
                        ),
                        Some(ix) => format!("{} vector index", ix.kind),
                        None => format!(
                            "exact vector search (an index is built from {} memories)",
                            crate::memory::ann::INDEX_FROM_ROWS
                        ),
                    }
                ),
                Err(e) => e,
            },
        );
    } else {
        report.line(
            true,
            "memory database",
            format!("{} (not created yet)", location.describe()),
        );
    }

    if report.failures > 0 {
        crate::outln!("{} check(s) failed", report.failures);
        return Ok(ExitCode::FAILURE);
    }
    crate::outln!("all checks passed");
    Ok(ExitCode::SUCCESS)
}

fn check_data_dir(report: &mut Report, dir: &Path) {
    let mode = std::fs::metadata(dir).map(|m| m.permissions().mode() & 0o777);
    let probe = dir.join(format!(".doctor-{}", std::process::id()));
    let writable = std::fs::write(&probe, b"ok").is_ok();
    let _ = std::fs::remove_file(&probe);
    match mode {
        Ok(0o700) if writable => report.line(
            true,
            "data dir",
            format!("{} (0700, writable)", dir.display()),
        ),
        Ok(0o700) => report.line(
            false,
            "data dir",
            format!("{} is not writable", dir.display()),
        ),
        Ok(mode) => report.line(
            false,
            "data dir",
            format!("{} is {mode:o}, should be 700: chmod 700 it", dir.display()),
        ),
        Err(e) => report.line(false, "data dir", format!("{}: {e}", dir.display())),
    }
}

/// Loads a shared library and looks up one symbol, as the runtime loader will.
fn check_loadable(path: &Path, symbol: &str) -> Result<(), String> {
    if !path.is_file() {
        return Err(format!(
            "{} is missing: run `mneme models fetch`",
            path.display()
        ));
    }
    let c_path = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|e| e.to_string())?;
    let c_symbol = CString::new(symbol).expect("no NUL");
    // SAFETY: dlopen/dlsym/dlclose on a path we own; the handle is closed before returning.
    unsafe {
        let handle = libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
        if handle.is_null() {
            let err = std::ffi::CStr::from_ptr(libc::dlerror())
                .to_string_lossy()
                .into_owned();
            return Err(format!("{} does not load: {err}", path.display()));
        }
        let found = !libc::dlsym(handle, c_symbol.as_ptr()).is_null();
        libc::dlclose(handle);
        if !found {
            return Err(format!(
                "{} has no {symbol}: not an ONNX Runtime library",
                path.display()
            ));
        }
    }
    Ok(())
}
