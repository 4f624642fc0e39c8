//! [`Sip2District`]: the [`District`] trait over SIP2.
//!
//! - `authenticate`: 63 (or 23 where the server has no 63) with the PIN in
//!   `AD`; `BL`, `CQ` and the 14 patron-status flags become the kiosk's
//!   answer; the session ends with 35.
//! - `inventory`: the [`Catalogue`], titles and states from 17.
//! - `submit`: loans and hold pickups are checkouts (11), returns checkins
//!   (09); before each, a 17 tells whether it was applied already (the
//!   exactly-once rule, `docs/sip2.md`: a charged item is this checkout's
//!   when it is out to the same patron, from 17's `AA` where the dialect
//!   has it, else 63's charged items). Offline events go with
//!   `no block = Y`, their own date and, for checkouts, the kiosk's due
//!   date. The checkout's answer `AH` is the due date the kiosk keeps.
//!   Events SIP2 has no message for are delivered locally.
//! - `heartbeat`: a 99 (SIP2 has no health message; health stays local).

use super::catalogue::Catalogue;
use super::client::{Client, ClientError, ClientSettings};
use super::dialect::{Dialect, HoldsReport};
use super::messages::{self, AcsStatus, PatronFlags, PatronInfo, Replay, Site, Summary};
use crate::district::{
    AuthAnswer, District, DistrictError, EventOutcome, EventResult, Health, Inventory, ReturnHere, SubmittedEvent,
};
use crate::domain::{Credential, EventBody, Hold, Item, ItemId, Loan, PatronId, PatronStatus, Secret, Standing};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::time::Instant;

/// What the backend needs; built from `[district]` by the daemon.
#[derive(Debug, Clone)]
pub struct Sip2Settings {
    pub client: ClientSettings,
    pub site: Site,
    pub dialect: Dialect,
    /// The district-wide quota from `[policy]`: a patron the server flags
    /// "too many items charged" is at it, whatever their count.
    pub district_quota: u32,
    /// How long one `submit` or `inventory` may spend in all; what is not
    /// done by then is left for the next call (a partial answer), so the
    /// sync worker's own timeout never cuts a request in half.
    pub budget: Duration,
    /// The items the kiosk knows at start-up (its store and
    /// `district.catalogue_file`).
    pub catalogue: Vec<Item>,
}

/// What became of one event at the library system.
struct Delivery {
    outcome: EventOutcome,
    /// A checkout's due date as the library answered it (`AH`).
    due_date: Option<String>,
    /// A checkout's `AF`/`AG`.
    message: Option<String>,
    /// A checkin's `CV`/`CT`: where the book must go.
    send_to: Option<String>,
}

impl From<EventOutcome> for Delivery {
    fn from(outcome: EventOutcome) -> Self {
        Self { outcome, due_date: None, message: None, send_to: None }
    }
}

/// The district over SIP2. See the module documentation.
pub struct Sip2District {
    client: Client,
    site: Site,
    dialect: Dialect,
    district_quota: u32,
    budget: Duration,
    catalogue: Mutex<Catalogue>,
    /// Checkouts and checkins sent whose answer never came: applied or
    /// not, nobody knows until a 17 says.
    in_doubt: Mutex<HashSet<uuid::Uuid>>,
}

impl std::fmt::Debug for Sip2District {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sip2District").field("site", &self.site).finish_non_exhaustive()
    }
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn district_error(e: ClientError) -> DistrictError {
    match e {
        ClientError::Conn(super::conn::ConnError::Timeout(_)) => DistrictError::Timeout,
        ClientError::ServerOffline => DistrictError::Unreachable(e.to_string()),
        e if e.is_offline() => DistrictError::Unreachable(e.to_string()),
        ClientError::LoginRefused => DistrictError::Server(e.to_string()),
        e => DistrictError::BadAnswer(e.to_string()),
    }
}

fn answer_error(e: messages::AnswerError) -> DistrictError {
    DistrictError::BadAnswer(e.to_string())
}

