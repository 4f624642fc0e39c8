//! Every patron and staff flow, and every refusal, end to end through the
//! engine, the runner, a real SQLite store and the simulated world, with a
//! virtual clock.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn borrow_two_books() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.screen(), Screen::Attract);
    k.login(GOOD).await;
    assert_eq!(k.screen(), Screen::Home, "{:?}", k.view());
    assert_eq!(k.patron().can_borrow, 2);
    k.act(json!({"action": "browse"})).await;
    assert_eq!(k.view().items.len(), 40);
    k.select("MP0001").await;
    k.select("MP0002").await;
    k.act(json!({"action": "confirm"})).await;
    assert_eq!(k.screen(), Screen::Confirm);
    assert_eq!(k.view().selected.len(), 2);
    k.act(json!({"action": "confirm"})).await;
    assert_eq!(k.screen(), Screen::Dispensing);
    let d = k.dispensing();
    assert_eq!(d.slot, SlotNo(1));
    assert_eq!(d.step, DispenseStep::TakeBook);
    assert!(d.door_open);
    k.take(1).await;
    assert_eq!(k.dispensing().step, DispenseStep::CloseDoor);
    assert!(k.event_kinds().await.is_empty(), "no loan before the door closes");
    k.close(1).await;
    assert_eq!(k.dispensing().slot, SlotNo(2));
    k.take(2).await;
    k.close(2).await;
    let v = k.view();
    assert_eq!(v.screen, Screen::Receipt);
    assert_eq!(v.receipt[0].due_date.as_deref(), Some("2026-12-14"));
    assert_eq!(v.receipt[1].item_id, "MP0002");
    let events = k.events().await;
    assert_eq!(events.iter().map(|e| (e.seq, e.kind.as_str())).collect::<Vec<_>>(), vec![(1, "loan"), (2, "loan")]);
    assert!(!events[0].offline);
    assert_eq!(k.slot_item(1).await, None);
    assert_eq!(k.slot_item(3).await.as_deref(), Some("MP0003"));
    // The receipt times out back to the attract screen.
    k.advance(60).await;
    assert_eq!(k.screen(), Screen::Attract);
}

#[tokio::test]
async fn the_next_door_opens_only_once_the_last_is_shut() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.borrow_all_until_door_open(&["MP0001", "MP0002"]).await, 1);
    k.take(1).await;
    // The patron has the book and leaves the door open: at the timeout the
    // loan is kept, and locker 2 stays shut while locker 1 stands open.
    k.advance(60).await;
    assert_eq!(k.event_kinds().await, ["loan", "alarm"]);
    let d = k.dispensing();
    assert_eq!((d.slot, d.step, d.number), (SlotNo(1), DispenseStep::CloseDoor, 1), "{d:?}");
    assert!(!k.world.snapshot().slots[1].door_open, "locker 2 waits for locker 1");
    k.close(1).await;
    let d = k.dispensing();
    assert_eq!((d.slot, d.step, d.number), (SlotNo(2), DispenseStep::TakeBook, 2), "{d:?}");
    assert!(k.world.snapshot().slots[1].door_open);
}

#[tokio::test]
async fn a_door_left_open_keeps_the_next_book_in_and_the_idle_screen_asks_to_shut_it() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.borrow_all_until_door_open(&["MP0001", "MP0002"]).await, 1);
    k.take(1).await;
    k.advance(60).await;
    // Nobody shuts locker 1: the second book is not handed out, and the
    // receipt says why; nothing was opened beside the open door.
    k.advance(60).await;
    let v = k.view();
    assert_eq!(v.screen, Screen::Receipt, "{v:?}");
    assert_eq!(v.receipt[0].due_date.as_deref(), Some("2026-12-14"));
    assert_eq!((v.receipt[1].item_id.as_str(), v.receipt[1].problem), ("MP0002", Some(Problem::LastDoorOpen)));
    assert!(!k.world.snapshot().slots[1].door_open, "locker 2 never opened");
    assert_eq!(k.event_kinds().await, ["loan", "alarm"], "one loan, one door-left-open alarm");
    k.advance(60).await;
    assert_eq!(k.screen(), Screen::Attract);
    assert_eq!(k.view().doors_left_open, [SlotNo(1)], "passers-by are asked to shut it");
    k.close(1).await;
    assert!(k.view().doors_left_open.is_empty());
}

#[tokio::test]
async fn the_kiosk_limit_stops_a_third_book() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "browse"})).await;
    k.select("MP0001").await;
    k.select("MP0002").await;
    k.select("MP0003").await;
    assert_eq!(k.notice(), Some(NoticeKey::Refusal(RefusalReason::KioskLimitReached)));
    assert_eq!(k.view().selected.len(), 2);
    k.act(json!({"action": "unselect", "item_id": "MP0002"})).await;
    k.select("MP0003").await;
    assert_eq!(k.selected_ids(), ["MP0001", "MP0003"]);
}

