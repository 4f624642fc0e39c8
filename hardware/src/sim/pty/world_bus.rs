//! The simulated world behind chained Kerong CU boards on a pty, with the
//! real driver in front: what `bookstation demo --hardware pty` runs, and
//! what the latency benchmark measures.

use std::path::Path;
use std::sync::Arc;

use super::{KerongSim, KerongSimBoard, PtySim};
use crate::drivers::{Cabinet, KerongCu, KerongPolarity, LinkSettings, Mount, SerialLink};
use crate::{ErrorKind, HwError, SimWorld};

/// The lockers in runs of 16 per board (addresses 0, 1, …), then the return
/// bin on a board of its own; at most 16 boards, so 240 lockers.
pub fn world_boards(world: &SimWorld) -> Result<Vec<KerongSimBoard>, HwError> {
    let layout = world.layout();
    let mut boards = Vec::new();
    let mut first = 1u16;
    while first <= layout.lockers {
        let channels = (layout.lockers - first + 1).min(16);
        boards.push((first, channels));
        first += channels;
    }
    boards.push((layout.return_bin, 1));
    if boards.len() > 16 {
        return Err(HwError::new(
            ErrorKind::InvalidSlot,
            format!("{} lockers need more than 16 Kerong boards; the pty bus has at most 240 lockers", layout.lockers),
        ));
    }
    Ok((0u8..)
        .zip(boards)
        .map(|(address, (first_slot, channels))| KerongSimBoard {
            address,
            first_slot,
            channels: u8::try_from(channels).unwrap_or(16),
        })
        .collect())
}

/// Start the Kerong simulator for `world` at the symlink `link`, and the
/// cabinet that drives it through the serial driver with `settings` (whose
/// path is replaced by `link`).
pub fn world_on_kerong(world: &SimWorld, link: &Path, settings: LinkSettings) -> Result<(PtySim, Cabinet), HwError> {
    let boards = world_boards(world)?;
    let panel: Arc<dyn super::Panel> = Arc::new(world.clone());
    let sim = PtySim::start(link, KerongSim::new(boards.clone()), panel)
        .map_err(|e| HwError::new(ErrorKind::Other, format!("cannot start the pty board simulator: {e}")))?;
    let bus = SerialLink::new(LinkSettings { path: link.to_path_buf(), ..settings });
    let mounts = boards
        .iter()
        .map(|b| {
            let unit = KerongCu::new(bus.clone(), b.address, b.channels, KerongPolarity::default())?;
            Ok(Mount { unit: Box::new(unit), first_slot: b.first_slot })
        })
        .collect::<Result<Vec<_>, HwError>>()?;
    let cabinet = Cabinet::new(mounts, Some(world.layout().return_bin))?;
    Ok((sim, cabinet))
}
