//! The staff screens driven by their accessible labels, as staff use them:
//! the whole kiosk out of service only after a confirm (and named apart
//! from one locker), the inventory audit's list, the sync queue's events,
//! a locker holding a book the kiosk has no record of, and a restock
//! refusal that says what to do.

mod common;

use bookstation::ui::{Api, Page, StaffTask};
use common::ui::UiKiosk;
use common::*;
use slint::ComponentHandle;

/// English, the demo staff card and its PIN: the staff map.
fn staff(ui: &mut UiKiosk) {
    ui.press("English");
    ui.world(async |k| k.tap(STAFF).await);
    ui.type_digits(STAFF_PIN);
    ui.press("OK");
    assert_eq!(ui.page(), Page::Staff);
}

/// The good patron borrows the book in locker 1, so the kiosk's record of
/// locker 1 is empty; then the screen is back at the start.
fn lend_locker_1(ui: &mut UiKiosk) {
    ui.world(async |k| {
        assert_eq!(k.borrow_until_door_open("MP0001").await, 1);
        k.take(1).await;
        k.close(1).await;
        k.act(serde_json::json!({"action": "logout"})).await;
    });
}

/// A book nobody restocked goes into locker 1, which the record says is
/// empty (staff open it, put a book in, close it).
fn put_unregistered_book_in_locker_1(ui: &mut UiKiosk) {
    ui.press("Locker 1");
    ui.press("Open door");
    ui.world(async |k| {
        k.put(1, "MP0099").await;
        k.close(1).await;
    });
}

fn task(ui: &UiKiosk) -> StaffTask {
    ui.window.global::<Api>().get_staff_task()
}

#[test]
fn the_whole_kiosk_asks_first_and_is_named_apart_from_one_locker() {
    let mut ui = UiKiosk::on_testing_backend();
    staff(&mut ui);
    ui.press("Locker 3");
    assert!(ui.has("Take locker 3 out of service"), "one locker's button names it");
    ui.press("Whole kiosk out of service…");
    assert_eq!(task(&ui), StaffTask::ConfirmKioskOutOfService);
    assert!(!ui.k.staff().kiosk_out_of_service, "nothing happens before the confirm");
    ui.press("Cancel: keep the kiosk in service");
    assert_eq!((task(&ui), ui.k.staff().kiosk_out_of_service), (StaffTask::Menu, false));
    ui.press("Whole kiosk out of service…");
    ui.press("Yes, take the whole kiosk out of service");
    assert!(ui.k.staff().kiosk_out_of_service);
    assert!(!ui.k.staff().slots[2].out_of_service, "locker 3 is not what went out of service");
    assert!(ui.has("Whole kiosk back in service"));
    ui.press("Take locker 3 out of service");
    assert!(ui.k.staff().slots[2].out_of_service);
    assert!(ui.has("Put locker 3 back in service"));
    // The return bin has its own words (out of service, it takes no returns).
    ui.press("Return bin");
    assert!(ui.has("Take the return bin out of service"));
}

#[test]
fn a_locker_with_a_book_the_kiosk_has_no_record_of_is_shown_as_such() {
    let mut ui = UiKiosk::on_testing_backend();
    lend_locker_1(&mut ui);
    staff(&mut ui);
    assert!(!ui.has("Locker 1: Unregistered book"));
    put_unregistered_book_in_locker_1(&mut ui);
    assert!(ui.has("Locker 1: Unregistered book"), "the map marks it: {:?}", ui.k.staff().slots[0]);
}

