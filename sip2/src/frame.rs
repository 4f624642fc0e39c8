//! SIP2 frames as bytes: a [`Message`] (command, fixed part, variable
//! fields) encoded with the `AY` sequence number and `AZ` checksum and the
//! terminator, and decoded back with the checksum checked over the bytes
//! that actually arrived. Pure: no I/O, no clock. [`Framer`] cuts a byte
//! stream into frames, however the reads split them (a Korean character
//! may arrive half in one read, half in the next).
//!
//! Output is written for strict servers: fields in the order given (the
//! message builders give the spec's order), every field ended by `|`, `AY`
//! and `AZ` always together, nothing after the terminator. Input is read
//! leniently where servers are known to differ and it cannot change the
//! meaning: a last field without its `|`, an LF after the CR.

use crate::charset::Charset;
use std::fmt;

/// Frames longer than this are refused: no answer the kiosk asks for is
/// near it (a patron's 64 with 50 items is some 2 KiB), and a server that
/// never sends a CR must not grow the buffer without end.
pub const MAX_FRAME: usize = 16 * 1024;

/// How a frame ends on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Terminator {
    /// The spec's carriage return alone.
    #[default]
    Cr,
    /// CR LF, for servers that read lines.
    CrLf,
}

impl Terminator {
    fn bytes(self) -> &'static [u8] {
        match self {
            Self::Cr => b"\r",
            Self::CrLf => b"\r\n",
        }
    }
}

/// A two-character field identifier (`AA`, `AO`, ...).
pub type FieldId = [u8; 2];

/// One SIP2 message: the command (`"11"`), the fixed-length part exactly as
/// sent, and the variable fields in order (repeatable ones repeated).
///
/// Its `Debug` shows the command and field ids, never a value: values are
/// patron ids, PINs, passwords and names (invariant 5).
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    pub command: [u8; 2],
    pub fixed: String,
    pub fields: Vec<(FieldId, String)>,
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<String> = self.fields.iter().map(|(id, _)| String::from_utf8_lossy(id).into_owned()).collect();
        f.debug_struct("Message")
            .field("command", &String::from_utf8_lossy(&self.command))
            .field("fields", &ids)
            .finish_non_exhaustive()
    }
}

impl Message {
    pub fn new(command: &str, fixed: impl Into<String>) -> Self {
        let mut code = [b'0'; 2];
        code.copy_from_slice(&command.as_bytes()[..2]);
        Self { command: code, fixed: fixed.into(), fields: Vec::new() }
    }

    /// Add a field, empty values included (`AC|`: strict servers want the
    /// field there even when it has no value).
    pub fn field(mut self, id: &str, value: impl Into<String>) -> Self {
        let mut code = [0u8; 2];
        code.copy_from_slice(&id.as_bytes()[..2]);
        self.fields.push((code, value.into()));
        self
    }

    /// Add a field only when there is a value.
    pub fn field_opt(self, id: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.field(id, v),
            None => self,
        }
    }

    pub fn command_str(&self) -> &str {
        std::str::from_utf8(&self.command).unwrap_or("??")
    }

    /// The first value of field `id`.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.fields.iter().find(|(f, _)| f == id.as_bytes()).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeatable field, in order.
    pub fn all(&self, id: &str) -> Vec<&str> {
        self.fields.iter().filter(|(f, _)| f == id.as_bytes()).map(|(_, v)| v.as_str()).collect()
    }
}

/// Why a message could not be encoded. The value is never quoted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("field {0} holds a character the frame cannot carry (|, CR, LF or NUL)")]
    ForbiddenCharacter(String),
    #[error("field {field} has a character that {charset} cannot encode")]
    Unmappable { field: String, charset: &'static str },
    #[error("the fixed part of message {0} is not ASCII")]
    FixedNotAscii(String),
}

/// Why received bytes are not a message. Never quotes the bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("frame too short")]
    TooShort,
    #[error("frame longer than {MAX_FRAME} bytes")]
    TooLong,
    #[error("checksum does not match the bytes received")]
    BadChecksum,
    #[error("the command is not two digits")]
    BadCommand,
    #[error("the fixed part of message {command} is {got} bytes, not {want}")]
    FixedTruncated { command: String, want: usize, got: usize },
    #[error("the fixed part is not ASCII")]
    FixedNotAscii,
    #[error("text not valid in {0}")]
    Charset(&'static str),
    #[error("a field identifier is cut off")]
    FieldTruncated,
    #[error("a NUL byte in the frame")]
    Nul,
}

/// A frame taken apart: the message and its transport trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub message: Message,
    /// The `AY` digit, when the frame had one.
    pub sequence: Option<u8>,
    /// The frame carried an `AZ` checksum (and it matched).
    pub checksummed: bool,
}

