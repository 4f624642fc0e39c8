//! The Kerong CU (KR-CU16) lock-control board over RS-485: up to 16 locks
//! with a hook sensor each and 16 infrared item sensors, up to 16 boards
//! chained on one bus by address. Frames are in [`crate::codec::kerong_cu`].
//!
//! # What the hardware cannot promise
//!
//! - The hook bit says the lock's hook is engaged, which is what "door shut"
//!   means here; a door pushed to without catching reads as open.
//! - The answer to an unlock carries the hook bits right after the pulse; a
//!   hook that releases late is reported [`Jammed`](ErrorKind::Jammed) and
//!   the next poll shows the door open.
//! - Board revisions differ in what a set bit means: see [`KerongPolarity`].

use crate::codec::kerong_cu::{CMD_DATA, Decoded, MAX_BOARDS, MAX_CHANNELS, Reply, Request, decode_reply};
use crate::drivers::cabinet::{BoardUnit, ChannelState};
use crate::drivers::serial_link::{Port, SerialLink};
use crate::{ErrorKind, HwError};

/// What a set bit means on this board revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KerongPolarity {
    /// The hook bit's value when the lock is engaged (door shut); `true` on
    /// the KR-CU16 as documented.
    pub locked_bit: bool,
    /// The infrared bit's value when something blocks the beam; `true` on
    /// the KR-CU16 as documented.
    pub item_bit: bool,
}

impl Default for KerongPolarity {
    fn default() -> Self {
        Self { locked_bit: true, item_bit: true }
    }
}

/// One Kerong CU board on a bus.
#[derive(Debug, Clone)]
pub struct KerongCu {
    /// The bus.
    link: SerialLink,
    /// The board's DIP-switch address, 0–15.
    board: u8,
    /// Channels wired to lockers, 1–16, from channel 0.
    channels: u8,
    /// How to read its bits.
    polarity: KerongPolarity,
}

impl KerongCu {
    /// Board `board` (0–15) on `link`, with `channels` (1–16) wired.
    pub fn new(link: SerialLink, board: u8, channels: u8, polarity: KerongPolarity) -> Result<Self, HwError> {
        if board >= MAX_BOARDS || channels == 0 || channels > MAX_CHANNELS {
            return Err(HwError::new(
                ErrorKind::Other,
                format!("Kerong CU: address {board} with {channels} channels; addresses are 0-15, channels 1-16"),
            ));
        }
        Ok(Self { link, board, channels, polarity })
    }

    fn states(&self, reply: &Reply) -> Vec<ChannelState> {
        (0..self.channels)
            .map(|ch| ChannelState {
                door_open: reply.bits.hook(ch) != self.polarity.locked_bit,
                item_present: reply.bits.infrared(ch) == self.polarity.item_bit,
            })
            .collect()
    }

    async fn ask(&self, request: Request) -> Result<Reply, HwError> {
        self.ask_tries(request, false).await
    }

    /// [`Self::ask`], with `once`: one try, no retries.
    async fn ask_tries(&self, request: Request, once: bool) -> Result<Reply, HwError> {
        let board = self.board;
        let what = format!("Kerong CU board {board}");
        let cmd = request.cmd;
        self.link
            .run(move |port| {
                let exchange = |port: &mut Port| {
                    port.transact(&what, &request.encode(), |buf| match decode_reply(buf) {
                        // A reply from another board or to another command is a
                        // stray frame on the bus, not ours.
                        Decoded::Frame { frame, len }
                            if frame.board() != board || !(frame.cmd == cmd || frame.cmd == CMD_DATA) =>
                        {
                            Decoded::Skip(len)
                        }
                        other => other,
                    })
                };
                if once { port.single_try(exchange) } else { exchange(port) }
            })
            .await
    }
}

#[async_trait::async_trait]
impl BoardUnit for KerongCu {
    fn bus(&self) -> String {
        self.link.path().display().to_string()
    }

    fn describe(&self) -> String {
        format!("Kerong CU board {} on {}", self.board, self.link.path().display())
    }

    fn channels(&self) -> u16 {
        u16::from(self.channels)
    }

    async fn unlock(&self, channel: u16) -> Result<(), HwError> {
        let ch = u8::try_from(channel).ok().filter(|c| *c < self.channels).ok_or_else(|| {
            HwError::new(ErrorKind::InvalidSlot, format!("{} has no channel {channel}", self.describe()))
        })?;
        let reply = self.ask(Request::unlock(self.board, ch)).await?;
        if self.states(&reply)[usize::from(ch)].door_open {
            Ok(())
        } else {
            Err(HwError::new(
                ErrorKind::Jammed,
                format!("{}: channel {} pulsed but the lock stayed latched", self.describe(), ch + 1),
            ))
        }
    }

    async fn read(&self) -> Result<Vec<ChannelState>, HwError> {
        let reply = self.ask(Request::status(self.board)).await?;
        Ok(self.states(&reply))
    }

    async fn probe(&self) -> Result<Vec<ChannelState>, HwError> {
        let reply = self.ask_tries(Request::status(self.board), true).await?;
        Ok(self.states(&reply))
    }
}
