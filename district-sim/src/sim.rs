//! The simulated district: an in-memory library server that the demo, the
//! `district-sim` command and the tests talk to instead of a real one. It
//! keeps just enough of a library system to answer the kiosk truthfully
//! (patrons, loans, holds, each kiosk's catalogue) and it remembers every
//! event it was sent and how often, so a test can check the kiosk's promise
//! that each event is applied exactly once and in order. A switch takes its
//! simulated network down, and a counter makes the next calls fail.
//!
//! The sim does not judge lending: the kiosk already did. Like a real
//! district it takes every event as a fact and flags the ones that contradict
//! what it knows.

use crate::seed::{self, SeedPatron, SimSeed};
use bookstation_district_api::{
    AuthAnswer, Credential, EventBody, EventOutcome, EventResult, Health, Hold, Inventory, InventoryHold, Item, ItemId,
    Loan, PatronId, PatronStatus, ReturnHere, Standing, SubmittedEvent,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use uuid::Uuid;

/// The date the demo world is set on: the overdue patron's loan is past due
/// and every other loan is not.
pub const DEFAULT_TODAY: &str = "2026-11-29";

/// What the simulated library system says to a suspended patron (SIP2's
/// `AF`), in its own language, as a real one does.
pub const SUSPENDED_MESSAGE: &str = "대출이 정지된 회원증입니다. 도서관 직원에게 문의하세요. (데모)";

/// A loan the district knows of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimLoan {
    /// The copy that is out; a return names only this.
    pub item_id: ItemId,
    /// Who has it: counts towards their quota and overdue items.
    pub patron_id: PatronId,
    /// Where it was lent, so loans from this kiosk can be told from the rest.
    pub kiosk_id: String,
    /// `YYYY-MM-DD`; overdue once `today` is past it.
    pub due_date: String,
    /// Lent while the kiosk was offline, without the district's say.
    pub offline: bool,
    /// The title of another library's copy (the catalogue has this kiosk's).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
}

/// A hold on one copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimHold {
    /// The district's id, which the `hold_pickup` event echoes.
    pub hold_id: String,
    /// The copy set aside.
    pub item_id: ItemId,
    /// Whose hold it is.
    pub patron_id: PatronId,
    /// The kiosk where it will be picked up.
    pub kiosk_id: String,
    /// The copy waits in a locker; only ready holds reach the kiosk.
    pub ready: bool,
    /// The last day it waits (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_until: Option<String>,
    /// The code sent to the patron's phone, which opens it without the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup_code: Option<String>,
}

/// One event as the sim received it, for tests and `GET /sim/state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimEventRecord {
    /// The idempotency key.
    pub id: Uuid,
    /// The kiosk's sequence number, to check events arrived in order.
    pub seq: i64,
    /// Which kiosk sent it; `seq` is per kiosk.
    pub kiosk_id: String,
    /// The event's `kind` tag.
    pub kind: String,
    /// The kiosk marked it as happened offline.
    pub offline: bool,
    /// How many times this id arrived: more than 1 is a retried delivery.
    pub received: u32,
    /// What the first arrival was answered; later ones were `Duplicate`.
    pub outcome: EventOutcome,
    /// What the district made of it since: set when an older event of the
    /// same item arrived late (a staff retry) and was placed before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A sign that a kiosk's numbering went backwards: it lost or restored its
/// database and gives out `seq`s the district already holds. Listed in
/// `GET /sim/state` for staff; see "Sequence numbers" in
/// `docs/district-api.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeqAlert {
    /// The kiosk whose numbering went back.
    pub kiosk_id: String,
    /// `event`: an event reused a seq held under another id (recorded and
    /// answered `flagged`); `heartbeat`: a heartbeat's `last_seq` is below
    /// the highest seq held.
    pub source: String,
    /// The seq the kiosk sent (the event's, or the heartbeat's `last_seq`).
    pub kiosk_seq: i64,
    /// The highest seq the district held from that kiosk at the time.
    pub district_seq: i64,
}

/// What the simulated district holds now, as tests and `GET /sim/state` see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimSnapshot {
    /// Every distinct event, in first-arrival order.
    pub events: Vec<SimEventRecord>,
    /// Loans out now, district-wide.
    pub loans: Vec<SimLoan>,
    /// Items returned, in the order the returns arrived.
    pub returns: Vec<ItemId>,
    /// Holds not yet picked up.
    pub holds: Vec<SimHold>,
    /// What the kiosk last reported, `None` before its first heartbeat.
    pub last_heartbeat: Option<Health>,
    /// The highest seq held from each kiosk.
    #[serde(default)]
    pub highest_seq: BTreeMap<String, i64>,
    /// Every time a kiosk's numbering went backwards, oldest first.
    #[serde(default)]
    pub seq_alerts: Vec<SeqAlert>,
}

impl SimSnapshot {
    /// The `seq` of every event from `kiosk_id`, in arrival order: a test of
    /// in-order delivery asserts this is sorted and without gaps.
    pub fn seqs(&self, kiosk_id: &str) -> Vec<i64> {
        self.events.iter().filter(|e| e.kiosk_id == kiosk_id).map(|e| e.seq).collect()
    }
}

/// An event the sim applied, kept whole so a persisted sim can be inspected later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct AppliedEvent {
    /// The event as first received.
    event: SubmittedEvent,
    /// The answer it got.
    outcome: EventOutcome,
    /// What a late, older event of the same item changed about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// The simulated network between the kiosk and the sim. Not persisted: a
/// restarted sim comes back reachable.
#[derive(Debug, Clone)]
struct Network {
    /// `false` makes every call fail as unreachable.
    reachable: bool,
    /// Calls still to be answered with a server error.
    fail_next: u32,
    /// New events still to be answered `rejected` (and not recorded).
    reject_next: u32,
}

impl Default for Network {
    fn default() -> Self {
        Self { reachable: true, fail_next: 0, reject_next: 0 }
    }
}

