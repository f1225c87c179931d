//! The full-screen chat: state → update → view, with generation, recall, memory and daemon calls
//! running in the background and reporting back as messages.

pub use crate::keymap as keys;
pub mod markdown;
pub mod render_cache;
pub mod runner;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;
pub mod worker;
