//! The simulated world behind chained Kerong CU boards on ptys, with the
//! real driver in front: what `bookstation demo --hardware pty` runs, and
//! what the latency benchmark measures.
//!
//! A Kerong CU bus addresses 16 boards (DIP 0–15) of 16 locks, so a cabinet
//! of more than 255 lockers (the bin takes a board of its own) needs
//! several buses, each its own serial port: bus 0 at the link given, bus
//! `k` at the link with `-k` appended. The boards are spread evenly over the
//! fewest buses that hold them, so a sweep of the buses in parallel takes
//! about as long on each.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{KerongSim, KerongSimBoard, PtySim};
use crate::drivers::{Cabinet, KerongCu, KerongPolarity, LinkSettings, Mount, SerialLink};
use crate::{ErrorKind, HwError, SimWorld};

/// Boards a Kerong CU bus addresses.
pub const BOARDS_PER_BUS: usize = 16;
/// Buses a simulated cabinet may have.
pub const MAX_BUSES: usize = 16;

/// The lockers in runs of 16 per board, then the return bin on a board of
/// its own, spread over buses of at most 16 boards (addresses 0, 1, … on
/// each bus).
pub fn world_boards(world: &SimWorld) -> Result<Vec<Vec<KerongSimBoard>>, HwError> {
    let layout = world.layout();
    let mut boards = Vec::new();
    let mut first = 1u16;
    while first <= layout.lockers {
        let channels = (layout.lockers - first + 1).min(16);
        boards.push((first, channels));
        first += channels;
    }
    boards.push((layout.return_bin, 1));
    let buses = boards.len().div_ceil(BOARDS_PER_BUS);
    if buses > MAX_BUSES {
        return Err(HwError::new(
            ErrorKind::InvalidSlot,
            format!("{} lockers need more than {MAX_BUSES} Kerong buses", layout.lockers),
        ));
    }
    let per_bus = boards.len().div_ceil(buses);
    Ok(boards
        .chunks(per_bus)
        .map(|bus| {
            (0u8..)
                .zip(bus)
                .map(|(address, &(first_slot, channels))| KerongSimBoard {
                    address,
                    first_slot,
                    channels: u8::try_from(channels).unwrap_or(16),
                })
                .collect()
        })
        .collect())
}

/// Where bus `index` of a cabinet whose first bus is at `link` is.
pub fn bus_link(link: &Path, index: usize) -> PathBuf {
    if index == 0 {
        return link.to_path_buf();
    }
    let mut name = link.as_os_str().to_owned();
    name.push(format!("-{index}"));
    PathBuf::from(name)
}

/// Start a Kerong simulator for each bus of `world` (bus 0 at the symlink
/// `link`, the others beside it: [`bus_link`]), and the cabinet that drives
/// them through the serial driver with `settings` (whose path is replaced
/// by each bus's link): one serial link, so one thread, per bus.
pub fn world_on_kerong(
    world: &SimWorld,
    link: &Path,
    settings: LinkSettings,
) -> Result<(Vec<PtySim>, Cabinet), HwError> {
    let buses = world_boards(world)?;
    let panel: Arc<dyn super::Panel> = Arc::new(world.clone());
    let mut sims = Vec::new();
    let mut mounts = Vec::new();
    for (index, boards) in buses.iter().enumerate() {
        let path = bus_link(link, index);
        let sim = PtySim::start(&path, KerongSim::new(boards.clone()), panel.clone())
            .map_err(|e| HwError::new(ErrorKind::Other, format!("cannot start the pty board simulator: {e}")))?;
        sims.push(sim);
        let bus = SerialLink::new(LinkSettings { path, ..settings.clone() });
        for b in boards {
            let unit = KerongCu::new(bus.clone(), b.address, b.channels, KerongPolarity::default())?;
            mounts.push(Mount { unit: Box::new(unit), first_slot: b.first_slot });
        }
    }
    let cabinet = Cabinet::new(mounts, Some(world.layout().return_bin))?;
    Ok((sims, cabinet))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SimLayout;

    fn buses(lockers: u16) -> Vec<Vec<KerongSimBoard>> {
        world_boards(&SimWorld::in_memory(SimLayout { lockers, return_bin: lockers + 1 })).unwrap()
    }

    #[test]
    fn a_cabinet_takes_the_fewest_buses_of_at_most_16_boards_each_slot_once() {
        for (lockers, expected_buses) in [(40u16, 1usize), (240, 1), (255, 2), (500, 3), (1000, 4)] {
            let buses = buses(lockers);
            assert_eq!(buses.len(), expected_buses, "{lockers} lockers");
            let mut slots = Vec::new();
            for bus in &buses {
                assert!(bus.len() <= BOARDS_PER_BUS);
                assert!(bus.iter().zip(0u8..).all(|(b, a)| b.address == a), "addresses 0.. on each bus");
                for b in bus {
                    slots.extend((0..u16::from(b.channels)).map(|ch| b.first_slot + ch));
                }
            }
            slots.sort_unstable();
            assert_eq!(slots, (1..=lockers + 1).collect::<Vec<_>>());
        }
    }

    #[test]
    fn bus_links_sit_beside_the_first() {
        assert_eq!(bus_link(Path::new("/s/locker-bus"), 0), PathBuf::from("/s/locker-bus"));
        assert_eq!(bus_link(Path::new("/s/locker-bus"), 2), PathBuf::from("/s/locker-bus-2"));
    }
}
