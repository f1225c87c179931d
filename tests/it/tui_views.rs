//! Snapshots of every chat screen, drawn on ratatui's `TestBackend`. The reply is fed by
//! `ScriptedTokenStream`, a scripted stand-in for the engine (the views are pure functions of state).

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mneme::engine::{Role, StopReason, TurnStats};
use mneme::memory::recall::Recalled;
use mneme::memory::{Memory, MemoryKind};
use mneme::tui::keys::KeyMap;
use mneme::tui::state::{
    ChatHit, Entry, Input, MemoryDetail, MemoryItem, MemoryMode, Screen, SessionRow, State, Zone,
};
use mneme::tui::theme::Theme;
use mneme::tui::update::{Msg, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A scripted token stream: the pieces a reply would arrive in, fed to `update` as the engine would.
struct ScriptedTokenStream {
    pieces: Vec<&'static str>,
}

impl ScriptedTokenStream {
    fn feed(&self, state: &mut State, upto: usize) {
        update(state, Msg::Recalled(recalled()));
        update(
            state,
            Msg::Prefill {
                done: 40,
                total: 40,
            },
        );
        for piece in self.pieces.iter().take(upto) {
            update(state, Msg::Piece((*piece).to_string()));
        }
    }
}

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, hour, minute, 0).unwrap()
}

fn recalled() -> Vec<Recalled> {
    vec![
        Recalled {
            id: "c-1".into(),
            kind: MemoryKind::Chunk,
            score: 0.0325,
            time: at(9, 0),
            text: "user: I planted twelve tulip bulbs along the south fence.".into(),
            cut: false,
            similarity: None,
            answer_to: None,
            follows: None,
        },
        Recalled {
            id: "s-2".into(),
            kind: MemoryKind::Summary,
            score: 0.0161,
            time: at(18, 0),
            text: "On 2026-11-27: a trip to Lisbon on March 3rd was planned.".into(),
            cut: false,
            similarity: None,
            answer_to: None,
            follows: None,
        },
    ]
}

fn state() -> State {
    let mut s = State::new(KeyMap::default(), Theme::plain());
    s.zone = Zone::Utc;
    s.now = at(9, 30);
    s.status.model = "smollm2-135m".into();
    s.status.context_size = 4096;
    s.status.context_used = 312;
    s.status.daemon = Some(mneme::daemon::status::DaemonState::Idle);
    s.status.memories = Some(42);
    s.status.tokens_per_s = Some(118.0);
    s.chat.session_id = "20261127-090000-abcd".into();
    s.chat.entries = vec![
        Entry {
            role: Role::User,
            text: "How do I keep tulips from rotting in clay?".into(),
            time: at(9, 2),
            recalled: Vec::new(),
            interrupted: false,
            stats: None,
        },
        Entry {
            role: Role::Assistant,
            text: "## Drainage\n\nMix in **compost**, not sand:\n\n- dig 20 cm deep\n- plant on a ridge\n\n```sh\nwater --once\n```".into(),
            time: at(9, 3),
            recalled: Vec::new(),
            interrupted: false,
            stats: Some(TurnStats::default()),
        },
    ];
    s
}

fn key(state: &mut State, code: KeyCode) {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c));
    }
}

