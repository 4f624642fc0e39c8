//! The store against real files: opening and refusing databases, the
//! journal and outbox through whole flows (loan, hold pickup, return,
//! restock, unloading the bin), the sync bookkeeping, the patron cache and
//! the card key, and the async handle.

use bookstation::domain::holdings::Unsynced;
use bookstation::domain::{
    AlarmKind, CardHash, Credential, EventBody, IntentKind, IntentSpec, Item, ItemId, PatronId, PatronStatus, SlotNo,
    Standing, Timestamp,
};
use bookstation::store::{APPLICATION_ID, AsyncStore, CardHasher, IntentState, OutboxState, Store, StoreError};
use std::path::{Path, PathBuf};

const BIN: SlotNo = SlotNo(13);
const T0: Timestamp = Timestamp(1_795_000_000_000);

fn t(secs: i64) -> Timestamp {
    T0.plus_millis(secs * 1000)
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn item(id: &str, hold_for: Option<&str>) -> Item {
    Item {
        id: ItemId::new(id),
        title: format!("Title of {id}"),
        author: "Author".into(),
        category: "소설".into(),
        category_en: Some("Fiction".into()),
        cover_url: Some(format!("https://covers.example/{id}.jpg")),
        hold_for: hold_for.map(PatronId::new),
    }
}

/// A kiosk with 12 lockers, books MP0001..MP0004 (MP0003 held for 1000002)
/// and MP0001..MP0003 in lockers 1..3.
fn stocked(store: &mut Store) {
    store.ensure_slots(12, BIN).unwrap();
    let items = [item("MP0001", None), item("MP0002", None), item("MP0003", Some("1000002")), item("MP0004", None)];
    store.upsert_items(&items, &[(ItemId::new("MP0003"), "H-77".into())], T0).unwrap();
    for (slot, id) in [(1, "MP0001"), (2, "MP0002"), (3, "MP0003")] {
        store.place_item(SlotNo(slot), &ItemId::new(id)).unwrap();
    }
}

fn loan_event(item: &str, patron: &str, slot: u16) -> EventBody {
    EventBody::Loan {
        item_id: ItemId::new(item),
        patron_id: PatronId::new(patron),
        slot: SlotNo(slot),
        due_date: "2026-12-14".into(),
    }
}

fn loan_intent(item: &str, patron: &str, slot: u16, offline: bool) -> IntentSpec {
    IntentSpec {
        kind: IntentKind::Loan,
        slot: SlotNo(slot),
        item: Some(ItemId::new(item)),
        patron: Some(PatronId::new(patron)),
        hold_id: None,
        offline,
        drops_at_start: None,
        foreign: None,
    }
}

fn alarm() -> EventBody {
    EventBody::Alarm { alarm: AlarmKind::BoardNotResponding, slot: None, item_id: None }
}

fn table_names(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

// ---------------------------------------------------------------- opening

#[test]
fn a_new_database_is_migrated_and_reopening_keeps_its_data() {
    let dir = tempdir();
    let path = dir.path().join("kiosk.db");
    {
        let mut store = Store::open(&path).unwrap();
        assert!(store.schema_version().unwrap() > 0);
        stocked(&mut store);
        store.append_event(&alarm(), false, T0).unwrap();
    }
    let tables = table_names(&path);
    for table in ["bin_contents", "intents", "items", "kiosk_state", "outbox", "patron_cache", "slots"] {
        assert!(tables.iter().any(|t| t == table), "{table} missing from {tables:?}");
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.slots().unwrap().len(), 13);
    assert_eq!(store.slot_of(&ItemId::new("MP0002")).unwrap(), Some(SlotNo(2)));
    assert_eq!(store.outbox_stats().unwrap().pending, 1);
    assert_eq!(store.path(), Some(path.as_path()));
}

#[test]
fn an_empty_file_counts_as_new() {
    let dir = tempdir();
    let path = dir.path().join("kiosk.db");
    std::fs::write(&path, b"").unwrap();
    let store = Store::open(&path).unwrap();
    assert!(store.schema_version().unwrap() > 0);
}

#[test]
fn pragmas_read_back() {
    let dir = tempdir();
    let store = Store::open(&dir.path().join("kiosk.db")).unwrap();
    let p = store.pragmas().unwrap();
    assert_eq!(p.journal_mode, "wal");
    assert_eq!(p.synchronous, 2, "FULL");
    assert!(p.foreign_keys);
    assert_eq!(p.busy_timeout_ms, 5000);
}

fn assert_refused_untouched(path: &Path, check: impl Fn(&StoreError) -> bool) {
    let before = std::fs::read(path).unwrap();
    let err = Store::open(path).unwrap_err();
    assert!(check(&err), "unexpected error: {err:?}");
    assert!(err.to_string().contains(&path.display().to_string()), "the message names the file: {err}");
    assert_eq!(std::fs::read(path).unwrap(), before, "the file was changed");
}

#[test]
fn garbage_is_not_a_database_and_is_left_alone() {
    let dir = tempdir();
    let path = dir.path().join("kiosk.db");
    let garbage: Vec<u8> = (0..3 * 4096).map(|_| rand::random::<u8>()).collect();
    std::fs::write(&path, &garbage).unwrap();
    assert_refused_untouched(&path, |e| matches!(e, StoreError::NotADatabase { .. }));
}

#[test]
fn another_programs_database_is_foreign_and_left_alone() {
    let dir = tempdir();
    let path = dir.path().join("kiosk.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hi');",
        )
        .unwrap();
    }
    assert_refused_untouched(&path, |e| matches!(e, StoreError::Foreign { .. }));
    let err = Store::open(&path).unwrap_err();
    assert!(err.to_string().contains("not a Bookstation one"), "{err}");
    assert_eq!(table_names(&path), ["notes"]);
}

#[test]
fn a_damaged_bookstation_database_is_refused_and_left_alone() {
    let dir = tempdir();
    let path = dir.path().join("kiosk.db");
    {
        let mut store = Store::open(&path).unwrap();
        stocked(&mut store);
    } // closing the last connection checkpoints the WAL into the file
    let page_size = 4096;
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() >= 4 * page_size, "the schema spans several pages");
    // Page 3 (1-based) is a table's root page; fill it with garbage.
    for (i, b) in bytes[2 * page_size..3 * page_size].iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();
    assert_refused_untouched(&path, |e| matches!(e, StoreError::Corrupt { .. } | StoreError::NotADatabase { .. }));
    let err = Store::open(&path).unwrap_err();
    assert!(err.to_string().contains("backup"), "tells the operator to restore a backup: {err}");
}