/// Everything the simulated district knows. Serialisable so the sim can be
/// saved and restored (`district-sim --db FILE`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimState {
    /// The kiosk this sim answers `authenticate` and `inventory` for.
    kiosk_id: String,
    /// `YYYY-MM-DD`; what "overdue" is measured against, settable so tests
    /// can move the calendar without a clock.
    today: String,
    /// Who can authenticate.
    patrons: Vec<SeedPatron>,
    /// Copies that belong to each kiosk, keyed by kiosk id.
    catalogue: BTreeMap<String, Vec<Item>>,
    /// Loans out now.
    loans: Vec<SimLoan>,
    /// Holds not yet picked up.
    holds: Vec<SimHold>,
    /// Times each event id arrived: the idempotency check.
    received: HashMap<Uuid, u32>,
    /// Events applied, in arrival order.
    applied: Vec<AppliedEvent>,
    /// Items returned, in arrival order.
    returns: Vec<ItemId>,
    /// The kiosk's last report.
    last_heartbeat: Option<Health>,
    /// Where kiosks' numbering went backwards.
    #[serde(default)]
    seq_alerts: Vec<SeqAlert>,
    /// The district's own loan period: an online loan is due this many days
    /// after it was made, whatever date the kiosk proposed (an offline one
    /// keeps the kiosk's, as a library's no-block checkout does). `None`
    /// takes the kiosk's date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    loan_days: Option<u32>,
    /// The simulated faults; skipped so a restored sim starts reachable.
    #[serde(skip)]
    network: Network,
}

impl SimState {
    fn new(kiosk_id: &str, seed: SimSeed) -> Self {
        let items = seed.items.into_iter().map(|s| Item { hold_for: None, ..s.item }).collect();
        let loans = seed
            .loans
            .into_iter()
            .map(|l| SimLoan {
                item_id: l.item_id,
                patron_id: l.patron_id,
                kiosk_id: l.kiosk_id.unwrap_or_else(|| kiosk_id.to_owned()),
                due_date: l.due_date,
                offline: false,
                title: l.title,
            })
            .collect();
        let holds = seed
            .holds
            .into_iter()
            .map(|h| SimHold {
                hold_id: h.hold_id,
                item_id: h.item_id,
                patron_id: h.patron_id,
                kiosk_id: kiosk_id.to_owned(),
                ready: h.ready,
                keep_until: h.keep_until,
                pickup_code: h.pickup_code,
            })
            .collect();
        Self {
            kiosk_id: kiosk_id.to_owned(),
            today: DEFAULT_TODAY.to_owned(),
            patrons: seed.patrons,
            catalogue: BTreeMap::from([(kiosk_id.to_owned(), items)]),
            loans,
            holds,
            received: HashMap::new(),
            applied: Vec::new(),
            returns: Vec::new(),
            last_heartbeat: None,
            seq_alerts: Vec::new(),
            loan_days: None,
            network: Network::default(),
        }
    }

    /// May `item`, not this kiosk's, come back here? Yes when it is another
    /// library's copy on loan in the district (the district knows whose).
    fn return_here(&self, item: &ItemId) -> ReturnHere {
        let ours = self.catalogue.get(&self.kiosk_id).is_some_and(|items| items.iter().any(|i| i.id == *item));
        match self.loans.iter().find(|l| l.item_id == *item && l.kiosk_id != self.kiosk_id) {
            Some(loan) if !ours => ReturnHere::Accepted {
                library: crate::seed::library_name(&loan.kiosk_id),
                title: Some(self.title_of(loan)).filter(|t| !t.is_empty()),
            },
            _ => ReturnHere::Refused {
                // A copy of another kiosk's, not on loan: its library is
                // that kiosk's.
                library: self
                    .catalogue
                    .iter()
                    .find(|(kiosk, items)| **kiosk != self.kiosk_id && items.iter().any(|i| i.id == *item))
                    .map(|(kiosk, _)| crate::seed::library_name(kiosk)),
            },
        }
    }

    /// Where a returned book must go instead of a shelf here: another
    /// library's copy goes back to its library.
    fn send_to_of(&self, event: &SubmittedEvent) -> Option<String> {
        let EventBody::Return { item_id, .. } = &event.body else { return None };
        let loan = self.loans.iter().find(|l| l.item_id == *item_id)?;
        (loan.kiosk_id != event.kiosk_id).then(|| crate::seed::library_name(&loan.kiosk_id))
    }

    /// The due date the district holds for `item` lent to `patron`, if it is.
    fn due_date_of(&self, body: &EventBody) -> Option<String> {
        let (EventBody::Loan { item_id, patron_id, .. } | EventBody::HoldPickup { item_id, patron_id, .. }) = body
        else {
            return None;
        };
        self.loans.iter().find(|l| l.item_id == *item_id && l.patron_id == *patron_id).map(|l| l.due_date.clone())
    }

    /// What the simulated network does to a call before the server sees it.
    fn gate(&mut self) -> Result<(), SimFailure> {
        if !self.network.reachable {
            return Err(SimFailure::Unreachable);
        }
        if self.network.fail_next > 0 {
            self.network.fail_next -= 1;
            return Err(SimFailure::Server);
        }
        Ok(())
    }

    fn authenticate(&self, credential: &Credential, pin: Option<&str>) -> AuthAnswer {
        if let Credential::PickupCode(code) = credential {
            return self.pickup_code(code);
        }
        let found = self.patrons.iter().find(|p| match credential {
            Credential::Card(uid) => p.card_uid.eq_ignore_ascii_case(uid),
            Credential::MemberNumber(number) => p.member_number == **number,
            Credential::PickupCode(_) => false,
        });
        match found {
            None => AuthAnswer::UnknownCredential,
            Some(p) if pin.is_some_and(|pin| pin != p.pin) => {
                AuthAnswer::WrongPin { patron_id: Some(p.patron_id.clone()) }
            }
            Some(p) => {
                // The library's own words, as a library system sends them to a blocked card.
                let message = (p.standing == Standing::Suspended).then(|| SUSPENDED_MESSAGE.to_owned());
                AuthAnswer::Patron { status: self.status(p), message }
            }
        }
    }

