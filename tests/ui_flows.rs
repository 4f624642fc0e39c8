//! The touch UI driven the way a patron or staff member uses it: controls
//! found by their accessible labels, on Slint's testing backend, against the
//! engine with simulated hardware. One test per flow, so the first failure
//! does not hide the rest; the testing backend is set up once per test
//! thread (Slint's platform is per thread).

mod common;

use bookstation::domain::line_break::{is_hangul, keep_all};
use bookstation::ui::{Api, DispenseStep, Language, Notice, NoticeKind, Page, ReturnStep, StaffTask, Theme};
use common::ui::UiKiosk;
use common::*;
use slint::ComponentHandle;

#[test]
fn borrow_in_english() {
    let mut ui = UiKiosk::on_testing_backend();
    assert_eq!(ui.page(), Page::Attract);
    ui.press("English");
    ui.world(async |k| k.tap(GOOD).await);
    assert_eq!(ui.page(), Page::Pin);
    // The demo's PINs have 4 digits: the fourth is the last touch, no OK.
    ui.type_digits(PIN);
    assert_eq!(ui.page(), Page::Home);
    // From the accepted PIN to an open door: the card's Borrow, Next, and
    // the confirm step that shows the due date.
    ui.touches = 0;
    ui.press("Borrow The Little Prince");
    assert!(ui.has("Remove The Little Prince"), "the card shows the choice");
    ui.press("Next: check my choice");
    assert_eq!(ui.page(), Page::Confirm);
    assert!(ui.has("Due back on Mon 14 Dec"), "the confirm step names the due date in English");
    // Singular in English: "Borrow 1 book", not "1 book(s)".
    ui.press("Borrow 1 book");
    assert_eq!(ui.page(), Page::Dispensing);
    assert_eq!(ui.touches, 3, "touches from the accepted PIN to the open door");
    let api = ui.window.global::<Api>();
    assert_eq!(api.get_dispense_slot(), 2);
    assert_eq!(api.get_dispense_step(), DispenseStep::TakeBook);
    ui.world(async |k| {
        k.take(2).await;
        k.close(2).await;
    });
    assert_eq!(ui.page(), Page::Receipt);
    let receipt = ui.window.global::<Api>().get_receipt();
    assert_eq!(slint::Model::row_data(&receipt, 0).map(|r| r.due_date.to_string()), Some("Mon 14 Dec".into()));
    // The receipt is the patron's choice: the demo has no printer, so only the phone.
    assert!(!ui.has("Print receipt"), "no printer, no Print");
    let finish_before = ui.geometry(&["Finish and sign out"]);
    ui.press("Send the receipt to my phone by text message");
    assert!(ui.has("The library will text the receipt to the phone number it has for you."));
    assert!(!ui.has("Send the receipt to my phone by text message"), "asked once");
    assert_eq!(ui.geometry(&["Finish and sign out"]), finish_before, "Finish stays under the finger");
    ui.press("Finish and sign out");
    assert_eq!(ui.page(), Page::Attract);
    let kinds = ui.rt.block_on(ui.k.event_kinds());
    assert_eq!(kinds.iter().filter(|k| *k == "receipt_requested").count(), 1, "{kinds:?}");
}

#[test]
fn a_suspension_names_its_last_day_and_how_to_reach_the_library() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.press("English");
    ui.world(async |k| k.tap(SUSPENDED).await);
    ui.type_digits(PIN);
    assert_eq!(ui.page(), Page::Refusal);
    assert!(ui.has("Your library membership is suspended until Sun 20 Dec."));
}

#[test]
fn return_without_a_card() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.press("English");
    ui.press("Return books (no card needed)");
    assert_eq!(ui.page(), Page::Returning);
    ui.world(async |k| k.scan("MP0041").await);
    assert_eq!(ui.window.global::<Api>().get_return_step(), ReturnStep::InsertBook);
    ui.world(async |k| {
        k.put(41, "MP0041").await;
        k.close(41).await;
    });
    let api = ui.window.global::<Api>();
    assert_eq!(api.get_return_step(), ReturnStep::Scan);
    assert_eq!(api.get_notice(), Notice::Returned);
    assert_eq!(slint::Model::row_count(&api.get_returned()), 1);
    ui.press("Finish");
    assert_eq!(ui.page(), Page::Attract);
}