#[test]
fn our_application_id_is_set() {
    let dir = tempdir();
    let path = dir.path().join("kiosk.db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).unwrap();
    assert_eq!(id, APPLICATION_ID);
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    let dir = tempdir();
    let path: PathBuf = dir.path().join("no/such/dir/kiosk.db");
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains("kiosk.db"), "{err}");
}

// ---------------------------------------------------------------- journal

#[test]
fn a_whole_loan() {
    let dir = tempdir();
    let path = dir.path().join("kiosk.db");
    let mut store = Store::open(&path).unwrap();
    stocked(&mut store);

    let id = store.begin_intent(&loan_intent("MP0001", "1000001", 1, true), t(1)).unwrap();
    assert_eq!(store.open_intents().unwrap().len(), 1);
    let event = store.complete_intent(id, &loan_event("MP0001", "1000001", 1), t(2)).unwrap();
    assert_eq!((event.seq, event.kind.as_str(), event.offline), (1, "loan", true));
    assert_eq!(event.state, OutboxState::Pending);
    assert_eq!(event.created_at, t(2));
    assert_eq!(event.id.get_version_num(), 7);
    assert_eq!(store.slots().unwrap()[0].item, None);
    assert_eq!(store.slot_of(&ItemId::new("MP0001")).unwrap(), None);
    assert!(store.open_intents().unwrap().is_empty());
    assert_eq!(store.intent(id).unwrap().unwrap().state, IntentState::Completed);

    let again = store.complete_intent(id, &loan_event("MP0001", "1000001", 1), t(3));
    assert!(matches!(again, Err(StoreError::IntentNotOpen(i)) if i == id));
    assert_eq!(store.outbox(None, 100).unwrap(), vec![event.clone()], "no second event");

    // What was committed is on disk.
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.outbox(None, 100).unwrap(), vec![event]);
    assert_eq!(store.slot_of(&ItemId::new("MP0001")).unwrap(), None);
}