#[test]
fn the_audit_lists_each_mismatch_with_what_to_do() {
    let mut ui = UiKiosk::on_testing_backend();
    lend_locker_1(&mut ui);
    staff(&mut ui);
    put_unregistered_book_in_locker_1(&mut ui);
    // Locker 2's book taken out.
    ui.press("Locker 2");
    ui.press("Open door");
    ui.world(async |k| {
        k.take(2).await;
        k.close(2).await;
    });
    ui.press("Inventory audit");
    assert_eq!(task(&ui), StaffTask::Audit);
    let title = ui.k.staff().slots[1].title.clone().expect("locker 2's book");
    let missing = format!("Locker 2: “{title}” is not in it.");
    let unregistered = "Locker 1: a book the kiosk has no record of.";
    for line in [missing.as_str(), unregistered] {
        let row = ui.find(line).unwrap_or_else(|| panic!("no audit line {line:?}: {:?}", ui.k.staff().audit));
        let advice = row.accessible_description().unwrap_or_default();
        assert!(!advice.is_empty(), "{line:?} says what to do");
    }
    assert!(!ui.has("Locker 3: a book the kiosk has no record of."), "a matching locker is not listed");
    // A tap on a line chooses that locker for the buttons below.
    ui.press(unregistered);
    assert!(ui.has("Take locker 1 out of service"));
    // The district hears of it.
    let events = ui.rt.block_on(ui.k.events());
    let audit = events.iter().find(|e| e.kind.as_str() == "inventory_audit").expect("an inventory_audit event");
    let body = serde_json::to_value(&audit.body).expect("json");
    assert_eq!(body["lockers"], 40, "{body}");
    assert_eq!(body["lines"].as_array().map(Vec::len), Some(2), "{body}");
}

#[test]
fn a_clean_audit_says_so() {
    let mut ui = UiKiosk::on_testing_backend();
    staff(&mut ui);
    ui.press("Inventory audit");
    let lockers = ui.window.global::<Api>().get_audit_lockers();
    assert_eq!(lockers, 40);
    assert!(ui.has(&format!("All {lockers} lockers match the kiosk's record.")));
}

/// Every kind of event is named in the queue: a help call read "Other"
/// before the kinds were typed through to the screen.
#[test]
fn a_help_call_is_named_in_the_sync_queue() {
    let mut ui = UiKiosk::on_testing_backend();
    ui.press("English");
    ui.press("Help: reach the library");
    ui.press("Close help");
    staff(&mut ui);
    ui.press("Sync queue");
    let shown = ui.window.global::<Api>().get_outbox_recent();
    let help = slint::Model::iter(&shown).find(|r| r.seq == 1).expect("the help call's row");
    assert_eq!(help.event, bookstation::ui::EventKind::HelpRequested);
    assert!(ui.has("#1 Help requested, 11-29 10:00, waiting"), "{:?}", ui.k.staff().outbox_recent);
}

#[test]
fn the_outbox_lists_its_events_never_whose() {
    let mut ui = UiKiosk::on_testing_backend();
    lend_locker_1(&mut ui);
    staff(&mut ui);
    ui.press("Sync queue");
    assert_eq!(task(&ui), StaffTask::Outbox);
    // What (with its locker and book, issue 22), when (Seoul time), and
    // where it is.
    assert!(ui.has("#1 Loan · Locker 1 · 홍길동전, 11-29 10:00, waiting"), "{:?}", ui.k.staff().outbox_recent);
    let shown = ui.window.global::<Api>().get_outbox_recent();
    assert_eq!(slint::Model::row_count(&shown), ui.k.staff().outbox_recent.len(), "every event listed");
    let view = format!("{:?}", ui.k.staff());
    assert!(!view.contains("1000001"), "the staff view names no patron: {view}");
}

#[test]
fn a_restock_refusal_says_what_to_do() {
    let mut ui = UiKiosk::on_testing_backend();
    staff(&mut ui);
    ui.press("Locker 3");
    ui.press("Restock");
    // The title as the screen has it (its Korean words joined, keep-all).
    let title = ui.window.global::<Api>().get_notice_title();
    assert!(!title.is_empty(), "the notice names the book: {:?}", ui.k.view().notice);
    let says = format!("Locker 3 holds “{title}”. Choose an empty locker, or take that book out first (Open door).");
    let shown = i_slint_backend_testing::ElementHandle::find_by_accessible_label(&ui.window, &says).next();
    assert!(shown.is_some(), "no notice {says:?}: {:?}", ui.k.view().notice);
}