fn draw(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| mneme::tui::view::view(state, f)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn streaming() -> State {
    let mut s = state();
    typed(&mut s, "And when will they bloom?");
    key(&mut s, KeyCode::Enter);
    ScriptedTokenStream {
        pieces: vec![
            "They ",
            "bloom ",
            "in *April*",
            ", about ",
            "`16` weeks",
            " after planting.",
        ],
    }
    .feed(&mut s, 4);
    s
}

#[test]
fn chat_with_a_streaming_reply() {
    insta::assert_snapshot!("chat_streaming", draw(&streaming(), 80, 24));
}

#[test]
fn a_finished_reply_replaces_the_cursor_and_updates_the_status_bar() {
    let mut s = streaming();
    update(
        &mut s,
        Msg::Finished {
            text: "They bloom in *April*, about `16` weeks after planting.".into(),
            stats: TurnStats {
                decode_tps: 97.0,
                context_used: 401,
                context_size: 4096,
                ..TurnStats::default()
            },
            stop: StopReason::EndOfTurn,
        },
    );
    let screen = draw(&s, 80, 24);
    assert!(!screen.contains('▌'));
    assert!(screen.contains("ctx 401/4096") && screen.contains("97 tok/s"));
}

#[test]
fn a_notice_is_shown_whole_with_its_undo_key_even_when_the_status_fills_the_line() {
    let mut s = state();
    update(
        &mut s,
        Msg::Remembered(Memory::new(
            MemoryKind::Note,
            "My partner Sam is allergic to cats and dogs".into(),
            vec![],
            at(9, 31),
        )),
    );
    let last_line = |width: u16| {
        draw(&s, width, 24)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string()
    };
    // Wide enough for both: the status, then the notice after a separator.
    let wide = last_line(200);
    assert!(
        wide.contains("42 memories │ memory saved: “My partner Sam is allergic"),
        "{wide}"
    );
    assert!(wide.ends_with("Ctrl+Z or /forget undoes it"), "{wide}");
    // Too narrow for both: the status gives up its parts from the right, never the notice's.
    let narrow = last_line(120);
    assert!(
        narrow.starts_with(" smollm2-135m │ ctx 312/4096 │ memory saved: “My partner Sam"),
        "{narrow}"
    );
    assert!(narrow.ends_with("Ctrl+Z or /forget undoes it"), "{narrow}");
    let narrower = last_line(100);
    assert!(
        narrower.starts_with(" memory saved: “My partner Sam"),
        "{narrower}"
    );
    assert!(
        narrower.ends_with("Ctrl+Z or /forget undoes it"),
        "{narrower}"
    );
    // Narrower than the notice alone: cut, and the cut shown.
    let tiny = last_line(40);
    assert!(
        tiny.ends_with('…') && tiny.contains("memory saved"),
        "{tiny}"
    );
}

#[test]
fn recall_panel() {
    let mut s = streaming();
    key(&mut s, KeyCode::F(4));
    key(&mut s, KeyCode::Down);
    insta::assert_snapshot!("recall_panel", draw(&s, 100, 24));
}

#[test]
fn session_picker() {
    let mut s = state();
    key(&mut s, KeyCode::F(2));
    update(
        &mut s,
        Msg::Sessions(vec![
            SessionRow {
                id: "20261127-090000-abcd".into(),
                title: "How do I keep tulips from rotting in clay?".into(),
                updated: at(9, 3),
                turns: 2,
                summary: "On 2026-11-27: tulips in clay soil; compost, not sand.".into(),
            },
            SessionRow {
                id: "20261126-180000-ef01".into(),
                title: "Lisbon in March".into(),
                updated: Utc.with_ymd_and_hms(2026, 11, 26, 18, 5, 0).unwrap(),
                turns: 6,
                summary: "last asked: which tram goes to Belem?".into(),
            },
        ]),
    );
    key(&mut s, KeyCode::Down);
    insta::assert_snapshot!("session_picker", draw(&s, 80, 16));
}

fn memory(id: &str, kind: MemoryKind, text: &str, pinned: bool) -> Memory {
    let mut m = Memory::new(kind, text.into(), vec![], at(9, 0));
    m.id = id.into();
    m.pinned = pinned;
    m.session = Some("20261127-090000-abcd".into());
    m.source_turns = vec![
        "20261127-090000-abcd.1".into(),
        "20261127-090000-abcd.2".into(),
    ];
    m
}

fn browser() -> State {
    let mut s = state();
    key(&mut s, KeyCode::F(3));
    typed(&mut s, "tulip");
    update(
        &mut s,
        Msg::MemoryResults {
            query: "tulip".into(),
            items: vec![
                MemoryItem {
                    memory: memory(
                        "c-1",
                        MemoryKind::Chunk,
                        "user: I planted twelve tulip bulbs.\nassistant: Water them once.",
                        false,
                    ),
                    relevance: Some("words match · 61% alike".into()),
                },
                MemoryItem {
                    memory: memory(
                        "n-2",
                        MemoryKind::Note,
                        "Tulip bulbs came from the market.",
                        true,
                    ),
                    relevance: Some("words match".into()),
                },
            ],
            hidden: 3,
        },
    );
    s
}

#[test]
fn memory_browser_with_a_memory_open() {
    let mut s = browser();
    let m = s.memories.items[0].memory.clone();
    update(
        &mut s,
        Msg::MemoryOpened(MemoryDetail {
            memory: m,
            sources: vec![
                (
                    "20261127-090000-abcd.1".into(),
                    "user".into(),
                    "I planted twelve tulip bulbs.".into(),
                ),
                (
                    "20261127-090000-abcd.2".into(),
                    "assistant".into(),
                    "Water them once.".into(),
                ),
            ],
            chain: Vec::new(),
        }),
    );
    assert_eq!(s.screen, Screen::Memories);
    insta::assert_snapshot!("memory_browser", draw(&s, 100, 20));
}

#[test]
fn memory_editor_in_place() {
    let mut s = browser();
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('e'), KeyModifiers::CONTROL)),
    );
    assert!(matches!(s.memories.mode, MemoryMode::Edit(_)));
    typed(&mut s, " (in October)");
    insta::assert_snapshot!("memory_editor", draw(&s, 100, 20));
}