#[test]
fn a_hold_pickup_clears_the_hold() {
    let mut store = Store::open_in_memory().unwrap();
    stocked(&mut store);
    let book = ItemId::new("MP0003");
    let hold_id = store.hold_id(&book).unwrap().unwrap();
    let id = store
        .begin_intent(
            &IntentSpec {
                kind: IntentKind::HoldPickup,
                hold_id: Some(hold_id.clone()),
                ..loan_intent("MP0003", "1000002", 3, false)
            },
            t(1),
        )
        .unwrap();
    let event = EventBody::HoldPickup {
        item_id: book.clone(),
        patron_id: PatronId::new("1000002"),
        hold_id,
        slot: SlotNo(3),
        due_date: "2026-12-14".into(),
    };
    assert_eq!(store.complete_intent(id, &event, t(2)).unwrap().kind.as_str(), "hold_pickup");
    assert_eq!(store.item(&book).unwrap().unwrap().hold_for, None);
    assert_eq!(store.hold_id(&book).unwrap(), None);
    assert_eq!(store.slot_of(&book).unwrap(), None);
}

#[test]
fn a_cancelled_loan_keeps_the_book_and_records_the_alarm() {
    let mut store = Store::open_in_memory().unwrap();
    stocked(&mut store);
    let id = store.begin_intent(&loan_intent("MP0002", "1000001", 2, false), t(1)).unwrap();
    let jammed = EventBody::Alarm { alarm: AlarmKind::DoorJammed, slot: Some(SlotNo(2)), item_id: None };
    store.cancel_intent(id, "door did not open", std::slice::from_ref(&jammed), t(2)).unwrap();
    let intent = store.intent(id).unwrap().unwrap();
    assert_eq!(intent.state, IntentState::Cancelled);
    assert_eq!(intent.note.as_deref(), Some("door did not open"));
    assert_eq!(intent.closed_at, Some(t(2)));
    assert_eq!(store.slot_of(&ItemId::new("MP0002")).unwrap(), Some(SlotNo(2)));
    let events = store.outbox(None, 10).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].body, jammed);
    assert!(matches!(store.cancel_intent(id, "twice", &[alarm()], t(3)), Err(StoreError::IntentNotOpen(_))));
    assert_eq!(store.outbox(None, 10).unwrap().len(), 1);
}

#[test]
fn return_restock_and_unloading_the_bin() {
    let mut store = Store::open_in_memory().unwrap();
    stocked(&mut store);

    // MP0004 was out on loan; it comes back down the chute.
    let ret = store
        .begin_intent(
            &IntentSpec {
                kind: IntentKind::Return,
                slot: BIN,
                item: Some(ItemId::new("MP0004")),
                patron: None,
                hold_id: None,
                offline: false,
                drops_at_start: Some(41),
                foreign: None,
            },
            t(1),
        )
        .unwrap();
    assert_eq!(store.intent(ret).unwrap().unwrap().spec.drops_at_start, Some(41));
    let event =
        store.complete_intent(ret, &EventBody::Return { item_id: ItemId::new("MP0004"), library: None }, t(2)).unwrap();
    assert_eq!(event.kind.as_str(), "return");
    assert_eq!(store.bin_items().unwrap(), [ItemId::new("MP0004")]);

    // Staff unload the bin, then put the book in locker 4.
    assert_eq!(store.unload_bin(&"S001".into(), t(3)).unwrap(), [ItemId::new("MP0004")]);
    assert!(store.bin_items().unwrap().is_empty());
    let unloaded = store.outbox(None, 10).unwrap().pop().unwrap();
    assert_eq!(unloaded.body, EventBody::BinUnloaded { items: vec![ItemId::new("MP0004")] });

    let restock = store
        .begin_intent(
            &IntentSpec {
                kind: IntentKind::Restock,
                slot: SlotNo(4),
                item: None,
                patron: None,
                hold_id: None,
                offline: false,
                drops_at_start: None,
                foreign: None,
            },
            t(4),
        )
        .unwrap();
    store.set_intent_item(restock, &ItemId::new("MP0004")).unwrap();
    let event = EventBody::Restock { item_id: ItemId::new("MP0004"), slot: SlotNo(4) };
    store.complete_intent(restock, &event, t(5)).unwrap();
    assert_eq!(store.slot_of(&ItemId::new("MP0004")).unwrap(), Some(SlotNo(4)));
    let kinds: Vec<String> = store.outbox(None, 10).unwrap().into_iter().map(|e| e.kind.as_str().to_owned()).collect();
    assert_eq!(kinds, ["return", "bin_unloaded", "restock"]);
    let seqs: Vec<i64> = store.outbox(None, 10).unwrap().into_iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
}

