//! The control socket: a Unix socket in the state directory that takes one
//! JSON object per line — the same actions the touch UI sends, plus
//! simulated hardware events — and answers each with one JSON line holding
//! the view state; and `{"status":true}`, the kiosk's health. Used by
//! `bookstation sim` and `status`, scripted tests and the demo's simulator
//! window. Simulated-hardware commands are refused on real hardware. The
//! socket is 0660 in the 0750 state directory: the daemon's user and group.
//!
//! This file owns the wire format ([`ControlRequest`], [`ControlReply`]) and
//! [`Controller`], which carries a request out: an action or `status` to the
//! engine, a simulated-hardware command to the simulated world (the
//! hardware crate's [`SimWorld::apply`]) and then the engine is told to look
//! at its devices. The simulator window sends its buttons through the same
//! [`Controller`].

use crate::district::Health;
use crate::engine::actor::{EngineGone, EngineHandle};
use crate::engine::input::Action;
use crate::engine::view::ViewState;
use bookstation_hardware::{SimCommand, SimWorld, WorldSnapshot};
use bytes::BytesMut;
use serde::Serialize;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::codec::{Decoder, LinesCodec, LinesCodecError};

/// Longest request line accepted; a longer one is refused, and dropped as
/// it arrives rather than buffered.
const MAX_LINE: usize = 64 * 1024;
/// Longest answer [`request`] reads: a view state and the simulated world
/// are a few KiB; anything near this is not the daemon talking.
const MAX_ANSWER: usize = 4 * 1024 * 1024;

/// One request on the control socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlRequest {
    Action(Action),
    Sim(SimCommand),
    /// `{"status": true}`: the kiosk's health (what `bookstation status` prints).
    Status,
}

impl ControlRequest {
    /// Parse one JSON line: an object with `"action"` (what the touch UI
    /// sends) or `"sim"` (simulated hardware), or `{"status":true}`. Errors
    /// say what was wrong; a field the request does not have is refused by
    /// name (as an unknown action is), and no error quotes a PIN or a
    /// member number (see [`crate::domain::Secret`]).
    pub fn parse(line: &str) -> Result<Self, String> {
        let value: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
        let object = value.as_object().ok_or("expected a JSON object such as {\"action\":\"browse\"}")?;
        if let Some(asked) = object.get("status") {
            // Refused like an action's unknown field: by name, never by value.
            if let Some(key) = object.keys().find(|k| *k != "status") {
                return Err(format!("bad status request: unknown field `{key}`, expected only `status`"));
            }
            return match asked {
                serde_json::Value::Bool(true) => Ok(Self::Status),
                _ => Err("bad status request: ask with {\"status\":true}".into()),
            };
        }
        if object.contains_key("action") {
            serde_json::from_value(value).map(Self::Action).map_err(|e| format!("bad action: {e}"))
        } else if object.contains_key("sim") {
            serde_json::from_value(value).map(Self::Sim).map_err(|e| format!("bad sim command: {e}"))
        } else {
            Err("expected an object with an \"action\", \"sim\" or \"status\" field".into())
        }
    }
}

/// The answer to a control request.
#[derive(Debug, Clone, Serialize)]
pub struct ControlReply {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<ViewState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub world: Option<WorldSnapshot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Health>,
}

impl ControlReply {
    pub fn error(message: impl Into<String>) -> Self {
        Self { ok: false, error: Some(message.into()), view: None, world: None, status: None }
    }

    fn view(view: ViewState) -> Self {
        Self { ok: true, error: None, view: Some(view), world: None, status: None }
    }
}

impl From<EngineGone> for ControlReply {
    fn from(e: EngineGone) -> Self {
        Self::error(e.to_string())
    }
}

/// Carries out control requests: the engine for actions and `status`, the
/// simulated world (when the hardware is simulated) for sim commands.
#[derive(Clone)]
pub struct Controller {
    engine: EngineHandle,
    sim: Option<SimWorld>,
}

impl Controller {
    /// `sim`: the simulated world, or `None` on real hardware (sim commands
    /// are then refused).
    pub fn new(engine: EngineHandle, sim: Option<SimWorld>) -> Self {
        Self { engine, sim }
    }

