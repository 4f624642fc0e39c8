//! The runner: performs the engine's effects against the store, the locker
//! board and the district, and feeds their results back until the engine is
//! settled. It keeps no state of the session or of the district's
//! reachability (the engine owns both); it keeps the handles it performs
//! with and what only the devices can tell (their faults). Tests drive it
//! directly with a virtual clock; the actor wraps it in a tokio loop.
//!
//! - `perform.rs`: each effect against the store, the board, the
//!   district and the printer.
//! - `inventory.rs`: the district's catalogue and holds into the store.
//! - `devices.rs`: sensor polls (diffed against the engine's last readings),
//!   device faults, the health report and the watchdog's probe.
//! - `printer.rs`: the receipt printer on a thread of its own.

mod devices;
mod inventory;
mod perform;
mod printer;

pub use printer::Printer;

use super::clock::Clock;
use super::input::Input;
use super::recovery::{self, CANCEL_NOTE, Closing, RecoveryReport};
use super::{Engine, EngineSettings, Snapshot, ViewState};
use crate::district::{District, DistrictError};
use crate::domain::{Fault, FaultCode, Timestamp};
use crate::store::{AsyncStore, CardHasher, Store, StoreError};
use bookstation_hardware::LockerBoard;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Everything the runner talks to.
#[derive(Clone)]
pub struct Deps {
    pub store: AsyncStore,
    pub board: Arc<dyn LockerBoard>,
    pub district: Arc<dyn District>,
    pub hasher: Arc<CardHasher>,
    pub clock: Arc<dyn Clock>,
    /// Upper bound on every district call, so a hung server cannot hold a patron.
    pub district_timeout: Duration,
}

/// How many effect rounds one input may cause before the runner gives up:
/// a guard against a flow that never settles.
const MAX_STEPS: usize = 1_000;

/// Replace a watched value, waking watchers only when it changed.
fn replace_if_changed<T: PartialEq>(tx: &watch::Sender<T>, value: T) {
    tx.send_if_modified(|old| {
        let changed = *old != value;
        if changed {
            *old = value;
        }
        changed
    });
}

pub struct Runner {
    /// The printer thread's queue, when a printer is configured.
    printer: Option<printer::PrintQueue>,
    engine: Engine,
    deps: Deps,
    views: watch::Sender<ViewState>,
    /// Wakes the sync worker (staff's "sync now"); the daemon hands it to
    /// the worker.
    sync_now: Arc<Notify>,
    /// How often the actor fetches the inventory again.
    inventory_refresh: Duration,
    /// Device faults the actor and the sensor poll saw, with their detail.
    device_faults: BTreeMap<FaultCode, String>,
    /// Every open fault (engine's and devices'), for the heartbeat and `status`.
    faults: watch::Sender<Vec<Fault>>,
}

impl Runner {
    /// Recover open intents, load the store, read the sensors, fetch the
    /// inventory, and build the engine.
    pub async fn start(settings: EngineSettings, deps: Deps) -> Result<(Self, RecoveryReport), StoreError> {
        let now = deps.clock.now();
        let (sensors, board_error) = match deps.board.read_all().await {
            Ok(s) => (Some(s), None),
            Err(e) => {
                tracing::error!(error = %e, "locker board unreadable at start-up");
                (None, Some(e.to_string()))
            }
        };
        let loan_days = settings.loan.loan_days;
        let bin = settings.bin_slot;
        let lockers = deps.board.slots().into_iter().filter(|s| *s != bin.0).max().unwrap_or(0);
        let readings = sensors.clone();
        let (report, outage_started) = db(&deps.store, move |s: &mut Store| {
            s.ensure_slots(lockers, bin)?;
            let closings = recovery::plan(&s.open_intents()?, readings.as_deref(), loan_days);
            let report = close_intents(s, closings, now)?;
            Ok((report, s.outage_started_at()?))
        })
        .await?;
        let staff_keys: Vec<_> =
            settings.staff.iter().map(|st| (st.id.clone(), deps.hasher.staff_throttle_key(&st.id))).collect();
        let snapshot = db(&deps.store, move |s: &mut Store| {
            let mut staff_throttles = std::collections::HashMap::new();
            for (id, key) in staff_keys {
                staff_throttles.insert(id, s.pin_throttle(&key)?);
            }
            Ok(Snapshot {
                staff_throttles,
                items: s.items()?,
                slots: s.slots()?,
                bin_items: s.bin_items()?,
                sensors: Vec::new(),
                out_of_service: s.kiosk_out_of_service()?,
                outage_started,
            })
        })
        .await?;
        let snapshot = Snapshot { sensors: sensors.unwrap_or_default(), ..snapshot };
        let engine = Engine::new(settings, snapshot, now);
        let (views, _) = watch::channel(engine.view());
        let mut device_faults = BTreeMap::new();
        if let Some(e) = &board_error {
            device_faults.insert(FaultCode::BoardNotResponding, e.clone());
        }
        let (faults, _) = watch::channel(Vec::new());
        let mut runner = Self {
            printer: None,
            engine,
            deps,
            views,
            sync_now: Arc::new(Notify::new()),
            inventory_refresh: Duration::from_secs(900),
            device_faults,
            faults,
        };
        runner.publish();
        runner.refresh_inventory().await;
        Ok((runner, report))
    }

