//! Returns, one book at a time and without a card: scan the book, the bin
//! opens, the book goes down the chute, the door closes, the return is
//! recorded, and the screen offers the next one. A book that is not this
//! kiosk's is asked of the district first (통합반납): taken when its library
//! will have it back here, named on the screen and on the staff's unload
//! list; never offline, when nobody can say whose it is.

use super::{Engine, State};
use crate::district::ReturnHere;
use crate::domain::IntentId;
use crate::domain::rules::{self, ReturnCheck};
use crate::domain::{AlarmKind, EventBody, ForeignBook, IntentKind, ItemId, RefusalReason, Timestamp};
use crate::engine::effect::{Effect, IntentSpec};
use crate::engine::view::{Notice, NoticeKey};
use bookstation_hardware::ErrorKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnPhase {
    /// Waiting for a book at the scanner.
    Scan,
    /// Another library's book: the district is asked whether it may come back here.
    Asking {
        item: ItemId,
    },
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
    /// The book under way is another library's, as the district accepted it.
    pub(super) foreign: Option<ForeignBook>,
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
        // Out of service means no returns either (the staff confirm says
        // so): the bin's door stays shut.
        if self.kiosk.out_of_service && !matches!(self.state, State::Staff { .. }) {
            self.start_fresh();
            self.state = State::Refusal { reason: RefusalReason::KioskOutOfService, library: None };
            return;
        }
        match &self.state {
            State::Attract | State::Home | State::Refusal { .. } => {
                if self.patron.is_none() {
                    self.start_fresh();
                }
                self.last_activity = self.now;
                self.state =
                    State::Return(ReturnFlow { phase: ReturnPhase::Scan, returned: Vec::new(), foreign: None });
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
        let foreign = !check.belongs_here && !check.already_here && self.settings.accept_other_libraries;
        // Another library's book meets the bin's rules as any book does.
        if let Err(refusal) = rules::can_return(ReturnCheck { belongs_here: check.belongs_here || foreign, ..check }) {
            self.notice = Some(Notice::new(NoticeKey::Refusal(refusal.reason)));
            return;
        }
        if foreign {
            if !self.is_online() {
                // Offline nobody can say whose it is, nor take it back.
                self.notice = Some(Notice::new(NoticeKey::OtherLibraryOffline));
                return;
            }
            let State::Return(flow) = &mut self.state else { return };
            flow.phase = ReturnPhase::Asking { item: item.clone() };
            self.notice = Some(Notice::new(NoticeKey::AskingLibrary));
            fx.push(Effect::AskReturnHere { item });
            return;
        }
        self.begin_return(item, None, fx);
    }

    /// The district's word on another library's book scanned for return.
    pub(super) fn on_return_here(&mut self, item: ItemId, answer: Option<ReturnHere>, fx: &mut Vec<Effect>) {
        let State::Return(flow) = &mut self.state else { return };
        if flow.phase != (ReturnPhase::Asking { item: item.clone() }) {
            return; // a late answer: the patron has moved on
        }
        flow.phase = ReturnPhase::Scan;
        self.last_activity = self.now;
        match answer {
            Some(ReturnHere::Accepted { library, title }) => {
                self.notice = None;
                let title = title.unwrap_or_else(|| item.to_string());
                self.begin_return(item, Some(ForeignBook { library, title }), fx);
            }
            // Held up first thing at the idle screen: the refusal's own
            // screen, which says where such a book goes back; mid-visit, a
            // notice, so the patron's other books go on.
            Some(ReturnHere::Refused { library }) if flow.returned.is_empty() && self.patron.is_none() => {
                self.state = State::Refusal { reason: RefusalReason::ItemNotFromThisKiosk, library };
            }
            Some(ReturnHere::Refused { library: Some(library) }) => {
                self.notice = Some(Notice::new(NoticeKey::ReturnElsewhere).library(&library));
            }
            Some(ReturnHere::Refused { library: None }) => {
                self.notice = Some(Notice::new(NoticeKey::Refusal(RefusalReason::ItemNotFromThisKiosk)));
            }
            None => self.notice = Some(Notice::new(NoticeKey::OtherLibraryOffline)),
        }
    }

    /// The return's intent, for the kiosk's own book or another library's.
    fn begin_return(&mut self, item: ItemId, foreign: Option<ForeignBook>, fx: &mut Vec<Effect>) {
        let bin = self.settings.bin_slot;
        let offline = !self.is_online();
        let drops_at_start = Some(self.kiosk.sensor(bin).drop_count);
        let State::Return(flow) = &mut self.state else { return };
        fx.push(Effect::BeginIntent(IntentSpec {
            kind: IntentKind::Return,
            slot: bin,
            item: Some(item.clone()),
            patron: None,
            hold_id: None,
            offline,
            drops_at_start,
            foreign: foreign.clone(),
        }));
        flow.foreign = foreign;
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
        let library = match &self.state {
            State::Return(flow) => flow.foreign.as_ref().map(|b| b.library.clone()),
            _ => None,
        };
        fx.push(Effect::CompleteIntent { intent, event: EventBody::Return { item_id: item.clone(), library } });
        self.kiosk.bin_items.push(item.clone());
        if let Some(patron) = self.patron.as_mut() {
            patron.returned(&item, &self.settings, self.now);
        }
        if let State::Return(flow) = &mut self.state {
            flow.phase = ReturnPhase::Closing { intent, item, completed: true };
        }
    }

    pub(super) fn return_intent_closed(&mut self, id: IntentId) {
        let (title, foreign) = match &self.state {
            State::Return(ReturnFlow { phase: ReturnPhase::Closing { intent, item, completed }, foreign, .. })
                if *intent == id =>
            {
                let title = foreign.as_ref().map_or_else(|| self.kiosk.title(item), |b| b.title.clone());
                (completed.then_some(title), foreign.clone())
            }
            _ => return,
        };
        self.last_activity = self.now;
        if let State::Return(flow) = &mut self.state {
            flow.phase = ReturnPhase::Scan;
            flow.foreign = None;
            if let Some(title) = title {
                self.notice = Some(match foreign {
                    // The patron is told which library gets the book.
                    Some(book) => Notice::new(NoticeKey::ReturnedToLibrary).title(&title).library(&book.library),
                    None => Notice::new(NoticeKey::Returned).title(&title),
                });
                flow.returned.push(title);
            }
        }
    }
}
