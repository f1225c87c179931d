//! Where mneme keeps things: the private data dir, the shared models dir, the config and the logs.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Environment variable that overrides the data dir (same as `--data-dir`).
pub const DATA_DIR_ENV: &str = "MNEME_HOME";
/// Environment variable that overrides the shared models dir.
pub const MODELS_DIR_ENV: &str = "MNEME_MODELS_DIR";

/// The resolved locations for one run of mneme.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Private per-user data: sessions, memory database, logs. Created 0700.
    pub data_dir: PathBuf,
    /// Models fetched from packages, shared by every data dir.
    pub models_dir: PathBuf,
    /// The TOML config file.
    pub config_file: PathBuf,
}

impl Paths {
    /// Resolves the locations from explicit options, the environment and the platform defaults.
    pub fn resolve(data_dir: Option<PathBuf>, config_file: Option<PathBuf>) -> io::Result<Self> {
        let dirs = directories::ProjectDirs::from("", "", "mneme");
        let data_dir = match data_dir {
            Some(dir) => dir,
            None => dirs
                .as_ref()
                .map(|d| d.data_dir().to_path_buf())
                .ok_or_else(|| io::Error::other("no home directory: pass --data-dir"))?,
        };
        let models_dir = match std::env::var_os(MODELS_DIR_ENV) {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => dirs
                .as_ref()
                .map(|d| d.cache_dir().join("models"))
                .unwrap_or_else(|| data_dir.join("models")),
        };
        let config_file = config_file.unwrap_or_else(|| data_dir.join("config.toml"));
        Ok(Self {
            data_dir,
            models_dir,
            config_file,
        })
    }

    /// Session transcripts live here.
    pub fn sessions_dir(&self) -> PathBuf {
        self.data_dir.join("sessions")
    }

    /// The LanceDB memory store.
    pub fn memory_dir(&self) -> PathBuf {
        self.data_dir.join("memory")
    }

    /// The daemon's lock file: held by the single writer of the memory store, with its pid inside.
    pub fn daemon_lock_file(&self) -> PathBuf {
        self.data_dir.join("daemon.lock")
    }

    /// The daemon's Unix socket: in the (private) data dir, or, when that path is too long for a
    /// socket address, under a name derived from the data dir in a directory only this user can
    /// enter: `$XDG_RUNTIME_DIR/mneme/`, else `TMPDIR/mneme-UID/` (never a shared directory).
    pub fn daemon_socket(&self) -> PathBuf {
        let preferred = self.data_dir.join("daemon.sock");
        if preferred.as_os_str().len() < 100 {
            return preferred;
        }
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.data_dir.as_os_str().as_encoded_bytes());
        private_socket_dir().join(format!("{}.sock", &hex::encode(digest)[..16]))
    }

    /// What consolidation has done, day by day.
    pub fn consolidation_file(&self) -> PathBuf {
        self.data_dir.join("consolidation.json")
    }

    /// This data dir's own id, made once: what it writes to a memory table shared with other
    /// machines is told apart by it (two machines' digests of one day are two memories).
    pub fn origin_id(&self) -> io::Result<String> {
        let path = self.data_dir.join("origin-id");
        match fs::read_to_string(&path) {
            Ok(id) if !id.trim().is_empty() => return Ok(id.trim().to_string()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let id = uuid::Uuid::now_v7().simple().to_string();
        write_private_atomic(&path, format!("{id}\n").as_bytes())?;
        Ok(id)
    }

    /// Log files.
    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// Creates the data dir (0700) with its sub-dirs; tightens an existing one that is too open.
    pub fn ensure_data_dir(&self) -> io::Result<()> {
        ensure_private_dir(&self.data_dir)?;
        ensure_private_dir(&self.sessions_dir())?;
        ensure_private_dir(&self.log_dir())?;
        Ok(())
    }
}

/// Where sockets of long data-dir paths go: a directory of this user's own.
fn private_socket_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() && dir.is_dir() => dir.join("mneme"),
        _ => std::env::temp_dir().join(format!("mneme-{}", own_uid())),
    }
}

/// This process's effective uid.
pub fn own_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Creates `dir` (and parents) and makes it readable by its owner only.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let mode = fs::metadata(dir)?.permissions().mode() & 0o777;
    if mode != 0o700 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Opens `path` for appending, creating it 0600.
pub fn open_private_append(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .mode(0o600)
        .open(path)
}

/// Writes `bytes` to `path` atomically (temp file, fsync, rename) with mode 0600.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut file = OpenOptions::new()
            // Never through a file or link someone left at the temporary name.
            .create_new(true)
            .write(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_parent(path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A temporary name next to `path`, unique to this write.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let unique = uuid::Uuid::now_v7().simple().to_string();
    path.with_file_name(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        &unique[unique.len() - 8..]
    ))
}

/// Fsyncs the directory holding `path`, so a rename or a new file survives a crash.
pub fn sync_parent(path: &Path) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        File::open(parent)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_is_created_private_and_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("home");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        let paths = Paths::resolve(Some(dir.clone()), None).unwrap();
        paths.ensure_data_dir().unwrap();
        for d in [dir.clone(), paths.sessions_dir(), paths.log_dir()] {
            assert_eq!(
                fs::metadata(&d).unwrap().permissions().mode() & 0o777,
                0o700,
                "{d:?}"
            );
        }
    }

    #[test]
    fn atomic_write_is_private_and_leaves_no_temp_file() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("state.json");
        write_private_atomic(&file, b"{}").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"{}");
        assert_eq!(
            fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
        // An existing, more open file is replaced by a private one, not written through.
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        write_private_atomic(&file, b"[]").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"[]");
        assert_eq!(
            fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_ne!(
            temp_sibling(&file),
            temp_sibling(&file),
            "temp names are unique"
        );
    }
}
