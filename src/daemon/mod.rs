//! The memory daemon: one background process per data dir, the single writer of the memory store.
//!
//! It embeds new turns as transcripts grow, consolidates each day overnight and keeps the store
//! compact. Clients read the store directly and send every write to it over a Unix socket.

pub mod client;
pub mod forget;
pub mod ingest;
pub mod lifecycle;
pub mod protocol;
pub mod server;
pub mod status;
pub mod trust;
pub mod writes;
