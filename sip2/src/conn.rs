//! One SIP2 connection: TCP, optionally inside TLS, one request in flight
//! at a time. Each request gets the next `AY` (0–9, wrapping) and its
//! `AZ`; the answer must carry the same `AY` (a stale answer with another
//! is dropped and the wait goes on), and a checksum that matches (else the
//! kiosk asks for it again with 97). A 96 from the server sends the same
//! bytes again. Any failure leaves the connection unusable: the client
//! opens a new one, so a half-read answer is never taken for the next one.

use crate::charset::Charset;
use crate::frame::{self, DecodeError, Framer, Message, Terminator};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Why a request did not get its answer. Never quotes a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnError {
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: String, reason: String },
    #[error("TLS handshake with {addr} failed: {reason}")]
    Tls { addr: String, reason: String },
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the server closed the connection")]
    Closed,
    #[error("connection error: {0}")]
    Io(String),
    #[error("cannot encode the request: {0}")]
    Encode(#[from] frame::EncodeError),
    #[error("unreadable answer: {0}")]
    Decode(#[from] DecodeError),
    #[error("the answer's checksum was still wrong after {0} resends")]
    Checksum(u8),
    #[error("the server asked for the request again {0} times")]
    Resends(u8),
    #[error("a request was abandoned mid-way; the connection is no longer usable")]
    Abandoned,
}

impl ConnError {
    /// Nothing from the server at all: the district counts as offline.
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Connect { .. } | Self::Tls { .. } | Self::Timeout(_) | Self::Closed | Self::Io(_))
    }
}

/// How to reach the server and speak to it.
#[derive(Clone)]
pub struct ConnSettings {
    pub host: String,
    pub port: u16,
    /// `Some`: TLS with this config, the certificate checked for `host`.
    pub tls: Option<Arc<tokio_rustls::rustls::ClientConfig>>,
    pub connect_timeout: Duration,
    /// How long one answer may take.
    pub read_timeout: Duration,
    pub charset: Charset,
    pub terminator: Terminator,
    pub error_detection: bool,
    /// Resends (96 from the server, 97 from the kiosk) per request.
    pub retries: u8,
}

impl std::fmt::Debug for ConnSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls.is_some())
            .field("charset", &self.charset)
            .finish_non_exhaustive()
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// An open connection. See the module documentation.
pub struct Connection {
    stream: Box<dyn Stream>,
    framer: Framer,
    settings: ConnSettings,
    /// The `AY` of the next request.
    next_seq: u8,
    /// Set while a request waits for its answer: a request whose future
    /// was dropped (a caller's timeout) leaves it set, and the connection
    /// is then refused, since its answer may still arrive.
    busy: bool,
    last_used: Instant,
}

impl Connection {
    pub async fn open(settings: ConnSettings) -> Result<Self, ConnError> {
        let addr = format!("{}:{}", settings.host, settings.port);
        let tcp = tokio::time::timeout(settings.connect_timeout, TcpStream::connect(&addr))
            .await
            .map_err(|_| ConnError::Connect { addr: addr.clone(), reason: "timed out".into() })?
            .map_err(|e| ConnError::Connect { addr: addr.clone(), reason: e.to_string() })?;
        // Requests are small and answered one by one: send each at once.
        let _ = tcp.set_nodelay(true);
        let stream: Box<dyn Stream> = match &settings.tls {
            None => Box::new(tcp),
            Some(config) => {
                let name = tokio_rustls::rustls::pki_types::ServerName::try_from(settings.host.clone())
                    .map_err(|e| ConnError::Tls { addr: addr.clone(), reason: e.to_string() })?;
                let connector = tokio_rustls::TlsConnector::from(config.clone());
                let tls = tokio::time::timeout(settings.connect_timeout, connector.connect(name, tcp))
                    .await
                    .map_err(|_| ConnError::Tls { addr: addr.clone(), reason: "timed out".into() })?
                    .map_err(|e| ConnError::Tls { addr: addr.clone(), reason: e.to_string() })?;
                Box::new(tls)
            }
        };
        Ok(Self { stream, framer: Framer::default(), settings, next_seq: 0, busy: false, last_used: Instant::now() })
    }

