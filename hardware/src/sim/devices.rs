//! The simulated devices: handles onto a [`SimWorld`] that implement
//! [`CardReader`], [`Scanner`] and [`LockerBoard`], so the daemon drives the
//! simulation exactly as it will drive real hardware.

use std::fmt;

use tokio::sync::mpsc;

use super::SimWorld;
use crate::{CardEvent, CardReader, ErrorKind, HwError, LockerBoard, Scanner, SlotStatus};

/// The simulated card reader; yields what [`SimWorld::tap_card`] and
/// [`SimWorld::remove_card`] do.
pub struct SimCardReader {
    /// Events from the world, in the order they happened. Once every clone of
    /// the world is dropped it ends, and the reader reports `Disconnected`.
    rx: mpsc::UnboundedReceiver<CardEvent>,
}

impl SimCardReader {
    pub(super) fn new(rx: mpsc::UnboundedReceiver<CardEvent>) -> Self {
        Self { rx }
    }
}

// By hand, so that no future change can print queued events (and their UIDs).
impl fmt::Debug for SimCardReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimCardReader").finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl CardReader for SimCardReader {
    async fn next_event(&mut self) -> Result<CardEvent, HwError> {
        self.rx
            .recv()
            .await
            .ok_or_else(|| HwError::new(ErrorKind::Disconnected, "simulated card reader: the simulated world is gone"))
    }
}

/// The simulated scanner; yields what [`SimWorld::scan`] does.
pub struct SimScanner {
    /// Scans from the world, in order; ends like [`SimCardReader`]'s.
    rx: mpsc::UnboundedReceiver<String>,
}

impl SimScanner {
    pub(super) fn new(rx: mpsc::UnboundedReceiver<String>) -> Self {
        Self { rx }
    }
}

// By hand, so that no future change can print queued scans.
impl fmt::Debug for SimScanner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimScanner").finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl Scanner for SimScanner {
    async fn next_scan(&mut self) -> Result<String, HwError> {
        self.rx
            .recv()
            .await
            .ok_or_else(|| HwError::new(ErrorKind::Disconnected, "simulated scanner: the simulated world is gone"))
    }
}

/// The simulated locker board: slots `1..=lockers` plus the return bin.
#[derive(Clone, Debug)]
pub struct SimBoard {
    /// The world whose doors and sensors this board drives.
    world: SimWorld,
}

impl SimBoard {
    pub(super) fn new(world: SimWorld) -> Self {
        Self { world }
    }
}

#[async_trait::async_trait]
impl LockerBoard for SimBoard {
    fn slots(&self) -> Vec<u16> {
        self.world.layout().slots()
    }

    async fn open(&self, slot: u16) -> Result<(), HwError> {
        // Opening a door rewrites the world file with an fsync, which must
        // not stall the async worker that polls the board.
        let world = self.world.clone();
        tokio::task::spawn_blocking(move || world.board_open(slot))
            .await
            .map_err(|e| HwError::new(ErrorKind::Other, format!("simulated board: open of slot {slot} failed: {e}")))?
    }

    async fn read_all(&self) -> Result<Vec<SlotStatus>, HwError> {
        self.world.board_read()
    }

    async fn read_slots(&self, slots: &[u16]) -> Result<Vec<SlotStatus>, HwError> {
        self.world.board_read_slots(slots)
    }
}
