//! Building the [`ViewState`] from the engine's state: what each screen shows.

use super::dispense::Phase;
use super::returns::ReturnPhase;
use super::rows::{BookRow, LockerRow};
use super::{Engine, StaffTask, State};
use crate::domain::StaffId;
use crate::domain::{Item, ItemId, Language, Slot, Timestamp};
use crate::engine::view::{
    AuditLineView, AuditView, DispenseStep, DispenseView, HelpContact, ItemView, LoanView, PatronView, RefusalView,
    ReturnStep, ReturnView, Screen, StaffView, TransitLine, ViewState,
};
use std::sync::Arc;

impl Engine {
    pub(super) fn render(&self) -> ViewState {
        let mut v = ViewState {
            screen: Screen::Attract,
            language: self.language,
            kiosk_name: self.settings.kiosk_name.get(self.language).to_owned(),
            pin_length: self.settings.pin_length,
            help: self.help_contact(),
            help_requested: self.help_requested,
            display: self.display,
            online: self.is_online(),
            doors_left_open: self.kiosk.left_open.iter().copied().collect(),
            countdown: self.countdown(),
            notice: self.notice.clone(),
            patron: self.patron_view(),
            query: None,
            items: Vec::new(),
            selected: Vec::new(),
            detail: None,
            detail_previous: None,
            detail_next: None,
            pin_failures: None,
            dispensing: None,
            receipt: Vec::new(),
            receipt_options: None,
            refusal: None,
            returning: None,
            staff: None,
        };
        v.screen = match &self.state {
            State::Attract if self.kiosk.out_of_service => Screen::OutOfService,
            State::Attract => Screen::Attract,
            State::Authenticating { .. } | State::CheckingPinLock { .. } => Screen::Authenticating,
            State::Pin { failures, .. } => {
                v.pin_failures = Some(*failures);
                Screen::Pin
            }
            State::Home => {
                // Home is the shelf too: one touch fewer to a book.
                v.query = Some(self.query.clone());
                v.items = self.shelf_rows();
                v.selected = self.selected_views();
                Screen::Home
            }
            State::Browse => {
                v.query = Some(self.query.clone());
                v.items = self.shelf_rows();
                v.selected = self.selected_views();
                Screen::Browse
            }
            State::Detail { item } => {
                v.detail = self.kiosk.items.get(item).map(|i| self.item_view(i));
                (v.detail_previous, v.detail_next) = self.shelf_neighbours(item);
                v.selected = self.selected_views();
                Screen::Detail
            }
            State::Confirm => {
                v.selected = self.selected_views();
                Screen::Confirm
            }
            State::Holds => Screen::Holds,
            State::Dispensing(d) => {
                // Waiting for the last door to shut, the view is about that door.
                let (shown, number) = match &d.phase {
                    Phase::AwaitingShut { last, .. } => (Some(last), d.index),
                    _ => (d.current(), d.index + 1),
                };
                let seconds = |deadline: &Timestamp| self.now.seconds_until(*deadline);
                v.dispensing = shown.map(|pick| {
                    let sensor = self.kiosk.sensor(pick.slot);
                    let (step, seconds_left) = match &d.phase {
                        Phase::Committing | Phase::Opening { .. } => (DispenseStep::Opening, None),
                        Phase::Waiting { deadline, taken, .. } => {
                            let step = if *taken || !sensor.item_present {
                                DispenseStep::CloseDoor
                            } else {
                                DispenseStep::TakeBook
                            };
                            (step, Some(seconds(deadline)))
                        }
                        Phase::AwaitingShut { deadline, .. } => (DispenseStep::CloseDoor, Some(seconds(deadline))),
                        Phase::Closing { .. } => (DispenseStep::Saving, None),
                    };
                    let warning = super::dispense::in_warning(seconds_left);
                    DispenseView {
                        slot: pick.slot,
                        title: pick.title.clone(),
                        step,
                        door_open: sensor.door_open,
                        item_present: sensor.item_present,
                        number,
                        of: d.picks.len(),
                        seconds_left,
                        warning,
                    }
                });
                Screen::Dispensing
            }
            State::Receipt { lines, sent, .. } => {
                v.receipt = lines.clone();
                v.receipt_options = self.receipt_options(lines, *sent);
                Screen::Receipt
            }
            State::Return(flow) => {
                let (step, item) = match &flow.phase {
                    ReturnPhase::Scan => (ReturnStep::Scan, None),
                    ReturnPhase::Asking { item } | ReturnPhase::Committing { item } => {
                        (ReturnStep::Checking, Some(item))
                    }
                    ReturnPhase::Opening { item, .. } => (ReturnStep::Opening, Some(item)),
                    ReturnPhase::Waiting { item, dropped: false, .. } => (ReturnStep::InsertBook, Some(item)),
                    ReturnPhase::Waiting { item, dropped: true, .. } => (ReturnStep::CloseDoor, Some(item)),
                    ReturnPhase::Closing { item, .. } => (ReturnStep::Saving, Some(item)),
                };
                let seconds_left = flow.deadline().map(|deadline| self.now.seconds_until(deadline));
                v.returning = Some(ReturnView {
                    seconds_left,
                    warning: super::dispense::in_warning(seconds_left),
                    step,
                    title: item.map(|i| match &flow.foreign {
                        Some(book) => book.title.clone(),
                        None => self.kiosk.title(i),
                    }),
                    slot: self.settings.bin_slot,
                    returned: flow.returned.clone(),
                });
                Screen::Return
            }
            State::Refusal { reason, library } => {
                let until = match reason {
                    crate::domain::RefusalReason::Suspended => {
                        self.patron.as_ref().and_then(|p| p.settled.suspended_until.clone())
                    }
                    _ => None,
                };
                let library_message =
                    self.patron.as_ref().and_then(|p| p.library_message.as_deref().map(str::to_owned));
                v.refusal = Some(RefusalView {
                    until,
                    library_message,
                    belongs_to: library.clone(),
                    ..RefusalView::from(*reason)
                });
                Screen::Refusal
            }
            State::StaffPin { failures, .. } => {
                v.pin_failures = Some(*failures);
                Screen::StaffPin
            }
            State::Staff { staff_id, task } => {
                v.staff = Some(self.staff_view(staff_id, task));
                Screen::Staff
            }
        };
        v
    }

