//! Every patron and staff flow, and every refusal, end to end through the
//! engine, the runner, a real SQLite store and the simulated world, with a
//! virtual clock.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn borrow_two_books() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.screen(), "attract");
    k.login(GOOD).await;
    assert_eq!(k.screen(), "home", "{}", k.view());
    assert_eq!(k.view()["patron"]["can_borrow"], 2);
    k.act(json!({"action": "browse"})).await;
    assert_eq!(k.view()["items"].as_array().map(Vec::len), Some(40));
    k.select("MP0001").await;
    k.select("MP0002").await;
    k.act(json!({"action": "confirm"})).await;
    assert_eq!(k.screen(), "confirm");
    assert_eq!(k.view()["selected"].as_array().map(Vec::len), Some(2));
    k.act(json!({"action": "confirm"})).await;
    let v = k.view();
    assert_eq!(v["screen"], "dispensing");
    assert_eq!(v["dispensing"]["slot"], 1);
    assert_eq!(v["dispensing"]["step"], "take_book");
    assert_eq!(v["dispensing"]["door_open"], true);
    k.take(1).await;
    assert_eq!(k.view()["dispensing"]["step"], "close_door");
    assert!(k.event_kinds().await.is_empty(), "no loan before the door closes");
    k.close(1).await;
    assert_eq!(k.view()["dispensing"]["slot"], 2);
    k.take(2).await;
    k.close(2).await;
    let v = k.view();
    assert_eq!(v["screen"], "receipt");
    assert_eq!(v["receipt"][0]["due_date"], "2026-12-14");
    assert_eq!(v["receipt"][1]["item_id"], "MP0002");
    let events = k.events().await;
    assert_eq!(events.iter().map(|e| (e.seq, e.kind.as_str())).collect::<Vec<_>>(), vec![(1, "loan"), (2, "loan")]);
    assert!(!events[0].offline);
    assert_eq!(k.slot_item(1).await, None);
    assert_eq!(k.slot_item(3).await.as_deref(), Some("MP0003"));
    // The receipt times out back to the attract screen.
    k.advance(60).await;
    assert_eq!(k.screen(), "attract");
}

#[tokio::test]
async fn the_kiosk_limit_stops_a_third_book() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "browse"})).await;
    k.select("MP0001").await;
    k.select("MP0002").await;
    k.select("MP0003").await;
    assert_eq!(k.notice(), "refusal.kiosk_limit_reached");
    assert_eq!(k.view()["selected"].as_array().map(Vec::len), Some(2));
    k.act(json!({"action": "unselect", "item_id": "MP0002"})).await;
    k.select("MP0003").await;
    let ids: Vec<_> = k.view()["selected"].as_array().unwrap().iter().map(|i| i["id"].clone()).collect();
    assert_eq!(ids, vec![json!("MP0001"), json!("MP0003")]);
}

#[tokio::test]
async fn loans_pending_sync_count_against_the_limit() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.borrow_until_door_open("MP0001").await, 1);
    k.take(1).await;
    k.close(1).await;
    k.act(json!({"action": "logout"})).await;
    k.login(GOOD).await;
    assert_eq!(k.view()["patron"]["can_borrow"], 1, "one loan is still in the outbox: {}", k.view());
}

#[tokio::test]
async fn refusals_say_why() {
    for (card, reason) in [
        ("0499999999999999", "unknown_card"),
        (OVERDUE, "overdue_items"),
        (SUSPENDED, "suspended"),
        (AT_QUOTA, "district_quota_reached"),
    ] {
        let mut k = Kiosk::new().await;
        k.login(card).await;
        assert_eq!(k.screen(), "refusal", "{card}");
        let v = k.view();
        assert_eq!(v["refusal"]["reason"], reason);
        assert_eq!(v["refusal"]["message_key"], format!("refusal.{reason}"));
        assert_eq!(v["refusal"]["help_key"], format!("help.{reason}"));
        k.act(json!({"action": "back"})).await;
        assert_eq!(k.screen(), "attract");
    }
}

#[tokio::test]
async fn wrong_pins_lock_the_card_for_a_while() {
    let mut k = Kiosk::new().await;
    k.tap(GOOD).await;
    for n in 1..=2 {
        k.act(json!({"action": "pin", "pin": "0000"})).await;
        assert_eq!(k.screen(), "pin");
        assert_eq!(k.view()["pin_failures"], n);
        assert_eq!(k.notice(), "notice.wrong_pin");
    }
    k.act(json!({"action": "pin", "pin": "0000"})).await;
    assert_eq!(k.refusal(), "pin_locked");
    k.act(json!({"action": "logout"})).await;
    k.tap(GOOD).await;
    assert_eq!(k.refusal(), "pin_locked", "still locked a moment later");
    k.act(json!({"action": "logout"})).await;
    k.advance(5 * 60).await;
    k.login(GOOD).await;
    assert_eq!(k.screen(), "home");
}

