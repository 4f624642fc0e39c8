//! Modbus RTU frames for the relay-and-input locker boards, built and checked
//! by the `rmodbus` crate; this module only adds what a serial reader needs
//! on top: where a frame ends in a stream of bytes, and how to get back in
//! step after garbage, a bad CRC or a frame cut short.
//!
//! RTU marks frames by silence on the line (3.5 characters), which a host
//! behind a USB adapter cannot see reliably; so the decoders work on content
//! instead: the expected unit address, the length `rmodbus` predicts from the
//! function code, and the CRC. Anything that fails costs one byte, and the
//! search starts again at the next one, so a valid frame after noise is
//! always found.

use rmodbus::client::ModbusRequest;
use rmodbus::server::ModbusFrame;
use rmodbus::{ErrorKind as MbError, ModbusProto, guess_request_frame_len, guess_response_frame_len};

pub use super::kerong_cu::{Decoded, find};

/// The longest RTU frame (256 bytes); a predicted length above it is noise.
pub const MAX_FRAME: usize = 256;

/// What a call to a board asks for, so its answer can be checked against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// Function 2: `count` discrete inputs from `first`.
    ReadInputs {
        /// First input address.
        first: u16,
        /// How many.
        count: u16,
    },
    /// Function 5: set one coil (relay) on or off.
    WriteCoil {
        /// The coil's address.
        coil: u16,
        /// On (energised) or off.
        on: bool,
    },
}

/// A call's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The inputs read, `count` of them.
    Inputs(Vec<bool>),
    /// The coil was written.
    Written,
    /// The board refused with a Modbus exception (e.g. illegal address).
    Exception(String),
}

/// A request for one unit, encoded by `rmodbus`, with what its answer must
/// look like.
#[derive(Debug)]
pub struct Exchange {
    /// The unit (slave) address the answer must come from.
    unit: u8,
    /// Kept to check and parse the answer.
    request: ModbusRequest,
    /// The bytes to send.
    bytes: Vec<u8>,
    /// What was asked.
    call: Call,
}

impl Exchange {
    /// Build the request; fails only for counts Modbus cannot carry.
    pub fn new(unit: u8, call: Call) -> Result<Self, String> {
        let mut request = ModbusRequest::new(unit, ModbusProto::Rtu);
        let mut bytes = Vec::new();
        let built = match call {
            Call::ReadInputs { first, count } => request.generate_get_discretes(first, count, &mut bytes),
            Call::WriteCoil { coil, on } => request.generate_set_coil(coil, on, &mut bytes),
        };
        built.map_err(|e| format!("cannot build Modbus request {call:?}: {e:?}"))?;
        Ok(Self { unit, request, bytes, call })
    }

    /// The bytes on the wire.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Look for this exchange's answer at the start of `buf`.
    pub fn decode(&self, buf: &[u8]) -> Decoded<Answer> {
        let Some(&unit) = buf.first() else { return Decoded::Incomplete };
        if unit != self.unit {
            return Decoded::Skip(1);
        }
        let Some(&func) = buf.get(1) else { return Decoded::Incomplete };
        // The answer's function code and length are known from the request:
        // a header that promises anything else is noise.
        let expected = if func == self.function() | 0x80 {
            5
        } else if func == self.function() {
            self.answer_len()
        } else {
            return Decoded::Skip(1);
        };
        let len = match guess_response_frame_len(buf, ModbusProto::Rtu) {
            Ok(len) => usize::from(len),
            Err(MbError::OOB) => return Decoded::Incomplete,
            Err(_) => return Decoded::Skip(1),
        };
        if len != expected {
            return Decoded::Skip(1);
        }
        if buf.len() < len {
            return Decoded::Incomplete;
        }
        let frame = &buf[..len];
        let parsed = match self.call {
            Call::ReadInputs { count, .. } => {
                let mut inputs = Vec::with_capacity(usize::from(count));
                self.request.parse_bool(frame, &mut inputs).map(|()| Answer::Inputs(inputs))
            }
            Call::WriteCoil { .. } => self.request.parse_ok(frame).map(|()| Answer::Written),
        };
        match parsed {
            Ok(Answer::Inputs(inputs)) if inputs.len() != usize::from(self.count()) => Decoded::Skip(1),
            Ok(answer) => Decoded::Frame { frame: answer, len },
            // An exception reply has a valid CRC and the function code with
            // its top bit set; anything else that failed is noise.
            Err(e) if frame[1] & 0x80 != 0 && !matches!(e, MbError::FrameCRCError | MbError::FrameBroken) => {
                Decoded::Frame { frame: Answer::Exception(format!("{e:?}")), len }
            }
            Err(_) => Decoded::Skip(1),
        }
    }