#[tokio::test]
async fn loans_pending_sync_count_against_the_limit() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.borrow_until_door_open("MP0001").await, 1);
    k.take(1).await;
    k.close(1).await;
    k.act(json!({"action": "logout"})).await;
    k.login(GOOD).await;
    assert_eq!(k.patron().can_borrow, 1, "one loan is still in the outbox: {:?}", k.view());
}

#[tokio::test]
async fn refusals_say_why() {
    for (card, reason) in [
        ("0499999999999999", RefusalReason::UnknownCard),
        (OVERDUE, RefusalReason::OverdueItems),
        (SUSPENDED, RefusalReason::Suspended),
        (AT_QUOTA, RefusalReason::DistrictQuotaReached),
    ] {
        let mut k = Kiosk::new().await;
        k.login(card).await;
        assert_eq!(k.screen(), Screen::Refusal, "{card}");
        let refusal = k.view().refusal.expect("a refusal");
        assert_eq!(refusal.reason, reason);
        assert_eq!(refusal.message_key, format!("refusal.{}", reason.code()));
        assert_eq!(refusal.help_key, format!("help.{}", reason.code()));
        let until = (reason == RefusalReason::Suspended).then(|| "2026-12-20".to_owned());
        assert_eq!(refusal.until, until, "a suspension names its last day");
        k.act(json!({"action": "back"})).await;
        assert_eq!(k.screen(), Screen::Attract);
    }
}

#[tokio::test]
async fn wrong_pins_lock_the_card_for_a_while() {
    let mut k = Kiosk::new().await;
    k.tap(GOOD).await;
    for n in 1..=2 {
        k.act(json!({"action": "pin", "pin": "0000"})).await;
        assert_eq!(k.screen(), Screen::Pin);
        assert_eq!(k.view().pin_failures, Some(n));
        assert_eq!(k.notice(), Some(NoticeKey::WrongPin));
    }
    k.act(json!({"action": "pin", "pin": "0000"})).await;
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked));
    k.act(json!({"action": "logout"})).await;
    k.tap(GOOD).await;
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked), "still locked a moment later");
    k.act(json!({"action": "logout"})).await;
    k.advance(5 * 60).await;
    k.login(GOOD).await;
    assert_eq!(k.screen(), Screen::Home);
}

#[tokio::test]
async fn mobile_qr_and_typed_member_number_sign_in() {
    let mut k = Kiosk::new().await;
    k.scan("MAPO-MEMBER:1000001").await;
    assert_eq!(k.screen(), Screen::Pin);
    k.act(json!({"action": "pin", "pin": PIN})).await;
    assert_eq!(k.screen(), Screen::Home);
    k.act(json!({"action": "logout"})).await;
    k.act(json!({"action": "member_number", "number": "1000001"})).await;
    assert_eq!(k.screen(), Screen::Pin);
    k.act(json!({"action": "pin", "pin": PIN})).await;
    assert_eq!(k.screen(), Screen::Home);
    k.act(json!({"action": "logout"})).await;
    k.act(json!({"action": "member_number", "number": "12ab"})).await;
    assert_eq!((k.screen(), k.notice()), (Screen::Attract, Some(NoticeKey::MemberNumberInvalid)));
}

#[tokio::test]
async fn search_finds_titles_and_korean_initials() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "search", "query": "ㅎㄱㄷ"})).await;
    let titles: Vec<_> = k.view().items.into_iter().map(|i| i.title.clone()).collect();
    assert!(titles.iter().any(|t| t == "홍길동전"), "{titles:?}");
    k.act(json!({"action": "search", "query": "little PRINCE"})).await;
    let items = k.view().items;
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i.title.to_lowercase().contains("little prince")), "{items:?}");
}

#[tokio::test]
async fn hold_pickup() {
    let mut k = Kiosk::new().await;
    k.login(HOLDER).await;
    assert_eq!(k.patron().ready_holds[0].id, "MP0040");
    k.act(json!({"action": "pickup_holds"})).await;
    assert_eq!(k.screen(), Screen::Holds);
    k.act(json!({"action": "confirm"})).await;
    assert_eq!(k.dispensing().slot, SlotNo(40));
    k.take(40).await;
    k.close(40).await;
    assert_eq!(k.screen(), Screen::Receipt);
    let events = k.events().await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind.as_str(), "hold_pickup");
    let body = serde_json::to_value(&events[0].body).unwrap();
    assert_eq!(body["hold_id"], "H-0001");
}