impl Sip2District {
    pub fn new(settings: Sip2Settings) -> Self {
        Self {
            client: Client::new(settings.client),
            site: settings.site,
            dialect: settings.dialect,
            district_quota: settings.district_quota,
            budget: settings.budget,
            catalogue: Mutex::new(Catalogue::new(settings.catalogue)),
            in_doubt: Mutex::new(HashSet::new()),
        }
    }

    /// Send a 99 whenever the session has been idle for the keep-alive
    /// interval, for as long as the backend lives: it wakes when the
    /// session will have been idle that long (not on a fixed tick, which
    /// let a session used just after a tick sit idle for nearly two
    /// intervals, past a server's idle timeout).
    pub fn spawn_keepalive(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let weak: Weak<Self> = Arc::downgrade(self);
        let floor = Duration::from_millis(100);
        tokio::spawn(async move {
            let mut wait = weak.upgrade().map_or(floor, |d| d.client.settings().keepalive);
            loop {
                tokio::time::sleep(wait.max(floor)).await;
                let Some(district) = weak.upgrade() else { return };
                wait = district.client.keepalive().await;
            }
        })
    }

    /// Connect (and log in) if needed and ask the server how it is: what
    /// `bookstation doctor` reports.
    pub async fn probe(&self) -> Result<AcsStatus, DistrictError> {
        self.client.sc_status().await.map_err(district_error)
    }

    fn catalogue(&self) -> std::sync::MutexGuard<'_, Catalogue> {
        self.catalogue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn doubt(&self) -> std::sync::MutexGuard<'_, HashSet<uuid::Uuid>> {
        self.in_doubt.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn item_info(&self, item: &ItemId) -> Result<messages::ItemInfo, DistrictError> {
        let answer = self
            .client
            .call(&messages::item_information(&self.site, item.as_str(), now()), true)
            .await
            .map_err(district_error)?;
        let info = messages::item_info(&answer).map_err(answer_error)?;
        self.catalogue().record(item, &info);
        Ok(info)
    }

    async fn patron_info(&self, patron: &str, pin: &str, summary: Summary) -> Result<PatronInfo, DistrictError> {
        let request = messages::patron_information(&self.site, patron, pin, summary, now());
        let answer = self.client.call(&request, true).await.map_err(district_error)?;
        messages::patron_info(&answer).map_err(answer_error)
    }

    /// 63 once, or once per summary position, merged; 23 for servers
    /// without 63. `None` once the first answer already settles it.
    async fn look_up(&self, patron: &str, pin: &str) -> Result<PatronInfo, DistrictError> {
        let has_63 = self.client.status().await.is_none_or(|s| s.supports(7));
        if !has_63 {
            let answer = self
                .client
                .call(&messages::patron_status(&self.site, patron, pin, now()), true)
                .await
                .map_err(district_error)?;
            return messages::patron_info(&answer).map_err(answer_error);
        }
        if !self.dialect.summary_one_at_a_time {
            return self.patron_info(patron, pin, Summary::All).await;
        }
        let mut info = self.patron_info(patron, pin, Summary::HoldItems).await?;
        if info.valid_patron == Some(false) || info.valid_password == Some(false) {
            return Ok(info);
        }
        info.overdue_items = self.patron_info(patron, pin, Summary::OverdueItems).await?.overdue_items;
        info.charged_items = self.patron_info(patron, pin, Summary::ChargedItems).await?.charged_items;
        Ok(info)
    }

