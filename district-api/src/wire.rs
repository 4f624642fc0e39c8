//! The district's HTTP JSON API: its paths and the request bodies, beside
//! the answers of [`crate::answers`]. The kiosk's HTTP client sends them,
//! the simulator and the district server serve them.
//! `docs/district-api.md` is the same contract in words, with examples;
//! change both together.
//!
//! Only the credential has a wire form of its own: [`Credential`] never
//! serialises its value by accident, so the conversion is spelt out here,
//! once.

use crate::{Credential, EventResult, ItemId, Secret, SubmittedEvent};
use serde::{Deserialize, Serialize};

/// Every path starts with this; a breaking change gets a new version.
pub const PREFIX: &str = "/api/v1";
/// `POST`: [`AuthRequest`] → [`crate::AuthAnswer`].
pub const AUTHENTICATE: &str = "/api/v1/authenticate";
/// `POST`: [`SubmitRequest`] → [`SubmitAnswer`].
pub const EVENTS: &str = "/api/v1/events";
/// `POST`: [`crate::Health`] → `204 No Content`.
pub const HEARTBEAT: &str = "/api/v1/heartbeat";
/// `POST`: [`ReturnHereRequest`] → [`crate::ReturnHere`].
pub const RETURN_HERE: &str = "/api/v1/returns/check";

/// `GET`: → [`crate::Inventory`] of one kiosk.
pub fn inventory_path(kiosk_id: &str) -> String {
    format!("{PREFIX}/kiosks/{kiosk_id}/inventory")
}

/// A credential on the wire: `{"type":"card","uid":"04A1…"}` or
/// `{"type":"member_number","number":"1000001"}`.
/// Its `Debug` shows no value ([`Secret`], invariant 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum WireCredential {
    /// A card's UID, upper-case hex, as the reader reports it.
    Card { uid: Secret },
    /// A member number, typed or read from the mobile card's QR code.
    MemberNumber { number: Secret },
    /// A hold's pickup code: the answer is the hold's patron with that one hold.
    PickupCode { code: Secret },
}

impl From<&Credential> for WireCredential {
    fn from(c: &Credential) -> Self {
        match c {
            Credential::Card(uid) => Self::Card { uid: uid.clone() },
            Credential::MemberNumber(number) => Self::MemberNumber { number: number.clone() },
            Credential::PickupCode(code) => Self::PickupCode { code: code.clone() },
        }
    }
}

impl WireCredential {
    /// The domain credential, checked the way the kiosk checks its input;
    /// `None` for a malformed one.
    pub fn to_credential(&self) -> Option<Credential> {
        match self {
            Self::Card { uid } => Credential::card(uid),
            Self::MemberNumber { number } => Credential::member_number(number),
            Self::PickupCode { code } => Credential::pickup_code(code),
        }
    }
}

/// `POST /api/v1/authenticate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthRequest {
    /// The kiosk asking: ready holds and `loans_here` are counted for it.
    pub kiosk_id: String,
    pub credential: WireCredential,
    /// The patron's PIN when the library asks for one; `null` otherwise.
    #[serde(default)]
    pub pin: Option<Secret>,
}

/// `POST /api/v1/returns/check`: may a book that is not this kiosk's be
/// returned here (통합반납)?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnHereRequest {
    pub kiosk_id: String,
    pub item_id: ItemId,
}

/// `POST /api/v1/events`: a batch in `seq` order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// The sending kiosk; every event carries it too.
    pub kiosk_id: String,
    /// At most 100 events, in `seq` order.
    pub events: Vec<SubmittedEvent>,
}

/// The answer to a batch: one result per event the server took, in the
/// order sent. A shorter list (a partial batch) means the events left out
/// were not looked at; the kiosk sends them again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitAnswer {
    pub results: Vec<EventResult>,
}

/// The body of every error answer (4xx, 5xx): words for the log, never a
/// patron's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorAnswer {
    pub error: String,
}

/// Largest batch the server takes; larger ones are answered `413`.
pub const MAX_BATCH: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credentials_have_a_tagged_wire_form_and_a_redacted_debug() {
        let card = Credential::card("04a1b2c3d4e5f6").unwrap();
        let wire = WireCredential::from(&card);
        assert_eq!(serde_json::to_value(&wire).unwrap(), json!({"type": "card", "uid": "04A1B2C3D4E5F6"}));
        assert_eq!(wire.to_credential(), Some(card));
        assert!(!format!("{wire:?}").contains("04A1"));
        let member: WireCredential =
            serde_json::from_value(json!({"type": "member_number", "number": "1000001"})).unwrap();
        assert_eq!(member.to_credential(), Credential::member_number("1000001"));
        let bad: WireCredential = serde_json::from_value(json!({"type": "card", "uid": "zz"})).unwrap();
        assert_eq!(bad.to_credential(), None);
    }

    #[test]
    fn paths_are_versioned() {
        assert_eq!(inventory_path("K-1"), "/api/v1/kiosks/K-1/inventory");
        assert!(AUTHENTICATE.starts_with(PREFIX) && EVENTS.starts_with(PREFIX) && HEARTBEAT.starts_with(PREFIX));
        assert!(RETURN_HERE.starts_with(PREFIX));
    }
}