    /// A ready hold's code: its patron, with that hold only and no loans
    /// (a code shows nothing else of the patron's).
    fn pickup_code(&self, code: &str) -> AuthAnswer {
        let hold = self.ready_holds_here().find(|h| h.pickup_code.as_deref() == Some(code));
        let patron = hold.and_then(|h| self.patrons.iter().find(|p| p.patron_id == h.patron_id));
        match (hold, patron) {
            (Some(hold), Some(patron)) => {
                let mut status = self.status(patron);
                status.ready_holds.retain(|h| h.hold_id == hold.hold_id);
                status.loans.clear();
                AuthAnswer::Patron { status, message: None }
            }
            _ => AuthAnswer::UnknownCredential,
        }
    }

    fn status(&self, patron: &SeedPatron) -> PatronStatus {
        let loans: Vec<&SimLoan> = self.loans.iter().filter(|l| l.patron_id == patron.patron_id).collect();
        let overdue = loans.iter().filter(|l| is_before(&l.due_date, &self.today)).count();
        PatronStatus {
            patron_id: patron.patron_id.clone(),
            standing: patron.standing,
            suspended_until: patron.suspended_until.clone(),
            overdue_items: patron.extra_overdue.saturating_add(count(overdue)),
            loans_total: count(loans.len()),
            loans_here: count(loans.iter().filter(|l| l.kiosk_id == self.kiosk_id).count()),
            loans: loans
                .iter()
                .map(|l| Loan {
                    item_id: l.item_id.clone(),
                    title: self.title_of(l),
                    due_date: Some(l.due_date.clone()),
                    overdue: is_before(&l.due_date, &self.today),
                })
                .collect(),
            ready_holds: self
                .ready_holds_here()
                .filter(|h| h.patron_id == patron.patron_id)
                .map(|h| Hold {
                    hold_id: h.hold_id.clone(),
                    item_id: h.item_id.clone(),
                    keep_until: h.keep_until.clone(),
                })
                .collect(),
        }
    }

    fn title_of(&self, loan: &SimLoan) -> String {
        match self.catalogue.values().flatten().find(|i| i.id == loan.item_id) {
            Some(item) => item.title.clone(),
            None => loan.title.clone(),
        }
    }

    fn ready_holds_here(&self) -> impl Iterator<Item = &SimHold> {
        self.holds.iter().filter(|h| h.ready && h.kiosk_id == self.kiosk_id)
    }

    fn inventory(&self) -> Inventory {
        let held_for =
            |item: &ItemId| self.ready_holds_here().find(|h| h.item_id == *item).map(|h| h.patron_id.clone());
        let items = self
            .catalogue
            .get(&self.kiosk_id)
            .map(|items| items.iter().map(|i| Item { hold_for: held_for(&i.id), ..i.clone() }).collect())
            .unwrap_or_default();
        let holds = self
            .ready_holds_here()
            .map(|h| InventoryHold {
                hold_id: h.hold_id.clone(),
                item_id: h.item_id.clone(),
                patron_id: h.patron_id.clone(),
            })
            .collect();
        Inventory { items, holds }
    }

    /// Counts the arrival and applies the event if it is new.
    fn receive(&mut self, event: &SubmittedEvent) -> EventOutcome {
        if self.network.reject_next > 0 && !self.received.contains_key(&event.id) {
            // Not recorded: a later delivery of the same id is a first arrival.
            self.network.reject_next -= 1;
            return EventOutcome::Rejected { reason: "simulated rejection".into() };
        }
        let times = self.received.entry(event.id).or_insert(0);
        *times = times.saturating_add(1);
        if *times > 1 {
            return EventOutcome::Duplicate;
        }
        let mut flags: Vec<String> = Vec::new();
        let applied = match self.seq_reused(event) {
            // Its seq says nothing about its place in history: arrival order.
            Some(reused) => {
                flags.push(reused);
                self.apply_now(event)
            }
            None => self.apply(event),
        };
        flags.extend(applied.into_iter().map(str::to_owned));
        let outcome = if flags.is_empty() {
            EventOutcome::Applied
        } else {
            let reason = flags.join("; ");
            tracing::info!(event = %event.id, kind = event.body.kind().as_str(), %reason, "simulated district flagged an event");
            EventOutcome::Flagged { reason }
        };
        self.applied.push(AppliedEvent { event: event.clone(), outcome: outcome.clone(), note: None });
        outcome
    }

    /// The highest seq held from `kiosk_id` (0 before its first event).
    fn highest_seq(&self, kiosk_id: &str) -> i64 {
        self.applied.iter().filter(|a| a.event.kiosk_id == kiosk_id).map(|a| a.event.seq).max().unwrap_or(0)
    }

    /// A new id under a seq the district already holds from this kiosk:
    /// the kiosk numbers from an older point again (lost or restored
    /// database). The event is still recorded (it happened); the reason
    /// flags it and staff see an alert. A seq below the highest that was
    /// never held is not this: it is a rejected event retried by staff.
    fn seq_reused(&mut self, event: &SubmittedEvent) -> Option<String> {
        let held = self.applied.iter().any(|a| a.event.kiosk_id == event.kiosk_id && a.event.seq == event.seq);
        if !held {
            return None;
        }
        let district_seq = self.highest_seq(&event.kiosk_id);
        tracing::warn!(kiosk = %event.kiosk_id, seq = event.seq, district_seq, "a kiosk reused a seq under a new id");
        self.seq_alerts.push(SeqAlert {
            kiosk_id: event.kiosk_id.clone(),
            source: "event".into(),
            kiosk_seq: event.seq,
            district_seq,
        });
        Some(format!(
            "seq {} reused: the district already holds seq {} from this kiosk under another id (highest {district_seq}); \
             the kiosk may have lost or restored its database",
            event.seq, event.seq
        ))
    }

