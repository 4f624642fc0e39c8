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
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

/// Longest request line accepted; a longer one is refused, not buffered.
const MAX_LINE: usize = 64 * 1024;

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
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut reader).take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line).await?;
        if n == 0 {
            return Ok(());
        }
        let reply = if line.len() > MAX_LINE {
            // Skip the rest of the oversized line before answering.
            let mut rest = Vec::new();
            reader.read_until(b'\n', &mut rest).await?;
            ControlReply::error(format!("request longer than {MAX_LINE} bytes"))
        } else {
            match std::str::from_utf8(&line).map_err(|_| "request is not UTF-8".to_owned()) {
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
            }
        };
        let mut out =
            serde_json::to_vec(&reply).unwrap_or_else(|e| format!("{{\"ok\":false,\"error\":\"{e}\"}}").into_bytes());
        out.push(b'\n');
        write.write_all(&out).await?;
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
    let mut answer = String::new();
    BufReader::new(read).read_line(&mut answer).await?;
    serde_json::from_str(&answer).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("bad answer: {e}")))
}
