//! The kiosk state machine, sans-IO: `handle(input, now) -> effects`, then
//! `view()` and `next_deadline()`. It never touches the store, the hardware,
//! the network or the clock; the runner does that and feeds results back.
//!
//! One flow at a time: the engine is always in exactly one [`State`], and a
//! flow that is waiting for an effect's result ignores what does not belong
//! to it. The flows live in the sibling files: `session.rs` (cards, PINs,
//! home, browse), `dispense.rs` (loans and hold pickups), `returns.rs`,
//! `staff.rs`; `render.rs` builds the view.

mod dispense;
mod health;
mod render;
mod returns;
mod rows;
mod session;
mod staff;
mod standing;
#[cfg(test)]
mod tests;

use super::effect::Effect;
use super::input::{Action, Input};
pub use super::settings::EngineSettings;
use super::view::{DisplayModes, Notice, NoticeKey, ViewState};
use crate::domain::StaffId;
use crate::domain::{
    Credential, EventBody, Item, ItemId, Language, RefusalReason, Secret, Slot, SlotNo, Timestamp, staff::PinThrottle,
};
use bookstation_hardware::SlotStatus;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use dispense::Dispense;
pub use returns::ReturnFlow;
pub use staff::StaffTask;
use standing::PatronSession;

/// What the engine starts from: the store's contents and the sensors as read
/// after start-up recovery.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub items: Vec<Item>,
    pub slots: Vec<Slot>,
    pub bin_items: Vec<ItemId>,
    pub sensors: Vec<SlotStatus>,
    pub out_of_service: bool,
    /// When the district stopped answering, as the store kept it; `None`
    /// while it answers.
    pub outage_started: Option<Timestamp>,
    /// Staff members' wrong PINs, as the store kept them.
    pub staff_throttles: HashMap<StaffId, PinThrottle>,
}

/// The engine's mirror of the cabinet. The store is the durable truth; this
/// copy changes in step with the effects the engine emits.
#[derive(Debug, Clone, Default)]
struct Kiosk {
    items: BTreeMap<ItemId, Item>,
    slots: BTreeMap<SlotNo, Slot>,
    bin_items: Vec<ItemId>,
    /// The bin's books that go elsewhere, as last read for an unload.
    bin_transit: Vec<crate::store::BinBook>,
    sensors: BTreeMap<SlotNo, SlotStatus>,
    out_of_service: bool,
    /// Doors a flow ended with open (alarm raised), until a sensor sees them shut.
    left_open: BTreeSet<SlotNo>,
}

impl Kiosk {
    fn slot_of(&self, item: &ItemId) -> Option<&Slot> {
        self.slots.values().find(|s| s.item.as_ref() == Some(item))
    }

    fn sensor(&self, slot: SlotNo) -> SlotStatus {
        self.sensors.get(&slot).copied().unwrap_or(SlotStatus {
            slot: slot.0,
            door_open: false,
            item_present: false,
            drop_count: 0,
        })
    }

    /// Whether the slot's item sensor sees a book. A slot the board has not
    /// reported sees nothing.
    fn seen(&self, slot: SlotNo) -> bool {
        self.sensors.get(&slot).is_some_and(|s| s.item_present)
    }

    /// Whether a patron may be given the book `slot` holds: its record names
    /// one and its sensor sees one ([`rules::offered`]).
    fn offers(&self, slot: &Slot) -> bool {
        crate::domain::rules::offered(slot, self.seen(slot.no))
    }

    /// Lockers whose record names a book the sensor does not see, door
    /// shut: staff took it out, or it was never put in.
    fn missing_books(&self) -> impl Iterator<Item = &Slot> {
        use crate::domain::audit::Finding;
        self.slots.values().filter(|s| matches!(self.finding(s), Some(Finding::BookMissing | Finding::HoldMissing)))
    }

    fn title(&self, item: &ItemId) -> String {
        self.items.get(item).map_or_else(|| item.to_string(), |i| i.title.clone())
    }
}