#[test]
fn pick_up_a_hold_in_korean() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.world(async |k| k.tap(HOLDER).await);
    ui.type_digits(PIN);
    assert_eq!(ui.page(), Page::Home);
    ui.press("예약 도서 찾기");
    assert_eq!(ui.page(), Page::Holds);
    ui.press("받기");
    assert_eq!(ui.window.global::<Api>().get_dispense_slot(), 40);
    ui.world(async |k| {
        k.take(40).await;
        k.close(40).await;
    });
    assert_eq!(ui.page(), Page::Receipt);
}

#[test]
fn language_and_display_modes_reset_when_the_session_times_out() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.world(async |k| k.tap(GOOD).await);
    ui.press("English");
    assert!(ui.has("Clear"), "the PIN pad speaks English now");
    ui.type_digits(PIN);
    ui.press("Large text");
    ui.press("High contrast");
    let theme = ui.window.global::<Theme>();
    assert!(theme.get_large_text() && theme.get_high_contrast());
    ui.world(async |k| k.advance(55).await);
    assert_eq!(ui.window.global::<Api>().get_countdown(), 5);
    assert!(ui.has("Continue session"), "the countdown banner offers to continue");
    ui.press("Continue session");
    assert_eq!(ui.window.global::<Api>().get_countdown(), 0);
    ui.world(async |k| k.advance(60).await);
    assert_eq!(ui.page(), Page::Attract);
    assert_eq!(ui.window.global::<Api>().get_language(), Language::Ko);
    let theme = ui.window.global::<Theme>();
    assert!(!theme.get_large_text() && !theme.get_high_contrast(), "display modes end with the session");
    assert!(ui.has("책 반납하기 (회원증 필요 없음)"), "back in Korean");
}

/// Defect 5 of issue 14: a member's QR code on the return screen is told
/// that returns need no card (not that someone else is using the kiosk);
/// the next good scan clears that; success looks like success.
#[test]
fn a_member_qr_on_the_return_screen_and_the_next_scan() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.press("English");
    ui.world(async |k| k.login(GOOD).await);
    ui.press("Return books");
    assert_eq!(ui.page(), Page::Returning);
    ui.world(async |k| k.scan("MAPO-MEMBER:1000001").await);
    let api = ui.window.global::<Api>();
    assert_eq!((api.get_notice(), api.get_notice_kind()), (Notice::ReturnsNeedNoCard, NoticeKind::Info));
    assert!(ui.has("Returns need no card: hold the book's barcode under the scanner."));
    assert_eq!(ui.page(), Page::Returning, "still returning, same patron");
    ui.world(async |k| k.scan("MP0041").await);
    let api = ui.window.global::<Api>();
    assert_eq!((api.get_notice(), api.get_return_step()), (Notice::None, ReturnStep::InsertBook), "banner cleared");
    ui.world(async |k| {
        k.put(41, "MP0041").await;
        k.close(41).await;
    });
    let api = ui.window.global::<Api>();
    assert_eq!((api.get_notice(), api.get_notice_kind()), (Notice::Returned, NoticeKind::Success));
    // A refusal is an error.
    ui.world(async |k| k.scan("SEOCHO-0042").await);
    let api = ui.window.global::<Api>();
    assert_eq!((api.get_notice(), api.get_notice_kind()), (Notice::Refusal, NoticeKind::Error));
}

