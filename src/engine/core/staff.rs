//! Maintenance mode: staff card and PIN, then restock a locker (open, scan,
//! close), unload the return bin, open any door, take a locker or the whole
//! kiosk out of service, clear a fault, look at the outbox.

use super::{Engine, State};
use crate::domain::IntentId;
use crate::domain::{EventBody, IntentKind, ItemId, RefusalReason, Secret, SlotKind, SlotNo, Timestamp};
use crate::engine::effect::{Effect, IntentSpec};
use crate::engine::view::{Notice, NoticeKey, OutboxLine, OutboxSummary, StaffStep};
use bookstation_hardware::ErrorKind;

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
        matches!(self, Self::Menu | Self::Outbox { .. })
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

    fn staff_id(&self) -> Option<String> {
        match &self.state {
            State::Staff { staff_id, .. } => Some(staff_id.clone()),
            _ => None,
        }
    }

    /// Staff actions are only taken from the staff menu.
    fn staff_menu(&mut self) -> Option<String> {
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
            self.state = State::Refusal { reason: RefusalReason::PinLocked };
            return;
        }
        if let State::StaffPin { checking, .. } = &mut self.state {
            *checking = true;
        }
        fx.push(Effect::VerifyStaffPin { staff_id, pin });
    }

    /// The answer to [`Effect::VerifyStaffPin`].
    pub(super) fn on_staff_pin_checked(&mut self, checked_id: &str, right: bool, fx: &mut Vec<Effect>) {
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
            self.state = State::Refusal { reason: RefusalReason::PinLocked };
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
    pub(super) fn staff_card(&mut self, staff_id: String) {
        let locked = self.staff_throttles.get(&staff_id).is_some_and(|t| t.is_locked(self.now));
        let failures = self.staff_throttles.get(&staff_id).map_or(0, |t| t.failures);
        self.start_fresh();
        self.state = if locked {
            State::Refusal { reason: RefusalReason::PinLocked }
        } else {
            State::StaffPin { staff_id, failures, checking: false }
        };
    }

    pub(super) fn staff_back(&mut self, fx: &mut Vec<Effect>) {
        match &self.state {
            State::Staff { task: StaffTask::Menu, .. } => self.end_session(),
            State::Staff { task: StaffTask::Outbox { .. }, .. } => {
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
        // A locker whose recorded book is missing may be restocked too.
        let ok = self.kiosk.slots.get(&slot).is_some_and(|s| {
            s.kind == SlotKind::Locker && (s.item.is_none() || self.kiosk.missing_books().any(|m| m.no == slot))
        });
        if !ok {
            self.notice = Some(Notice::new(NoticeKey::RestockNeedsEmptyLocker).slot(slot));
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
        if let Some((_, task)) = self.staff_task_mut() {
            *task = StaffTask::Unload { phase: UnloadPhase::Opening };
        }
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
        let Some(staff_id) = self.staff_menu() else { return };
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

    pub(super) fn on_outbox_loaded(&mut self, new_stats: OutboxSummary, new_recent: Vec<OutboxLine>) {
        if let Some((_, StaffTask::Outbox { stats, recent })) = self.staff_task_mut() {
            *stats = Some(new_stats);
            *recent = new_recent;
        }
    }
}
