//! The kiosk's vocabulary and rules, as plain types and pure functions.
//!
//! Nothing here does I/O or reads the clock: time comes in as a [`Timestamp`]
//! argument. The engine asks these functions "may this happen?" and turns a
//! [`Refusal`] into a screen; the tests of every rule live beside the rule.

pub mod audit;
mod credential;
pub mod dates;
mod event;
pub mod hangul;
pub mod health;
pub mod holdings;
mod ids;
mod intent;
mod item;
mod language;
pub mod line_break;
mod patron;
mod policy;
pub mod recovery;
pub mod rules;
pub mod search;
mod secret;
mod slot;
pub mod staff;
pub mod text;
mod time;

pub use credential::{Credential, QrPattern};
pub use event::{AlarmKind, EventBody, EventKind};
pub use health::{Fault, FaultCode};
pub use ids::{CardHash, ItemId, PatronId, SlotNo};
pub use intent::{ForeignBook, IntentId, IntentSpec};
pub use item::Item;
pub use language::{Language, Localized, UnknownLanguage};
pub use patron::{CachedPatron, Hold, Loan, PatronStatus, Standing};
pub use policy::{LoanPolicy, OfflinePolicy};
pub use recovery::{IntentKind, Outcome};
pub use rules::{Allowance, Refusal, RefusalReason};
pub use secret::Secret;
pub use slot::{Slot, SlotKind};
pub use staff::StaffMember;
pub use time::Timestamp;