// ---------------------------------------------------------------- outbox

#[test]
fn the_sync_bookkeeping() {
    let mut store = Store::open_in_memory().unwrap();
    let a = store.append_event(&loan_event("MP0001", "1000001", 1), false, t(1)).unwrap();
    let b = store.append_event(&alarm(), false, t(2)).unwrap();
    let c = store.append_event(&alarm(), false, t(3)).unwrap();
    let d = store.append_event(&alarm(), false, t(4)).unwrap();
    assert!(a.id < b.id && b.id < c.id, "ids sort with time");

    let due = store.due_batch(t(10), 2).unwrap();
    assert_eq!(due.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);

    store.mark_failed(&[a.id, b.id], "connection refused", t(60)).unwrap();
    let failed = store.outbox(Some(OutboxState::Pending), 10).unwrap();
    assert_eq!((failed[0].attempts, failed[0].next_attempt_at), (1, Some(t(60))));
    assert_eq!(failed[0].last_error.as_deref(), Some("connection refused"));
    assert_eq!(failed[2].attempts, 0);
    assert!(store.due_batch(t(59), 10).unwrap().is_empty(), "nothing overtakes the events backing off");
    assert_eq!(store.due_batch(t(60), 10).unwrap().len(), 4);
    store.mark_failed(&[a.id], "timeout", t(120)).unwrap();
    assert_eq!(store.outbox(None, 1).unwrap()[0].attempts, 2);

    store.mark_acked(&[a.id, b.id]).unwrap();
    store.mark_rejected(c.id, "unknown item").unwrap();
    store.mark_acked(&[c.id]).unwrap(); // a late ack does not undo the rejection
    let rejected = store.outbox(Some(OutboxState::Rejected), 10).unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].last_error.as_deref(), Some("unknown item"));
    let acked = store.outbox(Some(OutboxState::Acked), 10).unwrap();
    assert_eq!(acked.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(acked[0].next_attempt_at, None);

    let due = store.due_batch(t(0), 10).unwrap();
    assert_eq!(due.iter().map(|e| e.id).collect::<Vec<_>>(), [d.id]);

    let stats = store.outbox_stats().unwrap();
    assert_eq!((stats.pending, stats.acked, stats.rejected), (1, 2, 1));
    assert_eq!(stats.oldest_pending_at, Some(t(4)));
    assert_eq!(stats.last_seq, 4);
}

#[test]
fn empty_outbox_stats() {
    let store = Store::open_in_memory().unwrap();
    let stats = store.outbox_stats().unwrap();
    assert_eq!(
        (stats.pending, stats.acked, stats.rejected, stats.oldest_pending_at, stats.last_seq),
        (0, 0, 0, None, 0)
    );
}

/// Loans and hold pickups of this patron the district has not yet heard
/// about, which its counts do not include.
fn pending_loans(store: &Store, patron: &PatronId) -> Result<usize, StoreError> {
    let record = store.kiosk_record(patron)?;
    Ok(record.unsynced.iter().filter(|u| matches!(u, Unsynced::Lent(_))).count())
}