    /// The applied event of the same kiosk and item that comes next in
    /// `seq` order after `event`, if one arrived before it.
    fn next_of_item(&self, event: &SubmittedEvent, item: &ItemId) -> Option<usize> {
        self.applied
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.event.kiosk_id == event.kiosk_id && a.event.seq > event.seq && loan_item(&a.event.body) == Some(item)
            })
            .min_by_key(|(_, a)| a.event.seq)
            .map(|(i, _)| i)
    }

    /// Changes the world as the event says and returns what staff should
    /// look at. The event is applied whatever the flags: it already happened.
    /// An item's events count in the kiosk's `seq` order, not in arrival
    /// order ([`Self::apply_in_the_past`]).
    fn apply(&mut self, event: &SubmittedEvent) -> Vec<&'static str> {
        if let Some(item) = loan_item(&event.body)
            && let Some(next) = self.next_of_item(event, item)
        {
            return self.apply_in_the_past(event, next);
        }
        self.apply_now(event)
    }

    /// Apply the event to the district's state as it is now.
    fn apply_now(&mut self, event: &SubmittedEvent) -> Vec<&'static str> {
        match &event.body {
            EventBody::Loan { item_id, patron_id, due_date, .. } => self.lend(event, item_id, patron_id, due_date),
            EventBody::HoldPickup { item_id, patron_id, hold_id, due_date, .. } => {
                let mut flags = Vec::new();
                match self.holds.iter().position(|h| h.hold_id == *hold_id) {
                    Some(i) if self.holds[i].patron_id == *patron_id && self.holds[i].item_id == *item_id => {
                        self.holds.remove(i);
                    }
                    Some(_) => flags.push("hold is for another patron or item"),
                    None => flags.push("hold not found"),
                }
                flags.extend(self.lend(event, item_id, patron_id, due_date));
                flags
            }
            EventBody::Return { item_id, .. } => {
                // The book is back whatever the records say, so it is listed either way.
                self.returns.push(item_id.clone());
                match self.loans.iter().position(|l| l.item_id == *item_id) {
                    Some(i) => {
                        self.loans.remove(i);
                        Vec::new()
                    }
                    None => vec!["item was not on loan"],
                }
            }
            EventBody::Restock { .. }
            | EventBody::BinUnloaded { .. }
            | EventBody::Alarm { .. }
            | EventBody::StaffDoorOpened { .. }
            | EventBody::OutOfService { .. }
            | EventBody::HelpRequested { .. }
            | EventBody::ReceiptRequested { .. }
            | EventBody::InventoryAudit { .. } => Vec::new(),
        }
    }

    /// An event older (in the kiosk's `seq`) than one of the same item the
    /// district already applied: only a rejected event retried by staff
    /// arrives so. Replaying the item's events in `seq` order would end
    /// where the later event already put the item (each loan, pickup and
    /// return sets whether and to whom it is out), so the item's loan is
    /// left alone: a late loan is a loan already ended by the later return
    /// (a closed loan), a late return ends a loan a later loan already
    /// replaced. Everything else still happens: the checks, the hold
    /// fulfilled, the book listed as returned. The later event's record
    /// notes what came in before it (its "not on loan" flag is explained).
    fn apply_in_the_past(&mut self, event: &SubmittedEvent, next: usize) -> Vec<&'static str> {
        let mut flags = Vec::new();
        match &event.body {
            EventBody::Loan { item_id, patron_id, due_date, .. } => {
                flags.extend(self.lending_checks(item_id, patron_id, due_date));
            }
            EventBody::HoldPickup { item_id, patron_id, hold_id, due_date, .. } => {
                match self.holds.iter().position(|h| h.hold_id == *hold_id) {
                    Some(i) if self.holds[i].patron_id == *patron_id && self.holds[i].item_id == *item_id => {
                        self.holds.remove(i);
                    }
                    Some(_) => flags.push("hold is for another patron or item"),
                    None => flags.push("hold not found"),
                }
                flags.extend(self.lending_checks(item_id, patron_id, due_date));
            }
            EventBody::Return { item_id, .. } => self.returns.push(item_id.clone()),
            _ => {}
        }
        let later = &mut self.applied[next];
        let ended = match (&event.body, &later.event.body) {
            (EventBody::Loan { .. } | EventBody::HoldPickup { .. }, EventBody::Return { .. }) => {
                "; the loan is closed by this return"
            }
            (EventBody::Return { .. }, EventBody::Loan { .. } | EventBody::HoldPickup { .. }) => {
                "; it ended the loan before this one"
            }
            _ => "",
        };
        later.note = Some(format!(
            "older event seq {} ({}) arrived later and was placed before this one{ended}",
            event.seq,
            event.body.kind()
        ));
        tracing::info!(event = %event.id, seq = event.seq, "simulated district placed a late event in the item's history");
        flags
    }

    /// What the district flags about a loan, whatever the item's state.
    fn lending_checks(&self, item: &ItemId, patron: &PatronId, due_date: &str) -> Vec<&'static str> {
        let mut flags = Vec::new();
        match self.patrons.iter().find(|p| p.patron_id == *patron) {
            None => flags.push("unknown patron"),
            // Online, the kiosk asked first, so only an offline loan gets here
            // in practice; a suspension that landed in between is flagged too.
            Some(p) if p.standing == Standing::Suspended => flags.push("loan to a suspended patron"),
            Some(_) => {}
        }
        if !self.catalogue.values().flatten().any(|i| i.id == *item) {
            flags.push("unknown item");
        }
        if NaiveDate::parse_from_str(due_date, DATE_FORMAT).is_err() {
            flags.push("unreadable due date");
        }
        flags
    }

    fn lend(&mut self, event: &SubmittedEvent, item: &ItemId, patron: &PatronId, due_date: &str) -> Vec<&'static str> {
        let mut flags = self.lending_checks(item, patron, due_date);
        if self.holds.iter().any(|h| h.ready && h.item_id == *item && h.patron_id != *patron) {
            flags.push("item held for another patron");
        }
        if let Some(i) = self.loans.iter().position(|l| l.item_id == *item) {
            // The book was evidently back in a locker, so the earlier loan's
            // return went missing; the newer fact wins and staff check the rest.
            self.loans.remove(i);
            flags.push("item already on loan");
        }
        let due_date = match self.loan_days {
            Some(days) if !event.offline => event.created_at.seoul_date_plus_days(days).to_string(),
            _ => due_date.to_owned(),
        };
        self.loans.push(SimLoan {
            item_id: item.clone(),
            patron_id: patron.clone(),
            kiosk_id: event.kiosk_id.clone(),
            due_date,
            offline: event.offline,
            title: String::new(),
        });
        flags
    }

    fn snapshot(&self) -> SimSnapshot {
        let events = self
            .applied
            .iter()
            .map(|a| SimEventRecord {
                id: a.event.id,
                seq: a.event.seq,
                kiosk_id: a.event.kiosk_id.clone(),
                kind: a.event.body.kind().as_str().to_owned(),
                offline: a.event.offline,
                received: self.received.get(&a.event.id).copied().unwrap_or(1),
                outcome: a.outcome.clone(),
                note: a.note.clone(),
            })
            .collect();
        let mut highest_seq = BTreeMap::new();
        for a in &self.applied {
            let seq = highest_seq.entry(a.event.kiosk_id.clone()).or_insert(a.event.seq);
            *seq = (*seq).max(a.event.seq);
        }
        SimSnapshot {
            events,
            loans: self.loans.clone(),
            returns: self.returns.clone(),
            holds: self.holds.clone(),
            last_heartbeat: self.last_heartbeat.clone(),
            highest_seq,
            seq_alerts: self.seq_alerts.clone(),
        }
    }

    /// Keep the report; flag a `last_seq` below the highest seq held from
    /// that kiosk (once per distinct report, not every minute).
    fn heartbeat(&mut self, health: &Health) {
        if let Some(last_seq) = health.last_seq {
            let district_seq = self.highest_seq(&health.kiosk_id);
            let known = self.seq_alerts.iter().any(|a| {
                a.kiosk_id == health.kiosk_id
                    && a.source == "heartbeat"
                    && a.kiosk_seq == last_seq
                    && a.district_seq == district_seq
            });
            if last_seq < district_seq && !known {
                tracing::warn!(kiosk = %health.kiosk_id, last_seq, district_seq, "a kiosk reports a last seq below what the district holds");
                self.seq_alerts.push(SeqAlert {
                    kiosk_id: health.kiosk_id.clone(),
                    source: "heartbeat".into(),
                    kiosk_seq: last_seq,
                    district_seq,
                });
            }
        }
        self.last_heartbeat = Some(health.clone());
    }
}

