//! The shelf's and the staff map's rows, kept between views: a view built
//! after an input shares every row whose book or locker did not change with
//! the view before it, so an input costs the same at 500 lockers as at 40
//! (one list of pointers, and a new row only where something changed).
//!
//! A kept row is checked against what it would be built from every time it
//! is used, field by field and without allocating, so no mutation anywhere
//! in the engine needs to remember to invalidate it.

use crate::domain::audit::Finding;
use crate::domain::{Item, ItemId, Slot, SlotNo};
use crate::engine::view::{ItemView, SlotView};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Rows kept from earlier views, by book and by locker.
#[derive(Debug, Default)]
pub(super) struct Rows {
    // A lock only because the runner's future must be `Send`: the engine is
    // used from one task at a time, so it is never contended.
    books: Mutex<HashMap<ItemId, Arc<ItemView>>>,
    lockers: Mutex<HashMap<SlotNo, Arc<SlotView>>>,
}

/// A row map is whole between calls (nothing in them panics mid-update).
fn kept<T>(rows: &Mutex<T>) -> MutexGuard<'_, T> {
    rows.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a book's row shows, borrowed from the engine's state.
pub(super) struct BookRow<'a> {
    pub item: &'a Item,
    pub category: &'a str,
    pub slot: Option<SlotNo>,
    pub available: bool,
    pub selected: bool,
}

impl BookRow<'_> {
    /// The row, new (the detail screen and the chosen books build theirs
    /// each view; the shelf's are kept).
    pub fn build(&self) -> ItemView {
        ItemView {
            id: self.item.id.to_string(),
            title: self.item.title.clone(),
            author: self.item.author.clone(),
            category: self.category.to_owned(),
            cover_url: self.item.cover_url.clone(),
            slot: self.slot,
            available: self.available,
            selected: self.selected,
            keep_until: None,
        }
    }

    /// Destructured in full: a field added to [`ItemView`] does not compile
    /// until it is compared here too.
    fn shown_by(&self, row: &ItemView) -> bool {
        let ItemView { id, title, author, category, cover_url, slot, available, selected, keep_until } = row;
        *id == self.item.id.0
            && *title == self.item.title
            && *author == self.item.author
            && category == self.category
            && cover_url.as_deref() == self.item.cover_url.as_deref()
            && *slot == self.slot
            && *available == self.available
            && *selected == self.selected
            && keep_until.is_none()
    }
}

/// What a locker's cell on the staff map shows, borrowed.
pub(super) struct LockerRow<'a> {
    pub slot: &'a Slot,
    pub title: Option<&'a str>,
    pub door_open: bool,
    pub item_present: bool,
    pub held: bool,
    pub finding: Option<Finding>,
}

impl LockerRow<'_> {
    fn build(&self) -> SlotView {
        SlotView {
            slot: self.slot.no,
            kind: self.slot.kind,
            item_id: self.slot.item.as_ref().map(ToString::to_string),
            title: self.title.map(str::to_owned),
            door_open: self.door_open,
            item_present: self.item_present,
            out_of_service: self.slot.out_of_service,
            fault: self.slot.fault.clone(),
            held: self.held,
            finding: self.finding,
        }
    }

    fn shown_by(&self, row: &SlotView) -> bool {
        let SlotView { slot, kind, item_id, title, door_open, item_present, out_of_service, fault, held, finding } =
            row;
        *slot == self.slot.no
            && *kind == self.slot.kind
            && item_id.as_deref() == self.slot.item.as_ref().map(|i| i.0.as_str())
            && title.as_deref() == self.title
            && *door_open == self.door_open
            && *item_present == self.item_present
            && *out_of_service == self.slot.out_of_service
            && *fault == self.slot.fault
            && *held == self.held
            && *finding == self.finding
    }
}

impl Rows {
    /// The book's row: the kept one when it still shows this, else a new one
    /// (kept for the next view).
    pub fn book(&self, row: &BookRow<'_>, books_known: usize) -> Arc<ItemView> {
        let mut kept = kept(&self.books);
        if let Some(view) = kept.get(&row.item.id).filter(|v| row.shown_by(v)) {
            return Arc::clone(view);
        }
        let view = Arc::new(row.build());
        // Books the district withdrew leave rows behind: let them go before
        // they outnumber the shelf.
        if kept.len() > 2 * books_known + 64 {
            kept.clear();
        }
        kept.insert(row.item.id.clone(), Arc::clone(&view));
        view
    }

    pub fn locker(&self, row: &LockerRow<'_>) -> Arc<SlotView> {
        let mut kept = kept(&self.lockers);
        if let Some(view) = kept.get(&row.slot.no).filter(|v| row.shown_by(v)) {
            return Arc::clone(view);
        }
        let view = Arc::new(row.build());
        kept.insert(row.slot.no, Arc::clone(&view));
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SlotKind;

    fn item(title: &str) -> Item {
        Item {
            id: ItemId::new("MP0001"),
            title: title.into(),
            author: "박경리".into(),
            category: "소설".into(),
            category_en: Some("Fiction".into()),
            cover_url: None,
            hold_for: None,
        }
    }

    fn book<'a>(item: &'a Item, selected: bool) -> BookRow<'a> {
        BookRow { item, category: &item.category, slot: Some(SlotNo(3)), available: true, selected }
    }

    #[test]
    fn an_unchanged_book_shares_its_row_and_a_changed_one_gets_a_new_row() {
        let rows = Rows::default();
        let toji = item("토지");
        let first = rows.book(&book(&toji, false), 1);
        assert!(Arc::ptr_eq(&first, &rows.book(&book(&toji, false), 1)));

        let chosen = rows.book(&book(&toji, true), 1);
        assert!(!Arc::ptr_eq(&first, &chosen));
        assert!(chosen.selected);

        let renamed = item("토지 1");
        let row = rows.book(&book(&renamed, true), 1);
        assert_eq!(row.title, "토지 1");
        assert_eq!(*row, book(&renamed, true).build());
    }

    #[test]
    fn a_locker_row_follows_its_sensor_and_its_record() {
        let rows = Rows::default();
        let mut slot = Slot {
            no: SlotNo(7),
            kind: SlotKind::Locker,
            item: Some(ItemId::new("MP0001")),
            out_of_service: false,
            fault: None,
        };
        let cell = |slot: &Slot, door_open| {
            rows.locker(&LockerRow {
                slot,
                title: Some("토지"),
                door_open,
                item_present: true,
                held: false,
                finding: None,
            })
        };
        let shut = cell(&slot, false);
        assert!(Arc::ptr_eq(&shut, &cell(&slot, false)));
        assert!(cell(&slot, true).door_open);
        slot.fault = Some("jammed".into());
        assert_eq!(cell(&slot, true).fault.as_deref(), Some("jammed"));
    }
}
