//! The records stay true to the lockers and the guards hold: one test per
//! defect of issue 10, each through the engine, the runner, a real SQLite
//! store and the simulated world, on a virtual clock.

mod common;

use common::*;
use serde_json::json;

/// Staff open a locker, take its book out and close the door.
async fn staff_empties_locker(k: &mut Kiosk, slot: u16) {
    k.staff_login().await;
    k.act(json!({"action": "open_slot", "slot": slot})).await;
    k.take(slot).await;
    k.close(slot).await;
    k.act(json!({"action": "logout"})).await;
    assert_eq!(k.screen(), Screen::Attract, "{:?}", k.view());
}

async fn fault_codes(k: &Kiosk) -> Vec<(String, Option<u16>)> {
    let health = k.runner.health().await.expect("health");
    health.faults.iter().map(|f| (serde_json::to_value(f.code).unwrap().as_str().unwrap().to_owned(), f.slot)).collect()
}

#[tokio::test]
async fn a_book_staff_took_out_is_not_offered_and_not_lent() {
    let mut k = Kiosk::new().await;
    staff_empties_locker(&mut k, 6).await;
    assert!(fault_codes(&k).await.contains(&("book_missing".into(), Some(6))), "{:?}", fault_codes(&k).await);
    k.login(GOOD).await;
    k.act(json!({"action": "browse"})).await;
    let ids = k.item_ids();
    assert!(!ids.contains(&"MP0006".to_owned()), "an empty locker's book is not listed: {ids:?}");
    k.select("MP0006").await;
    assert_eq!(k.notice(), Some(NoticeKey::Refusal(RefusalReason::ItemNotAvailable)));
    assert!(k.view().selected.is_empty());
    assert!(!k.event_kinds().await.contains(&"loan".to_owned()));
    // Putting the book back clears the fault and offers it again.
    k.act(json!({"action": "logout"})).await;
    k.staff_login().await;
    k.act(json!({"action": "open_slot", "slot": 6})).await;
    k.put(6, "MP0006").await;
    k.close(6).await;
    k.act(json!({"action": "logout"})).await;
    assert!(!fault_codes(&k).await.iter().any(|(c, _)| c == "book_missing"));
    k.login(GOOD).await;
    k.act(json!({"action": "browse"})).await;
    k.select("MP0006").await;
    assert_eq!(k.view().selected.len(), 1, "{:?}", k.view());
}

#[tokio::test]
async fn a_hold_whose_book_is_gone_is_not_offered() {
    let mut k = Kiosk::new().await;
    staff_empties_locker(&mut k, 40).await;
    k.login(HOLDER).await;
    k.act(json!({"action": "pickup_holds"})).await;
    assert_eq!(k.notice(), Some(NoticeKey::NoHoldsHere), "{:?}", k.view());
    assert!(k.event_kinds().await.iter().all(|e| e != "hold_pickup"));
}

#[tokio::test]
async fn a_restock_counts_only_a_book_that_went_in() {
    let mut k = Kiosk::new().await;
    staff_empties_locker(&mut k, 6).await;
    k.staff_login().await;
    // The record still names MP0006; a missing book's locker may be restocked.
    k.act(json!({"action": "restock", "slot": 6})).await;
    assert_eq!(k.staff_task(), StaffStep::RestockScan, "{:?}", k.view());
    k.scan("MP0006").await;
    k.close(6).await;
    assert_eq!(k.staff_task(), StaffStep::RestockClose, "closed empty: still waiting for the book");
    k.act(json!({"action": "back"})).await;
    assert_eq!(k.notice(), Some(NoticeKey::RestockCancelled), "given up: nothing went in");
    k.act(json!({"action": "restock", "slot": 6})).await;
    k.scan("MP0006").await;
    k.put(6, "MP0006").await;
    k.close(6).await;
    assert_eq!(k.notice(), Some(NoticeKey::Restocked), "{:?}", k.view());
    assert_eq!(k.slot_item(6).await.as_deref(), Some("MP0006"));
    assert!(!fault_codes(&k).await.iter().any(|(c, _)| c == "book_missing"));
}

#[tokio::test]
async fn a_foreign_book_on_the_start_screen_says_where_it_belongs() {
    let mut k = Kiosk::new().await;
    k.scan("SEOCHO-0042").await;
    assert_eq!(k.screen(), Screen::Refusal, "{:?}", k.view());
    assert_eq!(k.refusal(), Some(RefusalReason::ItemNotFromThisKiosk));
    assert_eq!(k.view().refusal.map(|r| r.help_key).as_deref(), Some("help.item_not_from_this_kiosk"));
    k.act(json!({"action": "back"})).await;
    assert_eq!(k.screen(), Screen::Attract);
}

