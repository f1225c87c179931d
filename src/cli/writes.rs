//! Sends a memory write to the daemon, or applies it here under the writer lock when none runs.

use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::App;
use crate::daemon::lifecycle;
use crate::daemon::lock::WriterLock;
use crate::daemon::writes::{WriteOp, Writer};
use crate::memory::service::MemoryService;

/// How long a direct write waits for another command's direct write to finish.
const LOCK_WAIT: Duration = Duration::from_secs(60);

/// Applies `op` through the running daemon (the store's single writer), else directly.
pub async fn send(app: &App, op: WriteOp) -> Result<Value> {
    send_within(app, op, None, None).await
}

/// `send`, giving up on a busy daemon after `timeout` (the daemon still finishes the write);
/// a direct write uses `local` when the caller has the memory service loaded already.
pub async fn send_within(
    app: &App,
    op: WriteOp,
    timeout: Option<Duration>,
    local: Option<&MemoryService>,
) -> Result<Value> {
    let paths = app.paths.clone();
    let via_daemon = op.clone();
    let sent = tokio::task::spawn_blocking(move || -> Result<Option<Value>> {
        match lifecycle::connect(&paths)? {
            Some(mut client) => Ok(Some(client.call(
                crate::daemon::protocol::Op::Write { write: via_daemon },
                timeout,
            )?)),
            None => Ok(None),
        }
    })
    .await??;
    if let Some(value) = sent {
        return Ok(value);
    }
    let lock_path = app.paths.daemon_lock_file();
    let lock = tokio::task::spawn_blocking(move || {
        WriterLock::acquire_within(&lock_path, "cli", LOCK_WAIT)
    })
    .await??;
    let Some(_lock) = lock else {
        // The daemon holds it but did not answer: it is starting. Try it once more.
        let paths = app.paths.clone();
        return tokio::task::spawn_blocking(move || -> Result<Value> {
            std::thread::sleep(Duration::from_secs(2));
            let mut client = lifecycle::connect(&paths)?
                .context("the memory store is locked by a daemon that does not answer")?;
            Ok(client.write(op)?)
        })
        .await?;
    };
    let loaded;
    let memory = match local {
        Some(m) => m,
        None => {
            loaded = app.memory().await?;
            &loaded
        }
    };
    let writer = Writer {
        memory,
        paths: &app.paths,
        config: &app.config,
        cancel: CancellationToken::new(),
    };
    writer.apply(op).await
}
