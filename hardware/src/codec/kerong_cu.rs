//! The Kerong CU (KR-CU16) lock-control frames, as pure functions: no port,
//! no clock, so the driver, the simulator and the property tests share them.
//!
//! Every frame is `STX ADDR CMD [DATA…] ETX SUM`, with `STX = 0x02`,
//! `ETX = 0x03` and `SUM` the low byte of the sum of all bytes before it.
//! `ADDR` carries the board's address (set with its DIP switches, 0–15) in
//! the high nibble and the lock channel (0–15) in the low nibble, so up to 16
//! boards of 16 locks share one RS-485 bus.
//!
//! - A request is 5 bytes: `02 ADDR CMD 03 SUM`, with [`CMD_STATUS`]
//!   (`0x30`) or [`CMD_UNLOCK`] (`0x31`).
//! - A reply is 9 bytes: `02 ADDR CMD H1 H2 I1 I2 03 SUM`, where `H1 H2` are
//!   the lock-hook bits of channels 1–8 and 9–16 (bit 0 = the first channel
//!   of the byte) and `I1 I2` the infrared item-sensor bits. The reply echoes
//!   the command; some firmware answers `0x35` ("return CU data") instead,
//!   which is accepted. Whether a set bit means "locked" and "item there"
//!   differs between board revisions: see [`crate::drivers::KerongPolarity`].
//!
//! The decoders take a byte buffer that may start with garbage or end in a
//! partial frame, and say how many bytes to drop: a bad checksum or a stray
//! byte costs one byte, after which the search for `STX` starts again, so a
//! reader always resynchronises on the next good frame.

/// Start of a frame.
pub const STX: u8 = 0x02;
/// End of a frame's body, before the checksum.
pub const ETX: u8 = 0x03;
/// Read the hook and infrared bits of every channel of one board.
pub const CMD_STATUS: u8 = 0x30;
/// Pulse one channel's lock; the board answers with its status afterwards.
pub const CMD_UNLOCK: u8 = 0x31;
/// The "return CU data" code some firmware puts in its replies.
pub const CMD_DATA: u8 = 0x35;
/// Bytes in a request frame.
pub const REQUEST_LEN: usize = 5;
/// Bytes in a reply frame.
pub const REPLY_LEN: usize = 9;
/// Boards on one bus (the address nibble).
pub const MAX_BOARDS: u8 = 16;
/// Channels on one board (the channel nibble).
pub const MAX_CHANNELS: u8 = 16;

/// The checksum: the low byte of the sum of `bytes`.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |sum, b| sum.wrapping_add(*b))
}

/// A request from the host to one board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// The board's address, 0–15.
    pub board: u8,
    /// The channel, 0–15 (0 for a status request).
    pub channel: u8,
    /// [`CMD_STATUS`], [`CMD_UNLOCK`] or another command code.
    pub cmd: u8,
}

impl Request {
    /// Status of every channel of `board`.
    pub fn status(board: u8) -> Self {
        Self { board, channel: 0, cmd: CMD_STATUS }
    }

    /// Pulse the lock of `channel` (0-based) on `board`.
    pub fn unlock(board: u8, channel: u8) -> Self {
        Self { board, channel, cmd: CMD_UNLOCK }
    }

    /// The 5 bytes on the wire. Board and channel are taken modulo 16.
    pub fn encode(&self) -> [u8; REQUEST_LEN] {
        let addr = ((self.board & 0x0F) << 4) | (self.channel & 0x0F);
        let body = [STX, addr, self.cmd, ETX];
        [STX, addr, self.cmd, ETX, checksum(&body)]
    }
}

/// One board's sensor bits, as sent on the wire (before polarity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusBits {
    /// Lock-hook bits, bit `n` for channel `n` (0-based).
    pub hooks: u16,
    /// Infrared item-sensor bits, bit `n` for channel `n`.
    pub infrared: u16,
}

impl StatusBits {
    /// The hook bit of `channel`.
    pub fn hook(&self, channel: u8) -> bool {
        channel < MAX_CHANNELS && self.hooks & (1 << channel) != 0
    }

    /// The infrared bit of `channel`.
    pub fn infrared(&self, channel: u8) -> bool {
        channel < MAX_CHANNELS && self.infrared & (1 << channel) != 0
    }
}

/// A reply from a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    /// The address byte as sent (board in the high nibble).
    pub addr: u8,
    /// The command byte as sent.
    pub cmd: u8,
    /// The sensor bits.
    pub bits: StatusBits,
}

impl Reply {
    /// The board the reply comes from.
    pub fn board(&self) -> u8 {
        self.addr >> 4
    }

    /// The 9 bytes on the wire.
    pub fn encode(&self) -> [u8; REPLY_LEN] {
        let [h1, h2] = self.bits.hooks.to_le_bytes();
        let [i1, i2] = self.bits.infrared.to_le_bytes();
        let body = [STX, self.addr, self.cmd, h1, h2, i1, i2, ETX];
        let mut out = [0; REPLY_LEN];
        out[..8].copy_from_slice(&body);
        out[8] = checksum(&body);
        out
    }
}

/// What a decoder found at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded<T> {
    /// A whole, valid frame; drop `len` bytes to pass it.
    Frame {
        /// The frame.
        frame: T,
        /// Its length in the buffer.
        len: usize,
    },
    /// Nothing valid starts here: drop this many bytes (at least 1) and try
    /// again.
    Skip(usize),
    /// The buffer holds the beginning of what may be a frame: read more.
    /// An empty buffer gives this too.
    Incomplete,
}

