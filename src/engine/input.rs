//! Everything that can happen to the engine, as data: patron and staff
//! actions, hardware events, and the results of the engine's own effects.

use super::view::{DisplayModes, OutboxLine, OutboxSummary, ReceiptVia};
use crate::district::Inventory;
use crate::domain::IntentId;
use crate::domain::Language;
pub use crate::domain::Secret;
use crate::domain::StaffId;
use crate::domain::holdings::KioskRecord;
use crate::domain::rules::OutageCounts;
use crate::domain::{CachedPatron, ItemId, PatronStatus, SlotNo, Timestamp};
use bookstation_hardware::{ErrorKind, SlotStatus};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

/// `deserialize_with` for the unit variants of an internally tagged enum
/// with `deny_unknown_fields`: serde applies that attribute to struct
/// variants only and lets `{"action":"browse","typo":1}` through; this
/// refuses any field beside the tag, by name.
pub(crate) fn no_fields<'de, D: Deserializer<'de>>(deserializer: D) -> Result<(), D::Error> {
    struct NoFields;
    impl<'de> Visitor<'de> for NoFields {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("no field beside the tag")
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            match map.next_key::<String>()? {
                None => Ok(()),
                Some(key) => Err(de::Error::unknown_field(&key, &[])),
            }
        }
    }
    deserializer.deserialize_any(NoFields)
}

/// What the touch UI (or the control socket) asks for. JSON:
/// `{"action":"select","item_id":"MP0001"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Any touch on the screen: keeps the session alive.
    #[serde(deserialize_with = "no_fields")]
    Touch,
    /// Home → the books in this kiosk.
    #[serde(deserialize_with = "no_fields")]
    Browse,
    Search {
        query: String,
    },
    Detail {
        item_id: ItemId,
    },
    Select {
        item_id: ItemId,
    },
    Unselect {
        item_id: ItemId,
    },
    #[serde(deserialize_with = "no_fields")]
    Confirm,
    /// "More time" while a locker waits: its full time again.
    #[serde(deserialize_with = "no_fields")]
    MoreTime,
    /// "Help" (on every screen): staff are told, the screen says how to
    /// reach a person.
    #[serde(deserialize_with = "no_fields")]
    Help,
    /// On the receipt screen: print it, or have the district text it.
    Receipt {
        via: ReceiptVia,
    },
    #[serde(deserialize_with = "no_fields")]
    Back,
    /// End the session ("finish").
    #[serde(deserialize_with = "no_fields")]
    Logout,
    /// A hold's pickup code typed on the start screen (no card).
    PickupCode {
        code: Secret,
    },
    /// A member number typed on the attract screen.
    MemberNumber {
        number: Secret,
    },
    /// The patron's PIN.
    Pin {
        pin: Secret,
    },
    #[serde(deserialize_with = "no_fields")]
    StartReturn,
    #[serde(deserialize_with = "no_fields")]
    PickupHolds,
    Language {
        language: Language,
    },
    /// The access bar's switches: the text size, high contrast, controls
    /// lower. `{"action":"display","text_size":"2x","high_contrast":false,"reach":false}`;
    /// `text_size` is `"normal"`, `"1.5x"` or `"2x"`, a key left out is
    /// off. The older `"large_text": true` still means `"1.5x"` (not both
    /// in one request). See [`DisplayModes`].
    Display(DisplayModes),
    StaffPin {
        pin: Secret,
    },
    Restock {
        slot: SlotNo,
    },
    #[serde(deserialize_with = "no_fields")]
    UnloadBin,
    OpenSlot {
        slot: SlotNo,
    },
    /// Without `slot`, the whole kiosk.
    SetOutOfService {
        #[serde(default)]
        slot: Option<SlotNo>,
        value: bool,
    },
    ClearFault {
        slot: SlotNo,
    },
    #[serde(deserialize_with = "no_fields")]
    Outbox,
    /// Staff: send the outbox to the district now, forgetting the back-off;
    /// then shows the outbox.
    #[serde(deserialize_with = "no_fields")]
    SyncNow,
    /// Staff: the inventory audit, every locker's item sensor against the
    /// kiosk's record.
    #[serde(deserialize_with = "no_fields")]
    Audit,
}