/// The checksum of `bytes` (every byte from the first through `AZ`): the
/// two's complement of their 16-bit sum, four upper-case hex digits.
pub fn checksum(bytes: &[u8]) -> [u8; 4] {
    let sum = bytes.iter().fold(0u16, |acc, b| acc.wrapping_add(u16::from(*b)));
    let value = sum.wrapping_neg();
    let hex = format!("{value:04X}");
    let mut out = [0u8; 4];
    out.copy_from_slice(hex.as_bytes());
    out
}

/// The two resend requests carry a checksum but no sequence number.
fn is_resend(command: &[u8; 2]) -> bool {
    command == b"96" || command == b"97"
}

/// Encode `message`. `sequence: Some(n)` adds `AYnAZxxxx` (n is taken mod
/// 10); `None` sends no trailer at all (error detection off). A resend
/// request (96/97) gets `AZxxxx` alone when error detection is on.
pub fn encode(
    message: &Message,
    sequence: Option<u8>,
    charset: Charset,
    terminator: Terminator,
) -> Result<Vec<u8>, EncodeError> {
    let command = message.command_str().to_owned();
    if !message.fixed.is_ascii() || !message.command.is_ascii() {
        return Err(EncodeError::FixedNotAscii(command));
    }
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&message.command);
    out.extend_from_slice(message.fixed.as_bytes());
    for (id, value) in &message.fields {
        let name = String::from_utf8_lossy(id).into_owned();
        if value.contains(['|', '\r', '\n', '\0']) {
            return Err(EncodeError::ForbiddenCharacter(name));
        }
        let bytes = charset.encode(value).ok_or(EncodeError::Unmappable { field: name, charset: charset.name() })?;
        out.extend_from_slice(id);
        out.extend_from_slice(&bytes);
        out.push(b'|');
    }
    if let Some(seq) = sequence {
        if !is_resend(&message.command) {
            out.extend_from_slice(b"AY");
            out.push(b'0' + seq % 10);
        }
        out.extend_from_slice(b"AZ");
        let sum = checksum(&out);
        out.extend_from_slice(&sum);
    }
    out.extend_from_slice(terminator.bytes());
    Ok(out)
}

/// How long the fixed part of each message is, in bytes; `None` for a
/// command this codec does not know (its fields cannot be found).
pub fn fixed_len(command: &[u8; 2]) -> Option<usize> {
    Some(match command {
        // Requests the kiosk sends.
        b"93" => 2,
        b"99" => 8,
        b"63" => 31,
        b"23" => 21,
        b"11" => 38,
        b"09" => 37,
        b"17" => 18,
        b"35" => 18,
        b"96" | b"97" => 0,
        // Answers.
        b"94" => 1,
        b"98" => 34,
        b"64" => 59,
        b"24" => 35,
        b"12" => 22,
        b"10" => 22,
        b"18" => 24,
        b"36" => 19,
        _ => return None,
    })
}

/// Split off and check the `AY`/`AZ` trailer of a frame without its
/// terminator: `(payload, sequence, checksummed)`.
fn strip_trailer(body: &[u8]) -> Result<(&[u8], Option<u8>, bool), DecodeError> {
    let n = body.len();
    if n >= 6 && &body[n - 6..n - 4] == b"AZ" && body[n - 4..].iter().all(u8::is_ascii_hexdigit) {
        let sent = std::str::from_utf8(&body[n - 4..]).ok().and_then(|h| u16::from_str_radix(h, 16).ok());
        let sum = body[..n - 4].iter().fold(0u16, |acc, b| acc.wrapping_add(u16::from(*b)));
        if sent.is_none_or(|s| sum.wrapping_add(s) != 0) {
            return Err(DecodeError::BadChecksum);
        }
        let rest = &body[..n - 6];
        let m = rest.len();
        if m >= 3 && &rest[m - 3..m - 1] == b"AY" && rest[m - 1].is_ascii_digit() {
            return Ok((&rest[..m - 3], Some(rest[m - 1] - b'0'), true));
        }
        return Ok((rest, None, true));
    }
    Ok((body, None, false))
}

