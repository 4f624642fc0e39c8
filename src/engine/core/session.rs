//! The patron's session: card or QR or member number, PIN, the district's
//! answer, home, browse, search, detail, selection and confirmation.

use super::dispense::{Dispense, Pick};
use super::standing::{Basis, PatronSession};
use super::{Engine, State};
use crate::domain::StaffId;
use crate::domain::rules::{self, Allowance};
use crate::domain::{Credential, ItemId, RefusalReason, Secret, search};
use crate::engine::effect::Effect;
use crate::engine::input::{Action, AuthResult};
use crate::engine::view::{Notice, NoticeKey};

impl Engine {
    /// A card on the reader.
    pub(super) fn on_card(&mut self, uid: &str, fx: &mut Vec<Effect>) {
        let Some(credential) = Credential::card(uid) else {
            self.notice = Some(Notice::new(NoticeKey::CardUnreadable));
            return;
        };
        if let Some(staff) = self.staff_for_card(uid) {
            if self.is_idle_for_new_session() {
                self.staff_card(staff);
            } else {
                self.notice = Some(Notice::new(NoticeKey::SessionInProgress));
            }
            return;
        }
        self.start_patron(credential, fx);
    }

    fn staff_for_card(&self, uid: &str) -> Option<StaffId> {
        self.settings.staff.iter().find(|s| s.matches_card(uid)).map(|s| s.id.clone())
    }

    /// A new session may start only from a screen that belongs to nobody.
    fn is_idle_for_new_session(&self) -> bool {
        match &self.state {
            State::Attract | State::Refusal { .. } => self.patron.is_none(),
            State::Return(r) => r.is_idle() && self.patron.is_none(),
            State::Pin { .. } => true,
            _ => false,
        }
    }

    /// Card, QR code or typed member number: ask for the PIN or the district.
    fn start_patron(&mut self, credential: Credential, fx: &mut Vec<Effect>) {
        if let Some(current) = &self.patron {
            // The same card again just keeps the session; another patron's
            // card must not take over someone else's session.
            if current.credential != credential {
                self.notice = Some(Notice::new(NoticeKey::SessionInProgress));
            }
            self.last_activity = self.now;
            return;
        }
        if !self.is_idle_for_new_session() {
            self.notice = Some(Notice::new(NoticeKey::SessionInProgress));
            return;
        }
        self.start_fresh();
        if self.kiosk.out_of_service {
            self.state = State::Refusal { reason: RefusalReason::KioskOutOfService, library: None };
            return;
        }
        if self.settings.require_pin || credential.is_pickup_code() {
            // The lock-out lives in the store (it outlasts a restart); the
            // PIN pad shows only once the store says entry is open.
            self.auth_attempt += 1;
            let attempt = self.auth_attempt;
            fx.push(Effect::CheckPinLock { attempt, credential: credential.clone() });
            self.state = State::CheckingPinLock { attempt, credential };
        } else {
            self.authenticate(credential, None, fx);
        }
    }

    pub(super) fn on_pin_lock(&mut self, attempt: u64, failures: u32, locked: bool, fx: &mut Vec<Effect>) {
        let State::CheckingPinLock { attempt: current, credential } = &self.state else { return };
        if *current != attempt {
            return;
        }
        if locked {
            self.state = State::Refusal { reason: RefusalReason::PinLocked, library: None };
        } else if credential.is_pickup_code() {
            // The code is the secret: no PIN after it.
            let credential = credential.clone();
            self.authenticate(credential, None, fx);
        } else {
            self.state = State::Pin { credential: credential.clone(), failures };
        }
    }

    fn authenticate(&mut self, credential: Credential, pin: Option<Secret>, fx: &mut Vec<Effect>) {
        self.auth_attempt += 1;
        let attempt = self.auth_attempt;
        fx.push(Effect::Authenticate { attempt, credential: credential.clone(), pin });
        self.state = State::Authenticating { attempt, credential };
    }

