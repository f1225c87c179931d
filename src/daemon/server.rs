//! The daemon process: holds the writer lock, answers on the socket, and runs one writer task that
//! applies client writes, ingests changed transcripts, consolidates on schedule and keeps upkeep.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Local, NaiveDate, Utc};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::ingest::{LARGE_INGEST_CHUNKS, Scanner, ingest_sessions};
use super::lifecycle::own_build;
use super::protocol::{
    DaemonError, ErrorKind, Hello, Op, PROTOCOL_VERSION, ParseFailure, Reply, Response,
    mismatch_message, parse_request,
};
use super::status::{ConsolidationRecord, DaemonState, DaemonStatus, IngestRecord, UpkeepRecord};
use super::writes::{UPKEEP_KEEP_MINUTES, WriteOp, WriteResult, Writer};
use crate::config::Config;
use crate::consolidate::{ConsolidationLog, due_days, local_day, rss_bytes, turns_per_day};
use crate::memory::location::StoreLocation;
use crate::memory::lock::WriterLock;
use crate::memory::service::MemoryService;
use crate::memory::store::MemoryStore;
use crate::memory::{MemoryFilter, MemoryKind};
use crate::paths::Paths;
use crate::session::SessionStore;

/// A question with no answer after this long is remembered on its own.
const UNANSWERED_AFTER: chrono::Duration = chrono::Duration::minutes(10);
/// How often a session holding back an unanswered question is looked at again.
const PENDING_RECHECK: Duration = Duration::from_secs(60);
/// How long to wait before trying again to load the embedder or open the store.
const RELOAD_AFTER: Duration = Duration::from_secs(30);

/// Rows given their own words' vector per housekeeping tick when an older store is filled in.
const OWN_WORDS_SLICE: usize = 256;

/// How the daemon is run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The clock starts at this time instead of now (to replay a night).
    pub now: Option<DateTime<Utc>>,
    /// The protocol version it speaks (only tests set another, to play an older daemon).
    pub protocol: u32,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            now: None,
            protocol: PROTOCOL_VERSION,
        }
    }
}

/// Wall clock, shifted when the daemon was started with `--now`.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    offset: chrono::Duration,
}

