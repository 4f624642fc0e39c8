//! Locker boards: the [`LockerBoard`] trait and its [`SlotStatus`] readings.
//! (The engine turns two readings into changes: `Engine::sensor_changes`.)
//!
//! The trait follows how real lock controllers (Kerong CU, Modbus RTU relay
//! and input boards) work: the host pulses one lock at a time and polls all
//! door and item sensors in one request. The board never tells the host that
//! something changed, so the daemon polls and compares readings: the
//! lockers a patron is using at every tick ([`LockerBoard::read_slots`]),
//! the rest a part at a time ([`LockerBoard::sweep`]), everything at
//! start-up and for an audit ([`LockerBoard::read_all`]).
//!
//! # What the hardware cannot promise
//!
//! - The item sensor is an infrared beam across the slot: it says that
//!   *something* is there, not which book, nor that it is a book at all.
//! - The door sensor says the door is shut, not that the lock caught it. A
//!   door pushed to without latching may read as closed.
//! - [`LockerBoard::open`] succeeding means the board reports the lock
//!   unlatched, not that anybody opened the door; a spring pops it ajar, but
//!   a door that is held or blocked may stay closed.
//! - Anything that happens between two polls is invisible: a door opened and
//!   closed again in between looks unchanged. That is why a return bin
//!   counts books through its chute in [`SlotStatus::drop_count`]: every
//!   return shows up as an increment even when the bin was already full.
//! - The drop counter counts beam interruptions: two books dropped together
//!   may count once, and a hand reaching in may count too. A real board may
//!   restart the counter at 0 after a power cut, so a decrease means a reset,
//!   not negative returns.

use serde::{Deserialize, Serialize};

use crate::HwError;

/// One slot's sensors as read in one poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotStatus {
    /// Which slot this reading is for, as numbered by [`LockerBoard::slots`].
    pub slot: u16,
    /// The door sensor: true when the door is not shut.
    pub door_open: bool,
    /// The infrared item sensor: true when something blocks the beam (for a
    /// return bin: when the bin is not empty).
    pub item_present: bool,
    /// Books that passed a return bin's chute sensor since the counter
    /// started, so a poller sees each return even when the bin is already
    /// non-empty; always 0 for an ordinary locker.
    pub drop_count: u32,
}

/// A lock-and-sensor board driving a row of lockers and a return bin.
///
/// Shared between the tasks that open doors and the one that polls, hence
/// `&self` methods and `Sync`; a driver serialises access to its bus itself.
#[async_trait::async_trait]
pub trait LockerBoard: Send + Sync {
    /// Slot numbers this board drives, ascending.
    fn slots(&self) -> Vec<u16>;

    /// Pulse the lock of one slot. Ok means the board reports the door
    /// unlatched.
    ///
    /// Errors: [`InvalidSlot`](crate::ErrorKind::InvalidSlot) for a slot not
    /// in [`slots`](Self::slots), [`Jammed`](crate::ErrorKind::Jammed) when
    /// the lock stayed latched, [`NotResponding`](crate::ErrorKind::NotResponding)
    /// or [`Timeout`](crate::ErrorKind::Timeout) when the board did not answer.
    async fn open(&self, slot: u16) -> Result<(), HwError>;

    /// Read every slot's door and item sensor, in [`slots`](Self::slots)
    /// order.
    async fn read_all(&self) -> Result<Vec<SlotStatus>, HwError>;

    /// Read the sensors of `slots` (the lockers a flow waits on) and of
    /// whatever shares a board exchange with them: one exchange per board
    /// that drives one of them. Slots of a board that did not answer are
    /// missing. By default, [`read_all`](Self::read_all) kept to `slots`.
    async fn read_slots(&self, slots: &[u16]) -> Result<Vec<SlotStatus>, HwError> {
        let mut all = self.read_all().await?;
        all.retain(|s| slots.contains(&s.slot));
        Ok(all)
    }

    /// One step of the background sweep: a part of the cabinet, so that a
    /// step costs about one board exchange per bus whatever the cabinet's
    /// size, and successive steps cover it all; `watched` are the slots
    /// [`read_slots`](Self::read_slots) reads at every tick anyway. By
    /// default the whole board ([`read_all`](Self::read_all)): one exchange.
    async fn sweep(&self, watched: &[u16]) -> Result<Vec<SlotStatus>, HwError> {
        let _ = watched;
        self.read_all().await
    }

    /// After a read that succeeded only in part: the boards that did not
    /// answer, described for people. Empty for a single board.
    fn silent_boards(&self) -> Vec<String> {
        Vec::new()
    }
}