#[test]
fn delete_asks_for_confirmation() {
    let mut s = browser();
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)),
    );
    let screen = draw(&s, 100, 20);
    assert!(screen.contains("Delete this chunk from"), "{screen}");
    assert!(
        screen.contains("I planted twelve tulip bulbs"),
        "the text being deleted is shown: {screen}"
    );
}

/// A reply of several sentences, a wrapped code line and a quote: what wrapping must get right.
const LONG_REPLY: &str = "Tulips need cold. Plant them in autumn, six weeks before the ground \
    freezes. Choose a sunny spot. Water once after planting. Then leave them alone until spring, \
    when the first shoots appear.\n\n\
    1. Dig a hole three times as deep as the bulb is tall, then set it pointy end up.\n\
    2. Cover it.\n\n\
    > Bulbs rot in wet clay, so a ridge of compost keeps their roots dry through the winter.\n\n\
    ```sh\nplant --bulbs tulip --depth 20cm --spacing 10cm --water once --mulch straw --when october\n```";

/// Every screen a user can reach, by name, as the user would get there.
fn every_screen() -> Vec<(&'static str, State)> {
    let mut screens = Vec::new();

    let mut welcome = State::new(KeyMap::default(), Theme::plain());
    welcome.zone = Zone::Utc;
    welcome.status.model = "smollm2-135m".into();
    welcome.status.context_size = 4096;
    screens.push(("welcome", welcome));

    let mut reply = state();
    reply.chat.entries.push(Entry {
        role: Role::Assistant,
        text: LONG_REPLY.into(),
        time: at(9, 4),
        recalled: Vec::new(),
        interrupted: false,
        stats: None,
    });
    screens.push(("long_reply", reply));

    let mut queued = streaming();
    typed(&mut queued, "And tulips in pots?");
    key(&mut queued, KeyCode::Enter);
    screens.push(("queued", queued));

    let mut panel = streaming();
    key(&mut panel, KeyCode::F(4));
    screens.push(("recall_panel", panel));

    let mut picker = state();
    key(&mut picker, KeyCode::F(2));
    update(
        &mut picker,
        Msg::Sessions(vec![SessionRow {
            id: "20261127-090000-abcd".into(),
            title: "How do I keep tulips from rotting in clay?".into(),
            updated: at(9, 3),
            turns: 2,
            summary: "They talked about tulips in clay soil: compost, not sand.".into(),
        }]),
    );
    screens.push(("picker", picker));

    screens.push(("memory_list", browser()));

    let mut open = browser();
    let m = open.memories.items[0].memory.clone();
    update(
        &mut open,
        Msg::MemoryOpened(MemoryDetail {
            memory: m,
            sources: vec![(
                "20261127-090000-abcd.1".into(),
                "user".into(),
                "I planted twelve tulip bulbs.".into(),
            )],
            chain: Vec::new(),
        }),
    );
    screens.push(("memory_open", open));

    let mut editor = browser();
    update(
        &mut editor,
        Msg::Key(KeyEvent::new(KeyCode::Char('e'), KeyModifiers::CONTROL)),
    );
    typed(
        &mut editor,
        " They came up in April, red and yellow, and the squirrels left them alone this year.",
    );
    screens.push(("memory_editor", editor));

    let mut confirm = browser();
    update(
        &mut confirm,
        Msg::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)),
    );
    screens.push(("memory_delete", confirm));

    let mut help = state();
    key(&mut help, KeyCode::F(1));
    screens.push(("help", help));

    let mut search = state();
    key(&mut search, KeyCode::F(5));
    typed(&mut search, "tulip");
    update(
        &mut search,
        Msg::ChatHits {
            query: "tulip".into(),
            hits: vec![ChatHit {
                session_id: "20261127-090000-abcd".into(),
                title: "How do I keep tulips from rotting in clay?".into(),
                position: 0,
                role: Role::User,
                time: at(9, 2),
                text: "How do I keep tulips from rotting in clay?".into(),
            }],
        },
    );
    screens.push(("search", search));

    let mut picked = state();
    key(&mut picked, KeyCode::F(7));
    key(&mut picked, KeyCode::Up);
    screens.push(("message_picked", picked));

    let mut incognito = State::new(KeyMap::default(), Theme::plain());
    incognito.zone = Zone::Utc;
    incognito.status.model = "smollm2-135m".into();
    update(
        &mut incognito,
        Msg::Opened {
            session_id: "unsaved-20261127-090000".into(),
            title: "incognito".into(),
            entries: Vec::new(),
            last_time: None,
            incognito: true,
            focus: None,
        },
    );
    screens.push(("incognito", incognito));
    screens
}