    fn patron_status(&self, id: PatronId, info: &PatronInfo) -> PatronStatus {
        use PatronFlags as F;
        let flags = info.flags;
        let suspended = [
            F::CHARGE_DENIED,
            F::CARD_LOST,
            F::TOO_MANY_CLAIMS_RETURNED,
            F::TOO_MANY_LOST,
            F::EXCESSIVE_FINES,
            F::EXCESSIVE_FEES,
            F::RECALL_OVERDUE,
            F::TOO_MANY_BILLED,
        ]
        .iter()
        .any(|f| flags.is_set(*f));
        let listed = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let mut overdue = info.overdue_count.unwrap_or(0).max(listed(info.overdue_items.len()));
        if flags.is_set(F::TOO_MANY_OVERDUE) {
            overdue = overdue.max(1);
        }
        let mut loans_total = info.charged_count.unwrap_or(0).max(listed(info.charged_items.len()));
        if flags.is_set(F::TOO_MANY_CHARGED) {
            loans_total = loans_total.max(self.district_quota);
        }
        let ready: Vec<&String> = match self.dialect.holds {
            HoldsReport::AvailableInAs => info.hold_items.iter().collect(),
            HoldsReport::AllInAsMinusCd => {
                info.hold_items.iter().filter(|h| !info.unavailable_hold_items.contains(h)).collect()
            }
        };
        let mut catalogue = self.catalogue();
        let loans_here =
            listed(info.charged_items.iter().filter(|i| catalogue.contains(&ItemId::new(i.as_str()))).count());
        let ready_holds = ready
            .into_iter()
            .map(|item| {
                let item_id = ItemId::new(item.as_str());
                catalogue.learn_hold(&item_id, &id);
                Hold { hold_id: item.clone(), item_id, keep_until: None }
            })
            .collect();
        PatronStatus {
            patron_id: id,
            standing: if suspended { Standing::Suspended } else { Standing::Good },
            suspended_until: None,
            overdue_items: overdue,
            loans_total,
            loans_here,
            // 63 lists barcodes only: the kiosk names its own copies.
            loans: info
                .charged_items
                .iter()
                .map(|i| Loan { overdue: info.overdue_items.contains(i), ..Loan::of(ItemId::new(i.as_str())) })
                .collect(),
            ready_holds,
        }
    }

    /// One event to the server; `Err` when its fate is not known (the
    /// batch stops there and the event is sent again later).
    async fn deliver(&self, event: &SubmittedEvent) -> Result<Delivery, DistrictError> {
        let replay = Replay { no_block: event.offline, at: event.created_at.to_utc() };
        match &event.body {
            EventBody::Loan { item_id, patron_id, due_date, .. } => {
                self.lend(event.id, item_id, patron_id, due_date, replay, false).await
            }
            EventBody::HoldPickup { item_id, patron_id, due_date, .. } => {
                self.lend(event.id, item_id, patron_id, due_date, replay, true).await
            }
            EventBody::Return { item_id, library } => {
                self.give_back(event.id, item_id, library.is_some(), replay).await
            }
            EventBody::Restock { item_id, .. } => {
                self.catalogue().add(item_id);
                self.item_info(item_id).await?;
                Ok(EventOutcome::Applied.into())
            }
            // No SIP2 message: the kiosk keeps them (outbox, `status`).
            EventBody::BinUnloaded { .. }
            | EventBody::Alarm { .. }
            | EventBody::StaffDoorOpened { .. }
            | EventBody::OutOfService { .. }
            | EventBody::HelpRequested { .. }
            | EventBody::ReceiptRequested { .. }
            | EventBody::InventoryAudit { .. } => Ok(EventOutcome::Applied.into()),
        }
    }

    /// The library's due date as written in an `AH`, as the kiosk keeps it.
    fn library_due(&self, ah: Option<&str>) -> Option<String> {
        let ah = ah?;
        let day = self.dialect.due_date.parse(ah);
        if day.is_none() {
            tracing::warn!("SIP2 due date (AH) in a form the dialect does not read; the kiosk's date stands");
        }
        day
    }

    /// Whether the item is charged to this patron, asked of 63's charged
    /// items (`None` when the answer does not say: no such patron, or a
    /// server that counts loans without listing them).
    async fn charged_to(&self, item: &ItemId, patron: &PatronId) -> Result<Option<bool>, DistrictError> {
        let info = self.patron_info(patron.as_str(), "", Summary::ChargedItems).await?;
        let listed = info.charged_items.len();
        let counted = info.charged_count.map_or(listed, |n| usize::try_from(n).unwrap_or(usize::MAX));
        if info.valid_patron == Some(false) || listed < counted {
            return Ok(None);
        }
        Ok(Some(info.charged_items.iter().any(|i| i == item.as_str())))
    }

