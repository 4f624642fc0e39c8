//! Maintenance mode: staff card and PIN, then restock a locker (open, scan,
//! close), unload the return bin, open any door, take a locker or (after a
//! confirm) the whole kiosk out of service, clear a fault, look at the
//! outbox, audit the cabinet (every locker's sensor against its record,
//! the result sent to the district).

use super::{Engine, Kiosk, State};
use crate::domain::IntentId;
use crate::domain::StaffId;
use crate::domain::audit::{self, AuditReport, Finding, Reading, Record};
use crate::domain::{EventBody, IntentKind, ItemId, RefusalReason, Secret, Slot, SlotKind, SlotNo, Timestamp};
use crate::engine::effect::{Effect, IntentSpec};
use crate::engine::view::{Notice, NoticeKey, OutboxLine, OutboxSummary, StaffStep};
use bookstation_hardware::ErrorKind;
use bookstation_hardware::SlotStatus;

/// What the signed-in staff member is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum StaffTask {
    Menu,
    Outbox {
        stats: Option<OutboxSummary>,
        recent: Vec<OutboxLine>,
    },
    /// A staff-requested door opening, waiting for the board's answer.
    Opening {
        slot: SlotNo,
    },
    Restock {
        slot: SlotNo,
        phase: RestockPhase,
    },
    Unload {
        phase: UnloadPhase,
    },
    /// The inventory audit: the sensors being read (`None`), then its result.
    Audit {
        report: Option<AuditReport>,
    },
    /// Asked before the whole kiosk goes out of service: nobody can borrow
    /// or return until staff put it back.
    ConfirmKioskOutOfService,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestockPhase {
    Committing,
    Opening {
        intent: IntentId,
    },
    /// Door open: scan the book, put it in, close the door.
    Loading {
        intent: IntentId,
        item: Option<ItemId>,
        deadline: Timestamp,
        /// The sensor saw the locker empty during this restock: a book it
        /// sees at the end went in now, not before.
        seen_empty: bool,
    },
    Closing {
        intent: IntentId,
        completed: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnloadPhase {
    Opening,
    /// Door open: take the books out and close it.
    Open,
    Saving,
}

impl StaffTask {
    /// Nothing physical in progress: the session may time out or end.
    pub(super) fn is_idle(&self) -> bool {
        matches!(
            self,
            Self::Menu | Self::Outbox { .. } | Self::Audit { report: Some(_) } | Self::ConfirmKioskOutOfService
        )
    }

    pub(super) fn deadline(&self) -> Option<Timestamp> {
        match self {
            Self::Restock { phase: RestockPhase::Loading { deadline, .. }, .. } => Some(*deadline),
            _ => None,
        }
    }

    /// What the staff screen says the task is at.
    pub(super) fn step(&self) -> StaffStep {
        match self {
            Self::Menu => StaffStep::Menu,
            Self::Outbox { .. } => StaffStep::Outbox,
            Self::Opening { .. } => StaffStep::Opening,
            Self::Restock { phase: RestockPhase::Committing | RestockPhase::Opening { .. }, .. } => {
                StaffStep::RestockOpening
            }
            Self::Restock { phase: RestockPhase::Loading { item: None, .. }, .. } => StaffStep::RestockScan,
            Self::Restock { phase: RestockPhase::Loading { item: Some(_), .. }, .. } => StaffStep::RestockClose,
            Self::Restock { phase: RestockPhase::Closing { .. }, .. } => StaffStep::RestockSaving,
            Self::Unload { phase: UnloadPhase::Opening } => StaffStep::UnloadOpening,
            Self::Unload { phase: UnloadPhase::Open } => StaffStep::Unload,
            Self::Unload { phase: UnloadPhase::Saving } => StaffStep::UnloadSaving,
            Self::Audit { report: None } => StaffStep::AuditReading,
            Self::Audit { report: Some(_) } => StaffStep::Audit,
            Self::ConfirmKioskOutOfService => StaffStep::ConfirmKioskOutOfService,
        }
    }

    pub(super) fn slot(&self) -> Option<SlotNo> {
        match self {
            Self::Opening { slot } | Self::Restock { slot, .. } => Some(*slot),
            _ => None,
        }
    }
}

impl Engine {
    fn staff_task_mut(&mut self) -> Option<(&str, &mut StaffTask)> {
        match &mut self.state {
            State::Staff { staff_id, task } => Some((staff_id.as_str(), task)),
            _ => None,
        }
    }

    fn staff_id(&self) -> Option<StaffId> {
        match &self.state {
            State::Staff { staff_id, .. } => Some(staff_id.clone()),
            _ => None,
        }
    }

    /// Staff actions are only taken from the staff menu.
    fn staff_menu(&mut self) -> Option<StaffId> {
        match &self.state {
            State::Staff { staff_id, task } if task.is_idle() => Some(staff_id.clone()),
            State::Staff { .. } => {
                self.notice = Some(Notice::new(NoticeKey::FinishTaskFirst));
                None
            }
            _ => {
                self.notice = Some(Notice::new(NoticeKey::Refusal(RefusalReason::NotStaff)));
                None
            }
        }
    }

    /// A staff PIN typed: checked off the engine (Argon2 takes tens of
    /// milliseconds), unless entry is locked.
    pub(super) fn on_staff_pin(&mut self, pin: Secret, fx: &mut Vec<Effect>) {
        let State::StaffPin { staff_id, checking: false, .. } = &self.state else { return };
        let staff_id = staff_id.clone();
        if self.staff_throttles.get(&staff_id).is_some_and(|t| t.is_locked(self.now)) {
            self.state = State::Refusal { reason: RefusalReason::PinLocked, library: None };
            return;
        }
        if let State::StaffPin { checking, .. } = &mut self.state {
            *checking = true;
        }
        fx.push(Effect::VerifyStaffPin { staff_id, pin });
    }

    /// The answer to [`Effect::VerifyStaffPin`].
    pub(super) fn on_staff_pin_checked(&mut self, checked_id: &StaffId, right: bool, fx: &mut Vec<Effect>) {
        let State::StaffPin { staff_id, failures, checking: true } = &self.state else { return };
        if staff_id != checked_id {
            return;
        }
        let (staff_id, failures) = (staff_id.clone(), *failures);
        let mut throttle = self.staff_throttles.get(&staff_id).copied().unwrap_or_default();
        if right {
            throttle.succeed();
            tracing::info!(staff = %staff_id, "staff signed in");
            self.state = State::Staff { staff_id: staff_id.clone(), task: StaffTask::Menu };
        } else if throttle.fail(self.now) {
            tracing::warn!(staff = %staff_id, "staff PIN entry locked after repeated wrong PINs");
            fx.push(self.event(EventBody::Alarm {
                alarm: crate::domain::AlarmKind::StaffPinLocked,
                slot: None,
                item_id: None,
            }));
            self.state = State::Refusal { reason: RefusalReason::PinLocked, library: None };
        } else {
            self.notice = Some(Notice::new(NoticeKey::WrongPin));
            self.state = State::StaffPin { staff_id: staff_id.clone(), failures: failures + 1, checking: false };
        }
        if self.staff_throttles.get(&staff_id).copied().unwrap_or_default() != throttle {
            self.staff_throttles.insert(staff_id.clone(), throttle);
            fx.push(Effect::SaveStaffThrottle { staff_id, throttle });
        }
    }

    /// A staff card on the reader: the PIN pad, unless entry is locked.
    pub(super) fn staff_card(&mut self, staff_id: StaffId) {
        let locked = self.staff_throttles.get(&staff_id).is_some_and(|t| t.is_locked(self.now));
        let failures = self.staff_throttles.get(&staff_id).map_or(0, |t| t.failures);
        self.start_fresh();
        self.state = if locked {
            State::Refusal { reason: RefusalReason::PinLocked, library: None }
        } else {
            State::StaffPin { staff_id, failures, checking: false }
        };
    }

    pub(super) fn staff_back(&mut self, fx: &mut Vec<Effect>) {
        match &self.state {
            State::Staff { task: StaffTask::Menu, .. } => self.end_session(),
            State::Staff {
                task: StaffTask::Outbox { .. } | StaffTask::Audit { .. } | StaffTask::ConfirmKioskOutOfService,
                ..
            } => {
                if let Some((_, task)) = self.staff_task_mut() {
                    *task = StaffTask::Menu;
                }
            }
            // A restock still waiting for its book is given up: cancel the
            // intent (the sensors decide as on recovery if a book went in).
            State::Staff { task: StaffTask::Restock { phase: RestockPhase::Loading { .. }, .. }, .. } => {
                self.finish_restock(true, fx)
            }
            _ => self.notice = Some(Notice::new(NoticeKey::FinishTaskFirst)),
        }
    }

    pub(super) fn start_restock(&mut self, slot: SlotNo, fx: &mut Vec<Effect>) {
        if self.staff_menu().is_none() {
            return;
        }
        let Some(s) = self.kiosk.slots.get(&slot) else {
            self.notice = Some(Notice::new(NoticeKey::NoSuchSlot).slot(slot));
            return;
        };
        if s.kind != SlotKind::Locker {
            self.notice = Some(Notice::new(NoticeKey::RestockNotALocker).slot(slot));
            return;
        }
        // A locker recorded empty may be restocked, even when its sensor sees
        // a book (one the kiosk has no record of: staff scan it and put it
        // back); so may one whose recorded book is missing.
        let record = self.kiosk.record(s);
        let finding = audit::check(&record, self.kiosk.reading(slot));
        if record != Record::Empty && !matches!(finding, Some(Finding::BookMissing | Finding::HoldMissing)) {
            let title = record.item().map(|i| self.kiosk.title(i)).unwrap_or_default();
            self.notice = Some(Notice::new(NoticeKey::RestockNeedsEmptyLocker).slot(slot).title(&title));
            return;
        }
        fx.push(Effect::BeginIntent(IntentSpec {
            kind: IntentKind::Restock,
            slot,
            item: None,
            patron: None,
            hold_id: None,
            offline: !self.is_online(),
            drops_at_start: None,
            foreign: None,
        }));
        if let Some((_, task)) = self.staff_task_mut() {
            *task = StaffTask::Restock { slot, phase: RestockPhase::Committing };
        }
    }

    pub(super) fn staff_intent_begun(&mut self, id: IntentId, fx: &mut Vec<Effect>) {
        if let Some((_, StaffTask::Restock { slot, phase: phase @ RestockPhase::Committing })) = self.staff_task_mut() {
            fx.push(Effect::OpenSlot(*slot));
            *phase = RestockPhase::Opening { intent: id };
        }
    }

    pub(super) fn staff_slot_opened(
        &mut self,
        slot: SlotNo,
        result: Result<(), (ErrorKind, String)>,
        fx: &mut Vec<Effect>,
    ) {
        let deadline = self.now.plus_millis(self.settings.staff_task_ms);
        let seen_empty = !self.kiosk.seen(slot);
        let failed = result.is_err();
        if let Err((kind, message)) = &result {
            tracing::warn!(slot = slot.0, ?kind, %message, "door did not open for staff");
            let fault = format!("door did not open: {message}");
            fx.push(Effect::SetSlotFault { slot, fault: Some(fault.clone()) });
            if let Some(s) = self.kiosk.slots.get_mut(&slot) {
                s.fault = Some(fault);
            }
            self.notice = Some(Notice::new(NoticeKey::DoorDidNotOpen).slot(slot));
        }
        let Some((_, task)) = self.staff_task_mut() else { return };
        match task {
            StaffTask::Opening { .. } => {
                *task = StaffTask::Menu;
                if !failed {
                    self.notice = Some(Notice::new(NoticeKey::DoorOpened).slot(slot));
                }
            }
            StaffTask::Restock { phase, .. } => {
                let RestockPhase::Opening { intent } = *phase else { return };
                if failed {
                    fx.push(Effect::CancelIntent { intent, note: "door did not open".into(), events: vec![] });
                    *phase = RestockPhase::Closing { intent, completed: false };
                } else {
                    *phase = RestockPhase::Loading { intent, item: None, deadline, seen_empty };
                }
            }
            StaffTask::Unload { phase } => {
                if failed {
                    *task = StaffTask::Menu;
                } else {
                    *phase = UnloadPhase::Open;
                }
            }
            _ => {}
        }
    }

    pub(super) fn staff_scan(&mut self, item: ItemId, fx: &mut Vec<Effect>) {
        self.last_activity = self.now;
        let known = self.kiosk.items.contains_key(&item);
        // A book recorded in a locker whose sensor does not see it is
        // wherever staff found it: it may go in.
        let in_locker = self.kiosk.slot_of(&item).is_some_and(|s| self.kiosk.seen(s.no));
        let elsewhere = in_locker || self.kiosk.bin_items.contains(&item);
        let Some((_, StaffTask::Restock { phase: RestockPhase::Loading { intent, item: slot_item, .. }, .. })) =
            self.staff_task_mut()
        else {
            self.notice = Some(Notice::new(NoticeKey::ScanNotExpected));
            return;
        };
        if !known {
            self.notice = Some(Notice::new(NoticeKey::Refusal(RefusalReason::ItemNotFromThisKiosk)));
        } else if elsewhere {
            self.notice = Some(Notice::new(NoticeKey::ItemAlreadyInKiosk));
        } else {
            fx.push(Effect::SetIntentItem { intent: *intent, item: item.clone() });
            *slot_item = Some(item);
        }
    }

    /// Sensors changed during a staff task.
    pub(super) fn staff_check(&mut self, fx: &mut Vec<Effect>) {
        let bin = self.settings.bin_slot;
        let (slot, loading) = match &mut self.state {
            State::Staff {
                task: StaffTask::Restock { slot, phase: RestockPhase::Loading { item, seen_empty, .. } },
                ..
            } => {
                *seen_empty = *seen_empty || !self.kiosk.sensors.get(slot).is_some_and(|s| s.item_present);
                (*slot, item.is_some())
            }
            State::Staff { task: StaffTask::Unload { phase: UnloadPhase::Open }, .. } => {
                if !self.kiosk.sensor(bin).door_open {
                    self.finish_unload(fx);
                }
                return;
            }
            _ => return,
        };
        let sensor = self.kiosk.sensor(slot);
        if !sensor.door_open && (sensor.item_present || !loading) {
            // Closed: with the scanned book in, or closed empty-handed.
            self.finish_restock(false, fx);
        }
    }

    pub(super) fn staff_tick(&mut self, fx: &mut Vec<Effect>) {
        if self.staff_task_deadline_passed() {
            self.finish_restock(true, fx);
        }
    }

    fn staff_task_deadline_passed(&self) -> bool {
        matches!(&self.state, State::Staff { task, .. } if task.deadline().is_some_and(|d| self.now >= d))
    }

    /// Close a restock: a scanned book that the sensor saw go in (empty,
    /// then a book) completes it, anything else cancels it.
    fn finish_restock(&mut self, gave_up: bool, fx: &mut Vec<Effect>) {
        let State::Staff {
            task: StaffTask::Restock { slot, phase: RestockPhase::Loading { intent, item, seen_empty, .. } },
            ..
        } = &self.state
        else {
            return;
        };
        let (slot, intent, item) = (*slot, *intent, item.clone());
        let present = *seen_empty && self.kiosk.seen(slot);
        let completed = match item {
            Some(item) if present => {
                fx.push(Effect::CompleteIntent { intent, event: EventBody::Restock { item_id: item.clone(), slot } });
                for s in self.kiosk.slots.values_mut() {
                    if s.item.as_ref() == Some(&item) {
                        s.item = None;
                    }
                }
                if let Some(s) = self.kiosk.slots.get_mut(&slot) {
                    s.item = Some(item);
                }
                true
            }
            _ => {
                let note = if gave_up { "restock abandoned" } else { "door closed without a scanned book" };
                fx.push(Effect::CancelIntent { intent, note: note.into(), events: vec![] });
                false
            }
        };
        if let Some((_, StaffTask::Restock { phase, .. })) = self.staff_task_mut() {
            *phase = RestockPhase::Closing { intent, completed };
        }
    }

    pub(super) fn staff_intent_closed(&mut self, id: IntentId) {
        let Some((_, task)) = self.staff_task_mut() else { return };
        let StaffTask::Restock { slot, phase: RestockPhase::Closing { intent, completed } } = task else { return };
        if *intent != id {
            return;
        }
        let key = if *completed { NoticeKey::Restocked } else { NoticeKey::RestockCancelled };
        let slot = *slot;
        *task = StaffTask::Menu;
        self.last_activity = self.now;
        self.notice = Some(Notice::new(key).slot(slot));
    }

    pub(super) fn start_unload(&mut self, fx: &mut Vec<Effect>) {
        if self.staff_menu().is_none() {
            return;
        }
        fx.push(Effect::OpenSlot(self.settings.bin_slot));
        fx.push(Effect::LoadBinTransit);
        if let Some((_, task)) = self.staff_task_mut() {
            *task = StaffTask::Unload { phase: UnloadPhase::Opening };
        }
    }

    /// The bin's books that go elsewhere, for the unload's transit list.
    pub(super) fn on_bin_transit(&mut self, books: Vec<crate::store::BinBook>) {
        self.kiosk.bin_transit = books;
    }

    fn finish_unload(&mut self, fx: &mut Vec<Effect>) {
        let Some(staff_id) = self.staff_id() else { return };
        fx.push(Effect::UnloadBin { staff_id });
        if let Some((_, task)) = self.staff_task_mut() {
            *task = StaffTask::Unload { phase: UnloadPhase::Saving };
        }
    }

    pub(super) fn on_bin_unloaded(&mut self, items: Vec<ItemId>) {
        self.kiosk.bin_items.retain(|i| !items.contains(i));
        self.kiosk.bin_transit.retain(|b| !items.contains(&b.item_id));
        self.last_activity = self.now;
        if let Some((_, task @ StaffTask::Unload { .. })) = self.staff_task_mut() {
            *task = StaffTask::Menu;
            self.notice = Some(Notice::new(NoticeKey::BinUnloaded).title(&items.len().to_string()));
        }
    }

    pub(super) fn staff_open(&mut self, slot: SlotNo, fx: &mut Vec<Effect>) {
        let Some(staff_id) = self.staff_menu() else { return };
        if !self.kiosk.slots.contains_key(&slot) {
            self.notice = Some(Notice::new(NoticeKey::NoSuchSlot).slot(slot));
            return;
        }
        fx.push(self.event(EventBody::StaffDoorOpened { slot, staff_id }));
        fx.push(Effect::OpenSlot(slot));
        if let Some((_, task)) = self.staff_task_mut() {
            *task = StaffTask::Opening { slot };
        }
    }

    pub(super) fn set_out_of_service(&mut self, slot: Option<SlotNo>, value: bool, fx: &mut Vec<Effect>) {
        let confirmed = matches!(&self.state, State::Staff { task: StaffTask::ConfirmKioskOutOfService, .. });
        let Some(staff_id) = self.staff_menu() else { return };
        // The whole kiosk goes out of service only once staff said yes to it.
        if slot.is_none() && value && !confirmed {
            if let Some((_, task)) = self.staff_task_mut() {
                *task = StaffTask::ConfirmKioskOutOfService;
            }
            return;
        }
        if let Some((_, task @ StaffTask::ConfirmKioskOutOfService)) = self.staff_task_mut() {
            *task = StaffTask::Menu;
        }
        let event = EventBody::OutOfService { slot, out_of_service: value, staff_id };
        match slot {
            Some(slot) => {
                let Some(s) = self.kiosk.slots.get_mut(&slot) else {
                    self.notice = Some(Notice::new(NoticeKey::NoSuchSlot).slot(slot));
                    return;
                };
                s.out_of_service = value;
                fx.push(Effect::SetSlotOutOfService { slot, value, event });
            }
            None => {
                self.kiosk.out_of_service = value;
                fx.push(Effect::SetKioskOutOfService { value, event });
            }
        }
    }

    pub(super) fn clear_fault(&mut self, slot: SlotNo, fx: &mut Vec<Effect>) {
        if self.staff_menu().is_none() {
            return;
        }
        if let Some(s) = self.kiosk.slots.get_mut(&slot) {
            s.fault = None;
            fx.push(Effect::SetSlotFault { slot, fault: None });
        }
    }

    pub(super) fn show_outbox(&mut self, fx: &mut Vec<Effect>) {
        if self.staff_menu().is_none() {
            return;
        }
        fx.push(Effect::LoadOutbox);
        if let Some((_, task)) = self.staff_task_mut() {
            *task = StaffTask::Outbox { stats: None, recent: Vec::new() };
        }
    }

    /// "Sync now" on the outbox screen: wake the sync worker, then show the
    /// outbox again.
    pub(super) fn sync_now(&mut self, fx: &mut Vec<Effect>) {
        if self.staff_menu().is_none() {
            return;
        }
        fx.push(Effect::SyncNow);
        self.show_outbox(fx);
    }

    pub(super) fn on_outbox_loaded(&mut self, new_stats: OutboxSummary, mut new_recent: Vec<OutboxLine>) {
        // Each row names its book by title where this kiosk has it.
        for line in &mut new_recent {
            line.title = line
                .item_id
                .as_deref()
                .and_then(|id| self.kiosk.items.get(&ItemId::new(id)))
                .map(|item| item.title.clone());
        }
        if let Some((_, StaffTask::Outbox { stats, recent })) = self.staff_task_mut() {
            *stats = Some(new_stats);
            *recent = new_recent;
        }
    }
}

/// The inventory audit and the kiosk-wide confirm.
impl Engine {
    /// "Yes" on the confirm screen: the whole kiosk out of service.
    pub(super) fn staff_confirm(&mut self, fx: &mut Vec<Effect>) {
        if matches!(&self.state, State::Staff { task: StaffTask::ConfirmKioskOutOfService, .. }) {
            self.set_out_of_service(None, true, fx);
        } else {
            self.notice = Some(Notice::new(NoticeKey::NotNow));
        }
    }

    /// Start the audit with a fresh reading of every sensor: the mirror
    /// may be older than the last time someone opened a door.
    pub(super) fn start_audit(&mut self, fx: &mut Vec<Effect>) {
        if self.staff_menu().is_none() {
            return;
        }
        fx.push(Effect::ReadAllSensors);
        if let Some((_, task)) = self.staff_task_mut() {
            *task = StaffTask::Audit { report: None };
        }
    }

    /// The answer to [`Effect::ReadAllSensors`]: the mirror brought up to
    /// date, then, for an audit waiting for it, every locker compared with
    /// its record and the result sent to the district (clean or not).
    pub(super) fn on_all_sensors(&mut self, result: Result<Vec<SlotStatus>, String>, fx: &mut Vec<Effect>) {
        let waiting = matches!(&self.state, State::Staff { task: StaffTask::Audit { report: None }, .. });
        let readings = match result {
            Ok(readings) => readings,
            Err(message) => {
                tracing::warn!(%message, "the locker board did not answer the audit's reading");
                if waiting {
                    self.notice = Some(Notice::new(NoticeKey::AuditNotPossible));
                    if let Some((_, task)) = self.staff_task_mut() {
                        *task = StaffTask::Menu;
                    }
                }
                return;
            }
        };
        let changed = self.sensor_changes(&readings);
        self.on_sensor_changes(&changed, fx);
        let Some(staff_id) = self.staff_id().filter(|_| waiting) else { return };
        // This reading, not the mirror: a locker a silent board left out is
        // not read, whatever it said before.
        let read: std::collections::BTreeMap<SlotNo, Reading> =
            readings.iter().map(|r| (SlotNo(r.slot), reading(r))).collect();
        let report = audit::audit(
            self.kiosk
                .slots
                .values()
                .filter(|s| s.kind == SlotKind::Locker)
                .map(|s| (s.no, self.kiosk.record(s), read.get(&s.no).copied())),
        );
        let mismatches = report.lines.iter().filter(|l| l.finding.is_mismatch()).count();
        tracing::info!(
            staff = %staff_id,
            lockers = report.lockers,
            mismatches,
            unchecked = report.lines.len() - mismatches,
            "inventory audit"
        );
        fx.push(self.event(EventBody::InventoryAudit {
            staff_id,
            lockers: report.lockers,
            lines: report.lines.clone(),
        }));
        self.last_activity = self.now;
        if let Some((_, task)) = self.staff_task_mut() {
            *task = StaffTask::Audit { report: Some(report) };
        }
    }
}

fn reading(s: &SlotStatus) -> Reading {
    Reading { door_open: s.door_open, item_present: s.item_present }
}

impl Kiosk {
    /// What the kiosk's record says `slot` holds.
    pub(super) fn record(&self, slot: &Slot) -> Record {
        match &slot.item {
            None => Record::Empty,
            Some(id) if self.items.get(id).is_some_and(|i| i.hold_for.is_some()) => Record::Hold(id.clone()),
            Some(id) => Record::Book(id.clone()),
        }
    }

    /// The last reading of a slot's sensors, if the board ever gave one.
    pub(super) fn reading(&self, slot: SlotNo) -> Option<Reading> {
        self.sensors.get(&slot).map(reading)
    }

    /// A locker that differs from its record, for the staff map; a door
    /// open or a locker not read is not a difference yet.
    pub(super) fn finding(&self, slot: &Slot) -> Option<Finding> {
        let finding = audit::check(&self.record(slot), self.reading(slot.no))?;
        (slot.kind == SlotKind::Locker && finding.is_mismatch()).then_some(finding)
    }
}

#[cfg(test)]
mod tests {
    //! The audit, the kiosk-wide confirm and the restock refusals, step by
    //! step on the core alone.

    use super::*;
    use crate::domain::{Item, PatronId};
    use crate::engine::input::{Action, Input};
    use crate::engine::view::{AuditLineView, AuditView, StaffView};
    use crate::engine::{EngineSettings, Snapshot};

    const T0: Timestamp = Timestamp(1_795_900_000_000);

    fn item(id: &str, title: &str, hold: bool) -> Item {
        Item {
            id: ItemId::new(id),
            title: title.into(),
            author: "-".into(),
            category: "-".into(),
            category_en: None,
            cover_url: None,
            hold_for: hold.then(|| PatronId::new("1000004")),
        }
    }

    fn locker(no: u16, item: Option<&str>) -> Slot {
        Slot { no: SlotNo(no), kind: SlotKind::Locker, item: item.map(ItemId::new), out_of_service: false, fault: None }
    }

    fn shut(slot: u16, item_present: bool) -> SlotStatus {
        SlotStatus { slot, door_open: false, item_present, drop_count: 0 }
    }

    /// Locker 1 holds a book, 2 is empty, 3 a hold copy, 4 another book, 5
    /// is empty; 41 is the bin. The sensors agree with the record.
    fn cabinet() -> (Engine, Vec<SlotStatus>) {
        let settings = EngineSettings::from_config(&crate::config::Config::demo(std::path::Path::new("/nonexistent")));
        let bin = Slot { no: SlotNo(41), kind: SlotKind::ReturnBin, item: None, out_of_service: false, fault: None };
        let sensors =
            vec![shut(1, true), shut(2, false), shut(3, true), shut(4, true), shut(5, false), shut(41, false)];
        let snapshot = Snapshot {
            items: vec![item("MP0001", "홍길동전", false), item("MP0003", "토지", true), item("MP0004", "무정", false)],
            slots: vec![
                locker(1, Some("MP0001")),
                locker(2, None),
                locker(3, Some("MP0003")),
                locker(4, Some("MP0004")),
                locker(5, None),
                bin,
            ],
            sensors: sensors.clone(),
            ..Snapshot::default()
        };
        let mut e = Engine::new(settings, snapshot, T0);
        let _ = e.handle(Input::CardTapped(crate::config::DEMO_STAFF_CARD.into()), T0);
        let fx = act(&mut e, Action::StaffPin { pin: crate::config::DEMO_STAFF_PIN.into() });
        let Some(Effect::VerifyStaffPin { staff_id, .. }) = fx.first() else { panic!("no PIN check: {fx:?}") };
        let _ = e.handle(Input::StaffPinChecked { staff_id: staff_id.clone(), right: true }, T0);
        assert_eq!(staff(&e).task, StaffStep::Menu);
        (e, sensors)
    }

    fn act(e: &mut Engine, action: Action) -> Vec<Effect> {
        e.handle(Input::Action(action), T0)
    }

    fn staff(e: &Engine) -> StaffView {
        e.view().staff.unwrap_or_else(|| panic!("not on the staff screen: {:?}", e.view()))
    }

    fn staff_id(e: &Engine) -> StaffId {
        staff(e).staff_id
    }

    /// The audit asks for a fresh reading, then sends its result.
    fn audit(e: &mut Engine, readings: Vec<SlotStatus>) -> Vec<Effect> {
        assert_eq!(act(e, Action::Audit), vec![Effect::ReadAllSensors]);
        assert_eq!(staff(e).task, StaffStep::AuditReading);
        e.handle(Input::AllSensors(Ok(readings)), T0)
    }

    #[test]
    fn a_clean_cabinet_is_audited_and_the_district_told() {
        let (mut e, sensors) = cabinet();
        let fx = audit(&mut e, sensors);
        let event = EventBody::InventoryAudit { staff_id: staff_id(&e), lockers: 5, lines: vec![] };
        assert_eq!(fx, vec![Effect::AppendEvent { event, offline: false }]);
        let view = staff(&e);
        assert_eq!(view.task, StaffStep::Audit);
        assert_eq!(view.audit, Some(AuditView { lockers: 5, lines: vec![] }));
        assert!(view.slots.iter().all(|s| s.finding.is_none()), "{:?}", view.slots);
    }

    #[test]
    fn every_kind_of_mismatch_is_listed_with_its_book() {
        let (mut e, _) = cabinet();
        // 1: its book gone; 2: a book nobody restocked; 3: the hold copy
        // gone; 4: the door open; 5: not reported by the board.
        let readings = vec![
            shut(1, false),
            shut(2, true),
            shut(3, false),
            SlotStatus { slot: 4, door_open: true, item_present: true, drop_count: 0 },
            shut(41, false),
        ];
        let fx = audit(&mut e, readings);
        let line = |slot, finding, item: Option<&str>| audit::AuditLine {
            slot: SlotNo(slot),
            finding,
            item_id: item.map(ItemId::new),
        };
        let lines = vec![
            line(1, Finding::BookMissing, Some("MP0001")),
            line(2, Finding::UnregisteredBook, None),
            line(3, Finding::HoldMissing, Some("MP0003")),
            line(4, Finding::DoorOpen, Some("MP0004")),
            line(5, Finding::NotRead, None),
        ];
        let event = EventBody::InventoryAudit { staff_id: staff_id(&e), lockers: 5, lines };
        assert_eq!(fx, vec![Effect::AppendEvent { event, offline: false }]);
        let audit = staff(&e).audit.expect("the audit shows");
        let shown: Vec<(u16, Finding, Option<String>)> =
            audit.lines.iter().map(|l: &AuditLineView| (l.slot.0, l.finding, l.title.clone())).collect();
        assert_eq!(
            shown,
            vec![
                (1, Finding::BookMissing, Some("홍길동전".into())),
                (2, Finding::UnregisteredBook, None),
                (3, Finding::HoldMissing, Some("토지".into())),
                (4, Finding::DoorOpen, Some("무정".into())),
                (5, Finding::NotRead, None),
            ]
        );
        // The map marks the differences, not the doors it could not check.
        let marked: Vec<(u16, Finding)> =
            staff(&e).slots.iter().filter_map(|s| s.finding.map(|f| (s.slot.0, f))).collect();
        assert_eq!(marked, vec![(1, Finding::BookMissing), (2, Finding::UnregisteredBook), (3, Finding::HoldMissing)]);
    }

    #[test]
    fn a_silent_board_audits_nothing_and_says_so() {
        let (mut e, _) = cabinet();
        let _ = act(&mut e, Action::Audit);
        let fx = e.handle(Input::AllSensors(Err("no answer".into())), T0);
        assert!(fx.is_empty(), "no audit event for an audit not made: {fx:?}");
        assert_eq!(staff(&e).task, StaffStep::Menu);
        assert_eq!(e.view().notice.map(|n| n.key), Some(NoticeKey::AuditNotPossible));
    }

    #[test]
    fn the_whole_kiosk_goes_out_of_service_only_after_a_confirm() {
        let (mut e, _) = cabinet();
        let ask = Action::SetOutOfService { slot: None, value: true };
        assert!(act(&mut e, ask.clone()).is_empty());
        assert_eq!(staff(&e).task, StaffStep::ConfirmKioskOutOfService);
        assert!(act(&mut e, Action::Back).is_empty());
        assert_eq!((staff(&e).task, staff(&e).kiosk_out_of_service), (StaffStep::Menu, false));
        let _ = act(&mut e, ask);
        let fx = act(&mut e, Action::Confirm);
        assert!(matches!(fx.as_slice(), [Effect::SetKioskOutOfService { value: true, .. }]), "{fx:?}");
        assert_eq!((staff(&e).task, staff(&e).kiosk_out_of_service), (StaffStep::Menu, true));
        // Back in service needs no confirm; one locker neither.
        let fx = act(&mut e, Action::SetOutOfService { slot: None, value: false });
        assert!(matches!(fx.as_slice(), [Effect::SetKioskOutOfService { value: false, .. }]), "{fx:?}");
        let fx = act(&mut e, Action::SetOutOfService { slot: Some(SlotNo(2)), value: true });
        assert!(matches!(fx.as_slice(), [Effect::SetSlotOutOfService { value: true, .. }]), "{fx:?}");
    }

    #[test]
    fn a_restock_refusal_names_the_book_and_an_unregistered_book_may_be_restocked() {
        let (mut e, _) = cabinet();
        assert!(act(&mut e, Action::Restock { slot: SlotNo(1) }).is_empty());
        let notice = e.view().notice.expect("a refusal");
        assert_eq!(
            (notice.key, notice.slot, notice.title.as_deref()),
            (NoticeKey::RestockNeedsEmptyLocker, Some(SlotNo(1)), Some("홍길동전"))
        );
        assert!(act(&mut e, Action::Restock { slot: SlotNo(41) }).is_empty());
        assert_eq!(e.view().notice.map(|n| n.key), Some(NoticeKey::RestockNotALocker));
        // A book in locker 2, which the record says is empty.
        let _ = e.handle(Input::Sensors(vec![shut(2, true)]), T0);
        let fx = act(&mut e, Action::Restock { slot: SlotNo(2) });
        assert!(matches!(fx.as_slice(), [Effect::BeginIntent(IntentSpec { slot: SlotNo(2), .. })]), "{fx:?}");
    }
}