#[tokio::test]
async fn a_book_held_for_someone_else_cannot_be_borrowed() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "browse"})).await;
    let held = k.view().items.into_iter().find(|i| i.id == "MP0040").unwrap();
    assert!(!held.available);
    k.select("MP0040").await;
    assert_eq!(k.notice(), Some(NoticeKey::Refusal(RefusalReason::ItemHeldForSomeoneElse)));
}

#[tokio::test]
async fn a_book_not_taken_in_time_is_cancelled() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.borrow_until_door_open("MP0005").await, 5);
    assert_eq!(k.dispensing().seconds_left, Some(60));
    k.advance(30).await;
    assert_eq!(k.screen(), Screen::Dispensing, "a session never times out with a door open");
    k.advance(31).await;
    let v = k.view();
    assert_eq!(v.screen, Screen::Receipt);
    assert_eq!(v.receipt[0].problem, Some(Problem::NotTaken));
    assert_eq!(v.notice.map(|n| n.key), Some(NoticeKey::CloseDoor));
    assert_eq!(k.event_kinds().await, vec!["alarm"], "door left open, no loan");
    assert_eq!(k.slot_item(5).await.as_deref(), Some("MP0005"));
}

#[tokio::test]
async fn a_book_taken_with_the_door_left_open_is_lent_and_raises_an_alarm() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.borrow_until_door_open("MP0006").await, 6);
    k.take(6).await;
    k.advance(61).await;
    assert_eq!(k.screen(), Screen::Receipt);
    assert_eq!(k.notice(), Some(NoticeKey::CloseDoor));
    assert_eq!(k.view().receipt[0].due_date.as_deref(), Some("2026-12-14"));
    assert_eq!(k.event_kinds().await, vec!["loan", "alarm"]);
    let alarm = serde_json::to_value(&k.events().await[1].body).unwrap();
    assert_eq!(alarm["alarm"], "door_left_open");
}

#[tokio::test]
async fn a_jammed_door_marks_the_locker_faulty_and_lends_nothing() {
    let mut k = Kiosk::new().await;
    k.world.jam(7, true).unwrap();
    k.login(GOOD).await;
    k.act(json!({"action": "browse"})).await;
    k.select("MP0007").await;
    k.select("MP0008").await;
    k.act(json!({"action": "confirm"})).await;
    k.act(json!({"action": "confirm"})).await;
    // The jammed locker is skipped with a message; the next book comes out.
    assert_eq!(k.dispensing().slot, SlotNo(8));
    k.take(8).await;
    k.close(8).await;
    let v = k.view();
    assert_eq!(v.receipt[0].problem, Some(Problem::DoorDidNotOpen));
    assert!(v.receipt[1].due_date.is_some());
    assert_eq!(k.event_kinds().await, vec!["alarm", "loan"]);
    k.act(json!({"action": "back"})).await;
    k.act(json!({"action": "browse"})).await;
    let item = k.view().items.into_iter().find(|i| i.id == "MP0007").unwrap();
    assert!(!item.available, "a faulty locker is not offered");
}

#[tokio::test]
async fn an_unplugged_board_lends_nothing() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "browse"})).await;
    k.select("MP0009").await;
    k.act(json!({"action": "confirm"})).await;
    k.world.set_board_online(false);
    k.act(json!({"action": "confirm"})).await;
    assert_eq!(k.screen(), Screen::Receipt);
    assert_eq!(k.view().receipt[0].problem, Some(Problem::DoorDidNotOpen));
    assert!(!k.event_kinds().await.contains(&"loan".to_owned()));
}

#[tokio::test]
async fn return_books_one_at_a_time_without_a_card() {
    let mut k = Kiosk::new().await;
    k.act(json!({"action": "start_return"})).await;
    assert_eq!(k.return_step(), ReturnStep::Scan);
    k.scan("MP0041").await;
    assert_eq!(k.return_step(), ReturnStep::InsertBook);
    k.put(41, "MP0041").await;
    assert_eq!(k.return_step(), ReturnStep::CloseDoor);
    k.close(41).await;
    assert_eq!(k.return_step(), ReturnStep::Scan, "ready for the next book");
    assert_eq!(k.notice(), Some(NoticeKey::Returned));
    assert_eq!(k.view().notice.map(|n| n.kind), Some(NoticeKind::Success), "good news, in its colour");
    k.scan("MP0042").await;
    assert_eq!(k.notice(), None, "the next scan clears the last notice");
    k.put(41, "MP0042").await;
    k.close(41).await;
    assert_eq!(k.returning().returned.len(), 2);
    assert_eq!(k.event_kinds().await, vec!["return", "return"]);
    // A book from elsewhere, and one that is already here, are refused.
    k.scan("XX9999").await;
    assert_eq!(k.notice(), Some(NoticeKey::Refusal(RefusalReason::ItemNotFromThisKiosk)));
    k.scan("MP0001").await;
    assert_eq!(k.notice(), Some(NoticeKey::Refusal(RefusalReason::ItemNotOnLoan)));
    k.act(json!({"action": "logout"})).await;
    assert_eq!(k.screen(), Screen::Attract);
}

