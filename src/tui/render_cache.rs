//! Rendered transcript lines kept per (message, width): markdown is parsed and wrapped once per
//! message, so a frame costs what is visible, not the whole history.

use std::cell::{Ref, RefCell};
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

/// Where each message starts, in lines, at one width: `starts[i]` is the first line of message
/// `i`, `starts[count]` the end. Messages are only appended (or all replaced), so it is extended
/// rather than rebuilt while the conversation grows.
struct Offsets {
    width: u16,
    last: Option<Fingerprint>,
    starts: Vec<usize>,
}

/// The cache. It is not part of what the state means: clones start empty and any two compare
/// equal.
#[derive(Default)]
pub struct RenderCache {
    by_index: RefCell<HashMap<usize, Cached>>,
    offsets: RefCell<Option<Offsets>>,
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
        self.offsets.borrow_mut().take();
    }

    /// The first line of each of `count` messages at `width` and, last, the end of the final
    /// one. `last` identifies the newest message; `lines_of(i)` counts message `i`'s lines and
    /// is called only for messages not yet laid out.
    pub fn offsets(
        &self,
        width: u16,
        count: usize,
        last: Option<Fingerprint>,
        lines_of: impl Fn(usize) -> usize,
    ) -> Ref<'_, [usize]> {
        let mut cached = self.offsets.borrow_mut();
        let reusable = cached.as_ref().is_some_and(|o| {
            o.width == width
                && o.starts.len() <= count + 1
                && (o.starts.len() < count + 1 || o.last == last)
        });
        if !reusable {
            *cached = Some(Offsets {
                width,
                last: None,
                starts: vec![0],
            });
        }
        let offsets = cached.as_mut().expect("set above");
        while offsets.starts.len() < count + 1 {
            let i = offsets.starts.len() - 1;
            let end = offsets.starts[i] + lines_of(i);
            offsets.starts.push(end);
        }
        offsets.last = last;
        drop(cached);
        // Lent, not copied: a frame must not cost a copy of every message's offset.
        Ref::map(self.offsets.borrow(), |o| {
            o.as_ref().expect("set above").starts.as_slice()
        })
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

    #[test]
    fn offsets_grow_with_appended_messages_and_are_rebuilt_for_another_width() {
        let cache = RenderCache::default();
        let counted = std::cell::Cell::new(0);
        let count = |_: usize| {
            counted.set(counted.get() + 1);
            3
        };
        assert_eq!(*cache.offsets(80, 2, Some(print(1)), count), [0, 3, 6]);
        assert_eq!(*cache.offsets(80, 2, Some(print(1)), count), [0, 3, 6]);
        assert_eq!(counted.get(), 2, "laid out once");
        assert_eq!(*cache.offsets(80, 3, Some(print(2)), count), [0, 3, 6, 9]);
        assert_eq!(counted.get(), 3, "only the new message is counted");
        cache.offsets(40, 3, Some(print(2)), count);
        assert_eq!(counted.get(), 6, "another width lays everything out again");
        cache.truncate(0);
        cache.offsets(40, 1, Some(print(9)), count);
        assert_eq!(counted.get(), 7);
    }
}