/// The one thing the kiosk is doing.
#[derive(Debug, Clone)]
enum State {
    Attract,
    /// Reading the PIN lock-out before the PIN pad shows.
    CheckingPinLock {
        attempt: u64,
        credential: Credential,
    },
    /// The credential travels along so a wrong PIN can go back to the PIN
    /// pad for the same card.
    Authenticating {
        attempt: u64,
        credential: Credential,
    },
    Pin {
        credential: Credential,
        failures: u32,
    },
    Home,
    Browse,
    Detail {
        item: ItemId,
    },
    Confirm,
    Holds,
    Dispensing(Dispense),
    Receipt {
        lines: Vec<super::view::ReceiptLine>,
        until: Timestamp,
        /// How the patron took the receipt, once they chose.
        sent: Option<super::view::ReceiptVia>,
    },
    Return(ReturnFlow),
    Refusal {
        reason: RefusalReason,
        /// Where the refused book goes back, when the district said
        /// (another library's book).
        library: Option<String>,
    },
    StaffPin {
        staff_id: StaffId,
        failures: u32,
        /// The PIN is being checked ([`Effect::VerifyStaffPin`]); more
        /// digits wait.
        checking: bool,
    },
    Staff {
        staff_id: StaffId,
        task: StaffTask,
    },
}

/// The kiosk state machine.
#[derive(Debug)]
pub struct Engine {
    settings: EngineSettings,
    kiosk: Kiosk,
    state: State,
    patron: Option<PatronSession>,
    selected: Vec<ItemId>,
    query: String,
    language: Language,
    /// When the district stopped answering; `None` while it answers. The
    /// one place the kiosk knows whether it is online.
    outage_started: Option<Timestamp>,
    /// Time of the last touch or scan: the inactivity timeout counts from it.
    last_activity: Timestamp,
    /// The time of the latest input, so `view()` can show a countdown.
    now: Timestamp,
    notice: Option<Notice>,
    /// Wrong staff PINs per staff member, mirrored to the store. (Patron
    /// PINs are counted by the runner in the store, per credential and per
    /// patron, since only it knows whose a credential is.)
    staff_throttles: HashMap<StaffId, PinThrottle>,
    /// Tells a late district answer from the current one.
    auth_attempt: u64,
    /// What the patron chose for the screen, for their session only.
    display: DisplayModes,
    /// The shelf the patron chose from: home (which shows it) or the
    /// browse screen; "back" from a book or the confirm step returns there.
    shelf_is_home: bool,
    /// When help was last asked for: staff hear of it once a minute at most,
    /// however often the button is pressed.
    help_asked_at: Option<Timestamp>,
    /// Shown until the session (or the idle screen's visit) ends.
    help_requested: bool,
    /// The shelf's and the staff map's rows, shared between views.
    rows: rows::Rows,
}

impl Engine {
    pub fn new(settings: EngineSettings, snapshot: Snapshot, now: Timestamp) -> Self {
        // Recovery closed every intent before this: a door open now was left
        // so (a crash or power cut mid-flow), until it is shut.
        let left_open = snapshot.sensors.iter().filter(|s| s.door_open).map(|s| SlotNo(s.slot)).collect();
        let kiosk = Kiosk {
            items: snapshot.items.into_iter().map(|i| (i.id.clone(), i)).collect(),
            slots: snapshot.slots.into_iter().map(|s| (s.no, s)).collect(),
            bin_items: snapshot.bin_items,
            bin_transit: Vec::new(),
            sensors: snapshot.sensors.into_iter().map(|s| (SlotNo(s.slot), s)).collect(),
            out_of_service: snapshot.out_of_service,
            left_open,
        };
        Self {
            language: settings.default_language,
            settings,
            kiosk,
            state: State::Attract,
            patron: None,
            selected: Vec::new(),
            query: String::new(),
            outage_started: snapshot.outage_started,
            last_activity: now,
            now,
            notice: None,
            staff_throttles: snapshot.staff_throttles,
            auth_attempt: 0,
            display: DisplayModes::default(),
            shelf_is_home: true,
            help_asked_at: None,
            help_requested: false,
            rows: rows::Rows::default(),
        }
    }

    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// Whether the district answered the last call made to it.
    pub fn is_online(&self) -> bool {
        self.outage_started.is_none()
    }

    /// When the district stopped answering, if it has.
    pub fn outage_started(&self) -> Option<Timestamp> {
        self.outage_started
    }

    /// The readings in `readings` that differ from the last ones the engine
    /// has (or are new): what an [`Input::Sensors`] should carry. Slots
    /// missing from `readings` are not reported: a partial read is not a
    /// change.
    pub fn sensor_changes(&self, readings: &[SlotStatus]) -> Vec<SlotStatus> {
        readings.iter().filter(|r| self.kiosk.sensors.get(&SlotNo(r.slot)) != Some(*r)).copied().collect()
    }