#[tokio::test]
async fn a_book_scanned_on_the_idle_screen_starts_a_return() {
    let mut k = Kiosk::new().await;
    k.scan("MP0043").await;
    assert_eq!(k.screen(), Screen::Return);
    assert_eq!(k.return_step(), ReturnStep::InsertBook);
}

#[tokio::test]
async fn a_full_bin_refuses_returns() {
    let mut k = Kiosk::with_config(|c| c.hardware.return_bin_capacity = 1).await;
    k.scan("MP0041").await;
    k.put(41, "MP0041").await;
    k.close(41).await;
    k.scan("MP0042").await;
    assert_eq!(k.notice(), Some(NoticeKey::Refusal(RefusalReason::ReturnBinFull)));
    assert_eq!(k.event_kinds().await, vec!["return"]);
}

#[tokio::test]
async fn a_return_with_no_book_put_in_is_cancelled() {
    let mut k = Kiosk::new().await;
    k.scan("MP0041").await;
    k.close(41).await;
    k.advance(61).await;
    assert_eq!(k.notice(), Some(NoticeKey::ReturnCancelled));
    assert!(k.event_kinds().await.is_empty());
}

#[tokio::test]
async fn inactivity_ends_the_session_and_restores_the_language() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "language", "language": "en"})).await;
    assert_eq!(k.view().language, Language::En);
    k.advance(39).await;
    assert_eq!(k.view().countdown, None, "the warning shows for the last 20 s");
    k.act(json!({"action": "touch"})).await;
    k.advance(51).await;
    assert_eq!(k.view().countdown, Some(9), "the touch restarted the 60 s");
    k.advance(9).await;
    assert_eq!(k.screen(), Screen::Attract);
    assert_eq!(k.view().language, Language::Ko);
    assert!(k.view().patron.is_none());
}

#[tokio::test]
async fn another_card_cannot_take_over_a_session() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "browse"})).await;
    k.select("MP0001").await;
    k.tap(HOLDER).await;
    assert_eq!(k.notice(), Some(NoticeKey::SessionInProgress));
    assert_eq!(k.screen(), Screen::Browse);
    assert!(k.patron().ready_holds.is_empty(), "still the first patron");
    k.tap(STAFF).await;
    assert_eq!(k.screen(), Screen::Browse, "not even staff");
}

#[tokio::test]
async fn staff_restock_unload_open_and_out_of_service() {
    let mut k = Kiosk::new().await;
    // A patron borrows from locker 3 and returns another book, so there is
    // an empty locker and a book in the bin.
    assert_eq!(k.borrow_until_door_open("MP0003").await, 3);
    k.take(3).await;
    k.close(3).await;
    k.act(json!({"action": "logout"})).await;
    k.scan("MP0041").await;
    k.put(41, "MP0041").await;
    k.close(41).await;
    k.act(json!({"action": "logout"})).await;

    k.staff_login().await;
    assert_eq!(k.staff().bin_count, 1);
    // Unload the bin.
    k.act(json!({"action": "unload_bin"})).await;
    assert_eq!(k.staff_task(), StaffStep::Unload);
    assert_eq!(k.world.empty_bin().unwrap(), vec!["MP0041".to_owned()]);
    k.close(41).await;
    assert_eq!(k.staff_task(), StaffStep::Menu);
    assert_eq!(k.staff().bin_count, 0);
    // Restock locker 3 with the returned book.
    k.act(json!({"action": "restock", "slot": 3})).await;
    assert_eq!(k.staff_task(), StaffStep::RestockScan);
    k.scan("MP0041").await;
    assert_eq!(k.staff_task(), StaffStep::RestockClose);
    k.put(3, "MP0041").await;
    k.close(3).await;
    assert_eq!(k.notice(), Some(NoticeKey::Restocked));
    assert_eq!(k.slot_item(3).await.as_deref(), Some("MP0041"));
    // Restocking a full locker is refused.
    k.act(json!({"action": "restock", "slot": 4})).await;
    assert_eq!(k.notice(), Some(NoticeKey::RestockNeedsEmptyLocker));
    // Open any door, take a locker and the kiosk out of service.
    k.act(json!({"action": "open_slot", "slot": 10})).await;
    assert_eq!(k.notice(), Some(NoticeKey::DoorOpened));
    assert!(k.world.snapshot().slots[9].door_open);
    k.close(10).await;
    k.act(json!({"action": "set_out_of_service", "slot": 11, "value": true})).await;
    k.act(json!({"action": "set_out_of_service", "value": true})).await;
    // The whole kiosk asks first.
    assert_eq!(k.staff_task(), StaffStep::ConfirmKioskOutOfService);
    assert!(!k.staff().kiosk_out_of_service);
    k.act(json!({"action": "confirm"})).await;
    assert!(k.staff().kiosk_out_of_service);
    k.act(json!({"action": "outbox"})).await;
    let staff = k.staff();
    assert_eq!(staff.task, StaffStep::Outbox);
    assert_eq!(staff.outbox.map(|o| o.pending), Some(7));
    // Issue 22: each row names its book and locker, never the patron.
    let loan =
        staff.outbox_recent.iter().find(|l| l.kind == bookstation::domain::EventKind::Loan).expect("the loan's row");
    assert_eq!((loan.item_id.as_deref(), loan.slot), (Some("MP0003"), Some(3)));
    assert!(loan.title.is_some(), "the loan's title: {loan:?}");
    let door = staff
        .outbox_recent
        .iter()
        .find(|l| l.kind == bookstation::domain::EventKind::StaffDoorOpened)
        .expect("the door's row");
    assert_eq!(door.slot, Some(10));
    assert_eq!(
        k.event_kinds().await,
        vec!["loan", "return", "bin_unloaded", "restock", "staff_door_opened", "out_of_service", "out_of_service"]
    );
    k.act(json!({"action": "back"})).await;
    k.act(json!({"action": "logout"})).await;
    assert_eq!(k.screen(), Screen::OutOfService);
    k.tap(GOOD).await;
    assert_eq!(k.refusal(), Some(RefusalReason::KioskOutOfService));
    // Issue 22: the confirm says no patron can return a book either, and a
    // book held up to the scanner is refused, not taken into a return.
    k.act(json!({"action": "logout"})).await;
    k.scan("MP0041").await;
    assert_eq!(k.refusal(), Some(RefusalReason::KioskOutOfService));
    k.act(json!({"action": "start_return"})).await;
    assert_eq!(k.refusal(), Some(RefusalReason::KioskOutOfService), "nor with the Return button");
}