#[tokio::test]
async fn mobile_qr_and_typed_member_number_sign_in() {
    let mut k = Kiosk::new().await;
    k.scan("MAPO-MEMBER:1000001").await;
    assert_eq!(k.screen(), "pin");
    k.act(json!({"action": "pin", "pin": PIN})).await;
    assert_eq!(k.screen(), "home");
    k.act(json!({"action": "logout"})).await;
    k.act(json!({"action": "member_number", "number": "1000001"})).await;
    assert_eq!(k.screen(), "pin");
    k.act(json!({"action": "pin", "pin": PIN})).await;
    assert_eq!(k.screen(), "home");
    k.act(json!({"action": "logout"})).await;
    k.act(json!({"action": "member_number", "number": "12ab"})).await;
    assert_eq!((k.screen().as_str(), k.notice().as_str()), ("attract", "notice.member_number_invalid"));
}

#[tokio::test]
async fn search_finds_titles_and_korean_initials() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "search", "query": "ㅎㄱㄷ"})).await;
    let titles: Vec<_> = k.view()["items"].as_array().unwrap().iter().map(|i| i["title"].clone()).collect();
    assert!(titles.contains(&json!("홍길동전")), "{titles:?}");
    k.act(json!({"action": "search", "query": "little PRINCE"})).await;
    let v = k.view();
    assert!(!v["items"].as_array().unwrap().is_empty());
    assert!(
        v["items"].as_array().unwrap().iter().all(|i| i["title"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("little prince"))
    );
}

#[tokio::test]
async fn hold_pickup() {
    let mut k = Kiosk::new().await;
    k.login(HOLDER).await;
    let v = k.view();
    assert_eq!(v["patron"]["ready_holds"][0]["id"], "MP0040");
    k.act(json!({"action": "pickup_holds"})).await;
    assert_eq!(k.screen(), "holds");
    k.act(json!({"action": "confirm"})).await;
    assert_eq!(k.view()["dispensing"]["slot"], 40);
    k.take(40).await;
    k.close(40).await;
    assert_eq!(k.screen(), "receipt");
    let events = k.events().await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, "hold_pickup");
    let body = serde_json::to_value(&events[0].body).unwrap();
    assert_eq!(body["hold_id"], "H-0001");
}

#[tokio::test]
async fn a_book_held_for_someone_else_cannot_be_borrowed() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "browse"})).await;
    let held = k.view()["items"].as_array().unwrap().iter().find(|i| i["id"] == "MP0040").cloned().unwrap();
    assert_eq!(held["available"], false);
    k.select("MP0040").await;
    assert_eq!(k.notice(), "refusal.item_held_for_someone_else");
}

#[tokio::test]
async fn a_book_not_taken_in_time_is_cancelled() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.borrow_until_door_open("MP0005").await, 5);
    assert_eq!(k.view()["dispensing"]["seconds_left"], 60);
    k.advance(30).await;
    assert_eq!(k.screen(), "dispensing", "a session never times out with a door open");
    k.advance(31).await;
    let v = k.view();
    assert_eq!(v["screen"], "receipt");
    assert_eq!(v["receipt"][0]["problem"], "problem.not_taken");
    assert_eq!(v["notice"]["key"], "notice.close_door");
    assert_eq!(k.event_kinds().await, vec!["alarm"], "door left open, no loan");
    assert_eq!(k.slot_item(5).await.as_deref(), Some("MP0005"));
}

