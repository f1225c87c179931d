//! Sends a memory write to the daemon, or applies it here under the writer lock when none runs.

use std::time::Duration;

use anyhow::{Context, Result};
use tokio_util::sync::CancellationToken;

use super::App;
use crate::daemon::lifecycle;
use crate::daemon::writes::{WriteOp, WriteResult, Writer};
use crate::memory::lock::WriterLock;
use crate::memory::service::MemoryService;

/// How long a direct write waits for another command's direct write to finish.
const LOCK_WAIT: Duration = Duration::from_secs(60);

/// Applies `op` through the running daemon (the store's single writer), else directly.
pub async fn send(app: &App, op: WriteOp) -> Result<WriteResult> {
    send_within(app, op, None, None).await
}

/// `send`, giving up on a busy daemon after `timeout` (the daemon still finishes the write);
/// a direct write uses `local` when the caller has the memory service loaded already.
pub async fn send_within(
    app: &App,
    op: WriteOp,
    timeout: Option<Duration>,
    local: Option<&MemoryService>,
) -> Result<WriteResult> {
    if let Some(mut client) = lifecycle::connect(&app.paths).await? {
        return Ok(client.write(op, timeout).await?);
    }
    let lock_path = app.paths.daemon_lock_file();
    let lock = tokio::task::spawn_blocking(move || {
        WriterLock::acquire_within(&lock_path, "cli", LOCK_WAIT)
    })
    .await??;
    let Some(lock) = lock else {
        // The daemon holds it but did not answer: it is starting. Try it once more.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut client = lifecycle::connect(&app.paths)
            .await?
            .context("the memory store is locked by a daemon that does not answer")?;
        return Ok(client.write(op, timeout).await?);
    };
    let loaded;
    let memory = match local {
        Some(m) => m,
        None => {
            loaded = app.memory().await?;
            &loaded
        }
    };
    let writer = Writer::new(
        memory.writer(&lock),
        &app.paths,
        &app.config,
        CancellationToken::new(),
    );
    writer.apply(op).await
}