impl Clock {
    pub fn starting_at(now: Option<DateTime<Utc>>) -> Self {
        Self {
            offset: now.map_or(chrono::Duration::zero(), |t| t - Utc::now()),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}

/// The next time of day `at` (local) strictly after `now`.
pub fn next_local(now: DateTime<Utc>, at: chrono::NaiveTime) -> DateTime<Utc> {
    let today = now.with_timezone(&Local).date_naive();
    for day in [
        today,
        today + chrono::Duration::days(1),
        today + chrono::Duration::days(2),
    ] {
        if let Some(t) = day.and_time(at).and_local_timezone(Local).earliest() {
            let t = t.with_timezone(&Utc);
            if t > now {
                return t;
            }
        }
    }
    now + chrono::Duration::days(1)
}

struct Job {
    op: WriteOp,
    reply: oneshot::Sender<Result<WriteResult, DaemonError>>,
}

/// What every connection handler shares.
#[derive(Clone)]
struct Shared {
    status: Arc<Mutex<DaemonStatus>>,
    jobs: mpsc::Sender<Job>,
    cancel: CancellationToken,
    hello: Hello,
    clock: Clock,
    started: Instant,
}

impl Shared {
    fn snapshot(&self) -> DaemonStatus {
        let mut status = lock(&self.status).clone();
        status.uptime_s = self.started.elapsed().as_secs();
        status.now = self.clock.now();
        status.rss_bytes = rss_bytes();
        status.queue.writes = self.jobs.max_capacity() - self.jobs.capacity();
        status
    }
}

fn lock(status: &Mutex<DaemonStatus>) -> std::sync::MutexGuard<'_, DaemonStatus> {
    status.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs the daemon in the foreground until SIGTERM, SIGINT, `shutdown`, or its data dir vanishes.
pub async fn run(paths: Paths, config: Config, options: RunOptions) -> Result<()> {
    raise_open_file_limit();
    let lock_path = paths.daemon_lock_file();
    let writer_lock = match WriterLock::try_acquire(&lock_path, "daemon")? {
        Some(l) => l,
        None => match WriterLock::holder(&lock_path) {
            Some(h) if h.role == "daemon" => bail!(AlreadyRunning { pid: h.pid }),
            // A CLI command is writing directly; it lets go when that write is done.
            _ => WriterLock::acquire_within(&lock_path, "daemon", Duration::from_secs(60))?
                .context("the memory store stayed locked by another mneme command")?,
        },
    };
    let socket = paths.daemon_socket();
    if let Some(dir) = socket.parent()
        && dir != paths.data_dir
    {
        super::trust::ensure_private_socket_dir(dir)?;
    }
    // We hold the lock, so whatever is left at the socket's path belongs to a dead daemon (in a
    // directory only we control).
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket)
        .with_context(|| format!("cannot listen on {}", socket.display()))?;
    std::fs::set_permissions(&socket, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    let clock = Clock::starting_at(options.now);
    let started_at = clock.now();
    let status = Arc::new(Mutex::new(DaemonStatus {
        pid: std::process::id(),
        protocol: options.protocol,
        version: env!("CARGO_PKG_VERSION").into(),
        started: started_at,
        state: DaemonState::Starting,
        memory_at: StoreLocation::for_config(&config.memory, paths.memory_dir()).describe(),
        ..DaemonStatus::default()
    }));
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>(256);
    let cancel = CancellationToken::new();
    let shared = Shared {
        status: status.clone(),
        jobs: jobs_tx,
        cancel: cancel.clone(),
        hello: Hello {
            protocol: options.protocol,
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").into(),
            build: own_build(),
        },
        clock,
        started: Instant::now(),
    };
    tracing::info!(pid = std::process::id(), socket = %socket.display(), "daemon listening");
    stop_on_signals(cancel.clone());
    tokio::spawn(accept_loop(listener, shared));
    let mut writer = WriterTask {
        lock: &writer_lock,
        paths: &paths,
        config: &config,
        status,
        clock,
        cancel: cancel.clone(),
        memory: None,
        scanner: Scanner::default(),
        recheck: HashMap::new(),
        next_consolidation: next_local(clock.now(), config.daemon.consolidate_time()),
        catch_up_pending: true,
        next_upkeep: Instant::now() + Duration::from_secs(config.daemon.upkeep_minutes * 60),
        upkeep_soon: false,
        own_words_pending: false,
        dirty: false,
        next_load: Instant::now(),
    };
    writer.run(jobs_rx).await;
    lock(&writer.status).state = DaemonState::Stopping;
    let _ = std::fs::remove_file(&socket);
    drop(writer_lock);
    tracing::info!("daemon stopped");
    Ok(())
}

/// Lets the daemon hold as many files and connections as the system allows it (the soft limit
/// is often 1,024), so a crowd of clients cannot starve it of descriptors.
fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write the struct we pass, nothing else.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// Another daemon holds the data dir.
#[derive(Debug, thiserror::Error)]
#[error("a memory daemon (pid {pid}) is already running for this data dir")]
pub struct AlreadyRunning {
    pub pid: u32,
}

fn stop_on_signals(cancel: CancellationToken) {
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: finishing the current write"),
            _ = int.recv() => tracing::info!("SIGINT: finishing the current write"),
        }
        cancel.cancel();
    });
}

/// At most this many connections are kept open at once; more get one request each.
const MAX_CONNECTIONS: usize = 64;
/// A connection that sends nothing for this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// How a connection is served.
#[derive(Clone, Copy)]
struct Limits {
    /// Closed after this long without a request.
    idle: Duration,
    /// Closed after this many requests (`None`: any number).
    requests: Option<usize>,
}

/// A kept connection (the chat's, a long write's).
const KEPT: Limits = Limits {
    idle: IDLE_TIMEOUT,
    requests: None,
};
/// Past `MAX_CONNECTIONS`: the handshake and one request, each sent promptly, then closed.
const OVERFLOW: Limits = Limits {
    idle: Duration::from_secs(5),
    requests: Some(2),
};

