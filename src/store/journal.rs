//! The journal of intents: what the kiosk is about to do behind a door,
//! committed before the door opens (invariant 1) and closed exactly once,
//! completed or cancelled (invariant 3). Completing an intent changes the
//! slot contents and appends its event in the same transaction, so a crash
//! can never leave a book lent without its event, or an event twice.

use super::items::item_exists;
use super::outbox::{OutboxEvent, append_in};
use super::slots::slot_in;
use super::{Result, Store, StoreError, bad_row, count_u32, slot_no, timestamp};
use crate::domain::{EventBody, ForeignBook, IntentId, IntentKind, IntentSpec, ItemId, PatronId, SlotKind, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

/// Where an intent stands (the `state` column: serde's names, derived).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum IntentState {
    Open,
    Completed,
    Cancelled,
}

impl IntentState {
    fn parse(raw: &str) -> Result<Self> {
        raw.parse().map_err(|_| bad_row("intents", format!("unknown state {raw:?}")))
    }
}

/// An intent as the journal holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// What closing it refers to.
    pub id: IntentId,
    /// What it is for, as the engine wrote it (`item` set later for a restock).
    pub spec: IntentSpec,
    /// Open until it gets its one outcome.
    pub state: IntentState,
    /// When the engine wrote it (before the door opened).
    pub created_at: Timestamp,
    /// When the outcome was written; `None` while open.
    pub closed_at: Option<Timestamp>,
    /// Why it was cancelled, for staff.
    pub note: Option<String>,
}

const COLUMNS: &str = "id, kind, slot_no, item_id, patron_id, hold_id, offline, drops_at_start, state, created_at, \
                       closed_at, note, library, (SELECT title FROM items WHERE items.item_id = intents.item_id)";

fn intent_from_row(row: &Row<'_>) -> Result<Intent> {
    let kind: String = row.get(1)?;
    let state: String = row.get(8)?;
    Ok(Intent {
        id: IntentId(row.get(0)?),
        spec: IntentSpec {
            kind: IntentKind::parse(&kind).ok_or_else(|| bad_row("intents", format!("unknown kind {kind:?}")))?,
            slot: slot_no("intents", row.get(2)?)?,
            item: row.get::<_, Option<String>>(3)?.map(ItemId),
            patron: row.get::<_, Option<String>>(4)?.map(PatronId),
            hold_id: row.get(5)?,
            offline: row.get(6)?,
            drops_at_start: row
                .get::<_, Option<i64>>(7)?
                .map(|n| count_u32("intents", "drops_at_start", n))
                .transpose()?,
            foreign: match row.get::<_, Option<String>>(12)? {
                Some(library) => {
                    let title = row.get::<_, Option<String>>(13)?.unwrap_or_default();
                    Some(ForeignBook { library, title })
                }
                None => None,
            },
        },
        state: IntentState::parse(&state)?,
        created_at: Timestamp(row.get(9)?),
        closed_at: timestamp(row.get(10)?),
        note: row.get(11)?,
    })
}

fn intent_in(conn: &Connection, id: IntentId) -> Result<Option<Intent>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM intents WHERE id = ?1"))?;
    let mut rows = stmt.query([id.0])?;
    rows.next()?.map(intent_from_row).transpose()
}

/// The intent, if it exists and is open: the only state it may close from.
fn open_intent_in(conn: &Connection, id: IntentId) -> Result<Intent> {
    intent_in(conn, id)?.filter(|i| i.state == IntentState::Open).ok_or(StoreError::IntentNotOpen(id))
}

/// The book an event is about, for checking it against its intent.
fn event_item(event: &EventBody) -> Option<&ItemId> {
    match event {
        EventBody::Loan { item_id, .. }
        | EventBody::HoldPickup { item_id, .. }
        | EventBody::Return { item_id, .. }
        | EventBody::Restock { item_id, .. } => Some(item_id),
        _ => None,
    }
}

