//! Session files: `<id>.jsonl` (one turn a line, appended and fsynced) and `<id>.meta.json`.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::{Session, SessionMeta, SessionSummary, Turn};
use crate::paths::{ensure_private_dir, open_private_append, sync_parent, write_private_atomic};

/// Why a session could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("no session `{0}` (see `mneme sessions list`)")]
    NotFound(String),
    #[error("`{0}` matches several sessions: {1}")]
    Ambiguous(String, String),
    #[error("session {id}: {source}")]
    Io { id: String, source: io::Error },
}

/// The sessions dir.
#[derive(Debug, Clone)]
pub struct SessionStore {
    dir: PathBuf,
}

impl SessionStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn transcript(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.jsonl"))
    }

    fn meta_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.meta.json"))
    }

    /// Where the saved KV cache of a session lives.
    pub fn kv_state_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.kv"))
    }

    /// Starts a new, empty session.
    pub fn create(&self) -> Result<Session, SessionError> {
        let now = Utc::now();
        let suffix = uuid::Uuid::now_v7().simple().to_string();
        let id = format!(
            "{}-{}",
            now.format("%Y%m%d-%H%M%S"),
            &suffix[suffix.len() - 4..]
        );
        self.open_or_create(&id, now)
    }

    fn write_meta(&self, meta: &SessionMeta) -> Result<(), SessionError> {
        let bytes = serde_json::to_vec_pretty(meta).expect("meta serialises");
        write_private_atomic(&self.meta_path(&meta.id), &bytes).map_err(|source| SessionError::Io {
            id: meta.id.clone(),
            source,
        })
    }

    /// All session ids, oldest first (ids sort by creation time).
    pub fn ids(&self) -> io::Result<Vec<String>> {
        let mut ids = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(ids),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if let Some(id) = name.strip_suffix(".jsonl")
                && !id.starts_with('.')
            {
                ids.push(id.to_string());
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// Finds a session by id or unique id prefix.
    pub fn resolve(&self, id_or_prefix: &str) -> Result<String, SessionError> {
        let ids = self.ids().map_err(|source| SessionError::Io {
            id: id_or_prefix.into(),
            source,
        })?;
        if ids.iter().any(|id| id == id_or_prefix) {
            return Ok(id_or_prefix.to_string());
        }
        let matches: Vec<_> = ids
            .iter()
            .filter(|id| id.starts_with(id_or_prefix))
            .collect();
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(SessionError::NotFound(id_or_prefix.into())),
            many => Err(SessionError::Ambiguous(
                id_or_prefix.into(),
                many.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )),
        }
    }

    /// Loads a session by id or unique prefix.
    pub fn open(&self, id_or_prefix: &str) -> Result<Session, SessionError> {
        let id = self.resolve(id_or_prefix)?;
        let io_err = |source| SessionError::Io {
            id: id.clone(),
            source,
        };
        let meta = match fs::read(self.meta_path(&id)) {
            Ok(bytes) => serde_json::from_slice(&bytes).ok(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_err(e)),
        };
        let file = File::open(self.transcript(&id)).map_err(io_err)?;
        let mut turns = Vec::new();
        let mut unreadable_lines = Vec::new();
        for (index, line) in BufReader::new(file).split(b'\n').enumerate() {
            let line = line.map_err(io_err)?;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Turn>(&line) {
                Ok(turn) => turns.push(turn),
                Err(_) => unreadable_lines.push(index + 1),
            }
        }
        if !unreadable_lines.is_empty() {
            tracing::warn!(session = %id, lines = ?unreadable_lines, "skipped unreadable transcript lines");
        }
        let meta = meta.unwrap_or_else(|| SessionMeta {
            id: id.clone(),
            created: turns.first().map_or_else(Utc::now, |t: &Turn| t.time),
            name: None,
        });
        Ok(Session {
            meta,
            turns,
            unreadable_lines,
        })
    }

    /// The most recently updated session.
    pub fn latest(&self) -> Result<Option<Session>, SessionError> {
        let mut best: Option<Session> = None;
        for id in self.ids().map_err(|source| SessionError::Io {
            id: "*".into(),
            source,
        })? {
            let session = self.open(&id)?;
            if best
                .as_ref()
                .is_none_or(|b| session.updated() >= b.updated())
            {
                best = Some(session);
            }
        }
        Ok(best)
    }

    /// Every session, most recently updated first.
    pub fn list(&self) -> Result<Vec<SessionSummary>, SessionError> {
        let mut rows = Vec::new();
        for id in self.ids().map_err(|source| SessionError::Io {
            id: "*".into(),
            source,
        })? {
            rows.push(SessionSummary::from(&self.open(&id)?));
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.updated));
        Ok(rows)
    }

    /// The id the next turn of `session` gets.
    pub fn next_turn_id(session: &Session) -> String {
        let n = session
            .turns
            .iter()
            .filter_map(|t| {
                t.id.rsplit_once('.')
                    .and_then(|(_, n)| n.parse::<usize>().ok())
            })
            .max()
            .map_or(1, |n| n + 1);
        format!("{}.{n}", session.meta.id)
    }

    /// Appends a turn to the transcript and fsyncs it before returning.
    pub fn append(&self, session: &mut Session, turn: Turn) -> Result<(), SessionError> {
        self.append_many(session, vec![turn])
    }

    /// Appends turns with one write and one fsync.
    pub fn append_many(&self, session: &mut Session, turns: Vec<Turn>) -> Result<(), SessionError> {
        if turns.is_empty() {
            return Ok(());
        }
        let id = session.meta.id.clone();
        let io_err = |source| SessionError::Io {
            id: id.clone(),
            source,
        };
        let mut lines = Vec::new();
        for turn in &turns {
            serde_json::to_writer(&mut lines, turn).expect("turn serialises");
            lines.push(b'\n');
        }
        let mut file = open_private_append(&self.transcript(&id)).map_err(io_err)?;
        let _lock = FileLock::exclusive(&file).map_err(io_err)?;
        drop_torn_tail(&mut file).map_err(io_err)?;
        file.write_all(&lines).map_err(io_err)?;
        file.sync_data().map_err(io_err)?;
        session.turns.extend(turns);
        Ok(())
    }

    /// Opens the session with exactly this id, creating it (for imports) if it does not exist.
    pub fn open_or_create(
        &self,
        id: &str,
        created: chrono::DateTime<Utc>,
    ) -> Result<Session, SessionError> {
        if self.transcript(id).is_file() {
            return self.open(id);
        }
        let meta = SessionMeta {
            id: id.to_string(),
            created,
            name: None,
        };
        let io_err = |source| SessionError::Io {
            id: id.to_string(),
            source,
        };
        ensure_private_dir(&self.dir).map_err(io_err)?;
        self.write_meta(&meta)?;
        open_private_append(&self.transcript(id))
            .map_err(io_err)?
            .sync_all()
            .map_err(io_err)?;
        Ok(Session {
            meta,
            turns: Vec::new(),
            unreadable_lines: Vec::new(),
        })
    }

    /// Gives a session a name.
    pub fn rename(&self, id_or_prefix: &str, name: &str) -> Result<SessionMeta, SessionError> {
        let mut session = self.open(id_or_prefix)?;
        session.meta.name = Some(name.trim().to_string()).filter(|n| !n.is_empty());
        self.write_meta(&session.meta)?;
        Ok(session.meta)
    }

    /// Removes a session's transcript, facts and saved cache.
    pub fn delete(&self, id_or_prefix: &str) -> Result<String, SessionError> {
        let id = self.resolve(id_or_prefix)?;
        let kv = self.kv_state_path(&id);
        for path in [
            self.transcript(&id),
            self.meta_path(&id),
            kv.with_extension("kv.json"),
            kv,
        ] {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(SessionError::Io { id, source }),
            }
        }
        let _ = sync_parent(&self.transcript(&id));
        Ok(id)
    }
}

