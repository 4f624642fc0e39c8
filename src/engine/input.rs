//! Everything that can happen to the engine, as data: patron and staff
//! actions, hardware events, and the results of the engine's own effects.

use crate::config::Language;
use crate::district::Inventory;
use crate::domain::rules::OutageCounts;
use crate::domain::{CachedPatron, ItemId, PatronStatus, SlotNo, Timestamp};
use crate::store::{IntentId, OutboxEvent, OutboxStats};
use bookstation_hardware::{ErrorKind, SlotStatus};
use serde::Deserialize;

/// What the touch UI (or the control socket) asks for. JSON:
/// `{"action":"select","item_id":"MP0001"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Any touch on the screen: keeps the session alive.
    Touch,
    /// Home → the books in this kiosk.
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
    Confirm,
    Back,
    /// End the session ("finish").
    Logout,
    /// A member number typed on the attract screen.
    MemberNumber {
        number: String,
    },
    /// The patron's PIN.
    Pin {
        pin: String,
    },
    StartReturn,
    PickupHolds,
    Language {
        language: Language,
    },
    StaffPin {
        pin: String,
    },
    Restock {
        slot: SlotNo,
    },
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
    Outbox,
    /// Staff: send the outbox to the district now, forgetting the back-off;
    /// then shows the outbox.
    SyncNow,
}

/// The district's answer to an authentication, with what the store adds to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthResult {
    Online {
        status: PatronStatus,
        /// Loans made here that the district has not acknowledged yet.
        pending_here: u32,
    },
    /// The district could not be reached; the offline policy decides.
    Offline {
        cached: Option<CachedPatron>,
        pending_here: u32,
        counts: OutageCounts,
        outage_started: Timestamp,
    },
    UnknownCredential,
    WrongPin,
    /// The district answered, but with an error (not an outage).
    Failed,
}

/// One input to [`super::Engine::handle`].
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Action(Action),
    /// A card on the reader (UID, upper-case hex).
    CardTapped(String),
    /// A barcode or QR code from the scanner.
    Scanned(String),
    /// Slots whose sensors changed.
    Sensors(Vec<SlotStatus>),
    /// Time passed: check deadlines.
    Tick,
    /// Whether the district answered the last call.
    Connectivity {
        online: bool,
        outage_started: Option<Timestamp>,
    },
    /// New catalogue from the district.
    Inventory(Inventory),
    Authenticated {
        attempt: u64,
        result: AuthResult,
    },
    IntentBegun(IntentId),
    IntentClosed(IntentId),
    SlotOpened {
        slot: SlotNo,
        result: Result<(), (ErrorKind, String)>,
    },
    BinUnloaded(Vec<ItemId>),
    OutboxLoaded {
        stats: OutboxStats,
        recent: Vec<OutboxEvent>,
    },
    /// A store write failed: the flow stops safely where it is.
    StoreFailed(String),
}
