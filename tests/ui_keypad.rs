//! Voice guidance and the keypad: whole flows by key events alone (Slint's
//! `WindowEvent::KeyPressed`, the default key map of a USB numeric keypad),
//! with voice guidance on and what was spoken asserted at each step (a
//! recording speaker); no PIN digit, card number or pickup code is ever said.

mod common;

use bookstation::ui::{Api, Page};
use common::ui::UiKiosk;
use common::*;
use slint::ComponentHandle;

/// What was said since the last look, and forget it.
fn said(ui: &UiKiosk) -> Vec<String> {
    let texts = ui.spoken.texts();
    ui.spoken.clear();
    texts
}

#[track_caller]
fn said_one_containing(ui: &UiKiosk, words: &str) -> String {
    let texts = said(ui);
    texts
        .iter()
        .find(|t| t.contains(words))
        .cloned()
        .unwrap_or_else(|| panic!("nothing said with {words:?}; said {texts:?}"))
}

/// Nothing said may hold a secret: the PIN, a card's UID, a pickup code.
#[track_caller]
fn never_said(ui: &UiKiosk, secrets: &[&str]) {
    for text in ui.spoken.texts() {
        for s in secrets {
            assert!(!text.contains(s), "{s:?} was said: {text:?}");
        }
    }
}

/// Type the PIN on the keypad's digits: each digit is said only as a count.
#[track_caller]
fn type_pin(ui: &mut UiKiosk, counted: &dyn Fn(usize) -> String) {
    said(ui);
    let digits: Vec<char> = PIN.chars().collect();
    for (i, d) in digits.iter().enumerate() {
        ui.key(&d.to_string());
        if i + 1 < digits.len() {
            assert_eq!(said(ui), vec![counted(i + 1)], "digit {} is said as a count", i + 1);
        }
    }
}

#[test]
fn borrow_by_keypad_with_voice_guidance() {
    let mut ui = UiKiosk::on_testing_backend();
    assert!(!ui.speech_on(), "voice guidance waits to be asked for");
    ui.key("Down");
    assert!(said(&ui).is_empty(), "silent until asked");
    // The help key: on, how the keys work, then the screen (in Korean).
    ui.key("*");
    assert!(ui.speech_on());
    let first = said_one_containing(&ui, "음성 안내를 시작합니다");
    assert!(first.contains("24시간 스마트도서관"), "the screen's own words follow: {first}");
    // To English by keys: the screen is said again, in English.
    ui.key_to("English, 버튼", 30);
    ui.key("5");
    let english = said_one_containing(&ui, "Tap your library card on the reader");
    assert!(english.contains("24-hour smart library"), "{english}");

    ui.world(async |k| k.tap(GOOD).await);
    assert_eq!(ui.page(), Page::Pin);
    said_one_containing(&ui, "Enter the PIN of your library card.");
    // Digits on the keypad go straight into the PIN pad (2, 4, 6, 8 move
    // the focus elsewhere, never here).
    type_pin(&mut ui, &|n| if n == 1 { "1 digit entered".to_owned() } else { format!("{n} digits entered") });
    assert_eq!(ui.page(), Page::Home);
    let home = said_one_containing(&ui, "You can borrow");
    assert!(home.contains("The Little Prince"), "the shelf is read: {home}");

    // Browse by voice: the focus walks the controls, each said as it lands.
    let keys = ui.key_to("Borrow The Little Prince, button", 60);
    assert!(keys > 1, "the focus moved through other controls first");
    ui.key("Enter");
    assert_eq!(said(&ui), vec!["Remove The Little Prince, button, on".to_owned()], "the choice is said");
    ui.key_to("Next: check my choice, button", 60);
    ui.key("5");
    assert_eq!(ui.page(), Page::Confirm);
    said_one_containing(&ui, "Due back on Mon 14 Dec");
    ui.key_to("Borrow 1 book, button", 30);
    ui.key("5");
    assert_eq!(ui.page(), Page::Dispensing);
    let door = said_one_containing(&ui, "Take your book from locker 2");
    assert!(door.contains("The Little Prince"), "{door}");

    // The door's last seconds: said, with the focus on "More time".
    for _ in 0..120 {
        if ui.window.global::<Api>().get_dispense_warning() {
            break;
        }
        ui.world(async |k| k.advance(1).await);
    }
    let warning = said(&ui).join(" | ");
    assert!(warning.contains("seconds left") && warning.contains("More time, button"), "{warning}");
    ui.key("5");
    assert!(!ui.window.global::<Api>().get_dispense_warning(), "more time, by key");

    ui.world(async |k| {
        k.take(2).await;
        k.close(2).await;
    });
    assert_eq!(ui.page(), Page::Receipt);
    said_one_containing(&ui, "Due back by Mon 14 Dec (the library will confirm)");
    ui.key_to("Finish and sign out, button", 30);
    ui.key("5");
    assert_eq!(ui.page(), Page::Attract);
    assert!(!ui.speech_on(), "the next patron starts without voice guidance");
    never_said(&ui, &[PIN, GOOD]);
}

