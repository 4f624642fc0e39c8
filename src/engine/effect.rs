//! What the engine wants done, as data. The runner performs each effect and
//! feeds its result back as an [`super::Input`]; nothing here does I/O.

use crate::domain::IntentId;
use crate::domain::StaffId;
use crate::domain::staff::PinThrottle;
use crate::domain::{Credential, EventBody, ItemId, Secret, SlotNo, Timestamp};

/// A journal entry to write before a door opens (invariant 1).
pub use crate::domain::IntentSpec;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Ask the district who this is → `Input::Authenticated`.
    Authenticate {
        attempt: u64,
        credential: Credential,
        pin: Option<Secret>,
    },
    /// Read the PIN lock-out of a credential (and of its patron, when the
    /// kiosk knows whose it is) → `Input::PinLock`.
    CheckPinLock {
        attempt: u64,
        credential: Credential,
    },
    /// Check a staff PIN against the config's Argon2 hash, off the engine
    /// → `Input::StaffPinChecked`.
    VerifyStaffPin {
        staff_id: StaffId,
        pin: Secret,
    },
    /// Remember a staff member's wrong PINs (or forget them) across restarts.
    SaveStaffThrottle {
        staff_id: StaffId,
        throttle: PinThrottle,
    },
    /// Commit an intent → `Input::IntentBegun`.
    BeginIntent(IntentSpec),
    /// Record the book a restock puts in → no answer needed.
    SetIntentItem {
        intent: IntentId,
        item: ItemId,
    },
    /// Unlatch a door → `Input::SlotOpened` (then `Input::Sensors`).
    OpenSlot(SlotNo),
    /// Close an intent with its event → `Input::IntentClosed`.
    CompleteIntent {
        intent: IntentId,
        event: EventBody,
    },
    /// Close an intent with no effect, plus any alarm → `Input::IntentClosed`.
    CancelIntent {
        intent: IntentId,
        note: String,
        events: Vec<EventBody>,
    },
    /// Append a standalone event (alarms, staff actions); `offline`: made
    /// while the district did not answer.
    AppendEvent {
        event: EventBody,
        offline: bool,
    },
    /// The district stopped (`Some(start)`) or started again (`None`)
    /// answering: keep the outage's start in the store, so the offline
    /// policy's clock survives a restart.
    RecordOutage {
        started: Option<Timestamp>,
    },
    /// Fetch the district's catalogue and holds → `Input::Inventory`
    /// (or `Input::Connectivity` when it does not answer).
    RefreshInventory,
    SetSlotFault {
        slot: SlotNo,
        fault: Option<String>,
    },
    SetSlotOutOfService {
        slot: SlotNo,
        value: bool,
        event: EventBody,
    },
    SetKioskOutOfService {
        value: bool,
        event: EventBody,
    },
    /// Empty the bin's record → `Input::BinUnloaded`.
    UnloadBin {
        staff_id: StaffId,
    },
    /// Read the outbox for the staff screen → `Input::OutboxLoaded`.
    LoadOutbox,
    /// Read the bin's books that go elsewhere, for the unload →
    /// `Input::BinTransitLoaded`.
    LoadBinTransit,
    /// Ask the district whether a book that is not this kiosk's may be
    /// returned here (통합반납) → `Input::ReturnHereAnswered`.
    AskReturnHere {
        item: ItemId,
    },
    /// Print the receipt of a loan where a printer is configured; no answer
    /// (a failed print is logged, the loan stands).
    PrintReceipt {
        heading: String,
        lines: Vec<String>,
    },
    /// Wake the sync worker: send now, back-off forgotten → no answer.
    SyncNow,
    /// Read every slot's sensors now, for the inventory audit →
    /// `Input::AllSensors`.
    ReadAllSensors,
}