    async fn lend(
        &self,
        id: uuid::Uuid,
        item: &ItemId,
        patron: &PatronId,
        due: &str,
        replay: Replay,
        hold: bool,
    ) -> Result<Delivery, DistrictError> {
        self.catalogue().add(item);
        let before = self.item_info(item).await?;
        let mut moved = false;
        if before.circulation.is_charged() {
            // Already out: this checkout went through before (its answer
            // lost) if the item is out to this patron. Matched by item and
            // patron, never by the due date, which is the library's to set.
            let named = before.patron_id.as_deref().filter(|_| self.dialect.item_info_reports_patron);
            let this_patrons = match named {
                Some(p) => Some(p == patron.as_str()),
                None => self.charged_to(item, patron).await?,
            };
            let already =
                Delivery { due_date: self.library_due(before.due_date.as_deref()), ..EventOutcome::Duplicate.into() };
            match this_patrons {
                Some(true) => return Ok(self.settled(id, already)),
                Some(false) => moved = true,
                None if self.doubt().contains(&id) => return Ok(self.settled(id, already)),
                None => {
                    let reason = "the item was already charged before this checkout was sent, and the library \
                                  system does not say to whom: taken as this loan and not sent again";
                    return Ok(self.settled(
                        id,
                        Delivery { outcome: EventOutcome::Flagged { reason: reason.into() }, ..already },
                    ));
                }
            }
        }
        let due18 = messages::sip_due_date(due).unwrap_or_else(|| messages::sip_date(replay.at));
        let request = messages::checkout(&self.site, patron.as_str(), item.as_str(), &due18, replay);
        self.doubt().insert(id);
        let answer = self.client.call(&request, false).await.map_err(district_error)?;
        let answer = messages::checkout_answer(&answer).map_err(answer_error)?;
        if !answer.ok {
            let how = if replay.no_block { " even with no block" } else { "" };
            let reason = format!("the library system refused the checkout{how} (12 ok=0)");
            let refused = Delivery { message: answer.screen_message, ..EventOutcome::Rejected { reason }.into() };
            return Ok(self.settled(id, refused));
        }
        if hold {
            self.catalogue().clear_hold(item);
        }
        let outcome = if moved {
            EventOutcome::Flagged {
                reason: "the item was charged to another patron; the library system moved the loan".into(),
            }
        } else {
            EventOutcome::Applied
        };
        let due_date = self.library_due(answer.due_date.as_deref());
        Ok(self.settled(id, Delivery { outcome, due_date, message: answer.screen_message, send_to: None }))
    }

    /// A checkin 09 (with the kiosk's location in `AP`), after a 17. A
    /// `foreign` book (another library's, 통합반납) is not added to this
    /// kiosk's catalogue: it leaves with the staff's next unload.
    async fn give_back(
        &self,
        id: uuid::Uuid,
        item: &ItemId,
        foreign: bool,
        replay: Replay,
    ) -> Result<Delivery, DistrictError> {
        if !foreign {
            self.catalogue().add(item);
        }
        let before = self.item_info(item).await?;
        if before.circulation.is_checked_in() {
            return Ok(self.settled(id, EventOutcome::Duplicate.into()));
        }
        self.doubt().insert(id);
        let answer = self
            .client
            .call(&messages::checkin(&self.site, item.as_str(), replay), false)
            .await
            .map_err(district_error)?;
        let answer = messages::checkin_answer(&answer).map_err(answer_error)?;
        let outcome = if answer.ok {
            EventOutcome::Applied
        } else {
            EventOutcome::Rejected { reason: "the library system refused the checkin (10 ok=0)".into() }
        };
        Ok(self.settled(id, Delivery { send_to: answer.send_to(), ..outcome.into() }))
    }

    /// The event's fate is known: no longer in doubt.
    fn settled<T>(&self, id: uuid::Uuid, outcome: T) -> T {
        self.doubt().remove(&id);
        outcome
    }
}