#[test]
fn lending_counts_for_the_rules() {
    let mut store = Store::open_in_memory().unwrap();
    let me = PatronId::new("1000001");
    let other = PatronId::new("1000002");
    let online = store.append_event(&loan_event("MP0001", "1000001", 1), false, t(1)).unwrap();
    store.append_event(&loan_event("MP0002", "1000001", 2), true, t(100)).unwrap();
    store.append_event(&loan_event("MP0003", "1000002", 3), true, t(200)).unwrap();
    store.append_event(&alarm(), true, t(300)).unwrap();

    assert_eq!(pending_loans(&store, &me).unwrap(), 2);
    assert_eq!(pending_loans(&store, &other).unwrap(), 1);
    store.mark_acked(&[online.id]).unwrap();
    assert_eq!(pending_loans(&store, &me).unwrap(), 1);
    assert_eq!(pending_loans(&store, &PatronId::new("nobody")).unwrap(), 0);

    assert_eq!(store.offline_loans_since(t(0), None).unwrap(), 2);
    assert_eq!(store.offline_loans_since(t(100), None).unwrap(), 2, "at `since` counts");
    assert_eq!(store.offline_loans_since(t(101), None).unwrap(), 1);
    assert_eq!(store.offline_loans_since(t(0), Some(&me)).unwrap(), 1);
    assert_eq!(store.offline_loans_since(t(150), Some(&me)).unwrap(), 0);
}

#[test]
fn scrubbing_removes_patron_ids_from_old_acked_events_only() {
    let mut store = Store::open_in_memory().unwrap();
    let old_acked = store.append_event(&loan_event("MP0001", "1000001", 1), false, t(1)).unwrap();
    let old_pending = store.append_event(&loan_event("MP0002", "1000001", 2), false, t(2)).unwrap();
    let new_acked = store.append_event(&loan_event("MP0003", "1000001", 3), false, t(100)).unwrap();
    store.mark_acked(&[old_acked.id, new_acked.id]).unwrap();

    assert_eq!(store.scrub_patron_identity(t(50)).unwrap(), 1);
    assert_eq!(store.scrub_patron_identity(t(50)).unwrap(), 0, "nothing left to scrub");

    let events = store.outbox(None, 10).unwrap();
    let patron = |e: &EventBody| e.patron().map(|p| p.as_str().to_owned());
    assert_eq!(patron(&events[0].body).as_deref(), Some(""), "scrubbed");
    assert_eq!(patron(&events[1].body).as_deref(), Some("1000001"), "still pending");
    assert_eq!(patron(&events[2].body).as_deref(), Some("1000001"), "not old enough");
    assert_eq!(events[1].id, old_pending.id);
    assert_eq!(pending_loans(&store, &PatronId::new("1000001")).unwrap(), 1);
}

#[test]
fn scrubbing_clears_patrons_of_old_closed_intents() {
    let mut store = Store::open_in_memory().unwrap();
    stocked(&mut store);
    let id = store.begin_intent(&loan_intent("MP0001", "1000001", 1, false), t(1)).unwrap();
    let event = store.complete_intent(id, &loan_event("MP0001", "1000001", 1), t(2)).unwrap();
    let open = store.begin_intent(&loan_intent("MP0002", "1000001", 2, false), t(3)).unwrap();
    store.mark_acked(&[event.id]).unwrap();
    assert_eq!(store.scrub_patron_identity(t(50)).unwrap(), 2, "one event and one intent");
    assert_eq!(store.intent(id).unwrap().unwrap().spec.patron, None);
    assert_eq!(store.intent(open).unwrap().unwrap().spec.patron, Some(PatronId::new("1000001")));
}

// ---------------------------------------------------------------- staff switches