/// The item whose loan an event changes (loans, pickups, returns).
fn loan_item(body: &EventBody) -> Option<&ItemId> {
    match body {
        EventBody::Loan { item_id, .. } | EventBody::HoldPickup { item_id, .. } | EventBody::Return { item_id, .. } => {
            Some(item_id)
        }
        _ => None,
    }
}

const DATE_FORMAT: &str = "%Y-%m-%d";

/// `due` is strictly before `today`. Both should be `YYYY-MM-DD`; when one
/// is not a date, comparing the text still orders zero-padded dates right.
fn is_before(due: &str, today: &str) -> bool {
    match (NaiveDate::parse_from_str(due, DATE_FORMAT), NaiveDate::parse_from_str(today, DATE_FORMAT)) {
        (Ok(due), Ok(today)) => due < today,
        _ => due < today,
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A call the simulated network or server failed, as the switches
/// ([`SimDistrict::set_reachable`], [`SimDistrict::set_fail_next`]) asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SimFailure {
    /// The simulated network is down: nothing reached the server.
    #[error("simulated network down")]
    Unreachable,
    /// The server answered with an error (HTTP 500).
    #[error("simulated 500")]
    Server,
}

/// The in-memory district. Clones share one state, so a test keeps a handle
/// while the engine owns another.
#[derive(Clone)]
pub struct SimDistrict {
    /// Shared with every clone; a std mutex because no lock is held across an `.await`.
    state: Arc<Mutex<SimState>>,
}

impl fmt::Debug for SimDistrict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimDistrict").field("kiosk_id", &self.lock().kiosk_id).finish_non_exhaustive()
    }
}

impl SimDistrict {
    /// A district serving `kiosk_id`, starting from `seed`.
    pub fn new(kiosk_id: &str, seed: SimSeed) -> Self {
        Self::from_state(SimState::new(kiosk_id, seed))
    }

    /// A district serving `kiosk_id`, seeded with the demo world ([`seed::demo`]).
    pub fn demo(kiosk_id: &str) -> Self {
        Self::new(kiosk_id, seed::demo())
    }

    /// The demo world at `lockers` lockers ([`seed::demo_sized`]).
    pub fn demo_sized(kiosk_id: &str, lockers: u16) -> Self {
        Self::new(kiosk_id, seed::demo_sized(lockers))
    }

    /// A district restored from a saved state; its network starts up.
    pub fn from_state(state: SimState) -> Self {
        Self { state: Arc::new(Mutex::new(state)) }
    }

    /// The whole state, for saving.
    pub fn export_state(&self) -> SimState {
        self.lock().clone()
    }

    /// What tests assert on and `GET /sim/state` serves.
    pub fn state(&self) -> SimSnapshot {
        self.lock().snapshot()
    }

    /// Take the simulated network down (`false`) or up again.
    pub fn set_reachable(&self, reachable: bool) {
        self.lock().network.reachable = reachable;
    }

    /// The next `n` calls that reach the server answer with a server error.
    pub fn set_fail_next(&self, n: u32) {
        self.lock().network.fail_next = n;
    }

    /// The next `n` events the sim has not seen are answered `rejected` and
    /// not recorded, as a district refusing an event for good would.
    pub fn set_reject_next(&self, n: u32) {
        self.lock().network.reject_next = n;
    }

    /// How many rejections [`Self::set_reject_next`] has left.
    pub fn reject_next(&self) -> u32 {
        self.lock().network.reject_next
    }

    /// The kiosk this sim answers `authenticate` and `inventory` for.
    pub fn kiosk_id(&self) -> String {
        self.lock().kiosk_id.clone()
    }

    /// Move the sim's calendar (`YYYY-MM-DD`); overdue counts follow it.
    pub fn set_today(&self, today: impl Into<String>) {
        self.lock().today = today.into();
    }

    /// The district's own loan period for online loans (`None`: the
    /// kiosk's date stands); its answer to a loan carries the date it chose.
    pub fn set_loan_days(&self, days: Option<u32>) {
        self.lock().loan_days = days;
    }

