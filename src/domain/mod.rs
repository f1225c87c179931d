//! The floor every other module stands on: turns, roles, stop reasons, turn stats, recall records
//! and attention strategies. Nothing here imports another mneme module.

pub mod attention;
pub mod recall;
pub mod turn;

pub use attention::Attention;

/// A length of time as a person says it: "42s", "3m 20s", "5h 2m", "2d 4h".
pub fn duration_words(seconds: u64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// `n` and the noun that goes with it: "1 memory", "2 memories", "0 turns".
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
pub use recall::{MemoryKind, Recall, Recalled};
pub use turn::{Role, StopReason, Turn, TurnStats};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_durations_read_as_a_person_says_them() {
        assert_eq!(counted(1, "memory", "memories"), "1 memory");
        assert_eq!(counted(0, "memory", "memories"), "0 memories");
        assert_eq!(duration_words(42), "42s");
        assert_eq!(duration_words(217), "3m 37s");
        assert_eq!(duration_words(3 * 3600 + 120), "3h 2m");
        assert_eq!(duration_words(2 * 86_400 + 3600), "2d 1h");
    }
}
