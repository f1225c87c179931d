//! The store's writer lock: an exclusive file lock (`File::try_lock`, flock on Linux) on `daemon.lock`, held by the daemon for its lifetime or by a
//! CLI command for one direct write, with the holder's pid and role written inside.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Who holds the lock.
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    pub pid: u32,
    /// `daemon` or `cli`.
    pub role: String,
}

/// A held writer lock; released on drop (and by the kernel if the process dies).
#[derive(Debug)]
pub struct WriterLock {
    file: File,
}

impl WriterLock {
    /// Takes the lock if it is free.
    pub fn try_acquire(path: &Path, role: &str) -> io::Result<Option<Self>> {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        file.set_len(0)?;
        file.rewind()?;
        writeln!(file, "{} {role}", std::process::id())?;
        file.sync_all()?;
        Ok(Some(Self { file }))
    }

    /// Takes the lock, waiting up to `timeout` for another holder to let go.
    pub fn acquire_within(path: &Path, role: &str, timeout: Duration) -> io::Result<Option<Self>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(lock) = Self::try_acquire(path, role)? {
                return Ok(Some(lock));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Who holds the lock now, if anyone (read from the file; `None` when it is free).
    pub fn holder(path: &Path) -> Option<Holder> {
        let mut text = String::new();
        File::open(path).ok()?.read_to_string(&mut text).ok()?;
        let mut parts = text.split_whitespace();
        let pid = parts.next()?.parse().ok()?;
        let role = parts.next().unwrap_or("").to_string();
        // A lock we can take is not held; let it go again at once.
        match Self::try_acquire_quiet(path) {
            Some(_) => None,
            None => Some(Holder { pid, role }),
        }
    }

    fn try_acquire_quiet(path: &Path) -> Option<File> {
        let file = File::open(path).ok()?;
        file.try_lock().ok()?;
        Some(file)
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_the_holder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daemon.lock");
        let first = WriterLock::try_acquire(&path, "daemon").unwrap().unwrap();
        assert!(WriterLock::try_acquire(&path, "cli").unwrap().is_none());
        assert_eq!(
            WriterLock::holder(&path),
            Some(Holder {
                pid: std::process::id(),
                role: "daemon".into()
            })
        );
        drop(first);
        assert_eq!(WriterLock::holder(&path), None);
        assert!(WriterLock::try_acquire(&path, "cli").unwrap().is_some());
    }
}