#[test]
fn every_screen_at_small_medium_and_wide_sizes() {
    for (name, state) in every_screen() {
        for (width, height) in [(50, 15), (120, 40), (250, 70)] {
            let screen = draw(&state, width, height);
            insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen);
        }
    }
}

#[test]
fn wrapped_prose_hangs_only_under_its_list_marker_and_lines_keep_a_reading_width() {
    let (_, state) = every_screen().swap_remove(1);
    for width in [50, 120, 250] {
        let screen = draw(&state, width, 70);
        let lines: Vec<&str> = screen.lines().collect();
        // The transcript: everything above the input box (three rows) and the status bar.
        for line in &lines[..lines.len() - 4] {
            let indent = line.len() - line.trim_start().len();
            assert!(indent <= 3, "indented by {indent} at {width}: {line:?}");
            assert!(
                line.chars().count() <= usize::from(mneme::tui::view::MAX_READING_WIDTH),
                "wider than the reading width at {width}: {line:?}"
            );
        }
        let code: Vec<&str> = screen
            .lines()
            .filter(|l| l.contains("--") || l.contains("october"))
            .collect();
        assert!(
            !code.is_empty() && code.iter().all(|l| l.starts_with("│ ")),
            "{code:?}"
        );
    }
}

#[test]
fn help_overlay() {
    let mut s = state();
    key(&mut s, KeyCode::F(1));
    insta::assert_snapshot!("help", draw(&s, 80, 28));
}