    pub(super) fn on_authenticated(&mut self, attempt: u64, result: AuthResult) {
        let credential = match &self.state {
            State::Authenticating { attempt: current, credential, .. } if *current == attempt => credential.clone(),
            _ => return, // a late answer for a session that already ended
        };
        let by_code = credential.is_pickup_code();
        let session = match result {
            AuthResult::Online { status, record, library_message } => {
                let mut session =
                    PatronSession::new(credential.clone(), status, record, Basis::Online, &self.settings, self.now);
                session.library_message = library_message.map(Secret::from);
                session
            }
            AuthResult::Offline { cached: Some(cached), record, counts, outage_started } => {
                let basis = Basis::Offline { seen_online_at: cached.seen_online_at, outage_started, counts };
                PatronSession::new(credential.clone(), cached.status, record, basis, &self.settings, self.now)
            }
            AuthResult::Offline { cached: None, .. } => return self.refuse(RefusalReason::OfflineNotEligible),
            AuthResult::UnknownCredential => return self.refuse(RefusalReason::UnknownCard),
            AuthResult::Failed => return self.refuse(RefusalReason::DistrictUnavailable),
            AuthResult::Locked | AuthResult::WrongPin { locked: true, .. } => {
                return self.refuse(RefusalReason::PinLocked);
            }
            AuthResult::WrongPin { locked: false, .. } if credential.is_pickup_code() => {
                self.start_fresh();
                self.notice = Some(Notice::new(NoticeKey::PickupCodeUnknown));
                return;
            }
            AuthResult::WrongPin { failures, locked: false } => {
                self.notice = Some(Notice::new(NoticeKey::WrongPin));
                self.state = State::Pin { credential, failures };
                return;
            }
        };
        if by_code {
            // A code opens its hold's locker and nothing else.
            let holds = self.holds_here(&session.settled);
            self.patron = Some(session);
            if holds.is_empty() {
                self.start_fresh();
                self.notice = Some(Notice::new(NoticeKey::NoHoldsHere));
            } else {
                self.state = State::Holds;
            }
            return;
        }
        // Signed in: a "no" of any kind is said at once, unless holds wait.
        let refused = match session.allowance {
            Err(reason) if self.holds_here(&session.settled).is_empty() => Some(reason),
            _ => None,
        };
        self.patron = Some(session);
        match refused {
            Some(reason) => self.state = State::Refusal { reason, library: None },
            None => self.go_home(),
        }
    }

    fn refuse(&mut self, reason: RefusalReason) {
        self.state = State::Refusal { reason, library: None };
    }

    /// The patron's home screen, or why they may do nothing here: a
    /// suspension or overdue items stop everything, holds included. (The
    /// standing is settled again after every loan and return, so a patron
    /// who just returned their overdue book comes home.)
    pub(super) fn go_home(&mut self) {
        let Some(patron) = &self.patron else {
            self.display = Default::default();
            self.state = State::Attract;
            return;
        };
        if patron.credential.is_pickup_code() {
            // A pickup by code has no home: it ends with its hold.
            return self.end_session();
        }
        self.shelf_is_home = true;
        self.state = match patron.allowance {
            Err(reason @ (RefusalReason::Suspended | RefusalReason::OverdueItems)) => {
                State::Refusal { reason, library: None }
            }
            _ => State::Home,
        };
    }

    /// The patron's ready holds whose book sits in a working locker here.
    pub(super) fn holds_here(&self, status: &crate::domain::PatronStatus) -> Vec<Pick> {
        status
            .ready_holds
            .iter()
            .filter_map(|h| {
                let slot = self.kiosk.slot_of(&h.item_id)?;
                let seen = self.kiosk.seen(slot.no);
                (slot.kind == crate::domain::SlotKind::Locker && slot.fault.is_none() && seen).then(|| Pick {
                    item: h.item_id.clone(),
                    slot: slot.no,
                    title: self.kiosk.title(&h.item_id),
                    hold_id: Some(h.hold_id.clone()),
                })
            })
            .collect()
    }

    pub(super) fn on_patron_action(&mut self, action: Action, fx: &mut Vec<Effect>) {
        match action {
            Action::MemberNumber { number } => match Credential::member_number(&number) {
                Some(c) => self.start_patron(c, fx),
                None => self.notice = Some(Notice::new(NoticeKey::MemberNumberInvalid)),
            },
            Action::PickupCode { code } => match Credential::pickup_code(&code) {
                Some(c) => self.start_patron(c, fx),
                None => self.notice = Some(Notice::new(NoticeKey::PickupCodeUnknown)),
            },
            Action::Pin { pin } => {
                if let State::Pin { credential, .. } = &self.state {
                    let credential = credential.clone();
                    self.authenticate(credential, Some(pin), fx);
                }
            }
            Action::Browse if self.can_browse() => {
                self.shelf_is_home = false;
                self.state = State::Browse;
            }
            // Home shows the shelf, so a search there stays there.
            Action::Search { query } if self.can_browse() => {
                // Titles are NFC (normalised at the district's border); so is the query.
                self.query = crate::domain::text::nfc(&query).into_owned();
                self.state = if self.shelf_is_home { State::Home } else { State::Browse };
            }
            Action::Detail { item_id } if self.can_browse() && self.kiosk.items.contains_key(&item_id) => {
                self.state = State::Detail { item: item_id }
            }
            Action::Select { item_id } if self.can_browse() => self.select(item_id),
            Action::Unselect { item_id } if self.can_browse() => self.selected.retain(|i| *i != item_id),
            Action::Confirm => self.confirm(fx),
            Action::PickupHolds if matches!(self.state, State::Home) => {
                let has = self.patron.as_ref().is_some_and(|p| !self.holds_here(&p.settled).is_empty());
                if has {
                    self.state = State::Holds;
                } else {
                    self.notice = Some(Notice::new(NoticeKey::NoHoldsHere));
                }
            }
            _ => self.notice = Some(Notice::new(NoticeKey::NotNow)),
        }
    }