    /// The slots whose next reading a flow waits for, ascending: the
    /// dispense's current locker (opening, waiting for the book, or the last
    /// one left to shut), the return bin during a return, a locker staff are
    /// opening or restocking, and every door the sensors last saw open. The
    /// runner reads their boards at every poll tick; the rest of the cabinet
    /// is swept in the background.
    pub fn watched_slots(&self) -> Vec<u16> {
        use dispense::Phase;
        let mut watched: BTreeSet<u16> = self.kiosk.sensors.values().filter(|s| s.door_open).map(|s| s.slot).collect();
        match &self.state {
            State::Dispensing(d) => match &d.phase {
                Phase::AwaitingShut { last, .. } => {
                    watched.insert(last.slot.0);
                }
                Phase::Opening { .. } | Phase::Waiting { .. } => {
                    watched.extend(d.current().map(|p| p.slot.0));
                }
                Phase::Committing | Phase::Closing { .. } => {}
            },
            State::Return(flow) if !flow.is_idle() => {
                watched.insert(self.settings.bin_slot.0);
            }
            State::Staff { task: StaffTask::Opening { slot } | StaffTask::Restock { slot, .. }, .. } => {
                watched.insert(slot.0);
            }
            State::Staff { task: StaffTask::Unload { .. }, .. } => {
                watched.insert(self.settings.bin_slot.0);
            }
            _ => {}
        }
        watched.into_iter().collect()
    }

    /// Feed one input; returns the effects to perform, in order.
    #[must_use = "the effects are what the engine decided; the runner must perform them"]
    pub fn handle(&mut self, input: Input, now: Timestamp) -> Vec<Effect> {
        self.now = now;
        let mut fx = Vec::new();
        match input {
            Input::Action(action) => {
                self.last_activity = now;
                self.notice = None;
                self.on_action(action, &mut fx);
            }
            Input::CardTapped(uid) => self.on_card(&uid, &mut fx),
            Input::Scanned(text) => self.on_scan(&text, &mut fx),
            Input::Sensors(changed) => self.on_sensor_changes(&changed, &mut fx),
            Input::Tick => self.on_tick(&mut fx),
            Input::Connectivity { online } => self.on_connectivity(online, &mut fx),
            Input::ReturnHereAnswered { item, answer } => self.on_return_here(item, answer, &mut fx),
            Input::BinTransitLoaded(books) => self.on_bin_transit(books),
            Input::DueDateConfirmed { item, due_date, message } => {
                self.on_due_date_confirmed(&item, due_date, message.map(Secret::into_string))
            }
            Input::Inventory(inventory) => {
                // An answer is the district answering.
                if !self.is_online() {
                    self.outage_started = None;
                    fx.push(Effect::RecordOutage { started: None });
                }
                self.on_inventory(inventory);
            }
            Input::Authenticated { attempt, result } => self.on_authenticated(attempt, result),
            Input::PinLock { attempt, failures, locked } => self.on_pin_lock(attempt, failures, locked, &mut fx),
            Input::StaffPinChecked { staff_id, right } => self.on_staff_pin_checked(&staff_id, right, &mut fx),
            Input::IntentBegun(id) => self.on_intent_begun(id, &mut fx),
            Input::IntentClosed(id) => self.on_intent_closed(id, &mut fx),
            Input::SlotOpened { slot, result } => self.on_slot_opened(slot, result, &mut fx),
            Input::BinUnloaded(items) => self.on_bin_unloaded(items),
            Input::OutboxLoaded { stats, recent } => self.on_outbox_loaded(stats, recent),
            Input::StoreFailed(message) => self.on_store_failed(&message),
            Input::AllSensors(result) => self.on_all_sensors(result, &mut fx),
        }
        fx
    }

    /// Readings that differ from the last ones: into the mirror, then to
    /// the flow that waits for them.
    fn on_sensor_changes(&mut self, changed: &[SlotStatus], fx: &mut Vec<Effect>) {
        for s in changed {
            self.kiosk.sensors.insert(SlotNo(s.slot), *s);
            if !s.door_open {
                self.kiosk.left_open.remove(&SlotNo(s.slot));
            }
        }
        self.on_sensors(fx);
    }