#[test]
fn a_long_key_description_in_the_help_wraps_under_its_own_column() {
    let mut s = state();
    key(&mut s, KeyCode::F(1));
    let screen = draw(&s, 110, 40);
    let lines: Vec<&str> = screen.lines().collect();
    let column = |line: &str, text: &str| line.find(text).map(|byte| line[..byte].chars().count());
    let at = lines
        .iter()
        .position(|l| l.contains("search every conversation"))
        .unwrap_or_else(|| panic!("{screen}"));
    let described_at = column(lines[at], "search every conversation");
    // The rest of the description is on the next row, starting where the description starts.
    let next = lines[at + 1];
    let inside = next.find('│').unwrap_or_else(|| panic!("{screen}")) + '│'.len_utf8();
    let rest_at = next[inside..]
        .char_indices()
        .find(|(_, c)| !c.is_whitespace())
        .map(|(byte, _)| next[..inside + byte].chars().count());
    assert_eq!(rest_at, described_at, "{screen}");
}

#[test]
fn the_memory_pane_shows_whole_key_hints_and_where_the_rest_are() {
    let s = browser();
    for width in [80u16, 110, 200] {
        let screen = draw(&s, width, 24);
        let title = screen
            .lines()
            .find(|l| l.contains("pin ·"))
            .unwrap_or_else(|| panic!("{screen}"));
        // Each hint is whole: the title ends at a hint's end, then the box's corner.
        let hints = title.rsplit('┐').nth(1).unwrap_or_default();
        let last = hints.trim_end_matches('─').trim_end().rsplit(" · ").next();
        assert!(
            matches!(last, Some("Ctrl+A note") | Some("F1 keys")),
            "{width}: {title}"
        );
        if width == 200 {
            assert!(title.contains("Ctrl+D delete · Ctrl+A note"), "{title}");
        }
    }
}

#[test]
fn a_40x12_terminal_keeps_every_part_readable() {
    let mut s = streaming();
    s.input = Input::with_text("a long draft that is wider than the box");
    let screen = draw(&s, 40, 12);
    insta::assert_snapshot!("small_terminal", screen.clone());
    // The reply's notice is shown whole while it lasts; then the status bar is back.
    assert!(
        screen.contains("recalled 2 memories (F4 shows them)"),
        "notice visible"
    );
    let mut later = s.clone();
    while later.notice.is_some() {
        update(&mut later, Msg::Tick(at(9, 31)));
    }
    assert!(
        draw(&later, 40, 12).contains("smollm2-135m"),
        "status bar visible"
    );
    // The input wraps (no sideways scrolling): the whole draft is in view.
    let input: String = screen
        .lines()
        .filter(|l| l.starts_with('│') && l.ends_with('│'))
        .map(|l| l.trim_matches('│').trim_end())
        .collect();
    assert!(
        input.contains("a long draft that is wider than the box"),
        "{screen}"
    );
}

#[test]
fn resizing_keeps_the_whole_conversation() {
    let mut s = state();
    for i in 0..30 {
        s.chat.entries.push(Entry {
            role: Role::User,
            text: format!("message number {i} with enough words to wrap on a narrow screen"),
            time: at(10, i),
            recalled: Vec::new(),
            interrupted: false,
            stats: None,
        });
    }
    for width in [120u16, 40, 90] {
        let lines = mneme::tui::view::transcript_lines(&s, width);
        let text: String = lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join(" ");
        for i in 0..30 {
            assert!(
                text.contains(&format!("number {i} ")),
                "width {width} lost message {i}"
            );
        }
        assert!(lines.iter().all(|l| l.width() <= usize::from(width)));
    }
    // Scrolled to the top, the first message is on screen; at the bottom, the last.
    s.chat.scroll = usize::MAX / 2;
    assert!(draw(&s, 60, 20).contains("message number 0 "));
    s.chat.scroll = 0;
    assert!(draw(&s, 60, 20).contains("number 29 "));
}

