//! Session files: `<id>.jsonl` (one turn a line, appended and fsynced) and `<id>.meta.json`.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::line::TurnLine;
use super::{Session, SessionIndex, SessionMeta, SessionSummary, Turn};
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
        let meta = self.read_meta(&id)?;
        let file = File::open(self.transcript(&id)).map_err(io_err)?;
        let mut turns = Vec::new();
        let mut unreadable_lines = Vec::new();
        for (index, line) in BufReader::new(file).split(b'\n').enumerate() {
            let line = line.map_err(io_err)?;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match TurnLine::parse(&line) {
                Ok(turn) => turns.push(turn),
                Err(e) => {
                    tracing::warn!(session = %id, line = index + 1, "{e}");
                    unreadable_lines.push(index + 1)
                }
            }
        }
        if !unreadable_lines.is_empty() {
            tracing::warn!(session = %id, lines = ?unreadable_lines, "skipped unreadable transcript lines");
        }
        let meta = meta.unwrap_or_else(|| fallback_meta(&id, &turns));
        Ok(Session {
            meta,
            turns,
            unreadable_lines,
        })
    }

    /// The most recently updated session.
    pub fn latest(&self) -> Result<Option<Session>, SessionError> {
        match self.list()?.first() {
            Some(row) => self.open(&row.id).map(Some),
            None => Ok(None),
        }
    }

    /// Every session, most recently updated first, from the metas alone (a meta written before
    /// the index existed gets one built from its transcript, once).
    pub fn list(&self) -> Result<Vec<SessionSummary>, SessionError> {
        let mut rows = Vec::new();
        for id in self.ids().map_err(|source| SessionError::Io {
            id: "*".into(),
            source,
        })? {
            let indexed = self
                .read_meta(&id)?
                .and_then(|meta| Some(SessionSummary::new(&meta, meta.index.as_ref()?)));
            rows.push(match indexed {
                Some(row) => row,
                None => self.reindex(&id)?,
            });
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.updated));
        Ok(rows)
    }

    /// A session's meta as stored, `None` when it has none.
    fn read_meta(&self, id: &str) -> Result<Option<SessionMeta>, SessionError> {
        match fs::read(self.meta_path(id)) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(SessionError::Io {
                id: id.to_string(),
                source,
            }),
        }
    }

    /// Builds a session's index from its transcript and stores it in its meta.
    fn reindex(&self, id: &str) -> Result<SessionSummary, SessionError> {
        let io_err = |source| SessionError::Io {
            id: id.to_string(),
            source,
        };
        let _locked = self.locked_transcript(id).map_err(io_err)?;
        let mut session = self.open(id)?;
        let index = SessionIndex::of(&session);
        session.meta.index = Some(index.clone());
        self.write_meta(&session.meta)?;
        Ok(SessionSummary::new(&session.meta, &index))
    }

    /// Brings the stored meta's index up to date after `added` turns were appended (the
    /// transcript lock is held, so no other append interleaves).
    fn update_index(&self, session: &mut Session, added: &[Turn]) -> Result<(), SessionError> {
        let mut meta = self
            .read_meta(session.id())?
            .unwrap_or_else(|| session.meta.clone());
        let index = match meta.index.take() {
            Some(mut index) => {
                index.add(added);
                index
            }
            // `session` already holds `added`.
            None => SessionIndex::of(session),
        };
        meta.index = Some(index);
        self.write_meta(&meta)?;
        session.meta = meta;
        Ok(())
    }

    /// The id the next turn of `session` would get if nobody else appends first (a placeholder:
    /// `append` allocates the real one under the transcript lock).
    pub fn next_turn_id(session: &Session) -> String {
        let n = session
            .turns
            .iter()
            .filter_map(|t| turn_number(&t.id))
            .max();
        format!("{}.{}", session.meta.id, n.map_or(1, |n| n + 1))
    }

    /// Appends a new turn of this conversation and fsyncs it before returning. Its id is allocated
    /// while the transcript is locked, so two processes appending to one session never share an
    /// id. Returns the turn as saved.
    pub fn append(&self, session: &mut Session, mut turn: Turn) -> Result<Turn, SessionError> {
        let id = session.meta.id.clone();
        let io_err = |source| SessionError::Io {
            id: id.clone(),
            source,
        };
        let mut file = self.locked_transcript(&id).map_err(io_err)?;
        let on_disk = last_turn_number(&mut file).map_err(io_err)?;
        let in_memory = session
            .turns
            .iter()
            .filter_map(|t| turn_number(&t.id))
            .max();
        let next = on_disk.max(in_memory).map_or(1, |n| n + 1);
        turn.id = format!("{id}.{next}");
        let mut line = TurnLine::encode(&turn);
        line.push(b'\n');
        file.write_all(&line).map_err(io_err)?;
        file.sync_data().map_err(io_err)?;
        session.turns.push(turn.clone());
        self.update_index(session, std::slice::from_ref(&turn))?;
        Ok(turn)
    }

    /// Appends turns whose ids the caller chose (imports), with one write and one fsync.
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
            lines.extend(TurnLine::encode(turn));
            lines.push(b'\n');
        }
        let mut file = self.locked_transcript(&id).map_err(io_err)?;
        file.write_all(&lines).map_err(io_err)?;
        file.sync_data().map_err(io_err)?;
        self.update_index(session, &turns)?;
        session.turns.extend(turns);
        Ok(())
    }

    /// The transcript opened for appending, exclusively locked (the lock goes with the file) and
    /// with any torn tail from a crash repaired.
    fn locked_transcript(&self, id: &str) -> io::Result<File> {
        use std::os::unix::fs::MetadataExt;
        let path = self.transcript(id);
        loop {
            let mut file = open_private_append(&path)?;
            file.lock()?;
            // A rewrite replaced the file while we waited: lock the new one instead.
            if fs::metadata(&path)?.ino() != file.metadata()?.ino() {
                continue;
            }
            repair_tail(&mut file)?;
            return Ok(file);
        }
    }

    /// Rewrites a transcript atomically, under its lock: `change` may edit each turn and says
    /// whether it did. Lines that cannot be read are kept as they are. Returns the number of
    /// turns changed (nothing is written when none was).
    pub fn rewrite(
        &self,
        id: &str,
        mut change: impl FnMut(&mut Turn) -> bool,
    ) -> Result<usize, SessionError> {
        let io_err = |source| SessionError::Io {
            id: id.to_string(),
            source,
        };
        let path = self.transcript(id);
        let _locked = self.locked_transcript(id).map_err(io_err)?;
        let bytes = fs::read(&path).map_err(io_err)?;
        let mut out = Vec::with_capacity(bytes.len());
        let mut changed = 0;
        let mut turns = Vec::new();
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            let body = line.strip_suffix(b"\n").unwrap_or(line);
            let mut turn = match TurnLine::parse(body) {
                Ok(turn) => turn,
                Err(_) => {
                    out.extend_from_slice(line);
                    continue;
                }
            };
            if change(&mut turn) {
                changed += 1;
                out.extend(TurnLine::encode(&turn));
                out.push(b'\n');
            } else {
                out.extend_from_slice(line);
            }
            turns.push(turn);
        }
        if changed > 0 {
            // The new file replaces the old one; the lock is held until it is in place.
            write_private_atomic(&path, &out).map_err(io_err)?;
            // The index quotes questions, which may have been forgotten.
            let mut meta = self
                .read_meta(id)?
                .unwrap_or_else(|| fallback_meta(id, &turns));
            meta.index = Some(SessionIndex::of_turns(meta.created, &turns));
            self.write_meta(&meta)?;
        }
        Ok(changed)
    }

    /// Removes a session's saved KV state (it holds the prompt, so forgotten text with it).
    pub fn drop_kv_state(&self, id: &str) -> io::Result<()> {
        let kv = self.kv_state_path(id);
        for path in [kv.with_extension("kv.json"), kv] {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
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
            index: Some(SessionIndex::of_turns(created, &[])),
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
        let id = self.resolve(id_or_prefix)?;
        // Under the transcript lock, so an append's index update cannot undo the new name.
        let _locked = self
            .locked_transcript(&id)
            .map_err(|source| SessionError::Io {
                id: id.clone(),
                source,
            })?;
        let mut session = self.open(&id)?;
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

/// The meta of a session whose meta file is missing or unreadable: created with its first turn.
fn fallback_meta(id: &str, turns: &[Turn]) -> SessionMeta {
    SessionMeta {
        id: id.to_string(),
        created: turns.first().map_or_else(Utc::now, |t| t.time),
        name: None,
        index: None,
    }
}

/// The `n` of a turn id `<session>.<n>`.
fn turn_number(id: &str) -> Option<usize> {
    id.rsplit_once('.').and_then(|(_, n)| n.parse().ok())
}

/// Where the last line of `file` starts (the file ends with a newline, or is empty): after the
/// last newline before byte `len - 1`. Read backwards a block at a time, since every append asks.
fn last_line_start(file: &File, len: u64) -> io::Result<u64> {
    let mut end = len.saturating_sub(1);
    let mut block = [0u8; 8192];
    while end > 0 {
        let start = end.saturating_sub(block.len() as u64);
        let chunk = &mut block[..(end - start) as usize];
        read_at(file, start, chunk)?;
        if let Some(i) = chunk.iter().rposition(|b| *b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// The highest turn number in a repaired transcript: its last line's, else (when that line is
/// unreadable) the highest of any line.
fn last_turn_number(file: &mut File) -> io::Result<Option<usize>> {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        id: String,
    }
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(None);
    }
    let start = last_line_start(file, len)?;
    let mut last = vec![0u8; (len - start) as usize];
    read_at(file, start, &mut last)?;
    if let Ok(line) = serde_json::from_slice::<IdOnly>(&last) {
        return Ok(turn_number(&line.id));
    }
    let mut all = vec![0u8; len as usize];
    read_at(file, 0, &mut all)?;
    Ok(all
        .split(|b| *b == b'\n')
        .filter_map(|l| serde_json::from_slice::<IdOnly>(l).ok())
        .filter_map(|l| turn_number(&l.id))
        .max())
}

/// A crash while appending can leave half a line at the end: cut it off before appending. A
/// complete line that only lacks its newline (written by hand or another tool) is kept.
fn repair_tail(file: &mut File) -> io::Result<()> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(());
    }
    let mut last = [0u8; 1];
    read_at(file, len - 1, &mut last)?;
    if last[0] == b'\n' {
        return Ok(());
    }
    let start = last_line_start(file, len + 1)?;
    let mut tail = vec![0u8; (len - start) as usize];
    read_at(file, start, &mut tail)?;
    if TurnLine::parse(&tail).is_ok() {
        tracing::warn!("a transcript's last line lacked its newline: added it");
        return file.write_all(b"\n");
    }
    tracing::warn!(bytes = len - start, "cut a torn last line off a transcript");
    file.set_len(start)?;
    Ok(())
}

fn read_at(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn turn(session: &Session, role: Role, text: &str) -> Turn {
        Turn::new(
            SessionStore::next_turn_id(session),
            Utc::now(),
            role,
            text.into(),
        )
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

    #[test]
    fn listing_reads_the_index_and_builds_it_once_for_old_sessions() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SessionStore::new(tmp.path());
        let mut s = store.create().unwrap();
        for (role, text) in [
            (Role::User, "first question"),
            (Role::Assistant, "answer"),
            (Role::User, "second question"),
        ] {
            let t = turn(&s, role, text);
            store.append(&mut s, t).unwrap();
        }
        let row = &store.list().unwrap()[0];
        assert_eq!((row.turns, row.title.as_str()), (3, "first question"));
        assert_eq!(row.last_question.as_deref(), Some("second question"));
        // The listing does not read transcripts: a transcript changed behind its back is not seen.
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(store.transcript(s.id()))
            .unwrap();
        f.write_all(&TurnLine::encode(&turn(
            &s,
            Role::User,
            "written behind its back",
        )))
        .unwrap();
        f.write_all(b"\n").unwrap();
        assert_eq!(store.list().unwrap()[0].turns, 3);
        // A meta from before the index: built from the transcript once, then kept.
        let meta = SessionMeta {
            index: None,
            ..s.meta.clone()
        };
        fs::write(store.meta_path(s.id()), serde_json::to_vec(&meta).unwrap()).unwrap();
        let row = &store.list().unwrap()[0];
        assert_eq!(row.turns, 4);
        assert_eq!(
            row.last_question.as_deref(),
            Some("written behind its back")
        );
        let stored: SessionMeta =
            serde_json::from_slice(&fs::read(store.meta_path(s.id())).unwrap()).unwrap();
        assert_eq!(stored.index.unwrap().turns, 4);
    }

    #[test]
    fn a_complete_last_line_without_its_newline_is_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SessionStore::new(tmp.path());
        let mut s = store.create().unwrap();
        let t1 = turn(&s, Role::User, "first");
        store.append(&mut s, t1).unwrap();
        let path = store.transcript(&s.meta.id);
        let mut hand_written = turn(&s, Role::Assistant, "written by hand");
        hand_written.id = format!("{}.2", s.meta.id);
        let mut f = fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&TurnLine::encode(&hand_written)).unwrap();
        drop(f);
        let mut s = store.open(&s.meta.id).unwrap();
        let t3 = turn(&s, Role::User, "third");
        let saved = store.append(&mut s, t3).unwrap();
        assert_eq!(saved.id, format!("{}.3", s.meta.id));
        let again = store.open(&s.meta.id).unwrap();
        let texts: Vec<_> = again.turns.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["first", "written by hand", "third"]);
        assert!(again.unreadable_lines.is_empty());
    }

    #[test]
    fn the_last_line_is_found_across_read_blocks() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("t");
        let long = "y".repeat(20_000);
        for (content, want) in [
            (String::new(), 0),
            ("a\n".to_string(), 0),
            (format!("a\n{long}\n"), 2),
            (format!("{long}\nb\n"), 20_001),
            (format!("{long}\n{long}\n"), 20_001),
        ] {
            fs::write(&path, &content).unwrap();
            let file = File::open(&path).unwrap();
            let start = last_line_start(&file, content.len() as u64).unwrap();
            assert_eq!(start, want, "{} bytes", content.len());
        }
    }

    #[test]
    fn parallel_appenders_to_one_session_never_share_a_turn_id() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SessionStore::new(tmp.path());
        let created = store.create().unwrap();
        let handles: Vec<_> = (0..4)
            .map(|w| {
                let store = store.clone();
                // Each writer holds its own stale copy, as two `ask` processes would.
                let mut session = store.open(created.id()).unwrap();
                std::thread::spawn(move || {
                    for i in 0..10 {
                        let t = turn(&session, Role::User, &format!("w{w} {i}"));
                        store.append(&mut session, t).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let loaded = store.open(created.id()).unwrap();
        let mut ids: Vec<_> = loaded.turns.iter().map(|t| t.id.clone()).collect();
        assert_eq!(ids.len(), 40);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 40, "turn ids were reused");
    }
}
