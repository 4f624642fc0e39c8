//! What an interrupted intent turned into, judged from the locker sensors.
//! This is invariant 3: after a crash every open intent gets exactly one
//! outcome, and the door sensors decide which.

use serde::{Deserialize, Serialize};

/// What the kiosk was about to do when it wrote the intent. Its names
/// (the journal's `kind` column) are serde's, derived (strum), not kept by hand.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum IntentKind {
    Loan,
    HoldPickup,
    Return,
    Restock,
}

impl IntentKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// The single outcome an open intent is closed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    Cancelled,
}

/// What the sensors say about the intent's slot at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotReading {
    pub item_present: bool,
    /// The bin's chute counter now, and when the intent was written.
    pub drop_count: u32,
}

/// Decide an interrupted intent. `scanned_item` is whether a restock had
/// already been told which book goes in; `drops_at_start` is the bin counter
/// recorded with a return intent. `None` means the slot could not be read:
/// the intent stays open until it can.
pub fn reconcile(
    kind: IntentKind,
    reading: Option<SlotReading>,
    scanned_item: bool,
    drops_at_start: Option<u32>,
) -> Option<Outcome> {
    let reading = reading?;
    Some(match kind {
        // The book left the locker: the patron has it, so the loan stands.
        IntentKind::Loan | IntentKind::HoldPickup if !reading.item_present => Outcome::Completed,
        IntentKind::Loan | IntentKind::HoldPickup => Outcome::Cancelled,
        // A book went down the chute after the intent was written.
        IntentKind::Return => match drops_at_start {
            Some(before) if reading.drop_count > before => Outcome::Completed,
            _ => Outcome::Cancelled,
        },
        IntentKind::Restock if reading.item_present && scanned_item => Outcome::Completed,
        IntentKind::Restock => Outcome::Cancelled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intent_kinds_are_named_as_serde_names_them() {
        for &kind in <IntentKind as strum::VariantArray>::VARIANTS {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert_eq!(IntentKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(IntentKind::parse("lend"), None);
    }

    fn r(item_present: bool, drop_count: u32) -> Option<SlotReading> {
        Some(SlotReading { item_present, drop_count })
    }

    #[test]
    fn loans_follow_the_item_sensor() {
        for kind in [IntentKind::Loan, IntentKind::HoldPickup] {
            assert_eq!(reconcile(kind, r(false, 0), false, None), Some(Outcome::Completed));
            assert_eq!(reconcile(kind, r(true, 0), false, None), Some(Outcome::Cancelled));
        }
    }

    #[test]
    fn returns_follow_the_chute_counter() {
        assert_eq!(reconcile(IntentKind::Return, r(true, 4), false, Some(3)), Some(Outcome::Completed));
        assert_eq!(reconcile(IntentKind::Return, r(true, 3), false, Some(3)), Some(Outcome::Cancelled));
        assert_eq!(reconcile(IntentKind::Return, r(false, 9), false, None), Some(Outcome::Cancelled));
    }

    #[test]
    fn restock_needs_a_scanned_book_in_the_locker() {
        assert_eq!(reconcile(IntentKind::Restock, r(true, 0), true, None), Some(Outcome::Completed));
        assert_eq!(reconcile(IntentKind::Restock, r(true, 0), false, None), Some(Outcome::Cancelled));
        assert_eq!(reconcile(IntentKind::Restock, r(false, 0), true, None), Some(Outcome::Cancelled));
    }

    #[test]
    fn unreadable_slot_leaves_the_intent_open() {
        assert_eq!(reconcile(IntentKind::Loan, None, false, None), None);
    }

    #[test]
    fn kinds_round_trip() {
        for k in [IntentKind::Loan, IntentKind::HoldPickup, IntentKind::Return, IntentKind::Restock] {
            assert_eq!(IntentKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(IntentKind::parse("bogus"), None);
    }
}
