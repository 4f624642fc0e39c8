//! What the kiosk knows of a patron during a session: their standing and
//! counts from the district, never their name.

use super::{ItemId, PatronId};
use serde::{Deserialize, Serialize};

/// Whether the library lets this patron borrow at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Good,
    Suspended,
}

/// A hold that is ready for pickup in this kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub hold_id: String,
    pub item_id: ItemId,
}

/// The district's answer about a patron, as used by the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatronStatus {
    pub patron_id: PatronId,
    pub standing: Standing,
    /// Items past their due date anywhere in the district.
    pub overdue_items: u32,
    /// Loans out anywhere in the district (counts against the district quota).
    pub loans_total: u32,
    /// Of those, loans taken from this kiosk (counts against the kiosk limit).
    pub loans_here: u32,
    /// The copies on loan to this patron, when the district lists them
    /// (SIP2's charged items): a return here of one of them lowers the
    /// counts before the district hears of it. Never cached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loan_item_ids: Vec<ItemId>,
    /// Of those, the ones past due, so returning one lifts the refusal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overdue_item_ids: Vec<ItemId>,
    pub ready_holds: Vec<Hold>,
}

/// What the kiosk remembers of a patron between sessions, for offline
/// lending: the status last seen online and when. Keyed by card hash in the
/// store; holds no name and no card UID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedPatron {
    pub status: PatronStatus,
    pub seen_online_at: super::Timestamp,
}