/// Defect 4 of issue 14: the wrong-PIN notice and the tries count go into
/// space kept for them; the keys stay where the finger expects them.
#[test]
fn a_wrong_pin_moves_no_key() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.press("English");
    ui.world(async |k| k.tap(GOOD).await);
    assert_eq!(ui.page(), Page::Pin);
    let keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "Clear", "OK"];
    let before = ui.geometry(&keys);
    ui.type_digits("9999");
    let api = ui.window.global::<Api>();
    assert_eq!((ui.page(), api.get_pin_failures(), api.get_notice()), (Page::Pin, 1, Notice::WrongPin));
    assert_eq!(ui.geometry(&keys), before, "the keypad moved after a wrong PIN");
}

/// Defect 3 of issue 14: the inactivity warning gives at least 20 s, covers
/// the screen rather than pushing it, and its button keeps its size while
/// the seconds count down.
#[test]
fn the_inactivity_warning_gives_20_seconds_and_moves_nothing() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.press("English");
    ui.world(async |k| k.login(GOOD).await);
    assert_eq!(ui.page(), Page::Home);
    let controls = ["Help: reach the library", "Finish", "Search by title or author", "Return books", "Large text"];
    let before = ui.geometry(&controls);
    ui.world(async |k| k.advance(39).await);
    assert_eq!(ui.window.global::<Api>().get_countdown(), 0, "no warning yet");
    ui.world(async |k| k.advance(1).await);
    assert!(ui.window.global::<Api>().get_countdown() >= 20, "at least 20 s to answer (WCAG 2.2.1)");
    assert_eq!(ui.geometry(&controls), before, "the warning moved the screen");
    let button = ui.geometry(&["Continue session"]);
    for secs in [11, 8] {
        ui.world(async |k| k.advance(secs).await);
        assert_eq!(
            ui.geometry(&["Continue session"]),
            button,
            "the button changed at {:?} s",
            ui.window.global::<Api>().get_countdown()
        );
    }
    assert_eq!(ui.window.global::<Api>().get_countdown(), 1);
    ui.press("Continue session");
    assert_eq!((ui.page(), ui.window.global::<Api>().get_countdown()), (Page::Home, 0));
}

/// Defect 4 of issue 14: a staff notice does not push the locker map down.
#[test]
fn a_staff_notice_moves_no_locker() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.press("English");
    ui.world(async |k| k.tap(STAFF).await);
    ui.type_digits(STAFF_PIN);
    ui.press("OK");
    assert_eq!(ui.page(), Page::Staff);
    let lockers: Vec<String> =
        (1..=40).map(|n| format!("Locker {n}")).filter(|l| ui.has(l)).chain(["Return bin".to_string()]).collect();
    assert!(lockers.len() > 10, "the map shows the cabinet: {lockers:?}");
    let mut controls: Vec<&str> = lockers.iter().map(String::as_str).collect();
    controls.extend(["Open door", "Restock", "Unload return bin", "Whole kiosk out of service…"]);
    let before = ui.geometry(&controls);
    ui.press("Locker 3");
    ui.press("Open door");
    assert_eq!(ui.window.global::<Api>().get_notice(), Notice::DoorOpened);
    assert_eq!(ui.geometry(&controls), before, "the map moved under the notice");
}

#[test]
fn staff_pin_and_open_a_door() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.press("English");
    ui.world(async |k| k.tap(STAFF).await);
    assert_eq!(ui.page(), Page::StaffPin);
    ui.type_digits(STAFF_PIN);
    ui.press("OK");
    assert_eq!(ui.page(), Page::Staff);
    ui.press("Locker 3");
    ui.press("Open door");
    assert_eq!(ui.window.global::<Api>().get_notice(), Notice::DoorOpened);
    assert!(ui.k.world.snapshot().slots[2].door_open);
    ui.press("Sync queue");
    assert_eq!(ui.window.global::<Api>().get_staff_task(), StaffTask::Outbox);
    ui.press("Sync now");
    assert_eq!(ui.window.global::<Api>().get_staff_task(), StaffTask::Outbox, "sync now keeps the queue in view");
}

