//! Returns, one book at a time and without a card: scan the book, the bin
//! opens, the book goes down the chute, the door closes, the return is
//! recorded, and the screen offers the next one.

use super::{Engine, State};
use crate::domain::IntentId;
use crate::domain::rules::{self, ReturnCheck};
use crate::domain::{AlarmKind, EventBody, IntentKind, ItemId, Timestamp};
use crate::engine::effect::{Effect, IntentSpec};
use crate::engine::view::{Notice, NoticeKey};
use bookstation_hardware::ErrorKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnPhase {
    /// Waiting for a book at the scanner.
    Scan,
    Committing {
        item: ItemId,
    },
    Opening {
        intent: IntentId,
        item: ItemId,
    },
    Waiting {
        intent: IntentId,
        item: ItemId,
        deadline: Timestamp,
        drops_at_start: u32,
        dropped: bool,
    },
    Closing {
        intent: IntentId,
        item: ItemId,
        completed: bool,
    },
}

/// One visit to the return screen.
#[derive(Debug, Clone)]
pub struct ReturnFlow {
    pub(super) phase: ReturnPhase,
    /// Titles returned so far in this visit.
    pub(super) returned: Vec<String>,
}

impl ReturnFlow {
    /// Waiting at the scanner, with no door open.
    pub(super) fn is_idle(&self) -> bool {
        self.phase == ReturnPhase::Scan
    }

    pub(super) fn deadline(&self) -> Option<Timestamp> {
        match self.phase {
            ReturnPhase::Waiting { deadline, .. } => Some(deadline),
            _ => None,
        }
    }

    /// While the bin's door waits: each second, so the countdown moves.
    pub(super) fn next_tick(&self, now: Timestamp) -> Option<Timestamp> {
        self.deadline().map(|deadline| now.next_second_toward(deadline))
    }
}

impl Engine {
    /// "More time" while the bin's door waits for the book: its full time again.
    pub(super) fn return_more_time(&mut self) {
        let full = self.now.plus_millis(self.settings.return_timeout_ms);
        if let State::Return(flow) = &mut self.state
            && let ReturnPhase::Waiting { deadline, .. } = &mut flow.phase
        {
            *deadline = full;
        }
    }

    pub(super) fn start_return(&mut self) {
        match &self.state {
            State::Attract | State::Home | State::Refusal { .. } => {
                if self.patron.is_none() {
                    self.start_fresh();
                }
                self.last_activity = self.now;
                self.state = State::Return(ReturnFlow { phase: ReturnPhase::Scan, returned: Vec::new() });
            }
            State::Return(_) => {}
            _ => self.notice = Some(Notice::new(NoticeKey::NotNow)),
        }
    }

    pub(super) fn return_scan(&mut self, item: ItemId, fx: &mut Vec<Effect>) {
        self.last_activity = self.now;
        let bin = self.settings.bin_slot;
        let check = ReturnCheck {
            belongs_here: self.kiosk.items.contains_key(&item),
            already_here: self.kiosk.slot_of(&item).is_some() || self.kiosk.bin_items.contains(&item),
            bin_count: u32::try_from(self.kiosk.bin_items.len()).unwrap_or(u32::MAX),
            bin_capacity: self.settings.bin_capacity,
            bin_usable: self.kiosk.slots.get(&bin).is_some_and(|s| !s.out_of_service && s.fault.is_none()),
        };
        if let Err(refusal) = rules::can_return(check) {
            self.notice = Some(Notice::new(NoticeKey::Refusal(refusal.reason)));
            return;
        }
        let offline = !self.is_online();
        let State::Return(flow) = &mut self.state else { return };
        fx.push(Effect::BeginIntent(IntentSpec {
            kind: IntentKind::Return,
            slot: bin,
            item: Some(item.clone()),
            patron: None,
            hold_id: None,
            offline,
            drops_at_start: Some(self.kiosk.sensor(bin).drop_count),
        }));
        flow.phase = ReturnPhase::Committing { item };
    }

    pub(super) fn return_intent_begun(&mut self, id: IntentId, fx: &mut Vec<Effect>) {
        let State::Return(flow) = &mut self.state else { return };
        let ReturnPhase::Committing { item } = &flow.phase else { return };
        flow.phase = ReturnPhase::Opening { intent: id, item: item.clone() };
        fx.push(Effect::OpenSlot(self.settings.bin_slot));
    }