async fn accept_loop(listener: UnixListener, shared: Shared) {
    let connections = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        tokio::select! {
            _ = shared.cancel.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    lock(&shared.status).connections += 1;
                    let uid = stream.peer_cred().map(|c| c.uid()).ok();
                    if !uid.is_some_and(super::trust::peer_allowed) {
                        tracing::warn!(?uid, "refused a connection from another user");
                        continue;
                    }
                    let shared = shared.clone();
                    match connections.clone().try_acquire_owned() {
                        Ok(permit) => {
                            tokio::spawn(async move {
                                serve(stream, shared, KEPT).await;
                                drop(permit);
                            });
                        }
                        // Idle clients cannot lock others out: status still answers.
                        Err(_) => {
                            tokio::spawn(serve(stream, shared, OVERFLOW));
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
}

/// Serves one connection: requests one line at a time, each at most `MAX_REQUEST_BYTES`; a
/// connection idle for `IDLE_TIMEOUT` is closed.
async fn serve(stream: UnixStream, shared: Shared, limits: Limits) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut served = 0;
    while limits.requests.is_none_or(|most| served < most) {
        served += 1;
        let line = match tokio::time::timeout(
            limits.idle,
            read_line_capped(&mut reader, super::trust::MAX_REQUEST_BYTES),
        )
        .await
        {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) | Err(_) => return,
            Ok(Err(e)) => {
                let refusal = Response::error(
                    shared.hello.protocol,
                    DaemonError::new(ErrorKind::Invalid, e.to_string()),
                );
                let _ = send_line(&mut write, &refusal).await;
                return;
            }
        };
        let response = answer(&line, &shared).await;
        if send_line(&mut write, &response).await.is_err() {
            return;
        }
    }
}

async fn send_line(
    write: &mut tokio::net::unix::OwnedWriteHalf,
    response: &Response,
) -> std::io::Result<()> {
    let mut text = serde_json::to_string(response).expect("serialises");
    text.push('\n');
    write.write_all(text.as_bytes()).await
}

/// One line (without its newline), `None` at the end; longer than `cap` bytes or not UTF-8 is an
/// error, and nothing beyond `cap` is ever held in memory.
async fn read_line_capped(
    reader: &mut BufReader<tokio::net::unix::OwnedReadHalf>,
    cap: usize,
) -> std::io::Result<Option<String>> {
    let mut line = Vec::new();
    loop {
        let buffer = reader.fill_buf().await?;
        if buffer.is_empty() {
            return Ok((!line.is_empty()).then(|| String::from_utf8_lossy(&line).into_owned()));
        }
        let (chunk, done) = match buffer.iter().position(|b| *b == b'\n') {
            Some(end) => (&buffer[..end], Some(end + 1)),
            None => (buffer, None),
        };
        if line.len() + chunk.len() > cap {
            return Err(std::io::Error::other(format!(
                "request larger than {} MiB",
                cap / (1024 * 1024)
            )));
        }
        line.extend_from_slice(chunk);
        let used = done.unwrap_or(chunk.len());
        reader.consume(used);
        if done.is_some() {
            return String::from_utf8(line)
                .map(Some)
                .map_err(|_| std::io::Error::other("request is not UTF-8"));
        }
    }
}

async fn answer(line: &str, shared: &Shared) -> Response {
    let speaks = shared.hello.protocol;
    let refuse =
        |message: String| Response::error(speaks, DaemonError::new(ErrorKind::Invalid, message));
    let request = match parse_request(line, speaks) {
        Ok(r) => r,
        Err(ParseFailure::Version(theirs)) => return refuse(mismatch_message(speaks, theirs)),
        Err(ParseFailure::Malformed(e)) => return refuse(format!("malformed request: {e}")),
    };
    let busy = |message: &str| Response::error(speaks, DaemonError::new(ErrorKind::Busy, message));
    match request.op {
        Op::Hello => Response::ok(speaks, Reply::Hello(shared.hello.clone())),
        Op::Status => Response::ok(speaks, Reply::Status(Box::new(shared.snapshot()))),
        Op::Shutdown => {
            tracing::info!("shutdown requested");
            shared.cancel.cancel();
            Response::ok(speaks, Reply::ShuttingDown)
        }
        Op::Write { write } => {
            let (reply, answer) = oneshot::channel();
            if shared.jobs.send(Job { op: write, reply }).await.is_err() {
                return busy("the daemon is stopping");
            }
            match answer.await {
                Ok(Ok(result)) => Response::ok(speaks, Reply::Written(result)),
                Ok(Err(error)) => Response::error(speaks, error),
                Err(_) => busy("the daemon stopped before finishing this write"),
            }
        }
    }
}

/// The single writer: owns the memory service and every change to the store.
struct WriterTask<'a> {
    /// Held for the daemon's lifetime: the proof that lets it write.
    lock: &'a WriterLock,
    paths: &'a Paths,
    config: &'a Config,
    status: Arc<Mutex<DaemonStatus>>,
    clock: Clock,
    cancel: CancellationToken,
    memory: Option<MemoryService>,
    scanner: Scanner,
    /// Sessions holding back an unanswered question, and when to look at them again.
    recheck: HashMap<PathBuf, Instant>,
    next_consolidation: DateTime<Utc>,
    /// Days missed while no daemon ran are consolidated once at start-up.
    catch_up_pending: bool,
    next_upkeep: Instant,
    upkeep_soon: bool,
    /// Rows an older mneme wrote still lack their own words' vector (`fill_own_words`).
    own_words_pending: bool,
    /// Writes happened since the last upkeep.
    dirty: bool,
    next_load: Instant,
}

