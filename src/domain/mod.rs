//! The kiosk's vocabulary and rules, as plain types and pure functions.
//!
//! Nothing here does I/O or reads the clock: time comes in as a [`Timestamp`]
//! argument. The engine asks these functions "may this happen?" and turns a
//! [`Refusal`] into a screen; the tests of every rule live beside the rule.

pub mod audit;
mod credential;
pub mod dates;
pub mod hangul;
pub mod health;
pub mod holdings;
mod ids;
mod intent;
mod language;
pub mod line_break;
mod patron;
mod policy;
pub mod recovery;
pub mod rules;
pub mod search;
mod slot;
pub mod staff;
pub mod text;

// The vocabulary the kiosk shares with the district (its wire types).
pub use bookstation_district_api::{
    AlarmKind, Credential, EventBody, EventKind, Fault, FaultCode, Hold, Item, ItemId, Loan, PatronId, PatronStatus,
    Secret, SlotNo, StaffId, Standing, Timestamp,
};
pub use credential::QrPattern;
pub use ids::CardHash;
pub use intent::{ForeignBook, IntentId, IntentSpec};
pub use language::{Language, Localized, UnknownLanguage};
pub use patron::CachedPatron;
pub use policy::{LoanPolicy, OfflinePolicy};
pub use recovery::{IntentKind, Outcome};
pub use rules::{Allowance, Refusal, RefusalReason};
pub use slot::{Slot, SlotKind};
pub use staff::StaffMember;
