//! Attention strategies in llama.cpp: the model overrides and loading each strategy needs.

use std::ffi::CStr;

use llama_cpp_2::model::params::kv_overrides::ParamOverrideValue;

pub use crate::domain::attention::{Attention, DEFAULT_SINKS};

/// Metadata keys the patched llama.cpp reads for any architecture (see vendor/README.md).
pub const WINDOW_KEY: &CStr = c"mneme.attention.window";
pub const ALIBI_KEY: &CStr = c"mneme.attention.alibi_max_bias";

/// What llama.cpp needs for a strategy.
pub trait LlamaAttention {
    /// The llama.cpp metadata overrides this strategy loads the model with.
    fn model_overrides(&self) -> Vec<(&'static CStr, ParamOverrideValue)>;
    /// Loads `path` with this strategy's overrides.
    fn load_model(
        &self,
        backend: &llama_cpp_2::llama_backend::LlamaBackend,
        path: &std::path::Path,
    ) -> Result<llama_cpp_2::model::LlamaModel, llama_cpp_2::LlamaModelLoadError>;
}

impl LlamaAttention for Attention {
    fn model_overrides(&self) -> Vec<(&'static CStr, ParamOverrideValue)> {
        match *self {
            Attention::Window { window } => {
                vec![(WINDOW_KEY, ParamOverrideValue::Int(i64::from(window)))]
            }
            // Sent even for 0, which the patch must treat as absent (a test checks the logits).
            Attention::Alibi { max_bias } => {
                vec![(ALIBI_KEY, ParamOverrideValue::Float(f64::from(max_bias)))]
            }
            _ => Vec::new(),
        }
    }

    fn load_model(
        &self,
        backend: &llama_cpp_2::llama_backend::LlamaBackend,
        path: &std::path::Path,
    ) -> Result<llama_cpp_2::model::LlamaModel, llama_cpp_2::LlamaModelLoadError> {
        let mut params = std::pin::pin!(llama_cpp_2::model::params::LlamaModelParams::default());
        for (key, value) in self.model_overrides() {
            without_stderr(|| params.as_mut().append_kv_override(key, value));
        }
        llama_cpp_2::model::LlamaModel::load_from_file(backend, path, &params)
    }
}

/// Runs `f` with standard error pointed at /dev/null. llama-cpp-2 0.1.160's `append_kv_override`
/// prints a debug line ("saved ptr: 0x…") there, which would land on the chat's screen and in
/// every `ask --attention window:W`. (Anything another thread writes to stderr in that instant is
/// lost; the log file is unaffected.)
fn without_stderr<T>(f: impl FnOnce() -> T) -> T {
    use std::os::fd::AsRawFd;
    let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") else {
        return f();
    };
    // SAFETY: plain descriptor calls on fd 2 and descriptors this function owns.
    let saved = unsafe { libc::dup(2) };
    if saved < 0 || unsafe { libc::dup2(null.as_raw_fd(), 2) } < 0 {
        if saved >= 0 {
            unsafe { libc::close(saved) };
        }
        return f();
    }
    let out = f();
    unsafe {
        libc::dup2(saved, 2);
        libc::close(saved);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_and_alibi_load_with_overrides() {
        assert!(Attention::Full.model_overrides().is_empty());
        assert_eq!(
            Attention::Alibi { max_bias: 0.0 }.model_overrides().len(),
            1
        );
        assert_eq!(Attention::Window { window: 64 }.model_overrides().len(), 1);
    }
}