    /// The function code of the call.
    fn function(&self) -> u8 {
        match self.call {
            Call::ReadInputs { .. } => 2,
            Call::WriteCoil { .. } => 5,
        }
    }

    /// The length of a normal answer: unit, function, byte count, the input
    /// bits and the CRC; or the 8-byte echo of a coil write.
    fn answer_len(&self) -> usize {
        match self.call {
            Call::ReadInputs { count, .. } => 5 + usize::from(count).div_ceil(8),
            Call::WriteCoil { .. } => 8,
        }
    }

    fn count(&self) -> u16 {
        match self.call {
            Call::ReadInputs { count, .. } => count,
            Call::WriteCoil { .. } => 1,
        }
    }
}

/// Look for any well-formed request at the start of `buf` (what a board on
/// the bus reads), returning its length. A frame for another unit is still
/// a frame: every board on a bus hears every request.
pub fn decode_request(buf: &[u8]) -> Decoded<usize> {
    if buf.len() < 2 {
        return Decoded::Incomplete;
    }
    // `rmodbus` answers an unknown function without checking the CRC, so
    // only the functions it knows count as frames here.
    if !matches!(buf[1], 1..=6 | 15 | 16) {
        return Decoded::Skip(1);
    }
    let len = match guess_request_frame_len(buf, ModbusProto::Rtu) {
        Ok(len) => usize::from(len),
        Err(MbError::OOB) => return Decoded::Incomplete,
        Err(_) => return Decoded::Skip(1),
    };
    if !(4..=MAX_FRAME).contains(&len) {
        return Decoded::Skip(1);
    }
    if buf.len() < len {
        return Decoded::Incomplete;
    }
    let mut response = Vec::new();
    // Parse as its own addressee, so the CRC is always checked.
    let mut frame = ModbusFrame::new(buf[0], &buf[..len], ModbusProto::Rtu, &mut response).with_broadcast_units(&[]);
    match frame.parse() {
        Ok(()) => Decoded::Frame { frame: len, len },
        Err(_) => Decoded::Skip(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_inputs_request_is_standard_modbus() {
        let x = Exchange::new(1, Call::ReadInputs { first: 0, count: 16 }).unwrap();
        // 01 02 0000 0010 + CRC (79 C6), the textbook example.
        assert_eq!(x.bytes(), &[0x01, 0x02, 0x00, 0x00, 0x00, 0x10, 0x79, 0xC6]);
        assert_eq!(decode_request(x.bytes()), Decoded::Frame { frame: 8, len: 8 });
    }

    #[test]
    fn answers_are_checked_against_the_request() {
        let x = Exchange::new(1, Call::ReadInputs { first: 0, count: 10 }).unwrap();
        // 01 02 02 0x05 0x02 + CRC: inputs 0, 2 and 9 on.
        let mut body = vec![0x01, 0x02, 0x02, 0x05, 0x02];
        body.extend(crc(&body));
        let want = vec![true, false, true, false, false, false, false, false, false, true];
        assert_eq!(x.decode(&body), Decoded::Frame { frame: Answer::Inputs(want.clone()), len: 7 });
        // Another unit's answer is not ours.
        let mut other = vec![0x02, 0x02, 0x02, 0x05, 0x02];
        other.extend(crc(&other));
        assert_eq!(x.decode(&other), Decoded::Skip(1));
        // Noise first, then the answer.
        let mut noisy = vec![0x00, 0x01, 0xFF];
        noisy.extend(&body);
        assert_eq!(find(&noisy, |b| x.decode(b)), (Some(Answer::Inputs(want)), 10));
    }

    #[test]
    fn exceptions_and_bad_crcs() {
        let x = Exchange::new(3, Call::WriteCoil { coil: 4, on: true }).unwrap();
        let mut exc = vec![0x03, 0x85, 0x02];
        exc.extend(crc(&exc));
        assert!(matches!(x.decode(&exc), Decoded::Frame { frame: Answer::Exception(_), len: 5 }));
        exc[4] ^= 1;
        assert_eq!(x.decode(&exc), Decoded::Skip(1));
        assert_eq!(x.decode(&exc[..3]), Decoded::Incomplete);
    }

    /// CRC-16/MODBUS, for building test frames by hand.
    fn crc(bytes: &[u8]) -> [u8; 2] {
        let mut crc: u16 = 0xFFFF;
        for b in bytes {
            crc ^= u16::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xA001 } else { crc >> 1 };
            }
        }
        crc.to_le_bytes()
    }
}
