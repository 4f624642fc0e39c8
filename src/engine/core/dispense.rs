//! Lending and hold pickup, one book at a time: commit the intent, open the
//! door, wait for the book to leave and the door to close, commit the loan.
//! A book not taken in time is cancelled; a door that does not open marks
//! its locker faulty and lends nothing. The next book's door opens only
//! once the last one is shut, so no two doors stand open at once; the
//! patron sees the seconds left, is warned before the end and may ask for
//! more time.

use super::{Engine, State};
use crate::domain::IntentId;
use crate::domain::{AlarmKind, EventBody, IntentKind, ItemId, SlotNo, Timestamp};
use crate::engine::effect::{Effect, IntentSpec};
use crate::engine::view::{Notice, NoticeKey, Problem, ReceiptLine, ReceiptOptions, ReceiptVia};
use bookstation_hardware::ErrorKind;

/// One book to hand out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub item: ItemId,
    pub slot: SlotNo,
    pub title: String,
    /// Set for a hold pickup.
    pub hold_id: Option<String>,
}

/// Where the current book is in its sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// The intent is being written; the door stays shut until it is.
    Committing,
    Opening {
        intent: IntentId,
    },
    Waiting {
        intent: IntentId,
        deadline: Timestamp,
        taken: bool,
    },
    /// The loan or the cancellation is being written.
    Closing {
        intent: IntentId,
        line: ReceiptLine,
    },
    /// The last book's door still stands open: the next door waits for it.
    AwaitingShut {
        /// The open locker, and the book that was in it.
        last: Pick,
        deadline: Timestamp,
    },
}

/// The warning before a door's time runs out, with "more time" (WCAG
/// 2.2.1 asks for at least 20 seconds to ask for it).
pub const WARNING_MS: i64 = 20_000;

/// A waiting door's last seconds, when the screen offers "more time".
pub(super) fn in_warning(seconds_left: Option<u32>) -> bool {
    seconds_left.is_some_and(|s| i64::from(s) * 1000 <= WARNING_MS)
}

/// The books of one confirmation, handed out in order.
#[derive(Debug, Clone)]
pub struct Dispense {
    pub(super) picks: Vec<Pick>,
    pub(super) index: usize,
    pub(super) phase: Phase,
    pub(super) lines: Vec<ReceiptLine>,
}

impl Dispense {
    pub(super) fn new(picks: Vec<Pick>) -> Self {
        Self { picks, index: 0, phase: Phase::Committing, lines: Vec::new() }
    }

    pub(super) fn current(&self) -> Option<&Pick> {
        self.picks.get(self.index)
    }

    /// When the engine must look again: each second while a door waits
    /// (the countdown shows), and at its deadline.
    pub(super) fn next_tick(&self, now: Timestamp) -> Option<Timestamp> {
        match &self.phase {
            Phase::Waiting { deadline, .. } | Phase::AwaitingShut { deadline, .. } => {
                Some(now.next_second_toward(*deadline))
            }
            _ => None,
        }
    }
}

fn line(pick: &Pick, due_date: Option<String>, problem: Option<Problem>) -> ReceiptLine {
    ReceiptLine {
        item_id: pick.item.to_string(),
        title: pick.title.clone(),
        slot: pick.slot,
        due_date,
        due_confirmed: false,
        library_message: None,
        problem,
    }
}

impl Engine {
    pub(super) fn start_dispense(&mut self, dispense: Dispense, fx: &mut Vec<Effect>) {
        if dispense.picks.is_empty() {
            self.notice = Some(Notice::new(NoticeKey::NothingToDispense));
            self.go_home();
            return;
        }
        self.state = State::Dispensing(dispense);
        self.begin_pick(fx);
    }

