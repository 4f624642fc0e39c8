//! The SIP2 decoder on any bytes, in every character set: the framer cuts
//! them wherever the reads split, decoding and every answer parser never
//! panic, and a frame that decodes re-encodes to one that decodes to the
//! same message.

#![no_main]

use bookstation::district::sip2::charset::Charset;
use bookstation::district::sip2::frame::{Framer, Terminator, decode, encode};
use bookstation::district::sip2::messages;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cut = data.first().map_or(0, |b| usize::from(*b) % (data.len() + 1));
    let mut framer = Framer::default();
    framer.push(&data[..cut]);
    let mut frames = Vec::new();
    while let Some(frame) = framer.next_frame() {
        frames.push(frame);
    }
    framer.push(&data[cut..]);
    while let Some(frame) = framer.next_frame() {
        frames.push(frame);
    }
    for frame in frames.into_iter().flatten() {
        for charset in [Charset::Utf8, Charset::EucKr, Charset::Windows1252] {
            let Ok(decoded) = decode(&frame, charset) else { continue };
            let m = &decoded.message;
            let _ = messages::login_ok(m);
            let _ = messages::acs_status(m).map(|s| s.supports(7));
            let _ = messages::patron_info(m);
            let _ = messages::checkout_answer(m);
            let _ = messages::checkin_answer(m);
            let _ = messages::item_info(m);
            let _ = messages::end_session_answer(m);
            let seq = decoded.checksummed.then(|| decoded.sequence.unwrap_or(0));
            if let Ok(bytes) = encode(m, seq, charset, Terminator::Cr) {
                let again = decode(&bytes[..bytes.len() - 1], charset).expect("the codec's own output decodes");
                assert_eq!(&again.message, m);
            }
        }
    }
});
