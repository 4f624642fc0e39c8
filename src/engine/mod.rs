//! The kiosk engine: a sans-IO state machine ([`Engine`]), the [`runner`]
//! that performs its effects against the store, the hardware and the
//! district, start-up [`recovery`], and the tokio [`actor`] around them.

pub mod actor;
pub mod clock;
mod core;
pub mod effect;
pub mod input;
pub mod recovery;
pub mod runner;
mod settings;
mod sign_in;
pub mod view;

pub use self::core::{Engine, EngineSettings, Snapshot};
pub use clock::{Clock, SystemClock, VirtualClock};
pub use effect::Effect;
pub use input::{Action, AuthResult, Input, Secret};
pub use runner::{Deps, Runner};
pub use view::{Screen, ViewState};