/// Refuse an event that does not report this intent: the event is what the
/// district will believe happened.
fn check_event(intent: &Intent, event: &EventBody) -> Result<()> {
    if event.kind().as_str() != intent.spec.kind.as_str() {
        return Err(StoreError::Conflict(format!(
            "intent {} is a {} but its event is a {}",
            intent.id,
            intent.spec.kind.as_str(),
            event.kind()
        )));
    }
    if let (Some(expected), Some(got)) = (&intent.spec.item, event_item(event))
        && expected != got
    {
        return Err(StoreError::Conflict(format!(
            "intent {} is about item {expected}, its event about {got}",
            intent.id
        )));
    }
    Ok(())
}

fn require_item(intent: &Intent) -> Result<&ItemId> {
    intent.spec.item.as_ref().ok_or_else(|| {
        StoreError::Conflict(format!("{} intent {} names no item", intent.spec.kind.as_str(), intent.id))
    })
}

fn require_known(conn: &Connection, item: &ItemId) -> Result<()> {
    if item_exists(conn, item)? {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!("item {item} is not in the catalogue")))
    }
}

/// What a completed intent did to the cabinet.
fn apply_effect(conn: &Connection, intent: &Intent) -> Result<()> {
    let slot = intent.spec.slot.0;
    match intent.spec.kind {
        IntentKind::Loan | IntentKind::HoldPickup => {
            let in_slot = slot_in(conn, intent.spec.slot)?.and_then(|(_, item)| item);
            conn.execute("UPDATE slots SET item_id = NULL WHERE slot_no = ?1", [slot])?;
            if let Some(item) = intent.spec.item.as_ref().or(in_slot.as_ref()) {
                conn.execute("UPDATE items SET hold_for = NULL, hold_id = NULL WHERE item_id = ?1", [item.as_str()])?;
            }
        }
        IntentKind::Return => {
            let item = require_item(intent)?;
            require_known(conn, item)?;
            // The book is in the bin whatever the lockers said: a book is in
            // one place, and the physical fact wins.
            conn.execute("UPDATE slots SET item_id = NULL WHERE item_id = ?1", [item.as_str()])?;
            conn.execute(
                "INSERT INTO bin_contents (item_id, returned_at) VALUES (?1, ?2)
                 ON CONFLICT (item_id) DO UPDATE SET returned_at = excluded.returned_at",
                params![item.as_str(), intent.closed_at.unwrap_or(intent.created_at).millis()],
            )?;
        }
        IntentKind::Restock => {
            let item = require_item(intent)?;
            require_known(conn, item)?;
            // Staff may restock a book from the bin or move one between
            // lockers; it leaves wherever it was.
            conn.execute(
                "UPDATE slots SET item_id = NULL WHERE item_id = ?1 AND slot_no <> ?2",
                params![item.as_str(), slot],
            )?;
            conn.execute("DELETE FROM bin_contents WHERE item_id = ?1", [item.as_str()])?;
            conn.execute("UPDATE slots SET item_id = ?2 WHERE slot_no = ?1", params![slot, item.as_str()])?;
        }
    }
    Ok(())
}