    fn can_browse(&self) -> bool {
        matches!(self.state, State::Home | State::Browse | State::Detail { .. } | State::Confirm)
            && self.patron.as_ref().is_some_and(|p| !p.credential.is_pickup_code())
    }

    fn select(&mut self, item_id: ItemId) {
        let Some(patron) = &self.patron else { return };
        if self.selected.contains(&item_id) {
            return;
        }
        let allowance = match patron.allowance {
            Ok(a) => a,
            Err(reason) => Allowance { remaining: 0, binding: reason },
        };
        let verdict = match self.kiosk.items.get(&item_id) {
            Some(item) => rules::can_select(
                item,
                self.kiosk.slot_of(&item_id),
                self.kiosk.slot_of(&item_id).is_some_and(|s| self.kiosk.seen(s.no)),
                &patron.settled.patron_id,
                self.selected.len(),
                allowance,
            ),
            None => Err(RefusalReason::ItemNotAvailable.into()),
        };
        match verdict {
            Ok(()) => self.selected.push(item_id),
            Err(refusal) => self.notice = Some(Notice::new(NoticeKey::Refusal(refusal.reason))),
        }
    }

    fn confirm(&mut self, fx: &mut Vec<Effect>) {
        match &self.state {
            State::Home | State::Browse | State::Detail { .. } if !self.selected.is_empty() => {
                self.state = State::Confirm
            }
            State::Home | State::Browse | State::Detail { .. } => {
                self.notice = Some(Notice::new(NoticeKey::SelectFirst))
            }
            State::Confirm => {
                let picks: Vec<Pick> = self
                    .selected
                    .iter()
                    .filter_map(|id| {
                        let slot = self.kiosk.slot_of(id)?;
                        Some(Pick { item: id.clone(), slot: slot.no, title: self.kiosk.title(id), hold_id: None })
                    })
                    .collect();
                self.selected.clear();
                self.start_dispense(Dispense::new(picks), fx);
            }
            State::Holds => {
                let picks = self.patron.as_ref().map(|p| self.holds_here(&p.settled)).unwrap_or_default();
                self.start_dispense(Dispense::new(picks), fx);
            }
            _ => self.notice = Some(Notice::new(NoticeKey::NotNow)),
        }
    }

    /// The shelf: books their lockers' sensors see, that match the query,
    /// with the lockers they are in, in locker order.
    pub(super) fn browse_slots(&self) -> impl Iterator<Item = (&crate::domain::Slot, &crate::domain::Item)> {
        self.kiosk
            .slots
            .values()
            .filter(|s| self.kiosk.seen(s.no))
            .filter_map(|s| Some((s, self.kiosk.items.get(s.item.as_ref()?)?)))
            .filter(|(_, i)| search::matches(&self.query, &i.title) || search::matches(&self.query, &i.author))
    }

    /// A scan: a member's QR code, a book to return, or a book for a restock.
    pub(super) fn on_scan(&mut self, text: &str, fx: &mut Vec<Effect>) {
        // A scanner may send a decomposed form; the catalogue is NFC.
        let text = &*crate::domain::text::nfc(text);
        // Each scan gets its own answer: the last one's notice goes.
        self.notice = None;
        if let Some(credential) = self.settings.qr.parse(text) {
            if matches!(self.state, State::Return(_)) {
                // A patron who thinks a return needs their card: it does not.
                self.notice = Some(Notice::new(NoticeKey::ReturnsNeedNoCard));
            } else {
                self.start_patron(credential, fx);
            }
            return;
        }
        let item = ItemId::new(text.trim());
        match &self.state {
            State::Staff { .. } => self.staff_scan(item, fx),
            State::Return(r) if r.is_idle() => self.return_scan(item, fx),
            State::Attract
                if self.kiosk.items.contains_key(&item)
                    || (self.settings.accept_other_libraries && !item.as_str().is_empty()) =>
            {
                // A book held up to the scanner on the idle screen is a
                // return; another library's is asked of the district.
                self.start_return();
                if matches!(self.state, State::Return(_)) {
                    self.return_scan(item, fx);
                }
            }
            // Any other code on the idle screen is a book from elsewhere:
            // say so, and where it goes back, on a screen of its own.
            State::Attract if !item.as_str().is_empty() => {
                self.start_fresh();
                self.state = State::Refusal { reason: RefusalReason::ItemNotFromThisKiosk, library: None };
            }
            _ => self.notice = Some(Notice::new(NoticeKey::ScanNotExpected)),
        }
    }
}
