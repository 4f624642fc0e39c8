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
