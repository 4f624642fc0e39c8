//! How a patron says who they are: a contactless card's UID, or a member
//! number (typed on the screen or read from the mobile card's QR code).

use super::Secret;
use serde::{Deserialize, Serialize};

/// A patron credential. Its `Debug` never prints the value ([`Secret`]): a
/// UID or a member number identifies a person and must not reach a log line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Credential {
    /// Upper-case hex UID read from the card (e.g. `04A1B2C3D4E5F6`).
    Card(Secret),
    /// The library's member number, digits only.
    MemberNumber(Secret),
    /// A hold's pickup code (sent to the patron by text message): it opens
    /// that hold's locker and nothing else, without the card.
    PickupCode(Secret),
}

impl Credential {
    /// A card UID normalised to upper-case hex, or `None` when it is not hex.
    pub fn card(uid: &str) -> Option<Self> {
        let uid: String = uid.chars().filter(|c| !matches!(c, ':' | ' ' | '-')).collect();
        let ok = !uid.is_empty() && uid.len() <= 20 && uid.chars().all(|c| c.is_ascii_hexdigit());
        ok.then(|| Self::Card(uid.to_ascii_uppercase().into()))
    }

    /// A typed member number: 4 to 16 digits.
    pub fn member_number(number: &str) -> Option<Self> {
        let number = number.trim();
        let ok = (4..=16).contains(&number.len()) && number.chars().all(|c| c.is_ascii_digit());
        ok.then(|| Self::MemberNumber(number.into()))
    }

    /// A typed pickup code: 6 to 8 digits.
    pub fn pickup_code(code: &str) -> Option<Self> {
        let code = code.trim();
        let ok = (6..=8).contains(&code.len()) && code.chars().all(|c| c.is_ascii_digit());
        ok.then(|| Self::PickupCode(code.into()))
    }

    /// A pickup code: good for one hold, never for borrowing.
    pub fn is_pickup_code(&self) -> bool {
        matches!(self, Self::PickupCode(_))
    }

    /// The bytes the keyed card hash is computed over; the prefix keeps a card
    /// UID and a member number that happen to share digits apart.
    pub fn hash_input(&self) -> String {
        match self {
            Self::Card(uid) => format!("card:{}", &**uid),
            Self::MemberNumber(n) => format!("member:{}", &**n),
            Self::PickupCode(c) => format!("pickup:{}", &**c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_uids_are_normalised_and_checked() {
        assert_eq!(Credential::card("04:a1:b2"), Some(Credential::Card("04A1B2".into())));
        assert_eq!(Credential::card("not hex"), None);
        assert_eq!(Credential::card(""), None);
    }

    #[test]
    fn member_numbers_are_digits_only() {
        assert!(Credential::member_number("1000001").is_some());
        assert!(Credential::member_number("12a4").is_none());
        assert!(Credential::member_number("12").is_none());
    }

    #[test]
    fn debug_never_shows_the_value() {
        let shown = format!("{:?}", Credential::card("04A1B2C3D4E5F6").unwrap());
        assert!(!shown.contains("04A1"), "{shown}");
    }
}