    fn help_contact(&self) -> HelpContact {
        HelpContact {
            hours: self.settings.help_hours.get(self.language).to_owned(),
            lines: self.settings.help_lines.get(self.language).to_owned(),
            phone: self.settings.help_phone.clone(),
            text: self.settings.help_text.clone(),
        }
    }

    fn patron_view(&self) -> Option<PatronView> {
        let p = self.patron.as_ref()?;
        let (can_borrow, limit_reason) = match p.allowance {
            Ok(a) if a.remaining > 0 => (a.remaining, None),
            Ok(a) => (0, Some(a.binding)),
            Err(reason) => (0, Some(reason)),
        };
        Some(PatronView {
            loans_here: p.settled.loans_here,
            loans_total: p.settled.loans_total,
            kiosk_limit: self.settings.loan.kiosk_limit,
            district_quota: self.settings.loan.district_quota,
            can_borrow,
            limit_reason,
            ready_holds: self
                .holds_here(&p.settled)
                .iter()
                .filter_map(|pick| self.kiosk.items.get(&pick.item))
                .map(|i| ItemView {
                    keep_until: p
                        .settled
                        .ready_holds
                        .iter()
                        .find(|h| h.item_id == i.id)
                        .and_then(|h| h.keep_until.clone()),
                    ..self.item_view(i)
                })
                .collect(),
            loans: p
                .settled
                .loans
                .iter()
                .map(|l| LoanView {
                    // A copy of this kiosk's that the district did not name.
                    title: if l.title.is_empty() { self.kiosk.title(&l.item_id) } else { l.title.clone() },
                    due_date: l.due_date.clone(),
                    overdue: l.overdue,
                })
                .collect(),
            due_date: self.now.seoul_date_plus_days(self.settings.loan.loan_days).to_string(),
            offline: p.offline(),
        })
    }

