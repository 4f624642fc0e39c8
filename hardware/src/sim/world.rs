//! [`SimWorld`]: the simulated kiosk's state and everything staff, patrons
//! and tests can do to it. Device handles (in `devices`) see the same state
//! through the board and event channels.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc;

use super::devices::{SimBoard, SimCardReader, SimScanner};
use super::store::{self, Physical};
use super::{SimError, SimLayout, SimSlotSnapshot, WorldSnapshot};
use crate::{CardEvent, ErrorKind, HwError, SlotStatus};

/// A simulated kiosk. Cheap to clone: every clone is the same world.
///
/// Mutating methods that change physical state write the world file before
/// returning, which blocks for a disk flush; async callers that mind a few
/// milliseconds can use `spawn_blocking`.
#[derive(Clone)]
pub struct SimWorld {
    /// Shared so that the daemon's devices, the control socket and tests act
    /// on one world.
    inner: Arc<Inner>,
}

struct Inner {
    /// Fixed at creation, kept outside the lock so reading it never waits.
    layout: SimLayout,
    /// Where the physical state is kept; `None` for an in-memory world.
    path: Option<PathBuf>,
    /// The state itself; one lock so every change and its file write happen
    /// in one order.
    state: Mutex<State>,
    /// Feeds the card reader handle; held here so its receiver waits rather
    /// than ending while the world lives.
    card_tx: mpsc::UnboundedSender<CardEvent>,
    /// The card reader's receiving end until [`SimWorld::card_reader`] hands
    /// it to the single consumer.
    card_rx: Mutex<Option<mpsc::UnboundedReceiver<CardEvent>>>,
    /// Feeds the scanner handle, like `card_tx`.
    scan_tx: mpsc::UnboundedSender<String>,
    /// The scanner's receiving end until [`SimWorld::scanner`] takes it.
    scan_rx: Mutex<Option<mpsc::UnboundedReceiver<String>>>,
}

struct State {
    /// What the world file holds.
    phys: Physical,
    /// Whether a card lies on the reader; transient, so a restart finds the
    /// reader empty like a real one.
    card_present: bool,
}