    /// How long since the last answer (or the opening).
    pub fn idle_for(&self) -> Duration {
        self.last_used.elapsed()
    }

    /// Whether a request was abandoned on this connection.
    pub fn is_poisoned(&self) -> bool {
        self.busy
    }

    /// Send `request`, wait for its answer. See the module documentation.
    pub async fn request(&mut self, request: &Message) -> Result<Message, ConnError> {
        if self.busy {
            return Err(ConnError::Abandoned);
        }
        let seq = self.next_seq;
        self.next_seq = (seq + 1) % 10;
        let trailer = self.settings.error_detection.then_some(seq);
        let bytes = frame::encode(request, trailer, self.settings.charset, self.settings.terminator)?;
        self.busy = true;
        self.write(&bytes).await?;
        let (mut resends, mut asked_again) = (0u8, 0u8);
        // One deadline for the answer, renewed only by a resend: stale
        // answers arriving without end cannot hold the request forever.
        let mut deadline = Instant::now() + self.settings.read_timeout;
        loop {
            let frame = self.read_frame(deadline).await?;
            match frame::decode(&frame, self.settings.charset) {
                Err(DecodeError::BadChecksum) => {
                    if asked_again >= self.settings.retries {
                        return Err(ConnError::Checksum(asked_again));
                    }
                    asked_again += 1;
                    tracing::warn!(attempt = asked_again, "SIP2 answer with a bad checksum; asking for it again (97)");
                    let again = frame::encode(
                        &Message::new("97", ""),
                        trailer,
                        self.settings.charset,
                        self.settings.terminator,
                    )?;
                    self.write(&again).await?;
                    deadline = Instant::now() + self.settings.read_timeout;
                }
                Err(e) => return Err(e.into()),
                Ok(decoded) if decoded.message.command_str() == "96" => {
                    if resends >= self.settings.retries {
                        return Err(ConnError::Resends(resends));
                    }
                    resends += 1;
                    tracing::warn!(attempt = resends, "SIP2 server asked for the request again (96)");
                    self.write(&bytes).await?;
                    deadline = Instant::now() + self.settings.read_timeout;
                }
                Ok(decoded) if trailer.is_some() && decoded.sequence.is_some_and(|s| Some(s) != trailer) => {
                    // An answer to an earlier request (one the server
                    // answered twice, or late): not this one's.
                    tracing::warn!(
                        want = seq,
                        got = decoded.sequence,
                        "SIP2 answer with another sequence number dropped"
                    );
                }
                Ok(decoded) => {
                    self.busy = false;
                    self.last_used = Instant::now();
                    return Ok(decoded.message);
                }
            }
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), ConnError> {
        let timeout = self.settings.read_timeout;
        let write = async {
            self.stream.write_all(bytes).await?;
            self.stream.flush().await
        };
        match tokio::time::timeout(timeout, write).await {
            Err(_) => Err(ConnError::Timeout(timeout)),
            Ok(Err(e)) => Err(io_error(e)),
            Ok(Ok(())) => Ok(()),
        }
    }

    async fn read_frame(&mut self, deadline: Instant) -> Result<Vec<u8>, ConnError> {
        let timeout = self.settings.read_timeout;
        let mut buf = [0u8; 2048];
        loop {
            if let Some(frame) = self.framer.next_frame() {
                return Ok(frame?);
            }
            let n = match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
                Err(_) => return Err(ConnError::Timeout(timeout)),
                Ok(Err(e)) => return Err(io_error(e)),
                Ok(Ok(n)) => n,
            };
            if n == 0 {
                return Err(ConnError::Closed);
            }
            self.framer.push(&buf[..n]);
        }
    }
}

fn io_error(e: std::io::Error) -> ConnError {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof
        | std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::ConnectionAborted
        | std::io::ErrorKind::BrokenPipe => ConnError::Closed,
        _ => ConnError::Io(e.to_string()),
    }
}
