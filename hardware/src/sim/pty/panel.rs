//! The lockers behind a simulated board: what its sensors read and what a
//! lock pulse does.

use std::sync::Mutex;

use crate::{SimWorld, SlotStatus};

/// Lockers a simulated board reads and unlocks, by slot number.
pub trait Panel: Send + Sync {
    /// Every slot's sensors, or `None` when the board has no power (it then
    /// answers nothing).
    fn read(&self) -> Option<Vec<SlotStatus>>;
    /// A lock pulse: the door springs open unless the lock is jammed.
    fn unlock(&self, slot: u16);
}

/// One slot of a [`MemPanel`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Slot {
    door_open: bool,
    item: bool,
    jammed: bool,
}

/// Lockers in memory, for tests: slots `first..first + count`.
#[derive(Debug)]
pub struct MemPanel {
    first: u16,
    slots: Mutex<Vec<Slot>>,
}

impl MemPanel {
    /// `count` closed, empty slots numbered from `first`.
    pub fn new(first: u16, count: u16) -> Self {
        Self { first, slots: Mutex::new(vec![Slot::default(); usize::from(count)]) }
    }

    fn with<T>(&self, slot: u16, f: impl FnOnce(&mut Slot) -> T) -> Option<T> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let i = usize::from(slot.checked_sub(self.first)?);
        slots.get_mut(i).map(f)
    }

    /// Put something in or take it out (door state is not checked).
    pub fn set_item(&self, slot: u16, present: bool) {
        self.with(slot, |s| s.item = present);
    }

    /// Push a door shut.
    pub fn close(&self, slot: u16) {
        self.with(slot, |s| s.door_open = false);
    }

    /// Jam or free a lock.
    pub fn jam(&self, slot: u16, jammed: bool) {
        self.with(slot, |s| s.jammed = jammed);
    }

    /// Whether a door is open.
    pub fn door_open(&self, slot: u16) -> bool {
        self.with(slot, |s| s.door_open).unwrap_or(false)
    }
}

impl Panel for MemPanel {
    fn read(&self) -> Option<Vec<SlotStatus>> {
        let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        Some(
            (self.first..)
                .zip(slots.iter())
                .map(|(slot, s)| SlotStatus { slot, door_open: s.door_open, item_present: s.item, drop_count: 0 })
                .collect(),
        )
    }

    fn unlock(&self, slot: u16) {
        self.with(slot, |s| {
            if !s.jammed {
                s.door_open = true;
            }
        });
    }
}

/// The simulated world as the board sees it: `bookstation sim take`,
/// `close`, `jam` and `board down` act on what the driver reads over the pty.
impl Panel for SimWorld {
    fn read(&self) -> Option<Vec<SlotStatus>> {
        self.board_read().ok()
    }

    fn unlock(&self, slot: u16) {
        if let Err(e) = self.board_open(slot) {
            tracing::debug!(slot, error = %e, "pty board simulator: lock did not release");
        }
    }
}