#[tokio::test]
async fn wrong_staff_pins_lock_staff_entry() {
    let mut k = Kiosk::new().await;
    k.tap(STAFF).await;
    k.act(json!({"action": "staff_pin", "pin": "1111"})).await;
    k.act(json!({"action": "staff_pin", "pin": "2222"})).await;
    assert_eq!(k.view().pin_failures, Some(2));
    k.act(json!({"action": "staff_pin", "pin": "3333"})).await;
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked));
    k.act(json!({"action": "logout"})).await;
    k.tap(STAFF).await;
    k.act(json!({"action": "staff_pin", "pin": STAFF_PIN})).await;
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked), "the right PIN does not help while locked");
}

#[tokio::test]
async fn staff_actions_need_staff() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "open_slot", "slot": 1})).await;
    assert_eq!(k.notice(), Some(NoticeKey::Refusal(RefusalReason::NotStaff)));
    assert!(!k.world.snapshot().slots[0].door_open);
}

#[tokio::test]
async fn offline_lending_follows_the_policy() {
    let mut k = Kiosk::new().await;
    // Seen online once, then the network goes down.
    k.login(GOOD).await;
    k.act(json!({"action": "logout"})).await;
    k.world.set_network(false);
    k.advance(6 * 3600).await;
    k.login(GOOD).await;
    let v = k.view();
    assert_eq!(v.screen, Screen::Home, "{v:?}");
    assert!(!v.online);
    let patron = v.patron.expect("signed in");
    assert!(patron.offline);
    assert_eq!(patron.can_borrow, 1, "one offline loan per patron");
    k.act(json!({"action": "browse"})).await;
    k.select("MP0010").await;
    k.act(json!({"action": "confirm"})).await;
    k.act(json!({"action": "confirm"})).await;
    k.take(10).await;
    k.close(10).await;
    let events = k.events().await;
    assert!(events[0].offline, "offline loans carry the flag");
    k.act(json!({"action": "logout"})).await;
    // The same patron again in the same outage: no second offline loan.
    k.login(GOOD).await;
    assert_eq!(k.refusal(), Some(RefusalReason::OfflineNotEligible));
    k.act(json!({"action": "logout"})).await;
    // A patron never seen online cannot borrow offline.
    k.login(HOLDER).await;
    assert_eq!(k.refusal(), Some(RefusalReason::OfflineNotEligible));
    k.act(json!({"action": "logout"})).await;
    // Returns always work offline.
    k.scan("MP0041").await;
    k.put(41, "MP0041").await;
    k.close(41).await;
    let last = k.events().await.pop().unwrap();
    assert_eq!((last.kind.as_str(), last.offline), ("return", true));
}