#[test]
fn model_output_cannot_reach_the_terminal_as_escape_codes() {
    let mut s = state();
    typed(&mut s, "hi");
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        Msg::Piece("safe\u{1b}]0;owned\u{7}\u{1b}[2J text".into()),
    );
    let screen = draw(&s, 60, 12);
    assert!(screen.contains("safe text"));
    assert!(!screen.contains('\u{1b}') && !screen.contains("owned"));
}

#[test]
fn bench_tui_reports_frame_costs_and_the_picker_in_json() {
    let data = crate::common::DataDir::new();
    let report = data.json(&[
        "bench",
        "tui",
        "--json",
        "--turns",
        "20,400",
        "--frames",
        "5",
        "--sessions",
        "40",
    ]);
    let frames = report["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[1]["turns"], 400);
    assert!(frames[1]["frame_ms"].as_f64().unwrap() > 0.0);
    assert!(report["frame_ratio"].as_f64().unwrap() > 0.0);
    assert_eq!(report["picker_sessions"], 40);
    assert!(report["picker_open_ms"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_long_conversation_shows_its_newest_lines_and_scrolls_to_its_oldest() {
    let mut s = state();
    s.chat.entries = (0..2000)
        .map(|i| Entry {
            role: Role::User,
            text: format!("message {i}"),
            time: at(10, 0),
            recalled: Vec::new(),
            interrupted: false,
            stats: None,
        })
        .collect();
    let screen = draw(&s, 80, 20);
    assert!(screen.contains("message 1999"), "{screen}");
    assert!(!screen.contains("message 1990\n"), "{screen}");
    // In the middle: 3,000 lines up from the bottom of 6,000 (three lines a message).
    s.chat.scroll = 3000;
    let screen = draw(&s, 80, 20);
    assert!(screen.contains("message 999\n"), "{screen}");
    assert!(!screen.contains("message 1000"), "{screen}");
    // Scrolled all the way up (more than the history holds), the first message shows.
    s.chat.scroll = 1_000_000;
    let screen = draw(&s, 80, 20);
    assert!(
        screen.contains("message 0\n") || screen.contains("message 0 "),
        "{screen}"
    );
    assert!(!screen.contains("message 1999"), "{screen}");
}

#[test]
fn a_hostile_speaker_name_in_a_memory_source_is_drawn_without_its_escapes() {
    let mut s = browser();
    let m = s.memories.items[0].memory.clone();
    update(
        &mut s,
        Msg::MemoryOpened(MemoryDetail {
            memory: m,
            sources: vec![(
                "evil.1".into(),
                "Eve\u{1b}]2;PWNED\u{7}\u{1b}[2J".into(),
                "hello".into(),
            )],
            chain: Vec::new(),
        }),
    );
    let screen = draw(&s, 100, 20);
    assert!(screen.contains("Eve: hello"), "{screen}");
    assert!(
        !screen.contains('\u{1b}') && !screen.contains("PWNED"),
        "{screen}"
    );
}

#[test]
fn an_open_fact_shows_the_facts_it_superseded_and_which_is_current() {
    let mut s = browser();
    let at = |month: u32| Utc.with_ymd_and_hms(2026, month, 1, 10, 0, 0).unwrap();
    let fact = |id: &str, text: &str, month: u32| {
        let mut m = Memory::new(MemoryKind::Fact, text.into(), vec![], at(month));
        m.id = id.into();
        m
    };
    let old = fact("f-0123456789-aaa", "Maya's favourite tea is green tea.", 3);
    let new = fact(
        "f-0123456789-bbb",
        "Maya's favourite tea is rooibos now.",
        10,
    );
    update(
        &mut s,
        Msg::MemoryOpened(MemoryDetail {
            memory: old.clone(),
            sources: vec![],
            chain: vec![old, new],
        }),
    );
    let screen = draw(&s, 100, 24);
    assert!(screen.contains("about the same, oldest first"), "{screen}");
    assert!(screen.contains("▶ superseded"), "{screen}");
    assert!(screen.contains("  current"), "{screen}");
    assert!(screen.contains("rooibos now"), "{screen}");
}
