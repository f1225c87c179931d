//! Starting, finding, replacing and stopping the daemon of a data dir.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::client::{ClientError, DaemonClient, request_shutdown};
use crate::memory::lock::WriterLock;
use crate::paths::Paths;

/// How long a starting daemon gets to answer on its socket.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a daemon holding the lock may take to listen on its socket (it binds right after
/// taking the lock, before loading anything).
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a daemon that cannot be asked (no socket) gets after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(10);
/// How long a stopping daemon gets to finish its current write.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

/// Identifies this executable: a rebuilt or upgraded binary gives a different string.
pub fn own_build() -> String {
    let exe = std::env::current_exe().unwrap_or_default();
    let meta = std::fs::metadata(&exe).ok();
    let size = meta.as_ref().map_or(0, |m| m.len());
    let mtime = meta
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{}:{size}:{mtime}", exe.display())
}

/// What `ensure_running` found or did.
#[derive(Debug, Clone, PartialEq)]
pub enum Started {
    AlreadyRunning {
        pid: u32,
    },
    Started {
        pid: u32,
    },
    /// A daemon of an older binary or protocol was stopped and a new one started.
    Replaced {
        old: u32,
        pid: u32,
    },
}

impl Started {
    pub fn pid(&self) -> u32 {
        match self {
            Started::AlreadyRunning { pid }
            | Started::Started { pid }
            | Started::Replaced { pid, .. } => *pid,
        }
    }
}

/// Extra arguments for a daemon being started (the injected clock, for tests and replays).
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    pub now: Option<chrono::DateTime<chrono::Utc>>,
}

/// A connection to the running daemon, if one answers (an incompatible one is an error).
pub async fn connect(paths: &Paths) -> Result<Option<DaemonClient>, ClientError> {
    DaemonClient::connect(&paths.daemon_socket()).await
}

/// Makes sure a current daemon runs for `paths`: keeps a running one of this same binary,
/// replaces a stale one (another binary or protocol), or starts one, detached.
pub async fn ensure_running(paths: &Paths, options: &StartOptions) -> Result<Started> {
    let socket = paths.daemon_socket();
    let mut replaced = None;
    match DaemonClient::connect(&socket).await {
        Ok(Some(client)) if client.hello.build == own_build() => {
            return Ok(Started::AlreadyRunning {
                pid: client.hello.pid,
            });
        }
        Ok(Some(client)) => {
            tracing::info!(
                "replacing daemon {} of another binary ({})",
                client.hello.pid,
                client.hello.build
            );
            replaced = Some(client.hello.pid);
            drop(client);
            stop(paths).await?;
        }
        Err(ClientError::Mismatch { daemon }) => {
            let pid = WriterLock::holder(&paths.daemon_lock_file()).map_or(0, |h| h.pid);
            tracing::info!("replacing daemon {pid} of protocol {daemon}");
            replaced = Some(pid);
            stop(paths).await?;
        }
        Ok(None) => {
            // Maybe one is starting right now: it holds the lock just before it listens.
            let holder = WriterLock::holder(&paths.daemon_lock_file())
                .filter(|holder| holder.role == "daemon");
            if let Some(holder) = holder {
                if let Some(client) = wait_for_socket(paths, LISTEN_TIMEOUT).await {
                    return Ok(Started::AlreadyRunning {
                        pid: client.hello.pid,
                    });
                }
                // It holds the store but never listened: half-started or hung. Replace it.
                tracing::warn!(pid = holder.pid, "replacing a daemon that does not answer");
                stop(paths).await?;
                replaced = Some(holder.pid);
            }
        }
        // Nothing holds the store, so whatever is at the socket's path (in a directory only this
        // user controls) is left from a crash: the new daemon replaces it.
        Err(e) if WriterLock::holder(&paths.daemon_lock_file()).is_none() => {
            tracing::warn!("replacing a stale daemon socket: {e}");
        }
        Err(e) => return Err(e.into()),
    }
    let pid = spawn(paths, options).await?;
    Ok(match replaced {
        Some(old) => Started::Replaced { old, pid },
        None => Started::Started { pid },
    })
}

async fn wait_for_socket(paths: &Paths, timeout: Duration) -> Option<DaemonClient> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(Some(client)) = DaemonClient::connect(&paths.daemon_socket()).await {
            return Some(client);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// Starts `mneme daemon run` for `paths` in its own session, with no terminal, and waits until it answers.
async fn spawn(paths: &Paths, options: &StartOptions) -> Result<u32> {
    let exe = std::env::current_exe().context("cannot find the mneme executable")?;
    let mut command = Command::new(exe);
    command
        .arg("--data-dir")
        .arg(&paths.data_dir)
        .arg("--config")
        .arg(&paths.config_file)
        .args(["daemon", "run"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(now) = options.now {
        command.arg("--now").arg(now.to_rfc3339());
    }
    // SAFETY: setsid is async-signal-safe; it detaches the daemon from the terminal's signals.
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = command.spawn().context("cannot start the memory daemon")?;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(client)) = DaemonClient::connect(&paths.daemon_socket()).await {
            // Reap the child in the background so it never lingers as a zombie of ours.
            std::thread::spawn(move || child.wait());
            return Ok(client.hello.pid);
        }
        if let Some(status) = child.try_wait()? {
            bail!(
                "the memory daemon exited at start ({status}); see the log in {}",
                paths.log_dir().display()
            );
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("the memory daemon did not answer within {START_TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Stops the daemon of `paths`: asks it to finish its write and exit, waits for the writer lock
/// to be released, and falls back to SIGTERM. Returns the pid that was stopped.
pub async fn stop(paths: &Paths) -> Result<Option<u32>> {
    let lock_file = paths.daemon_lock_file();
    let holder = WriterLock::holder(&lock_file).filter(|h| h.role == "daemon");
    let asked = request_shutdown(&paths.daemon_socket())
        .await
        .unwrap_or(false);
    let Some(holder) = holder else {
        return Ok(None);
    };
    if !asked {
        // SAFETY: plain kill(2) to a pid read from our own lock file.
        unsafe { libc::kill(holder.pid as i32, libc::SIGTERM) };
    }
    let started = Instant::now();
    let deadline = started + STOP_TIMEOUT;
    let mut killed = false;
    while WriterLock::holder(&lock_file).is_some() {
        if !asked && !killed && started.elapsed() > TERM_GRACE {
            // It could not be asked and ignored SIGTERM: it is not doing a write we would lose.
            // SAFETY: as above.
            unsafe { libc::kill(holder.pid as i32, libc::SIGKILL) };
            killed = true;
        }
        if Instant::now() > deadline {
            bail!(
                "the memory daemon (pid {}) did not stop within {STOP_TIMEOUT:?}",
                holder.pid
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(Some(holder.pid))
}
