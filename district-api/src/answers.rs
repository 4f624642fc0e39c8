//! What the kiosk and the district say to each other: the answers to a
//! sign-in, an inventory, a batch of events, a heartbeat and a return check.
//! `docs/district-api.md` is the same contract in words.

use crate::{EventBody, Fault, Item, ItemId, PatronId, PatronStatus, Timestamp};
use serde::{Deserialize, Serialize};

/// The district's answer to a credential. A wrong PIN is an answer, not an
/// error: the engine counts it towards the PIN lock-out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum AuthAnswer {
    Patron {
        status: PatronStatus,
        /// The library system's own words for this patron (SIP2 `AF`/`AG`,
        /// "Card blocked: please see library staff"), shown under the
        /// kiosk's as the library's message. May name the patron: never
        /// logged, never cached.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    UnknownCredential,
    /// The PIN is wrong. `patron_id` says whose the credential is, when the
    /// district tells (SIP2 does), so the kiosk counts wrong PINs per patron
    /// whatever card, QR code or number they try.
    WrongPin {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        patron_id: Option<PatronId>,
    },
}

/// The district's word on a book that is not this kiosk's, scanned for
/// return (통합반납): may it go into this kiosk's bin?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ReturnHere {
    /// Yes: it belongs to `library` (its name, for the patron and staff),
    /// and its title where the district knows it.
    Accepted {
        library: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
    },
    /// No: not a book of the district's libraries, or one they do not take
    /// back at kiosks; `library` names the library it goes back to, when
    /// the district knows it, so the patron is told where.
    Refused {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        library: Option<String>,
    },
}

/// What belongs to one kiosk, fetched at start-up and after restocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// Every copy that belongs to this kiosk, in its lockers or out on loan:
    /// the kiosk needs the ones on loan too, to accept their return. Where a
    /// copy sits is the lockers' business, not the district's.
    pub items: Vec<Item>,
    /// Holds waiting in this kiosk, so the patron's home screen can offer them.
    pub holds: Vec<InventoryHold>,
}

/// A hold ready for pickup in this kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryHold {
    /// The district's id, echoed back in the `hold_pickup` event.
    pub hold_id: String,
    /// The copy set aside; nobody else may borrow it.
    pub item_id: ItemId,
    /// Whose hold it is; only this patron may pick it up.
    pub patron_id: PatronId,
}

/// An outbox event on its way to the district. In JSON the body's fields sit
/// beside the envelope's, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedEvent {
    /// UUIDv7, the idempotency key: the district counts each id once.
    pub id: uuid::Uuid,
    /// Per-kiosk sequence number; the district receives events in this order.
    pub seq: i64,
    /// Which kiosk the event happened at (a district serves many).
    pub kiosk_id: String,
    /// Happened while the district was unreachable: a fact decided by the
    /// kiosk's offline policy, to be flagged rather than refused.
    pub offline: bool,
    /// When it happened at the kiosk, not when it was sent.
    pub created_at: Timestamp,
    #[serde(flatten)]
    pub body: EventBody,
}

/// The district's verdict on one submitted event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventResult {
    /// Which event this answers, so a reordered answer cannot be misread.
    pub id: uuid::Uuid,
    #[serde(flatten)]
    pub outcome: EventOutcome,
    /// For a loan or hold pickup the district holds: the due date it holds
    /// (`YYYY-MM-DD`, the library's day), which the kiosk shows and keeps
    /// in place of its own guess. `None` from a district that does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// The library system's words for the patron about this loan (SIP2
    /// `AF`/`AG` of the checkout), shown on the receipt as the library's.
    /// May name the patron: never logged, never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For a return the district holds: where the book must go rather than
    /// back to a shelf here (its own library, a hold at another branch),
    /// for the staff's unload list. `None`: nowhere in particular.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_to: Option<String>,
}

impl EventResult {
    /// An answer without a due date.
    pub fn new(id: uuid::Uuid, outcome: EventOutcome) -> Self {
        Self { id, outcome, due_date: None, message: None, send_to: None }
    }
}

