//! The runner: performs the engine's effects against the store, the locker
//! board and the district, and feeds their results back until the engine is
//! settled. Tests drive it directly with a virtual clock; the actor wraps it
//! in a tokio loop.

use super::clock::Clock;
use super::effect::Effect;
use super::input::{AuthResult, Input};
use super::recovery::{RecoveryReport, recover};
use super::sign_in;
use super::{Engine, EngineSettings, Snapshot, ViewState};
use crate::district::sync::health_report;
use crate::district::{District, DistrictError, Health};
use crate::domain::health;
use crate::domain::{Credential, Fault, FaultCode, Secret, Timestamp};
use crate::store::{AsyncStore, CardHasher, Store, StoreError};
use bookstation_hardware::{LockerBoard, SlotStatus, changed_slots};
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

/// Receipts waiting for a slow printer before new ones are dropped.
const PRINT_QUEUE: usize = 4;

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

/// Prints a receipt: heading and lines. Blocking; run off the engine's task.
pub type Printer = Arc<dyn Fn(&str, &[String]) -> Result<(), String> + Send + Sync>;

pub struct Runner {
    /// The printer thread's queue, when a printer is configured.
    printer: Option<std::sync::mpsc::SyncSender<(String, Vec<String>)>>,
    engine: Engine,
    deps: Deps,
    /// The last sensor reading, to turn polls into changes.
    sensors: Vec<SlotStatus>,
    online: bool,
    outage_started: Option<Timestamp>,
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
            let report = recover(s, readings.as_deref(), loan_days, now)?;
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
                online: true,
            })
        })
        .await?;
        let sensors = sensors.unwrap_or_default();
        let snapshot = Snapshot { sensors: sensors.clone(), online: outage_started.is_none(), ..snapshot };
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
            sensors,
            online: outage_started.is_none(),
            outage_started,
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

    /// Print receipts from now on.
    pub fn set_printer(&mut self, printer: Printer) {
        // A printer out of paper can block a write for ever (usblp retries):
        // it gets a thread of its own and a short queue, never the engine.
        let (queue, receipts) = std::sync::mpsc::sync_channel::<(String, Vec<String>)>(PRINT_QUEUE);
        let spawned = std::thread::Builder::new().name("receipt-printer".into()).spawn(move || {
            for (heading, lines) in receipts {
                match printer(&heading, &lines) {
                    Ok(()) => tracing::info!("receipt printed"),
                    Err(e) => tracing::warn!(error = %e, "receipt not printed"),
                }
            }
        });
        match spawned {
            Ok(_) => self.printer = Some(queue),
            Err(e) => tracing::error!(error = %e, "cannot start the receipt printer thread; no receipts"),
        }
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

    pub fn deps(&self) -> &Deps {
        &self.deps
    }

    pub fn is_online(&self) -> bool {
        self.online
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

    /// Feed one input and everything it leads to, until the engine waits
    /// for the outside world again.
    pub async fn feed(&mut self, input: Input) {
        if let Input::Connectivity { online } = input {
            // From outside (the sync worker): the district answered or not.
            // Back online, fetch what changed during the outage.
            let was_online = self.online;
            self.connectivity(online).await;
            if online && !was_online {
                Box::pin(self.refresh_inventory()).await;
            }
            return;
        }
        self.settle(input).await;
    }

    /// Hand the engine one input, and perform what it asks until it waits.
    async fn settle(&mut self, input: Input) {
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

    /// Read the board and feed what changed.
    pub async fn poll_sensors(&mut self) {
        if let Some(input) = self.read_sensors().await {
            self.feed(input).await;
        }
    }

    /// Fetch the district's inventory into the store and the engine.
    pub async fn refresh_inventory(&mut self) {
        let answer = tokio::time::timeout(self.deps.district_timeout, self.deps.district.inventory()).await;
        match flatten(answer) {
            Ok(inventory) => {
                self.connectivity(true).await;
                let now = self.deps.clock.now();
                let inv = inventory.clone();
                let stored = db(&self.deps.store, move |s: &mut Store| {
                    let holds: Vec<_> = inv.holds.iter().map(|h| (h.item_id.clone(), h.hold_id.clone())).collect();
                    let items: Vec<_> = inv
                        .items
                        .iter()
                        .map(|i| {
                            let mut i = i.clone();
                            i.hold_for = inv.holds.iter().find(|h| h.item_id == i.id).map(|h| h.patron_id.clone());
                            i
                        })
                        .collect();
                    s.upsert_items(&items, &holds, now)?;
                    s.items()
                })
                .await;
                match stored {
                    Ok(items) => {
                        self.feed(Input::Inventory(crate::district::Inventory { items, holds: inventory.holds })).await
                    }
                    Err(e) => tracing::error!(error = %e, "could not store the inventory"),
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "inventory refresh failed");
                if e.is_offline() {
                    self.connectivity(false).await;
                }
            }
        }
    }

    fn publish(&self) {
        replace_if_changed(&self.views, self.engine.view());
        replace_if_changed(&self.faults, self.current_faults());
    }

    /// The engine's faults and the devices', in a stable order.
    fn current_faults(&self) -> Vec<Fault> {
        let mut faults = self.engine.faults();
        faults.extend(self.device_faults.iter().map(|(code, detail)| Fault::with_detail(*code, None, Some(detail))));
        health::normalise(faults)
    }

    /// The kiosk's health as the heartbeat reports it, built now.
    pub async fn health(&self) -> Result<Health, StoreError> {
        let (kiosk_id, faults, now) = (self.engine.settings().kiosk_id.clone(), self.current_faults(), self.now());
        let version = env!("CARGO_PKG_VERSION").to_owned();
        db(&self.deps.store, move |s: &mut Store| health_report(s, kiosk_id, version, faults, now)).await
    }

    /// Every open fault, updated whenever one opens or clears.
    pub fn subscribe_faults(&self) -> watch::Receiver<Vec<Fault>> {
        self.faults.subscribe()
    }

    /// A device fault opened (`Some(detail)`) or cleared (`None`).
    /// Nothing happens when that is already so, so callers may say it at every poll.
    pub fn set_device_fault(&mut self, code: FaultCode, detail: Option<String>) {
        if self.device_faults.get(&code) == detail.as_ref() {
            return;
        }
        match detail {
            Some(d) => self.device_faults.insert(code, d),
            None => self.device_faults.remove(&code),
        };
        self.publish();
    }

    /// Prove the store answers and can take its write lock: the watchdog's
    /// question. Writes nothing.
    pub async fn probe_store(&self) -> Result<(), StoreError> {
        db(&self.deps.store, |s: &mut Store| s.probe()).await
    }

    async fn read_sensors(&mut self) -> Option<Input> {
        match self.deps.board.read_all().await {
            Ok(now) => {
                // Some boards of several may still be silent.
                let silent = self.deps.board.silent_boards();
                let detail = (!silent.is_empty()).then(|| format!("{} silent", silent.join(", ")));
                if detail.is_none() && self.device_faults.contains_key(&FaultCode::BoardNotResponding) {
                    tracing::info!("locker boards answer again");
                }
                self.set_device_fault(FaultCode::BoardNotResponding, detail);
                let changed = changed_slots(&self.sensors, &now);
                if !changed.is_empty() {
                    crate::crash_point!("sensors_changed");
                }
                self.sensors = now;
                (!changed.is_empty()).then_some(Input::Sensors(changed))
            }
            Err(e) => {
                if !self.device_faults.contains_key(&FaultCode::BoardNotResponding) {
                    tracing::warn!(error = %e, "locker board read failed");
                }
                self.set_device_fault(FaultCode::BoardNotResponding, Some(e.to_string()));
                None
            }
        }
    }

    /// Track whether the district answers; an outage's start is kept in the
    /// store so the offline policy's clock survives a restart.
    async fn connectivity(&mut self, online: bool) {
        if online == self.online {
            return;
        }
        self.online = online;
        let now = self.deps.clock.now();
        self.outage_started = if online { None } else { self.outage_started.or(Some(now)) };
        let at = self.outage_started;
        if let Err(e) = db(&self.deps.store, move |s: &mut Store| s.set_outage_started_at(at)).await {
            tracing::error!(error = %e, "could not record the outage");
        }
        tracing::info!(online, "district connectivity changed");
        let input = Input::Connectivity { online };
        Box::pin(self.settle(input)).await;
    }

    async fn perform(&mut self, effect: Effect) -> Vec<Input> {
        let now = self.deps.clock.now();
        let stored = |r: Result<Input, StoreError>| vec![r.unwrap_or_else(|e| Input::StoreFailed(e.to_string()))];
        match effect {
            Effect::Authenticate { attempt, credential, pin } => {
                let result = self.authenticate(credential, pin).await;
                vec![Input::Authenticated { attempt, result }]
            }
            Effect::CheckPinLock { attempt, credential } => {
                let hasher = self.deps.hasher.clone();
                let checked =
                    db(&self.deps.store, move |s: &mut Store| sign_in::pin_lock(s, &hasher, &credential, now)).await;
                // A store that cannot say keeps the PIN pad shut.
                let (failures, locked) = checked.unwrap_or_else(|e| {
                    tracing::error!(error = %e, "could not read the PIN lock-out");
                    (0, true)
                });
                vec![Input::PinLock { attempt, failures, locked }]
            }
            Effect::VerifyStaffPin { staff_id, pin } => {
                let staff = self.engine.settings().staff.iter().find(|s| s.id == staff_id).cloned();
                // Argon2 takes tens of milliseconds: a blocking thread, not the runtime's.
                let right = tokio::task::spawn_blocking(move || staff.is_some_and(|s| s.verify_pin(&pin)))
                    .await
                    .unwrap_or(false);
                vec![Input::StaffPinChecked { staff_id, right }]
            }
            Effect::SaveStaffThrottle { staff_id, throttle } => {
                let key = self.deps.hasher.staff_throttle_key(&staff_id);
                self.quietly(move |s| s.save_pin_throttle(&key, &throttle)).await
            }
            Effect::BeginIntent(spec) => {
                let begun = db(&self.deps.store, move |s: &mut Store| s.begin_intent(&spec, now)).await;
                crate::crash_point!("intent_committed");
                stored(begun.map(Input::IntentBegun))
            }
            Effect::SetIntentItem { intent, item } => {
                let r = db(&self.deps.store, move |s: &mut Store| s.set_intent_item(intent, &item)).await;
                r.err().map(|e| Input::StoreFailed(e.to_string())).into_iter().collect()
            }
            Effect::OpenSlot(slot) => {
                let result = self.deps.board.open(slot.0).await.map_err(|e| (e.kind(), e.to_string()));
                crate::crash_point!("door_opened");
                let mut out = vec![Input::SlotOpened { slot, result }];
                out.extend(self.read_sensors().await);
                out
            }
            Effect::CompleteIntent { intent, event } => {
                let closed = db(&self.deps.store, move |s: &mut Store| s.complete_intent(intent, &event, now)).await;
                crate::crash_point!("intent_closed");
                stored(closed.map(|_| Input::IntentClosed(intent)))
            }
            Effect::CancelIntent { intent, note, events } => {
                let closed =
                    db(&self.deps.store, move |s: &mut Store| s.cancel_intent(intent, &note, &events, now)).await;
                crate::crash_point!("intent_closed");
                stored(closed.map(|()| Input::IntentClosed(intent)))
            }
            Effect::AppendEvent(event) => {
                let offline = !self.online;
                self.quietly(move |s| s.append_event(&event, offline, now).map(drop)).await
            }
            Effect::SetSlotFault { slot, fault } => {
                self.quietly(move |s| s.set_slot_fault(slot, fault.as_deref())).await
            }
            Effect::SetSlotOutOfService { slot, value, event } => {
                self.quietly(move |s| s.set_slot_out_of_service(slot, value, Some((&event, now)))).await
            }
            Effect::SetKioskOutOfService { value, event } => {
                self.quietly(move |s| s.set_kiosk_out_of_service(value, Some((&event, now)))).await
            }
            Effect::UnloadBin { staff_id } => {
                let unloaded = db(&self.deps.store, move |s: &mut Store| s.unload_bin(&staff_id, now)).await;
                crate::crash_point!("bin_unloaded");
                stored(unloaded.map(Input::BinUnloaded))
            }
            Effect::SyncNow => {
                self.sync_now.notify_one();
                vec![]
            }
            Effect::PrintReceipt { heading, lines } => {
                if let Some(queue) = &self.printer
                    && let Err(e) = queue.try_send((heading, lines))
                {
                    tracing::warn!(error = %e, "receipt printer busy or gone; receipt not printed");
                }
                vec![]
            }
            Effect::LoadOutbox => stored(
                db(&self.deps.store, |s: &mut Store| {
                    let stats = s.outbox_stats()?;
                    let mut recent = s.outbox(None, usize::MAX)?;
                    let keep = recent.len().saturating_sub(20);
                    recent.drain(..keep);
                    Ok(Input::OutboxLoaded { stats, recent })
                })
                .await,
            ),
        }
    }

    /// A store write whose only possible answer is a failure.
    async fn quietly(&self, f: impl FnOnce(&mut Store) -> Result<(), StoreError> + Send + 'static) -> Vec<Input> {
        match db(&self.deps.store, f).await {
            Ok(()) => vec![],
            Err(e) => vec![Input::StoreFailed(e.to_string())],
        }
    }

    async fn authenticate(&mut self, credential: Credential, pin: Option<Secret>) -> AuthResult {
        let call = self.deps.district.authenticate(&credential, pin.as_deref());
        let answer = flatten(tokio::time::timeout(self.deps.district_timeout, call).await);
        let hasher = self.deps.hasher.clone();
        let now = self.deps.clock.now();
        let result = match answer {
            Ok(answer) => {
                self.connectivity(true).await;
                db(&self.deps.store, move |s: &mut Store| {
                    sign_in::online(s, &hasher, &credential, pin.as_deref(), answer, now)
                })
                .await
            }
            Err(e) if e.is_offline() => {
                self.connectivity(false).await;
                let outage_started = self.outage_started.unwrap_or(now);
                db(&self.deps.store, move |s: &mut Store| {
                    sign_in::offline(s, &hasher, &credential, pin.as_deref(), outage_started, now)
                })
                .await
            }
            Err(e) => {
                tracing::warn!(error = %e, "district refused to authenticate");
                return AuthResult::Failed;
            }
        };
        result.unwrap_or_else(|e| {
            tracing::error!(error = %e, "store failed during sign-in");
            AuthResult::Failed
        })
    }
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
