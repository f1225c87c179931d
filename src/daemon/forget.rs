//! Forgetting that sticks: a deleted memory leaves every place mneme wrote its text (the store
//! and its old versions, the turns it was made from, recall blocks stored in transcripts,
//! summaries that cited those turns, saved KV states), and is never remembered again.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::domain::{MemoryKind, Turn};
use crate::memory::recall::format_block;
use crate::memory::service::MemoryError;
use crate::memory::writer::MemoryWriter;
use crate::memory::{Memory, MemoryFilter};
use crate::session::SessionStore;

/// What forgetting did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForgetReport {
    /// Memories removed from the store (the ones asked for, and summaries citing their turns).
    pub deleted: usize,
    /// Turns whose text was removed from their transcripts.
    pub turns_forgotten: usize,
    /// Stored recall blocks that quoted a forgotten memory, rewritten without it.
    pub recalls_rewritten: usize,
    /// Sessions whose saved KV state was dropped.
    pub kv_states_dropped: usize,
    /// Chunks of neighbouring turns embedded again without the forgotten text (a chunk's
    /// embedding includes the turns around it).
    #[serde(default)]
    pub reembedded: usize,
}

/// Forgets the memories `ids` (all must exist). A chunk's source turns are forgotten in their
/// transcript, so it is never ingested again; `keep_turns` skips that (a session being deleted).
pub async fn forget(
    writer: &MemoryWriter<'_>,
    sessions: &SessionStore,
    ids: &[String],
    keep_turns: bool,
) -> anyhow::Result<ForgetReport> {
    let store = writer.memory().store();
    let mut doomed: Vec<Memory> = Vec::new();
    for id in ids {
        match store.get(id).await? {
            Some(m) => doomed.push(m),
            None => return Err(MemoryError::NotFound(id.clone()).into()),
        }
    }
    let mut report = ForgetReport::default();
    let turns: HashSet<String> = doomed
        .iter()
        .filter(|m| m.kind == MemoryKind::Chunk)
        .flat_map(|m| m.source_turns.iter().cloned())
        .collect();
    // Summaries and facts quote the turns they cite: they go too.
    if !turns.is_empty() {
        let summaries = MemoryFilter {
            kinds: vec![MemoryKind::Summary, MemoryKind::Fact],
            skip_vectors: true,
            ..MemoryFilter::default()
        };
        for summary in store.browse(&summaries, usize::MAX).await? {
            let cites = summary.source_turns.iter().any(|t| turns.contains(t));
            if cites && !doomed.iter().any(|m| m.id == summary.id) {
                doomed.push(summary);
            }
        }
    }
    let gone: HashSet<&str> = doomed.iter().map(|m| m.id.as_str()).collect();
    let sessions_of_turns: HashSet<&str> = doomed
        .iter()
        .filter(|m| m.kind == MemoryKind::Chunk)
        .filter_map(|m| m.session.as_deref())
        .collect();
    let session_ids = sessions.ids()?;
    for session in &session_ids {
        let forget_turns = !keep_turns && sessions_of_turns.contains(session.as_str());
        let mut turns_here = 0;
        let mut recalls_here = 0;
        let changed = sessions.rewrite(session, |turn| {
            if forget_turns && turns.contains(&turn.id) && !turn.forgotten {
                turn.forget();
                turns_here += 1;
                return true;
            }
            if drop_recalled(turn, &gone) {
                recalls_here += 1;
                return true;
            }
            false
        })?;
        report.turns_forgotten += turns_here;
        report.recalls_rewritten += recalls_here;
        if changed > 0 {
            sessions.drop_kv_state(session)?;
            report.kv_states_dropped += 1;
        }
    }
    let mut all: Vec<String> = doomed.iter().map(|m| m.id.clone()).collect();
    report.deleted = all.len();
    // Neighbours' chunks were embedded with the forgotten turns as context: they are deleted
    // with the rest and made again from the rewritten transcripts.
    let mut neighbours_in = Vec::new();
    if !keep_turns {
        for session in sessions_of_turns {
            let stale = neighbour_chunks(writer, sessions, session, &turns, &gone).await?;
            if !stale.is_empty() {
                report.reembedded += stale.len();
                all.extend(stale);
                neighbours_in.push(session.to_string());
            }
        }
    }
    // Deleting purges old versions and rebuilds the full-text index: the text leaves the disk.
    writer.delete(&all).await?;
    for session in neighbours_in {
        let session = sessions.open(&session)?;
        writer.ingest_session(&session, true).await?;
    }
    Ok(report)
}

