//! The cabinet: its lockers and return bin, which book is behind which door,
//! the books in the bin, and the doors staff or faults took out of use.

use super::items::item_exists;
use super::kiosk::outage_in;
use super::outbox::append_in;
use super::{Result, Store, StoreError, bad_row, slot_no};
use crate::domain::{EventBody, ItemId, Slot, SlotKind, SlotNo, StaffId, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};

fn place_in(tx: &rusqlite::Transaction<'_>, slot: SlotNo, item: &ItemId) -> Result<()> {
    match slot_in(tx, slot)? {
        None => return Err(no_such_slot(slot)),
        Some((SlotKind::ReturnBin, _)) => {
            return Err(StoreError::Conflict(format!("slot {slot} is the return bin, not a locker")));
        }
        Some((SlotKind::Locker, _)) => {}
    }
    if !item_exists(tx, item)? {
        return Err(StoreError::Conflict(format!("item {item} is not in the catalogue")));
    }
    if let Some(other) = slot_of_in(tx, item)?.filter(|&other| other != slot) {
        return Err(StoreError::Conflict(format!("item {item} is already in slot {other}")));
    }
    tx.execute("UPDATE slots SET item_id = ?2 WHERE slot_no = ?1", params![slot.0, item.as_str()])?;
    Ok(())
}

fn kind_str(kind: SlotKind) -> &'static str {
    match kind {
        SlotKind::Locker => "locker",
        SlotKind::ReturnBin => "return_bin",
    }
}

fn parse_kind(raw: &str) -> Result<SlotKind> {
    match raw {
        "locker" => Ok(SlotKind::Locker),
        "return_bin" => Ok(SlotKind::ReturnBin),
        _ => Err(bad_row("slots", format!("unknown slot kind {raw:?}"))),
    }
}

fn slot_from_row(row: &Row<'_>) -> Result<Slot> {
    let kind: String = row.get(1)?;
    Ok(Slot {
        no: slot_no("slots", row.get(0)?)?,
        kind: parse_kind(&kind)?,
        item: row.get::<_, Option<String>>(2)?.map(ItemId),
        out_of_service: row.get(3)?,
        fault: row.get(4)?,
    })
}

/// A slot's kind and item, or `None` when there is no such slot.
pub(super) fn slot_in(conn: &Connection, slot: SlotNo) -> Result<Option<(SlotKind, Option<ItemId>)>> {
    let found = conn
        .query_row("SELECT kind, item_id FROM slots WHERE slot_no = ?1", [slot.0], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })
        .optional()?;
    found.map(|(kind, item)| Ok((parse_kind(&kind)?, item.map(ItemId)))).transpose()
}

/// The locker `item` sits in.
pub(super) fn slot_of_in(conn: &Connection, item: &ItemId) -> Result<Option<SlotNo>> {
    let raw = conn
        .query_row("SELECT slot_no FROM slots WHERE item_id = ?1", [item.as_str()], |r| r.get::<_, i64>(0))
        .optional()?;
    raw.map(|n| slot_no("slots", n)).transpose()
}

/// A book in the return bin that goes somewhere other than a shelf here.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BinBook {
    pub item_id: ItemId,
    pub title: String,
    /// Another library's book: that library.
    pub library: Option<String>,
    /// Where the district said it must go, once it answered the return.
    pub send_to: Option<String>,
}

fn bin_items_in(conn: &Connection) -> Result<Vec<ItemId>> {
    let mut stmt = conn.prepare("SELECT item_id FROM bin_contents ORDER BY returned_at, item_id")?;
    let items = stmt.query_map([], |r| r.get(0).map(ItemId))?.collect::<rusqlite::Result<_>>()?;
    Ok(items)
}

fn no_such_slot(slot: SlotNo) -> StoreError {
    StoreError::Conflict(format!("there is no slot {slot}"))
}

/// Create `slot` with `kind`, or make sure it has that kind. An empty slot
/// may change kind (the bin moved in the config); one holding a book may not,
/// since the book would vanish from the lockers.
fn ensure_slot(conn: &Connection, slot: SlotNo, kind: SlotKind) -> Result<()> {
    match slot_in(conn, slot)? {
        None => {
            conn.execute("INSERT INTO slots (slot_no, kind) VALUES (?1, ?2)", params![slot.0, kind_str(kind)])?;
        }
        Some((k, _)) if k == kind => {}
        Some((_, None)) => {
            conn.execute("UPDATE slots SET kind = ?2 WHERE slot_no = ?1", params![slot.0, kind_str(kind)])?;
        }
        Some((_, Some(_))) => {
            return Err(StoreError::Conflict(format!(
                "the config makes slot {slot} a {}, but the database has a book in it; take the book out first",
                kind_str(kind)
            )));
        }
    }
    Ok(())
}

