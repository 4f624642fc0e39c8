//! Contactless card readers: the [`CardReader`] trait and the [`CardEvent`]s
//! it yields. A PC/SC driver maps its reader and card state changes onto
//! these events; the simulation feeds them from [`crate::SimWorld`].

use std::fmt;

use crate::HwError;

/// Something that happened at a card reader.
///
/// `Debug` is written by hand so that the UID never appears in it: a card UID
/// identifies a patron, and events get logged with `?event`.
#[derive(Clone, PartialEq, Eq)]
pub enum CardEvent {
    /// A card was placed on the reader. Holding it there does not repeat the
    /// event; the next event for it is [`CardEvent::Removed`].
    Tapped {
        /// The card's UID, upper-case hex without separators (e.g.
        /// `04A1B2C3D4E5F6`), used to look the patron up. Never log it.
        uid: String,
    },
    /// The card left the reader.
    Removed,
    /// A reader became available (plugged in, or present at start-up).
    ReaderAdded {
        /// The reader's name as the system reports it, so staff can tell
        /// which device came or went.
        name: String,
    },
    /// A reader went away. A card that was on it is gone too: no
    /// [`CardEvent::Removed`] is promised for it.
    ReaderRemoved {
        /// The reader's name as the system reports it, so staff can tell
        /// which device came or went.
        name: String,
    },
}

/// Stands in for a UID in `Debug` output: says only how long it is.
struct RedactedUid<'a>(&'a str);

impl fmt::Debug for RedactedUid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.0;
        // The length of a well-formed UID (4, 7 or 10 bytes) is shared by
        // millions of cards; anything else is shown as a bare marker so that
        // an odd value cannot be recognised by its length.
        if !hex.is_empty() && hex.len().is_multiple_of(2) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            write!(f, "<redacted, {} bytes>", hex.len() / 2)
        } else {
            f.write_str("<redacted>")
        }
    }
}

impl fmt::Debug for CardEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tapped { uid } => f.debug_struct("Tapped").field("uid", &RedactedUid(uid)).finish(),
            Self::Removed => f.write_str("Removed"),
            Self::ReaderAdded { name } => f.debug_struct("ReaderAdded").field("name", name).finish(),
            Self::ReaderRemoved { name } => f.debug_struct("ReaderRemoved").field("name", name).finish(),
        }
    }
}

/// A source of card events, consumed by one task.
#[async_trait::async_trait]
pub trait CardReader: Send {
    /// Wait for the next event. An error of kind
    /// [`Disconnected`](crate::ErrorKind::Disconnected) means no more events
    /// will come from this handle.
    async fn next_event(&mut self) -> Result<CardEvent, HwError>;

    /// True when this reader announces each physical reader with
    /// [`CardEvent::ReaderAdded`] (PC/SC), so that none announced yet means
    /// none is plugged in. A simulated reader is always there.
    fn announces_readers(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_tapped_hides_the_uid() {
        let uid = "04A1B2C3D4E5F6";
        let ev = CardEvent::Tapped { uid: uid.into() };
        let shown = format!("{ev:?}");
        assert!(!shown.contains(uid), "{shown}");
        assert!(!shown.contains("04A1"), "{shown}");
        assert_eq!(shown, "Tapped { uid: <redacted, 7 bytes> }");
        let pretty = format!("{ev:#?}");
        assert!(!pretty.contains(uid), "{pretty}");
    }

    #[test]
    fn debug_of_malformed_uid_shows_no_length() {
        let ev = CardEvent::Tapped { uid: "not a uid".into() };
        assert_eq!(format!("{ev:?}"), "Tapped { uid: <redacted> }");
    }

    #[test]
    fn debug_of_other_events_is_plain() {
        assert_eq!(format!("{:?}", CardEvent::Removed), "Removed");
        let ev = CardEvent::ReaderAdded { name: "ACS ACR122U".into() };
        assert_eq!(format!("{ev:?}"), "ReaderAdded { name: \"ACS ACR122U\" }");
    }
}
