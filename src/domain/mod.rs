//! The floor every other module stands on: turns, roles, stop reasons, turn stats, recall records
//! and attention strategies. Nothing here imports another mneme module.

pub mod attention;
pub mod recall;
pub mod turn;

pub use attention::Attention;
pub use recall::{MemoryKind, Recall, Recalled};
pub use turn::{Role, StopReason, Turn, TurnStats};
