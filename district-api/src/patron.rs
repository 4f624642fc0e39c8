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
    /// The last day the copy waits here before it goes back to the shelf
    /// (`YYYY-MM-DD`, Seoul), when the district says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_until: Option<String>,
}

/// One copy on loan to the patron, as the district lists it (SIP2's
/// charged items): the home screen shows it, and a return here of it lowers
/// the counts before the district hears of it. Reading history: never cached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loan {
    pub item_id: ItemId,
    /// Empty when the district does not say (the kiosk then shows its own
    /// title for a copy of its own).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// `YYYY-MM-DD`, Seoul, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// Past its due date: returning it lifts an overdue refusal.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overdue: bool,
}

impl Loan {
    /// A copy known only by its id (a loan this kiosk made, not yet listed).
    pub fn of(item_id: ItemId) -> Self {
        Self { item_id, title: String::new(), due_date: None, overdue: false }
    }
}

/// The district's answer about a patron, as used by the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatronStatus {
    pub patron_id: PatronId,
    pub standing: Standing,
    /// The last day of a suspension (`YYYY-MM-DD`, Seoul), when the
    /// district says: the refusal names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_until: Option<String>,
    /// Items past their due date anywhere in the district.
    pub overdue_items: u32,
    /// Loans out anywhere in the district (counts against the district quota).
    pub loans_total: u32,
    /// Of those, loans taken from this kiosk (counts against the kiosk limit).
    pub loans_here: u32,
    /// The copies on loan to this patron, when the district lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loans: Vec<Loan>,
    pub ready_holds: Vec<Hold>,
}