#[tokio::test]
async fn recovery_completes_a_loan_whose_book_was_taken() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.borrow_until_door_open("MP0012").await, 12);
    k.take(12).await;
    // Power cut before the door closes.
    let k = k.restart().await;
    let events = k.events().await;
    assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), vec!["loan"]);
    assert_eq!(k.slot_item(12).await, None);
    assert_eq!(k.screen(), Screen::Attract);
    // A second restart changes nothing: one outcome per intent.
    let k = k.restart().await;
    assert_eq!(k.events().await.len(), 1);
}

#[tokio::test]
async fn recovery_cancels_a_loan_whose_book_is_still_there() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.borrow_until_door_open("MP0013").await, 13);
    let k = k.restart().await;
    assert!(k.events().await.is_empty());
    assert_eq!(k.slot_item(13).await.as_deref(), Some("MP0013"));
}

#[tokio::test]
async fn recovery_of_returns_follows_the_chute_counter() {
    let mut k = Kiosk::new().await;
    k.scan("MP0041").await;
    k.put(41, "MP0041").await;
    let mut k = k.restart().await;
    assert_eq!(k.event_kinds().await, vec!["return"]);
    k.close(41).await;
    k.scan("MP0042").await;
    let k = k.restart().await;
    let kinds = k.event_kinds().await;
    assert_eq!(kinds, vec!["return", "alarm"], "an unconfirmed return is flagged for staff");
}

#[tokio::test]
async fn a_language_chosen_before_the_card_carries_into_the_session() {
    let mut k = Kiosk::new().await;
    k.act(json!({"action": "language", "language": "en"})).await;
    k.login(GOOD).await;
    assert_eq!((k.screen(), k.view().language), (Screen::Home, Language::En));
    k.act(json!({"action": "logout"})).await;
    assert_eq!(k.view().language, Language::Ko, "the next patron starts in the kiosk's language");
}

#[tokio::test]
async fn shelf_categories_are_in_the_patron_s_language_and_titles_as_given() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    let first = |k: &Kiosk| {
        k.view().items.into_iter().find(|i| i.id == "MP0001").map(|i| (*i).clone()).expect("MP0001 on the shelf")
    };
    assert_eq!((first(&k).title, first(&k).category), ("홍길동전".to_owned(), "고전".to_owned()));
    k.act(json!({"action": "language", "language": "en"})).await;
    assert_eq!((first(&k).title, first(&k).category), ("홍길동전".to_owned(), "Classics".to_owned()));
    k.act(json!({"action": "language", "language": "ja"})).await;
    assert_eq!(first(&k).category, "Classics", "English where the district has no Japanese");
}

#[tokio::test]
async fn a_loan_prints_a_receipt_when_the_patron_asks_where_a_printer_is_configured() {
    use bookstation::config::{PrinterConfig, PrinterKind};
    let mut k = Kiosk::with_config(|c| {
        c.hardware.printer = Some(PrinterConfig { kind: PrinterKind::Escpos, path: "/dev/null".into(), baud: None })
    })
    .await;
    // The printer runs on its own thread; the test waits for what it prints.
    let (sink, printed) = std::sync::mpsc::channel::<Vec<String>>();
    let sink = std::sync::Mutex::new(sink);
    k.runner.set_printer(std::sync::Arc::new(move |heading: &str, lines: &[String]| {
        let receipt = std::iter::once(heading.to_owned()).chain(lines.iter().cloned()).collect();
        sink.lock().map_err(|e| e.to_string())?.send(receipt).map_err(|e| e.to_string())
    }));
    assert_eq!(k.borrow_until_door_open("MP0001").await, 1);
    k.take(1).await;
    k.close(1).await;
    assert_eq!(k.screen(), Screen::Receipt);
    assert!(printed.try_recv().is_err(), "nothing printed before the patron asks");
    k.act(json!({"action": "receipt", "via": "print"})).await;
    let printed = printed.recv_timeout(std::time::Duration::from_secs(30)).expect("a receipt printed");
    assert_eq!(printed.len(), 2, "{printed:?}");
    assert!(printed[1].contains("홍길동전") && printed[1].contains("2026-12-14"), "{printed:?}");
}

#[tokio::test]
async fn a_receipt_sent_to_the_phone_is_an_event_for_the_district() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.borrow_until_door_open("MP0001").await, 1);
    k.take(1).await;
    k.close(1).await;
    let options = k.view().receipt_options.expect("a receipt to take");
    assert!(options.phone && !options.print, "the demo has no printer: {options:?}");
    k.act(json!({"action": "receipt", "via": "phone"})).await;
    assert_eq!(k.view().receipt_options.and_then(|o| o.sent), Some(bookstation::engine::view::ReceiptVia::Phone));
    let kinds = k.event_kinds().await;
    assert_eq!(kinds.last().map(String::as_str), Some("receipt_requested"), "{kinds:?}");
}