/// Decode one frame, its terminator already cut off by the [`Framer`].
pub fn decode(body: &[u8], charset: Charset) -> Result<Decoded, DecodeError> {
    if body.len() > MAX_FRAME {
        return Err(DecodeError::TooLong);
    }
    if body.contains(&0) {
        return Err(DecodeError::Nul);
    }
    let (payload, sequence, checksummed) = strip_trailer(body)?;
    if payload.len() < 2 {
        return Err(DecodeError::TooShort);
    }
    let command = [payload[0], payload[1]];
    if !command.iter().all(u8::is_ascii_digit) {
        return Err(DecodeError::BadCommand);
    }
    let rest = &payload[2..];
    let want = fixed_len(&command).unwrap_or(0);
    if rest.len() < want {
        let command = String::from_utf8_lossy(&command).into_owned();
        return Err(DecodeError::FixedTruncated { command, want, got: rest.len() });
    }
    let (fixed, variable) = rest.split_at(want);
    if !fixed.is_ascii() {
        return Err(DecodeError::FixedNotAscii);
    }
    let text = charset.decode(variable).ok_or(DecodeError::Charset(charset.name()))?;
    let mut fields = Vec::new();
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let id = rest.get(..2).filter(|id| id.is_ascii()).ok_or(DecodeError::FieldTruncated)?;
        let after = &rest[2..];
        let (value, next) = match after.find('|') {
            Some(end) => (&after[..end], &after[end + 1..]),
            // Some servers leave the last field without its `|`.
            None => (after, ""),
        };
        let mut code = [0u8; 2];
        code.copy_from_slice(id.as_bytes());
        fields.push((code, value.to_owned()));
        rest = next;
    }
    let fixed = String::from_utf8_lossy(fixed).into_owned();
    Ok(Decoded { message: Message { command, fixed, fields }, sequence, checksummed })
}

/// Cuts a byte stream into frames at each CR; an LF right after a CR (a
/// CR LF server) is dropped, so it never starts the next frame.
#[derive(Debug, Default)]
pub struct Framer {
    buffer: Vec<u8>,
}

impl Framer {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole frame without its terminator, `None` until one is
    /// complete; [`DecodeError::TooLong`] once the buffer passes
    /// [`MAX_FRAME`] without a CR (the connection is then of no use).
    pub fn next_frame(&mut self) -> Option<Result<Vec<u8>, DecodeError>> {
        while self.buffer.first() == Some(&b'\n') {
            self.buffer.remove(0);
        }
        match self.buffer.iter().position(|b| *b == b'\r') {
            Some(end) => {
                let frame = self.buffer[..end].to_vec();
                self.buffer.drain(..=end);
                Some(Ok(frame))
            }
            None if self.buffer.len() > MAX_FRAME => {
                self.buffer.clear();
                Some(Err(DecodeError::TooLong))
            }
            None => None,
        }
    }

    /// Bytes received that do not yet end in a CR.
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc_status(width: &str) -> Message {
        Message::new("99", format!("0{width}2.00"))
    }

    #[test]
    fn the_issue_vectors() {
        // pysip2's encoder gives the same bytes (tests/sip2_peer checks them live).
        let strict = encode(&sc_status("040"), Some(1), Charset::Utf8, Terminator::Cr).unwrap();
        assert_eq!(strict, b"9900402.00AY1AZFCA4\r");
        // The blank-padded width of some clients: a different checksum, and
        // a frame pysip2 refuses; this codec never writes it.
        let blank = encode(&sc_status(" 40"), Some(1), Charset::Utf8, Terminator::Cr).unwrap();
        assert_eq!(blank, b"990 402.00AY1AZFCB4\r");
        let login_ok = decode(b"941AY0AZFDFD", Charset::Utf8).unwrap();
        assert_eq!(login_ok.message.command_str(), "94");
        assert_eq!(login_ok.message.fixed, "1");
        assert_eq!((login_ok.sequence, login_ok.checksummed), (Some(0), true));
    }

