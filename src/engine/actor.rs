//! The thin tokio shell around the [`Runner`]: one task owns the engine and
//! waits on its inbox, the card reader, the scanner, the next deadline and
//! the sensor poll. The only engine file that knows about tokio's select.

use super::input::{Action, Input, no_fields};
use super::runner::Runner;
use super::view::ViewState;
use crate::district::Health;
use crate::domain::FaultCode;
use bookstation_hardware::{CardEvent, CardReader, HwError, Scanner, SimWorld, WorldSnapshot};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// How often the board is polled for door and item sensors when nothing
/// else happens. Real boards report nothing on their own.
pub const SENSOR_POLL: Duration = Duration::from_millis(200);

/// A simulated-hardware command from the control socket (mock hardware only).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "sim", rename_all = "snake_case", deny_unknown_fields)]
pub enum SimCommand {
    /// Just answer with the view state.
    #[serde(deserialize_with = "no_fields")]
    State,
    /// Answer with the simulated world (doors, books, network).
    #[serde(deserialize_with = "no_fields")]
    World,
    TapCard {
        uid: String,
    },
    #[serde(deserialize_with = "no_fields")]
    RemoveCard,
    Scan {
        text: String,
    },
    Take {
        slot: u16,
    },
    Put {
        slot: u16,
        barcode: String,
    },
    Close {
        slot: u16,
    },
    Jam {
        slot: u16,
        #[serde(default = "yes")]
        jammed: bool,
    },
    /// Staff take every book out of the open return bin.
    #[serde(deserialize_with = "no_fields")]
    EmptyBin,
    Board {
        online: bool,
    },
    Network {
        up: bool,
    },
}

fn yes() -> bool {
    true
}

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
    /// member number (see [`super::input::Secret`]).
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

pub enum Command {
    Input(Input),
    Control(ControlRequest, oneshot::Sender<ControlReply>),
    /// The watchdog's "are you alive?": answered after a store probe.
    Alive(oneshot::Sender<Result<(), String>>),
}

/// The way in to a running engine: send inputs and control requests, watch
/// the view state.
#[derive(Clone)]
pub struct EngineHandle {
    tx: mpsc::Sender<Command>,
    views: watch::Receiver<ViewState>,
}

impl EngineHandle {
    pub async fn send(&self, input: Input) -> bool {
        self.tx.send(Command::Input(input)).await.is_ok()
    }

    pub async fn control(&self, request: ControlRequest) -> ControlReply {
        let (reply, answer) = oneshot::channel();
        if self.tx.send(Command::Control(request, reply)).await.is_err() {
            return ControlReply::error("the engine has stopped");
        }
        answer.await.unwrap_or_else(|_| ControlReply::error("the engine has stopped"))
    }

    pub fn views(&self) -> watch::Receiver<ViewState> {
        self.views.clone()
    }

    /// Ask the engine to prove it turns and its store answers. An engine
    /// stuck anywhere never answers; the caller bounds the wait.
    pub async fn alive(&self) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Command::Alive(reply)).await.map_err(|_| "the engine has stopped".to_owned())?;
        answer.await.map_err(|_| "the engine has stopped".to_owned())?
    }
}

/// The devices the actor reads events from.
pub struct Devices {
    pub card_reader: Option<Box<dyn CardReader>>,
    pub scanner: Option<Box<dyn Scanner>>,
    /// The simulated world, when the hardware is simulated.
    pub sim: Option<SimWorld>,
}

/// What the actor knows of the card readers, for the health report.
#[derive(Default)]
struct Readers {
    /// Readers announced and not removed (PC/SC names them).
    present: BTreeSet<String>,
    /// The reader's driver stopped for good.
    gone: bool,
}

impl Readers {
    fn fault(&self, devices: &Devices) -> Option<String> {
        if self.gone {
            return Some("its driver stopped".to_owned());
        }
        let announces = devices.card_reader.as_ref().is_some_and(|r| r.announces_readers());
        (announces && self.present.is_empty()).then(|| "none plugged in".to_owned())
    }
}

