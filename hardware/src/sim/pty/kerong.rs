//! [`KerongSim`]: Kerong CU boards chained on one simulated bus.

use super::{Panel, WireProtocol};
use crate::codec::kerong_cu::{CMD_STATUS, CMD_UNLOCK, Decoded, Reply, StatusBits, decode_request};

/// One simulated board: its address and the slots of its channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KerongSimBoard {
    /// The DIP-switch address, 0–15.
    pub address: u8,
    /// The slot of channel 0.
    pub first_slot: u16,
    /// Channels wired, 1–16.
    pub channels: u8,
}

/// Chained Kerong CU boards with the documented polarity (hook bit set =
/// locked, infrared bit set = item there). A request for an address no
/// board has goes unanswered, as on a real bus.
#[derive(Debug, Clone)]
pub struct KerongSim {
    boards: Vec<KerongSimBoard>,
}

impl KerongSim {
    /// A bus with `boards`.
    pub fn new(boards: Vec<KerongSimBoard>) -> Self {
        Self { boards }
    }
}

impl WireProtocol for KerongSim {
    fn decode(&self, buf: &[u8]) -> Decoded<usize> {
        match decode_request(buf) {
            Decoded::Frame { len, .. } => Decoded::Frame { frame: len, len },
            Decoded::Skip(n) => Decoded::Skip(n),
            Decoded::Incomplete => Decoded::Incomplete,
        }
    }

    fn answer(&mut self, request: &[u8], panel: &dyn Panel) -> Option<Vec<u8>> {
        let Decoded::Frame { frame: req, .. } = decode_request(request) else { return None };
        let board = *self.boards.iter().find(|b| b.address == req.board)?;
        if req.cmd == CMD_UNLOCK && req.channel < board.channels {
            panel.unlock(board.first_slot + u16::from(req.channel));
        }
        if req.cmd != CMD_UNLOCK && req.cmd != CMD_STATUS {
            return None;
        }
        let sensors = panel.read()?;
        let mut bits = StatusBits::default();
        for ch in 0..board.channels {
            let slot = board.first_slot + u16::from(ch);
            let Some(s) = sensors.iter().find(|s| s.slot == slot) else { continue };
            if !s.door_open {
                bits.hooks |= 1 << ch;
            }
            if s.item_present {
                bits.infrared |= 1 << ch;
            }
        }
        let addr = (req.board << 4) | req.channel;
        Some(Reply { addr, cmd: req.cmd, bits }.encode().to_vec())
    }
}