    /// A panic in another holder of the lock must not silence the sim: its
    /// state is still the best record there is, and a district that stopped
    /// answering would hide the failure that caused the panic.
    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The simulated district's side of the `District` calls. Async, as a
/// real district's are, so callers (the kiosk's adapter, the HTTP routes)
/// await it like one; it never waits.
impl SimDistrict {
    pub async fn authenticate(&self, credential: &Credential, pin: Option<&str>) -> Result<AuthAnswer, SimFailure> {
        let mut state = self.lock();
        state.gate()?;
        Ok(state.authenticate(credential, pin))
    }

    pub async fn inventory(&self) -> Result<Inventory, SimFailure> {
        let mut state = self.lock();
        state.gate()?;
        Ok(state.inventory())
    }

    pub async fn submit(&self, batch: &[SubmittedEvent]) -> Result<Vec<EventResult>, SimFailure> {
        let mut state = self.lock();
        state.gate()?;
        Ok(batch
            .iter()
            .map(|event| {
                let send_to = state.send_to_of(event);
                let outcome = state.receive(event);
                let due_date = if outcome.is_delivered() { state.due_date_of(&event.body) } else { None };
                let send_to = send_to.filter(|_| outcome.is_delivered());
                EventResult { id: event.id, outcome, due_date, message: None, send_to }
            })
            .collect())
    }

    pub async fn heartbeat(&self, health: &Health) -> Result<(), SimFailure> {
        let mut state = self.lock();
        state.gate()?;
        state.heartbeat(health);
        Ok(())
    }

