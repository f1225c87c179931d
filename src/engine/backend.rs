//! llama.cpp's backend is initialised once per process; every engine shares it.

use std::sync::OnceLock;

use llama_cpp_2::llama_backend::LlamaBackend;

static BACKEND: OnceLock<LlamaBackend> = OnceLock::new();

/// The process's llama.cpp backend, with llama.cpp's logs routed into tracing (the log file).
pub fn backend() -> &'static LlamaBackend {
    BACKEND.get_or_init(|| {
        llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
        LlamaBackend::init().expect("llama.cpp backend is initialised only here")
    })
}

/// llama.cpp's description of the CPU features it was built with.
pub fn system_info() -> String {
    backend();
    // SAFETY: returns a pointer to a static, NUL-terminated string owned by llama.cpp.
    let info = unsafe { std::ffi::CStr::from_ptr(llama_cpp_sys_2::llama_print_system_info()) };
    info.to_string_lossy().trim().to_string()
}

/// The CPU instruction sets llama.cpp was built to use (`AVX2`, `AVX512`, …), read from
/// `system_info` (its `NAME = 1` entries).
pub fn simd_paths(system_info: &str) -> Vec<String> {
    system_info
        .split('|')
        .filter_map(|part| part.rsplit(':').next()?.trim().split_once('='))
        .filter(|(_, on)| on.trim() == "1")
        .map(|(name, _)| name.trim().to_string())
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn simd_paths_are_the_features_llama_cpp_reports_on() {
        let info = "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX512 = 0 | FMA = 1 | LLAMAFILE = 1 | \
                    OPENMP = 1 | REPACK = 1 |";
        assert_eq!(
            super::simd_paths(info),
            [
                "SSE3",
                "SSSE3",
                "AVX",
                "FMA",
                "LLAMAFILE",
                "OPENMP",
                "REPACK"
            ]
        );
    }
}
