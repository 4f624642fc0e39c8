//! Bookstation: the daemon of an unmanned book-locker library kiosk.
//!
//! # Layout
//!
//! - [`domain`]: the kiosk's types and rules as pure functions.
//! - [`config`]: the TOML config, validated with errors that name the key.
//! - [`store`]: SQLite: migrations, slots, the journal of intents, the outbox, the patron cache.
//! - [`district`]: the district library server behind one trait, and its simulator.
//! - [`control`]: the control socket (JSON lines) for simulated hardware and scripted runs.
//! - `demo` (feature `demo`): the simulated district as the kiosk's district, and the demo's seed.
//! - [`engine`]: the kiosk state machine (sans-IO core) and the tokio actor that runs it.
//! - [`ui`]: the bridge between the engine's view state and the Slint window (`ui/*.slint`).
pub mod config;
pub mod control;
pub mod crash_point;
#[cfg(feature = "demo")]
pub mod demo;
pub mod district;
pub mod domain;
pub mod engine;
pub mod speech;
pub mod store;
pub mod ui;