impl WriterTask<'_> {
    async fn run(&mut self, mut jobs: mpsc::Receiver<Job>) {
        let mut tick = tokio::time::interval(Duration::from_millis(self.config.daemon.poll_ms));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => break,
                job = jobs.recv() => match job {
                    Some(job) => self.handle(job).await,
                    None => break,
                },
                _ = tick.tick() => self.housekeeping().await,
            }
        }
        // Anything still queued is answered, never left hanging.
        jobs.close();
        while let Ok(job) = jobs.try_recv() {
            let _ = job.reply.send(Err(DaemonError::new(
                ErrorKind::Busy,
                "the daemon is stopping",
            )));
        }
    }

    fn set_state(&self, state: DaemonState) {
        lock(&self.status).state = state;
    }

    fn error(&self, what: &str, message: String) {
        lock(&self.status).error(self.clock.now(), what, message);
    }

    /// Loads the store and embedder if they are not loaded (retrying after a failure).
    async fn ensure_memory(&mut self) -> Result<(), DaemonError> {
        if self.memory.is_some() {
            return Ok(());
        }
        if Instant::now() < self.next_load {
            return Err(DaemonError::new(
                ErrorKind::Busy,
                "memory is unavailable (retrying shortly; see `mneme daemon status`)",
            ));
        }
        let loaded = async {
            let store = MemoryStore::open(&StoreLocation::for_config(
                &self.config.memory,
                self.paths.memory_dir(),
            ))
            .await?;
            let catalog = crate::models::Catalog::new(&self.paths.models_dir);
            let embedder =
                tokio::task::spawn_blocking(move || crate::memory::embed::Embedder::load(&catalog))
                    .await??;
            anyhow::Ok(MemoryService::new(store, embedder))
        }
        .await;
        match loaded {
            Ok(memory) => {
                // A store an older mneme wrote gets its own vectors a slice at a time.
                self.own_words_pending =
                    matches!(memory.store().count_without_own_vector().await, Ok(n) if n > 0);
                self.memory = Some(memory);
                self.set_state(DaemonState::Idle);
                self.refresh_counts().await;
                Ok(())
            }
            Err(e) => {
                self.next_load = Instant::now() + RELOAD_AFTER;
                let message = format!("cannot load memory: {e:#}");
                self.error("load", message.clone());
                Err(DaemonError::new(ErrorKind::Busy, message))
            }
        }
    }

    async fn handle(&mut self, job: Job) {
        if let Err(e) = self.ensure_memory().await {
            let _ = job.reply.send(Err(e));
            return;
        }
        let removes_text = job.op.removes_text();
        let is_ingest = matches!(job.op, WriteOp::Ingest { .. });
        let started = Instant::now();
        let result = match job.op {
            WriteOp::Consolidate { date, now } => {
                let now = now.unwrap_or_else(|| self.clock.now());
                let date = date.unwrap_or_else(|| local_day(now) - chrono::Duration::days(1));
                self.consolidate(date, now)
                    .await
                    .map(|report| WriteResult::Consolidated { report })
            }
            WriteOp::Upkeep => self
                .upkeep()
                .await
                .map(|report| WriteResult::Upkept { report }),
            op => {
                self.set_state(DaemonState::Writing);
                let writer = self.writer();
                let result = writer
                    .apply(op)
                    .await
                    .map_err(|e| DaemonError::from_write(&e));
                self.set_state(DaemonState::Idle);
                result
            }
        };
        if is_ingest && let Ok(WriteResult::Ingested { report }) = &result {
            self.record_ingest(report, started);
        }
        self.dirty = true;
        self.upkeep_soon |= removes_text;
        self.refresh_counts().await;
        let _ = job.reply.send(result);
    }

    fn writer(&self) -> Writer<'_> {
        Writer::new(
            self.memory.as_ref().expect("loaded").writer(self.lock),
            self.paths,
            self.config,
            self.cancel.clone(),
        )
    }

    async fn housekeeping(&mut self) {
        if !self.paths.data_dir.exists() {
            tracing::warn!("the data dir is gone; stopping");
            self.cancel.cancel();
            return;
        }
        if self.ensure_memory().await.is_err() {
            return;
        }
        self.ingest_changed().await;
        let now = self.clock.now();
        if self.catch_up_pending || now >= self.next_consolidation {
            self.catch_up_pending = false;
            self.consolidate_due(now).await;
            self.next_consolidation = next_local(now, self.config.daemon.consolidate_time());
        }
        lock(&self.status).next_consolidation = Some(self.next_consolidation);
        if self.own_words_pending {
            self.fill_own_words().await;
        }
        if self.upkeep_soon || (self.dirty && Instant::now() >= self.next_upkeep) {
            let _ = self.upkeep().await;
        }
    }

    /// Embeds the own words of one slice of the rows an older mneme wrote: between other work,
    /// so a large old store never holds up a write for long (a slice is a second or two here).
    async fn fill_own_words(&mut self) {
        let memory = self.memory.as_ref().expect("loaded");
        match memory
            .writer(self.lock)
            .fill_own_vectors(OWN_WORDS_SLICE)
            .await
        {
            Ok(false) => {
                tracing::info!("every memory has its own words embedded");
                self.own_words_pending = false;
                self.upkeep_soon = true;
            }
            Ok(true) => self.dirty = true,
            Err(e) => {
                self.own_words_pending = false;
                self.error("own words", e.to_string());
            }
        }
    }

    async fn ingest_changed(&mut self) {
        let store = SessionStore::new(self.paths.sessions_dir());
        let now = Instant::now();
        let due: Vec<PathBuf> = self
            .recheck
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(p, _)| p.clone())
            .collect();
        for path in due {
            self.recheck.remove(&path);
            self.scanner.forget(&path);
        }
        let changed = self.scanner.changed(&store);
        lock(&self.status).queue.sessions = changed.len();
        if changed.is_empty() {
            return;
        }
        self.set_state(DaemonState::Ingesting);
        let started = Instant::now();
        let ids: Vec<String> = changed.iter().map(|(id, _, _)| id.clone()).collect();
        let clock_now = self.clock.now();
        let memory = self.memory.as_ref().expect("loaded").writer(self.lock);
        let result = ingest_sessions(&memory, &store, &ids, |s| {
            s.turns
                .last()
                .is_none_or(|t| clock_now - t.time > UNANSWERED_AFTER)
        })
        .await;
        self.set_state(DaemonState::Idle);
        match result {
            Ok(report) => {
                for (_, path, stamp) in changed {
                    self.scanner.mark_seen(path, stamp);
                }
                if report.pending_turns > 0 {
                    // Look again later: the answer may never come, and then the question is stored alone.
                    for id in &ids {
                        let path = store.dir().join(format!("{id}.jsonl"));
                        self.recheck
                            .entry(path)
                            .or_insert_with(|| Instant::now() + PENDING_RECHECK);
                    }
                }
                {
                    let mut status = lock(&self.status);
                    status.queue.sessions = 0;
                    status.queue.pending_turns = report.pending_turns;
                }
                self.record_ingest(&report, started);
                if report.chunks > 0 {
                    self.dirty = true;
                    self.upkeep_soon |= report.chunks >= LARGE_INGEST_CHUNKS;
                    self.refresh_counts().await;
                }
            }
            Err(e) => self.error("ingest", e.to_string()),
        }
    }

    fn record_ingest(&self, report: &super::ingest::IngestReport, started: Instant) {
        if report.chunks == 0 {
            return;
        }
        tracing::info!(chunks = report.chunks, turns = report.turns, "ingested");
        let mut status = lock(&self.status);
        status.ingested_chunks += report.chunks as u64;
        status.last_ingest = Some(IngestRecord {
            at: self.clock.now(),
            sessions: report.sessions,
            turns: report.turns,
            chunks: report.chunks,
            took_ms: started.elapsed().as_millis() as u64,
        });
    }

    async fn consolidate_due(&mut self, now: DateTime<Utc>) {
        let sessions = SessionStore::new(self.paths.sessions_dir());
        let log = ConsolidationLog::load(&self.paths.consolidation_file());
        let days = due_days(
            &log,
            &turns_per_day(&sessions),
            local_day(now),
            self.config.daemon.catch_up_days,
        );
        for day in days {
            if self.cancel.is_cancelled() {
                break;
            }
            let _ = self.consolidate(day, now).await;
        }
    }

    async fn consolidate(
        &mut self,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<crate::consolidate::DayReport, DaemonError> {
        self.set_state(DaemonState::Consolidating);
        tracing::info!(%date, "consolidating");
        let result = self.writer().consolidate(date, now).await;
        self.set_state(DaemonState::Idle);
        self.dirty = true;
        let mut status = lock(&self.status);
        match result {
            Ok(report) => {
                status.last_consolidation = Some(ConsolidationRecord {
                    at: now,
                    date,
                    summaries: report.summaries.len(),
                    failed: report.failed.len(),
                    merged_chunks: report.merged_chunks,
                    took_ms: report.took_ms,
                    rss_idle_bytes: report.rss_idle_bytes,
                    rss_peak_bytes: report.rss_peak_bytes,
                    error: None,
                });
                for f in &report.failed {
                    status.error(
                        now,
                        "consolidate",
                        format!("{date} {}: {}", f.target, f.reason),
                    );
                }
                Ok(report)
            }
            Err(e) => {
                let message = format!("{e:#}");
                status.last_consolidation = Some(ConsolidationRecord {
                    at: now,
                    date,
                    summaries: 0,
                    failed: 0,
                    merged_chunks: 0,
                    took_ms: 0,
                    rss_idle_bytes: 0,
                    rss_peak_bytes: 0,
                    error: Some(message.clone()),
                });
                status.error(now, "consolidate", message.clone());
                Err(DaemonError::new(ErrorKind::Internal, message))
            }
        }
    }

    async fn upkeep(&mut self) -> Result<crate::memory::store::Upkeep, DaemonError> {
        self.upkeep_soon = false;
        self.dirty = false;
        self.next_upkeep =
            Instant::now() + Duration::from_secs(self.config.daemon.upkeep_minutes * 60);
        self.set_state(DaemonState::Upkeep);
        let memory = self.memory.as_ref().expect("loaded");
        let result = memory
            .writer(self.lock)
            .upkeep(chrono::Duration::minutes(UPKEEP_KEEP_MINUTES))
            .await;
        self.set_state(DaemonState::Idle);
        let at = self.clock.now();
        let record = match &result {
            Ok(u) => UpkeepRecord {
                at,
                ok: true,
                error: None,
                disk_bytes_before: u.disk_bytes_before,
                disk_bytes_after: u.disk_bytes_after,
                versions_before: u.versions_before,
                versions_after: u.versions_after,
            },
            Err(e) => {
                self.error("upkeep", e.to_string());
                UpkeepRecord {
                    at,
                    ok: false,
                    error: Some(e.to_string()),
                    disk_bytes_before: 0,
                    disk_bytes_after: 0,
                    versions_before: 0,
                    versions_after: 0,
                }
            }
        };
        lock(&self.status).last_upkeep = Some(record);
        self.refresh_counts().await;
        result.map_err(|e| DaemonError::new(ErrorKind::Internal, e.to_string()))
    }

    async fn refresh_counts(&self) {
        let Some(memory) = &self.memory else { return };
        let mut counts = std::collections::BTreeMap::new();
        for kind in [
            MemoryKind::Chunk,
            MemoryKind::Summary,
            MemoryKind::Note,
            MemoryKind::Fact,
        ] {
            let filter = MemoryFilter {
                kinds: vec![kind],
                ..MemoryFilter::default()
            };
            match memory.store().count(&filter).await {
                Ok(n) => {
                    counts.insert(kind.as_str().to_string(), n);
                }
                Err(e) => tracing::warn!("count failed: {e}"),
            }
        }
        let bytes = memory.store().local_bytes();
        let mut status = lock(&self.status);
        status.memories = counts;
        status.disk_bytes = bytes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_consolidation_is_the_next_such_time_of_day() {
        let at = chrono::NaiveTime::from_hms_opt(3, 0, 0).unwrap();
        let now = Utc::now();
        let next = next_local(now, at);
        assert!(next > now && next - now <= chrono::Duration::hours(25));
        assert_eq!(next.with_timezone(&Local).time(), at);
        assert_eq!(next_local(next, at) - next, chrono::Duration::days(1));
    }
}
