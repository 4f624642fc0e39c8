//! [`Cabinet`]: the kiosk's lockers as one [`LockerBoard`], put together
//! from the lock-control boards that really drive them (Kerong CU boards
//! chained on a bus, Modbus relay boards, or both), each covering a run of
//! slot numbers.
//!
//! The return bin is a channel like any other. Neither board family has a
//! chute counter, so the cabinet counts the bin's drops itself: every time
//! the bin's infrared input goes from clear to blocked between two reads is
//! one drop. That sees every book only if the input is wired to a chute
//! beam with a pulse stretcher longer than the time between two reads of
//! the bin's board (one poll tick, 50 ms, while a return waits; one sweep
//! otherwise); wired to a fill sensor it sees the first book into an empty
//! bin only. The count starts at 0 with the daemon, which the engine reads
//! as a counter reset.
//!
//! # Reading a big cabinet
//!
//! Boards on one serial port (a *bus*) answer one at a time; boards on
//! different ports are read in parallel. Three kinds of read:
//! [`LockerBoard::read_slots`] reads only the boards of the lockers a patron
//! is using (one exchange each), [`LockerBoard::sweep`] reads the next board
//! of every bus (the background sweep, round robin, skipping the boards
//! `read_slots` reads anyway), and [`LockerBoard::read_all`] reads every
//! board (start-up, the audit). A board that did not answer its last read
//! is *known silent*: the sweep skips it, and probes it on every
//! [`SILENT_PROBE_EVERY`]th of its turns, and never while a locker is
//! watched, so its timeouts do not hold up the door a patron is at.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::task::Poll;

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
    /// The bus (serial port) it answers on: boards with the same bus are
    /// read one after the other, different buses in parallel. By default
    /// a board is a bus of its own.
    fn bus(&self) -> String {
        self.describe()
    }
    /// Channels wired to lockers.
    fn channels(&self) -> u16;
    /// Pulse the lock of `channel`; errors as [`LockerBoard::open`].
    async fn unlock(&self, channel: u16) -> Result<(), HwError>;
    /// Read every wired channel, in channel order.
    async fn read(&self) -> Result<Vec<ChannelState>, HwError>;
    /// [`BoardUnit::read`] for a board known to be silent: whether it is
    /// back, as cheaply as the board's protocol allows (a serial board: one
    /// try, no retries). By default the same as a read.
    async fn probe(&self) -> Result<Vec<ChannelState>, HwError> {
        self.read().await
    }
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
    silent: Mutex<BTreeSet<usize>>,
    /// The boards (by index) of each bus, in the order given.
    buses: Vec<Vec<usize>>,
    /// Where the background sweep is.
    sweep: Mutex<Sweep>,
    /// Reads asked of each board (by index) so far: tests and benchmarks
    /// count exchanges with them.
    reads: Vec<AtomicU64>,
}

/// A known-silent board is probed on this many of its sweep turns (once
/// a sweep comes round to it), while no locker is watched.
pub const SILENT_PROBE_EVERY: u32 = 10;