/// Takes a lock even if a panicking thread poisoned it: every change is
/// built on a copy and committed whole, so the state is never half-changed.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl fmt::Debug for SimWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimWorld")
            .field("layout", &self.inner.layout)
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl SimWorld {
    /// Open the world kept in `path`, or create it (all doors closed, all
    /// slots empty) when the file does not exist. A file that is not a valid
    /// world is an error ([`SimError::Corrupt`] naming the path), never
    /// overwritten. A layout different from the stored one is an error too
    /// ([`SimError::LayoutMismatch`]).
    pub fn open(path: &Path, layout: SimLayout) -> Result<Self, SimError> {
        layout.check()?;
        let phys = match store::load(path)? {
            Some(phys) if phys.layout != layout => {
                return Err(SimError::LayoutMismatch {
                    path: path.to_path_buf(),
                    stored: phys.layout,
                    requested: layout,
                });
            }
            Some(phys) => {
                tracing::info!(path = %path.display(), "simulated world loaded");
                phys
            }
            None => {
                let phys = Physical::new(layout);
                store::save(path, &phys)?;
                tracing::info!(path = %path.display(), "simulated world created");
                phys
            }
        };
        Ok(Self::build(layout, Some(path.to_path_buf()), phys))
    }

    /// A world that lives only in memory (tests).
    ///
    /// # Panics
    ///
    /// If `layout.return_bin` is not greater than `layout.lockers`; use
    /// [`SimWorld::open`] for a layout that comes from configuration.
    pub fn in_memory(layout: SimLayout) -> Self {
        if let Err(e) = layout.check() {
            panic!("{e}");
        }
        Self::build(layout, None, Physical::new(layout))
    }

    fn build(layout: SimLayout, path: Option<PathBuf>, phys: Physical) -> Self {
        let (card_tx, card_rx) = mpsc::unbounded_channel();
        let (scan_tx, scan_rx) = mpsc::unbounded_channel();
        Self {
            inner: Arc::new(Inner {
                layout,
                path,
                state: Mutex::new(State { phys, card_present: false }),
                card_tx,
                card_rx: Mutex::new(Some(card_rx)),
                scan_tx,
                scan_rx: Mutex::new(Some(scan_rx)),
            }),
        }
    }

    /// The kiosk's shape.
    pub fn layout(&self) -> SimLayout {
        self.inner.layout
    }

    /// Place a book in a locker with its door closed (seeding and staff setup
    /// of the simulation): the locker must be empty, and its door is shut
    /// afterwards whatever it was before.
    pub fn place(&self, slot: u16, barcode: &str) -> Result<(), SimError> {
        self.mutate(|p| {
            let s = locker_mut(p, slot)?;
            if s.item.is_some() {
                return Err(SimError::SlotOccupied(slot));
            }
            s.item = Some(barcode.to_owned());
            s.door_open = false;
            Ok(())
        })?;
        tracing::info!(slot, "simulation: book placed");
        Ok(())
    }

    /// [`SimWorld::place`] for many books with one write of the world file
    /// (one fsync, not one a book: the demo's first start at 1,000 lockers).
    /// All or none: a refused placement places nothing.
    pub fn place_many(&self, books: &[(u16, String)]) -> Result<(), SimError> {
        self.mutate(|p| {
            for (slot, barcode) in books {
                let s = locker_mut(p, *slot)?;
                if s.item.is_some() {
                    return Err(SimError::SlotOccupied(*slot));
                }
                s.item = Some(barcode.clone());
                s.door_open = false;
            }
            Ok(())
        })?;
        tracing::info!(books = books.len(), "simulation: books placed");
        Ok(())
    }

    /// A card is placed on the reader: the reader yields
    /// [`CardEvent::Tapped`]. Tapping while a card is present first yields
    /// [`CardEvent::Removed`], as the old card must have left.
    ///
    /// `uid` is normalised the way a reader reports it: upper-case, with
    /// `:`, `-` and spaces removed.
    pub fn tap_card(&self, uid: &str) {
        let uid: String =
            uid.chars().filter(|c| !matches!(c, ':' | '-' | ' ')).map(|c| c.to_ascii_uppercase()).collect();
        let mut state = lock(&self.inner.state);
        if state.card_present {
            self.send_card(CardEvent::Removed);
        }
        self.send_card(CardEvent::Tapped { uid });
        state.card_present = true;
        tracing::debug!("simulation: card tapped");
    }

    /// The card leaves the reader: [`CardEvent::Removed`] if one was there.
    pub fn remove_card(&self) {
        let mut state = lock(&self.inner.state);
        if state.card_present {
            self.send_card(CardEvent::Removed);
            state.card_present = false;
            tracing::debug!("simulation: card removed");
        }
    }

    /// One scan: the scanner yields `text` without surrounding CR/LF. A scan
    /// that is blank after that is dropped, as a real scanner's driver would.
    pub fn scan(&self, text: &str) {
        let text = text.trim_matches(['\r', '\n']);
        if text.is_empty() {
            tracing::debug!("simulation: blank scan ignored");
            return;
        }
        // Under the state lock so concurrent scans keep one order with card
        // events, as they would at a single kiosk.
        let _state = lock(&self.inner.state);
        if self.inner.scan_tx.send(text.to_owned()).is_err() {
            tracing::debug!("simulation: scan dropped, the scanner handle is gone");
        }
    }

    /// A patron takes the book out of an open locker; returns its barcode.
    pub fn take(&self, slot: u16) -> Result<String, SimError> {
        let barcode = self.mutate(|p| {
            let s = locker_mut(p, slot)?;
            if !s.door_open {
                return Err(SimError::DoorClosed(slot));
            }
            s.item.take().ok_or(SimError::SlotEmpty(slot))
        })?;
        tracing::info!(slot, "simulation: book taken");
        Ok(barcode)
    }

    /// A book is put into an open slot. A locker must be empty; the return
    /// bin takes any number, each one counted by its chute sensor.
    pub fn put(&self, slot: u16, barcode: &str) -> Result<(), SimError> {
        let bin = self.inner.layout.return_bin;
        self.mutate(|p| {
            let s = slot_mut(p, slot)?;
            if !s.door_open {
                return Err(SimError::DoorClosed(slot));
            }
            if slot == bin {
                s.bin_items.push(barcode.to_owned());
                s.drop_count = s.drop_count.wrapping_add(1);
            } else if s.item.is_some() {
                return Err(SimError::SlotOccupied(slot));
            } else {
                s.item = Some(barcode.to_owned());
            }
            Ok(())
        })?;
        tracing::info!(slot, "simulation: book put in");
        Ok(())
    }

    /// The door is pushed shut and latches. Closing a closed door is a no-op.
    pub fn close(&self, slot: u16) -> Result<(), SimError> {
        self.mutate(|p| {
            slot_mut(p, slot)?.door_open = false;
            Ok(())
        })?;
        tracing::info!(slot, "simulation: door closed");
        Ok(())
    }

    /// Jam or free a slot's lock. A jammed door does not open:
    /// [`LockerBoard::open`](crate::LockerBoard::open) fails with
    /// [`ErrorKind::Jammed`] and the door stays closed. A door already open
    /// stays open.
    pub fn jam(&self, slot: u16, jammed: bool) -> Result<(), SimError> {
        self.mutate(|p| {
            slot_mut(p, slot)?.jammed = jammed;
            Ok(())
        })?;
        tracing::info!(slot, jammed, "simulation: lock jam set");
        Ok(())
    }

    /// Staff unload the return bin, whose door must be open: returns the
    /// barcodes, oldest first. The drop counter keeps counting.
    pub fn empty_bin(&self) -> Result<Vec<String>, SimError> {
        let bin = self.inner.layout.return_bin;
        let books = self.mutate(|p| {
            let s = slot_mut(p, bin)?;
            if !s.door_open {
                return Err(SimError::DoorClosed(bin));
            }
            Ok(std::mem::take(&mut s.bin_items))
        })?;
        tracing::info!(count = books.len(), "simulation: return bin emptied");
        Ok(books)
    }

    /// Plug the board in or pull it out. While it is out,
    /// [`LockerBoard::open`](crate::LockerBoard::open) and
    /// [`LockerBoard::read_all`](crate::LockerBoard::read_all) fail with
    /// [`ErrorKind::NotResponding`].
    pub fn set_board_online(&self, online: bool) {
        self.mutate_or_warn(|p| p.board_online = online);
        tracing::info!(online, "simulation: board power set");
    }

    /// Bring the simulated network up or down.
    pub fn set_network(&self, up: bool) {
        self.mutate_or_warn(|p| p.network_up = up);
        tracing::info!(up, "simulation: network set");
    }

    /// Whether the simulated network is up.
    pub fn network_up(&self) -> bool {
        lock(&self.inner.state).phys.network_up
    }

    /// The whole world as it is now.
    pub fn snapshot(&self) -> WorldSnapshot {
        let state = lock(&self.inner.state);
        WorldSnapshot {
            layout: state.phys.layout,
            slots: state.phys.slots.clone(),
            board_online: state.phys.board_online,
            network_up: state.phys.network_up,
            card_present: state.card_present,
        }
    }

    /// The card reader handle. It has one consumer: the second call returns
    /// `None`. Taps made before it is taken wait for it.
    pub fn card_reader(&self) -> Option<SimCardReader> {
        lock(&self.inner.card_rx).take().map(SimCardReader::new)
    }

    /// The scanner handle. It has one consumer: the second call returns
    /// `None`. Scans made before it is taken wait for it.
    pub fn scanner(&self) -> Option<SimScanner> {
        lock(&self.inner.scan_rx).take().map(SimScanner::new)
    }

    /// A locker board handle; any number may exist.
    pub fn board(&self) -> SimBoard {
        SimBoard::new(self.clone())
    }

    /// The board pulsing a lock: the door springs ajar unless the board is
    /// off or the lock is jammed.
    pub(crate) fn board_open(&self, slot: u16) -> Result<(), HwError> {
        let Some(index) = self.inner.layout.index(slot) else {
            return Err(HwError::new(ErrorKind::InvalidSlot, format!("simulated board has no slot {slot}")));
        };
        let mut state = lock(&self.inner.state);
        if !state.phys.board_online {
            return Err(not_responding());
        }
        if state.phys.slots[index].jammed {
            return Err(HwError::new(
                ErrorKind::Jammed,
                format!("slot {slot}: lock pulsed but the door stayed latched"),
            ));
        }
        let mut next = state.phys.clone();
        next.slots[index].door_open = true;
        self.commit(&mut state, next).map_err(|e| {
            HwError::new(ErrorKind::Other, format!("slot {slot}: could not record the door opening: {e}"))
        })?;
        tracing::info!(slot, "simulation: door unlatched");
        Ok(())
    }

    /// The board reporting every slot's sensors.
    pub(crate) fn board_read(&self) -> Result<Vec<SlotStatus>, HwError> {
        let state = lock(&self.inner.state);
        if !state.phys.board_online {
            return Err(not_responding());
        }
        let bin = self.inner.layout.return_bin;
        Ok(state
            .phys
            .slots
            .iter()
            .map(|s| SlotStatus {
                slot: s.slot,
                door_open: s.door_open,
                item_present: if s.slot == bin { !s.bin_items.is_empty() } else { s.item.is_some() },
                drop_count: s.drop_count,
            })
            .collect())
    }

    /// The board reporting the sensors of `slots` only (unknown ones left out).
    pub(crate) fn board_read_slots(&self, slots: &[u16]) -> Result<Vec<SlotStatus>, HwError> {
        let state = lock(&self.inner.state);
        if !state.phys.board_online {
            return Err(not_responding());
        }
        let bin = self.inner.layout.return_bin;
        let mut out: Vec<SlotStatus> = slots
            .iter()
            .filter_map(|&slot| self.inner.layout.index(slot).map(|i| &state.phys.slots[i]))
            .map(|s| SlotStatus {
                slot: s.slot,
                door_open: s.door_open,
                item_present: if s.slot == bin { !s.bin_items.is_empty() } else { s.item.is_some() },
                drop_count: s.drop_count,
            })
            .collect();
        out.sort_by_key(|s| s.slot);
        out.dedup_by_key(|s| s.slot);
        Ok(out)
    }

    fn send_card(&self, event: CardEvent) {
        if self.inner.card_tx.send(event).is_err() {
            tracing::debug!("simulation: card event dropped, the reader handle is gone");
        }
    }

    /// Applies `change` to a copy of the state and commits it only if it
    /// succeeds and the file write does, so a refused action or a failed
    /// write leaves memory and file as they were.
    fn mutate<T>(&self, change: impl FnOnce(&mut Physical) -> Result<T, SimError>) -> Result<T, SimError> {
        let mut state = lock(&self.inner.state);
        let mut next = state.phys.clone();
        let out = change(&mut next)?;
        self.commit(&mut state, next)?;
        Ok(out)
    }

    /// For changes whose method cannot report failure: the change takes
    /// effect in memory even if the file write fails, with a warning, since
    /// the tester asked for it and the file only lags behind.
    fn mutate_or_warn(&self, change: impl FnOnce(&mut Physical)) {
        let mut state = lock(&self.inner.state);
        let before = state.phys.clone();
        change(&mut state.phys);
        if state.phys == before {
            return;
        }
        if let Some(path) = &self.inner.path
            && let Err(e) = store::save(path, &state.phys)
        {
            tracing::warn!(error = %e, "simulated world changed in memory but not saved");
        }
    }

    /// Writes `next` to the file (if any) and then makes it the state.
    fn commit(&self, state: &mut State, next: Physical) -> Result<(), SimError> {
        if next == state.phys {
            return Ok(());
        }
        if let Some(path) = &self.inner.path {
            store::save(path, &next)?;
        }
        state.phys = next;
        Ok(())
    }
}

