//! `mneme bench tui`: what a frame of the chat costs as a conversation grows (it should cost what
//! is visible, not the whole history), and how long the conversation picker takes to open.

use std::time::Instant;

use anyhow::Result;
use chrono::{Duration, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde::Serialize;

use super::{median, ratio};
use crate::domain::{Role, Turn};
use crate::session::SessionStore;
use crate::tui::keys::KeyMap;
use crate::tui::state::{Entry, State};
use crate::tui::theme::Theme;

/// The screen the frames are drawn on.
const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

#[derive(Debug, Serialize)]
pub struct FrameCost {
    pub turns: usize,
    /// The first frame, which renders every message once.
    pub first_frame_ms: f64,
    /// The median of the frames after it (what typing and streaming cost).
    pub frame_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct TuiReport {
    pub width: u16,
    pub height: u16,
    pub frames: Vec<FrameCost>,
    /// Frame time of the longest conversation over the shortest (the baseline, same run).
    pub frame_ratio: f64,
    pub picker_sessions: usize,
    pub picker_open_ms: f64,
}

/// A reply with the markdown a real one has: a heading, a list, emphasis and code.
fn message(i: usize) -> (Role, String) {
    if i.is_multiple_of(2) {
        (
            Role::User,
            format!("Question {i}: how should I water the tulips in a clay bed this week?"),
        )
    } else {
        (
            Role::Assistant,
            format!(
                "## Answer {i}\n\nWater **deeply** once a week rather than a little every day; clay \
                 holds water, so roots rot when it stays wet.\n\n- check 5 cm down first\n- skip a \
                 week after heavy rain\n\n```sh\nwater --deep --once\n```\n\nThat keeps the bulbs \
                 healthy through spring."
            ),
        )
    }
}

fn state_with(turns: usize) -> State {
    let mut state = State::new(KeyMap::default(), Theme::plain());
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
    state.chat.entries = (0..turns)
        .map(|i| {
            let (role, text) = message(i);
            Entry {
                role,
                text,
                time: start + Duration::minutes(i as i64),
                recalled: Vec::new(),
                interrupted: false,
                stats: None,
            }
        })
        .collect();
    state
}

fn frame_cost(turns: usize, frames: usize) -> Result<FrameCost> {
    let state = state_with(turns);
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT))?;
    let started = Instant::now();
    terminal.draw(|f| crate::tui::view::view(&state, f))?;
    let first_frame_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut times = Vec::with_capacity(frames);
    for _ in 0..frames {
        let started = Instant::now();
        terminal.draw(|f| crate::tui::view::view(&state, f))?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(FrameCost {
        turns,
        first_frame_ms,
        frame_ms: median(&mut times),
    })
}

/// Fills a scratch sessions dir with `count` four-turn conversations.
fn make_sessions(store: &SessionStore, count: usize) -> Result<()> {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap();
    for n in 0..count {
        let id = format!("20260101-{n:06}-bench");
        let created = start + Duration::hours(n as i64);
        let mut session = store.open_or_create(&id, created)?;
        let turns = (0..4)
            .map(|i| {
                let (role, text) = message(i);
                Turn::new(
                    format!("{id}.{}", i + 1),
                    created + Duration::minutes(i as i64),
                    role,
                    text,
                )
            })
            .collect();
        store.append_many(&mut session, turns)?;
    }
    Ok(())
}

/// Runs the benchmark: frames at each conversation length (the shortest is the baseline), then
/// the picker over `sessions` conversations in a scratch dir.
pub async fn run(lengths: &[usize], frames: usize, sessions: usize) -> Result<TuiReport> {
    let mut costs = Vec::new();
    for &turns in lengths {
        costs.push(frame_cost(turns, frames.max(1))?);
    }
    let frame_ratio = match (costs.first(), costs.last()) {
        (Some(base), Some(long)) => ratio(long.frame_ms, base.frame_ms),
        _ => 0.0,
    };
    let dir = tempfile::Builder::new()
        .prefix("mneme-bench-tui")
        .tempdir()?;
    let store = SessionStore::new(dir.path().join("sessions"));
    make_sessions(&store, sessions)?;
    let memory_dir = dir.path().join("memory");
    let mut opens = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let rows = crate::tui::runner::session_rows(
            &store,
            &crate::memory::location::StoreLocation::local(&memory_dir),
        )
        .await?;
        opens.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(rows.len() == sessions.min(200), "the picker lost sessions");
    }
    Ok(TuiReport {
        width: WIDTH,
        height: HEIGHT,
        frames: costs,
        frame_ratio,
        picker_sessions: sessions,
        picker_open_ms: median(&mut opens),
    })
}