    /// The district answered or did not. Back online, fetch the catalogue
    /// and holds that changed meanwhile.
    fn on_connectivity(&mut self, online: bool, fx: &mut Vec<Effect>) {
        if online == self.is_online() {
            return;
        }
        tracing::info!(online, "district connectivity changed");
        self.outage_started = (!online).then_some(self.now);
        fx.push(Effect::RecordOutage { started: self.outage_started });
        if online {
            fx.push(Effect::RefreshInventory);
        }
    }

    /// A standalone event, marked offline when the district is not answering.
    fn ask_for_help(&mut self, fx: &mut Vec<Effect>) {
        const HELP_EVENT_EVERY_MS: i64 = 60_000;
        self.help_requested = true;
        if self.help_asked_at.is_some_and(|at| self.now.since(at) < HELP_EVENT_EVERY_MS) {
            return;
        }
        self.help_asked_at = Some(self.now);
        let screen = serde_json::to_value(self.render().screen)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        fx.push(self.event(EventBody::HelpRequested { screen }));
    }

    fn event(&self, event: EventBody) -> Effect {
        Effect::AppendEvent { event, offline: !self.is_online() }
    }

    /// When the engine next needs a [`Input::Tick`], if ever.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        let flow = match &self.state {
            State::Dispensing(d) => d.next_tick(self.now),
            State::Return(r) => r.next_tick(self.now),
            State::Staff { task, .. } => task.deadline(),
            State::Receipt { until, .. } => Some(*until),
            _ => None,
        };
        [flow, self.countdown_tick()].into_iter().flatten().min()
    }

    /// When an idle session ends, for screens that time out.
    fn inactivity_deadline(&self) -> Option<Timestamp> {
        let idle = match &self.state {
            State::Attract
            | State::CheckingPinLock { .. }
            | State::Authenticating { .. }
            | State::Dispensing(_)
            | State::Receipt { .. } => false,
            State::Return(r) => r.is_idle(),
            State::Staff { task, .. } => task.is_idle(),
            _ => true,
        };
        idle.then(|| self.last_activity.plus_millis(self.settings.inactivity_ms))
    }

    /// The next moment the countdown's number changes or the session ends.
    fn countdown_tick(&self) -> Option<Timestamp> {
        let end = self.inactivity_deadline()?;
        let start = end.plus_millis(-self.settings.countdown_ms);
        if self.now < start {
            return Some(start);
        }
        self.countdown()?;
        Some(self.now.next_second_toward(end))
    }

    /// Whole seconds left, while the countdown shows.
    fn countdown(&self) -> Option<u32> {
        let end = self.inactivity_deadline()?;
        let left = end.millis() - self.now.millis();
        (left > 0 && left <= self.settings.countdown_ms).then(|| self.now.seconds_until(end))
    }

    fn on_tick(&mut self, fx: &mut Vec<Effect>) {
        if self.inactivity_deadline().is_some_and(|d| self.now >= d) {
            self.end_session();
            return;
        }
        match &self.state {
            State::Receipt { until, .. } if self.now >= *until => self.end_session(),
            State::Dispensing(_) => self.dispense_tick(fx),
            State::Return(_) => self.return_tick(fx),
            State::Staff { .. } => self.staff_tick(fx),
            _ => {}
        }
    }

    /// Back to the attract screen, nothing chosen, in the kiosk's own
    /// language; what the patron chose for the screen ends with the session.
    fn end_session(&mut self) {
        self.state = State::Attract;
        self.patron = None;
        self.selected.clear();
        self.query.clear();
        self.language = self.settings.default_language;
        self.display = DisplayModes::default();
        self.notice = None;
        self.help_requested = false;
    }

    /// A new session from the idle screen: whatever was left is cleared, but
    /// a language and display modes chosen on the attract screen carry into it.
    fn start_fresh(&mut self) {
        let (language, display) = (self.language, self.display);
        self.end_session();
        (self.language, self.display) = (language, display);
        self.last_activity = self.now;
    }

    fn on_action(&mut self, action: Action, fx: &mut Vec<Effect>) {
        match action {
            Action::Touch => {}
            Action::Language { language } => self.language = language,
            Action::Display(modes) => self.display = modes,
            Action::Logout => self.logout(fx),
            Action::Back => self.back(fx),
            Action::StaffPin { pin } => self.on_staff_pin(pin, fx),
            Action::Restock { slot } => self.start_restock(slot, fx),
            Action::UnloadBin => self.start_unload(fx),
            Action::OpenSlot { slot } => self.staff_open(slot, fx),
            Action::SetOutOfService { slot, value } => self.set_out_of_service(slot, value, fx),
            Action::ClearFault { slot } => self.clear_fault(slot, fx),
            Action::Outbox => self.show_outbox(fx),
            Action::SyncNow => self.sync_now(fx),
            Action::Audit => self.start_audit(fx),
            Action::Confirm if matches!(self.state, State::Staff { .. }) => self.staff_confirm(fx),
            Action::StartReturn => self.start_return(),
            Action::MoreTime if matches!(self.state, State::Return(_)) => self.return_more_time(),
            Action::MoreTime if matches!(self.state, State::Receipt { .. }) => self.receipt_more_time(),
            Action::MoreTime => self.dispense_more_time(),
            Action::Help => self.ask_for_help(fx),
            Action::Receipt { via } => self.send_receipt(via, fx),
            other => self.on_patron_action(other, fx),
        }
    }

    /// "Finish": end the session unless a door is open mid-flow.
    fn logout(&mut self, fx: &mut Vec<Effect>) {
        match &self.state {
            State::Dispensing(_) => self.notice = Some(Notice::new(NoticeKey::WaitForLocker)),
            State::Return(r) if !r.is_idle() => self.notice = Some(Notice::new(NoticeKey::WaitForLocker)),
            State::Staff { task, .. } if !task.is_idle() => self.staff_back(fx),
            _ => self.end_session(),
        }
    }

    fn back(&mut self, fx: &mut Vec<Effect>) {
        let has_patron = self.patron.is_some();
        match &self.state {
            State::Browse | State::Holds | State::Receipt { .. } if has_patron => self.go_home(),
            State::Detail { .. } | State::Confirm if self.shelf_is_home => self.go_home(),
            State::Detail { .. } | State::Confirm => self.state = State::Browse,
            State::Refusal { .. } if self.patron.as_ref().is_some_and(|p| p.allowance.is_ok()) => self.go_home(),
            State::Return(r) if r.is_idle() && has_patron => self.go_home(),
            State::Dispensing(_) | State::Return(_) | State::Authenticating { .. } | State::CheckingPinLock { .. } => {
                self.notice = Some(Notice::new(NoticeKey::WaitForLocker))
            }
            State::Staff { .. } => self.staff_back(fx),
            _ => self.end_session(),
        }
    }

    fn on_store_failed(&mut self, message: &str) {
        tracing::error!(%message, "store write failed; the flow stopped and the intent stays open for recovery");
        self.end_session();
        self.notice = Some(Notice::new(NoticeKey::TechnicalProblem));
    }

    fn on_inventory(&mut self, inventory: crate::district::Inventory) {
        for item in inventory.items {
            self.kiosk.items.insert(item.id.clone(), item);
        }
    }

    pub fn view(&self) -> ViewState {
        self.render()
    }
}