impl Store {
    /// Make sure slots `1..=lockers` exist as lockers and `return_bin` as the
    /// return bin. Existing slots keep their contents; slots beyond the
    /// layout are left alone, since they may still hold books.
    pub fn ensure_slots(&mut self, lockers: u16, return_bin: SlotNo) -> Result<()> {
        if return_bin.0 == 0 || return_bin.0 <= lockers {
            return Err(StoreError::Conflict(format!(
                "the return bin's number {return_bin} must be above the lockers' (1..={lockers})"
            )));
        }
        let tx = self.write()?;
        for n in 1..=lockers {
            ensure_slot(&tx, SlotNo(n), SlotKind::Locker)?;
        }
        ensure_slot(&tx, return_bin, SlotKind::ReturnBin)?;
        tx.commit()?;
        Ok(())
    }

    /// Every slot, ordered by number.
    pub fn slots(&self) -> Result<Vec<Slot>> {
        let mut stmt =
            self.conn.prepare("SELECT slot_no, kind, item_id, out_of_service, fault FROM slots ORDER BY slot_no")?;
        let mut rows = stmt.query([])?;
        let mut slots = Vec::new();
        while let Some(row) = rows.next()? {
            slots.push(slot_from_row(row)?);
        }
        Ok(slots)
    }

    /// The locker a copy sits in, if any.
    pub fn slot_of(&self, id: &ItemId) -> Result<Option<SlotNo>> {
        slot_of_in(&self.conn, id)
    }

    /// The books in the return bin, in the order they came back.
    pub fn bin_items(&self) -> Result<Vec<ItemId>> {
        bin_items_in(&self.conn)
    }

