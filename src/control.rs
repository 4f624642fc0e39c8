//! The control socket: a Unix socket in the state directory that takes one
//! JSON object per line — the same actions the touch UI sends, plus
//! simulated hardware events — and answers each with one JSON line holding
//! the view state; and `{"status":true}`, the kiosk's health. Used by
//! `bookstation sim` and `status`, scripted tests and the demo's simulator
//! window. Simulated-hardware commands are refused on real hardware. The
//! socket is 0660 in the 0750 state directory: the daemon's user and group.

use crate::engine::actor::{ControlReply, ControlRequest, EngineHandle};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

/// Longest request line accepted; a longer one is refused, and dropped as
/// it arrives rather than buffered.
const MAX_LINE: usize = 64 * 1024;
/// Longest answer [`request`] reads: a view state and the simulated world
/// are a few KiB; anything near this is not the daemon talking.
const MAX_ANSWER: usize = 4 * 1024 * 1024;

/// The socket's path inside a state directory.
pub fn socket_path(state_dir: &Path) -> PathBuf {
    state_dir.join("control.sock")
}

/// Bind the socket, replacing a stale one left by a killed daemon. A socket
/// that still answers belongs to a running daemon and is not taken over.
pub async fn bind(path: &Path) -> io::Result<UnixListener> {
    if path.exists() {
        if UnixStream::connect(path).await.is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!("{} is in use: is another bookstation running on this state directory?", path.display()),
            ));
        }
        std::fs::remove_file(path)?;
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
    Ok(listener)
}

/// Serve connections until the task is dropped.
pub async fn serve(listener: UnixListener, engine: EngineHandle) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let engine = engine.clone();
                tokio::spawn(async move {
                    if let Err(e) = connection(stream, engine).await {
                        tracing::debug!(error = %e, "control connection ended");
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "control socket accept failed"),
        }
    }
}

async fn connection(stream: UnixStream, engine: EngineHandle) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = Vec::with_capacity(1024);
    loop {
        let reply = match read_line(&mut reader, &mut line, MAX_LINE).await? {
            Line::End => return Ok(()),
            Line::TooLong => ControlReply::error(format!("request longer than {MAX_LINE} bytes")),
            Line::Whole => match std::str::from_utf8(&line).map_err(|_| "request is not UTF-8".to_owned()) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => match ControlRequest::parse(text.trim()) {
                    Ok(request) => engine.control(request).await,
                    Err(message) => {
                        // The message may quote the request (a PIN typed as a
                        // number, say): it goes back to the sender, not to the log.
                        tracing::warn!(bytes = text.len(), "bad control request");
                        ControlReply::error(message)
                    }
                },
                Err(message) => ControlReply::error(message),
            },
        };
        let mut out =
            serde_json::to_vec(&reply).unwrap_or_else(|e| format!("{{\"ok\":false,\"error\":\"{e}\"}}").into_bytes());
        out.push(b'\n');
        write.write_all(&out).await?;
    }
}

/// What [`read_line`] found.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// A line (without its newline, possibly the last one, unterminated).
    Whole,
    /// A line longer than the limit, read to its newline (or the end) and
    /// dropped as it came.
    TooLong,
    /// The peer closed the stream with nothing more to read.
    End,
}

/// Read one line into `line` (cleared first), holding at most `max` bytes of
/// it: the rest of a longer line is dropped straight from the reader's
/// buffer, so a peer that never sends a newline costs the reader's buffer
/// and `max` bytes, not memory without end.
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R, line: &mut Vec<u8>, max: usize) -> io::Result<Line> {
    line.clear();
    let mut too_long = false;
    let mut read_any = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(match (read_any, too_long) {
                (false, _) => Line::End,
                (true, true) => Line::TooLong,
                (true, false) => Line::Whole,
            });
        }
        read_any = true;
        let (part, newline) = match available.iter().position(|b| *b == b'\n') {
            Some(at) => (&available[..at], true),
            None => (available, false),
        };
        if !too_long {
            if line.len() + part.len() > max {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(part);
            }
        }
        let used = part.len() + usize::from(newline);
        reader.consume(used);
        if newline {
            return Ok(if too_long { Line::TooLong } else { Line::Whole });
        }
    }
}

/// Send one request and read one answer (the `bookstation sim` client).
pub async fn request(path: &Path, json: &str) -> io::Result<serde_json::Value> {
    let stream = UnixStream::connect(path).await.map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot reach the daemon at {}: {e} (is `bookstation demo` running?)", path.display()),
        )
    })?;
    let (read, mut write) = stream.into_split();
    write.write_all(json.as_bytes()).await?;
    write.write_all(b"\n").await?;
    let mut answer = Vec::new();
    // Read no further than one byte past the limit: a peer that never ends
    // its answer is refused, not waited for.
    let mut reader = BufReader::new(read.take(MAX_ANSWER as u64 + 1));
    match read_line(&mut reader, &mut answer, MAX_ANSWER).await? {
        Line::Whole => {}
        Line::TooLong => {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("answer longer than {MAX_ANSWER} bytes")));
        }
        Line::End => {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the daemon closed the socket unanswered"));
        }
    }
    serde_json::from_slice(&answer).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("bad answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_line_without_end_is_dropped_as_it_comes() {
        // 64 MiB without a newline, then an ordinary line, made up as read.
        let endless = tokio::io::repeat(b'x').take(64 << 20).chain(&b"\n{\"sim\":\"state\"}\nlast"[..]);
        let mut reader = BufReader::new(endless);
        let mut line = Vec::new();
        assert_eq!(read_line(&mut reader, &mut line, MAX_LINE).await.unwrap(), Line::TooLong);
        assert!(line.capacity() <= 2 * MAX_LINE, "{} bytes held for a refused line", line.capacity());
        assert_eq!(read_line(&mut reader, &mut line, MAX_LINE).await.unwrap(), Line::Whole);
        assert_eq!(line, br#"{"sim":"state"}"#);
        assert_eq!(read_line(&mut reader, &mut line, MAX_LINE).await.unwrap(), Line::Whole, "unterminated last line");
        assert_eq!(line, b"last");
        assert_eq!(read_line(&mut reader, &mut line, MAX_LINE).await.unwrap(), Line::End);
    }

    #[tokio::test]
    async fn a_line_of_exactly_the_limit_is_taken() {
        let mut text = vec![b'a'; 10];
        text.push(b'\n');
        text.extend([b'b'; 11]);
        let mut reader = BufReader::with_capacity(3, &text[..]);
        let mut line = Vec::new();
        assert_eq!(read_line(&mut reader, &mut line, 10).await.unwrap(), Line::Whole);
        assert_eq!(line, [b'a'; 10]);
        assert_eq!(read_line(&mut reader, &mut line, 10).await.unwrap(), Line::TooLong);
        assert_eq!(read_line(&mut reader, &mut line, 10).await.unwrap(), Line::End);
    }

    #[tokio::test]
    async fn the_client_reads_a_bounded_answer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("control.sock");
        let listener = UnixListener::bind(&path).unwrap();
        // Not a daemon: an answer that never ends in time.
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (read, mut write) = stream.into_split();
            let mut request = String::new();
            BufReader::new(read).read_line(&mut request).await.unwrap();
            let chunk = vec![b' '; 1 << 20];
            for _ in 0..=MAX_ANSWER >> 20 {
                if write.write_all(&chunk).await.is_err() {
                    return;
                }
            }
            let _ = write.write_all(b"{}\n").await;
        });
        let error = request(&path, r#"{"sim":"state"}"#).await.expect_err("an answer too long");
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("longer than"), "{error}");
        server.await.unwrap();
    }
}
