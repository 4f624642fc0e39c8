//! The kiosk ⇄ district API of `docs/district-api.md`, as plain serde types:
//! what the kiosk's HTTP client sends and reads, what the simulator and the
//! district server serve. No I/O and no HTTP stack here: a crate that speaks
//! the API depends on this one and brings its own transport.
//!
//! - The vocabulary both sides share: ids, [`Timestamp`], [`Secret`],
//!   [`Credential`], [`Item`], [`PatronStatus`], [`Fault`], and the facts a
//!   kiosk reports ([`EventBody`]).
//! - [`answers`]: the district's answers and the event envelope.
//! - [`wire`]: the paths and the request bodies.

pub mod answers;
pub mod audit;
mod credential;
mod event;
mod fault;
mod ids;
mod item;
mod patron;
mod secret;
mod time;
pub mod wire;

pub use answers::{
    AuthAnswer, EventOutcome, EventResult, Health, Inventory, InventoryHold, ReturnHere, SubmittedEvent,
};
pub use credential::Credential;
pub use event::{AlarmKind, EventBody, EventKind};
pub use fault::{Fault, FaultCode};
pub use ids::{ItemId, PatronId, SlotNo, StaffId};
pub use item::Item;
pub use patron::{Hold, Loan, PatronStatus, Standing};
pub use secret::Secret;
pub use time::Timestamp;