/// A patron returns `item` at the bin: scan, drop, close.
async fn return_book(k: &mut Kiosk, item: &str) {
    k.scan(item).await;
    assert_eq!(k.return_step(), ReturnStep::InsertBook, "{:?}", k.view());
    k.put(41, item).await;
    k.close(41).await;
    assert_eq!(k.notice(), Some(NoticeKey::Returned), "{:?}", k.view());
}

async fn wrong_pin(k: &mut Kiosk) {
    k.act(json!({"action": "pin", "pin": "0000"})).await;
}

#[tokio::test]
async fn offline_sign_in_checks_the_pin() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    assert_eq!(k.screen(), Screen::Home);
    k.act(json!({"action": "logout"})).await;
    k.world.set_network(false);
    k.tap(GOOD).await;
    wrong_pin(&mut k).await;
    assert_eq!((k.screen(), k.notice()), (Screen::Pin, Some(NoticeKey::WrongPin)), "{:?}", k.view());
    wrong_pin(&mut k).await;
    wrong_pin(&mut k).await;
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked), "wrong PINs offline count like online ones");
    k.act(json!({"action": "logout"})).await;
    k.advance(5 * 60).await;
    k.login(GOOD).await;
    assert_eq!(k.screen(), Screen::Home, "{:?}", k.view());
    assert!(k.patron().offline);
}

#[tokio::test]
async fn a_credential_never_seen_with_its_pin_gets_no_offline_loan() {
    let mut k = Kiosk::new().await;
    k.world.set_network(false);
    k.login(GOOD).await;
    assert_eq!(k.refusal(), Some(RefusalReason::OfflineNotEligible));
}

#[tokio::test]
async fn a_cached_patron_without_a_pin_verifier_gets_no_offline_loan() {
    // Seen online while the kiosk asked for no PIN: cached, but no verifier.
    let mut k = Kiosk::with_config(|c| c.kiosk.require_patron_pin = false).await;
    k.tap(GOOD).await;
    assert_eq!(k.screen(), Screen::Home, "{:?}", k.view());
    k.act(json!({"action": "logout"})).await;
    k.config.kiosk.require_patron_pin = true;
    let mut k = k.restart().await;
    k.world.set_network(false);
    k.login(GOOD).await;
    assert_eq!(k.refusal(), Some(RefusalReason::OfflineNotEligible), "no verifier, no offline loan: {:?}", k.view());
}

#[tokio::test]
async fn the_lock_out_is_per_patron_and_survives_a_restart() {
    let mut k = Kiosk::new().await;
    k.tap(GOOD).await;
    for _ in 0..3 {
        wrong_pin(&mut k).await;
    }
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked));
    k.act(json!({"action": "logout"})).await;
    // The same patron's member number and QR code, with the right PIN.
    k.act(json!({"action": "member_number", "number": "1000001"})).await;
    if k.screen() == Screen::Pin {
        k.act(json!({"action": "pin", "pin": PIN})).await;
    }
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked), "{:?}", k.view());
    k.act(json!({"action": "logout"})).await;
    k.scan("MAPO-MEMBER:1000001").await;
    if k.screen() == Screen::Pin {
        k.act(json!({"action": "pin", "pin": PIN})).await;
    }
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked), "{:?}", k.view());
    k.act(json!({"action": "logout"})).await;
    let mut k = k.restart().await;
    k.tap(GOOD).await;
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked), "a restart unlocks nothing");
    k.act(json!({"action": "logout"})).await;
    // The delays grow: the second lock-out lasts ten minutes.
    k.advance(5 * 60).await;
    k.tap(GOOD).await;
    for _ in 0..3 {
        wrong_pin(&mut k).await;
    }
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked));
    k.act(json!({"action": "logout"})).await;
    k.advance(5 * 60).await;
    k.tap(GOOD).await;
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked), "still locked after five minutes");
    k.act(json!({"action": "logout"})).await;
    k.advance(5 * 60).await;
    k.login(GOOD).await;
    assert_eq!(k.screen(), Screen::Home, "{:?}", k.view());
}