/// The control socket answers with the view as JSON, and its clients
/// (`bookstation sim`, the process tests, scripts) read these names and
/// keys; the other tests here read the types.
#[tokio::test]
async fn the_view_in_json_keeps_the_names_the_socket_clients_read() {
    let wire = |k: &Kiosk| serde_json::to_value(k.view()).expect("view is JSON");
    let mut k = Kiosk::new().await;
    let v = wire(&k);
    assert_eq!(v["screen"], "attract", "{v}");
    assert_eq!(v["language"], "ko");
    assert_eq!(v["online"], true);
    k.tap(GOOD).await;
    k.act(json!({"action": "pin", "pin": "0000"})).await;
    let v = wire(&k);
    assert_eq!(v["screen"], "pin", "{v}");
    assert_eq!(v["notice"]["key"], "notice.wrong_pin");
    assert_eq!(v["pin_failures"], 1);
    k.act(json!({"action": "pin", "pin": PIN})).await;
    let v = wire(&k);
    assert_eq!(v["screen"], "home", "{v}");
    assert_eq!(v["patron"]["can_borrow"], 2);
    k.act(json!({"action": "browse"})).await;
    k.select("MP0001").await;
    k.select("MP0002").await;
    k.select("MP0003").await;
    let v = wire(&k);
    assert_eq!(v["notice"]["key"], "refusal.kiosk_limit_reached", "a refusal as a notice: {v}");
    assert_eq!(v["items"][0]["id"], "MP0001");
    assert_eq!(v["selected"][1]["id"], "MP0002");
    k.act(json!({"action": "confirm"})).await;
    k.act(json!({"action": "confirm"})).await;
    let v = wire(&k);
    assert_eq!(v["screen"], "dispensing", "{v}");
    assert_eq!(v["dispensing"]["slot"], 1);
    assert_eq!(v["dispensing"]["step"], "take_book");
    assert_eq!(v["dispensing"]["door_open"], true);
    assert_eq!(v["dispensing"]["seconds_left"], 60);
    k.take(1).await;
    assert_eq!(wire(&k)["dispensing"]["step"], "close_door");
    k.close(1).await;
    k.take(2).await;
    k.close(2).await;
    let v = wire(&k);
    assert_eq!(v["screen"], "receipt", "{v}");
    assert_eq!(v["receipt"][0]["item_id"], "MP0001");
    assert_eq!(v["receipt"][0]["due_date"], "2026-12-14");
    k.act(json!({"action": "logout"})).await;
    k.scan("MP0041").await;
    assert_eq!(wire(&k)["returning"]["step"], "insert_book");
    k.put(41, "MP0041").await;
    k.close(41).await;
    let v = wire(&k);
    assert_eq!(v["screen"], "return", "{v}");
    assert_eq!(v["returning"]["step"], "scan");
    assert_eq!(v["notice"]["key"], "notice.returned");
    k.act(json!({"action": "logout"})).await;
    k.scan("SEOCHO-0042").await;
    let v = wire(&k);
    assert_eq!(v["screen"], "refusal", "{v}");
    assert_eq!(v["refusal"]["reason"], "item_not_from_this_kiosk");
    assert_eq!(v["refusal"]["message_key"], "refusal.item_not_from_this_kiosk");
    assert_eq!(v["refusal"]["help_key"], "help.item_not_from_this_kiosk");
    k.act(json!({"action": "back"})).await;
    k.staff_login().await;
    let v = wire(&k);
    assert_eq!(v["screen"], "staff", "{v}");
    assert_eq!(v["staff"]["task"], "menu");
}

/// Issue 14: a hold picked up with the code from the text message, without
/// the card: that hold's locker and nothing else (no shelf, no home).
#[tokio::test]
async fn a_pickup_code_opens_its_holds_locker_without_the_card() {
    let mut k = Kiosk::new().await;
    k.act(json!({"action": "pickup_code", "code": "246810"})).await;
    assert_eq!(k.screen(), Screen::Holds, "{:?}", k.view());
    assert_eq!(k.patron().ready_holds.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["MP0040"]);
    assert!(k.patron().loans.is_empty(), "a code shows nothing else of the patron's");
    k.act(json!({"action": "browse"})).await;
    assert_eq!(k.notice(), Some(NoticeKey::NotNow), "a code borrows nothing");
    k.act(json!({"action": "confirm"})).await;
    assert_eq!(k.dispensing().slot, SlotNo(40));
    k.take(40).await;
    k.close(40).await;
    let events = k.events().await;
    assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["hold_pickup"]);
    let body = serde_json::to_value(&events[0].body).unwrap();
    assert_eq!((body["hold_id"].as_str(), body["patron_id"].as_str()), (Some("H-0001"), Some("1000004")));
    k.act(json!({"action": "back"})).await;
    assert_eq!(k.screen(), Screen::Attract, "the pickup ends with its hold");
}

