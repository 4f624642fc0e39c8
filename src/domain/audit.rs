//! The inventory audit: each locker's item sensor held against the kiosk's
//! record of it (the book it should hold, nothing, or a hold copy waiting
//! for a patron). Pure: the engine gives the records and the readings, and
//! gets back what does not match, for staff to act on and for the district
//! to hear of (the `inventory_audit` event).
//!
//! A sensor says only whether a book is there, not which: a locker whose
//! record names a book and whose sensor sees one matches, even if the copy
//! in it is another. Restocking is what ties a copy to a locker.

use super::{ItemId, SlotNo};
pub use bookstation_district_api::audit::{AuditLine, Finding};
use serde::{Deserialize, Serialize};

/// What the kiosk's record says a locker holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Empty,
    /// A book on the shelf, for any patron.
    Book(ItemId),
    /// A copy waiting in the locker for one patron's hold.
    Hold(ItemId),
}

impl Record {
    pub fn item(&self) -> Option<&ItemId> {
        match self {
            Self::Empty => None,
            Self::Book(item) | Self::Hold(item) => Some(item),
        }
    }
}

/// One locker's sensors at the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub door_open: bool,
    pub item_present: bool,
}

/// One locker against its record: `None` when they match.
pub fn check(record: &Record, reading: Option<Reading>) -> Option<Finding> {
    let Some(reading) = reading else { return Some(Finding::NotRead) };
    if reading.door_open {
        return Some(Finding::DoorOpen);
    }
    match (record, reading.item_present) {
        (Record::Empty, false) | (Record::Book(_) | Record::Hold(_), true) => None,
        (Record::Empty, true) => Some(Finding::UnregisteredBook),
        (Record::Book(_), false) => Some(Finding::BookMissing),
        (Record::Hold(_), false) => Some(Finding::HoldMissing),
    }
}

/// The whole cabinet's audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Lockers audited (the return bin has no item sensor and is not one).
    pub lockers: u32,
    /// Every locker that did not match or could not be checked, by slot.
    pub lines: Vec<AuditLine>,
}

impl AuditReport {
    /// Every locker was checked and matched its record.
    pub fn is_clean(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Audit every locker given: its number, its record, and its reading
/// (`None` when the board did not report it).
pub fn audit(lockers: impl IntoIterator<Item = (SlotNo, Record, Option<Reading>)>) -> AuditReport {
    let mut count = 0u32;
    let mut lines: Vec<AuditLine> = lockers
        .into_iter()
        .inspect(|_| count = count.saturating_add(1))
        .filter_map(|(slot, record, reading)| {
            check(&record, reading).map(|finding| AuditLine { slot, finding, item_id: record.item().cloned() })
        })
        .collect();
    lines.sort_by_key(|l| l.slot);
    AuditReport { lockers: count, lines }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHUT_FULL: Option<Reading> = Some(Reading { door_open: false, item_present: true });
    const SHUT_EMPTY: Option<Reading> = Some(Reading { door_open: false, item_present: false });
    const OPEN: Option<Reading> = Some(Reading { door_open: true, item_present: true });

    fn book(id: &str) -> Record {
        Record::Book(ItemId::new(id))
    }

    #[test]
    fn a_cabinet_as_recorded_is_clean() {
        let report = audit([
            (SlotNo(1), book("MP0001"), SHUT_FULL),
            (SlotNo(2), Record::Empty, SHUT_EMPTY),
            (SlotNo(3), Record::Hold(ItemId::new("MP0003")), SHUT_FULL),
        ]);
        assert_eq!(report, AuditReport { lockers: 3, lines: vec![] });
        assert!(report.is_clean());
    }

    #[test]
    fn each_mismatch_is_named_with_its_book() {
        let report = audit([
            (SlotNo(4), Record::Empty, SHUT_FULL),
            (SlotNo(2), Record::Hold(ItemId::new("MP0002")), SHUT_EMPTY),
            (SlotNo(1), book("MP0001"), SHUT_EMPTY),
            (SlotNo(5), book("MP0005"), SHUT_FULL),
        ]);
        let line = |slot, finding, item: Option<&str>| AuditLine {
            slot: SlotNo(slot),
            finding,
            item_id: item.map(ItemId::new),
        };
        assert_eq!(report.lockers, 4);
        assert_eq!(
            report.lines,
            vec![
                line(1, Finding::BookMissing, Some("MP0001")),
                line(2, Finding::HoldMissing, Some("MP0002")),
                line(4, Finding::UnregisteredBook, None),
            ]
        );
        assert!(report.lines.iter().all(|l| l.finding.is_mismatch()));
    }

    #[test]
    fn an_open_door_or_a_silent_board_is_not_checked() {
        assert_eq!(check(&book("MP0001"), OPEN), Some(Finding::DoorOpen));
        assert_eq!(check(&Record::Empty, None), Some(Finding::NotRead));
        assert!(!Finding::DoorOpen.is_mismatch() && !Finding::NotRead.is_mismatch());
    }

    #[test]
    fn the_wire_form_is_snake_case() {
        let line = AuditLine { slot: SlotNo(7), finding: Finding::UnregisteredBook, item_id: None };
        assert_eq!(
            serde_json::to_value(&line).unwrap(),
            serde_json::json!({"slot": 7, "finding": "unregistered_book"})
        );
    }
}
