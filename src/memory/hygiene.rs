//! What must never become a memory: the recall block a reply was given (and a reply's echo of
//! it), and chat-template markup. Memory fed on itself before: a reply that parroted the quoted
//! block was stored, and recalled again later as if someone had said it.

use crate::domain::Recall;

/// Lines of the recall block that are not memory text: its header, footer and item headings.
fn is_block_scaffolding(line: &str) -> bool {
    let line = line.trim();
    line.starts_with("Memories recalled from earlier conversations")
        || line == "End of memories."
        || (line.starts_with('[')
            && line.ends_with(']')
            && ["· chunk]", "· summary]", "· note]", "· fact]"]
                .iter()
                .any(|kind| line.ends_with(kind)))
}

/// Spellings of chat-template tokens (ChatML, Gemma, Llama 3, Phi), removed from what is stored.
const MARKUP: [&str; 9] = [
    "<|im_start|>",
    "<|im_end|>",
    "<start_of_turn>",
    "<end_of_turn>",
    "<|begin_of_text|>",
    "<|eot_id|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|endoftext|>",
];

fn words(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` as memory may keep it: without template markup and, when `recall` is the block the
/// model was given before writing it, without lines that repeat that block (quoted `> …` lines,
/// its header and headings, or any line that is a recalled memory's line). `None` when nothing of
/// substance is left.
pub fn clean(text: &str, recall: Option<&Recall>) -> Option<String> {
    let mut text = text.to_string();
    let marked = MARKUP.iter().any(|token| text.contains(token));
    for token in MARKUP {
        text = text.replace(token, " ");
    }
    if marked {
        // The spaces left where tokens were are not the speaker's.
        text = text.lines().map(str::trim).collect::<Vec<_>>().join("\n");
    }
    let recalled: std::collections::HashSet<String> = recall
        .iter()
        .flat_map(|r| r.items.iter())
        .flat_map(|item| item.text.lines().map(words))
        .filter(|line| line.len() >= 12)
        .collect();
    let echoes = |line: &str| {
        let body = line.trim_start().trim_start_matches('>').trim();
        let key = words(body);
        is_block_scaffolding(line)
            || (recall.is_some() && line.trim_start().starts_with('>'))
            || (!key.is_empty() && recalled.contains(&key))
            || recalled
                .iter()
                .any(|r| key.len() >= 24 && (r.contains(&key) || key.contains(r.as_str())))
    };
    let kept: Vec<&str> = text.lines().filter(|line| !echoes(line)).collect();
    let kept = kept.join("\n").trim().to_string();
    (kept.chars().filter(|c| c.is_alphanumeric()).count() >= 2).then_some(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MemoryKind, Recalled};

    fn recall_of(text: &str) -> Recall {
        let items = vec![Recalled {
            id: "c-1".into(),
            kind: MemoryKind::Chunk,
            score: 0.1,
            time: chrono::DateTime::UNIX_EPOCH,
            text: text.into(),
            cut: false,
            similarity: Some(0.5),
            answer_to: None,
            follows: None,
        }];
        let (items, block) = crate::memory::recall::format_block(&items, 400);
        Recall { items, block }
    }

    #[test]
    fn a_reply_echoing_its_recall_block_keeps_only_what_it_added() {
        let recall =
            recall_of("user: Name three primary colors.\nassistant: Red, yellow and blue.");
        let reply = format!(
            "{}\nRed, blue and yellow are the primary colours.",
            recall.block
        );
        assert_eq!(
            clean(&reply, Some(&recall)).as_deref(),
            Some("Red, blue and yellow are the primary colours.")
        );
        let parrot = "> user: Name three primary colors.\nuser: Name three primary colors.";
        assert_eq!(clean(parrot, Some(&recall)), None);
    }

    #[test]
    fn template_markup_is_removed_and_plain_text_is_kept() {
        assert_eq!(
            clean("Sure!<|im_end|>\n<|im_start|>user", None).as_deref(),
            Some("Sure!\nuser")
        );
        let quote = "> a quote the user typed themselves";
        assert_eq!(clean(quote, None).as_deref(), Some(quote));
        assert_eq!(clean("<end_of_turn>", None), None);
    }
}
