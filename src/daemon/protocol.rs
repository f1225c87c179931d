//! The daemon's wire protocol: one JSON request per line, one JSON response per line, versioned.
//!
//! `shutdown` is understood by every version, so a newer client can always replace an older daemon.

use serde::{Deserialize, Serialize};

use super::status::DaemonStatus;
use super::writes::{WriteOp, WriteResult};
use crate::memory::service::MemoryError;

/// Bumped whenever a request or response changes shape (2: typed replies and error kinds).
pub const PROTOCOL_VERSION: u32 = 2;

/// A request: the protocol version and what to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub v: u32,
    #[serde(flatten)]
    pub op: Op,
}

/// What a client asks for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Who are you? Answered at once, even while the daemon is busy.
    Hello,
    /// Counts, queue and schedule; answered at once.
    Status,
    /// Finish the current write and exit.
    Shutdown,
    /// A change to memory; answered when it is done.
    Write { write: WriteOp },
}

/// The daemon's identity, as `hello` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    pub pid: u32,
    pub version: String,
    /// Identifies the executable the daemon runs (path, size, mtime): a rebuilt binary differs.
    pub build: String,
}

/// What each request is answered with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "reply", content = "value", rename_all = "snake_case")]
pub enum Reply {
    Hello(Hello),
    Status(Box<DaemonStatus>),
    ShuttingDown,
    Written(WriteResult),
}

/// What kind of failure a request met, so a client can react without parsing messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The memory (or session) asked for does not exist.
    NotFound,
    /// The request itself is wrong (malformed, another protocol version, bad values).
    Invalid,
    /// The daemon cannot do it now (stopping, memory still loading); trying later may work.
    Busy,
    /// Anything else; the message and the daemon's log say what.
    Internal,
}

/// A refused or failed request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct DaemonError {
    pub kind: ErrorKind,
    pub message: String,
}

impl DaemonError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The kind of a failed write, from what it failed on.
    pub fn from_write(error: &anyhow::Error) -> Self {
        let kind = match error.downcast_ref::<MemoryError>() {
            Some(MemoryError::NotFound(_)) => ErrorKind::NotFound,
            Some(MemoryError::Invalid(_)) => ErrorKind::Invalid,
            _ => ErrorKind::Internal,
        };
        Self::new(kind, format!("{error:#}"))
    }
}

/// A response line. `protocol`, `ok` and a plain-text `error` keep their shape in every version,
/// so a client of any version can tell a mismatch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    pub ok: bool,
    /// The daemon's protocol version (on every response, so a mismatch is always visible).
    pub protocol: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<Reply>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
}

impl Response {
    pub fn ok(protocol: u32, reply: Reply) -> Self {
        Self {
            ok: true,
            protocol,
            reply: Some(reply),
            error: None,
            error_kind: None,
        }
    }

    pub fn error(protocol: u32, error: DaemonError) -> Self {
        Self {
            ok: false,
            protocol,
            reply: None,
            error: Some(error.message),
            error_kind: Some(error.kind),
        }
    }

    /// The reply, or the error the daemon sent.
    pub fn into_result(self) -> Result<Reply, DaemonError> {
        match (self.ok, self.reply) {
            (true, Some(reply)) => Ok(reply),
            _ => Err(DaemonError::new(
                self.error_kind.unwrap_or(ErrorKind::Internal),
                self.error
                    .unwrap_or_else(|| "the daemon sent no reply".into()),
            )),
        }
    }
}

/// The message a client of another protocol version gets.
pub fn mismatch_message(daemon: u32, client: u32) -> String {
    format!(
        "protocol mismatch: the running mneme daemon speaks protocol {daemon} but this client speaks {client}; \
         run `mneme daemon stop` and then `mneme daemon start` with the same mneme binary"
    )
}

/// Parses a request line for a daemon that speaks protocol `speaks`. A line of another version
/// yields `ParseFailure::Version`; `shutdown` is accepted from any version.
pub fn parse_request(line: &str, speaks: u32) -> Result<Request, ParseFailure> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| ParseFailure::Malformed(e.to_string()))?;
    let version = value.get("v").and_then(|v| v.as_u64()).unwrap_or(0) as u32;
    let op = value.get("op").and_then(|o| o.as_str()).unwrap_or("");
    if op == "shutdown" {
        return Ok(Request {
            v: version,
            op: Op::Shutdown,
        });
    }
    if version != speaks {
        return Err(ParseFailure::Version(version));
    }
    serde_json::from_value(value).map_err(|e| ParseFailure::Malformed(e.to_string()))
}

/// Why a request line was not understood.
#[derive(Debug, PartialEq)]
pub enum ParseFailure {
    Malformed(String),
    Version(u32),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_other_versions_are_named() {
        let line = serde_json::to_string(&Request {
            v: PROTOCOL_VERSION,
            op: Op::Status,
        })
        .unwrap();
        assert_eq!(line, r#"{"v":2,"op":"status"}"#);
        assert!(matches!(
            parse_request(&line, PROTOCOL_VERSION).unwrap().op,
            Op::Status
        ));
        assert_eq!(
            parse_request(r#"{"v":7,"op":"status"}"#, PROTOCOL_VERSION).unwrap_err(),
            ParseFailure::Version(7)
        );
        assert!(matches!(
            parse_request(r#"{"v":7,"op":"shutdown"}"#, PROTOCOL_VERSION)
                .unwrap()
                .op,
            Op::Shutdown
        ));
        assert!(matches!(
            parse_request("not json", PROTOCOL_VERSION),
            Err(ParseFailure::Malformed(_))
        ));
        assert!(mismatch_message(1, 7).contains("mneme daemon stop"));
    }

    #[test]
    fn replies_and_errors_keep_their_types_on_the_wire() {
        let deleted = Response::ok(
            PROTOCOL_VERSION,
            Reply::Written(WriteResult::Imported { imported: 2 }),
        );
        let line = serde_json::to_string(&deleted).unwrap();
        let back: Response = serde_json::from_str(&line).unwrap();
        assert!(matches!(
            back.into_result(),
            Ok(Reply::Written(WriteResult::Imported { imported: 2 }))
        ));
        let missing = Response::error(
            PROTOCOL_VERSION,
            DaemonError::new(ErrorKind::NotFound, "no memory `x`"),
        );
        let line = serde_json::to_string(&missing).unwrap();
        // The message stays a plain string, readable by clients of any version.
        assert!(line.contains(r#""error":"no memory `x`""#), "{line}");
        let err = serde_json::from_str::<Response>(&line)
            .unwrap()
            .into_result()
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound);
    }
}