impl Store {
    /// Write an intent; once this returns, its door may open. A slot has at
    /// most one open intent, and a return goes to the bin while everything
    /// else goes to a locker.
    pub fn begin_intent(&mut self, new: &IntentSpec, now: Timestamp) -> Result<IntentId> {
        let tx = self.write()?;
        let Some((kind, _)) = slot_in(&tx, new.slot)? else {
            return Err(StoreError::Conflict(format!("there is no slot {}", new.slot)));
        };
        let wanted = if new.kind == IntentKind::Return { SlotKind::ReturnBin } else { SlotKind::Locker };
        if kind != wanted {
            return Err(StoreError::Conflict(format!(
                "a {} cannot use slot {} ({kind:?})",
                new.kind.as_str(),
                new.slot
            )));
        }
        let open: Option<i64> = tx
            .query_row("SELECT id FROM intents WHERE slot_no = ?1 AND state = 'open'", [new.slot.0], |r| r.get(0))
            .optional()?;
        if let Some(other) = open {
            return Err(StoreError::Conflict(format!("slot {} already has open intent {other}", new.slot)));
        }
        if let (Some(book), Some(item)) = (&new.foreign, &new.item) {
            // Another library's book: known from now on as that library's,
            // never as this kiosk's (a copy of the kiosk's own stays its own).
            tx.execute(
                "INSERT INTO items (item_id, title, author, category, updated_at, library)
                 VALUES (?1, ?2, '', '', ?3, ?4)
                 ON CONFLICT (item_id) DO UPDATE SET title = excluded.title, library = excluded.library,
                     updated_at = excluded.updated_at
                 WHERE items.library IS NOT NULL",
                params![item.as_str(), book.title, now.millis(), book.library],
            )?;
        }
        tx.execute(
            "INSERT INTO intents (kind, slot_no, item_id, patron_id, hold_id, offline, drops_at_start, state, created_at,
                                  library)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8, ?9)",
            params![
                new.kind.as_str(),
                new.slot.0,
                new.item.as_ref().map(ItemId::as_str),
                new.patron.as_ref().map(PatronId::as_str),
                new.hold_id,
                new.offline,
                new.drops_at_start,
                now.millis(),
                new.foreign.as_ref().map(|b| b.library.as_str()),
            ],
        )?;
        let id = IntentId(tx.last_insert_rowid());
        tx.commit()?;
        Ok(id)
    }

    /// Record the book a restock put in (scanned after the door opened).
    pub fn set_intent_item(&mut self, id: IntentId, item: &ItemId) -> Result<()> {
        let tx = self.write()?;
        let changed = tx.execute(
            "UPDATE intents SET item_id = ?2 WHERE id = ?1 AND state = 'open'",
            params![id.0, item.as_str()],
        )?;
        if changed == 0 {
            return Err(StoreError::IntentNotOpen(id));
        }
        tx.commit()?;
        Ok(())
    }

    /// Close an open intent as completed, apply its effect on slot contents
    /// and append `event` to the outbox, all in one transaction:
    /// Loan/HoldPickup: the slot's item_id becomes NULL and the item's
    /// hold_for/hold_id are cleared; Return: the item goes into
    /// bin_contents; Restock: the slot's item_id becomes the intent's item.
    /// The event is offline when the intent was. Returns the appended event.
    /// Closing an intent that is not open is [`StoreError::IntentNotOpen`]
    /// and changes nothing: exactly one outcome per intent.
    pub fn complete_intent(&mut self, id: IntentId, event: &EventBody, now: Timestamp) -> Result<OutboxEvent> {
        let tx = self.write()?;
        let mut intent = open_intent_in(&tx, id)?;
        check_event(&intent, event)?;
        intent.closed_at = Some(now);
        apply_effect(&tx, &intent)?;
        tx.execute(
            "UPDATE intents SET state = 'completed', closed_at = ?2 WHERE id = ?1",
            params![id.0, now.millis()],
        )?;
        let appended = append_in(&tx, event, intent.spec.offline, now)?;
        tx.commit()?;
        Ok(appended)
    }

    /// Close an open intent as cancelled with a note for staff; `events`
    /// (an alarm, say) are appended in the same transaction, offline when
    /// the intent was. Slot contents do not change.
    pub fn cancel_intent(&mut self, id: IntentId, note: &str, events: &[EventBody], now: Timestamp) -> Result<()> {
        let tx = self.write()?;
        let intent = open_intent_in(&tx, id)?;
        tx.execute(
            "UPDATE intents SET state = 'cancelled', closed_at = ?2, note = ?3 WHERE id = ?1",
            params![id.0, now.millis(), note],
        )?;
        for event in events {
            append_in(&tx, event, intent.spec.offline, now)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Intents still waiting for an outcome, oldest first: what start-up
    /// recovery reconciles.
    pub fn open_intents(&self) -> Result<Vec<Intent>> {
        let mut stmt = self.conn.prepare(&format!("SELECT {COLUMNS} FROM intents WHERE state = 'open' ORDER BY id"))?;
        let mut rows = stmt.query([])?;
        let mut intents = Vec::new();
        while let Some(row) = rows.next()? {
            intents.push(intent_from_row(row)?);
        }
        Ok(intents)
    }

    pub fn intent(&self, id: IntentId) -> Result<Option<Intent>> {
        intent_in(&self.conn, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intent_states_are_named_as_serde_names_them() {
        for state in [IntentState::Open, IntentState::Completed, IntentState::Cancelled] {
            let name: &str = state.into();
            assert_eq!(serde_json::to_value(state).unwrap(), name);
            assert_eq!(IntentState::parse(name).unwrap(), state);
        }
        assert!(IntentState::parse("closed").is_err());
    }
    use crate::domain::{AlarmKind, Item, SlotNo};

    const BIN: SlotNo = SlotNo(4);

    fn store() -> Store {
        let mut store = Store::open_in_memory().unwrap();
        store.ensure_slots(3, BIN).unwrap();
        let items: Vec<Item> = ["MP0001", "MP0002"]
            .iter()
            .map(|id| Item {
                id: ItemId::new(*id),
                title: "t".into(),
                author: "a".into(),
                category: "c".into(),
                category_en: None,
                cover_url: None,
                hold_for: Some(PatronId::new("1000001")),
            })
            .collect();
        store.upsert_items(&items, &[(ItemId::new("MP0001"), "H-1".into())], Timestamp(0)).unwrap();
        store.place_item(SlotNo(1), &ItemId::new("MP0001")).unwrap();
        store
    }

    fn new(kind: IntentKind, slot: SlotNo, item: Option<&str>) -> IntentSpec {
        IntentSpec {
            kind,
            slot,
            item: item.map(ItemId::new),
            patron: Some(PatronId::new("1000001")),
            hold_id: None,
            offline: false,
            drops_at_start: Some(3),
            foreign: None,
        }
    }

    fn pickup() -> EventBody {
        EventBody::HoldPickup {
            item_id: ItemId::new("MP0001"),
            patron_id: PatronId::new("1000001"),
            hold_id: "H-1".into(),
            slot: SlotNo(1),
            due_date: "2026-12-14".into(),
        }
    }

    #[test]
    fn intents_round_trip() {
        let mut store = store();
        let id = store.begin_intent(&new(IntentKind::Return, BIN, Some("MP0002")), Timestamp(100)).unwrap();
        let intent = store.intent(id).unwrap().unwrap();
        assert_eq!(intent.spec.kind, IntentKind::Return);
        assert_eq!(intent.state, IntentState::Open);
        assert_eq!(intent.spec.drops_at_start, Some(3));
        assert_eq!(intent.spec.patron, Some(PatronId::new("1000001")));
        assert_eq!(store.open_intents().unwrap(), vec![intent]);
        assert_eq!(store.intent(IntentId(99)).unwrap(), None);
    }

    #[test]
    fn hold_pickup_clears_the_slot_and_the_hold() {
        let mut store = store();
        let id = store.begin_intent(&new(IntentKind::HoldPickup, SlotNo(1), Some("MP0001")), Timestamp(100)).unwrap();
        let event = store.complete_intent(id, &pickup(), Timestamp(200)).unwrap();
        assert_eq!(event.kind, crate::domain::EventKind::HoldPickup);
        assert_eq!(store.slots().unwrap()[0].item, None);
        let item = store.item(&ItemId::new("MP0001")).unwrap().unwrap();
        assert_eq!(item.hold_for, None);
        assert_eq!(store.hold_id(&ItemId::new("MP0001")).unwrap(), None);
        let closed = store.intent(id).unwrap().unwrap();
        assert_eq!((closed.state, closed.closed_at), (IntentState::Completed, Some(Timestamp(200))));
    }

    #[test]
    fn a_slot_takes_one_open_intent_of_the_right_kind() {
        let mut store = store();
        store.begin_intent(&new(IntentKind::Loan, SlotNo(1), Some("MP0001")), Timestamp(100)).unwrap();
        assert!(matches!(
            store.begin_intent(&new(IntentKind::Loan, SlotNo(1), None), Timestamp(100)),
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            store.begin_intent(&new(IntentKind::Loan, BIN, None), Timestamp(100)),
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            store.begin_intent(&new(IntentKind::Return, SlotNo(2), None), Timestamp(100)),
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            store.begin_intent(&new(IntentKind::Loan, SlotNo(9), None), Timestamp(100)),
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(store.open_intents().unwrap().len(), 1);
    }

    #[test]
    fn an_event_that_does_not_match_its_intent_changes_nothing() {
        let mut store = store();
        let id = store.begin_intent(&new(IntentKind::Loan, SlotNo(1), Some("MP0001")), Timestamp(100)).unwrap();
        let wrong_kind = EventBody::Return { item_id: ItemId::new("MP0001"), library: None };
        assert!(matches!(store.complete_intent(id, &wrong_kind, Timestamp(1)), Err(StoreError::Conflict(_))));
        let wrong_item = EventBody::Loan {
            item_id: ItemId::new("MP0002"),
            patron_id: PatronId::new("1000001"),
            slot: SlotNo(1),
            due_date: "2026-12-14".into(),
        };
        assert!(matches!(store.complete_intent(id, &wrong_item, Timestamp(1)), Err(StoreError::Conflict(_))));
        assert_eq!(store.intent(id).unwrap().unwrap().state, IntentState::Open);
        assert_eq!(store.slots().unwrap()[0].item, Some(ItemId::new("MP0001")));
        assert!(store.outbox(None, 10).unwrap().is_empty());
    }

    #[test]
    fn restock_without_a_scanned_book_cannot_complete() {
        let mut store = store();
        let id = store.begin_intent(&new(IntentKind::Restock, SlotNo(2), None), Timestamp(100)).unwrap();
        let event = EventBody::Restock { item_id: ItemId::new("MP0002"), slot: SlotNo(2) };
        assert!(matches!(store.complete_intent(id, &event, Timestamp(1)), Err(StoreError::Conflict(_))));
        store.set_intent_item(id, &ItemId::new("MP0002")).unwrap();
        store.complete_intent(id, &event, Timestamp(2)).unwrap();
        assert_eq!(store.slot_of(&ItemId::new("MP0002")).unwrap(), Some(SlotNo(2)));
        assert!(matches!(store.set_intent_item(id, &ItemId::new("MP0001")), Err(StoreError::IntentNotOpen(_))));
    }

    #[test]
    fn cancelling_twice_is_refused_and_keeps_the_first_note() {
        let mut store = store();
        let id = store.begin_intent(&new(IntentKind::Loan, SlotNo(1), Some("MP0001")), Timestamp(100)).unwrap();
        let alarm = EventBody::Alarm { alarm: AlarmKind::DoorJammed, slot: Some(SlotNo(1)), item_id: None };
        store.cancel_intent(id, "door jammed", &[alarm], Timestamp(5)).unwrap();
        assert!(
            matches!(store.cancel_intent(id, "again", &[], Timestamp(6)), Err(StoreError::IntentNotOpen(i)) if i == id)
        );
        assert!(matches!(store.complete_intent(id, &pickup(), Timestamp(6)), Err(StoreError::IntentNotOpen(_))));
        assert_eq!(store.intent(id).unwrap().unwrap().note.as_deref(), Some("door jammed"));
        assert_eq!(store.outbox(None, 10).unwrap().len(), 1);
    }
}
