//! The client side of the daemon socket (async): connect, check the protocol, send typed requests
//! and get typed replies.

use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

use super::protocol::{
    DaemonError, ErrorKind, Hello, Op, PROTOCOL_VERSION, Reply, Request, Response, mismatch_message,
};
use super::status::DaemonStatus;
use super::writes::{WriteOp, WriteResult};

/// How long `hello` and `status` may take: the daemon answers them at once, even when busy.
const QUICK: Duration = Duration::from_secs(10);

/// Why a request to the daemon failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the memory daemon stopped answering: {0}")]
    Io(#[from] std::io::Error),
    #[error("the memory daemon did not answer within {0:?}")]
    Timeout(Duration),
    #[error("{}", mismatch_message(*daemon, PROTOCOL_VERSION))]
    Mismatch { daemon: u32 },
    /// The daemon understood the request and refused or failed it.
    #[error(transparent)]
    Daemon(#[from] DaemonError),
    #[error("the memory daemon sent something unreadable: {0}")]
    Garbled(String),
    /// The socket or the process behind it is not this user's: nothing was sent.
    #[error(transparent)]
    Untrusted(#[from] super::trust::Untrusted),
}

impl ClientError {
    /// The daemon's error kind, when it answered with one.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            ClientError::Daemon(e) => Some(e.kind),
            _ => None,
        }
    }
}

/// A connection to a running daemon; it can carry any number of requests, one at a time.
pub struct DaemonClient {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    pub hello: Hello,
}

impl DaemonClient {
    /// Connects and says hello. `Ok(None)` when no daemon is listening. A socket that is not
    /// this user's, or a listener run by another user, is refused before anything is sent.
    pub async fn connect(socket: &Path) -> Result<Option<Self>, ClientError> {
        if !super::trust::check_socket(socket)? {
            return Ok(None);
        }
        let stream = match UnixStream::connect(socket).await {
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
        let peer = stream.peer_cred()?.uid();
        if !super::trust::peer_allowed(peer) {
            return Err(super::trust::Untrusted(format!(
                "{} is served by uid {peer}, not by you",
                socket.display()
            ))
            .into());
        }
        let (read, writer) = stream.into_split();
        let mut client = Self {
            reader: BufReader::new(read),
            writer,
            hello: Hello {
                protocol: 0,
                pid: 0,
                version: String::new(),
                build: String::new(),
            },
        };
        match client.call(Op::Hello, Some(QUICK)).await? {
            Reply::Hello(hello) => client.hello = hello,
            other => return Err(unexpected("hello", &other)),
        }
        Ok(Some(client))
    }

    /// Sends one request and waits (up to `timeout`, or for ever) for its reply.
    pub async fn call(&mut self, op: Op, timeout: Option<Duration>) -> Result<Reply, ClientError> {
        let line = serde_json::to_string(&Request {
            v: PROTOCOL_VERSION,
            op,
        })
        .expect("requests serialise");
        let response = self.send_raw(&line, timeout).await?;
        if response.protocol != PROTOCOL_VERSION {
            return Err(ClientError::Mismatch {
                daemon: response.protocol,
            });
        }
        Ok(response.into_result()?)
    }

    /// Sends a raw request line and reads the response line (also used to test other protocol
    /// versions and malformed requests).
    pub async fn send_raw(
        &mut self,
        line: &str,
        timeout: Option<Duration>,
    ) -> Result<Response, ClientError> {
        let exchange = async {
            self.writer.write_all(line.as_bytes()).await?;
            self.writer.write_all(b"\n").await?;
            self.writer.flush().await?;
            let mut answer = String::new();
            if self.reader.read_line(&mut answer).await? == 0 {
                return Err(ClientError::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed before the answer",
                )));
            }
            serde_json::from_str::<Response>(&answer)
                .map_err(|e| ClientError::Garbled(e.to_string()))
        };
        match timeout {
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .map_err(|_| ClientError::Timeout(limit))?,
            None => exchange.await,
        }
    }

    pub async fn status(&mut self) -> Result<DaemonStatus, ClientError> {
        match self.call(Op::Status, Some(QUICK)).await? {
            Reply::Status(status) => Ok(*status),
            other => Err(unexpected("status", &other)),
        }
    }

    /// Sends a write and waits (up to `timeout`, or until it is applied) for its result.
    pub async fn write(
        &mut self,
        write: WriteOp,
        timeout: Option<Duration>,
    ) -> Result<WriteResult, ClientError> {
        match self.call(Op::Write { write }, timeout).await? {
            Reply::Written(result) => Ok(result),
            other => Err(unexpected("write", &other)),
        }
    }
}

fn unexpected(asked: &str, reply: &Reply) -> ClientError {
    ClientError::Garbled(format!("a `{asked}` request was answered with {reply:?}"))
}

/// Asks whatever listens on `socket` to shut down, in the form every protocol version accepts.
pub async fn request_shutdown(socket: &Path) -> std::io::Result<bool> {
    let mut stream = match UnixStream::connect(socket).await {
        Ok(s) => s,
        Err(_) => return Ok(false),
    };
    stream.write_all(b"{\"op\":\"shutdown\"}\n").await?;
    let mut answer = String::new();
    let mut reader = BufReader::new(stream);
    let _ = tokio::time::timeout(Duration::from_secs(5), reader.read_line(&mut answer)).await;
    Ok(true)
}
