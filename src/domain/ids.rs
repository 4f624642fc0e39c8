//! The card hash: how the kiosk's patron cache knows a card without its UID.

use std::fmt;

/// A keyed hash (HMAC-SHA256) of a card credential: how the local patron
/// cache recognises a card without ever storing its UID.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CardHash(pub [u8; 32]);

impl CardHash {
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for CardHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A prefix is enough to tell two hashes apart in a test failure.
        write!(f, "CardHash({}…)", &self.to_hex()[..8])
    }
}
