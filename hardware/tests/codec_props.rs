//! Property tests of the frame decoders on random bytes: they never panic,
//! always make progress, and always find a valid frame that follows noise.

use bookstation_hardware::codec::kerong_cu::{self, Decoded, Reply, Request, StatusBits, find};
use bookstation_hardware::codec::modbus_rtu::{self, Answer, Call, Exchange};
use proptest::prelude::*;

/// A valid Modbus answer to reading `count` inputs from `unit`, built by
/// `rmodbus`'s server side so the test does not trust the decoder under test.
fn modbus_answer(unit: u8, request: &[u8], inputs: &[bool]) -> Vec<u8> {
    use rmodbus::ModbusProto;
    use rmodbus::server::ModbusFrame;
    use rmodbus::server::storage::ModbusStorage;
    let mut storage: Box<ModbusStorage<64, 64, 1, 1>> = Box::new(ModbusStorage::new());
    storage.discretes[..inputs.len()].copy_from_slice(inputs);
    let mut response = Vec::new();
    let mut frame = ModbusFrame::new(unit, request, ModbusProto::Rtu, &mut response);
    frame.parse().unwrap();
    frame.process_read(storage.as_ref()).unwrap();
    frame.finalize_response().unwrap();
    response
}

/// Every decoder step either finds a frame, skips at least one byte, or
/// asks for more; never panics and never claims more bytes than it has.
fn check_progress<T>(buf: &[u8], decode: impl Fn(&[u8]) -> Decoded<T>) {
    match decode(buf) {
        Decoded::Frame { len, .. } => assert!(len > 0 && len <= buf.len()),
        Decoded::Skip(n) => assert!(n >= 1 && n <= buf.len()),
        Decoded::Incomplete => {}
    }
    let (_, used) = find(buf, decode);
    assert!(used <= buf.len());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn kerong_decoders_never_panic(buf in proptest::collection::vec(any::<u8>(), 0..64)) {
        check_progress(&buf, kerong_cu::decode_request);
        check_progress(&buf, kerong_cu::decode_reply);
    }

    #[test]
    fn kerong_reply_after_noise_is_found(
        noise in proptest::collection::vec(any::<u8>(), 0..40),
        addr in any::<u8>(), hooks in any::<u16>(), infrared in any::<u16>(),
    ) {
        let reply = Reply { addr, cmd: kerong_cu::CMD_STATUS, bits: StatusBits { hooks, infrared } };
        let mut buf = noise.clone();
        buf.extend(reply.encode());
        // Noise may itself hold a valid frame by chance; then the one found
        // first ends inside the noise or is ours.
        let (found, used) = find(&buf, kerong_cu::decode_reply);
        let found = found.expect("a frame is found");
        prop_assert!(found == reply || used <= noise.len() + kerong_cu::REPLY_LEN);
        // Decoding the rest after the first find always reaches ours.
        let mut at = 0;
        let mut last = None;
        while let (Some(f), n) = find(&buf[at..], kerong_cu::decode_reply) {
            at += n;
            last = Some(f);
        }
        prop_assert_eq!(last, Some(reply));
    }

    #[test]
    fn kerong_request_after_noise_is_found(
        noise in proptest::collection::vec(any::<u8>(), 0..40), board in 0u8..16, channel in 0u8..16,
    ) {
        let req = Request::unlock(board, channel);
        let mut buf = noise;
        buf.extend(req.encode());
        let mut at = 0;
        let mut last = None;
        while let (Some(f), n) = find(&buf[at..], kerong_cu::decode_request) {
            at += n;
            last = Some(f);
        }
        prop_assert_eq!(last, Some(req));
    }

    #[test]
    fn modbus_decoders_never_panic(buf in proptest::collection::vec(any::<u8>(), 0..300), unit in 1u8..=247) {
        let x = Exchange::new(unit, Call::ReadInputs { first: 0, count: 16 }).unwrap();
        check_progress(&buf, |b| x.decode(b));
        let w = Exchange::new(unit, Call::WriteCoil { coil: 3, on: true }).unwrap();
        check_progress(&buf, |b| w.decode(b));
        check_progress(&buf, modbus_rtu::decode_request);
    }

    #[test]
    fn modbus_answer_after_noise_is_found(
        noise in proptest::collection::vec(any::<u8>(), 0..40),
        inputs in proptest::collection::vec(any::<bool>(), 1..40),
        unit in 1u8..=247,
    ) {
        let count = u16::try_from(inputs.len()).unwrap();
        let x = Exchange::new(unit, Call::ReadInputs { first: 0, count }).unwrap();
        let answer = modbus_answer(unit, x.bytes(), &inputs);
        let mut buf = noise;
        buf.extend(&answer);
        // Resynchronisation: a frame is found, and the last frame found
        // before the buffer runs out is ours.
        let mut at = 0;
        let mut last = None;
        while at < buf.len() {
            match find(&buf[at..], |b| x.decode(b)) {
                (Some(f), n) => { at += n; last = Some(f); }
                (None, _) => break,
            }
        }
        prop_assert_eq!(last, Some(Answer::Inputs(inputs)));
    }

    #[test]
    fn modbus_request_after_noise_is_found(
        noise in proptest::collection::vec(any::<u8>(), 0..40), unit in 1u8..=247, coil in 0u16..64,
    ) {
        let x = Exchange::new(unit, Call::WriteCoil { coil, on: true }).unwrap();
        let mut buf = noise;
        buf.extend(x.bytes());
        let mut at = 0;
        let mut last = None;
        while at < buf.len() {
            match find(&buf[at..], modbus_rtu::decode_request) {
                (Some(len), n) => { last = Some(buf[at + n - len..at + n].to_vec()); at += n; }
                (None, _) => break,
            }
        }
        prop_assert_eq!(last, Some(x.bytes().to_vec()));
    }
}