/// Start the actor task; it ends when `shutdown` completes or every handle is dropped.
pub fn spawn(
    runner: Runner,
    devices: Devices,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> (EngineHandle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(64);
    let handle = EngineHandle { tx, views: runner.subscribe() };
    let task = tokio::spawn(run(runner, devices, rx, shutdown));
    (handle, task)
}

async fn next_card(reader: &mut Option<Box<dyn CardReader>>) -> Result<CardEvent, HwError> {
    match reader {
        Some(r) => r.next_event().await,
        None => std::future::pending().await,
    }
}

async fn next_scan(scanner: &mut Option<Box<dyn Scanner>>) -> Result<String, HwError> {
    match scanner {
        Some(s) => s.next_scan().await,
        None => std::future::pending().await,
    }
}

async fn run(
    mut runner: Runner,
    mut devices: Devices,
    mut rx: mpsc::Receiver<Command>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let mut poll = tokio::time::interval(SENSOR_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first fetch happened in `Runner::start`.
    let every = runner.inventory_refresh();
    let mut inventory = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    inventory.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    let mut readers = Readers::default();
    runner.set_device_fault(FaultCode::CardReaderMissing, readers.fault(&devices));
    loop {
        let sleep = deadline_sleep(&runner);
        tokio::select! {
            () = &mut shutdown => break,
            cmd = rx.recv() => match cmd {
                None => break,
                Some(Command::Input(input)) => runner.feed(input).await,
                Some(Command::Control(request, reply)) => {
                    let answer = control(&mut runner, &mut devices, &mut readers, request).await;
                    let _ = reply.send(answer);
                }
                // A question the watchdog stopped waiting for is not worth a probe.
                Some(Command::Alive(reply)) if reply.is_closed() => {}
                Some(Command::Alive(reply)) => {
                    let _ = reply.send(runner.probe_store().await.map_err(|e| e.to_string()));
                }
            },
            event = next_card(&mut devices.card_reader) => {
                on_card(&mut runner, &mut devices, &mut readers, event).await;
            }
            scan = next_scan(&mut devices.scanner) => on_scan(&mut runner, &mut devices, scan).await,
            () = sleep => runner.tick().await,
            _ = poll.tick() => {
                runner.poll_sensors().await;
                scanner_presence(&mut runner, &devices);
            }
            _ = inventory.tick() => runner.refresh_inventory().await,
        }
    }
    tracing::info!("engine stopped");
}

fn deadline_sleep(runner: &Runner) -> tokio::time::Sleep {
    let wait = match runner.next_deadline() {
        Some(at) => Duration::from_millis(u64::try_from(at.since(runner.now())).unwrap_or(0)),
        None => Duration::from_secs(3600),
    };
    tokio::time::sleep(wait)
}

async fn on_card(runner: &mut Runner, devices: &mut Devices, readers: &mut Readers, event: Result<CardEvent, HwError>) {
    match event {
        Ok(CardEvent::Tapped { uid }) => runner.feed(Input::CardTapped(uid.into())).await,
        Ok(CardEvent::Removed) => {}
        Ok(CardEvent::ReaderAdded { name }) => {
            tracing::info!(reader = %name, "card reader connected");
            readers.present.insert(name);
        }
        Ok(CardEvent::ReaderRemoved { name }) => {
            tracing::warn!(reader = %name, "card reader disconnected");
            readers.present.remove(&name);
        }
        Err(e) => {
            tracing::error!(error = %e, "card reader failed; no more card events");
            readers.gone = true;
        }
    }
    runner.set_device_fault(FaultCode::CardReaderMissing, readers.fault(devices));
    if readers.gone {
        devices.card_reader = None;
    }
}

async fn on_scan(runner: &mut Runner, devices: &mut Devices, scan: Result<String, HwError>) {
    match scan {
        Ok(text) => runner.feed(Input::Scanned(text.into())).await,
        Err(e) => {
            tracing::error!(error = %e, "scanner failed; no more scans");
            devices.scanner = None;
            runner.set_device_fault(FaultCode::ScannerMissing, Some(e.to_string()));
        }
    }
}

/// Raise or clear `scanner_missing` as the scanner comes and goes (its
/// driver reopens it by itself).
fn scanner_presence(runner: &mut Runner, devices: &Devices) {
    if let Some(scanner) = &devices.scanner {
        let detail = (!scanner.connected()).then(|| "not plugged in; the driver keeps trying".to_owned());
        runner.set_device_fault(FaultCode::ScannerMissing, detail);
    }
}

/// Feed whatever the simulated devices already have queued, so a control
/// request's answer shows its effect.
async fn drain_devices(runner: &mut Runner, devices: &mut Devices, readers: &mut Readers) {
    loop {
        tokio::select! {
            biased;
            event = next_card(&mut devices.card_reader) => on_card(runner, devices, readers, event).await,
            scan = next_scan(&mut devices.scanner) => on_scan(runner, devices, scan).await,
            () = std::future::ready(()) => break,
        }
    }
}

async fn control(
    runner: &mut Runner,
    devices: &mut Devices,
    readers: &mut Readers,
    request: ControlRequest,
) -> ControlReply {
    let command = match request {
        ControlRequest::Action(action) => {
            runner.feed(Input::Action(action)).await;
            return ControlReply::view(runner.view());
        }
        ControlRequest::Status => {
            return match runner.health().await {
                Ok(health) => ControlReply { status: Some(health), ..ControlReply::view(runner.view()) },
                Err(e) => ControlReply::error(format!("the store failed while building the status: {e}")),
            };
        }
        ControlRequest::Sim(command) => command,
    };
    let Some(world) = devices.sim.clone() else {
        return ControlReply::error("sim commands need simulated hardware (hardware.kind = \"mock\")");
    };
    let done = match &command {
        SimCommand::State | SimCommand::World => Ok(()),
        SimCommand::TapCard { uid } => {
            world.tap_card(uid);
            Ok(())
        }
        SimCommand::RemoveCard => {
            world.remove_card();
            Ok(())
        }
        SimCommand::Scan { text } => {
            world.scan(text);
            Ok(())
        }
        SimCommand::Take { slot } => world.take(*slot).map(drop),
        SimCommand::Put { slot, barcode } => world.put(*slot, barcode),
        SimCommand::Close { slot } => world.close(*slot),
        SimCommand::Jam { slot, jammed } => world.jam(*slot, *jammed),
        SimCommand::EmptyBin => world.empty_bin().map(drop),
        SimCommand::Board { online } => {
            world.set_board_online(*online);
            Ok(())
        }
        SimCommand::Network { up } => {
            world.set_network(*up);
            Ok(())
        }
    };
    if let Err(e) = done {
        return ControlReply::error(e.to_string());
    }
    drain_devices(runner, devices, readers).await;
    runner.poll_sensors().await;
    if matches!(command, SimCommand::Network { .. }) {
        // Learn about the network at once rather than at the next patron.
        runner.refresh_inventory().await;
    }
    let world = matches!(command, SimCommand::World).then(|| world.snapshot());
    ControlReply { world, ..ControlReply::view(runner.view()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// Every action as the UI sends it. The match has no wildcard arm: a new
    /// action does not compile until it has its line here, and so its test.
    fn every_action() -> Vec<Value> {
        use crate::config::Language;
        use crate::domain::{ItemId, SlotNo};
        let item = || ItemId("MP0001".into());
        let all = [
            Action::Touch,
            Action::Browse,
            Action::Search { query: "ㅎㄱ".into() },
            Action::Detail { item_id: item() },
            Action::Select { item_id: item() },
            Action::Unselect { item_id: item() },
            Action::Confirm,
            Action::Back,
            Action::Logout,
            Action::MemberNumber { number: "1000001".into() },
            Action::Pin { pin: "7391".into() },
            Action::StartReturn,
            Action::PickupHolds,
            Action::Language { language: Language::En },
            Action::StaffPin { pin: "2580".into() },
            Action::Restock { slot: SlotNo(3) },
            Action::UnloadBin,
            Action::OpenSlot { slot: SlotNo(3) },
            Action::SetOutOfService { slot: Some(SlotNo(3)), value: true },
            Action::ClearFault { slot: SlotNo(3) },
            Action::Outbox,
            Action::SyncNow,
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
                Action::Back => json!({"action": "back"}),
                Action::Logout => json!({"action": "logout"}),
                Action::MemberNumber { number } => json!({"action": "member_number", "number": &**number}),
                Action::Pin { pin } => json!({"action": "pin", "pin": &**pin}),
                Action::StartReturn => json!({"action": "start_return"}),
                Action::PickupHolds => json!({"action": "pickup_holds"}),
                Action::Language { language } => json!({"action": "language", "language": language}),
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
            })
            .collect()
    }

    /// Every simulated-hardware command; the same rule as [`every_action`].
    fn every_sim_command() -> Vec<Value> {
        let all = [
            SimCommand::State,
            SimCommand::World,
            SimCommand::TapCard { uid: "04A1B2C3D4E5F6".into() },
            SimCommand::RemoveCard,
            SimCommand::Scan { text: "MP0001".into() },
            SimCommand::Take { slot: 1 },
            SimCommand::Put { slot: 1, barcode: "MP0001".into() },
            SimCommand::Close { slot: 1 },
            SimCommand::Jam { slot: 1, jammed: false },
            SimCommand::EmptyBin,
            SimCommand::Board { online: true },
            SimCommand::Network { up: false },
        ];
        all.iter()
            .map(|c| match c {
                SimCommand::State => json!({"sim": "state"}),
                SimCommand::World => json!({"sim": "world"}),
                SimCommand::TapCard { uid } => json!({"sim": "tap_card", "uid": uid}),
                SimCommand::RemoveCard => json!({"sim": "remove_card"}),
                SimCommand::Scan { text } => json!({"sim": "scan", "text": text}),
                SimCommand::Take { slot } => json!({"sim": "take", "slot": slot}),
                SimCommand::Put { slot, barcode } => json!({"sim": "put", "slot": slot, "barcode": barcode}),
                SimCommand::Close { slot } => json!({"sim": "close", "slot": slot}),
                SimCommand::Jam { slot, jammed } => json!({"sim": "jam", "slot": slot, "jammed": jammed}),
                SimCommand::EmptyBin => json!({"sim": "empty_bin"}),
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
}