#[test]
fn return_by_keypad_with_voice_guidance() {
    let mut ui = UiKiosk::on_testing_backend();
    // The repeat key asks for voice guidance too.
    ui.key("/");
    said_one_containing(&ui, "음성 안내를 시작합니다");
    ui.key_to("English, 버튼", 30);
    ui.key("Enter");
    said(&ui);
    ui.key_to("Return books (no card needed), button", 30);
    ui.key("Enter");
    assert_eq!(ui.page(), Page::Returning);
    said_one_containing(&ui, "Hold the book's barcode under the scanner.");
    ui.world(async |k| k.scan("MP0041").await);
    said_one_containing(&ui, "Put the book into the return slot (door 41).");
    ui.world(async |k| {
        k.put(41, "MP0041").await;
        k.close(41).await;
    });
    let done = said_one_containing(&ui, "Returned: ");
    assert!(done.contains("Returned this time: 1"), "{done}");
    // Repeat says it again; the volume keys say where the volume is.
    ui.key("/");
    assert_eq!(said(&ui).len(), 1, "said again");
    ui.key("+");
    assert_eq!(said(&ui), vec!["Volume 6 of 10".to_owned()]);
    ui.key("Escape");
    said(&ui);
    ui.key_to("Finish, button", 30);
    ui.key("5");
    assert_eq!(ui.page(), Page::Attract);
}

#[test]
fn hold_pickup_with_a_code_by_keypad_in_korean() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.key("*");
    said(&ui);
    ui.key_to("찾기 번호로 예약 도서 찾기, 버튼", 30);
    ui.key("5");
    // The number pad the window opened is said (no engine view for it).
    said_one_containing(&ui, "0자리 입력됨");
    let code = "246810";
    for (i, d) in code.chars().enumerate() {
        ui.key(&d.to_string());
        assert_eq!(said(&ui), vec![format!("{}자리 입력됨", i + 1)], "a code's digit is said as a count");
    }
    // Enter with nothing focused is the pad's own OK ("열기").
    ui.key("Enter");
    assert_eq!(ui.page(), Page::Holds);
    let holds = said(&ui).join(" | ");
    assert!(holds.contains("40"), "the hold's locker is said: {holds}");
    ui.key_to("받기, 버튼", 30);
    ui.key("5");
    assert_eq!(ui.page(), Page::Dispensing);
    let door = said(&ui).join(" | ");
    assert!(door.contains("40"), "the locker is said: {door}");
    ui.world(async |k| {
        k.take(40).await;
        k.close(40).await;
    });
    assert_eq!(ui.page(), Page::Receipt);
    assert!(!said(&ui).is_empty(), "the receipt is said");
    never_said(&ui, &[code, HOLDER]);
}

#[test]
fn keys_move_a_visible_focus_ring_without_voice_guidance() {
    let mut ui = UiKiosk::on_testing_backend();
    let api = ui.window.global::<Api>();
    assert!(!api.get_focus_shown());
    ui.key("Down");
    let api = ui.window.global::<Api>();
    assert!(api.get_focus_shown() && api.get_focus_width() > 0.0, "the ring is drawn round a control");
    let first = (api.get_focus_x(), api.get_focus_y());
    ui.key("Down");
    let api = ui.window.global::<Api>();
    assert_ne!((api.get_focus_x(), api.get_focus_y()), first, "the ring moved on");
    assert!(said(&ui).is_empty(), "no voice until asked for");
    // The voice-guidance control, pressed by touch, turns it on.
    ui.press("음성 안내");
    assert!(ui.speech_on());
    said_one_containing(&ui, "음성 안내를 시작합니다");
    ui.press("음성 안내");
    assert_eq!(said(&ui), vec!["음성 안내를 끕니다".to_owned()]);
    assert!(!ui.speech_on());
}

#[test]
fn a_key_held_down_acts_once() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.key("*");
    assert!(ui.speech_on());
    said(&ui);
    ui.hold("Down", 6);
    let moved = said(&ui);
    assert_eq!(moved.len(), 1, "one step for one press, however long it is held: {moved:?}");
    ui.key("Down");
    let next = said(&ui);
    assert_eq!(next.len(), 1);
    assert_ne!(moved, next, "the next press moves on from there");
}

#[test]
fn a_key_struck_twice_within_the_acceptance_delay_counts_once() {
    let config = bookstation::config::AccessibilityConfig { key_acceptance_ms: 500, ..Default::default() };
    let mut ui = UiKiosk::with_accessibility(&config);
    ui.key("*");
    said(&ui);
    let step = |ui: &mut UiKiosk, after_ms: u64| {
        i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(after_ms));
        ui.key("Down");
        said(ui).len()
    };
    assert_eq!(step(&mut ui, 1_000), 1, "the first press is taken");
    assert_eq!(step(&mut ui, 120), 0, "a bounce 120 ms later is not");
    assert_eq!(step(&mut ui, 300), 0, "nor one 300 ms after that bounce");
    assert_eq!(step(&mut ui, 600), 1, "a press 600 ms after the last strike is");
}
