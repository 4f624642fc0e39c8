//! The Kerong CU frame decoders on any bytes: they never panic, always make
//! progress, a frame they find is exactly the bytes its encoding gives, and
//! a valid frame after any noise is always found.

#![no_main]

use bookstation_hardware::codec::kerong_cu::{Decoded, Reply, Request, StatusBits, decode_reply, decode_request, find};
use libfuzzer_sys::fuzz_target;

/// One decoder step on `buf`, checked; `encode` gives a frame's bytes.
fn step<T>(buf: &[u8], decode: impl Fn(&[u8]) -> Decoded<T>, encode: impl Fn(&T) -> Vec<u8>) {
    match decode(buf) {
        Decoded::Frame { frame, len } => {
            assert!(len > 0 && len <= buf.len(), "frame of {len} bytes in {}", buf.len());
            assert_eq!(encode(&frame), &buf[..len], "a decoded frame re-encodes to its bytes");
        }
        Decoded::Skip(n) => assert!(n >= 1 && n <= buf.len(), "skip {n} of {}", buf.len()),
        Decoded::Incomplete => {}
    }
    let (frame, used) = find(buf, &decode);
    assert!(used <= buf.len());
    if let Some(frame) = frame {
        assert!(buf[..used].ends_with(&encode(&frame)), "find's frame ends where it says");
    }
}

fuzz_target!(|data: &[u8]| {
    step(data, decode_request, |r: &Request| r.encode().to_vec());
    step(data, decode_reply, |r: &Reply| r.encode().to_vec());
    // A frame made of the first bytes, after the rest as noise: found.
    if let [addr, cmd, h1, h2, i1, i2, noise @ ..] = data {
        let reply = Reply {
            addr: *addr,
            cmd: *cmd,
            bits: StatusBits { hooks: u16::from_le_bytes([*h1, *h2]), infrared: u16::from_le_bytes([*i1, *i2]) },
        };
        assert_eq!(decode_reply(&reply.encode()), Decoded::Frame { frame: reply, len: 9 });
        let mut buf = noise.to_vec();
        buf.extend(reply.encode());
        assert!(find(&buf, decode_reply).0.is_some(), "a valid reply after noise is found");
        let request = Request { board: addr >> 4, channel: addr & 0x0F, cmd: *cmd };
        assert_eq!(decode_request(&request.encode()), Decoded::Frame { frame: request, len: 5 });
        let mut buf = noise.to_vec();
        buf.extend(request.encode());
        assert!(find(&buf, decode_request).0.is_some(), "a valid request after noise is found");
    }
});