/// Ids of the chunks in `session` made from turns next to the `forgotten` ones (not already `gone`).
async fn neighbour_chunks(
    writer: &MemoryWriter<'_>,
    sessions: &SessionStore,
    session: &str,
    forgotten: &HashSet<String>,
    gone: &HashSet<&str>,
) -> anyhow::Result<Vec<String>> {
    let turns = sessions.open(session)?.turns;
    let mut next_to: HashSet<&str> = HashSet::new();
    for (i, turn) in turns.iter().enumerate() {
        if forgotten.contains(&turn.id) {
            let around = [i.checked_sub(1), Some(i + 1)];
            next_to.extend(
                around
                    .into_iter()
                    .flatten()
                    .filter_map(|j| turns.get(j))
                    .map(|t| t.id.as_str()),
            );
        }
    }
    let chunks = MemoryFilter {
        kinds: vec![MemoryKind::Chunk],
        session: Some(session.to_string()),
        skip_vectors: true,
        ..MemoryFilter::default()
    };
    Ok(writer
        .memory()
        .store()
        .browse(&chunks, usize::MAX)
        .await?
        .into_iter()
        .filter(|m| !gone.contains(m.id.as_str()))
        .filter(|m| m.source_turns.iter().any(|t| next_to.contains(t.as_str())))
        .map(|m| m.id)
        .collect())
}

/// Removes forgotten memories from the recall stored with a turn, rebuilding the quoted block
/// from what is left. Returns whether the turn changed.
fn drop_recalled(turn: &mut Turn, gone: &HashSet<&str>) -> bool {
    let Some(recall) = &mut turn.recall else {
        return false;
    };
    if !recall.items.iter().any(|i| gone.contains(i.id.as_str())) {
        return false;
    }
    recall.items.retain(|i| !gone.contains(i.id.as_str()));
    if recall.items.is_empty() {
        turn.recall = None;
    } else {
        // The kept items already fit the budget they were recalled under.
        recall.block = format_block(&recall.items, usize::MAX / 8).1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Recall, Recalled, Role};

    fn recalled(id: &str, text: &str) -> Recalled {
        Recalled {
            id: id.into(),
            kind: MemoryKind::Chunk,
            score: 0.5,
            time: chrono::DateTime::UNIX_EPOCH,
            text: text.into(),
            cut: false,
            similarity: None,
            answer_to: None,
            follows: None,
        }
    }

    #[test]
    fn a_stored_recall_loses_the_forgotten_memory_and_its_text() {
        let items = vec![recalled("a", "keep me"), recalled("b", "QUOKKA9902")];
        let mut turn = Turn::new("s.1".into(), chrono::Utc::now(), Role::User, "q".into());
        turn.recall = Some(Recall {
            block: format_block(&items, 1000).1,
            items,
        });
        assert!(drop_recalled(&mut turn, &HashSet::from(["b"])));
        let recall = turn.recall.as_ref().unwrap();
        assert_eq!(recall.items.len(), 1);
        assert!(recall.block.contains("keep me") && !recall.block.contains("QUOKKA"));
        assert!(!drop_recalled(&mut turn, &HashSet::from(["b"])));
        assert!(drop_recalled(&mut turn, &HashSet::from(["a"])));
        assert!(turn.recall.is_none());
    }
}