    pub fn view(&self) -> ViewState {
        self.engine.view()
    }

    pub fn subscribe(&self) -> watch::Receiver<ViewState> {
        self.views.subscribe()
    }

    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.engine.next_deadline()
    }

    pub fn now(&self) -> Timestamp {
        self.deps.clock.now()
    }

    /// The slots a flow waits on, read at every poll tick ([`Engine::watched_slots`]).
    pub fn watched_slots(&self) -> Vec<u16> {
        self.engine.watched_slots()
    }

    pub fn deps(&self) -> &Deps {
        &self.deps
    }

    /// Whether the district answered the last call (the engine's to know).
    pub fn is_online(&self) -> bool {
        self.engine.is_online()
    }

    /// What staff's "sync now" notifies; the sync worker waits on it.
    pub fn sync_trigger(&self) -> Arc<Notify> {
        self.sync_now.clone()
    }

    /// How often the actor refreshes the inventory (`district.inventory_refresh_secs`).
    pub fn inventory_refresh(&self) -> Duration {
        self.inventory_refresh
    }

    pub fn set_inventory_refresh(&mut self, every: Duration) {
        self.inventory_refresh = every;
    }

    /// Feed one input and everything it leads to: hand it to the engine,
    /// perform what it asks, and so on until the engine waits for the
    /// outside world again.
    pub async fn feed(&mut self, input: Input) {
        let mut queue = VecDeque::from([input]);
        let mut steps = 0;
        while let Some(input) = queue.pop_front() {
            steps += 1;
            if steps > MAX_STEPS {
                tracing::error!("engine did not settle after {MAX_STEPS} steps; dropping the rest");
                break;
            }
            let effects = self.engine.handle(input, self.deps.clock.now());
            self.publish();
            for effect in effects {
                queue.extend(self.perform(effect).await);
            }
        }
        self.publish();
    }

    /// Time passed: let the engine act on its deadlines.
    pub async fn tick(&mut self) {
        self.feed(Input::Tick).await;
    }

    /// Read every slot and feed what changed (after a simulated-hardware
    /// command: the answer shows its effect).
    pub async fn poll_sensors(&mut self) {
        if let Some(input) = self.read_sensors().await {
            self.feed(input).await;
        }
    }

    /// One poll tick (every [`crate::engine::actor::SENSOR_POLL`]): the
    /// watched slots' boards and a step of the background sweep; feed what
    /// changed. Its cost does not grow with the cabinet: one exchange per
    /// watched board and one per bus.
    pub async fn poll_tick(&mut self) {
        if let Some(input) = self.read_tick().await {
            self.feed(input).await;
        }
    }

    /// Fetch the district's inventory into the store and the engine.
    pub async fn refresh_inventory(&mut self) {
        for input in self.fetch_inventory().await {
            self.feed(input).await;
        }
    }
}

/// Write recovery's decisions to the store: each intent closed (or left
/// open) as [`recovery::plan`] said.
fn close_intents(s: &mut Store, closings: Vec<Closing>, now: Timestamp) -> Result<RecoveryReport, StoreError> {
    let mut report = RecoveryReport::default();
    for closing in closings {
        match closing {
            Closing::Complete { intent, kind, event } => {
                s.complete_intent(intent, &event, now)?;
                tracing::info!(intent = intent.0, kind = kind.as_str(), "recovery: intent completed");
                report.completed.push(intent.0);
            }
            Closing::Cancel { intent, kind, alarms } => {
                s.cancel_intent(intent, CANCEL_NOTE, &alarms, now)?;
                tracing::info!(intent = intent.0, kind = kind.as_str(), "recovery: intent cancelled");
                report.cancelled.push(intent.0);
            }
            Closing::LeaveOpen { intent } => {
                tracing::warn!(intent = intent.0, "recovery: slot unreadable, intent left open");
                report.left_open.push(intent.0);
            }
        }
    }
    Ok(report)
}

/// Run a store operation on the store's thread.
pub async fn db<T: Send + 'static>(
    store: &AsyncStore,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    store.call(f).await?
}

/// A timed-out district call is an outage like a refused connection.
fn flatten<T>(r: Result<Result<T, DistrictError>, tokio::time::error::Elapsed>) -> Result<T, DistrictError> {
    r.unwrap_or(Err(DistrictError::Timeout))
}