/// Look for a request at the start of `buf` (what a board reads).
pub fn decode_request(buf: &[u8]) -> Decoded<Request> {
    match frame_at(buf, REQUEST_LEN) {
        Ok(f) => {
            Decoded::Frame { frame: Request { board: f[1] >> 4, channel: f[1] & 0x0F, cmd: f[2] }, len: REQUEST_LEN }
        }
        Err(d) => d,
    }
}

/// Look for a reply at the start of `buf` (what the host reads).
pub fn decode_reply(buf: &[u8]) -> Decoded<Reply> {
    match frame_at(buf, REPLY_LEN) {
        Ok(f) => Decoded::Frame {
            frame: Reply {
                addr: f[1],
                cmd: f[2],
                bits: StatusBits {
                    hooks: u16::from_le_bytes([f[3], f[4]]),
                    infrared: u16::from_le_bytes([f[5], f[6]]),
                },
            },
            len: REPLY_LEN,
        },
        Err(d) => d,
    }
}

/// The fixed-length frame at the start of `buf`, or what to do instead.
fn frame_at<T>(buf: &[u8], len: usize) -> Result<&[u8], Decoded<T>> {
    let Some(&first) = buf.first() else { return Err(Decoded::Incomplete) };
    if first != STX {
        // Drop everything up to the next STX in one step.
        let skip = buf.iter().position(|b| *b == STX).unwrap_or(buf.len());
        return Err(Decoded::Skip(skip));
    }
    if buf.len() < len {
        return Err(Decoded::Incomplete);
    }
    let f = &buf[..len];
    if f[len - 2] != ETX || f[len - 1] != checksum(&f[..len - 1]) {
        return Err(Decoded::Skip(1));
    }
    Ok(f)
}

/// Runs a decoder over `buf` from the start, dropping skipped bytes, and
/// returns the first frame with the bytes it consumed (garbage included),
/// or `None` with the bytes that can be dropped for good (the rest may be
/// the start of a frame). Where the decoder waits for more bytes, a complete
/// frame later in the buffer is taken instead, so noise that looks like the
/// header of a long frame cannot hide a good one behind it.
pub fn find<T>(buf: &[u8], decode: impl Fn(&[u8]) -> Decoded<T>) -> (Option<T>, usize) {
    let mut at = 0;
    loop {
        match decode(&buf[at..]) {
            Decoded::Frame { frame, len } => return (Some(frame), at + len),
            Decoded::Skip(n) => at += n.max(1),
            Decoded::Incomplete => {
                // What looks like the start of a frame may be noise that
                // predicts a long frame: a complete frame further on wins.
                for j in at + 1..buf.len() {
                    if let Decoded::Frame { frame, len } = decode(&buf[j..]) {
                        return (Some(frame), j + len);
                    }
                }
                return (None, at);
            }
        }
        if at >= buf.len() {
            return (None, buf.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_request_of_board_zero_is_the_documented_bytes() {
        assert_eq!(Request::status(0).encode(), [0x02, 0x00, 0x30, 0x03, 0x35]);
        assert_eq!(Request::unlock(1, 2).encode(), [0x02, 0x12, 0x31, 0x03, 0x48]);
    }

    #[test]
    fn requests_and_replies_round_trip() {
        let req = Request::unlock(15, 15);
        assert_eq!(decode_request(&req.encode()), Decoded::Frame { frame: req, len: 5 });
        let reply = Reply { addr: 0x20, cmd: CMD_STATUS, bits: StatusBits { hooks: 0xBEEF, infrared: 0x0102 } };
        assert_eq!(decode_reply(&reply.encode()), Decoded::Frame { frame: reply, len: 9 });
        assert!(reply.bits.hook(0) && !reply.bits.hook(4) && reply.bits.infrared(1) && reply.bits.infrared(8));
        assert!(!reply.bits.hook(16));
    }

    #[test]
    fn garbage_before_a_frame_is_skipped_in_one_step() {
        let mut buf = vec![0xFF, 0x00, 0x31];
        buf.extend(Request::status(3).encode());
        assert_eq!(decode_request(&buf), Decoded::Skip(3));
        assert_eq!(find(&buf, decode_request), (Some(Request::status(3)), 8));
    }

    #[test]
    fn a_bad_checksum_costs_one_byte_and_the_next_frame_is_found() {
        let mut bad = Request::status(1).encode();
        bad[4] ^= 0x55;
        let mut buf = bad.to_vec();
        buf.extend(Request::unlock(1, 3).encode());
        assert_eq!(decode_request(&buf), Decoded::Skip(1));
        assert_eq!(find(&buf, decode_request), (Some(Request::unlock(1, 3)), 10));
    }

    #[test]
    fn a_partial_frame_asks_for_more() {
        let whole = Reply { addr: 0, cmd: CMD_DATA, bits: StatusBits::default() }.encode();
        for cut in 0..REPLY_LEN {
            assert_eq!(decode_reply(&whole[..cut]), Decoded::Incomplete, "cut at {cut}");
        }
        assert_eq!(find(&[0x99, 0x98, 0x02, 0x00], decode_reply), (None, 2));
    }
}
