//! Server-sent events, parsed incrementally from a byte stream: the framing of a streamed reply
//! from an OpenAI-compatible server.

/// One event of the stream.
#[derive(Debug, Clone, PartialEq)]
pub enum SseEvent {
    /// The `data:` lines of one event, joined with newlines.
    Data(String),
    /// An `error:` line (llama.cpp's server reports a failure mid-stream this way).
    Error(String),
}

/// Why the stream cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SseError {
    #[error("the stream is not valid UTF-8")]
    NotUtf8,
    #[error("a line of the stream is longer than {0} bytes")]
    LineTooLong(usize),
}

/// Longest line accepted: one streamed token's JSON is a few hundred bytes.
const MAX_LINE: usize = 4 << 20;

/// Feeds bytes in as they arrive; takes whole events out.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    data: Option<String>,
}

impl SseParser {
    /// Adds `bytes` and returns the events they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        let mut events = Vec::new();
        for &byte in bytes {
            if byte != b'\n' {
                if self.line.len() >= MAX_LINE {
                    return Err(SseError::LineTooLong(MAX_LINE));
                }
                self.line.push(byte);
                continue;
            }
            let mut line = std::mem::take(&mut self.line);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8(line).map_err(|_| SseError::NotUtf8)?;
            self.line_done(&line, &mut events);
        }
        Ok(events)
    }

    /// The event left unterminated when the stream ends (a server may omit the last blank line).
    pub fn finish(&mut self) -> Result<Vec<SseEvent>, SseError> {
        let mut events = self.feed(b"\n")?;
        events.extend(self.data.take().map(SseEvent::Data));
        Ok(events)
    }

    fn line_done(&mut self, line: &str, events: &mut Vec<SseEvent>) {
        if line.is_empty() {
            events.extend(self.data.take().map(SseEvent::Data));
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            "error" => events.push(SseEvent::Error(value.to_string())),
            // Comments (empty field), `event:`, `id:` and `retry:` carry nothing a reply needs.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut parser = SseParser::default();
        let mut events = Vec::new();
        for chunk in chunks {
            events.extend(parser.feed(chunk).unwrap());
        }
        events.extend(parser.finish().unwrap());
        events
    }

    #[test]
    fn events_split_anywhere_across_reads_come_out_whole() {
        let stream = "data: {\"a\":1}\n\n: keep-alive\n\ndata: [DONE]\n\n".as_bytes();
        let expected = vec![
            SseEvent::Data("{\"a\":1}".into()),
            SseEvent::Data("[DONE]".into()),
        ];
        for cut in 0..stream.len() {
            assert_eq!(
                all(&[&stream[..cut], &stream[cut..]]),
                expected,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn crlf_multi_line_data_errors_and_an_unterminated_last_event() {
        let events = all(&[
            b"event: x\r\ndata: one\r\ndata: two\r\n\r\nerror: {\"code\":500}\n\ndata: last",
        ]);
        assert_eq!(
            events,
            vec![
                SseEvent::Data("one\ntwo".into()),
                SseEvent::Error("{\"code\":500}".into()),
                SseEvent::Data("last".into()),
            ]
        );
    }

    #[test]
    fn a_character_split_across_reads_survives_and_invalid_utf8_is_an_error() {
        let text = "data: é\n\n".as_bytes();
        let split = text.iter().position(|b| *b >= 0x80).unwrap() + 1;
        assert_eq!(
            all(&[&text[..split], &text[split..]]),
            vec![SseEvent::Data("é".into())]
        );
        let mut parser = SseParser::default();
        assert_eq!(parser.feed(b"data: \xff\n"), Err(SseError::NotUtf8));
    }
}
