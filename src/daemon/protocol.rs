//! The daemon's wire protocol: one JSON request per line, one JSON response per line, versioned.
//!
//! `shutdown` is understood by every version, so a newer client can always replace an older daemon.

use serde::{Deserialize, Serialize};

use super::writes::WriteOp;

/// Bumped whenever a request or response changes shape.
pub const PROTOCOL_VERSION: u32 = 1;

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

/// A response line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    pub ok: bool,
    /// The daemon's protocol version (on every response, so a mismatch is always visible).
    pub protocol: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Response {
    pub fn ok(protocol: u32, result: serde_json::Value) -> Self {
        Self {
            ok: true,
            protocol,
            result: Some(result),
            error: None,
        }
    }

    pub fn error(protocol: u32, message: impl Into<String>) -> Self {
        Self {
            ok: false,
            protocol,
            result: None,
            error: Some(message.into()),
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
        assert_eq!(line, r#"{"v":1,"op":"status"}"#);
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
}