/// The first three mean the event is delivered and may leave the outbox;
/// `Rejected` means the district will not record it and staff must look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EventOutcome {
    Applied,
    /// Seen before under the same id; nothing was applied again.
    Duplicate,
    /// Recorded as a fact, but staff must look at it (`reason` says why, and
    /// never names the patron).
    Flagged {
        reason: String,
    },
    /// Not recorded, for good (an event the server cannot read or will not
    /// take from this kiosk). The kiosk keeps it as `rejected` for staff and
    /// goes on with the rest; it is never resent unless staff ask
    /// (`bookstation outbox retry --rejected`).
    Rejected {
        reason: String,
    },
}

impl EventOutcome {
    /// The district has the event (applied now, before, or flagged).
    pub fn is_delivered(&self) -> bool {
        !matches!(self, Self::Rejected { .. })
    }
}

/// The kiosk's health, sent with each heartbeat for the district's dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Which kiosk is reporting.
    pub kiosk_id: String,
    /// Events not yet delivered; a growing number means sync is stuck.
    pub queue_depth: u64,
    /// Age of the oldest undelivered event, `None` when the queue is empty.
    pub oldest_pending_age_secs: Option<u64>,
    /// Open faults: a code to act on, the door, a sentence for people.
    pub faults: Vec<Fault>,
    /// Daemon version, so the district knows what each kiosk runs.
    pub version: String,
    /// The highest `seq` the kiosk has given out (0 before its first
    /// event). A district holding a higher one from this kiosk knows it
    /// lost or restored its database. `None` from a kiosk that predates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seq: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SlotNo, Standing};
    use serde_json::json;

    #[test]
    fn submitted_event_is_flat_json_tagged_by_kind() {
        let id = uuid::Uuid::now_v7();
        let event = SubmittedEvent {
            id,
            seq: 7,
            kiosk_id: "K".into(),
            offline: true,
            created_at: Timestamp(1_000),
            body: EventBody::Loan {
                item_id: ItemId::new("MP0001"),
                patron_id: PatronId::new("1000001"),
                slot: SlotNo(1),
                due_date: "2026-12-14".into(),
            },
        };
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(
            value,
            json!({
                "id": id.to_string(), "seq": 7, "kiosk_id": "K", "offline": true, "created_at": 1000,
                "kind": "loan", "item_id": "MP0001", "patron_id": "1000001", "slot": 1, "due_date": "2026-12-14",
            })
        );
        assert_eq!(serde_json::from_value::<SubmittedEvent>(value).unwrap(), event);
    }

    #[test]
    fn results_and_answers_have_their_tags() {
        let id = uuid::Uuid::now_v7();
        let flagged = EventResult::new(id, EventOutcome::Flagged { reason: "r".into() });
        let value = serde_json::to_value(&flagged).unwrap();
        assert_eq!(value, json!({ "id": id.to_string(), "outcome": "flagged", "reason": "r" }));
        assert_eq!(serde_json::from_value::<EventResult>(value).unwrap(), flagged);

        let applied = serde_json::to_value(EventResult::new(id, EventOutcome::Applied)).unwrap();
        assert_eq!(applied, json!({ "id": id.to_string(), "outcome": "applied" }));
        let dated = EventResult { due_date: Some("2026-12-21".into()), ..EventResult::new(id, EventOutcome::Applied) };
        let value = serde_json::to_value(&dated).unwrap();
        assert_eq!(value, json!({ "id": id.to_string(), "outcome": "applied", "due_date": "2026-12-21" }));
        assert_eq!(serde_json::from_value::<EventResult>(value).unwrap(), dated);

        assert_eq!(
            serde_json::to_value(AuthAnswer::WrongPin { patron_id: None }).unwrap(),
            json!({ "result": "wrong_pin" })
        );
        let patron = AuthAnswer::Patron {
            message: None,
            status: PatronStatus {
                patron_id: PatronId::new("1"),
                standing: Standing::Good,
                suspended_until: None,
                overdue_items: 0,
                loans_total: 0,
                loans_here: 0,
                loans: vec![],
                ready_holds: vec![],
            },
        };
        let value = serde_json::to_value(&patron).unwrap();
        assert_eq!(value["result"], "patron");
        assert_eq!(serde_json::from_value::<AuthAnswer>(value).unwrap(), patron);
    }
}
