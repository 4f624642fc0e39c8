//! Bookstation's hardware layer: the traits the daemon drives the kiosk
//! through (card reader, barcode scanner, locker board), the error type they
//! share, and a simulated world that implements them all for tests, the demo
//! and the control socket. This crate knows nothing of SQLite, HTTP or UI, so
//! a driver can be written and tested without the rest of the daemon.
//!
//! # Layout
//!
//! - [`error`]: [`HwError`] and its [`ErrorKind`], the one error every device
//!   returns.
//! - [`card`]: [`CardReader`] and the [`CardEvent`]s it yields.
//! - [`scanner`]: [`Scanner`], one decoded barcode or QR text at a time.
//! - [`locker`]: [`LockerBoard`], the polled lock-and-sensor board, and its
//!   [`SlotStatus`] readings.
//! - [`backoff`]: [`backoff::Backoff`], the doubling wait between a
//!   device's retries that the drivers share.
//! - [`fs`]: [`fs::write_atomic`], how every file the kiosk rewrites is
//!   replaced whole (temporary file, fsync, rename, fsync of the directory).
//! - [`codec`]: the board protocols' frames as pure functions, no I/O:
//!   Kerong CU and Modbus RTU (built, parsed, checksummed).
//! - [`drivers`]: the real devices behind the traits: the serial link the
//!   boards share, Kerong CU and Modbus RTU boards gathered into one
//!   [`drivers::Cabinet`], the PC/SC card reader, serial and evdev
//!   scanners, and the ESC/POS receipt printer.
//! - [`sim`]: [`SimWorld`], a simulated kiosk kept in a JSON file so that it
//!   survives the daemon being killed, with device handles implementing the
//!   traits above; [`SimCommand`], what a tester does to it, applied by
//!   [`SimWorld::apply`]; and board simulators on a pseudo-terminal that
//!   speak the real wire protocols to the real drivers.
//!
//! # Privacy
//!
//! A card UID or a scanned text identifies a patron. Nothing in this crate
//! logs one, and [`CardEvent`]'s `Debug` output redacts the UID so that a
//! careless `?event` in a log line does not leak it either.

#![forbid(unsafe_code)]

pub mod backoff;
pub mod card;
pub mod codec;
pub mod drivers;
pub mod error;
pub mod fs;
pub mod locker;
pub mod scanner;
pub mod sim;

pub use card::{CardEvent, CardReader};
pub use error::{ErrorKind, HwError};
pub use locker::{LockerBoard, SlotStatus};
pub use scanner::Scanner;
pub use sim::{SimCommand, SimError, SimLayout, SimSlotSnapshot, SimWorld, WorldSnapshot};
