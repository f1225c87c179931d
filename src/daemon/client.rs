//! The client side of the daemon socket: connect, check the protocol, send requests.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::protocol::{Hello, Op, PROTOCOL_VERSION, Request, Response, mismatch_message};
use super::status::DaemonStatus;
use super::writes::WriteOp;

/// Why a request to the daemon failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the memory daemon stopped answering: {0}")]
    Io(#[from] std::io::Error),
    #[error("{}", mismatch_message(*daemon, PROTOCOL_VERSION))]
    Mismatch { daemon: u32 },
    /// The daemon understood the request and refused or failed it.
    #[error("{0}")]
    Daemon(String),
    #[error("the memory daemon sent something unreadable: {0}")]
    Garbled(String),
}

/// A connection to a running daemon.
pub struct DaemonClient {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    pub hello: Hello,
}

impl DaemonClient {
    /// Connects and says hello. `Ok(None)` when no daemon is listening.
    pub fn connect(socket: &Path) -> Result<Option<Self>, ClientError> {
        let stream = match UnixStream::connect(socket) {
            Ok(s) => s,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                ) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let writer = stream.try_clone()?;
        let mut client = Self {
            reader: BufReader::new(stream),
            writer,
            hello: Hello {
                protocol: 0,
                pid: 0,
                version: String::new(),
                build: String::new(),
            },
        };
        let hello = client.call(Op::Hello, Some(Duration::from_secs(10)))?;
        client.hello =
            serde_json::from_value(hello).map_err(|e| ClientError::Garbled(e.to_string()))?;
        Ok(Some(client))
    }

    /// Sends one request and waits (up to `timeout`, or for ever) for its response.
    pub fn call(&mut self, op: Op, timeout: Option<Duration>) -> Result<Value, ClientError> {
        let line = serde_json::to_string(&Request {
            v: PROTOCOL_VERSION,
            op,
        })
        .expect("serialises");
        self.send_raw(&line, timeout)
    }

    /// Sends a raw request line (used to test other protocol versions).
    pub fn send_raw(
        &mut self,
        line: &str,
        timeout: Option<Duration>,
    ) -> Result<Value, ClientError> {
        self.writer.write_all(line.as_bytes())?;
        self.writer.write_all(b"\n")?;
        self.writer.flush()?;
        self.reader.get_ref().set_read_timeout(timeout)?;
        let mut answer = String::new();
        if self.reader.read_line(&mut answer)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed before the answer",
            )
            .into());
        }
        let response: Response =
            serde_json::from_str(&answer).map_err(|e| ClientError::Garbled(e.to_string()))?;
        if response.protocol != PROTOCOL_VERSION {
            return Err(ClientError::Mismatch {
                daemon: response.protocol,
            });
        }
        if !response.ok {
            return Err(ClientError::Daemon(response.error.unwrap_or_default()));
        }
        Ok(response.result.unwrap_or(Value::Null))
    }

    pub fn status(&mut self) -> Result<DaemonStatus, ClientError> {
        let value = self.call(Op::Status, Some(Duration::from_secs(10)))?;
        serde_json::from_value(value).map_err(|e| ClientError::Garbled(e.to_string()))
    }

    /// Sends a write and waits for it to be applied.
    pub fn write(&mut self, write: WriteOp) -> Result<Value, ClientError> {
        self.call(Op::Write { write }, None)
    }
}

/// Asks whatever listens on `socket` to shut down, in the form every protocol version accepts.
pub fn request_shutdown(socket: &Path) -> std::io::Result<bool> {
    let mut stream = match UnixStream::connect(socket) {
        Ok(s) => s,
        Err(_) => return Ok(false),
    };
    stream.write_all(b"{\"op\":\"shutdown\"}\n")?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut answer = String::new();
    let _ = BufReader::new(stream).read_line(&mut answer);
    Ok(true)
}