#[test]
fn the_dispensing_countdown_moves_and_more_time_gives_it_back() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.world(async |k| k.tap(HOLDER).await);
    ui.type_digits(PIN);
    ui.press("예약 도서 찾기");
    ui.press("받기");
    assert_eq!(ui.window.global::<Api>().get_dispense_seconds(), 60);
    ui.world(async |k| k.advance(1).await);
    assert_eq!(ui.window.global::<Api>().get_dispense_seconds(), 59, "the countdown moves every second");
    assert!(!ui.has("시간 연장"), "no more-time button before the warning");
    ui.world(async |k| k.advance(40).await);
    assert_eq!(ui.window.global::<Api>().get_dispense_seconds(), 19);
    assert!(ui.window.global::<Api>().get_dispense_warning());
    ui.press("시간 연장");
    assert_eq!(ui.window.global::<Api>().get_dispense_seconds(), 60, "the full time again");
    assert!(!ui.window.global::<Api>().get_dispense_warning());
}

#[test]
fn the_return_slot_counts_down_too_and_more_time_gives_it_back() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.press("책 반납하기 (회원증 필요 없음)");
    ui.world(async |k| k.scan("MP0041").await);
    assert_eq!(ui.window.global::<Api>().get_return_step(), ReturnStep::InsertBook);
    assert_eq!(ui.window.global::<Api>().get_return_seconds(), 60);
    ui.world(async |k| k.advance(1).await);
    assert_eq!(ui.window.global::<Api>().get_return_seconds(), 59, "the countdown moves every second");
    assert!(!ui.has("시간 연장"));
    ui.world(async |k| k.advance(40).await);
    assert!(ui.window.global::<Api>().get_return_warning());
    ui.press("시간 연장");
    assert_eq!(ui.window.global::<Api>().get_return_seconds(), 60, "the full time again");
    ui.world(async |k| {
        k.put(41, "MP0041").await;
        k.close(41).await;
    });
    assert_eq!(ui.window.global::<Api>().get_return_step(), ReturnStep::Scan, "returned after the extension");
}

/// Two Hangul syllables side by side with nothing to hold them together: a
/// place where the renderer may break a Korean word across lines.
fn split_points(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).filter(|w| is_hangul(w[0]) && is_hangul(w[1])).map(|w| w.iter().collect()).collect()
}

#[test]
fn korean_words_are_kept_whole_on_every_line() {
    use i_slint_backend_testing::ElementQuery;
    let mut ui = UiKiosk::on_testing_backend();
    let mut seen = 0;
    let mut check = |ui: &UiKiosk, screen: &str| {
        for element in ElementQuery::from_root(&ui.window).find_all() {
            let Some(label) = element.accessible_label() else { continue };
            if element.size().width <= 0.0 {
                continue;
            }
            let splits = split_points(&label);
            assert!(splits.is_empty(), "{screen}: {label:?} may break inside {splits:?}");
            seen += usize::from(label.chars().any(is_hangul));
        }
    };
    check(&ui, "attract");
    ui.world(async |k| k.tap(GOOD).await);
    check(&ui, "pin");
    ui.type_digits(PIN);
    check(&ui, "home");
    ui.world(async |k| k.act(serde_json::json!({"action": "browse"})).await);
    check(&ui, "browse (the district's titles)");
    assert!(seen > 20, "only {seen} Korean texts looked at");
}

#[test]
fn the_search_keyboard_has_digits_and_doubled_consonants() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.world(async |k| k.tap(GOOD).await);
    ui.type_digits(PIN);
    ui.world(async |k| k.act(serde_json::json!({"action": "browse"})).await);
    ui.press("책 제목이나 저자로 검색");
    for key in ["8", "2"] {
        ui.press(key);
    }
    assert_eq!(ui.window.global::<Api>().get_query(), "82", "digits for \"82년생 김지영\"");
    ui.press("검색어 지우기");
    ui.press("쌍자음");
    ui.press("ㄲ");
    ui.press("ㅗ");
    ui.press("ㅊ");
    assert_eq!(ui.window.global::<Api>().get_query(), "꽃", "shift gives one doubled consonant, then plain keys");
}

