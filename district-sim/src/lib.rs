//! The simulated district library server: what the demo, `bookstation
//! district-sim` and the tests talk to instead of a real one. It speaks only
//! the district API (`bookstation-district-api`) and knows nothing of the
//! kiosk; the kiosk's `demo` feature adapts it to its `District` trait.
//!
//! - [`SimDistrict`]: the district in memory, with its one fault model (the
//!   network down, the next calls failing, the next events rejected).
//! - [`server`]: [`SimServer`], the same district over HTTP, with the faults
//!   a real network and a real server add (slow, 503, malformed answers,
//!   dropped connections) and `/sim/state`.
//! - [`seed`]: the demo's patrons, books, loans and holds.
//! - [`covers`]: the demo's placeholder covers.

pub mod covers;
pub mod seed;
pub mod server;
mod sim;

pub use server::{Faults, ServerOptions, SimServer};
pub use sim::{
    DEFAULT_TODAY, SUSPENDED_MESSAGE, SeqAlert, SimDistrict, SimEventRecord, SimFailure, SimHold, SimLoan, SimSnapshot,
    SimState,
};