    /// The books in the bin that do not go back to a shelf here: other
    /// libraries' books (통합반납) and any the district says must go
    /// elsewhere (a hold at another branch), for the unload's transit list.
    pub fn bin_transit(&self) -> Result<Vec<BinBook>> {
        let mut stmt = self.conn.prepare(
            "SELECT b.item_id, coalesce(i.title, b.item_id), i.library, b.send_to
             FROM bin_contents b LEFT JOIN items i ON i.item_id = b.item_id
             WHERE i.library IS NOT NULL OR b.send_to IS NOT NULL
             ORDER BY b.returned_at, b.item_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(BinBook { item_id: ItemId(r.get(0)?), title: r.get(1)?, library: r.get(2)?, send_to: r.get(3)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Put a copy in a locker without an event: for seeding a demo or a
    /// test. Staff restocking goes through a restock intent instead.
    pub fn place_item(&mut self, slot: SlotNo, item: &ItemId) -> Result<()> {
        self.place_items(&[(slot, item.clone())])
    }

    /// [`Store::place_item`] for many books in one transaction (one fsync):
    /// the demo's first start at 1,000 lockers. All or none.
    pub fn place_items(&mut self, placements: &[(SlotNo, ItemId)]) -> Result<()> {
        let tx = self.write()?;
        for (slot, item) in placements {
            place_in(&tx, *slot, item)?;
        }
        tx.commit()?;
        Ok(())
    }
    /// Record or clear a door fault (`None` clears it).
    pub fn set_slot_fault(&mut self, slot: SlotNo, fault: Option<&str>) -> Result<()> {
        let tx = self.write()?;
        if tx.execute("UPDATE slots SET fault = ?2 WHERE slot_no = ?1", params![slot.0, fault])? == 0 {
            return Err(no_such_slot(slot));
        }
        tx.commit()?;
        Ok(())
    }

    /// Take a slot out of service or back, with the staff event that reports
    /// it in the same transaction. The event is marked offline when an
    /// outage is under way.
    pub fn set_slot_out_of_service(
        &mut self,
        slot: SlotNo,
        oos: bool,
        event: Option<(&EventBody, Timestamp)>,
    ) -> Result<()> {
        let tx = self.write()?;
        if tx.execute("UPDATE slots SET out_of_service = ?2 WHERE slot_no = ?1", params![slot.0, oos])? == 0 {
            return Err(no_such_slot(slot));
        }
        if let Some((event, now)) = event {
            let offline = outage_in(&tx)?.is_some();
            append_in(&tx, event, offline, now)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Staff emptied the return bin: clear it and append
    /// [`EventBody::BinUnloaded`] in the same transaction, even when the bin
    /// was empty (the visit is a fact too). Returns the books taken out.
    pub fn unload_bin(&mut self, staff_id: &StaffId, now: Timestamp) -> Result<Vec<ItemId>> {
        let tx = self.write()?;
        let items = bin_items_in(&tx)?;
        tx.execute("DELETE FROM bin_contents", [])?;
        let offline = outage_in(&tx)?.is_some();
        append_in(&tx, &EventBody::BinUnloaded { items: items.clone() }, offline, now)?;
        tx.commit()?;
        // A staff id is not patron identity; the event has no field for it.
        tracing::info!(staff_id = %staff_id, books = items.len(), "return bin unloaded");
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Item, PatronId};

    fn store_with_items(ids: &[&str]) -> Store {
        let mut store = Store::open_in_memory().unwrap();
        store.ensure_slots(3, SlotNo(4)).unwrap();
        let items: Vec<Item> = ids
            .iter()
            .map(|id| Item {
                id: ItemId::new(*id),
                title: "t".into(),
                author: "a".into(),
                category: "c".into(),
                category_en: None,
                cover_url: None,
                hold_for: None::<PatronId>,
            })
            .collect();
        store.upsert_items(&items, &[], Timestamp(0)).unwrap();
        store
    }

    #[test]
    fn ensure_slots_is_idempotent_and_keeps_contents() {
        let mut store = store_with_items(&["MP0001"]);
        store.place_item(SlotNo(2), &ItemId::new("MP0001")).unwrap();
        store.ensure_slots(3, SlotNo(4)).unwrap();
        let slots = store.slots().unwrap();
        assert_eq!(slots.iter().map(|s| s.no.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert_eq!(slots[3].kind, SlotKind::ReturnBin);
        assert_eq!(slots[1].item, Some(ItemId::new("MP0001")));
        assert_eq!(store.slot_of(&ItemId::new("MP0001")).unwrap(), Some(SlotNo(2)));
    }

    #[test]
    fn a_bin_inside_the_lockers_is_refused() {
        let mut store = Store::open_in_memory().unwrap();
        assert!(matches!(store.ensure_slots(3, SlotNo(2)), Err(StoreError::Conflict(_))));
        assert!(store.slots().unwrap().is_empty());
    }

    #[test]
    fn the_bin_may_move_to_an_empty_slot() {
        let mut store = store_with_items(&[]);
        store.ensure_slots(4, SlotNo(5)).unwrap();
        let kinds: Vec<SlotKind> = store.slots().unwrap().iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [SlotKind::Locker, SlotKind::Locker, SlotKind::Locker, SlotKind::Locker, SlotKind::ReturnBin]
        );
    }

    #[test]
    fn place_item_checks_slot_and_item() {
        let mut store = store_with_items(&["MP0001"]);
        let book = ItemId::new("MP0001");
        assert!(matches!(store.place_item(SlotNo(9), &book), Err(StoreError::Conflict(_))));
        assert!(matches!(store.place_item(SlotNo(4), &book), Err(StoreError::Conflict(_))));
        assert!(matches!(store.place_item(SlotNo(1), &ItemId::new("nope")), Err(StoreError::Conflict(_))));
        store.place_item(SlotNo(1), &book).unwrap();
        assert!(matches!(store.place_item(SlotNo(2), &book), Err(StoreError::Conflict(_))));
        store.place_item(SlotNo(1), &book).unwrap();
    }

    #[test]
    fn faults_and_out_of_service() {
        let mut store = store_with_items(&[]);
        store.set_slot_fault(SlotNo(1), Some("jammed")).unwrap();
        let event = EventBody::OutOfService { slot: Some(SlotNo(2)), out_of_service: true, staff_id: "S1".into() };
        store.set_slot_out_of_service(SlotNo(2), true, Some((&event, Timestamp(3)))).unwrap();
        let slots = store.slots().unwrap();
        assert_eq!(slots[0].fault.as_deref(), Some("jammed"));
        assert!(slots[1].out_of_service && !slots[1].usable());
        assert!(slots[2].usable());
        assert_eq!(store.outbox(None, 10).unwrap()[0].body, event);
        store.set_slot_fault(SlotNo(1), None).unwrap();
        assert!(store.slots().unwrap()[0].usable());
        assert!(matches!(store.set_slot_fault(SlotNo(9), None), Err(StoreError::Conflict(_))));
        let refused = store.set_slot_out_of_service(SlotNo(9), true, Some((&event, Timestamp(4))));
        assert!(matches!(refused, Err(StoreError::Conflict(_))));
        assert_eq!(store.outbox(None, 10).unwrap().len(), 1, "a refused change appends no event");
    }

    #[test]
    fn a_bad_slot_row_is_an_error() {
        let store = store_with_items(&[]);
        store.conn.execute_batch("PRAGMA ignore_check_constraints = ON; UPDATE slots SET kind = 'shelf'").unwrap();
        assert!(matches!(store.slots(), Err(StoreError::BadRow { table: "slots", .. })));
    }
}
