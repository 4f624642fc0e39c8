//! The facts the kiosk reports to the district, as they sit in the outbox.
//! The store gives each an id (UUIDv7, the idempotency key) and a `seq`;
//! the body below is the JSON payload.

use super::{ItemId, PatronId, SlotNo, StaffId};
use serde::{Deserialize, Serialize};

/// Something a door or sensor did that staff must look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmKind {
    /// A door stayed open past the dispense timeout.
    DoorLeftOpen,
    /// A door did not open when told to; the slot is marked faulty.
    DoorJammed,
    /// A return was interrupted and its book was not seen in the chute.
    ReturnUnconfirmed,
    /// A dispense found its locker empty: no loan, the locker is marked
    /// for staff.
    BookMissing,
    /// Wrong staff PINs locked staff sign-in for a while.
    StaffPinLocked,
    /// The locker board did not answer.
    BoardNotResponding,
}

/// One event, tagged by `kind` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    Loan {
        item_id: ItemId,
        patron_id: PatronId,
        slot: SlotNo,
        /// Seoul date, `YYYY-MM-DD`.
        due_date: String,
    },
    HoldPickup {
        item_id: ItemId,
        patron_id: PatronId,
        hold_id: String,
        slot: SlotNo,
        due_date: String,
    },
    Return {
        item_id: ItemId,
        /// Another library's book returned here (통합반납): the library it
        /// goes back to, as the district named it. `None`: this kiosk's own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        library: Option<String>,
    },
    Restock {
        item_id: ItemId,
        slot: SlotNo,
    },
    BinUnloaded {
        items: Vec<ItemId>,
    },
    Alarm {
        alarm: AlarmKind,
        slot: Option<SlotNo>,
        item_id: Option<ItemId>,
    },
    StaffDoorOpened {
        slot: SlotNo,
        staff_id: StaffId,
    },
    OutOfService {
        /// `None` for the whole kiosk.
        slot: Option<SlotNo>,
        out_of_service: bool,
        staff_id: StaffId,
    },
    /// A patron pressed "Help": someone should call the kiosk's phone or
    /// look at it. Names the screen, never the patron.
    HelpRequested {
        /// The screen it was pressed on (`home`, `dispensing`, …).
        screen: String,
    },
    /// A patron asked on the receipt screen for the receipt of these
    /// books by text message: the district knows the patron's phone and
    /// sends it; the kiosk never sees the number.
    ReceiptRequested {
        patron_id: PatronId,
        items: Vec<ItemId>,
    },
    /// Staff audited the cabinet: every locker's item sensor against the
    /// kiosk's record. Sent clean too, so the district knows when the
    /// cabinet last matched; `lines` lists each locker that did not.
    InventoryAudit {
        staff_id: StaffId,
        lockers: u32,
        lines: Vec<super::audit::AuditLine>,
    },
}

/// The kind of an [`EventBody`], without its fields: what the outbox's
/// `kind` column holds and the staff screen names. Its names are serde's
/// (`snake_case`), the same as the body's tag (a test holds them equal).
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
pub enum EventKind {
    Loan,
    HoldPickup,
    Return,
    Restock,
    BinUnloaded,
    Alarm,
    StaffDoorOpened,
    OutOfService,
    HelpRequested,
    ReceiptRequested,
    InventoryAudit,
}

impl EventKind {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl EventBody {
    /// A book that left its locker for a patron: a loan, or the pickup of
    /// the hold `hold_id`. The one place either is built, for the engine
    /// and for start-up recovery alike.
    pub fn lending(
        item_id: ItemId,
        patron_id: PatronId,
        slot: SlotNo,
        hold_id: Option<String>,
        due_date: String,
    ) -> Self {
        match hold_id {
            Some(hold_id) => Self::HoldPickup { item_id, patron_id, hold_id, slot, due_date },
            None => Self::Loan { item_id, patron_id, slot, due_date },
        }
    }

    /// Which kind of event: the wire's `kind` tag and the outbox column of
    /// the same name.
    pub fn kind(&self) -> EventKind {
        match self {
            Self::Loan { .. } => EventKind::Loan,
            Self::HoldPickup { .. } => EventKind::HoldPickup,
            Self::Return { .. } => EventKind::Return,
            Self::Restock { .. } => EventKind::Restock,
            Self::BinUnloaded { .. } => EventKind::BinUnloaded,
            Self::Alarm { .. } => EventKind::Alarm,
            Self::StaffDoorOpened { .. } => EventKind::StaffDoorOpened,
            Self::OutOfService { .. } => EventKind::OutOfService,
            Self::HelpRequested { .. } => EventKind::HelpRequested,
            Self::ReceiptRequested { .. } => EventKind::ReceiptRequested,
            Self::InventoryAudit { .. } => EventKind::InventoryAudit,
        }
    }

    /// The book and the locker this event is about, where it names them:
    /// what staff read in the sync queue (never the patron).
    pub fn item_and_slot(&self) -> (Option<&ItemId>, Option<SlotNo>) {
        match self {
            Self::Loan { item_id, slot, .. }
            | Self::HoldPickup { item_id, slot, .. }
            | Self::Restock { item_id, slot } => (Some(item_id), Some(*slot)),
            Self::Return { item_id, .. } => (Some(item_id), None),
            Self::Alarm { slot, item_id, .. } => (item_id.as_ref(), *slot),
            Self::StaffDoorOpened { slot, .. } => (None, Some(*slot)),
            Self::OutOfService { slot, .. } => (None, *slot),
            _ => (None, None),
        }
    }

    /// The patron this event names, for the per-patron pending count.
    pub fn patron(&self) -> Option<&PatronId> {
        match self {
            Self::Loan { patron_id, .. } | Self::HoldPickup { patron_id, .. } => Some(patron_id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The outbox column, the wire's tag and the staff screen's key are one
    /// name per kind: strum's (`as_str`, `FromStr`) and serde's agree.
    #[test]
    fn every_event_kind_has_one_name() {
        assert_eq!(EventKind::ALL.len(), 11);
        for &kind in EventKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
        }
        let body = EventBody::HelpRequested { screen: "home".into() };
        assert_eq!(serde_json::to_value(&body).unwrap()["kind"], body.kind().as_str());
    }

    #[test]
    fn kind_tag_matches_json() {
        let e = EventBody::Loan {
            item_id: ItemId::new("MP0001"),
            patron_id: PatronId::new("1000001"),
            slot: SlotNo(3),
            due_date: "2026-12-14".into(),
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["kind"], e.kind().as_str());
        assert_eq!(json["slot"], 3);
        let back: EventBody = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
    }
}