    /// The simulated world as it stands, without asking the engine
    /// anything (the simulator window draws it); `None` on real hardware.
    pub fn world(&self) -> Option<WorldSnapshot> {
        self.sim.as_ref().map(SimWorld::snapshot)
    }

    pub async fn handle(&self, request: ControlRequest) -> ControlReply {
        let answer = match request {
            ControlRequest::Action(action) => self.engine.act(action).await.map(ControlReply::view),
            ControlRequest::Status => self
                .engine
                .status()
                .await
                .map(|(health, view)| ControlReply { status: Some(health), ..ControlReply::view(view) }),
            ControlRequest::Sim(command) => return self.sim(command).await,
        };
        answer.unwrap_or_else(ControlReply::from)
    }

    async fn sim(&self, command: SimCommand) -> ControlReply {
        let Some(world) = &self.sim else {
            return ControlReply::error("sim commands need simulated hardware (hardware.kind = \"mock\")");
        };
        if let Err(e) = world.apply(&command) {
            return ControlReply::error(e.to_string());
        }
        let network_changed = matches!(command, SimCommand::Network { .. });
        match self.engine.settle_devices(network_changed).await {
            Ok(view) => {
                let world = matches!(command, SimCommand::World {}).then(|| world.snapshot());
                ControlReply { world, ..ControlReply::view(view) }
            }
            Err(e) => e.into(),
        }
    }
}

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
pub async fn serve(listener: UnixListener, controller: Controller) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let controller = controller.clone();
                tokio::spawn(async move {
                    if let Err(e) = connection(stream, controller).await {
                        tracing::debug!(error = %e, "control connection ended");
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "control socket accept failed"),
        }
    }
}

async fn connection(stream: UnixStream, controller: Controller) -> io::Result<()> {
    let (mut read, mut write) = stream.into_split();
    let mut lines = Lines::new(MAX_LINE);
    while let Some(line) = lines.next(&mut read).await {
        let reply = match line {
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => match ControlRequest::parse(text.trim()) {
                Ok(request) => controller.handle(request).await,
                Err(message) => {
                    // The message may quote the request (a PIN typed as a
                    // number, say): it goes back to the sender, not to the log.
                    tracing::warn!(bytes = text.len(), "bad control request");
                    ControlReply::error(message)
                }
            },
            Err(LinesCodecError::MaxLineLengthExceeded) => {
                ControlReply::error(format!("request longer than {MAX_LINE} bytes"))
            }
            Err(LinesCodecError::Io(e)) if e.kind() == io::ErrorKind::InvalidData => {
                ControlReply::error("request is not UTF-8")
            }
            Err(LinesCodecError::Io(e)) => return Err(e),
        };
        let mut out = serde_json::to_vec(&reply)
            .unwrap_or_else(|e| serde_json::json!({"ok": false, "error": e.to_string()}).to_string().into_bytes());
        out.push(b'\n');
        write.write_all(&out).await?;
    }
    Ok(())
}

/// JSON lines off a stream, each at most a limit long: tokio-util's
/// [`LinesCodec`] over a buffer the reader fills. A longer line is refused
/// as soon as it passes the limit and the rest of it is dropped as it
/// arrives, so a peer that never sends a newline costs the limit, not
/// memory without end; the next line is read as usual.
struct Lines {
    codec: LinesCodec,
    buffer: BytesMut,
}

impl Lines {
    fn new(max: usize) -> Self {
        Self { codec: LinesCodec::new_with_max_length(max), buffer: BytesMut::with_capacity(8 * 1024) }
    }