#[tokio::test]
async fn a_book_taken_with_the_door_left_open_is_lent_and_raises_an_alarm() {
    let mut k = Kiosk::new().await;
    assert_eq!(k.borrow_until_door_open("MP0006").await, 6);
    k.take(6).await;
    k.advance(61).await;
    assert_eq!(k.screen(), "receipt");
    assert_eq!(k.notice(), "notice.close_door");
    assert_eq!(k.view()["receipt"][0]["due_date"], "2026-12-14");
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
    assert_eq!(k.view()["dispensing"]["slot"], 8);
    k.take(8).await;
    k.close(8).await;
    let v = k.view();
    assert_eq!(v["receipt"][0]["problem"], "problem.door_did_not_open");
    assert!(v["receipt"][1]["due_date"].is_string());
    assert_eq!(k.event_kinds().await, vec!["alarm", "loan"]);
    k.act(json!({"action": "back"})).await;
    k.act(json!({"action": "browse"})).await;
    let item = k.view()["items"].as_array().unwrap().iter().find(|i| i["id"] == "MP0007").cloned().unwrap();
    assert_eq!(item["available"], false, "a faulty locker is not offered");
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
    assert_eq!(k.screen(), "receipt");
    assert_eq!(k.view()["receipt"][0]["problem"], "problem.door_did_not_open");
    assert!(!k.event_kinds().await.contains(&"loan".to_owned()));
}

#[tokio::test]
async fn return_books_one_at_a_time_without_a_card() {
    let mut k = Kiosk::new().await;
    k.act(json!({"action": "start_return"})).await;
    assert_eq!(k.view()["returning"]["step"], "scan");
    k.scan("MP0041").await;
    assert_eq!(k.view()["returning"]["step"], "insert_book");
    k.put(41, "MP0041").await;
    assert_eq!(k.view()["returning"]["step"], "close_door");
    k.close(41).await;
    let v = k.view();
    assert_eq!(v["returning"]["step"], "scan", "ready for the next book");
    assert_eq!(v["notice"]["key"], "notice.returned");
    assert_eq!(v["notice"]["kind"], "success", "good news, in its colour");
    k.scan("MP0042").await;
    assert!(k.view().get("notice").is_none(), "the next scan clears the last notice");
    k.put(41, "MP0042").await;
    k.close(41).await;
    assert_eq!(k.view()["returning"]["returned"].as_array().map(Vec::len), Some(2));
    assert_eq!(k.event_kinds().await, vec!["return", "return"]);
    // A book from elsewhere, and one that is already here, are refused.
    k.scan("XX9999").await;
    assert_eq!(k.notice(), "refusal.item_not_from_this_kiosk");
    k.scan("MP0001").await;
    assert_eq!(k.notice(), "refusal.item_not_on_loan");
    k.act(json!({"action": "logout"})).await;
    assert_eq!(k.screen(), "attract");
}

#[tokio::test]
async fn a_book_scanned_on_the_idle_screen_starts_a_return() {
    let mut k = Kiosk::new().await;
    k.scan("MP0043").await;
    assert_eq!(k.screen(), "return");
    assert_eq!(k.view()["returning"]["step"], "insert_book");
}

#[tokio::test]
async fn a_full_bin_refuses_returns() {
    let mut k = Kiosk::with_config(|c| c.hardware.return_bin_capacity = 1).await;
    k.scan("MP0041").await;
    k.put(41, "MP0041").await;
    k.close(41).await;
    k.scan("MP0042").await;
    assert_eq!(k.notice(), "refusal.return_bin_full");
    assert_eq!(k.event_kinds().await, vec!["return"]);
}

#[tokio::test]
async fn a_return_with_no_book_put_in_is_cancelled() {
    let mut k = Kiosk::new().await;
    k.scan("MP0041").await;
    k.close(41).await;
    k.advance(61).await;
    assert_eq!(k.notice(), "notice.return_cancelled");
    assert!(k.event_kinds().await.is_empty());
}

#[tokio::test]
async fn inactivity_ends_the_session_and_restores_the_language() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "language", "language": "en"})).await;
    assert_eq!(k.view()["language"], "en");
    k.advance(39).await;
    assert!(k.view().get("countdown").is_none(), "the warning shows for the last 20 s");
    k.act(json!({"action": "touch"})).await;
    k.advance(51).await;
    assert_eq!(k.view()["countdown"], 9, "the touch restarted the 60 s");
    k.advance(9).await;
    assert_eq!(k.screen(), "attract");
    assert_eq!(k.view()["language"], "ko");
    assert!(k.view().get("patron").is_none());
}