/// A crash while appending can leave half a line at the end: cut it off before appending.
fn drop_torn_tail(file: &mut File) -> io::Result<()> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(());
    }
    let mut last = [0u8; 1];
    read_at(file, len - 1, &mut last)?;
    if last[0] == b'\n' {
        return Ok(());
    }
    let mut pos = len;
    let mut byte = [0u8; 1];
    while pos > 0 {
        read_at(file, pos - 1, &mut byte)?;
        if byte[0] == b'\n' {
            break;
        }
        pos -= 1;
    }
    tracing::warn!(bytes = len - pos, "cut a torn last line off a transcript");
    file.set_len(pos)?;
    Ok(())
}

fn read_at(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

/// An advisory `flock` held until dropped: two processes never interleave appends.
/// (Closing the file also releases it; the lock must be dropped before the file.)
struct FileLock(std::os::fd::RawFd);

impl FileLock {
    fn exclusive(file: &File) -> io::Result<Self> {
        // SAFETY: flock on a valid, open descriptor.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Self(file.as_raw_fd()))
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // SAFETY: unlocking the descriptor locked in `exclusive`, which is still open.
        unsafe { libc::flock(self.0, libc::LOCK_UN) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Role;

    fn turn(session: &Session, role: Role, text: &str) -> Turn {
        Turn {
            id: SessionStore::next_turn_id(session),
            time: Utc::now(),
            role,
            speaker: None,
            text: text.into(),
            model: None,
            stats: None,
            stop: None,
            recall: None,
            interrupted: false,
        }
    }

    #[test]
    fn appended_turns_load_back_in_order_with_stable_ids() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SessionStore::new(tmp.path());
        let mut s = store.create().unwrap();
        let t1 = turn(&s, Role::User, "hello");
        store.append(&mut s, t1).unwrap();
        let t2 = turn(&s, Role::Assistant, "hi there");
        store.append(&mut s, t2).unwrap();
        let loaded = store.open(&s.meta.id[..15]).unwrap();
        assert_eq!(loaded.turns, s.turns);
        assert_eq!(loaded.turns[1].id, format!("{}.2", s.meta.id));
        assert_eq!(loaded.title(), "hello");
    }

    #[test]
    fn a_torn_last_line_is_cut_and_earlier_turns_survive() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SessionStore::new(tmp.path());
        let mut s = store.create().unwrap();
        let t1 = turn(&s, Role::User, "kept");
        store.append(&mut s, t1).unwrap();
        let path = store.transcript(&s.meta.id);
        let mut f = fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"id":"x","time":"2026-"#).unwrap();
        let reloaded = store.open(&s.meta.id).unwrap();
        assert_eq!(reloaded.turns.len(), 1);
        assert_eq!(reloaded.unreadable_lines, vec![2]);
        let mut s2 = reloaded;
        let t2 = turn(&s2, Role::Assistant, "after crash");
        store.append(&mut s2, t2).unwrap();
        let again = store.open(&s.meta.id).unwrap();
        assert_eq!(
            again
                .turns
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>(),
            ["kept", "after crash"]
        );
        assert!(again.unreadable_lines.is_empty());
    }

    #[test]
    fn rename_list_and_delete() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SessionStore::new(tmp.path());
        let s = store.create().unwrap();
        store.rename(&s.meta.id, "Trip plans").unwrap();
        assert_eq!(store.list().unwrap()[0].title, "Trip plans");
        store.delete(&s.meta.id).unwrap();
        assert!(store.list().unwrap().is_empty());
        assert!(matches!(
            store.open(&s.meta.id),
            Err(SessionError::NotFound(_))
        ));
    }
}