    /// The next line (without its newline; the last may be unterminated),
    /// or `None` when the peer has closed the stream and nothing is left.
    async fn next<R: AsyncRead + Unpin>(&mut self, reader: &mut R) -> Option<Result<String, LinesCodecError>> {
        loop {
            match self.codec.decode(&mut self.buffer) {
                Ok(Some(line)) => return Some(Ok(line)),
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
            match reader.read_buf(&mut self.buffer).await {
                Ok(0) => return self.codec.decode_eof(&mut self.buffer).transpose(),
                Ok(_) => {}
                Err(e) => return Some(Err(e.into())),
            }
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
    let (mut read, mut write) = stream.into_split();
    write.write_all(json.as_bytes()).await?;
    write.write_all(b"\n").await?;
    // A peer that never ends its answer is refused once it passes the limit,
    // not waited for.
    let answer = match Lines::new(MAX_ANSWER).next(&mut read).await {
        Some(Ok(answer)) => answer,
        Some(Err(LinesCodecError::MaxLineLengthExceeded)) => {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("answer longer than {MAX_ANSWER} bytes")));
        }
        Some(Err(LinesCodecError::Io(e))) => return Err(e),
        None => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the daemon closed the socket unanswered")),
    };
    serde_json::from_str(&answer).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("bad answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use tokio::io::AsyncBufReadExt;

    /// Every action as the UI sends it. The match has no wildcard arm: a new
    /// action does not compile until it has its line here, and so its test.
    fn every_action() -> Vec<Value> {
        use crate::domain::Language;
        use crate::domain::{ItemId, SlotNo};
        use crate::engine::view::{DisplayModes, TextSize};
        let item = || ItemId("MP0001".into());
        let all = [
            Action::Touch,
            Action::Browse,
            Action::Search { query: "ㅎㄱ".into() },
            Action::Detail { item_id: item() },
            Action::Select { item_id: item() },
            Action::Unselect { item_id: item() },
            Action::Confirm,
            Action::MoreTime,
            Action::Help,
            Action::Receipt { via: crate::engine::view::ReceiptVia::Phone },
            Action::Back,
            Action::Logout,
            Action::MemberNumber { number: "1000001".into() },
            Action::PickupCode { code: "246810".into() },
            Action::Pin { pin: "7391".into() },
            Action::StartReturn,
            Action::PickupHolds,
            Action::Language { language: Language::En },
            Action::Display(DisplayModes {
                text_size: TextSize::Largest,
                high_contrast: false,
                reach: true,
                easy: true,
            }),
            Action::StaffPin { pin: "2580".into() },
            Action::Restock { slot: SlotNo(3) },
            Action::UnloadBin,
            Action::OpenSlot { slot: SlotNo(3) },
            Action::SetOutOfService { slot: Some(SlotNo(3)), value: true },
            Action::ClearFault { slot: SlotNo(3) },
            Action::Outbox,
            Action::SyncNow,
            Action::Audit,
        ];
        all.iter()
            .map(|a| match a {
                Action::Touch => json!({"action": "touch"}),
                Action::Browse => json!({"action": "browse"}),
                Action::Search { query } => json!({"action": "search", "query": query}),
                Action::Detail { item_id } => json!({"action": "detail", "item_id": item_id}),
                Action::Select { item_id } => json!({"action": "select", "item_id": item_id}),
                Action::Unselect { item_id } => json!({"action": "unselect", "item_id": item_id}),
                Action::Confirm => json!({"action": "confirm"}),
                Action::MoreTime => json!({"action": "more_time"}),
                Action::Help => json!({"action": "help"}),
                Action::Receipt { via } => json!({"action": "receipt", "via": via}),
                Action::Back => json!({"action": "back"}),
                Action::Logout => json!({"action": "logout"}),
                Action::MemberNumber { number } => json!({"action": "member_number", "number": &**number}),
                Action::PickupCode { code } => json!({"action": "pickup_code", "code": &**code}),
                Action::Pin { pin } => json!({"action": "pin", "pin": &**pin}),
                Action::StartReturn => json!({"action": "start_return"}),
                Action::PickupHolds => json!({"action": "pickup_holds"}),
                Action::Language { language } => json!({"action": "language", "language": language}),
                Action::Display(m) => json!({
                    "action": "display", "text_size": m.text_size, "high_contrast": m.high_contrast, "reach": m.reach
                }),
                Action::StaffPin { pin } => json!({"action": "staff_pin", "pin": &**pin}),
                Action::Restock { slot } => json!({"action": "restock", "slot": slot}),
                Action::UnloadBin => json!({"action": "unload_bin"}),
                Action::OpenSlot { slot } => json!({"action": "open_slot", "slot": slot}),
                Action::SetOutOfService { slot, value } => {
                    json!({"action": "set_out_of_service", "slot": slot, "value": value})
                }
                Action::ClearFault { slot } => json!({"action": "clear_fault", "slot": slot}),
                Action::Outbox => json!({"action": "outbox"}),
                Action::SyncNow => json!({"action": "sync_now"}),
                Action::Audit => json!({"action": "audit"}),
            })
            .collect()
    }

    /// Every simulated-hardware command; the same rule as [`every_action`].
    fn every_sim_command() -> Vec<Value> {
        let all = [
            SimCommand::State {},
            SimCommand::World {},
            SimCommand::TapCard { uid: "04A1B2C3D4E5F6".into() },
            SimCommand::RemoveCard {},
            SimCommand::Scan { text: "MP0001".into() },
            SimCommand::Take { slot: 1 },
            SimCommand::Put { slot: 1, barcode: "MP0001".into() },
            SimCommand::Close { slot: 1 },
            SimCommand::Jam { slot: 1, jammed: false },
            SimCommand::EmptyBin {},
            SimCommand::Board { online: true },
            SimCommand::Network { up: false },
        ];
        all.iter()
            .map(|c| match c {
                SimCommand::State {} => json!({"sim": "state"}),
                SimCommand::World {} => json!({"sim": "world"}),
                SimCommand::TapCard { uid } => json!({"sim": "tap_card", "uid": uid}),
                SimCommand::RemoveCard {} => json!({"sim": "remove_card"}),
                SimCommand::Scan { text } => json!({"sim": "scan", "text": text}),
                SimCommand::Take { slot } => json!({"sim": "take", "slot": slot}),
                SimCommand::Put { slot, barcode } => json!({"sim": "put", "slot": slot, "barcode": barcode}),
                SimCommand::Close { slot } => json!({"sim": "close", "slot": slot}),
                SimCommand::Jam { slot, jammed } => json!({"sim": "jam", "slot": slot, "jammed": jammed}),
                SimCommand::EmptyBin {} => json!({"sim": "empty_bin"}),
                SimCommand::Board { online } => json!({"sim": "board", "online": online}),
                SimCommand::Network { up } => json!({"sim": "network", "up": up}),
            })
            .collect()
    }

    fn with(mut request: Value, key: &str, value: Value) -> String {
        request.as_object_mut().expect("an object").insert(key.into(), value);
        request.to_string()
    }

    #[test]
    fn every_action_and_sim_command_parses() {
        for request in every_action().into_iter().chain(every_sim_command()) {
            let parsed = ControlRequest::parse(&request.to_string());
            assert!(parsed.is_ok(), "{request}: {parsed:?}");
        }
        assert_eq!(ControlRequest::parse(r#"{"status":true}"#), Ok(ControlRequest::Status));
    }

    #[test]
    fn the_display_action_takes_a_text_size_and_the_older_large_text() {
        use crate::engine::view::{DisplayModes, TextSize};
        let display = |line: &str| match ControlRequest::parse(line) {
            Ok(ControlRequest::Action(Action::Display(m))) => Ok(m),
            Ok(other) => panic!("{line}: {other:?}"),
            Err(e) => Err(e),
        };
        let size = |text_size| Ok(DisplayModes { text_size, ..DisplayModes::default() });
        assert_eq!(display(r#"{"action":"display","text_size":"normal"}"#), size(TextSize::Normal));
        assert_eq!(display(r#"{"action":"display","text_size":"1.5x"}"#), size(TextSize::Large));
        assert_eq!(display(r#"{"action":"display","text_size":"2x"}"#), size(TextSize::Largest));
        assert_eq!(display(r#"{"action":"display","large_text":true}"#), size(TextSize::Large));
        assert_eq!(display(r#"{"action":"display","large_text":false}"#), size(TextSize::Normal));
        assert_eq!(
            display(r#"{"action":"display","large_text":false,"high_contrast":true,"reach":true}"#),
            Ok(DisplayModes { text_size: TextSize::Normal, high_contrast: true, reach: true, easy: false })
        );
        assert_eq!(
            display(r#"{"action":"display","easy":true}"#),
            Ok(DisplayModes { easy: true, ..DisplayModes::default() })
        );
        assert_eq!(display(r#"{"action":"display"}"#), Ok(DisplayModes::default()), "every key left out is off");
        let both = display(r#"{"action":"display","text_size":"2x","large_text":true}"#).expect_err("both");
        assert!(both.contains("not both"), "{both}");
        let bad = display(r#"{"action":"display","text_size":"3x"}"#).expect_err("3x");
        assert!(bad.contains("1.5x") && bad.contains("2x"), "names what is allowed: {bad}");
        // The view says it back in the same words.
        let json = serde_json::to_value(DisplayModes { text_size: TextSize::Large, ..DisplayModes::default() });
        assert_eq!(
            json.ok(),
            Some(json!({"text_size": "1.5x", "high_contrast": false, "reach": false, "easy": false}))
        );
    }

    #[test]
    fn an_unknown_field_is_refused_by_name_in_every_request() {
        for request in every_action().into_iter().chain(every_sim_command()) {
            let line = with(request, "typo", json!(true));
            let error = ControlRequest::parse(&line).expect_err(&line);
            assert!(error.contains("unknown field `typo`"), "{line}: {error}");
        }
        let error = ControlRequest::parse(r#"{"status":true,"verbose":1}"#).expect_err("status with more");
        assert!(error.contains("unknown field `verbose`"), "{error}");
        // An action and a sim command in one line is one field too many.
        let error = ControlRequest::parse(r#"{"action":"touch","sim":"state"}"#).expect_err("both");
        assert!(error.contains("unknown field `sim`"), "{error}");
        assert!(ControlRequest::parse(r#"{"status":false}"#).is_err(), "status is asked with true");
    }

    #[test]
    fn refusals_never_quote_a_pin_or_a_member_number() {
        let lines = [
            r#"{"action":"pin","pin":"7391","extra":"x"}"#,
            r#"{"action":"pin","pin":7391}"#,
            r#"{"action":"staff_pin","pin":73910}"#,
            r#"{"action":"member_number","number":7391739}"#,
            r#"{"action":"member_number","number":7391.5}"#,
            r#"{"action":"pin","pin":["7391"]}"#,
            r#"{"action":"pin","pin":{"7391":1}}"#,
        ];
        for line in lines {
            let error = ControlRequest::parse(line).expect_err(line);
            assert!(!error.contains("7391"), "{line}: {error}");
        }
    }

    fn whole(line: Option<Result<String, LinesCodecError>>) -> String {
        match line {
            Some(Ok(line)) => line,
            other => panic!("expected a whole line, got {other:?}"),
        }
    }

    fn too_long(line: Option<Result<String, LinesCodecError>>) -> bool {
        matches!(line, Some(Err(LinesCodecError::MaxLineLengthExceeded)))
    }

    #[tokio::test]
    async fn a_line_without_end_is_dropped_as_it_comes() {
        // 64 MiB without a newline, then an ordinary line, made up as read.
        let mut endless = tokio::io::repeat(b'x').take(64 << 20).chain(&b"\n{\"sim\":\"state\"}\nlast"[..]);
        let mut lines = Lines::new(MAX_LINE);
        assert!(too_long(lines.next(&mut endless).await));
        assert!(lines.buffer.capacity() <= 2 * MAX_LINE, "{} bytes held for a refused line", lines.buffer.capacity());
        assert_eq!(whole(lines.next(&mut endless).await), r#"{"sim":"state"}"#);
        assert!(lines.buffer.capacity() <= 2 * MAX_LINE, "{} bytes held after it", lines.buffer.capacity());
        assert_eq!(whole(lines.next(&mut endless).await), "last", "unterminated last line");
        assert!(lines.next(&mut endless).await.is_none());
    }

    #[tokio::test]
    async fn a_line_of_exactly_the_limit_is_taken() {
        let mut text = vec![b'a'; 10];
        text.push(b'\n');
        text.extend([b'b'; 11]);
        let mut reader = &text[..];
        let mut lines = Lines::new(10);
        assert_eq!(whole(lines.next(&mut reader).await), "a".repeat(10));
        assert!(too_long(lines.next(&mut reader).await));
        assert!(lines.next(&mut reader).await.is_none());
    }

    #[tokio::test]
    async fn a_line_that_is_not_utf8_is_refused_and_the_next_is_read() {
        let mut reader = &b"\xff\xfe\n{}\n"[..];
        let mut lines = Lines::new(MAX_LINE);
        let refused = lines.next(&mut reader).await;
        assert!(matches!(&refused, Some(Err(LinesCodecError::Io(e))) if e.kind() == io::ErrorKind::InvalidData));
        assert_eq!(whole(lines.next(&mut reader).await), "{}");
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
            tokio::io::BufReader::new(read).read_line(&mut request).await.unwrap();
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
