//! Integration tests: the real binary, the real model, real files in temp dirs (one test binary, linked once).

mod ask_cli;
mod attention;
mod chat_tmux;
mod cli_conventions;
mod common;
mod config_cli;
mod daemon;
mod engine;
mod faults;
mod mcp;
mod memory_cli;
mod models_pull;
mod object_storage;
mod openai_backend;
mod plain_chat;
mod sessions_cli;
mod tui_tmux;
mod tui_views;
