//! The thin tokio shell around the [`Runner`]: one task owns the engine and
//! waits on its inbox, the card reader, the scanner, the next deadline and
//! the sensor poll. The only engine file that knows about tokio's select.
//! [`EngineHandle`] is the way in: inputs, actions, the health report, and
//! "the devices changed, look" (after a simulated-hardware command). The
//! control socket's wire format is not here: it is `crate::control`'s.

use super::input::{Action, Input};
use super::runner::Runner;
use super::view::ViewState;
use crate::district::Health;
use crate::domain::FaultCode;
use bookstation_hardware::{CardEvent, CardReader, HwError, Scanner};
use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// How often the sensors are polled ([`Runner::poll_tick`]): the lockers a
/// flow waits on at every tick, so a door shut is seen within this plus one
/// board exchange; the rest of the cabinet a board per bus per tick. Real
/// boards report nothing on their own.
pub const SENSOR_POLL: Duration = Duration::from_millis(50);

/// Why a request to the engine got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineGone {
    #[error("the engine has stopped")]
    Stopped,
    #[error("the store failed while building the status: {0}")]
    Store(String),
}

enum Command {
    Input(Input),
    /// An action, answered with the view once the engine has settled.
    Act(Action, oneshot::Sender<ViewState>),
    /// The kiosk's health (what `bookstation status` prints) and the view.
    Status(oneshot::Sender<Result<(Health, ViewState), String>>),
    /// Something was done to the (simulated) devices: take in what they
    /// already have queued and the sensors say, then answer with the view.
    /// `refresh_inventory`: the network changed; ask the district at once
    /// rather than at the next patron.
    Settle {
        refresh_inventory: bool,
        reply: oneshot::Sender<ViewState>,
    },
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

    /// Do what the touch UI or the control socket asks; the view after it.
    pub async fn act(&self, action: Action) -> Result<ViewState, EngineGone> {
        self.ask(|reply| Command::Act(action, reply)).await
    }

    /// The kiosk's health, built now, with the view.
    pub async fn status(&self) -> Result<(Health, ViewState), EngineGone> {
        self.ask(Command::Status).await?.map_err(EngineGone::Store)
    }

    /// Take in what the devices have queued and what the sensors read now
    /// (after a simulated-hardware command); the view after it.
    pub async fn settle_devices(&self, refresh_inventory: bool) -> Result<ViewState, EngineGone> {
        self.ask(|reply| Command::Settle { refresh_inventory, reply }).await
    }

    async fn ask<T>(&self, command: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, EngineGone> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(command(reply)).await.map_err(|_| EngineGone::Stopped)?;
        answer.await.map_err(|_| EngineGone::Stopped)
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
                Some(Command::Act(action, reply)) => {
                    runner.feed(Input::Action(action)).await;
                    let _ = reply.send(runner.view());
                }
                Some(Command::Status(reply)) => {
                    let health = runner.health().await.map_err(|e| e.to_string());
                    let _ = reply.send(health.map(|h| (h, runner.view())));
                }
                Some(Command::Settle { refresh_inventory, reply }) => {
                    drain_devices(&mut runner, &mut devices, &mut readers).await;
                    runner.poll_sensors().await;
                    if refresh_inventory {
                        runner.refresh_inventory().await;
                    }
                    let _ = reply.send(runner.view());
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
                runner.poll_tick().await;
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

/// Feed whatever the devices already have queued, so a control request's
/// answer shows its effect.
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