#[tokio::test]
async fn staff_pins_lock_out_across_restarts_and_tell_the_district() {
    let mut k = Kiosk::new().await;
    k.tap(STAFF).await;
    for _ in 0..3 {
        k.act(json!({"action": "staff_pin", "pin": "0000"})).await;
    }
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked));
    let alarms: Vec<_> = k.events().await.into_iter().filter(|e| e.kind.as_str() == "alarm").map(|e| e.body).collect();
    assert_eq!(alarms.len(), 1, "{alarms:?}");
    assert_eq!(serde_json::to_value(&alarms[0]).unwrap()["alarm"], "staff_pin_locked");
    k.act(json!({"action": "logout"})).await;
    let mut k = k.restart().await;
    k.tap(STAFF).await;
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked), "a restart unlocks nothing");
    k.act(json!({"action": "logout"})).await;
    k.advance(5 * 60).await;
    k.staff_login().await;
}

#[tokio::test]
async fn books_lent_and_returned_before_the_sync_count_for_nothing() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.borrow_all_until_door_open(&["MP0001", "MP0002"]).await, 1);
    for slot in [1, 2] {
        k.take(slot).await;
        k.close(slot).await;
    }
    assert_eq!(k.screen(), Screen::Receipt);
    k.act(json!({"action": "logout"})).await;
    k.act(json!({"action": "start_return"})).await;
    return_book(&mut k, "MP0001").await;
    return_book(&mut k, "MP0002").await;
    k.act(json!({"action": "logout"})).await;
    assert!(k.events().await.iter().all(|e| e.state == bookstation::store::OutboxState::Pending));
    k.login(GOOD).await;
    assert_eq!(k.screen(), Screen::Home, "{:?}", k.view());
    assert_eq!(k.patron().can_borrow, 2, "{:?}", k.view());
    assert_eq!(k.patron().loans_here, 0);
}

#[tokio::test]
async fn a_returned_district_loan_frees_the_quota_before_the_sync() {
    let mut k = Kiosk::new().await;
    k.act(json!({"action": "start_return"})).await;
    return_book(&mut k, "MP0042").await;
    k.act(json!({"action": "logout"})).await;
    k.login(AT_QUOTA).await;
    assert_eq!(k.screen(), Screen::Home, "{:?}", k.view());
    assert_eq!(k.patron().loans_total, 4);
    assert_eq!(k.patron().can_borrow, 1);
}

#[tokio::test]
async fn returning_the_overdue_book_in_the_session_lifts_the_refusal() {
    let mut k = Kiosk::new().await;
    k.login(OVERDUE).await;
    assert_eq!(k.refusal(), Some(RefusalReason::OverdueItems));
    k.act(json!({"action": "start_return"})).await;
    return_book(&mut k, "MP0041").await;
    k.act(json!({"action": "back"})).await;
    assert_eq!(k.screen(), Screen::Home, "{:?}", k.view());
    assert_eq!(k.patron().can_borrow, 2, "{:?}", k.view());
}

#[tokio::test]
async fn loans_the_district_acknowledged_before_an_outage_count_offline() {
    use bookstation::district::{District, SyncReport, SyncSettings, SyncWorker};
    let mut k = Kiosk::new().await;
    let district: std::sync::Arc<dyn District> =
        std::sync::Arc::new(bookstation::district::SimNetwork::new(k.district.clone(), k.world.clone()));
    let settings = SyncSettings::new(k.config.kiosk.id.clone());
    let mut worker = SyncWorker::new(k.runner.deps().store.clone(), district, settings);
    // Cached at this sign-in with no loans; two loans follow and are synced.
    k.login(GOOD).await;
    k.act(json!({"action": "browse"})).await;
    k.select("MP0001").await;
    k.select("MP0002").await;
    k.act(json!({"action": "confirm"})).await;
    k.act(json!({"action": "confirm"})).await;
    for slot in [1, 2] {
        k.take(slot).await;
        k.close(slot).await;
    }
    k.act(json!({"action": "logout"})).await;
    assert!(matches!(worker.sync_once(k.clock_now()).await.unwrap(), SyncReport::Answered { delivered: 2, .. }));
    k.world.set_network(false);
    k.login(GOOD).await;
    assert_eq!(
        k.refusal(),
        Some(RefusalReason::KioskLimitReached),
        "the cached status predates both loans: {:?}",
        k.view()
    );
    assert_eq!(k.patron().loans_here, 2);
}