    /// Start the current book, skipping any whose locker stopped working.
    fn begin_pick(&mut self, fx: &mut Vec<Effect>) {
        loop {
            let State::Dispensing(d) = &mut self.state else { return };
            let Some(pick) = d.current().cloned() else {
                let lines = std::mem::take(&mut d.lines);
                self.finish_dispense(lines);
                return;
            };
            let usable =
                self.kiosk.slots.get(&pick.slot).is_some_and(|s| s.usable() && s.item == Some(pick.item.clone()));
            if !usable {
                d.lines.push(line(&pick, None, Some(Problem::LockerUnavailable)));
                d.index += 1;
                continue;
            }
            if !self.kiosk.seen(pick.slot) {
                // The record says the book is there, the sensor does not:
                // no intent, no door, no loan; staff are told.
                tracing::warn!(slot = pick.slot.0, "locker's sensor sees no book; not dispensed");
                d.lines.push(line(&pick, None, Some(Problem::BookMissing)));
                d.index += 1;
                fx.push(self.event(EventBody::Alarm {
                    alarm: AlarmKind::BookMissing,
                    slot: Some(pick.slot),
                    item_id: Some(pick.item.clone()),
                }));
                continue;
            }
            d.phase = Phase::Committing;
            let patron = self.patron.as_ref();
            fx.push(Effect::BeginIntent(IntentSpec {
                kind: if pick.hold_id.is_some() { IntentKind::HoldPickup } else { IntentKind::Loan },
                slot: pick.slot,
                item: Some(pick.item.clone()),
                patron: patron.map(|p| p.settled.patron_id.clone()),
                hold_id: pick.hold_id.clone(),
                offline: patron.is_some_and(|p| p.offline()),
                drops_at_start: None,
                foreign: None,
            }));
            return;
        }
    }

    /// The library's due date for a book lent in this session, while its
    /// line is still shown (or about to be): it replaces the kiosk's.
    pub(super) fn on_due_date_confirmed(&mut self, item: &ItemId, due_date: String, message: Option<String>) {
        let lines: Vec<&mut ReceiptLine> = match &mut self.state {
            State::Receipt { lines, .. } => lines.iter_mut().collect(),
            State::Dispensing(d) => {
                let closing = match &mut d.phase {
                    Phase::Closing { line, .. } => Some(line),
                    _ => None,
                };
                d.lines.iter_mut().chain(closing).collect()
            }
            _ => return,
        };
        for line in lines {
            if line.item_id == item.as_str() && line.due_date.is_some() {
                line.due_date = Some(due_date.clone());
                line.due_confirmed = true;
                line.library_message.clone_from(&message);
            }
        }
    }

    fn finish_dispense(&mut self, lines: Vec<ReceiptLine>) {
        let until = self.now.plus_millis(self.settings.receipt_ms);
        self.last_activity = self.now;
        self.state = State::Receipt { lines, until, sent: None };
    }

    /// What the receipt screen may offer: printing where a printer is
    /// configured, the phone when the district can text and knows who the
    /// patron is;
    /// nothing when nothing was lent.
    pub(super) fn receipt_options(&self, lines: &[ReceiptLine], sent: Option<ReceiptVia>) -> Option<ReceiptOptions> {
        lines.iter().any(|l| l.due_date.is_some()).then(|| ReceiptOptions {
            print: self.settings.has_printer,
            phone: self.settings.receipt_by_phone && self.patron.is_some(),
            sent,
        })
    }

    /// "Print" or "Send to my phone" on the receipt screen: once, and only
    /// what the screen offered. The screen then stays its full time so the
    /// patron sees it was done.
    pub(super) fn send_receipt(&mut self, via: ReceiptVia, fx: &mut Vec<Effect>) {
        let State::Receipt { lines, sent: None, .. } = &self.state else { return };
        let Some(options) = self.receipt_options(lines, None) else { return };
        let lent: Vec<&ReceiptLine> = lines.iter().filter(|l| l.due_date.is_some()).collect();
        match via {
            ReceiptVia::Print if options.print => fx.push(Effect::PrintReceipt {
                heading: self.settings.kiosk_name.ko.clone(),
                lines: lent
                    .iter()
                    .filter_map(|l| l.due_date.as_ref().map(|due| format!("{} [{}] ~{due}", l.title, l.item_id)))
                    .collect(),
            }),
            ReceiptVia::Phone if options.phone => {
                let Some(patron) = &self.patron else { return };
                let event = EventBody::ReceiptRequested {
                    patron_id: patron.settled.patron_id.clone(),
                    items: lent.iter().map(|l| ItemId(l.item_id.clone())).collect(),
                };
                fx.push(self.event(event));
            }
            _ => return,
        }
        let until = self.now.plus_millis(self.settings.receipt_ms);
        if let State::Receipt { sent, until: shown_until, .. } = &mut self.state {
            *sent = Some(via);
            *shown_until = until;
        }
    }