    #[test]
    fn every_field_ends_with_a_bar_and_empty_ones_stay() {
        let m = Message::new("23", format!("001{}", "20261202    120000"))
            .field("AO", "MAPO")
            .field("AA", "1")
            .field("AC", "");
        let bytes = encode(&m, Some(9), Charset::Utf8, Terminator::CrLf).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("2300120261202    120000AOMAPO|AA1|AC|AY9AZ"), "{text}");
        assert!(text.ends_with("\r\n"));
        let decoded = decode(&bytes[..bytes.len() - 2], Charset::Utf8).unwrap();
        assert_eq!(decoded.message, m);
        assert_eq!(decoded.sequence, Some(9));
    }

    #[test]
    fn sequence_numbers_wrap_at_ten() {
        let bytes = encode(&sc_status("040"), Some(12), Charset::Utf8, Terminator::Cr).unwrap();
        assert!(bytes.windows(3).any(|w| w == b"AY2"));
    }

    #[test]
    fn the_checksum_is_over_the_encoded_bytes() {
        let m = Message::new("18", format!("030001{}", "20261202    120000"))
            .field("AB", "MP0009")
            .field("AJ", "82년생 김지영");
        for charset in [Charset::Utf8, Charset::EucKr] {
            let bytes = encode(&m, Some(3), charset, Terminator::Cr).unwrap();
            let body = &bytes[..bytes.len() - 1];
            let decoded = decode(body, charset).unwrap();
            assert_eq!(decoded.message.get("AJ"), Some("82년생 김지영"));
            // The wrong character set is an error, not mojibake.
            if charset == Charset::EucKr {
                assert_eq!(decode(body, Charset::Utf8), Err(DecodeError::Charset("utf-8")));
            }
        }
    }

    #[test]
    fn a_changed_byte_fails_the_checksum() {
        let mut bytes = encode(&sc_status("040"), Some(1), Charset::Utf8, Terminator::Cr).unwrap();
        bytes[3] = b'9';
        assert_eq!(decode(&bytes[..bytes.len() - 1], Charset::Utf8), Err(DecodeError::BadChecksum));
    }

    #[test]
    fn values_that_would_break_the_frame_are_refused() {
        let m = Message::new("17", "20261202    120000").field("AB", "a|b");
        assert_eq!(encode(&m, None, Charset::Utf8, Terminator::Cr), Err(EncodeError::ForbiddenCharacter("AB".into())));
        let m = Message::new("17", "20261202    120000").field("AB", "책");
        assert!(matches!(encode(&m, None, Charset::Windows1252, Terminator::Cr), Err(EncodeError::Unmappable { .. })));
    }

    #[test]
    fn resend_requests_carry_a_checksum_and_no_sequence() {
        assert_eq!(encode(&Message::new("97", ""), Some(4), Charset::Utf8, Terminator::Cr).unwrap(), b"97AZFEF5\r");
        assert_eq!(decode(b"96AZFEF6", Charset::Utf8).unwrap().message.command_str(), "96");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for junk in [&b""[..], b"x", b"\xff\xfe", b"99", b"64YYYY", b"12\x00", b"ab cdef"] {
            assert!(decode(junk, Charset::Utf8).is_err(), "{junk:?}");
        }
    }

    #[test]
    fn the_framer_joins_reads_and_drops_lf() {
        let bytes = encode(
            &Message::new("18", format!("030001{}", "20261202    120000")).field("AJ", "한강"),
            Some(0),
            Charset::Utf8,
            Terminator::CrLf,
        )
        .unwrap();
        // Cut inside 한 (three bytes in UTF-8).
        let cut = bytes.iter().position(|b| *b >= 0x80).unwrap() + 1;
        let mut framer = Framer::default();
        framer.push(&bytes[..cut]);
        assert!(framer.next_frame().is_none());
        framer.push(&bytes[cut..]);
        framer.push(&bytes);
        for _ in 0..2 {
            let frame = framer.next_frame().unwrap().unwrap();
            assert_eq!(decode(&frame, Charset::Utf8).unwrap().message.get("AJ"), Some("한강"));
        }
        assert!(framer.next_frame().is_none());
        assert_eq!(framer.pending(), 0);
    }

    #[test]
    fn a_frame_without_end_is_cut_off() {
        let mut framer = Framer::default();
        framer.push(&vec![b'9'; MAX_FRAME + 1]);
        assert_eq!(framer.next_frame(), Some(Err(DecodeError::TooLong)));
    }

    proptest::proptest! {
        /// What `fuzz/fuzz_targets/sip2.rs` checks at length, briefly on
        /// every test run: bytes that decode re-encode to the same message.
        #[test]
        fn whatever_decodes_round_trips(
            command in proptest::sample::select(vec!["18", "64", "98", "12", "10", "94", "36", "24", "42"]),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..120),
            tail in proptest::collection::vec(proptest::sample::select(b"AZY|0123456789ABCDEF".to_vec()), 0..12),
        ) {
            let frame = [command.as_bytes(), &body, &tail].concat();
            for charset in [Charset::Utf8, Charset::EucKr, Charset::Windows1252] {
                let Ok(decoded) = decode(&frame, charset) else { continue };
                let seq = decoded.checksummed.then(|| decoded.sequence.unwrap_or(0));
                if let Ok(bytes) = encode(&decoded.message, seq, charset, Terminator::Cr) {
                    let again = decode(&bytes[..bytes.len() - 1], charset).expect("own output decodes");
                    proptest::prop_assert_eq!(&again.message, &decoded.message);
                }
            }
        }
    }

    #[test]
    fn debug_never_shows_a_value() {
        let m = Message::new("63", "").field("AA", "1000001").field("AD", "1234");
        let shown = format!("{m:?}");
        assert!(shown.contains("AA") && !shown.contains("1000001") && !shown.contains("1234"), "{shown}");
    }
}
