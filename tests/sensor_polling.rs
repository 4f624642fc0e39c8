//! Sensor polling that does not grow with the cabinet (issue 13): a
//! 500-locker kiosk behind a cabinet of 32 boards on two buses, one board
//! silent. Counts, not times: the runner's poll tick (`Runner::poll_tick`,
//! what the actor does every `SENSOR_POLL`) reads the active locker's board
//! once per tick while a dispense waits, never waits on the silent board
//! meanwhile, sees the door shut at the first tick after it shuts, and
//! sweeps the rest of the cabinet a board per bus per tick.

mod common;

use bookstation::demo::SimDistrict;
use bookstation_hardware::drivers::{BoardUnit, Cabinet, ChannelState, Mount, SILENT_PROBE_EVERY};
use bookstation_hardware::sim::pty::Panel;
use bookstation_hardware::{ErrorKind, HwError, LockerBoard, SimWorld};
use common::*;
use std::sync::Arc;

const LOCKERS: u16 = 500;
/// Slots 17..=32: the second board of bus A, which never answers.
const SILENT_BOARD: usize = 1;

/// A board in front of the simulated world: channels `first..first + channels`.
struct WorldUnit {
    world: SimWorld,
    first: u16,
    channels: u16,
    bus: &'static str,
    silent: bool,
}