/// The district's answer to an authentication, with what the store adds to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthResult {
    Online {
        status: PatronStatus,
        /// What this kiosk lent and took back that the status may not count.
        record: KioskRecord,
        /// The library system's words for the patron, shown as its own.
        library_message: Option<String>,
    },
    /// The district could not be reached; the offline policy decides. A
    /// cached patron is here only when the PIN matched its verifier (or the
    /// kiosk asks for no PIN).
    Offline {
        cached: Option<CachedPatron>,
        record: KioskRecord,
        counts: OutageCounts,
        outage_started: Timestamp,
    },
    UnknownCredential,
    /// A wrong PIN, counted in the store for the credential and the patron.
    WrongPin {
        failures: u32,
        locked: bool,
    },
    /// PIN entry is locked for this credential or its patron, whatever PIN was typed.
    Locked,
    /// The district answered, but with an error (not an outage).
    Failed,
}

/// One input to [`super::Engine::handle`].
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Action(Action),
    /// A card on the reader (UID, upper-case hex).
    CardTapped(Secret),
    /// A barcode or QR code from the scanner (a QR code holds a member number).
    Scanned(Secret),
    /// Slots whose sensors changed.
    Sensors(Vec<SlotStatus>),
    /// Time passed: check deadlines.
    Tick,
    /// Whether the district answered a call (the sync worker's, or the
    /// runner's own). The engine is the one owner of "online" and of the
    /// outage's start.
    Connectivity {
        online: bool,
    },
    /// The district took a loan of `item` and holds this due date for it
    /// (`YYYY-MM-DD`): the library's word, which replaces the kiosk's guess
    /// on a receipt still on the screen.
    DueDateConfirmed {
        item: ItemId,
        due_date: String,
        /// The library's words for the patron about the loan (may name them).
        message: Option<Secret>,
    },
    /// The district's word on a book that is not this kiosk's, scanned for
    /// return; `None` when it could not be asked (unreachable, an error).
    ReturnHereAnswered {
        item: ItemId,
        answer: Option<crate::district::ReturnHere>,
    },
    /// The bin's books that go elsewhere ([`super::Effect::LoadBinTransit`]).
    BinTransitLoaded(Vec<crate::store::BinBook>),
    /// New catalogue from the district.
    Inventory(Inventory),
    Authenticated {
        attempt: u64,
        result: AuthResult,
    },
    /// The store's PIN lock-out for a credential about to be asked for its
    /// PIN: wrong PINs so far, and whether entry is locked.
    PinLock {
        attempt: u64,
        failures: u32,
        locked: bool,
    },
    /// Whether the staff PIN was right ([`super::Effect::VerifyStaffPin`]).
    StaffPinChecked {
        staff_id: StaffId,
        right: bool,
    },
    IntentBegun(IntentId),
    IntentClosed(IntentId),
    SlotOpened {
        slot: SlotNo,
        result: Result<(), (ErrorKind, String)>,
    },
    BinUnloaded(Vec<ItemId>),
    OutboxLoaded {
        stats: OutboxSummary,
        recent: Vec<OutboxLine>,
    },
    /// A store write failed: the flow stops safely where it is.
    StoreFailed(String),
    /// The answer to [`super::Effect::ReadAllSensors`]: every slot the board
    /// reported (a silent board's are missing), or why it did not answer.
    AllSensors(Result<Vec<SlotStatus>, String>),
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug() {
        let action: Action = serde_json::from_str(r#"{"action":"pin","pin":"7391"}"#).expect("a pin action");
        assert_eq!(action, Action::Pin { pin: "7391".into() });
        let shown = format!("{:?} {:?}", Input::Action(action), Input::CardTapped("04A1B2C3D4E5F6".into()));
        assert!(!shown.contains("7391") && !shown.contains("04A1B2"), "{shown}");
        assert!(shown.contains("Pin") && shown.contains("<redacted>"), "{shown}");
        let staff = format!("{:?}", Action::StaffPin { pin: "2580".into() });
        let member = format!("{:?}", Action::MemberNumber { number: "1000001".into() });
        assert!(!staff.contains("2580") && !member.contains("1000001"), "{staff} {member}");
        assert_eq!(&*Secret::from("abc"), "abc", "usable as a str");
    }
}