/// Effect results go to the flow that is waiting for them.
impl Engine {
    fn on_sensors(&mut self, fx: &mut Vec<Effect>) {
        match &self.state {
            State::Dispensing(_) => self.dispense_check(fx),
            State::Return(_) => self.return_check(fx),
            State::Staff { .. } => self.staff_check(fx),
            _ => {}
        }
    }

    fn on_intent_begun(&mut self, id: crate::domain::IntentId, fx: &mut Vec<Effect>) {
        match &self.state {
            State::Dispensing(_) => self.dispense_intent_begun(id, fx),
            State::Return(_) => self.return_intent_begun(id, fx),
            State::Staff { .. } => self.staff_intent_begun(id, fx),
            _ => tracing::warn!(intent = id.0, "intent begun with no flow waiting for it; recovery will close it"),
        }
    }

    fn on_intent_closed(&mut self, id: crate::domain::IntentId, fx: &mut Vec<Effect>) {
        match &self.state {
            State::Dispensing(_) => self.dispense_intent_closed(id, fx),
            State::Return(_) => self.return_intent_closed(id),
            State::Staff { .. } => self.staff_intent_closed(id),
            _ => {}
        }
    }

    fn on_slot_opened(
        &mut self,
        slot: SlotNo,
        result: Result<(), (bookstation_hardware::ErrorKind, String)>,
        fx: &mut Vec<Effect>,
    ) {
        match &self.state {
            State::Dispensing(_) => self.dispense_slot_opened(result, fx),
            State::Return(_) => self.return_slot_opened(result, fx),
            State::Staff { .. } => self.staff_slot_opened(slot, result, fx),
            _ => {}
        }
    }
}