fn not_responding() -> HwError {
    HwError::new(ErrorKind::NotResponding, "simulated board is offline (unplugged)")
}

fn slot_mut(p: &mut Physical, slot: u16) -> Result<&mut SimSlotSnapshot, SimError> {
    let index = p.layout.index(slot).ok_or(SimError::NoSuchSlot(slot))?;
    Ok(&mut p.slots[index])
}

fn locker_mut(p: &mut Physical, slot: u16) -> Result<&mut SimSlotSnapshot, SimError> {
    if slot == p.layout.return_bin {
        return Err(SimError::NotALocker(slot));
    }
    slot_mut(p, slot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CardReader, LockerBoard, Scanner};

    const LAYOUT: SimLayout = SimLayout { lockers: 3, return_bin: 10 };

    fn world() -> SimWorld {
        SimWorld::in_memory(LAYOUT)
    }

    fn slot(w: &SimWorld, n: u16) -> SimSlotSnapshot {
        let snap = w.snapshot();
        snap.slots.into_iter().find(|s| s.slot == n).unwrap()
    }

    #[test]
    fn fresh_world_is_closed_empty_and_online() {
        let snap = world().snapshot();
        assert_eq!(snap.layout, LAYOUT);
        assert_eq!(snap.slots.iter().map(|s| s.slot).collect::<Vec<_>>(), vec![1, 2, 3, 10]);
        assert!(snap.slots.iter().all(|s| !s.door_open
            && !s.jammed
            && s.item.is_none()
            && s.bin_items.is_empty()
            && s.drop_count == 0));
        assert!(snap.board_online && snap.network_up && !snap.card_present);
    }

    #[test]
    #[should_panic(expected = "return bin")]
    fn in_memory_rejects_a_bin_inside_the_lockers() {
        SimWorld::in_memory(SimLayout { lockers: 3, return_bin: 3 });
    }

    #[test]
    fn place_many_is_all_or_none() {
        let w = world();
        w.place_many(&[(1, "A".into()), (2, "B".into())]).unwrap();
        assert_eq!((slot(&w, 1).item.as_deref(), slot(&w, 2).item.as_deref()), (Some("A"), Some("B")));
        assert!(matches!(w.place_many(&[(3, "C".into()), (2, "D".into())]), Err(SimError::SlotOccupied(2))));
        assert_eq!(slot(&w, 3).item, None);
    }

    #[test]
    fn place_closes_the_door_and_refuses_a_full_locker() {
        let w = world();
        w.place(1, "B1").unwrap();
        assert_eq!(slot(&w, 1).item.as_deref(), Some("B1"));
        assert!(matches!(w.place(1, "B2"), Err(SimError::SlotOccupied(1))));
        assert!(matches!(w.place(10, "B2"), Err(SimError::NotALocker(10))));
        assert!(matches!(w.place(4, "B2"), Err(SimError::NoSuchSlot(4))));
    }

    #[tokio::test]
    async fn take_needs_an_open_door_and_a_book() {
        let w = world();
        w.place(2, "B2").unwrap();
        let e = w.take(2).unwrap_err();
        assert!(matches!(e, SimError::DoorClosed(2)));
        assert_eq!(e.to_string(), "slot 2 is closed: open it first");
        w.board().open(2).await.unwrap();
        assert_eq!(w.take(2).unwrap(), "B2");
        assert!(matches!(w.take(2), Err(SimError::SlotEmpty(2))));
        assert!(matches!(w.take(10), Err(SimError::NotALocker(10))));
        assert!(matches!(w.take(0), Err(SimError::NoSuchSlot(0))));
    }

    #[tokio::test]
    async fn put_needs_an_open_door_and_an_empty_locker() {
        let w = world();
        assert!(matches!(w.put(1, "B1"), Err(SimError::DoorClosed(1))));
        w.board().open(1).await.unwrap();
        w.put(1, "B1").unwrap();
        assert!(matches!(w.put(1, "B2"), Err(SimError::SlotOccupied(1))));
        assert!(matches!(w.put(11, "B2"), Err(SimError::NoSuchSlot(11))));
        assert_eq!(slot(&w, 1).item.as_deref(), Some("B1"));
    }

    #[tokio::test]
    async fn refused_actions_change_nothing() {
        let w = world();
        w.place(1, "B1").unwrap();
        let before = w.snapshot();
        let _ = w.take(1);
        let _ = w.put(1, "B2");
        let _ = w.empty_bin();
        let _ = w.jam(99, true);
        assert_eq!(w.snapshot(), before);
    }

    #[tokio::test]
    async fn bin_counts_every_drop_and_empties_without_resetting_the_count() {
        let w = world();
        let board = w.board();
        assert!(matches!(w.put(10, "R1"), Err(SimError::DoorClosed(10))));
        board.open(10).await.unwrap();
        w.put(10, "R1").unwrap();
        w.put(10, "R2").unwrap();
        w.close(10).unwrap();
        let bin = board.read_all().await.unwrap().pop().unwrap();
        assert_eq!(bin, SlotStatus { slot: 10, door_open: false, item_present: true, drop_count: 2 });
        assert!(matches!(w.empty_bin(), Err(SimError::DoorClosed(10))));
        board.open(10).await.unwrap();
        assert_eq!(w.empty_bin().unwrap(), vec!["R1", "R2"]);
        let bin = slot(&w, 10);
        assert!(bin.bin_items.is_empty());
        assert_eq!(bin.drop_count, 2);
        let status = board.read_all().await.unwrap().pop().unwrap();
        assert!(!status.item_present);
        assert_eq!(status.drop_count, 2);
    }

    #[tokio::test]
    async fn jammed_lock_keeps_the_door_shut_until_freed() {
        let w = world();
        let board = w.board();
        w.jam(3, true).unwrap();
        let e = board.open(3).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Jammed);
        assert!(!slot(&w, 3).door_open);
        assert!(slot(&w, 3).jammed);
        w.jam(3, false).unwrap();
        board.open(3).await.unwrap();
        assert!(slot(&w, 3).door_open);
    }

    #[tokio::test]
    async fn offline_board_does_not_respond() {
        let w = world();
        let board = w.board();
        w.set_board_online(false);
        assert!(!w.snapshot().board_online);
        assert_eq!(board.open(1).await.unwrap_err().kind(), ErrorKind::NotResponding);
        assert_eq!(board.read_all().await.unwrap_err().kind(), ErrorKind::NotResponding);
        assert!(!slot(&w, 1).door_open);
        w.set_board_online(true);
        board.open(1).await.unwrap();
        assert!(board.read_all().await.unwrap()[0].door_open);
    }

    #[tokio::test]
    async fn unknown_slot_is_invalid_on_the_board() {
        let board = world().board();
        assert_eq!(board.slots(), vec![1, 2, 3, 10]);
        for bad in [0, 4, 9, 11] {
            assert_eq!(board.open(bad).await.unwrap_err().kind(), ErrorKind::InvalidSlot);
        }
        assert!(matches!(world().close(4), Err(SimError::NoSuchSlot(4))));
    }

    #[test]
    fn network_flag() {
        let w = world();
        assert!(w.network_up());
        w.set_network(false);
        assert!(!w.network_up());
        assert!(!w.snapshot().network_up);
    }

    #[tokio::test]
    async fn tap_then_remove() {
        let w = world();
        let mut reader = w.card_reader().unwrap();
        w.tap_card("04a1b2c3d4e5f6");
        assert!(w.snapshot().card_present);
        w.remove_card();
        w.remove_card(); // nothing on the reader: no second Removed
        w.tap_card("11:22:33:44");
        assert_eq!(reader.next_event().await.unwrap(), CardEvent::Tapped { uid: "04A1B2C3D4E5F6".into() });
        assert_eq!(reader.next_event().await.unwrap(), CardEvent::Removed);
        assert_eq!(reader.next_event().await.unwrap(), CardEvent::Tapped { uid: "11223344".into() });
    }

    #[tokio::test]
    async fn tapping_over_a_present_card_removes_it_first() {
        let w = world();
        let mut reader = w.card_reader().unwrap();
        w.tap_card("AA");
        w.tap_card("BB");
        let events = [
            reader.next_event().await.unwrap(),
            reader.next_event().await.unwrap(),
            reader.next_event().await.unwrap(),
        ];
        assert_eq!(
            events,
            [CardEvent::Tapped { uid: "AA".into() }, CardEvent::Removed, CardEvent::Tapped { uid: "BB".into() },]
        );
    }

    #[tokio::test]
    async fn reader_wakes_when_a_card_arrives() {
        let w = world();
        let mut reader = w.card_reader().unwrap();
        let waiting = tokio::spawn(async move { reader.next_event().await });
        tokio::task::yield_now().await;
        w.tap_card("0A0B0C0D");
        let ev = waiting.await.unwrap().unwrap();
        assert_eq!(ev, CardEvent::Tapped { uid: "0A0B0C0D".into() });
    }

    #[tokio::test]
    async fn devices_have_one_consumer_each() {
        let w = world();
        let clone = w.clone();
        assert!(w.card_reader().is_some());
        assert!(clone.card_reader().is_none());
        assert!(w.scanner().is_some());
        assert!(clone.scanner().is_none());
    }

    #[tokio::test]
    async fn handles_report_disconnected_once_the_world_is_gone() {
        let w = world();
        let mut reader = w.card_reader().unwrap();
        let mut scanner = w.scanner().unwrap();
        w.tap_card("AA");
        w.scan("S1");
        drop(w);
        assert!(matches!(reader.next_event().await, Ok(CardEvent::Tapped { .. })));
        assert_eq!(reader.next_event().await.unwrap_err().kind(), ErrorKind::Disconnected);
        assert_eq!(scanner.next_scan().await.unwrap(), "S1");
        assert_eq!(scanner.next_scan().await.unwrap_err().kind(), ErrorKind::Disconnected);
    }

    #[tokio::test]
    async fn scans_arrive_in_order_trimmed_and_blank_ones_dropped() {
        let w = world();
        let mut scanner = w.scanner().unwrap();
        w.scan("9780140449136\r\n");
        w.scan("\r\n");
        w.scan("PATRON:42");
        w.scan("\nthird\n");
        assert_eq!(scanner.next_scan().await.unwrap(), "9780140449136");
        assert_eq!(scanner.next_scan().await.unwrap(), "PATRON:42");
        assert_eq!(scanner.next_scan().await.unwrap(), "third");
    }

    #[test]
    fn poisoned_lock_does_not_panic_callers() {
        let w = world();
        let w2 = w.clone();
        let joined = std::thread::spawn(move || {
            let _guard = w2.inner.state.lock();
            panic!("poison the lock");
        })
        .join();
        assert!(joined.is_err());
        assert!(w.inner.state.is_poisoned());
        w.place(1, "B1").unwrap();
        assert_eq!(slot(&w, 1).item.as_deref(), Some("B1"));
    }
}