    pub(super) fn dispense_intent_begun(&mut self, id: IntentId, fx: &mut Vec<Effect>) {
        let State::Dispensing(d) = &mut self.state else { return };
        let (Phase::Committing, Some(pick)) = (&d.phase, d.current()) else { return };
        fx.push(Effect::OpenSlot(pick.slot));
        d.phase = Phase::Opening { intent: id };
    }

    pub(super) fn dispense_slot_opened(&mut self, result: Result<(), (ErrorKind, String)>, fx: &mut Vec<Effect>) {
        let deadline = self.now.plus_millis(self.settings.dispense_timeout_ms);
        let State::Dispensing(d) = &mut self.state else { return };
        let (Phase::Opening { intent }, Some(pick)) = (d.phase.clone(), d.current().cloned()) else { return };
        match result {
            Ok(()) => {
                d.phase = Phase::Waiting { intent, deadline, taken: false };
                self.dispense_check(fx);
            }
            Err((kind, message)) => {
                tracing::warn!(slot = pick.slot.0, ?kind, %message, "locker did not open; no loan recorded");
                let fault = format!("door did not open: {message}");
                fx.push(Effect::SetSlotFault { slot: pick.slot, fault: Some(fault.clone()) });
                fx.push(Effect::CancelIntent {
                    intent,
                    note: fault.clone(),
                    events: vec![EventBody::Alarm {
                        alarm: AlarmKind::DoorJammed,
                        slot: Some(pick.slot),
                        item_id: Some(pick.item.clone()),
                    }],
                });
                d.phase = Phase::Closing { intent, line: line(&pick, None, Some(Problem::DoorDidNotOpen)) };
                if let Some(slot) = self.kiosk.slots.get_mut(&pick.slot) {
                    slot.fault = Some(fault);
                }
            }
        }
    }

    /// The receipt's time, whole again: a patron still reading it.
    pub(super) fn receipt_more_time(&mut self) {
        let full = self.now.plus_millis(self.settings.receipt_ms);
        if let State::Receipt { until, .. } = &mut self.state {
            *until = full;
        }
    }

    /// "More time": the door's full time again, from now.
    pub(super) fn dispense_more_time(&mut self) {
        let full = self.now.plus_millis(self.settings.dispense_timeout_ms);
        let State::Dispensing(d) = &mut self.state else { return };
        if let Phase::Waiting { deadline, .. } | Phase::AwaitingShut { deadline, .. } = &mut d.phase {
            *deadline = full;
        }
    }

    /// Sensors changed: has the book gone and the door shut?
    pub(super) fn dispense_check(&mut self, fx: &mut Vec<Effect>) {
        if let State::Dispensing(d) = &self.state
            && let Phase::AwaitingShut { last, .. } = &d.phase
        {
            if !self.kiosk.sensor(last.slot).door_open {
                self.begin_pick(fx);
            }
            return;
        }
        let State::Dispensing(d) = &self.state else { return };
        let (Phase::Waiting { intent, taken, .. }, Some(pick)) = (&d.phase, d.current()) else { return };
        let sensor = self.kiosk.sensor(pick.slot);
        let taken = *taken || !sensor.item_present;
        let (intent, pick) = (*intent, pick.clone());
        if taken && !sensor.door_open {
            self.complete_pick(intent, &pick, fx);
        } else if let State::Dispensing(d) = &mut self.state
            && let Phase::Waiting { taken: t, .. } = &mut d.phase
        {
            *t = taken;
        }
    }

