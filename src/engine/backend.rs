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