#[async_trait::async_trait]
impl District for Sip2District {
    async fn authenticate(&self, credential: &Credential, pin: Option<&Secret>) -> Result<AuthAnswer, DistrictError> {
        let sent: &str = match credential {
            Credential::Card(uid) => uid,
            Credential::MemberNumber(number) => number,
            // SIP2 has no pickup codes: a code is nobody's there.
            Credential::PickupCode(_) => return Ok(AuthAnswer::UnknownCredential),
        };
        let info = self.look_up(sent, pin.map_or("", |p| &**p)).await?;
        if info.valid_patron == Some(false) {
            return Ok(AuthAnswer::UnknownCredential);
        }
        let id = PatronId::new(if info.patron_id.is_empty() { sent } else { info.patron_id.as_str() });
        if pin.is_some() {
            match info.valid_password {
                Some(true) => {}
                Some(false) => return Ok(AuthAnswer::WrongPin { patron_id: Some(id) }),
                // Lending on an unchecked PIN would lend to anyone with the card.
                None => {
                    return Err(DistrictError::BadAnswer(
                        "the library system did not say whether the PIN is right (no CQ in its answer)".into(),
                    ));
                }
            }
        }
        let status = self.patron_status(id.clone(), &info);
        let message = info.screen_message.clone();
        let end = messages::end_session(&self.site, id.as_str(), now());
        if let Err(e) = self.client.call(&end, true).await {
            tracing::info!(error = %e, "SIP2 end patron session (35) failed; the sign-in stands");
        }
        Ok(AuthAnswer::Patron { status, message })
    }

    async fn inventory(&self) -> Result<Inventory, DistrictError> {
        let deadline = Instant::now() + self.budget;
        let ids = self.catalogue().to_check();
        if ids.is_empty() {
            self.client.sc_status().await.map_err(district_error)?;
        }
        let mut asked = 0;
        for id in ids {
            if Instant::now() >= deadline {
                tracing::debug!(asked, "SIP2 inventory: the rest is asked at the next refresh");
                break;
            }
            match self.item_info(&id).await {
                Ok(_) => asked += 1,
                Err(e) if e.is_offline() && asked == 0 => return Err(e),
                Err(e) if e.is_offline() => break,
                Err(e) => tracing::warn!(error = %e, item = %id.as_str(), "SIP2 item information failed"),
            }
        }
        Ok(self.catalogue().inventory())
    }

    async fn submit(&self, batch: &[SubmittedEvent]) -> Result<Vec<EventResult>, DistrictError> {
        let deadline = Instant::now() + self.budget;
        let mut results = Vec::with_capacity(batch.len());
        for event in batch {
            if Instant::now() >= deadline && !results.is_empty() {
                break;
            }
            match self.deliver(event).await {
                Ok(Delivery { outcome, due_date, message, send_to }) => {
                    results.push(EventResult { id: event.id, outcome, due_date, message, send_to })
                }
                Err(e) if results.is_empty() => return Err(e),
                Err(e) => {
                    tracing::info!(error = %e, delivered = results.len(), "SIP2 batch stopped; the rest goes again");
                    break;
                }
            }
        }
        Ok(results)
    }

    async fn heartbeat(&self, _health: &Health) -> Result<(), DistrictError> {
        self.client.sc_status().await.map(|_| ()).map_err(district_error)
    }