    pub(super) fn return_slot_opened(&mut self, result: Result<(), (ErrorKind, String)>, fx: &mut Vec<Effect>) {
        let bin = self.settings.bin_slot;
        let deadline = self.now.plus_millis(self.settings.return_timeout_ms);
        let drops_at_start = self.kiosk.sensor(bin).drop_count;
        let State::Return(flow) = &mut self.state else { return };
        let ReturnPhase::Opening { intent, item } = flow.phase.clone() else { return };
        match result {
            Ok(()) => {
                flow.phase = ReturnPhase::Waiting { intent, item, deadline, drops_at_start, dropped: false };
                self.return_check(fx);
            }
            Err((kind, message)) => {
                tracing::warn!(slot = bin.0, ?kind, %message, "return bin did not open");
                let fault = format!("door did not open: {message}");
                fx.push(Effect::SetSlotFault { slot: bin, fault: Some(fault.clone()) });
                fx.push(Effect::CancelIntent {
                    intent,
                    note: fault.clone(),
                    events: vec![EventBody::Alarm { alarm: AlarmKind::DoorJammed, slot: Some(bin), item_id: None }],
                });
                flow.phase = ReturnPhase::Closing { intent, item, completed: false };
                self.notice = Some(Notice::new(NoticeKey::ReturnBinBroken));
                if let Some(slot) = self.kiosk.slots.get_mut(&bin) {
                    slot.fault = Some(fault);
                }
            }
        }
    }

    /// Sensors changed: has a book gone down the chute and the door shut?
    pub(super) fn return_check(&mut self, fx: &mut Vec<Effect>) {
        let sensor = self.kiosk.sensor(self.settings.bin_slot);
        let State::Return(flow) = &mut self.state else { return };
        let ReturnPhase::Waiting { intent, item, drops_at_start, dropped, .. } = &mut flow.phase else { return };
        *dropped = *dropped || sensor.drop_count != *drops_at_start;
        if *dropped && !sensor.door_open {
            let (intent, item) = (*intent, item.clone());
            self.complete_return(intent, item, fx);
        }
    }

    pub(super) fn return_tick(&mut self, fx: &mut Vec<Effect>) {
        let bin = self.settings.bin_slot;
        let sensor = self.kiosk.sensor(bin);
        let State::Return(flow) = &mut self.state else { return };
        let ReturnPhase::Waiting { intent, item, deadline, dropped, .. } = flow.phase.clone() else { return };
        if self.now < deadline {
            return;
        }
        let door_alarm = sensor.door_open.then_some(EventBody::Alarm {
            alarm: AlarmKind::DoorLeftOpen,
            slot: Some(bin),
            item_id: Some(item.clone()),
        });
        if dropped {
            self.complete_return(intent, item, fx);
            fx.extend(door_alarm.map(|alarm| self.event(alarm)));
        } else {
            fx.push(Effect::CancelIntent {
                intent,
                note: "no book put in before the timeout".into(),
                events: door_alarm.into_iter().collect(),
            });
            flow.phase = ReturnPhase::Closing { intent, item, completed: false };
            self.notice = Some(Notice::new(NoticeKey::ReturnCancelled));
        }
        if sensor.door_open {
            self.kiosk.left_open.insert(bin);
            self.notice = Some(Notice::new(NoticeKey::CloseDoor).slot(bin));
        }
    }

    fn complete_return(&mut self, intent: IntentId, item: ItemId, fx: &mut Vec<Effect>) {
        fx.push(Effect::CompleteIntent { intent, event: EventBody::Return { item_id: item.clone() } });
        self.kiosk.bin_items.push(item.clone());
        if let Some(patron) = self.patron.as_mut() {
            patron.returned(&item, &self.settings, self.now);
        }
        if let State::Return(flow) = &mut self.state {
            flow.phase = ReturnPhase::Closing { intent, item, completed: true };
        }
    }

    pub(super) fn return_intent_closed(&mut self, id: IntentId) {
        let title = match &self.state {
            State::Return(ReturnFlow { phase: ReturnPhase::Closing { intent, item, completed }, .. })
                if *intent == id =>
            {
                completed.then(|| self.kiosk.title(item))
            }
            _ => return,
        };
        self.last_activity = self.now;
        if let State::Return(flow) = &mut self.state {
            flow.phase = ReturnPhase::Scan;
            if let Some(title) = title {
                self.notice = Some(Notice::new(NoticeKey::Returned).title(&title));
                flow.returned.push(title);
            }
        }
    }
}