    pub async fn return_here(&self, item: &ItemId) -> Result<ReturnHere, SimFailure> {
        let mut state = self.lock();
        state.gate()?;
        Ok(state.return_here(item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{DEMO_KIOSK_ID, DEMO_PATRON_PIN};
    use bookstation_district_api::{Fault, FaultCode, SlotNo, Timestamp};

    const K: &str = DEMO_KIOSK_ID;

    fn event(seq: i64, offline: bool, body: EventBody) -> SubmittedEvent {
        SubmittedEvent { id: Uuid::now_v7(), seq, kiosk_id: K.into(), offline, created_at: Timestamp(seq), body }
    }

    fn loan(seq: i64, item: &str, patron: &str) -> SubmittedEvent {
        let body = EventBody::Loan {
            item_id: ItemId::new(item),
            patron_id: PatronId::new(patron),
            slot: SlotNo(1),
            due_date: "2026-12-14".into(),
        };
        event(seq, false, body)
    }

    fn ret(seq: i64, item: &str) -> SubmittedEvent {
        event(seq, false, EventBody::Return { item_id: ItemId::new(item), library: None })
    }

    fn outcomes(results: &[EventResult]) -> Vec<EventOutcome> {
        results.iter().map(|r| r.outcome.clone()).collect()
    }

    fn flagged(reason: &str) -> EventOutcome {
        EventOutcome::Flagged { reason: reason.into() }
    }

    fn loan_of<'a>(snapshot: &'a SimSnapshot, item: &str) -> Option<&'a SimLoan> {
        snapshot.loans.iter().find(|l| l.item_id.as_str() == item)
    }

    async fn status(sim: &SimDistrict, member: &str) -> PatronStatus {
        let credential = Credential::member_number(member).unwrap();
        match sim.authenticate(&credential, Some(DEMO_PATRON_PIN)).await.unwrap() {
            AuthAnswer::Patron { status, .. } => status,
            other => panic!("expected a patron, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_batch_submitted_twice_is_applied_once() {
        let sim = SimDistrict::demo(K);
        let batch = vec![loan(1, "MP0001", "1000001"), ret(2, "MP0041"), loan(3, "MP0002", "1000001")];

        let first = sim.submit(&batch).await.unwrap();
        assert_eq!(first.iter().map(|r| r.id).collect::<Vec<_>>(), batch.iter().map(|e| e.id).collect::<Vec<_>>());
        assert_eq!(outcomes(&first), vec![EventOutcome::Applied; 3]);
        let after_first = sim.state();

        let second = sim.submit(&batch).await.unwrap();
        assert_eq!(outcomes(&second), vec![EventOutcome::Duplicate; 3]);
        let after_second = sim.state();
        assert_eq!(after_second.loans, after_first.loans);
        assert_eq!(after_second.returns, vec![ItemId::new("MP0041")]);
        assert_eq!(after_second.seqs(K), vec![1, 2, 3]);
        assert!(after_second.events.iter().all(|e| e.received == 2 && e.outcome == EventOutcome::Applied));
        assert_eq!(status(&sim, "1000001").await.loans_here, 2);
    }

    #[tokio::test]
    async fn a_repeat_inside_one_batch_is_a_duplicate() {
        let sim = SimDistrict::demo(K);
        let e = loan(1, "MP0001", "1000001");
        let results = sim.submit(&[e.clone(), e]).await.unwrap();
        assert_eq!(outcomes(&results), vec![EventOutcome::Applied, EventOutcome::Duplicate]);
        assert_eq!(sim.state().events.len(), 1);
    }

    #[tokio::test]
    async fn a_return_removes_the_loan() {
        let sim = SimDistrict::demo(K);
        assert_eq!(status(&sim, "1000002").await.overdue_items, 1);
        let results = sim.submit(&[ret(1, "MP0041")]).await.unwrap();
        assert_eq!(outcomes(&results), vec![EventOutcome::Applied]);
        assert!(loan_of(&sim.state(), "MP0041").is_none());
        let s = status(&sim, "1000002").await;
        assert_eq!((s.overdue_items, s.loans_total), (0, 0));
    }

    #[tokio::test]
    async fn a_hold_pickup_lends_the_copy_and_fulfils_the_hold() {
        let sim = SimDistrict::demo(K);
        let body = EventBody::HoldPickup {
            item_id: ItemId::new("MP0040"),
            patron_id: PatronId::new("1000004"),
            hold_id: "H-0001".into(),
            slot: SlotNo(40),
            due_date: "2026-12-14".into(),
        };
        let results = sim.submit(&[event(1, false, body)]).await.unwrap();
        assert_eq!(outcomes(&results), vec![EventOutcome::Applied]);
        let snapshot = sim.state();
        assert!(snapshot.holds.is_empty());
        assert_eq!(loan_of(&snapshot, "MP0040").map(|l| l.patron_id.as_str()), Some("1000004"));
        let inventory = sim.inventory().await.unwrap();
        assert!(inventory.holds.is_empty());
        assert!(inventory.items.iter().all(|i| i.hold_for.is_none()));
        let s = status(&sim, "1000004").await;
        assert_eq!((s.loans_here, s.ready_holds.len()), (1, 0));
    }

    #[tokio::test]
    async fn conflicts_are_recorded_and_flagged() {
        let sim = SimDistrict::demo(K);
        let suspended = EventBody::Loan {
            item_id: ItemId::new("MP0003"),
            patron_id: PatronId::new("1000003"),
            slot: SlotNo(3),
            due_date: "2026-12-14".into(),
        };
        let batch = [
            // MP0041 is out to 1000002: its return was lost.
            loan(1, "MP0041", "1000001"),
            ret(2, "MP0005"),
            event(3, true, suspended),
            loan(4, "MP0040", "1000001"),
        ];
        let results = sim.submit(&batch).await.unwrap();
        assert_eq!(
            outcomes(&results),
            vec![
                flagged("item already on loan"),
                flagged("item was not on loan"),
                flagged("loan to a suspended patron"),
                flagged("item held for another patron"),
            ]
        );
        let snapshot = sim.state();
        assert_eq!(loan_of(&snapshot, "MP0041").map(|l| l.patron_id.as_str()), Some("1000001"));
        assert_eq!(snapshot.loans.iter().filter(|l| l.item_id.as_str() == "MP0041").count(), 1);
        assert_eq!(snapshot.returns, vec![ItemId::new("MP0005")]);
        assert!(loan_of(&snapshot, "MP0003").is_some_and(|l| l.offline));
        assert_eq!(snapshot.events.len(), 4);
    }

    #[tokio::test]
    async fn record_only_events_are_applied() {
        let sim = SimDistrict::demo(K);
        let batch = [
            event(1, false, EventBody::Restock { item_id: ItemId::new("MP0041"), slot: SlotNo(41) }),
            event(2, false, EventBody::BinUnloaded { items: vec![ItemId::new("MP0041")] }),
            event(3, false, EventBody::StaffDoorOpened { slot: SlotNo(1), staff_id: "S1".into() }),
        ];
        let results = sim.submit(&batch).await.unwrap();
        assert_eq!(outcomes(&results), vec![EventOutcome::Applied; 3]);
        let snapshot = sim.state();
        let kinds: Vec<&str> = snapshot.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["restock", "bin_unloaded", "staff_door_opened"]);
        assert!(loan_of(&snapshot, "MP0041").is_some());
    }

    #[tokio::test]
    async fn overdue_follows_the_sims_today() {
        let sim = SimDistrict::demo(K);
        assert_eq!(status(&sim, "1000005").await.overdue_items, 0);
        sim.set_today("2026-12-11");
        assert_eq!(status(&sim, "1000005").await.overdue_items, 4);
    }

    #[tokio::test]
    async fn an_unreachable_sim_fails_every_call_and_applies_nothing() {
        let sim = SimDistrict::demo(K);
        sim.set_reachable(false);
        let down = |r: Result<(), SimFailure>| matches!(r, Err(SimFailure::Unreachable));
        let credential = Credential::member_number("1000001").unwrap();
        assert!(down(sim.authenticate(&credential, None).await.map(drop)));
        assert!(down(sim.inventory().await.map(drop)));
        assert!(down(sim.submit(&[ret(1, "MP0041")]).await.map(drop)));
        assert!(down(sim.heartbeat(&Health::default()).await));
        assert!(sim.state().events.is_empty());
        assert!(sim.state().last_heartbeat.is_none());

        sim.set_reachable(true);
        assert!(sim.inventory().await.is_ok());
    }

    #[tokio::test]
    async fn fail_next_fails_that_many_calls_then_recovers() {
        let sim = SimDistrict::demo(K);
        sim.set_fail_next(2);
        let batch = [ret(1, "MP0041")];
        for _ in 0..2 {
            let err = sim.submit(&batch).await.unwrap_err();
            assert!(matches!(err, SimFailure::Server), "{err}");
        }
        assert!(sim.state().events.is_empty());
        assert_eq!(outcomes(&sim.submit(&batch).await.unwrap()), vec![EventOutcome::Applied]);
        assert_eq!(sim.state().events[0].received, 1);
    }

    #[tokio::test]
    async fn a_rejected_event_is_not_recorded_and_may_come_again() {
        let sim = SimDistrict::demo(K);
        sim.set_reject_next(1);
        let batch = [ret(1, "MP0041"), ret(2, "MP0042")];
        let results = sim.submit(&batch).await.unwrap();
        assert_eq!(
            outcomes(&results),
            vec![EventOutcome::Rejected { reason: "simulated rejection".into() }, EventOutcome::Applied]
        );
        assert_eq!(sim.state().seqs(K), vec![2]);
        assert_eq!(outcomes(&sim.submit(&batch[..1]).await.unwrap()), vec![EventOutcome::Applied]);
        assert_eq!(sim.reject_next(), 0);
    }

    #[tokio::test]
    async fn a_seq_reused_under_another_id_is_recorded_and_flagged() {
        let sim = SimDistrict::demo(K);
        sim.submit(&[loan(1, "MP0001", "1000001"), ret(2, "MP0041")]).await.unwrap();
        // The kiosk lost its database and numbers from 1 again, with new ids.
        let results = sim.submit(&[loan(1, "MP0002", "1000001")]).await.unwrap();
        match &outcomes(&results)[0] {
            EventOutcome::Flagged { reason } => assert!(reason.contains("seq 1 reused"), "{reason}"),
            other => panic!("a reused seq must be flagged: {other:?}"),
        }
        // Recorded as the fact it is, and listed for staff.
        let snapshot = sim.state();
        assert!(loan_of(&snapshot, "MP0002").is_some());
        let state = serde_json::to_value(&snapshot).unwrap();
        let alerts = state["seq_alerts"].as_array().cloned().unwrap_or_default();
        assert_eq!(alerts.len(), 1, "{state}");
        assert_eq!((alerts[0]["source"].as_str(), alerts[0]["kiosk_seq"].as_i64()), (Some("event"), Some(1)));
        assert_eq!(alerts[0]["district_seq"].as_i64(), Some(2));
    }

    #[tokio::test]
    async fn a_retried_loan_takes_its_place_before_the_later_return() {
        let sim = SimDistrict::demo(K);
        let before = status(&sim, "1000001").await.loans_total;
        sim.set_reject_next(1);
        let batch = [loan(1, "MP0001", "1000001"), ret(2, "MP0001")];
        let results = sim.submit(&batch).await.unwrap();
        assert_eq!(
            outcomes(&results),
            vec![EventOutcome::Rejected { reason: "simulated rejection".into() }, flagged("item was not on loan")]
        );
        // Staff retry the loan: it is older than the return, not a new loan.
        let results = sim.submit(&batch[..1]).await.unwrap();
        assert_eq!(outcomes(&results), vec![EventOutcome::Applied]);
        let snapshot = sim.state();
        assert!(loan_of(&snapshot, "MP0001").is_none(), "{:?}", snapshot.loans);
        assert_eq!(snapshot.returns, vec![ItemId::new("MP0001")]);
        assert_eq!(status(&sim, "1000001").await.loans_total, before);
        // Not a seq regression: seq 1 was never held.
        let state = serde_json::to_value(&snapshot).unwrap();
        assert_eq!(state["seq_alerts"], serde_json::json!([]), "{state}");
        // The return's flag is explained.
        let ret_record = &state["events"][0];
        assert_eq!(ret_record["seq"], 2);
        assert!(ret_record["note"].as_str().is_some_and(|n| n.contains("seq 1")), "{state}");
    }

    #[tokio::test]
    async fn a_retried_return_does_not_end_the_later_loan() {
        let sim = SimDistrict::demo(K);
        sim.set_reject_next(1);
        // MP0041 is out to 1000002; its return is rejected, then 1000001 borrows it.
        let batch = [ret(1, "MP0041"), loan(2, "MP0041", "1000001")];
        sim.submit(&batch).await.unwrap();
        assert_eq!(outcomes(&sim.submit(&batch[..1]).await.unwrap()), vec![EventOutcome::Applied]);
        let snapshot = sim.state();
        assert_eq!(loan_of(&snapshot, "MP0041").map(|l| l.patron_id.as_str()), Some("1000001"));
        assert_eq!(status(&sim, "1000002").await.loans_total, 0);
    }

    #[tokio::test]
    async fn a_heartbeat_whose_last_seq_is_behind_the_district_is_flagged() {
        let sim = SimDistrict::demo(K);
        sim.submit(&[ret(1, "MP0041"), ret(2, "MP0042"), ret(3, "MP0043")]).await.unwrap();
        let beat = |last_seq: i64| -> Health {
            serde_json::from_value(serde_json::json!({
                "kiosk_id": K, "queue_depth": 0, "oldest_pending_age_secs": null, "faults": [],
                "version": "0.1.0", "last_seq": last_seq,
            }))
            .unwrap()
        };
        sim.heartbeat(&beat(3)).await.unwrap();
        assert_eq!(serde_json::to_value(sim.state()).unwrap()["seq_alerts"], serde_json::json!([]));
        sim.heartbeat(&beat(1)).await.unwrap();
        let state = serde_json::to_value(sim.state()).unwrap();
        assert_eq!(state["last_heartbeat"]["last_seq"], 1, "{state}");
        let alerts = state["seq_alerts"].as_array().cloned().unwrap_or_default();
        assert_eq!(alerts.len(), 1, "{state}");
        assert_eq!(alerts[0]["source"], "heartbeat");
        assert_eq!((alerts[0]["kiosk_seq"].as_i64(), alerts[0]["district_seq"].as_i64()), (Some(1), Some(3)));
        // The same report again is not a new alert.
        sim.heartbeat(&beat(1)).await.unwrap();
        assert_eq!(serde_json::to_value(sim.state()).unwrap()["seq_alerts"].as_array().map(Vec::len), Some(1));
    }

    #[tokio::test]
    async fn the_last_heartbeat_is_kept() {
        let sim = SimDistrict::demo(K);
        let health = Health {
            kiosk_id: K.into(),
            queue_depth: 3,
            oldest_pending_age_secs: Some(90),
            faults: vec![Fault::new(FaultCode::DoorJammed, Some(7))],
            version: "0.1.0".into(),
            last_seq: Some(5),
        };
        sim.heartbeat(&Health::default()).await.unwrap();
        sim.heartbeat(&health).await.unwrap();
        assert_eq!(sim.state().last_heartbeat, Some(health));
    }

    #[tokio::test]
    async fn snapshot_and_state_round_trip_through_json() {
        let sim = SimDistrict::demo(K);
        let batch = [loan(1, "MP0001", "1000001"), ret(2, "MP0005")];
        sim.submit(&batch).await.unwrap();
        sim.heartbeat(&Health { kiosk_id: K.into(), ..Health::default() }).await.unwrap();

        let snapshot = sim.state();
        let json = serde_json::to_string(&snapshot).unwrap();
        assert_eq!(serde_json::from_str::<SimSnapshot>(&json).unwrap(), snapshot);

        let saved = serde_json::to_string(&sim.export_state()).unwrap();
        let restored = SimDistrict::from_state(serde_json::from_str(&saved).unwrap());
        assert_eq!(restored.state(), snapshot);
        // Ids seen before the restart are still known.
        let again = restored.submit(&[batch[0].clone(), ret(3, "MP0001")]).await.unwrap();
        assert_eq!(outcomes(&again), vec![EventOutcome::Duplicate, EventOutcome::Applied]);
    }

    #[tokio::test]
    async fn a_poisoned_lock_does_not_take_the_sim_down() {
        let sim = SimDistrict::demo(K);
        let other = sim.clone();
        let _ = std::thread::spawn(move || {
            let _guard = other.state.lock();
            panic!("a holder of the lock panicked");
        })
        .join();
        assert!(sim.inventory().await.is_ok());
    }
}