    /// A 17 for the book: one the library system knows and has out on loan
    /// may come back here; its library is 18's `AQ`. The checkin 09 goes
    /// later, with the return event, carrying this kiosk's location.
    async fn return_here(&self, item: &ItemId) -> Result<ReturnHere, DistrictError> {
        let request = messages::item_information(&self.site, item.as_str(), now());
        let answer = self.client.call(&request, true).await.map_err(district_error)?;
        let info = messages::item_info(&answer).map_err(answer_error)?;
        if !info.circulation.is_charged() && info.circulation != messages::Circulation::CLAIMED_RETURNED {
            // Not out on loan: it goes back to its own shelf, which 18's
            // AQ names when the library system knows the book.
            return Ok(ReturnHere::Refused { library: info.permanent_location.filter(|l| !l.is_empty()) });
        }
        Ok(ReturnHere::Accepted {
            library: info.permanent_location.unwrap_or_else(|| self.site.institution.clone()),
            title: Some(info.title).filter(|t| !t.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::charset::Charset;
    use super::super::client::ClientSettings;
    use super::super::conn::ConnSettings;
    use super::super::dialect::DialectName;
    use super::super::frame::{Terminator, decode};
    use super::*;

    /// A backend that never connects: only its reading of answers is tested.
    fn backend(dialect: Dialect) -> Sip2District {
        Sip2District::new(Sip2Settings {
            client: ClientSettings {
                conn: ConnSettings {
                    host: "127.0.0.1".into(),
                    port: 9,
                    tls: None,
                    connect_timeout: Duration::from_secs(1),
                    read_timeout: Duration::from_secs(1),
                    charset: Charset::Utf8,
                    terminator: Terminator::Cr,
                    error_detection: false,
                    retries: 0,
                },
                login: None,
                reconnect_min: Duration::ZERO,
                reconnect_max: Duration::ZERO,
                keepalive: Duration::from_secs(45),
            },
            site: Site { institution: "MAPO".into(), terminal_password: String::new(), location: "HAPJEONG".into() },
            dialect,
            district_quota: 5,
            budget: Duration::from_secs(1),
            catalogue: Vec::new(),
        })
    }

    /// A 64 as a server wrote it: the fixed part (counts of holds and
    /// unavailable holds as given), then the variable fields.
    fn answer_64(holds: u32, unavailable: u32, fields: &str) -> PatronInfo {
        let fixed = format!("{:14}000{}{holds:04}0000000000000000{unavailable:04}", "", "20261207    120000");
        let frame = format!("64{fixed}AOMAPO|AA1000004|AE홍길동|BLY|CQY|{fields}");
        let message = decode(frame.as_bytes(), Charset::Utf8).expect("a well-formed 64").message;
        messages::patron_info(&message).expect("a 64")
    }

    fn ready(dialect: DialectName, info: &PatronInfo) -> Vec<String> {
        let status = backend(Dialect::of(dialect)).patron_status(PatronId::new("1000004"), info);
        status.ready_holds.into_iter().map(|h| h.item_id.as_str().to_owned()).collect()
    }

    /// The same patron (MP0040 waiting on the hold shelf, MP0007 still
    /// with another reader) as each system answers 63 with summary
    /// "hold items" and "unavailable holds", from the systems' SIP code.
    #[test]
    fn each_system_fills_the_holds_fields_its_own_way() {
        // Koha (C4::SIP::ILS::Patron): AS lists the waiting holds only
        // (found = 'W'), CD the holds not yet waiting.
        let koha = answer_64(1, 1, "ASMP0040|CDMP0007|");
        assert_eq!(ready(DialectName::Koha, &koha), ["MP0040"]);
        // Evergreen (OpenILS::SIP::Patron::hold_items): AS lists every
        // unfilled hold unless msg64_hold_items_available is set; the
        // unavailable ones are in CD too.
        let evergreen = answer_64(2, 1, "ASMP0040|ASMP0007|CDMP0007|");
        assert_eq!(ready(DialectName::Evergreen, &evergreen), ["MP0040"]);
        // FOLIO's edge-sip2 likewise lists every hold in AS.
        assert_eq!(ready(DialectName::Folio, &evergreen), ["MP0040"]);
        // Read as Koha's, Evergreen's answer would offer a book still on loan.
        assert_eq!(ready(DialectName::Koha, &evergreen), ["MP0040", "MP0007"]);
        // The generic reading is the spec's (and Koha's).
        assert_eq!(ready(DialectName::Generic, &koha), ["MP0040"]);
    }

    #[test]
    fn the_screen_message_is_af_then_ag_once_each() {
        let info =
            answer_64(0, 0, "AFCard blocked: please see library staff|AGCard blocked: please see library staff|");
        assert_eq!(info.screen_message.as_deref(), Some("Card blocked: please see library staff"));
        let two = answer_64(0, 0, "AFFirst line|AFSecond line|AGPrinted|");
        assert_eq!(two.screen_message.as_deref(), Some("First line\nSecond line\nPrinted"));
        assert_eq!(answer_64(0, 0, "AF|").screen_message, None);
        assert!(!format!("{two:?}").contains("line"), "never in a Debug print");
    }
}
