//! Who may talk to whom over the daemon's socket: only the user who owns the data dir. The socket
//! lives in a directory only that user can enter, and both ends check the other's uid.

use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

/// Requests larger than this are refused (a `memory import` of a large export fits).
pub const MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

pub use crate::paths::own_uid;

/// Why a socket or its peer is not trusted.
#[derive(Debug, thiserror::Error)]
#[error("refusing the memory daemon socket: {0}")]
pub struct Untrusted(pub String);

/// Creates (0700) or checks the directory a socket is made in: it must be a real directory owned
/// by this user that nobody else can enter or write.
pub fn ensure_private_socket_dir(dir: &Path) -> Result<(), Untrusted> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Untrusted(format!("cannot create {}: {e}", dir.display()))),
    }
    check_private_dir(dir)
}

fn owned_by_me(path: &Path, meta: &std::fs::Metadata) -> Result<(), Untrusted> {
    if meta.uid() == own_uid() {
        return Ok(());
    }
    Err(Untrusted(format!(
        "{} belongs to uid {}, not to you (uid {})",
        path.display(),
        meta.uid(),
        own_uid()
    )))
}

/// A directory owned by this user that no one else can write to or enter.
pub fn check_private_dir(dir: &Path) -> Result<(), Untrusted> {
    let meta = std::fs::symlink_metadata(dir)
        .map_err(|e| Untrusted(format!("cannot inspect {}: {e}", dir.display())))?;
    if !meta.is_dir() {
        return Err(Untrusted(format!("{} is not a directory", dir.display())));
    }
    owned_by_me(dir, &meta)?;
    if meta.mode() & 0o077 != 0 {
        return Err(Untrusted(format!(
            "{} can be entered by other users (mode {:o})",
            dir.display(),
            meta.mode() & 0o777
        )));
    }
    Ok(())
}

/// Checks the socket a client is about to connect to: a socket owned by this user, in a directory
/// only this user controls. `Ok(false)` when there is no socket at all.
pub fn check_socket(socket: &Path) -> Result<bool, Untrusted> {
    let meta = match std::fs::symlink_metadata(socket) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(Untrusted(format!(
                "cannot inspect {}: {e}",
                socket.display()
            )));
        }
    };
    if !meta.file_type().is_socket() {
        return Err(Untrusted(format!(
            "{} is not a socket (remove it, then `mneme daemon start`)",
            socket.display()
        )));
    }
    owned_by_me(socket, &meta)?;
    if let Some(dir) = socket.parent() {
        let dir_meta = std::fs::metadata(dir)
            .map_err(|e| Untrusted(format!("cannot inspect {}: {e}", dir.display())))?;
        if dir_meta.uid() != own_uid() || dir_meta.mode() & 0o022 != 0 {
            return Err(Untrusted(format!(
                "{} is writable by other users or not yours",
                dir.display()
            )));
        }
    }
    Ok(true)
}

/// Whether a peer with `uid` may use this end of the socket.
pub fn peer_allowed(uid: u32) -> bool {
    uid == own_uid()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn only_a_private_directory_and_an_own_socket_are_trusted() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("sockets");
        ensure_private_socket_dir(&dir).unwrap();
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(
            ensure_private_socket_dir(&dir).is_err(),
            "an open dir is refused"
        );
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();

        let socket = dir.join("d.sock");
        assert!(!check_socket(&socket).unwrap(), "no socket: no daemon");
        std::fs::write(&socket, b"planted").unwrap();
        let err = check_socket(&socket).unwrap_err().to_string();
        assert!(err.contains("not a socket"), "{err}");
        std::fs::remove_file(&socket).unwrap();
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        assert!(check_socket(&socket).unwrap());
        assert!(peer_allowed(own_uid()));
        assert!(!peer_allowed(own_uid().wrapping_add(1)));
    }
}
