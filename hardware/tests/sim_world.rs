//! Cross-module tests of the simulated world: the daemon's view through the
//! device traits (as trait objects, as the daemon will hold them) and the
//! world file surviving a restart.

use std::fs;
use std::sync::Arc;

use bookstation_hardware::{
    CardEvent, CardReader, ErrorKind, LockerBoard, Scanner, SimError, SimLayout, SimWorld, SlotStatus,
};

/// The readings in `new` that differ from `old`'s for the same slot (or are
/// new): what changed between two polls.
fn changed_slots(old: &[SlotStatus], new: &[SlotStatus]) -> Vec<SlotStatus> {
    new.iter().filter(|n| old.iter().find(|o| o.slot == n.slot) != Some(*n)).copied().collect()
}

const LAYOUT: SimLayout = SimLayout { lockers: 4, return_bin: 100 };

fn status(slot: u16, door_open: bool, item_present: bool, drop_count: u32) -> SlotStatus {
    SlotStatus { slot, door_open, item_present, drop_count }
}

#[tokio::test]
async fn pickup_sequence_seen_through_polling() {
    let world = SimWorld::in_memory(LAYOUT);
    world.place(2, "BOOK-2").unwrap();
    let board: Arc<dyn LockerBoard> = Arc::new(world.board());
    assert_eq!(board.slots(), vec![1, 2, 3, 4, 100]);

    let before = board.read_all().await.unwrap();
    assert_eq!(before[1], status(2, false, true, 0));

    board.open(2).await.unwrap();
    let opened = board.read_all().await.unwrap();
    assert_eq!(changed_slots(&before, &opened), vec![status(2, true, true, 0)]);

    assert_eq!(world.take(2).unwrap(), "BOOK-2");
    let taken = board.read_all().await.unwrap();
    assert_eq!(changed_slots(&opened, &taken), vec![status(2, true, false, 0)]);

    world.close(2).unwrap();
    let closed = board.read_all().await.unwrap();
    assert_eq!(changed_slots(&taken, &closed), vec![status(2, false, false, 0)]);
    assert!(changed_slots(&closed, &board.read_all().await.unwrap()).is_empty());
}

#[tokio::test]
async fn each_return_is_visible_even_into_a_full_bin() {
    let world = SimWorld::in_memory(LAYOUT);
    let board = world.board();
    board.open(100).await.unwrap();
    world.put(100, "R1").unwrap();
    let first = board.read_all().await.unwrap();
    world.put(100, "R2").unwrap();
    let second = board.read_all().await.unwrap();
    // item_present was already true: only the counter shows the second book.
    assert_eq!(changed_slots(&first, &second), vec![status(100, true, true, 2)]);
}

#[tokio::test]
async fn devices_work_as_trait_objects() {
    let world = SimWorld::in_memory(LAYOUT);
    let mut reader: Box<dyn CardReader> = Box::new(world.card_reader().unwrap());
    let mut scanner: Box<dyn Scanner> = Box::new(world.scanner().unwrap());
    world.tap_card("04A1B2C3D4E5F6");
    world.scan("9780140449136\n");
    world.remove_card();
    let tapped = reader.next_event().await.unwrap();
    assert!(!format!("{tapped:?}").contains("04A1B2C3D4E5F6"));
    assert_eq!(tapped, CardEvent::Tapped { uid: "04A1B2C3D4E5F6".into() });
    assert_eq!(reader.next_event().await.unwrap(), CardEvent::Removed);
    assert_eq!(scanner.next_scan().await.unwrap(), "9780140449136");
}

#[tokio::test]
async fn world_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("world.json");

    let world = SimWorld::open(&path, LAYOUT).unwrap();
    assert!(path.exists(), "a new world is written at once");
    world.place(1, "B1").unwrap();
    world.place(3, "B3").unwrap();
    let board = world.board();
    board.open(3).await.unwrap();
    board.open(100).await.unwrap();
    world.put(100, "R1").unwrap();
    world.jam(4, true).unwrap();
    world.set_network(false);
    world.set_board_online(false);
    world.tap_card("AABBCCDD");
    let before = world.snapshot();
    drop(board);
    drop(world);

    let again = SimWorld::open(&path, LAYOUT).unwrap();
    let after = again.snapshot();
    // The card was on the reader, but cards are not physical state of the
    // kiosk: a restarted reader starts empty.
    assert!(before.card_present && !after.card_present);
    assert_eq!(bookstation_hardware::WorldSnapshot { card_present: true, ..after }, before);

    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("\n  \"slots\""), "pretty JSON:\n{text}");
    assert!(!text.contains("AABBCCDD"), "cards are never written");
}

#[test]
fn garbage_file_is_corrupt_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("world.json");
    let garbage = b"{ \"lockers\": this is not a world";
    fs::write(&path, garbage).unwrap();
    match SimWorld::open(&path, LAYOUT) {
        Err(SimError::Corrupt { path: p, .. }) => assert_eq!(p, path),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert_eq!(fs::read(&path).unwrap(), garbage);

    fs::write(&path, b"").unwrap();
    assert!(matches!(SimWorld::open(&path, LAYOUT), Err(SimError::Corrupt { .. })));
    assert_eq!(fs::read(&path).unwrap(), b"");
}

#[test]
fn layout_mismatch_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("world.json");
    drop(SimWorld::open(&path, LAYOUT).unwrap());
    let stored = fs::read(&path).unwrap();
    let other = SimLayout { lockers: 5, return_bin: 100 };
    let err = SimWorld::open(&path, other).unwrap_err();
    assert!(
        matches!(err, SimError::LayoutMismatch { stored, requested, .. } if stored == LAYOUT && requested == other),
        "{err:?}"
    );
    assert_eq!(fs::read(&path).unwrap(), stored);
}

#[test]
fn bad_layout_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("world.json");
    let bad = SimLayout { lockers: 4, return_bin: 2 };
    assert!(matches!(SimWorld::open(&path, bad), Err(SimError::BadLayout(_))));
    assert!(!path.exists());
}

#[tokio::test]
async fn failed_write_leaves_the_world_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("state");
    fs::create_dir(&sub).unwrap();
    let path = sub.join("world.json");
    let world = SimWorld::open(&path, LAYOUT).unwrap();
    let before = world.snapshot();
    // Pulling the directory away makes every further write fail.
    fs::remove_dir_all(&sub).unwrap();

    assert!(matches!(world.place(1, "B1"), Err(SimError::Io { .. })));
    let err = world.board().open(1).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Other);
    assert_eq!(world.snapshot(), before);

    // Methods that cannot report failure still take effect in memory.
    world.set_network(false);
    assert!(!world.network_up());
}

#[test]
fn missing_directory_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent").join("world.json");
    assert!(matches!(SimWorld::open(&path, LAYOUT), Err(SimError::Io { .. })));
}
