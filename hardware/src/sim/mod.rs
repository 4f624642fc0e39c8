//! The simulated kiosk shared by tests, the demo and the control socket: a
//! row of lockers and a return bin, a card reader and a scanner, all driven
//! from one [`SimWorld`].
//!
//! The world's physical state (doors, books, jams, the bin, whether the board
//! and network are up) is kept in a pretty-printed JSON file and rewritten
//! atomically and durably on every change, because real lockers keep their
//! books through a power cut: a daemon killed with `kill -9` and restarted
//! must find the world as it left it. Card taps and scans are transient and
//! are not kept.
//!
//! - `world`: [`SimWorld`] itself, what staff and patrons do to the kiosk.
//! - `command`: [`SimCommand`], the same things as one value (the control
//!   socket's and the simulator window's), applied by [`SimWorld::apply`].
//! - `devices`: [`SimCardReader`], [`SimScanner`] and [`SimBoard`], the
//!   handles that implement the device traits for the daemon.
//! - `store`: reading and atomically replacing the world file.
//! - [`pty`]: board simulators speaking the Kerong CU and Modbus RTU wire
//!   protocols over a pseudo-terminal, in front of a [`pty::Panel`] (the
//!   world itself, or lockers in memory).

mod command;
mod devices;
pub mod pty;
mod store;
mod world;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use command::SimCommand;
pub use devices::{SimBoard, SimCardReader, SimScanner};
pub use world::SimWorld;

/// The shape of the simulated kiosk: which slot numbers exist.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SimLayout {
    /// How many ordinary lockers there are; they are slots `1..=lockers`.
    pub lockers: u16,
    /// The return bin's slot number, kept apart from the lockers' range
    /// (it must be greater than `lockers`) as on real boards where the bin
    /// sits on its own channel.
    pub return_bin: u16,
}

impl SimLayout {
    /// Every slot number, ascending: the lockers, then the return bin.
    pub fn slots(&self) -> Vec<u16> {
        (1..=self.lockers).chain(std::iter::once(self.return_bin)).collect()
    }

    /// Rejects a layout whose bin would collide with a locker.
    fn check(self) -> Result<(), SimError> {
        if self.return_bin > self.lockers { Ok(()) } else { Err(SimError::BadLayout(self)) }
    }

    /// Where `slot` sits in the world's slot list, if it exists.
    fn index(self, slot: u16) -> Option<usize> {
        if (1..=self.lockers).contains(&slot) {
            Some(usize::from(slot) - 1)
        } else if slot == self.return_bin {
            Some(usize::from(self.lockers))
        } else {
            None
        }
    }
}

/// Why a simulated action was refused or the world file could not be used.
/// Messages name slots and files only, never a card or a patron.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// Reading or writing the world file (or its directory) failed.
    #[error("I/O error on {} (simulated world): {source}", path.display())]
    Io {
        /// The file or directory the operation failed on.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The world file exists but is not a valid world; it is left untouched.
    #[error("{} is not a valid simulated world (fix or remove it): {message}", path.display())]
    Corrupt {
        /// The world file, so staff know which file to look at.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The world file holds a kiosk of another shape than the one asked for.
    #[error(
        "{} holds a world with {} lockers and the return bin at slot {}, \
         but {} lockers and the bin at slot {} were asked for",
        path.display(), stored.lockers, stored.return_bin, requested.lockers, requested.return_bin
    )]
    LayoutMismatch {
        /// The world file, so staff know which file to look at.
        path: PathBuf,
        /// The layout the file holds.
        stored: SimLayout,
        /// The layout the caller asked for.
        requested: SimLayout,
    },
    /// The layout itself is impossible.
    #[error(
        "invalid layout: the return bin's slot ({}) must be greater than the number of lockers ({})",
        .0.return_bin, .0.lockers
    )]
    BadLayout(SimLayout),
    /// The slot number does not exist in this world.
    #[error("there is no slot {0}")]
    NoSuchSlot(u16),
    /// The slot's door is shut, so nothing can be taken out or put in.
    #[error("slot {0} is closed: open it first")]
    DoorClosed(u16),
    /// The locker holds no book to take.
    #[error("locker {0} is empty: there is no book to take")]
    SlotEmpty(u16),
    /// The locker already holds a book, and a locker holds one.
    #[error("locker {0} already holds a book: take it out first")]
    SlotOccupied(u16),
    /// The action needs an ordinary locker but the slot is the return bin.
    #[error("slot {0} is the return bin, not a locker: use empty_bin to unload it")]
    NotALocker(u16),
}

/// One slot of the simulated world as it physically is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SimSlotSnapshot {
    /// Which slot this is.
    pub slot: u16,
    /// Whether the door stands open.
    pub door_open: bool,
    /// Whether the lock is stuck, so that pulsing it does not unlatch the door.
    pub jammed: bool,
    /// The barcode of the book in a locker; always `None` for the bin.
    pub item: Option<String>,
    /// The barcodes of the books dropped into the return bin, oldest first;
    /// always empty for a locker.
    pub bin_items: Vec<String>,
    /// Books ever dropped into the return bin (wrapping like a hardware
    /// counter); always 0 for a locker.
    pub drop_count: u32,
}

/// The whole simulated world at one moment, for tests, the demo's display
/// and the control socket.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WorldSnapshot {
    /// The shape of the kiosk.
    pub layout: SimLayout,
    /// Every slot, in [`SimLayout::slots`] order.
    pub slots: Vec<SimSlotSnapshot>,
    /// Whether the locker board answers; when false it reports
    /// `NotResponding`.
    pub board_online: bool,
    /// Whether the simulated network is up, for the daemon's sync to consult.
    pub network_up: bool,
    /// Whether a card lies on the reader (not kept in the file).
    pub card_present: bool,
}