/// The background sweep's place.
#[derive(Debug, Default)]
struct Sweep {
    /// Per bus: the position in `buses[bus]` of the next board to read.
    next: Vec<usize>,
    /// Per board: sweep turns skipped since it went silent or was probed.
    skipped: Vec<u32>,
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
        let mut by_bus: BTreeMap<String, usize> = BTreeMap::new();
        let mut buses: Vec<Vec<usize>> = Vec::new();
        for (i, m) in mounts.iter().enumerate() {
            let next = buses.len();
            let b = *by_bus.entry(m.unit.bus()).or_insert(next);
            if b == next {
                buses.push(Vec::new());
            }
            buses[b].push(i);
        }
        let sweep = Sweep { next: vec![0; buses.len()], skipped: vec![0; mounts.len()] };
        let reads = mounts.iter().map(|_| AtomicU64::new(0)).collect();
        Ok(Self {
            mounts,
            return_bin,
            bin: Mutex::new((None, 0)),
            silent: Mutex::default(),
            buses,
            sweep: Mutex::new(sweep),
            reads,
        })
    }

    /// How many buses the boards are on (read in parallel).
    pub fn bus_count(&self) -> usize {
        self.buses.len()
    }

    /// Reads asked of each board so far, in the order the boards were given.
    pub fn reads_per_board(&self) -> Vec<u64> {
        self.reads.iter().map(|r| r.load(Ordering::Relaxed)).collect()
    }

    /// Sweep steps that read every board once, when none is silent: the
    /// longest bus's boards.
    pub fn sweep_steps(&self) -> usize {
        self.buses.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The boards (by index) that drive any of `slots`.
    fn mounts_of(&self, slots: &[u16]) -> BTreeSet<usize> {
        slots
            .iter()
            .filter_map(|&slot| {
                self.mounts.iter().position(|m| slot.checked_sub(m.first_slot).is_some_and(|ch| ch < m.unit.channels()))
            })
            .collect()
    }

    /// `wanted` boards grouped by bus, in each bus's order.
    fn by_bus(&self, wanted: &BTreeSet<usize>) -> Vec<Vec<usize>> {
        self.buses
            .iter()
            .map(|bus| bus.iter().copied().filter(|i| wanted.contains(i)).collect::<Vec<_>>())
            .filter(|bus| !bus.is_empty())
            .collect()
    }

    /// Read `groups` (boards by index, one list per bus): each bus's boards
    /// one after the other, the buses in parallel. The readings of the boards
    /// that answered, in slot order, and the first failure.
    async fn read_groups(&self, groups: Vec<Vec<usize>>) -> (Vec<SlotStatus>, Option<HwError>) {
        let per_bus = groups.into_iter().map(|bus| async move {
            let mut results = Vec::with_capacity(bus.len());
            for i in bus {
                self.reads[i].fetch_add(1, Ordering::Relaxed);
                let silent = self.silent.lock().unwrap_or_else(PoisonError::into_inner).contains(&i);
                let unit = &self.mounts[i].unit;
                results.push((i, if silent { unit.probe().await } else { unit.read().await }));
            }
            results
        });
        let mut out = Vec::new();
        let mut failure = None;
        for (i, result) in join_all(per_bus.collect()).await.into_iter().flatten() {
            let m = &self.mounts[i];
            match result {
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
                    failure.get_or_insert(e);
                }
            }
        }
        out.sort_by_key(|s| s.slot);
        (out, failure)
    }

    /// The sweep's next board on each bus: round robin, past the `hot`
    /// boards (read at every tick anyway) and the known-silent ones (probed
    /// on every [`SILENT_PROBE_EVERY`]th turn, and only when nothing is hot).
    fn next_sweep(&self, hot: &BTreeSet<usize>) -> Vec<Vec<usize>> {
        let silent = self.silent.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let mut sweep = self.sweep.lock().unwrap_or_else(PoisonError::into_inner);
        let Sweep { next, skipped } = &mut *sweep;
        let mut picks = Vec::new();
        for (bus, cursor) in self.buses.iter().zip(next.iter_mut()) {
            for _ in 0..bus.len() {
                let i = bus[*cursor % bus.len()];
                *cursor = (*cursor + 1) % bus.len();
                if hot.contains(&i) {
                    continue;
                }
                if silent.contains(&i) {
                    skipped[i] = skipped[i].saturating_add(1);
                    if !hot.is_empty() || skipped[i] < SILENT_PROBE_EVERY {
                        continue;
                    }
                }
                skipped[i] = 0;
                picks.push(vec![i]);
                break;
            }
        }
        picks
    }
}

/// Poll every future to its end, together: the buses' reads in parallel
/// (each future is one bus's boards in turn). Results in the given order.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, o) in futures.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *o = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(()) }
    })
    .await;
    out.into_iter().flatten().collect()
}

impl Cabinet {
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

    /// Reads every board (the buses in parallel). A board that does not
    /// answer leaves its slots out of the result (the engine keeps their
    /// last reading) and is logged; only when no board answers is the read
    /// an error.
    async fn read_all(&self) -> Result<Vec<SlotStatus>, HwError> {
        let (out, failure) = self.read_groups(self.buses.clone()).await;
        match failure {
            Some(e) if out.is_empty() => Err(e),
            _ => Ok(out),
        }
    }

    /// The boards of `slots`, one exchange each; a silent one's slots are
    /// missing from the result (and named by [`LockerBoard::silent_boards`]).
    async fn read_slots(&self, slots: &[u16]) -> Result<Vec<SlotStatus>, HwError> {
        let wanted = self.mounts_of(slots);
        Ok(self.read_groups(self.by_bus(&wanted)).await.0)
    }

    /// One step of the background sweep: the next board of every bus, in
    /// parallel, past the boards of `watched` and the known-silent boards
    /// (see the module's notes).
    async fn sweep(&self, watched: &[u16]) -> Result<Vec<SlotStatus>, HwError> {
        let picks = self.next_sweep(&self.mounts_of(watched));
        Ok(self.read_groups(picks).await.0)
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
