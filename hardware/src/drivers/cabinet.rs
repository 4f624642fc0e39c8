//! [`Cabinet`]: the kiosk's lockers as one [`LockerBoard`], put together
//! from the lock-control boards that really drive them (Kerong CU boards
//! chained on a bus, Modbus relay boards, or both), each covering a run of
//! slot numbers.
//!
//! The return bin is a channel like any other. Neither board family has a
//! chute counter, so the cabinet counts the bin's drops itself: every time
//! the bin's infrared input goes from clear to blocked between two reads is
//! one drop. That sees every book only if the input is wired to a chute
//! beam with a pulse stretcher longer than the poll interval (200 ms); wired
//! to a fill sensor it sees the first book into an empty bin only. The count
//! starts at 0 with the daemon, which the engine reads as a counter reset.

use std::sync::{Mutex, PoisonError};

use crate::{ErrorKind, HwError, LockerBoard, SlotStatus};

/// One channel's sensors, after the board's polarity has been applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChannelState {
    /// The door is not shut (the lock hook or door switch says open).
    pub door_open: bool,
    /// The infrared beam is blocked.
    pub item_present: bool,
}

/// One physical lock-control board: numbered channels from 0.
#[async_trait::async_trait]
pub trait BoardUnit: Send + Sync {
    /// Who this is, for messages: "Kerong CU board 1 on /dev/ttyUSB0".
    fn describe(&self) -> String;
    /// Channels wired to lockers.
    fn channels(&self) -> u16;
    /// Pulse the lock of `channel`; errors as [`LockerBoard::open`].
    async fn unlock(&self, channel: u16) -> Result<(), HwError>;
    /// Read every wired channel, in channel order.
    async fn read(&self) -> Result<Vec<ChannelState>, HwError>;
}

/// A board and the slots it drives: channel `i` is slot `first_slot + i`.
pub struct Mount {
    /// The board.
    pub unit: Box<dyn BoardUnit>,
    /// The slot number of channel 0.
    pub first_slot: u16,
}

/// The lockers of a kiosk, over one or more boards.
pub struct Cabinet {
    /// The boards, in the order they were given.
    mounts: Vec<Mount>,
    /// The return bin's slot, whose drops are counted.
    return_bin: Option<u16>,
    /// The bin's last item reading (none before the first read) and its
    /// drop count.
    bin: Mutex<(Option<bool>, u32)>,
    /// Boards (by index) that did not answer their last read: logged when
    /// they go silent and when they answer again, not at every poll.
    silent: Mutex<std::collections::BTreeSet<usize>>,
}

impl std::fmt::Debug for Cabinet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let boards: Vec<String> = self.mounts.iter().map(|m| m.unit.describe()).collect();
        f.debug_struct("Cabinet").field("boards", &boards).field("return_bin", &self.return_bin).finish()
    }
}

impl Cabinet {
    /// A cabinet of `mounts`. Fails when two boards claim the same slot or a
    /// slot would pass 65535; `return_bin` must be one of the slots.
    pub fn new(mounts: Vec<Mount>, return_bin: Option<u16>) -> Result<Self, HwError> {
        let mut seen = std::collections::BTreeSet::new();
        for m in &mounts {
            for ch in 0..m.unit.channels() {
                let slot = m.first_slot.checked_add(ch).ok_or_else(|| {
                    HwError::new(ErrorKind::InvalidSlot, format!("{}: slot numbers pass 65535", m.unit.describe()))
                })?;
                if !seen.insert(slot) {
                    return Err(HwError::new(
                        ErrorKind::InvalidSlot,
                        format!("{} claims slot {slot}, which another board drives already", m.unit.describe()),
                    ));
                }
            }
        }
        if let Some(bin) = return_bin
            && !seen.contains(&bin)
        {
            return Err(HwError::new(ErrorKind::InvalidSlot, format!("no board drives the return bin's slot {bin}")));
        }
        Ok(Self { mounts, return_bin, bin: Mutex::new((None, 0)), silent: Mutex::default() })
    }

    /// The boards, for `doctor`.
    pub fn mounts(&self) -> &[Mount] {
        &self.mounts
    }

    fn locate(&self, slot: u16) -> Option<(&Mount, u16)> {
        self.mounts.iter().find_map(|m| {
            let ch = slot.checked_sub(m.first_slot)?;
            (ch < m.unit.channels()).then_some((m, ch))
        })
    }
}

#[async_trait::async_trait]
impl LockerBoard for Cabinet {
    fn slots(&self) -> Vec<u16> {
        let mut slots: Vec<u16> =
            self.mounts.iter().flat_map(|m| (0..m.unit.channels()).map(move |ch| m.first_slot + ch)).collect();
        slots.sort_unstable();
        slots
    }

    async fn open(&self, slot: u16) -> Result<(), HwError> {
        let Some((mount, ch)) = self.locate(slot) else {
            return Err(HwError::new(ErrorKind::InvalidSlot, format!("no board drives slot {slot}")));
        };
        mount.unit.unlock(ch).await
    }

    /// Reads every board. A board that does not answer leaves its slots out
    /// of the result (the engine keeps their last reading) and is logged; only
    /// when no board answers is the read an error.
    async fn read_all(&self) -> Result<Vec<SlotStatus>, HwError> {
        let mut out = Vec::new();
        let mut failures = Vec::new();
        for (i, m) in self.mounts.iter().enumerate() {
            match m.unit.read().await {
                Ok(states) => {
                    if self.silent.lock().unwrap_or_else(PoisonError::into_inner).remove(&i) {
                        tracing::info!(board = %m.unit.describe(), "board answers again");
                    }
                    for (ch, s) in (0u16..).zip(states) {
                        let slot = m.first_slot + ch;
                        let drop_count =
                            if Some(slot) == self.return_bin { self.count_drop(s.item_present) } else { 0 };
                        out.push(SlotStatus { slot, door_open: s.door_open, item_present: s.item_present, drop_count });
                    }
                }
                Err(e) => {
                    if self.silent.lock().unwrap_or_else(PoisonError::into_inner).insert(i) {
                        tracing::warn!(board = %m.unit.describe(), error = %e, "board read failed; its lockers keep their last reading");
                    }
                    failures.push(e);
                }
            }
        }
        if out.is_empty()
            && let Some(first) = failures.into_iter().next()
        {
            return Err(first);
        }
        out.sort_by_key(|s| s.slot);
        Ok(out)
    }

    fn silent_boards(&self) -> Vec<String> {
        let silent = self.silent.lock().unwrap_or_else(PoisonError::into_inner);
        silent.iter().filter_map(|i| self.mounts.get(*i)).map(|m| m.unit.describe()).collect()
    }
}

impl Cabinet {
    /// The bin's drop count after a reading of its item sensor.
    fn count_drop(&self, item_present: bool) -> u32 {
        let mut bin = self.bin.lock().unwrap_or_else(|e| e.into_inner());
        // A bin already full at start-up is no drop.
        if item_present && bin.0 == Some(false) {
            bin.1 = bin.1.wrapping_add(1);
        }
        bin.0 = Some(item_present);
        bin.1
    }
}
