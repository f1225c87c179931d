//! Rendered transcript lines kept per (message, width): markdown is parsed and wrapped once per
//! message, so a frame costs what is visible, not the whole history.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use ratatui::text::Line;

/// What a message's rendering depends on besides the width; cheap to compute every frame.
/// Messages are never edited in place, so their length, time and flags tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub text_len: usize,
    pub time_micros: i64,
    pub recalled: usize,
    pub interrupted: bool,
    pub role: u8,
}

struct Cached {
    width: u16,
    fingerprint: Fingerprint,
    lines: Arc<Vec<Line<'static>>>,
}

/// The cache. It is not part of what the state means: clones start empty and any two compare
/// equal.
#[derive(Default)]
pub struct RenderCache {
    by_index: RefCell<HashMap<usize, Cached>>,
}

impl RenderCache {
    /// The lines of message `index` at `width`, rendered by `render` only when not cached.
    pub fn lines(
        &self,
        index: usize,
        width: u16,
        fingerprint: Fingerprint,
        render: impl FnOnce() -> Vec<Line<'static>>,
    ) -> Arc<Vec<Line<'static>>> {
        let mut cache = self.by_index.borrow_mut();
        if let Some(hit) = cache.get(&index)
            && hit.width == width
            && hit.fingerprint == fingerprint
        {
            return hit.lines.clone();
        }
        let lines = Arc::new(render());
        cache.insert(
            index,
            Cached {
                width,
                fingerprint,
                lines: lines.clone(),
            },
        );
        lines
    }

    /// Forgets messages at `len` and after (the conversation was replaced or shortened).
    pub fn truncate(&self, len: usize) {
        self.by_index.borrow_mut().retain(|i, _| *i < len);
    }
}

impl Clone for RenderCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for RenderCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for RenderCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RenderCache({} messages)", self.by_index.borrow().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(n: usize) -> Fingerprint {
        Fingerprint {
            text_len: n,
            time_micros: 0,
            recalled: 0,
            interrupted: false,
            role: 1,
        }
    }

    #[test]
    fn renders_once_per_width_and_again_when_the_message_changes() {
        let cache = RenderCache::default();
        let renders = std::cell::Cell::new(0);
        let get = |width, fp| {
            cache.lines(0, width, fp, || {
                renders.set(renders.get() + 1);
                vec![Line::from("x")]
            })
        };
        get(80, print(1));
        get(80, print(1));
        assert_eq!(renders.get(), 1);
        get(40, print(1));
        assert_eq!(renders.get(), 2);
        get(40, print(2));
        assert_eq!(renders.get(), 3);
    }
}
