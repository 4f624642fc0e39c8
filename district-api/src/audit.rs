//! What an inventory audit found at one locker, as the `inventory_audit`
//! event carries it.

use crate::ItemId;
use crate::SlotNo;
use serde::{Deserialize, Serialize};

/// How a locker does not match its record. In JSON (the event, the
/// view), snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// The record names a book the sensor does not see.
    BookMissing,
    /// The copy held for a patron is not there: they will come for it.
    HoldMissing,
    /// The sensor sees a book in a locker the record says is empty: put in
    /// without a restock, or left behind.
    UnregisteredBook,
    /// The door stands open: nothing to compare until it is shut.
    DoorOpen,
    /// The locker board did not report this locker.
    NotRead,
}

impl Finding {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// A difference between the record and the cabinet, rather than a
    /// locker that could not be checked.
    pub fn is_mismatch(self) -> bool {
        matches!(self, Self::BookMissing | Self::HoldMissing | Self::UnregisteredBook)
    }
}

/// One locker the audit lists, with the book its record names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub slot: SlotNo,
    pub finding: Finding,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<ItemId>,
}