/// Wrong pickup codes count kiosk-wide (each guess is another code), in the
/// store: three lock code entry, and a restart changes nothing.
#[tokio::test]
async fn wrong_pickup_codes_lock_code_entry_across_a_restart() {
    let mut k = Kiosk::new().await;
    for code in ["111111", "222222"] {
        k.act(json!({"action": "pickup_code", "code": code})).await;
        assert_eq!((k.screen(), k.notice()), (Screen::Attract, Some(NoticeKey::PickupCodeUnknown)));
    }
    k.act(json!({"action": "pickup_code", "code": "333333"})).await;
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked));
    let mut k = k.restart().await;
    k.act(json!({"action": "pickup_code", "code": "246810"})).await;
    assert_eq!(k.refusal(), Some(RefusalReason::PinLocked), "even the right code waits out the lock");
    k.login(GOOD).await;
    assert_eq!(k.screen(), Screen::Home, "cards are not locked by codes");
}

#[tokio::test]
async fn choosing_a_book_builds_one_new_row_and_shares_the_rest() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "browse"})).await;
    let before = k.view().items;
    k.select("MP0002").await;
    let after = k.view().items;
    assert_eq!(before.len(), after.len());
    let rebuilt: Vec<_> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| !std::sync::Arc::ptr_eq(b, a))
        .map(|(_, a)| (a.id.as_str(), a.selected))
        .collect();
    assert_eq!(rebuilt, vec![("MP0002", true)], "only the chosen book's row is new");
}

#[tokio::test]
async fn a_book_s_page_pages_through_the_shelf_as_searched() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "detail", "item_id": "MP0002"})).await;
    let v = k.view();
    assert_eq!((v.detail_previous.as_deref(), v.detail_next.as_deref()), (Some("MP0001"), Some("MP0003")));
    k.act(json!({"action": "detail", "item_id": "MP0001"})).await;
    assert_eq!(k.view().detail_previous, None, "the shelf's first book");
    k.act(json!({"action": "back"})).await;
    k.act(json!({"action": "search", "query": "little PRINCE"})).await;
    let found: Vec<_> = k.view().items.iter().map(|i| i.id.clone()).collect();
    k.act(json!({"action": "detail", "item_id": found[0]})).await;
    let v = k.view();
    assert_eq!(v.detail_previous, None);
    assert_eq!(v.detail_next, found.get(1).cloned(), "the next book the search found, not the next locker's");
}

#[tokio::test]
async fn more_time_keeps_the_receipt_on_the_screen() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.select("MP0001").await;
    k.act(json!({"action": "confirm"})).await;
    k.act(json!({"action": "confirm"})).await;
    k.take(1).await;
    k.close(1).await;
    assert_eq!(k.screen(), Screen::Receipt);
    // The demo's policy.receipt_secs.
    let secs = 15;
    k.advance(secs - 2).await;
    k.act(json!({"action": "more_time"})).await;
    k.advance(secs - 2).await;
    assert_eq!(k.screen(), Screen::Receipt, "still there {} s after it would have gone", secs - 4);
    k.advance(3).await;
    assert_eq!(k.screen(), Screen::Attract, "and it goes when the new time is up");
}

#[tokio::test]
async fn another_librarys_book_is_returned_here_and_set_aside_at_the_unload() {
    let mut k = Kiosk::new().await;
    // MC1001 is the central library's copy: not this kiosk's, but the
    // district takes it back here (통합반납).
    k.scan("MC1001").await;
    assert_eq!(k.screen(), Screen::Return);
    k.put(41, "MC1001").await;
    k.close(41).await;
    assert_eq!(k.notice(), Some(NoticeKey::ReturnedToLibrary));
    assert_eq!(k.view().notice.and_then(|n| n.library).as_deref(), Some("마포중앙도서관"));
    k.act(json!({"action": "logout"})).await;

    k.staff_login().await;
    assert_eq!(k.staff().bin_count, 1);
    k.act(json!({"action": "unload_bin"})).await;
    let transit = k.staff().transit;
    assert_eq!(transit.len(), 1, "{transit:?}");
    assert_eq!((transit[0].title.as_str(), transit[0].to.as_str()), ("코스모스", "마포중앙도서관"));
    assert_eq!(k.world.empty_bin().unwrap(), vec!["MC1001".to_owned()]);
    k.close(41).await;
    assert_eq!(k.staff_task(), StaffStep::Menu);
    assert!(k.staff().transit.is_empty());
    // Never offered on the shelf, never restocked as the kiosk's own.
    k.act(json!({"action": "restock", "slot": 3})).await;
    k.scan("MC1001").await;
    assert_ne!(k.staff_task(), StaffStep::RestockClose, "{:?}", k.view());
}