    /// The dispense timeout: a taken book is lent even with the door open
    /// (the patron has it); an untaken one is cancelled.
    pub(super) fn dispense_tick(&mut self, fx: &mut Vec<Effect>) {
        if let State::Dispensing(d) = &mut self.state
            && let Phase::AwaitingShut { last, deadline } = &d.phase
        {
            if self.now < *deadline {
                return;
            }
            // Nobody shut it: no further door opens beside an open one.
            // The books not yet handed out stay in their lockers.
            tracing::warn!(slot = last.slot.0, "locker door left open; the session's other books stay in");
            self.kiosk.left_open.insert(last.slot);
            self.notice = Some(Notice::new(NoticeKey::CloseDoor).slot(last.slot));
            let rest: Vec<_> = d.picks[d.index..].to_vec();
            d.lines.extend(rest.iter().map(|p| line(p, None, Some(Problem::LastDoorOpen))));
            d.index = d.picks.len();
            let lines = std::mem::take(&mut d.lines);
            self.finish_dispense(lines);
            return;
        }
        let State::Dispensing(d) = &self.state else { return };
        let (Phase::Waiting { intent, deadline, taken }, Some(pick)) = (&d.phase, d.current()) else { return };
        if self.now < *deadline {
            return;
        }
        let (intent, taken, pick) = (*intent, *taken, pick.clone());
        let sensor = self.kiosk.sensor(pick.slot);
        let door_alarm = sensor.door_open.then(|| EventBody::Alarm {
            alarm: AlarmKind::DoorLeftOpen,
            slot: Some(pick.slot),
            item_id: Some(pick.item.clone()),
        });
        if sensor.door_open {
            self.kiosk.left_open.insert(pick.slot);
            tracing::warn!(slot = pick.slot.0, "locker door left open after the dispense timeout");
            self.notice = Some(Notice::new(NoticeKey::CloseDoor).slot(pick.slot));
        }
        if taken || !sensor.item_present {
            self.complete_pick(intent, &pick, fx);
            fx.extend(door_alarm.map(|alarm| self.event(alarm)));
        } else {
            fx.push(Effect::CancelIntent {
                intent,
                note: "book not taken before the timeout".into(),
                events: door_alarm.into_iter().collect(),
            });
            if let State::Dispensing(d) = &mut self.state {
                d.phase = Phase::Closing { intent, line: line(&pick, None, Some(Problem::NotTaken)) };
            }
        }
    }

    fn complete_pick(&mut self, intent: IntentId, pick: &Pick, fx: &mut Vec<Effect>) {
        let Some(patron) = self.patron.as_mut() else { return };
        let due_date = self.now.seoul_date_plus_days(self.settings.loan.loan_days).to_string();
        let patron_id = patron.settled.patron_id.clone();
        let event = EventBody::lending(pick.item.clone(), patron_id, pick.slot, pick.hold_id.clone(), due_date.clone());
        fx.push(Effect::CompleteIntent { intent, event });
        // Mirror the store: the locker is empty, the patron has one more loan.
        patron.lent(&pick.item, pick.hold_id.is_some(), &self.settings, self.now);
        if let Some(slot) = self.kiosk.slots.get_mut(&pick.slot) {
            slot.item = None;
        }
        if let Some(item) = self.kiosk.items.get_mut(&pick.item) {
            item.hold_for = None;
        }
        if let State::Dispensing(d) = &mut self.state {
            d.phase = Phase::Closing { intent, line: line(pick, Some(due_date), None) };
        }
    }

    pub(super) fn dispense_intent_closed(&mut self, id: IntentId, fx: &mut Vec<Effect>) {
        let State::Dispensing(d) = &mut self.state else { return };
        let Phase::Closing { intent, line } = &d.phase else { return };
        if *intent != id {
            return;
        }
        d.lines.push(line.clone());
        let last = d.picks[d.index].clone();
        d.index += 1;
        let more = d.index < d.picks.len();
        if more && self.kiosk.sensor(last.slot).door_open {
            let deadline = self.now.plus_millis(self.settings.dispense_timeout_ms);
            d.phase = Phase::AwaitingShut { last, deadline };
            return;
        }
        self.begin_pick(fx);
    }
}
