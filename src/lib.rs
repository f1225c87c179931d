//! mneme: a terminal chat assistant with long-term memory, running a local GGUF model.

pub mod bench;
pub mod cli;
pub mod config;
pub mod consolidate;
pub mod conversation;
pub mod daemon;
pub mod engine;
pub mod importer;
pub mod logging;
pub mod memory;
pub mod models;
pub mod paths;
pub mod session;
pub mod tui;