/// Issue 14: home says what matters: each loan with its due date in the
/// patron's form, each hold with its locker and the day it goes back.
#[test]
fn home_lists_the_loans_with_due_dates_and_the_holds_with_their_last_day() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.press("English");
    // At the district quota: the refusal names the books and their dates.
    ui.world(async |k| k.login(AT_QUOTA).await);
    assert_eq!(ui.page(), Page::Refusal);
    assert!(ui.has("Sapiens: due Tue 8 Dec"), "a loan from another library, with the district's title");
    assert!(ui.has("Animal Farm: due Thu 10 Dec"), "a loan from this kiosk");
    assert!(ui.has("Questions? Call 02-0000-0000 (demo) (Weekdays 9:00–18:00)."), "a phone, not a desk");
    ui.press("Finish");
    // Overdue: the refusal names the overdue book.
    ui.press("English");
    ui.world(async |k| k.login(OVERDUE).await);
    assert_eq!(ui.page(), Page::Refusal);
    let overdue = ui.k.view().patron.map(|p| p.loans).unwrap_or_default();
    let overdue: Vec<_> = overdue
        .iter()
        .filter(|l| l.overdue)
        .map(|l| format!("{}: overdue since Sun 1 Nov", keep_all(&l.title)))
        .collect();
    assert_eq!(overdue.len(), 1);
    assert!(ui.has(&overdue[0]), "{overdue:?}");
    ui.press("Finish");
    ui.press("English");
    ui.world(async |k| k.login(HOLDER).await);
    assert!(ui.has("Reserved for you: The Hobbit"));
    assert!(ui.has("Locker 40 · until Sat 5 Dec"), "the hold's locker and last day");
}

/// Issue 14: "Help" on every screen tells the district (once a minute at
/// most) and shows how to reach a person.
#[test]
fn help_on_any_screen_tells_staff_and_shows_the_phone() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.press("English");
    ui.press("Help: reach the library");
    assert!(ui.has("Call 02-0000-0000 (demo)"), "the library's phone from [help]");
    assert!(ui.has("Weekdays 9:00–18:00"), "the hours in English");
    ui.press("Close help");
    assert!(!ui.has("Call 02-0000-0000 (demo)"));
    // Issue 22: a Chinese or Japanese reader gets the operator's English,
    // not its Korean, where the config gives no words of their own.
    for language in ["中文", "日本語"] {
        ui.press(language);
        let api = ui.window.global::<Api>();
        assert_eq!(api.get_help_hours().as_str(), "Weekdays 9:00–18:00", "the hours in English for {language}");
        assert_eq!(
            api.get_kiosk_name().as_str(),
            "Hapjeong Station Smart Library (demo)",
            "the kiosk's name in English for {language}"
        );
    }
    ui.press("English");
    ui.world(async |k| k.login(GOOD).await);
    ui.press("Help: reach the library");
    ui.press("Close help");
    let kinds = ui.rt.block_on(ui.k.event_kinds());
    assert_eq!(kinds.iter().filter(|k| *k == "help_requested").count(), 1, "twice within a minute: one event");
    ui.world(async |k| k.advance(61).await);
    ui.world(async |k| k.login(GOOD).await);
    ui.press("도움 요청: 도서관에 연락");
    let kinds = ui.rt.block_on(ui.k.event_kinds());
    assert_eq!(kinds.iter().filter(|k| *k == "help_requested").count(), 2);
}

/// Issue 14: a reservation picked up with its code, on the start screen.
#[test]
fn a_reservation_picked_up_with_its_code() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.press("English");
    ui.press("Pick up a reservation with its code");
    ui.type_digits("246810");
    ui.press("Open");
    assert_eq!(ui.page(), Page::Holds);
    ui.press("Pick up");
    assert_eq!(ui.window.global::<Api>().get_dispense_slot(), 40);
}
