//! A book that belongs to this kiosk, with what a patron sees of it.

use super::{ItemId, PatronId};
use serde::{Deserialize, Serialize};

/// Bibliographic data of one copy, from the district's inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: ItemId,
    pub title: String,
    pub author: String,
    /// Shelf category shown in browse, in Korean (e.g. "소설").
    pub category: String,
    /// The same in English (e.g. "Fiction"), shown to patrons who chose
    /// another language; the Korean one when the district has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_en: Option<String>,
    /// Where the cover image comes from; the UI draws a placeholder when absent.
    pub cover_url: Option<String>,
    /// Set when the copy waits in a locker for one patron's hold: nobody else
    /// may borrow it.
    pub hold_for: Option<PatronId>,
}