#[tokio::test]
async fn another_card_cannot_take_over_a_session() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "browse"})).await;
    k.select("MP0001").await;
    k.tap(HOLDER).await;
    assert_eq!(k.notice(), "notice.session_in_progress");
    assert_eq!(k.screen(), "browse");
    assert_eq!(k.view()["patron"]["ready_holds"].as_array().map(Vec::len), Some(0), "still the first patron");
    k.tap(STAFF).await;
    assert_eq!(k.screen(), "browse", "not even staff");
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
    assert_eq!(k.view()["staff"]["bin_count"], 1);
    // Unload the bin.
    k.act(json!({"action": "unload_bin"})).await;
    assert_eq!(k.view()["staff"]["task"], "unload");
    assert_eq!(k.world.empty_bin().unwrap(), vec!["MP0041".to_owned()]);
    k.close(41).await;
    assert_eq!(k.view()["staff"]["task"], "menu");
    assert_eq!(k.view()["staff"]["bin_count"], 0);
    // Restock locker 3 with the returned book.
    k.act(json!({"action": "restock", "slot": 3})).await;
    assert_eq!(k.view()["staff"]["task"], "restock_scan");
    k.scan("MP0041").await;
    assert_eq!(k.view()["staff"]["task"], "restock_close");
    k.put(3, "MP0041").await;
    k.close(3).await;
    assert_eq!(k.notice(), "notice.restocked");
    assert_eq!(k.slot_item(3).await.as_deref(), Some("MP0041"));
    // Restocking a full locker is refused.
    k.act(json!({"action": "restock", "slot": 4})).await;
    assert_eq!(k.notice(), "notice.restock_needs_empty_locker");
    // Open any door, take a locker and the kiosk out of service.
    k.act(json!({"action": "open_slot", "slot": 10})).await;
    assert_eq!(k.notice(), "notice.door_opened");
    assert!(k.world.snapshot().slots[9].door_open);
    k.close(10).await;
    k.act(json!({"action": "set_out_of_service", "slot": 11, "value": true})).await;
    k.act(json!({"action": "set_out_of_service", "value": true})).await;
    k.act(json!({"action": "outbox"})).await;
    let v = k.view();
    assert_eq!(v["staff"]["task"], "outbox");
    assert_eq!(v["staff"]["outbox"]["pending"], 7);
    assert_eq!(
        k.event_kinds().await,
        vec!["loan", "return", "bin_unloaded", "restock", "staff_door_opened", "out_of_service", "out_of_service"]
    );
    k.act(json!({"action": "back"})).await;
    k.act(json!({"action": "logout"})).await;
    assert_eq!(k.screen(), "out_of_service");
    k.tap(GOOD).await;
    assert_eq!(k.refusal(), "kiosk_out_of_service");
}

#[tokio::test]
async fn wrong_staff_pins_lock_staff_entry() {
    let mut k = Kiosk::new().await;
    k.tap(STAFF).await;
    k.act(json!({"action": "staff_pin", "pin": "1111"})).await;
    k.act(json!({"action": "staff_pin", "pin": "2222"})).await;
    assert_eq!(k.view()["pin_failures"], 2);
    k.act(json!({"action": "staff_pin", "pin": "3333"})).await;
    assert_eq!(k.refusal(), "pin_locked");
    k.act(json!({"action": "logout"})).await;
    k.tap(STAFF).await;
    k.act(json!({"action": "staff_pin", "pin": STAFF_PIN})).await;
    assert_eq!(k.refusal(), "pin_locked", "the right PIN does not help while locked");
}

#[tokio::test]
async fn staff_actions_need_staff() {
    let mut k = Kiosk::new().await;
    k.login(GOOD).await;
    k.act(json!({"action": "open_slot", "slot": 1})).await;
    assert_eq!(k.notice(), "refusal.not_staff");
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
    assert_eq!(v["screen"], "home", "{v}");
    assert_eq!(v["online"], false);
    assert_eq!(v["patron"]["offline"], true);
    assert_eq!(v["patron"]["can_borrow"], 1, "one offline loan per patron");
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
    assert_eq!(k.refusal(), "offline_not_eligible");
    k.act(json!({"action": "logout"})).await;
    // A patron never seen online cannot borrow offline.
    k.login(HOLDER).await;
    assert_eq!(k.refusal(), "offline_not_eligible");
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
    assert_eq!(k.screen(), "attract");
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
    assert_eq!((k.screen().as_str(), k.view()["language"].as_str()), ("home", Some("en")));
    k.act(json!({"action": "logout"})).await;
    assert_eq!(k.view()["language"], "ko", "the next patron starts in the kiosk's language");
}

#[tokio::test]
async fn a_loan_prints_a_receipt_where_a_printer_is_configured() {
    let mut k = Kiosk::new().await;
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
    let printed = printed.recv_timeout(std::time::Duration::from_secs(30)).expect("a receipt printed");
    assert_eq!(printed.len(), 2, "{printed:?}");
    assert!(printed[1].contains("홍길동전") && printed[1].contains("2026-12-14"), "{printed:?}");
}