#[test]
fn out_of_service_and_outage_survive_a_restart() {
    let dir = tempdir();
    let path = dir.path().join("kiosk.db");
    {
        let mut store = Store::open(&path).unwrap();
        stocked(&mut store);
        store.set_outage_started_at(Some(t(5))).unwrap();
        let event = EventBody::OutOfService { slot: Some(SlotNo(4)), out_of_service: true, staff_id: "S001".into() };
        store.set_slot_out_of_service(SlotNo(4), true, Some((&event, t(6)))).unwrap();
        store.set_kiosk_out_of_service(true, None).unwrap();
        store.set_slot_fault(SlotNo(5), Some("door did not open")).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.outage_started_at().unwrap(), Some(t(5)));
    assert!(store.kiosk_out_of_service().unwrap());
    let slots = store.slots().unwrap();
    assert!(slots[3].out_of_service);
    assert_eq!(slots[4].fault.as_deref(), Some("door did not open"));
    let events = store.outbox(None, 10).unwrap();
    assert_eq!(events.len(), 1);
    assert!(events[0].offline, "staff events during an outage are offline");
}

// ---------------------------------------------------------------- patrons

fn status() -> PatronStatus {
    PatronStatus {
        patron_id: PatronId::new("1000001"),
        standing: Standing::Good,
        suspended_until: None,
        overdue_items: 0,
        loans_total: 2,
        loans_here: 1,
        loans: vec![],
        ready_holds: vec![bookstation::domain::Hold {
            hold_id: "H-1".into(),
            item_id: ItemId::new("MP0003"),
            keep_until: None,
        }],
    }
}

#[test]
fn the_patron_cache_keys_by_card_hash_and_drops_ready_holds() {
    let dir = tempdir();
    let hasher = CardHasher::create(&dir.path().join("card.key")).unwrap();
    let card = Credential::card("04A1B2C3D4E5F6").unwrap();
    let hash = hasher.hash(&card);
    let path = dir.path().join("kiosk.db");
    {
        let mut store = Store::open(&path).unwrap();
        store.cache_patron(&hash, &status(), None, t(1)).unwrap();
    }
    let store = Store::open(&path).unwrap();
    let cached = store.cached_patron(&hash).unwrap().unwrap();
    assert_eq!(cached.seen_online_at, t(1));
    assert_eq!(cached.status, PatronStatus { ready_holds: vec![], ..status() });
    assert_eq!(store.cached_patron(&CardHash([0; 32])).unwrap(), None);
    drop(store);
    let raw = std::fs::read(&path).unwrap();
    assert!(!raw.windows(14).any(|w| w == b"04A1B2C3D4E5F6"), "no card UID in the file");
}

#[test]
fn the_card_key_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let path = dir.path().join("card.key");
    let card = Credential::member_number("1000001").unwrap();
    let first = CardHasher::create(&path).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let key = std::fs::read(&path).unwrap();
    let again = CardHasher::load(&path).unwrap().expect("the key");
    // Creating again reads the key there, never replaces it.
    assert_eq!(CardHasher::create(&path).unwrap().hash(&card), first.hash(&card));
    assert_eq!(first.hash(&card), again.hash(&card));
    assert_eq!(std::fs::read(&path).unwrap(), key, "never rewritten");
    assert_ne!(first.hash(&card), CardHasher::from_key([9; 32]).hash(&card));
    assert_eq!(format!("{first:?}"), r#"CardHasher { key: "<redacted>" }"#);

    let bad = dir.path().join("bad.key");
    std::fs::write(&bad, [1u8; 31]).unwrap();
    let err = CardHasher::load(&bad).unwrap_err();
    assert!(matches!(err, StoreError::KeyLength { len: 31, .. }), "{err:?}");
    assert!(err.to_string().contains("bad.key"), "{err}");
    assert_eq!(std::fs::read(&bad).unwrap(), [1u8; 31]);
}

// ---------------------------------------------------------------- async

#[tokio::test]
async fn the_async_store_runs_a_loan() {
    let dir = tempdir();
    let store = AsyncStore::open(dir.path().join("kiosk.db")).await.unwrap();
    store.call(stocked).await.unwrap();
    let id = store.call(|s| s.begin_intent(&loan_intent("MP0001", "1000001", 1, false), t(1))).await.unwrap().unwrap();
    let event =
        store.call(move |s| s.complete_intent(id, &loan_event("MP0001", "1000001", 1), t(2))).await.unwrap().unwrap();
    assert_eq!(event.seq, 1);
    let from_clone = store.clone().call(|s| s.outbox_stats()).await.unwrap().unwrap();
    assert_eq!(from_clone.pending, 1);
}