thread_local! {
    /// Probes of a board known to be silent (rather than reads), on this
    /// test's thread (a `#[tokio::test]` runs on one).
    static PROBES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

impl WorldUnit {
    fn check(&self) -> Result<(), HwError> {
        if self.silent {
            return Err(HwError::new(ErrorKind::NotResponding, format!("{} does not answer", self.describe())));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl BoardUnit for WorldUnit {
    fn describe(&self) -> String {
        format!("test board from slot {} on bus {}", self.first, self.bus)
    }
    fn bus(&self) -> String {
        self.bus.to_owned()
    }
    fn channels(&self) -> u16 {
        self.channels
    }
    async fn unlock(&self, channel: u16) -> Result<(), HwError> {
        self.check()?;
        Panel::unlock(&self.world, self.first + channel);
        Ok(())
    }
    async fn probe(&self) -> Result<Vec<ChannelState>, HwError> {
        PROBES.with(|p| p.set(p.get() + 1));
        self.read().await
    }
    async fn read(&self) -> Result<Vec<ChannelState>, HwError> {
        self.check()?;
        let all = Panel::read(&self.world).ok_or_else(|| HwError::new(ErrorKind::NotResponding, "world off"))?;
        Ok((self.first..self.first + self.channels)
            .map(|slot| {
                let s = all.iter().find(|s| s.slot == slot).copied();
                ChannelState {
                    door_open: s.is_some_and(|s| s.door_open),
                    item_present: s.is_some_and(|s| s.item_present),
                }
            })
            .collect())
    }
}

/// Boards of 16 lockers, the first 16 boards on bus A, the rest and the bin on bus B.
fn cabinet(world: &SimWorld) -> Arc<Cabinet> {
    let mut mounts = Vec::new();
    let mut first = 1u16;
    while first <= LOCKERS {
        let channels = (LOCKERS - first + 1).min(16);
        let index = mounts.len();
        let unit = WorldUnit {
            world: world.clone(),
            first,
            channels,
            bus: if index < 16 { "A" } else { "B" },
            silent: index == SILENT_BOARD,
        };
        mounts.push(Mount { unit: Box::new(unit), first_slot: first });
        first += channels;
    }
    let bin = WorldUnit { world: world.clone(), first: LOCKERS + 1, channels: 1, bus: "B", silent: false };
    mounts.push(Mount { unit: Box::new(bin), first_slot: LOCKERS + 1 });
    Arc::new(Cabinet::new(mounts, Some(LOCKERS + 1)).expect("cabinet"))
}

async fn kiosk() -> (Kiosk, Arc<Cabinet>) {
    let mut made = None;
    let kiosk = Kiosk::with_board(
        |c| {
            c.hardware.lockers = LOCKERS;
            c.hardware.return_bin_slot = LOCKERS + 1;
        },
        |id| SimDistrict::demo_sized(id, LOCKERS),
        |world| {
            let c = cabinet(world);
            made = Some(c.clone());
            c as Arc<dyn LockerBoard>
        },
    )
    .await;
    (kiosk, made.expect("the cabinet was built"))
}

fn diff(after: &[u64], before: &[u64]) -> Vec<u64> {
    after.iter().zip(before).map(|(a, b)| a - b).collect()
}

#[tokio::test]
async fn while_a_dispense_waits_each_tick_reads_the_active_board_once_and_never_the_silent_one() {
    let (mut k, cab) = kiosk().await;
    assert_eq!(cab.bus_count(), 2);
    // Locker 1 (MP0001) is on board 0 of bus A, beside the silent board 1.
    let slot = k.borrow_until_door_open("MP0001").await;
    assert_eq!(slot, 1);
    assert_eq!(k.runner.watched_slots(), vec![1]);

    const TICKS: u64 = 40;
    let before = cab.reads_per_board();
    for tick in 1..=TICKS {
        let at = cab.reads_per_board();
        k.runner.poll_tick().await;
        let step = diff(&cab.reads_per_board(), &at);
        assert_eq!(step[0], 1, "tick {tick}: one read of the active locker's board");
        assert_eq!(step[SILENT_BOARD], 0, "tick {tick}: the silent board is not probed while a patron waits");
        // Bus A: the active board and one swept board; bus B: one swept board.
        assert_eq!(step.iter().sum::<u64>(), 3, "tick {tick}: {step:?}");
    }
    let total = diff(&cab.reads_per_board(), &before);
    // The sweep went round both buses (the silent board skipped).
    assert!(total[2..16].iter().all(|&n| n >= 2), "bus A swept: {total:?}");
    assert!(total[16..].iter().all(|&n| n >= 2), "bus B swept: {total:?}");

    // The book leaves, the door shuts: the first tick after it records the loan.
    k.world.take(slot).expect("take");
    k.runner.poll_tick().await;
    k.world.close(slot).expect("close");
    k.runner.poll_tick().await;
    assert!(k.event_kinds().await.contains(&"loan".to_owned()), "{:?}", k.event_kinds().await);
    assert!(k.runner.watched_slots().is_empty());
}

#[tokio::test]
async fn idle_the_sweep_covers_the_cabinet_and_probes_the_silent_board_rarely() {
    let (mut k, cab) = kiosk().await;
    assert!(k.runner.watched_slots().is_empty());
    // Bus A has 16 boards: the silent one's turn comes every 16 ticks, and
    // it is probed on every SILENT_PROBE_EVERY-th turn.
    let ticks = 16 * u64::from(SILENT_PROBE_EVERY) * 2;
    let before = cab.reads_per_board();
    let probes_before = PROBES.with(std::cell::Cell::get);
    for _ in 0..ticks {
        let at = cab.reads_per_board();
        k.runner.poll_tick().await;
        let step = diff(&cab.reads_per_board(), &at);
        assert!(step.iter().sum::<u64>() <= 2, "one board per bus per tick: {step:?}");
    }
    let total = diff(&cab.reads_per_board(), &before);
    assert!(
        (1..=2).contains(&total[SILENT_BOARD]),
        "silent board probed {} times in {ticks} ticks",
        total[SILENT_BOARD]
    );
    assert_eq!(
        PROBES.with(std::cell::Cell::get) - probes_before,
        total[SILENT_BOARD],
        "a board known silent is probed (one try), never read with all its tries"
    );
    let fewest = total.iter().enumerate().filter(|(i, _)| *i != SILENT_BOARD).map(|(_, n)| *n).min().unwrap_or(0);
    assert!(fewest >= ticks / 17, "every answering board swept about once per round: {total:?}");
    assert_eq!(cab.silent_boards().len(), 1);
}
