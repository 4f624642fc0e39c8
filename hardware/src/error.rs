//! The one error type every device returns, in the embedded-hal style: a
//! coarse [`ErrorKind`] that generic code branches on, and a message where
//! each driver keeps its own detail (serial port, status byte, PC/SC code)
//! for the log.

use serde::Serialize;

/// What went wrong, coarse enough for the daemon to choose a reaction
/// (retry, mark the slot out of order, raise an alarm) without knowing which
/// driver it talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The device answered too late; a retry may succeed.
    Timeout,
    /// The device does not answer at all: unplugged, unpowered, or a board
    /// address nobody listens on.
    NotResponding,
    /// The lock was pulsed but the board reports the door still latched.
    Jammed,
    /// The device went away (USB unplugged, the event source closed); it
    /// will not produce anything until it is opened again.
    Disconnected,
    /// The slot number is not one this board drives.
    InvalidSlot,
    /// Anything else; the message says what.
    Other,
}

/// A device failure. Its `Display` is the driver's message, which never
/// contains a card UID or scanned text.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct HwError {
    /// Lets generic code react without parsing driver-specific text.
    kind: ErrorKind,
    /// The driver's detail, for the log and for staff diagnosing a fault.
    message: String,
}

impl HwError {
    /// An error of `kind`; `message` must not contain a card UID or scanned
    /// text, since it ends up in logs.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// The kind of failure, for deciding what to do about it.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_message_and_kind_is_kept() {
        let e = HwError::new(ErrorKind::Jammed, "slot 3 did not unlatch");
        assert_eq!(e.to_string(), "slot 3 did not unlatch");
        assert_eq!(e.kind(), ErrorKind::Jammed);
    }

    #[test]
    fn kind_serializes_as_its_name() {
        let json = serde_json::to_string(&ErrorKind::NotResponding).unwrap();
        assert_eq!(json, "\"NotResponding\"");
    }
}
