//! The Modbus RTU decoders on any bytes: an exchange's answer decoder and
//! the board side's request decoder never panic, always make progress, and
//! never claim more bytes than they have; a request the host builds is
//! always read back whole by the board side.

#![no_main]

use bookstation_hardware::codec::modbus_rtu::{Answer, Call, Decoded, Exchange, decode_request, find};
use libfuzzer_sys::fuzz_target;

fn step<T>(buf: &[u8], decode: impl Fn(&[u8]) -> Decoded<T>) -> Option<(T, usize)> {
    let found = match decode(buf) {
        Decoded::Frame { frame, len } => {
            assert!(len > 0 && len <= buf.len(), "frame of {len} bytes in {}", buf.len());
            Some((frame, len))
        }
        Decoded::Skip(n) => {
            assert!(n >= 1 && n <= buf.len(), "skip {n} of {}", buf.len());
            None
        }
        Decoded::Incomplete => None,
    };
    let (_, used) = find(buf, &decode);
    assert!(used <= buf.len());
    found
}

fuzz_target!(|data: &[u8]| {
    let Some((&[unit, kind, a, b, c, d], rest)) = data.split_first_chunk::<6>() else { return };
    let first = u16::from_le_bytes([a, b]);
    let call = if kind & 1 == 0 {
        // At most 2000 inputs fit a frame; more is refused at build time.
        Call::ReadInputs { first, count: u16::from_le_bytes([c, d]) % 2048 }
    } else {
        Call::WriteCoil { coil: first, on: c & 1 == 1 }
    };
    step(rest, decode_request);
    let Ok(exchange) = Exchange::new(unit, call) else { return };
    if let Some((answer, _)) = step(rest, |buf| exchange.decode(buf)) {
        if let (Call::ReadInputs { count, .. }, Answer::Inputs(inputs)) = (call, &answer) {
            assert_eq!(inputs.len(), usize::from(count), "as many inputs as asked");
        }
    }
    // What the host sends, the board reads back, whole, after any noise.
    let request = exchange.bytes();
    assert_eq!(decode_request(request), Decoded::Frame { frame: request.len(), len: request.len() });
    let mut buf = rest.to_vec();
    buf.extend_from_slice(request);
    assert!(find(&buf, decode_request).0.is_some(), "a valid request after noise is found");
});
