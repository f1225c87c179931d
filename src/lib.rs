//! mneme: a terminal chat assistant with long-term memory, running a local GGUF model.

pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod consolidate;
pub mod daemon;
pub mod domain;
pub mod engine;
pub mod error_chain;
pub mod gguf;
pub mod importer;
pub mod keymap;
pub mod logging;
pub mod memory;
pub mod models;
pub mod paths;
pub mod sanitize;
pub mod session;
pub mod tui;
