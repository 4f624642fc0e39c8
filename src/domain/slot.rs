//! A locker or the return bin, as the kiosk tracks it.

use super::{ItemId, SlotNo};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    Locker,
    ReturnBin,
}

/// One door of the cabinet and what is behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub no: SlotNo,
    pub kind: SlotKind,
    /// The book in a locker (always `None` for the bin, whose books are counted apart).
    pub item: Option<ItemId>,
    /// Set by staff: the slot is skipped for loans and restocks.
    pub out_of_service: bool,
    /// Set when the door failed to open; cleared by staff.
    pub fault: Option<String>,
}

impl Slot {
    /// A slot a patron can borrow from: a working locker.
    pub fn usable(&self) -> bool {
        self.kind == SlotKind::Locker && !self.out_of_service && self.fault.is_none()
    }
}