    fn item_view(&self, item: &Item) -> ItemView {
        self.book_row(item, self.kiosk.slot_of(&item.id)).build()
    }

    /// What `item`'s row shows, when it is in `slot`: available when no
    /// hold is on it and its locker offers it.
    fn book_row<'a>(&self, item: &'a Item, slot: Option<&Slot>) -> BookRow<'a> {
        BookRow {
            item,
            category: self.category(item),
            slot: slot.map(|s| s.no),
            available: item.hold_for.is_none() && slot.is_some_and(|s| self.kiosk.offers(s)),
            selected: self.selected.contains(&item.id),
        }
    }

    /// The book's shelf category in the patron's language.
    fn category<'a>(&self, item: &'a Item) -> &'a str {
        match (self.language, &item.category_en) {
            (Language::Ko, _) | (_, None) => &item.category,
            (_, Some(en)) => en,
        }
    }

    /// The shelf ([`Engine::browse_slots`]), each row shared with the last
    /// view when its book did not change. The slot comes with the book, so
    /// the list is one pass over the lockers.
    fn shelf_rows(&self) -> Vec<Arc<ItemView>> {
        self.browse_slots()
            .map(|(slot, item)| self.rows.book(&self.book_row(item, Some(slot)), self.kiosk.items.len()))
            .collect()
    }

    /// The books before and after `item` on the shelf the patron browses.
    fn shelf_neighbours(&self, item: &ItemId) -> (Option<String>, Option<String>) {
        let mut previous = None;
        let mut shelf = self.browse_slots().map(|(_, i)| &i.id);
        for id in shelf.by_ref() {
            if id == item {
                return (previous.map(ToString::to_string), shelf.next().map(ToString::to_string));
            }
            previous = Some(id);
        }
        (None, None)
    }

    fn selected_views(&self) -> Vec<ItemView> {
        self.selected.iter().filter_map(|id: &ItemId| self.kiosk.items.get(id)).map(|i| self.item_view(i)).collect()
    }

    fn staff_view(&self, staff_id: &StaffId, task: &StaffTask) -> StaffView {
        let (outbox, outbox_recent) = match task {
            StaffTask::Outbox { stats, recent } => (*stats, recent.clone()),
            _ => (None, Vec::new()),
        };
        StaffView {
            staff_id: staff_id.clone(),
            task: task.step(),
            task_slot: task.slot(),
            slots: self
                .kiosk
                .slots
                .values()
                .map(|s| {
                    let sensor = self.kiosk.sensor(s.no);
                    let item = s.item.as_ref().and_then(|id| self.kiosk.items.get(id));
                    self.rows.locker(&LockerRow {
                        slot: s,
                        title: item.map(|i| i.title.as_str()),
                        door_open: sensor.door_open,
                        item_present: sensor.item_present,
                        held: item.is_some_and(|i| i.hold_for.is_some()),
                        finding: self.kiosk.finding(s),
                    })
                })
                .collect(),
            bin_count: u32::try_from(self.kiosk.bin_items.len()).unwrap_or(u32::MAX),
            bin_capacity: self.settings.bin_capacity,
            kiosk_out_of_service: self.kiosk.out_of_service,
            outbox,
            outbox_recent,
            audit: self.audit_view(task),
            transit: match task {
                StaffTask::Unload { .. } => self
                    .kiosk
                    .bin_transit
                    .iter()
                    .filter_map(|b| {
                        let to = b.send_to.clone().or_else(|| b.library.clone())?;
                        Some(TransitLine { item_id: b.item_id.to_string(), title: b.title.clone(), to })
                    })
                    .collect(),
                _ => Vec::new(),
            },
        }
    }

    fn audit_view(&self, task: &StaffTask) -> Option<AuditView> {
        let StaffTask::Audit { report: Some(report) } = task else { return None };
        let lines = report
            .lines
            .iter()
            .map(|l| AuditLineView {
                slot: l.slot,
                finding: l.finding,
                item_id: l.item_id.as_ref().map(ToString::to_string),
                title: l.item_id.as_ref().map(|i| self.kiosk.title(i)),
            })
            .collect();
        Some(AuditView { lockers: report.lockers, lines })
    }
}
