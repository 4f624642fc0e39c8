//! The journal's vocabulary: what the kiosk is about to do behind a door.
//! The engine asks for an intent with an [`IntentSpec`]; the store writes
//! the same spec and gives back an [`IntentId`]; recovery reads it back.
//! One shape for all three.

use super::{IntentKind, ItemId, PatronId, SlotNo};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The journal's row id for an intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IntentId(pub i64);

impl fmt::Display for IntentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An intent: written before its door opens (invariant 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentSpec {
    /// What the door opens for; decides the effect of completing it.
    pub kind: IntentKind,
    /// The door about to open: a locker, or the return bin for a return;
    /// after a crash, the door whose sensors decide the outcome.
    pub slot: SlotNo,
    /// The book concerned; for a restock only known once it is scanned.
    pub item: Option<ItemId>,
    /// Who borrows (loans and hold pickups); returns need no card. Cleared
    /// after the retention period.
    pub patron: Option<PatronId>,
    /// The district's hold id, for a hold pickup.
    pub hold_id: Option<String>,
    /// Decided without the district; its events carry the same flag.
    pub offline: bool,
    /// The bin's chute counter before a return, for recovery to compare.
    pub drops_at_start: Option<u32>,
    /// A return of another library's book (통합반납), as the district
    /// accepted it; `None` for this kiosk's own books.
    pub foreign: Option<ForeignBook>,
}

/// Another library's book the district accepted for return here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignBook {
    /// The library it goes back to, by the name patrons and staff know.
    pub library: String,
    /// Its title, where the district gave one (else its barcode).
    pub title: String,
}
