//! Step-by-step tests of the core alone: which effects come out of which
//! input, in what order, and what the view then shows. Each flow (sign-in
//! with its PIN and lock-out, a loan, a return, a hold pickup, the
//! inactivity and dispense timeouts, the district's comings and goings)
//! has one test per step, and [`Engine::sensor_changes`] its own. The whole
//! flows against real parts live in `tests/engine_flows.rs`.

use super::*;
use crate::district::ReturnHere;
use crate::domain::IntentId;
use crate::domain::{AlarmKind, EventBody, FaultCode, Hold, IntentKind, PatronId, PatronStatus, SlotKind, Standing};
use crate::engine::effect::IntentSpec;
use crate::engine::input::AuthResult;
use crate::engine::view::{
    DispenseStep, DisplayModes, PatronView, Problem, ReceiptLine, ReceiptOptions, ReceiptVia, ReturnStep, Screen,
    TextSize,
};

const T0: Timestamp = Timestamp(1_795_900_000_000);

fn settings() -> EngineSettings {
    let mut s = EngineSettings::from_config(&crate::config::Config::demo(std::path::Path::new("/nonexistent")));
    s.require_pin = false;
    s
}

fn engine() -> Engine {
    engine_with(settings())
}

/// The demo kiosk's one book, in locker 1 and seen by its sensor; a second
/// of the kiosk's books, MP0041, is out on loan; the return bin is 41.
fn engine_with(settings: EngineSettings) -> Engine {
    let item = Item {
        id: ItemId::new("MP0001"),
        title: "홍길동전".into(),
        author: "허균".into(),
        category: "고전".into(),
        category_en: None,
        cover_url: None,
        hold_for: None,
    };
    let slot =
        Slot { no: SlotNo(1), kind: SlotKind::Locker, item: Some(item.id.clone()), out_of_service: false, fault: None };
    let bin = Slot { no: SlotNo(41), kind: SlotKind::ReturnBin, item: None, out_of_service: false, fault: None };
    let lent = Item {
        id: ItemId::new("MP0041"),
        title: "어린 왕자".into(),
        author: "생텍쥐페리".into(),
        category: "소설".into(),
        category_en: None,
        cover_url: None,
        hold_for: None,
    };
    let sensors = vec![SlotStatus { slot: 1, door_open: false, item_present: true, drop_count: 0 }];
    Engine::new(
        settings,
        Snapshot {
            items: vec![item, lent],
            slots: vec![slot, bin],
            sensors,
            outage_started: None,
            ..Snapshot::default()
        },
        T0,
    )
}

fn patron() -> PatronStatus {
    PatronStatus {
        patron_id: PatronId::new("1000001"),
        standing: Standing::Good,
        suspended_until: None,
        overdue_items: 0,
        loans_total: 0,
        loans_here: 0,
        loans: vec![],
        ready_holds: vec![],
    }
}

/// The engine with the demo patron signed in online, on the home screen.
fn signed_in() -> Engine {
    let mut e = engine();
    let _ = e.handle(Input::CardTapped("04A1B2C3D4E5F6".into()), T0);
    let _ = e.handle(
        Input::Authenticated {
            attempt: 1,
            result: AuthResult::Online { status: patron(), record: Default::default(), library_message: None },
        },
        T0,
    );
    e
}

fn act(e: &mut Engine, action: Action) -> Vec<Effect> {
    e.handle(Input::Action(action), T0)
}

#[test]
fn the_door_opens_only_after_the_intent_is_committed() {
    let mut e = engine();
    let fx = e.handle(Input::CardTapped("04A1B2C3D4E5F6".into()), T0);
    assert!(matches!(fx.as_slice(), [Effect::Authenticate { attempt: 1, pin: None, .. }]));
    assert!(
        e.handle(
            Input::Authenticated {
                attempt: 1,
                result: AuthResult::Online { status: patron(), record: Default::default(), library_message: None }
            },
            T0
        )
        .is_empty()
    );
    assert_eq!(e.view().screen, crate::engine::Screen::Home);
    let _ = act(&mut e, Action::Browse);
    assert!(act(&mut e, Action::Select { item_id: ItemId::new("MP0001") }).is_empty());
    assert!(act(&mut e, Action::Confirm).is_empty(), "the confirm screen opens nothing");
    let fx = act(&mut e, Action::Confirm);
    assert!(matches!(fx.as_slice(), [Effect::BeginIntent(_)]), "only the intent, no door yet: {fx:?}");
    let fx = e.handle(Input::IntentBegun(IntentId(7)), T0);
    assert_eq!(fx, vec![Effect::OpenSlot(SlotNo(1))]);
}

#[test]
fn a_late_district_answer_is_ignored() {
    let mut e = engine();
    let _ = e.handle(Input::CardTapped("04A1B2C3D4E5F6".into()), T0);
    let _ = e.handle(Input::Action(Action::Logout), T0);
    let _ = e.handle(
        Input::Authenticated {
            attempt: 1,
            result: AuthResult::Online { status: patron(), record: Default::default(), library_message: None },
        },
        T0,
    );
    assert_eq!(e.view().screen, crate::engine::Screen::Attract);
    assert!(e.view().patron.is_none());
}

#[test]
fn the_countdown_ticks_each_second_and_ends_the_session() {
    let mut e = signed_in();
    let s = settings();
    let start = T0.plus_millis(s.inactivity_ms - s.countdown_ms);
    assert_eq!(e.next_deadline(), Some(start));
    let _ = e.handle(Input::Tick, start);
    assert_eq!(e.view().countdown, u32::try_from(s.countdown_ms / 1000).ok());
    assert_eq!(e.next_deadline(), Some(start.plus_millis(1000)));
    let _ = e.handle(Input::Tick, start.plus_millis(s.countdown_ms - 500));
    assert_eq!(e.view().countdown, Some(1));
    let _ = e.handle(Input::Tick, T0.plus_millis(s.inactivity_ms));
    assert_eq!(e.view().screen, crate::engine::Screen::Attract);
}

#[test]
fn a_door_left_open_is_a_fault_until_it_is_shut() {
    let mut e = engine();
    assert!(e.faults().is_empty(), "{:?}", e.faults());
    let _ = e.handle(Input::CardTapped("04A1B2C3D4E5F6".into()), T0);
    let _ = e.handle(
        Input::Authenticated {
            attempt: 1,
            result: AuthResult::Online { status: patron(), record: Default::default(), library_message: None },
        },
        T0,
    );
    let _ = act(&mut e, Action::Browse);
    let _ = act(&mut e, Action::Select { item_id: ItemId::new("MP0001") });
    let _ = act(&mut e, Action::Confirm);
    let _ = act(&mut e, Action::Confirm);
    let _ = e.handle(Input::IntentBegun(IntentId(7)), T0);
    let _ = e.handle(Input::SlotOpened { slot: SlotNo(1), result: Ok(()) }, T0);
    let open_empty = SlotStatus { slot: 1, door_open: true, item_present: false, drop_count: 0 };
    let _ = e.handle(Input::Sensors(vec![open_empty]), T0);
    assert!(e.faults().is_empty(), "an open door during the pickup is no fault");
    let late = T0.plus_millis(e.settings().dispense_timeout_ms + 1);
    let _ = e.handle(Input::Tick, late);
    let faults: Vec<_> = e.faults().iter().map(|f| (f.code, f.slot)).collect();
    assert_eq!(faults, [(FaultCode::DoorLeftOpen, Some(1))]);
    let shut = SlotStatus { door_open: false, ..open_empty };
    let _ = e.handle(Input::Sensors(vec![shut]), late);
    assert!(e.faults().is_empty(), "{:?}", e.faults());
}

#[test]
fn a_full_bin_and_a_jammed_door_are_faults() {
    let mut e = engine();
    e.kiosk.bin_items = (0..e.settings().bin_capacity).map(|n| ItemId::new(format!("X{n}"))).collect();
    if let Some(s) = e.kiosk.slots.get_mut(&SlotNo(1)) {
        s.fault = Some("door did not open: no answer".into());
    }
    let faults: Vec<_> = e.faults().iter().map(|f| (f.code, f.slot)).collect();
    assert_eq!(faults, [(FaultCode::DoorJammed, Some(1)), (FaultCode::ReturnBinFull, Some(41))]);
}

#[test]
fn a_door_open_at_start_up_is_left_open_until_shut() {
    let open = SlotStatus { slot: 1, door_open: true, item_present: false, drop_count: 0 };
    let slot = Slot { no: SlotNo(1), kind: SlotKind::Locker, item: None, out_of_service: false, fault: None };
    let mut e = Engine::new(settings(), Snapshot { slots: vec![slot], sensors: vec![open], ..Snapshot::default() }, T0);
    let faults: Vec<_> = e.faults().iter().map(|f| (f.code, f.slot)).collect();
    assert_eq!(faults, [(FaultCode::DoorLeftOpen, Some(1))]);
    let _ = e.handle(Input::Sensors(vec![SlotStatus { door_open: false, ..open }]), T0);
    assert!(e.faults().is_empty(), "{:?}", e.faults());
}

#[test]
fn a_locker_found_empty_lends_nothing_and_tells_staff() {
    let mut e = signed_in();
    let _ = act(&mut e, Action::Browse);
    let _ = act(&mut e, Action::Select { item_id: ItemId::new("MP0001") });
    let _ = act(&mut e, Action::Confirm);
    // The sensor stops seeing the book before the door opens.
    let empty = SlotStatus { slot: 1, door_open: false, item_present: false, drop_count: 0 };
    let _ = e.handle(Input::Sensors(vec![empty]), T0);
    let fx = act(&mut e, Action::Confirm);
    assert_eq!(
        fx,
        vec![Effect::AppendEvent {
            event: EventBody::Alarm {
                alarm: crate::domain::AlarmKind::BookMissing,
                slot: Some(SlotNo(1)),
                item_id: Some(ItemId::new("MP0001")),
            },
            offline: false,
        }],
        "no intent, no door, no loan"
    );
    let v = e.view();
    assert_eq!(v.screen, crate::engine::Screen::Receipt);
    assert_eq!((v.receipt[0].due_date.as_deref(), v.receipt[0].problem), (None, Some(Problem::BookMissing)));
    let faults: Vec<_> = e.faults().iter().map(|f| (f.code, f.slot)).collect();
    assert_eq!(faults, [(FaultCode::BookMissing, Some(1))]);
}

#[test]
fn a_book_is_offered_only_while_its_sensor_sees_it() {
    let mut e = engine();
    let empty = SlotStatus { slot: 1, door_open: false, item_present: false, drop_count: 0 };
    let _ = e.handle(Input::Sensors(vec![empty]), T0);
    let _ = e.handle(Input::CardTapped("04A1B2C3D4E5F6".into()), T0);
    let _ = e.handle(
        Input::Authenticated {
            attempt: 1,
            result: AuthResult::Online { status: patron(), record: Default::default(), library_message: None },
        },
        T0,
    );
    let _ = act(&mut e, Action::Browse);
    assert!(e.view().items.is_empty(), "{:?}", e.view().items);
    let _ = act(&mut e, Action::Select { item_id: ItemId::new("MP0001") });
    assert!(e.view().selected.is_empty());
    assert_eq!(e.view().notice.map(|n| n.key), Some(NoticeKey::Refusal(RefusalReason::ItemNotAvailable)));
}

#[test]
fn display_modes_last_the_session_and_end_with_it() {
    let large = DisplayModes { text_size: TextSize::Largest, ..DisplayModes::default() };
    let mut e = engine();
    // Chosen on the attract screen, with a language: a card tapped starts
    // the session with both.
    let _ = act(&mut e, Action::Language { language: crate::domain::Language::En });
    let _ = act(&mut e, Action::Display(large));
    let _ = e.handle(Input::CardTapped("04A1B2C3D4E5F6".into()), T0);
    assert_eq!(e.view().display, large, "kept into the session");
    let _ = act(&mut e, Action::Logout);
    assert_eq!((e.view().screen, e.view().display), (crate::engine::Screen::Attract, DisplayModes::default()));
    let mut e = signed_in();
    let _ = act(&mut e, Action::Display(DisplayModes { high_contrast: true, reach: true, ..DisplayModes::default() }));
    assert!(e.view().display.high_contrast && e.view().display.reach);
    let _ = e.handle(Input::Tick, T0.plus_millis(settings().inactivity_ms));
    assert_eq!(e.view().display, DisplayModes::default(), "a session that times out ends its display modes too");
}

// ---- The flows, one step per test: the input, the exact effects, the view.

const CARD: &str = "04A1B2C3D4E5F6";
/// `T0` plus the demo policy's 15 loan days, in Seoul.
const DUE: &str = "2026-12-14";

fn card() -> crate::domain::Credential {
    crate::domain::Credential::card(CARD).expect("a card UID")
}

fn reading(slot: u16, door_open: bool, item_present: bool, drop_count: u32) -> SlotStatus {
    SlotStatus { slot, door_open, item_present, drop_count }
}

fn online(attempt: u64, status: PatronStatus) -> Input {
    Input::Authenticated {
        attempt,
        result: AuthResult::Online { status, record: Default::default(), library_message: None },
    }
}

fn notice(e: &Engine) -> Option<NoticeKey> {
    e.view().notice.map(|n| n.key)
}

fn pin_settings() -> EngineSettings {
    EngineSettings { require_pin: true, ..settings() }
}

/// A kiosk that asks for the PIN, its PIN pad showing for [`CARD`]
/// (the store said entry is open, no wrong PINs yet).
fn at_pin_pad() -> Engine {
    let mut e = engine_with(pin_settings());
    let _ = e.handle(Input::CardTapped(CARD.into()), T0);
    let _ = e.handle(Input::PinLock { attempt: 1, failures: 0, locked: false }, T0);
    e
}

fn loan_spec() -> IntentSpec {
    IntentSpec {
        kind: IntentKind::Loan,
        slot: SlotNo(1),
        item: Some(ItemId::new("MP0001")),
        patron: Some(PatronId::new("1000001")),
        hold_id: None,
        offline: false,
        drops_at_start: None,
        foreign: None,
    }
}

fn loan_event() -> EventBody {
    EventBody::Loan {
        item_id: ItemId::new("MP0001"),
        patron_id: PatronId::new("1000001"),
        slot: SlotNo(1),
        due_date: DUE.into(),
    }
}

/// Signed in, MP0001 chosen and confirmed twice: the loan's intent asked for.
fn loan_confirmed() -> Engine {
    let mut e = signed_in();
    let _ = act(&mut e, Action::Browse);
    let _ = act(&mut e, Action::Select { item_id: ItemId::new("MP0001") });
    let _ = act(&mut e, Action::Confirm);
    let _ = act(&mut e, Action::Confirm);
    e
}

/// The loan's intent committed (id 7) and locker 1 unlatched.
fn door_open_for_loan() -> Engine {
    let mut e = loan_confirmed();
    let _ = e.handle(Input::IntentBegun(IntentId(7)), T0);
    let _ = e.handle(Input::SlotOpened { slot: SlotNo(1), result: Ok(()) }, T0);
    e
}

fn dispense_step(e: &Engine) -> DispenseStep {
    e.view().dispensing.expect("dispensing").step
}

#[test]
fn sign_in_a_card_asks_the_store_for_its_pin_lock_first() {
    let mut e = engine_with(pin_settings());
    let fx = e.handle(Input::CardTapped(CARD.into()), T0);
    assert_eq!(fx, vec![Effect::CheckPinLock { attempt: 1, credential: card() }]);
    assert_eq!(e.view().screen, Screen::Authenticating);
}

#[test]
fn sign_in_an_open_pin_lock_shows_the_pin_pad() {
    let mut e = engine_with(pin_settings());
    let _ = e.handle(Input::CardTapped(CARD.into()), T0);
    let fx = e.handle(Input::PinLock { attempt: 1, failures: 0, locked: false }, T0);
    assert!(fx.is_empty(), "{fx:?}");
    let v = e.view();
    assert_eq!((v.screen, v.pin_failures), (Screen::Pin, Some(0)));
}

#[test]
fn sign_in_the_pin_goes_to_the_district_with_the_card() {
    let mut e = at_pin_pad();
    let fx = act(&mut e, Action::Pin { pin: "1234".into() });
    assert_eq!(fx, vec![Effect::Authenticate { attempt: 2, credential: card(), pin: Some("1234".into()) }]);
    assert_eq!(e.view().screen, Screen::Authenticating);
}

#[test]
fn sign_in_the_district_s_yes_is_the_home_screen() {
    let mut e = at_pin_pad();
    let _ = act(&mut e, Action::Pin { pin: "1234".into() });
    let fx = e.handle(online(2, patron()), T0);
    assert!(fx.is_empty(), "{fx:?}");
    let v = e.view();
    assert_eq!(v.screen, Screen::Home);
    assert_eq!(
        v.patron,
        Some(PatronView {
            loans_here: 0,
            loans_total: 0,
            kiosk_limit: 2,
            district_quota: 5,
            can_borrow: 2,
            limit_reason: None,
            ready_holds: vec![],
            loans: vec![],
            due_date: "2026-12-14".into(),
            offline: false,
        })
    );
}

#[test]
fn wrong_pin_goes_back_to_the_pin_pad_with_the_count() {
    let mut e = at_pin_pad();
    let fx = act(&mut e, Action::Pin { pin: "0000".into() });
    assert_eq!(fx, vec![Effect::Authenticate { attempt: 2, credential: card(), pin: Some("0000".into()) }]);
    let fx =
        e.handle(Input::Authenticated { attempt: 2, result: AuthResult::WrongPin { failures: 1, locked: false } }, T0);
    assert!(fx.is_empty(), "{fx:?}");
    let v = e.view();
    assert_eq!((v.screen, v.pin_failures, notice(&e)), (Screen::Pin, Some(1), Some(NoticeKey::WrongPin)));
    assert!(v.patron.is_none());
    // The next try is a new attempt for the same card.
    let fx = act(&mut e, Action::Pin { pin: "1234".into() });
    assert_eq!(fx, vec![Effect::Authenticate { attempt: 3, credential: card(), pin: Some("1234".into()) }]);
}

#[test]
fn wrong_pin_that_locks_the_card_is_a_refusal() {
    let mut e = at_pin_pad();
    let _ = act(&mut e, Action::Pin { pin: "0000".into() });
    let fx =
        e.handle(Input::Authenticated { attempt: 2, result: AuthResult::WrongPin { failures: 3, locked: true } }, T0);
    assert!(fx.is_empty(), "{fx:?}");
    let v = e.view();
    assert_eq!((v.screen, v.refusal.map(|r| r.reason)), (Screen::Refusal, Some(RefusalReason::PinLocked)));
    // No PIN pad any more: another PIN asks the district nothing.
    assert!(act(&mut e, Action::Pin { pin: "1234".into() }).is_empty());
    assert_eq!(e.view().screen, Screen::Refusal);
}

#[test]
fn wrong_pin_lock_out_shows_no_pin_pad_until_the_store_opens_entry() {
    let mut e = engine_with(pin_settings());
    let _ = e.handle(Input::CardTapped(CARD.into()), T0);
    let fx = e.handle(Input::PinLock { attempt: 1, failures: 3, locked: true }, T0);
    assert!(fx.is_empty(), "{fx:?}");
    let v = e.view();
    assert_eq!((v.screen, v.refusal.map(|r| r.reason)), (Screen::Refusal, Some(RefusalReason::PinLocked)));
    assert_eq!(v.pin_failures, None);
    // The card again later: the store is asked again, and an answer for
    // the earlier attempt changes nothing.
    let fx = e.handle(Input::CardTapped(CARD.into()), T0.plus_millis(300_000));
    assert_eq!(fx, vec![Effect::CheckPinLock { attempt: 2, credential: card() }]);
    let _ = e.handle(Input::PinLock { attempt: 1, failures: 0, locked: false }, T0.plus_millis(300_000));
    assert_eq!(e.view().screen, Screen::Authenticating, "a stale lock-out answer is ignored");
    let _ = e.handle(Input::PinLock { attempt: 2, failures: 0, locked: false }, T0.plus_millis(300_000));
    assert_eq!(e.view().screen, Screen::Pin);
}

#[test]
fn borrow_selecting_and_confirming_twice_begins_the_intent() {
    let mut e = signed_in();
    assert!(act(&mut e, Action::Browse).is_empty());
    assert!(act(&mut e, Action::Select { item_id: ItemId::new("MP0001") }).is_empty());
    let selected: Vec<_> = e.view().selected.into_iter().map(|i| i.id).collect();
    assert_eq!(selected, ["MP0001"]);
    assert!(act(&mut e, Action::Confirm).is_empty());
    assert_eq!(e.view().screen, Screen::Confirm);
    let fx = act(&mut e, Action::Confirm);
    assert_eq!(fx, vec![Effect::BeginIntent(loan_spec())]);
    let v = e.view();
    assert_eq!(v.screen, Screen::Dispensing);
    let d = v.dispensing.expect("dispensing");
    assert_eq!((d.slot, d.step, d.number, d.of), (SlotNo(1), DispenseStep::Opening, 1, 1));
}

#[test]
fn borrow_the_committed_intent_opens_the_door() {
    let mut e = loan_confirmed();
    let fx = e.handle(Input::IntentBegun(IntentId(7)), T0);
    assert_eq!(fx, vec![Effect::OpenSlot(SlotNo(1))]);
    assert_eq!(dispense_step(&e), DispenseStep::Opening);
}

#[test]
fn borrow_the_opened_door_waits_for_the_book() {
    let mut e = loan_confirmed();
    let _ = e.handle(Input::IntentBegun(IntentId(7)), T0);
    let fx = e.handle(Input::SlotOpened { slot: SlotNo(1), result: Ok(()) }, T0);
    assert!(fx.is_empty(), "{fx:?}");
    let d = e.view().dispensing.expect("dispensing");
    assert_eq!((d.step, d.seconds_left), (DispenseStep::TakeBook, Some(60)));
    assert_eq!(e.next_deadline(), Some(T0.plus_millis(1000)), "the countdown moves every second");
}

#[test]
fn dispense_countdown_moves_each_second_warns_and_gives_more_time() {
    let mut e = door_open_for_loan();
    let seconds = |e: &Engine| {
        let d = e.view().dispensing.expect("dispensing");
        (d.seconds_left, d.warning)
    };
    assert!(e.handle(Input::Tick, T0.plus_millis(1000)).is_empty());
    assert_eq!(seconds(&e), (Some(59), false));
    assert_eq!(e.next_deadline(), Some(T0.plus_millis(2000)));
    let _ = e.handle(Input::Tick, T0.plus_millis(39_999));
    assert_eq!(seconds(&e), (Some(21), false));
    let _ = e.handle(Input::Tick, T0.plus_millis(40_000));
    assert_eq!(seconds(&e), (Some(20), true), "warned 20 s before the door's time runs out");
    let fx = e.handle(Input::Action(Action::MoreTime), T0.plus_millis(45_000));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(seconds(&e), (Some(60), false), "more time: the full time again");
    let fx = e.handle(Input::Tick, T0.plus_millis(60_000));
    assert!(fx.is_empty(), "the old deadline passes without a cancel: {fx:?}");
    assert_eq!(dispense_step(&e), DispenseStep::TakeBook);
}

#[test]
fn borrow_the_book_taken_asks_for_the_door_shut() {
    let mut e = door_open_for_loan();
    let fx = e.handle(Input::Sensors(vec![reading(1, true, false, 0)]), T0);
    assert!(fx.is_empty(), "no loan while the door is open: {fx:?}");
    let d = e.view().dispensing.expect("dispensing");
    assert_eq!((d.step, d.door_open, d.item_present), (DispenseStep::CloseDoor, true, false));
}

#[test]
fn borrow_the_door_shut_on_a_taken_book_completes_the_loan() {
    let mut e = door_open_for_loan();
    let _ = e.handle(Input::Sensors(vec![reading(1, true, false, 0)]), T0);
    let fx = e.handle(Input::Sensors(vec![reading(1, false, false, 0)]), T0);
    assert_eq!(fx, vec![Effect::CompleteIntent { intent: IntentId(7), event: loan_event() }]);
    assert_eq!(dispense_step(&e), DispenseStep::Saving);
    let p = e.view().patron.expect("signed in");
    assert_eq!((p.loans_here, p.can_borrow), (1, 1), "the patron's count follows the loan");
}

#[test]
fn borrow_a_book_taken_and_the_door_shut_between_two_polls_completes_the_loan() {
    let mut e = door_open_for_loan();
    let fx = e.handle(Input::Sensors(vec![reading(1, false, false, 0)]), T0);
    assert_eq!(fx, vec![Effect::CompleteIntent { intent: IntentId(7), event: loan_event() }]);
}

#[test]
fn borrow_the_loan_written_shows_the_receipt_and_prints_nothing_unasked() {
    let mut e = door_open_for_loan();
    e.settings.has_printer = true;
    let _ = e.handle(Input::Sensors(vec![reading(1, false, false, 0)]), T0);
    let fx = e.handle(Input::IntentClosed(IntentId(7)), T0);
    assert!(fx.is_empty(), "no paper unless the patron asks: {fx:?}");
    let v = e.view();
    assert_eq!(v.screen, Screen::Receipt);
    assert_eq!(
        v.receipt,
        [ReceiptLine {
            item_id: "MP0001".into(),
            title: "홍길동전".into(),
            slot: SlotNo(1),
            due_date: Some(DUE.into()),
            due_confirmed: false,
            library_message: None,
            problem: None
        }]
    );
    assert_eq!(v.receipt_options, Some(ReceiptOptions { print: true, phone: true, sent: None }));
    assert_eq!(e.next_deadline(), Some(T0.plus_millis(e.settings().receipt_ms)));
}

/// The receipt screen after one loan, on a kiosk with a printer or without.
fn at_receipt(has_printer: bool) -> Engine {
    let mut e = door_open_for_loan();
    e.settings.has_printer = has_printer;
    let _ = e.handle(Input::Sensors(vec![reading(1, false, false, 0)]), T0);
    let _ = e.handle(Input::IntentClosed(IntentId(7)), T0);
    e
}

#[test]
fn the_librarys_due_date_replaces_the_kiosks_on_the_receipt_and_the_print() {
    let mut e = at_receipt(true);
    assert!(!e.view().receipt[0].due_confirmed, "the kiosk's own date until the library answers");
    // Another book's answer changes nothing here.
    let other = Input::DueDateConfirmed { item: ItemId::new("MP0002"), due_date: "2026-12-01".into(), message: None };
    assert!(e.handle(other, T0).is_empty());
    assert_eq!(e.view().receipt[0].due_date.as_deref(), Some(DUE));
    let said = Some("Thank you, Gildong".into());
    let ours = Input::DueDateConfirmed { item: ItemId::new("MP0001"), due_date: "2026-12-13".into(), message: said };
    assert!(e.handle(ours, T0).is_empty());
    let line = &e.view().receipt[0];
    assert_eq!((line.due_date.as_deref(), line.due_confirmed), (Some("2026-12-13"), true));
    assert_eq!(line.library_message.as_deref(), Some("Thank you, Gildong"));
    let fx = act(&mut e, Action::Receipt { via: ReceiptVia::Print });
    assert!(
        matches!(&fx[..], [Effect::PrintReceipt { lines, .. }] if lines[0].ends_with("~2026-12-13")),
        "the paper says the library's date: {fx:?}"
    );
}

#[test]
fn a_due_date_confirmed_while_the_next_door_is_open_reaches_the_receipt() {
    let mut e = door_open_for_loan();
    let confirmed =
        Input::DueDateConfirmed { item: ItemId::new("MP0001"), due_date: "2026-12-13".into(), message: None };
    let _ = e.handle(Input::Sensors(vec![reading(1, false, false, 0)]), T0);
    // The loan is being written (Closing): its line waits there.
    let _ = e.handle(confirmed, T0);
    let _ = e.handle(Input::IntentClosed(IntentId(7)), T0);
    let line = &e.view().receipt[0];
    assert_eq!((line.due_date.as_deref(), line.due_confirmed), (Some("2026-12-13"), true));
}

#[test]
fn the_librarys_message_is_on_the_refusal_under_the_kiosks_words() {
    let mut e = engine();
    let _ = e.handle(Input::CardTapped(CARD.into()), T0);
    let status = PatronStatus { standing: Standing::Suspended, ..patron() };
    let said = "Card blocked: please see library staff";
    let result = AuthResult::Online { status, record: Default::default(), library_message: Some(said.into()) };
    let _ = e.handle(Input::Authenticated { attempt: 1, result }, T0);
    let v = e.view();
    let refusal = v.refusal.expect("refused");
    assert_eq!(refusal.reason, RefusalReason::Suspended);
    assert_eq!(refusal.library_message.as_deref(), Some(said));
    assert!(!format!("{:?}", e.patron).contains("blocked"), "kept as a Secret: never in a Debug print");
}

#[test]
fn receipt_print_prints_once_and_keeps_the_screen_its_full_time() {
    let mut e = at_receipt(true);
    let later = T0.plus_millis(5_000);
    let fx = e.handle(Input::Action(Action::Receipt { via: ReceiptVia::Print }), later);
    assert_eq!(
        fx,
        vec![Effect::PrintReceipt {
            heading: e.settings().kiosk_name.ko.clone(),
            lines: vec![format!("홍길동전 [MP0001] ~{DUE}")],
        }]
    );
    assert_eq!(e.view().receipt_options.and_then(|o| o.sent), Some(ReceiptVia::Print));
    assert_eq!(e.next_deadline(), Some(later.plus_millis(e.settings().receipt_ms)));
    assert!(e.handle(Input::Action(Action::Receipt { via: ReceiptVia::Print }), later).is_empty(), "one receipt");
    assert!(e.handle(Input::Action(Action::Receipt { via: ReceiptVia::Phone }), later).is_empty(), "one receipt");
}

#[test]
fn receipt_print_without_a_printer_is_not_offered_and_does_nothing() {
    let mut e = at_receipt(false);
    assert_eq!(e.view().receipt_options, Some(ReceiptOptions { print: false, phone: true, sent: None }));
    assert!(act(&mut e, Action::Receipt { via: ReceiptVia::Print }).is_empty());
    assert_eq!(e.view().receipt_options.and_then(|o| o.sent), None);
}

#[test]
fn receipt_by_phone_is_an_event_naming_the_patron_and_the_books() {
    let mut e = at_receipt(false);
    let fx = act(&mut e, Action::Receipt { via: ReceiptVia::Phone });
    let event = EventBody::ReceiptRequested { patron_id: PatronId::new("1000001"), items: vec![ItemId::new("MP0001")] };
    assert_eq!(fx, vec![Effect::AppendEvent { event, offline: false }]);
    assert_eq!(e.view().receipt_options.and_then(|o| o.sent), Some(ReceiptVia::Phone));
}

#[test]
fn receipt_by_phone_is_not_offered_where_the_district_cannot_text() {
    let mut e = at_receipt(false);
    e.settings.receipt_by_phone = false;
    assert_eq!(e.view().receipt_options, Some(ReceiptOptions { print: false, phone: false, sent: None }));
    assert!(act(&mut e, Action::Receipt { via: ReceiptVia::Phone }).is_empty());
}

#[test]
fn return_a_scanned_book_begins_a_return_on_the_bin() {
    let mut e = engine();
    let fx = e.handle(Input::Scanned("MP0041".into()), T0);
    assert_eq!(
        fx,
        vec![Effect::BeginIntent(IntentSpec {
            kind: IntentKind::Return,
            slot: SlotNo(41),
            item: Some(ItemId::new("MP0041")),
            patron: None,
            hold_id: None,
            offline: false,
            drops_at_start: Some(0),
            foreign: None,
        })]
    );
    let v = e.view();
    assert_eq!(v.screen, Screen::Return);
    let r = v.returning.expect("returning");
    assert_eq!((r.step, r.title.as_deref(), r.slot), (ReturnStep::Checking, Some("어린 왕자"), SlotNo(41)));
}

/// A return of MP0041 under way: intent 8 committed, the bin unlatched.
fn bin_open_for_return() -> Engine {
    let mut e = engine();
    let _ = e.handle(Input::Scanned("MP0041".into()), T0);
    let _ = e.handle(Input::IntentBegun(IntentId(8)), T0);
    let _ = e.handle(Input::SlotOpened { slot: SlotNo(41), result: Ok(()) }, T0);
    e
}

#[test]
fn return_the_committed_intent_opens_the_bin() {
    let mut e = engine();
    let _ = e.handle(Input::Scanned("MP0041".into()), T0);
    let fx = e.handle(Input::IntentBegun(IntentId(8)), T0);
    assert_eq!(fx, vec![Effect::OpenSlot(SlotNo(41))]);
    assert_eq!(return_step(&e), ReturnStep::Opening);
}

fn return_step(e: &Engine) -> ReturnStep {
    e.view().returning.expect("returning").step
}

#[test]
fn return_the_open_bin_waits_for_a_drop() {
    let mut e = engine();
    let _ = e.handle(Input::Scanned("MP0041".into()), T0);
    let _ = e.handle(Input::IntentBegun(IntentId(8)), T0);
    let fx = e.handle(Input::SlotOpened { slot: SlotNo(41), result: Ok(()) }, T0);
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(return_step(&e), ReturnStep::InsertBook);
    assert_eq!(e.view().returning.and_then(|r| r.seconds_left), Some(60));
    // A tick each second, so the countdown on the screen moves.
    assert_eq!(e.next_deadline(), Some(T0.plus_millis(1000)));
}

#[test]
fn return_more_time_gives_the_bin_its_full_time_again() {
    let mut e = engine();
    let _ = e.handle(Input::Scanned("MP0041".into()), T0);
    let _ = e.handle(Input::IntentBegun(IntentId(8)), T0);
    let _ = e.handle(Input::SlotOpened { slot: SlotNo(41), result: Ok(()) }, T0);
    let later = T0.plus_millis(45_000);
    let _ = e.handle(Input::Tick, later);
    let v = e.view().returning.expect("returning");
    assert_eq!((v.seconds_left, v.warning), (Some(15), true));
    let _ = e.handle(Input::Action(Action::MoreTime), later);
    let v = e.view().returning.expect("returning");
    assert_eq!((v.seconds_left, v.warning), (Some(60), false));
}

#[test]
fn return_a_drop_and_the_bin_shut_complete_the_return() {
    let mut e = bin_open_for_return();
    let fx = e.handle(Input::Sensors(vec![reading(41, true, true, 1)]), T0);
    assert!(fx.is_empty(), "no return while the bin is open: {fx:?}");
    assert_eq!(return_step(&e), ReturnStep::CloseDoor);
    let fx = e.handle(Input::Sensors(vec![reading(41, false, true, 1)]), T0);
    assert_eq!(
        fx,
        vec![Effect::CompleteIntent {
            intent: IntentId(8),
            event: EventBody::Return { item_id: ItemId::new("MP0041"), library: None }
        }]
    );
    assert_eq!(return_step(&e), ReturnStep::Saving);
}

#[test]
fn return_the_bin_shut_without_a_drop_is_no_return() {
    let mut e = bin_open_for_return();
    let fx = e.handle(Input::Sensors(vec![reading(41, true, false, 0)]), T0);
    assert!(fx.is_empty(), "{fx:?}");
    let fx = e.handle(Input::Sensors(vec![reading(41, false, false, 0)]), T0);
    assert!(fx.is_empty(), "the chute counter did not move: {fx:?}");
    assert_eq!(return_step(&e), ReturnStep::InsertBook);
}

#[test]
fn return_written_says_so_and_waits_for_the_next_book() {
    let mut e = bin_open_for_return();
    let _ = e.handle(Input::Sensors(vec![reading(41, false, true, 1)]), T0);
    let fx = e.handle(Input::IntentClosed(IntentId(8)), T0);
    assert!(fx.is_empty(), "{fx:?}");
    let v = e.view();
    let r = v.returning.expect("returning");
    assert_eq!((r.step, r.returned), (ReturnStep::Scan, vec!["어린 왕자".to_owned()]));
    let n = v.notice.expect("a notice");
    assert_eq!((n.key, n.title.as_deref()), (NoticeKey::Returned, Some("어린 왕자")));
}

/// The demo patron, with a ready hold on MP0001 (set aside for them).
fn signed_in_with_a_hold() -> Engine {
    let mut e = engine();
    if let Some(item) = e.kiosk.items.get_mut(&ItemId::new("MP0001")) {
        item.hold_for = Some(PatronId::new("1000001"));
    }
    let _ = e.handle(Input::CardTapped(CARD.into()), T0);
    let status = PatronStatus {
        ready_holds: vec![Hold { hold_id: "H-0001".into(), item_id: ItemId::new("MP0001"), keep_until: None }],
        ..patron()
    };
    let _ = e.handle(online(1, status), T0);
    e
}

#[test]
fn hold_pickup_from_home_begins_a_hold_pickup_intent() {
    let mut e = signed_in_with_a_hold();
    let v = e.view();
    assert_eq!(v.screen, Screen::Home);
    let holds: Vec<_> = v.patron.expect("signed in").ready_holds.into_iter().map(|i| i.id).collect();
    assert_eq!(holds, ["MP0001"]);
    assert!(act(&mut e, Action::PickupHolds).is_empty());
    assert_eq!(e.view().screen, Screen::Holds);
    let fx = act(&mut e, Action::Confirm);
    assert_eq!(
        fx,
        vec![Effect::BeginIntent(IntentSpec {
            kind: IntentKind::HoldPickup,
            hold_id: Some("H-0001".into()),
            ..loan_spec()
        })]
    );
}

#[test]
fn hold_pickup_completes_with_the_hold_pickup_event() {
    let mut e = signed_in_with_a_hold();
    let _ = act(&mut e, Action::PickupHolds);
    let _ = act(&mut e, Action::Confirm);
    assert_eq!(e.handle(Input::IntentBegun(IntentId(9)), T0), vec![Effect::OpenSlot(SlotNo(1))]);
    assert!(e.handle(Input::SlotOpened { slot: SlotNo(1), result: Ok(()) }, T0).is_empty());
    let fx = e.handle(Input::Sensors(vec![reading(1, false, false, 0)]), T0);
    let event = EventBody::HoldPickup {
        item_id: ItemId::new("MP0001"),
        patron_id: PatronId::new("1000001"),
        hold_id: "H-0001".into(),
        slot: SlotNo(1),
        due_date: DUE.into(),
    };
    assert_eq!(fx, vec![Effect::CompleteIntent { intent: IntentId(9), event }]);
    let fx = e.handle(Input::IntentClosed(IntentId(9)), T0);
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(e.view().screen, Screen::Receipt);
    assert!(e.view().patron.expect("signed in").ready_holds.is_empty(), "the hold is picked up");
}

#[test]
fn inactivity_a_tick_before_the_deadline_keeps_the_session() {
    let mut e = signed_in();
    let fx = e.handle(Input::Tick, T0.plus_millis(settings().inactivity_ms - 1));
    assert!(fx.is_empty(), "{fx:?}");
    let v = e.view();
    assert_eq!((v.screen, v.countdown), (Screen::Home, Some(1)));
}

#[test]
fn inactivity_a_tick_after_the_deadline_ends_the_session() {
    let mut e = signed_in();
    let _ = act(&mut e, Action::Browse);
    let fx = e.handle(Input::Tick, T0.plus_millis(settings().inactivity_ms + 1));
    assert!(fx.is_empty(), "{fx:?}");
    let v = e.view();
    assert_eq!((v.screen, v.countdown), (Screen::Attract, None));
    assert!(v.patron.is_none());
    assert_eq!(e.next_deadline(), None, "nothing to wait for on the attract screen");
}

/// The alarm for locker 1 (book MP0001) left open at the timeout.
fn locker_1_left_open() -> EventBody {
    EventBody::Alarm { alarm: AlarmKind::DoorLeftOpen, slot: Some(SlotNo(1)), item_id: Some(ItemId::new("MP0001")) }
}

#[test]
fn dispense_timeout_before_the_deadline_changes_nothing() {
    let mut e = door_open_for_loan();
    let fx = e.handle(Input::Tick, T0.plus_millis(e.settings().dispense_timeout_ms - 1));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(dispense_step(&e), DispenseStep::TakeBook);
}

#[test]
fn dispense_timeout_with_the_book_taken_and_the_door_open_lends_it_and_raises_an_alarm() {
    let mut e = door_open_for_loan();
    let _ = e.handle(Input::Sensors(vec![reading(1, true, false, 0)]), T0);
    let fx = e.handle(Input::Tick, T0.plus_millis(e.settings().dispense_timeout_ms));
    let alarm = locker_1_left_open();
    assert_eq!(
        fx,
        vec![
            Effect::CompleteIntent { intent: IntentId(7), event: loan_event() },
            Effect::AppendEvent { event: alarm, offline: false },
        ]
    );
    let n = e.view().notice.expect("a notice");
    assert_eq!((n.key, n.slot), (NoticeKey::CloseDoor, Some(SlotNo(1))));
}

#[test]
fn dispense_timeout_with_the_book_still_there_cancels_the_loan() {
    let mut e = door_open_for_loan();
    let _ = e.handle(Input::Sensors(vec![reading(1, true, true, 0)]), T0);
    let fx = e.handle(Input::Tick, T0.plus_millis(e.settings().dispense_timeout_ms));
    let alarm = locker_1_left_open();
    assert_eq!(
        fx,
        vec![Effect::CancelIntent {
            intent: IntentId(7),
            note: "book not taken before the timeout".into(),
            events: vec![alarm]
        }]
    );
    assert_eq!(dispense_step(&e), DispenseStep::Saving);
    let fx = e.handle(Input::IntentClosed(IntentId(7)), T0.plus_millis(e.settings().dispense_timeout_ms));
    assert!(fx.is_empty(), "nothing lent, nothing printed: {fx:?}");
    let v = e.view();
    assert_eq!(v.screen, Screen::Receipt);
    assert_eq!((v.receipt[0].due_date.as_deref(), v.receipt[0].problem), (None, Some(Problem::NotTaken)));
}

#[test]
fn connectivity_going_offline_records_the_outage_start() {
    let mut e = engine();
    let t1 = T0.plus_millis(5_000);
    let fx = e.handle(Input::Connectivity { online: false }, t1);
    assert_eq!(fx, vec![Effect::RecordOutage { started: Some(t1) }]);
    assert_eq!((e.is_online(), e.outage_started(), e.view().online), (false, Some(t1), false));
}

#[test]
fn connectivity_offline_again_is_no_change() {
    let mut e = engine();
    let t1 = T0.plus_millis(5_000);
    let _ = e.handle(Input::Connectivity { online: false }, t1);
    let fx = e.handle(Input::Connectivity { online: false }, t1.plus_millis(60_000));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(e.outage_started(), Some(t1), "the outage started when it was first seen");
}

#[test]
fn connectivity_back_online_ends_the_outage_and_refreshes_the_inventory() {
    let mut e = engine();
    let _ = e.handle(Input::Connectivity { online: false }, T0);
    let fx = e.handle(Input::Connectivity { online: true }, T0.plus_millis(60_000));
    assert_eq!(fx, vec![Effect::RecordOutage { started: None }, Effect::RefreshInventory]);
    assert_eq!((e.is_online(), e.outage_started(), e.view().online), (true, None, true));
    assert!(
        e.handle(Input::Connectivity { online: true }, T0.plus_millis(61_000)).is_empty(),
        "online again: no change"
    );
}

#[test]
fn connectivity_an_inventory_while_offline_ends_the_outage_without_a_refresh() {
    let mut e = engine();
    let inventory = crate::district::Inventory { items: vec![], holds: vec![] };
    assert!(e.handle(Input::Inventory(inventory.clone()), T0).is_empty(), "online: an inventory is just news");
    let _ = e.handle(Input::Connectivity { online: false }, T0);
    let fx = e.handle(Input::Inventory(inventory), T0.plus_millis(60_000));
    assert_eq!(fx, vec![Effect::RecordOutage { started: None }], "the answer is the refresh");
    assert!(e.is_online());
}

/// An engine whose last readings are `sensors`.
fn reading_engine(sensors: Vec<SlotStatus>) -> Engine {
    Engine::new(settings(), Snapshot { sensors, ..Snapshot::default() }, T0)
}

#[test]
fn sensor_changes_of_identical_readings_are_none() {
    let a = vec![reading(1, false, true, 0), reading(2, false, false, 0)];
    assert!(reading_engine(a.clone()).sensor_changes(&a).is_empty());
}

#[test]
fn sensor_changes_count_every_field() {
    let old = vec![
        reading(1, false, false, 0),
        reading(2, false, false, 0),
        reading(3, false, false, 0),
        reading(4, false, false, 0),
    ];
    let new = vec![
        reading(1, true, false, 0),
        reading(2, false, true, 0),
        reading(3, false, false, 1),
        reading(4, false, false, 0),
    ];
    assert_eq!(reading_engine(old).sensor_changes(&new), new[..3].to_vec());
}

#[test]
fn sensor_changes_count_a_new_slot_and_not_a_missing_one() {
    let old = vec![reading(1, false, false, 0), reading(2, false, false, 0)];
    let new = vec![reading(3, false, false, 0), reading(1, false, false, 0)];
    assert_eq!(reading_engine(old).sensor_changes(&new), vec![reading(3, false, false, 0)]);
    assert_eq!(reading_engine(vec![]).sensor_changes(&new), new, "with no readings yet, every one is new");
}

#[test]
fn sensor_changes_follow_the_new_readings_order() {
    let old = vec![reading(1, false, false, 0), reading(2, false, false, 0)];
    let new = vec![reading(2, true, false, 0), reading(1, true, false, 0)];
    assert_eq!(reading_engine(old).sensor_changes(&new), new);
}

#[test]
fn sensor_changes_are_against_what_the_engine_was_last_told() {
    let mut e = reading_engine(vec![reading(1, false, false, 0), reading(2, false, false, 0)]);
    let new = vec![reading(1, true, false, 0), reading(2, false, false, 0)];
    let changes = e.sensor_changes(&new);
    assert_eq!(changes, vec![reading(1, true, false, 0)]);
    let _ = e.handle(Input::Sensors(changes), T0);
    assert!(e.sensor_changes(&new).is_empty(), "told once, no change the second time");
}

/// Another library's book (통합반납): asked of the district, then returned
/// as any book, named with its library on the screen and in the event.
#[test]
fn another_librarys_book_is_asked_of_the_district_and_goes_back_to_its_library() {
    let mut e = engine();
    let fx = e.handle(Input::Scanned("MC1001".into()), T0);
    assert_eq!(fx, vec![Effect::AskReturnHere { item: ItemId::new("MC1001") }]);
    assert_eq!(return_step(&e), ReturnStep::Checking);
    assert_eq!(notice(&e), Some(NoticeKey::AskingLibrary));
    // An answer about another book changes nothing.
    let other =
        Input::ReturnHereAnswered { item: ItemId::new("MC9999"), answer: Some(ReturnHere::Refused { library: None }) };
    assert!(e.handle(other, T0).is_empty());
    let accepted = ReturnHere::Accepted { library: "마포중앙도서관".into(), title: Some("코스모스".into()) };
    let fx = e.handle(Input::ReturnHereAnswered { item: ItemId::new("MC1001"), answer: Some(accepted) }, T0);
    let book = crate::domain::ForeignBook { library: "마포중앙도서관".into(), title: "코스모스".into() };
    assert_eq!(
        fx,
        vec![Effect::BeginIntent(IntentSpec {
            kind: IntentKind::Return,
            slot: SlotNo(41),
            item: Some(ItemId::new("MC1001")),
            patron: None,
            hold_id: None,
            offline: false,
            drops_at_start: Some(0),
            foreign: Some(book),
        })]
    );
    assert_eq!(e.view().returning.and_then(|r| r.title).as_deref(), Some("코스모스"));
    let _ = e.handle(Input::IntentBegun(IntentId(9)), T0);
    let _ = e.handle(Input::SlotOpened { slot: SlotNo(41), result: Ok(()) }, T0);
    let fx = e.handle(Input::Sensors(vec![reading(41, false, true, 1)]), T0);
    let library = Some("마포중앙도서관".to_owned());
    let event = EventBody::Return { item_id: ItemId::new("MC1001"), library };
    assert_eq!(fx, vec![Effect::CompleteIntent { intent: IntentId(9), event }]);
    let _ = e.handle(Input::IntentClosed(IntentId(9)), T0);
    let n = e.view().notice.expect("a notice");
    assert_eq!(
        (n.key, n.title.as_deref(), n.library.as_deref()),
        (NoticeKey::ReturnedToLibrary, Some("코스모스"), Some("마포중앙도서관"))
    );
}

#[test]
fn another_librarys_book_is_refused_when_the_district_says_no_or_cannot_be_asked() {
    // No, first thing at the idle screen: the refusal's screen says where it goes.
    let mut e = engine();
    let _ = e.handle(Input::Scanned("XX0001".into()), T0);
    let fx = e.handle(
        Input::ReturnHereAnswered { item: ItemId::new("XX0001"), answer: Some(ReturnHere::Refused { library: None }) },
        T0,
    );
    assert!(fx.is_empty());
    assert_eq!(e.view().refusal.map(|r| r.reason), Some(RefusalReason::ItemNotFromThisKiosk));
    // No, in the middle of a visit: a notice, and the next book may be scanned.
    let mut e = bin_open_for_return();
    let _ = e.handle(Input::Sensors(vec![reading(41, false, true, 1)]), T0);
    let _ = e.handle(Input::IntentClosed(IntentId(8)), T0);
    let _ = e.handle(Input::Scanned("XX0001".into()), T0);
    let _ = e.handle(
        Input::ReturnHereAnswered { item: ItemId::new("XX0001"), answer: Some(ReturnHere::Refused { library: None }) },
        T0,
    );
    assert_eq!(notice(&e), Some(NoticeKey::Refusal(RefusalReason::ItemNotFromThisKiosk)));
    assert_eq!(return_step(&e), ReturnStep::Scan);
    // The district did not answer.
    let _ = e.handle(Input::Scanned("MC1001".into()), T0);
    let _ = e.handle(Input::ReturnHereAnswered { item: ItemId::new("MC1001"), answer: None }, T0);
    assert_eq!(notice(&e), Some(NoticeKey::OtherLibraryOffline));
    // Offline: not even asked; the screen says where to take it.
    let _ = e.handle(Input::Connectivity { online: false }, T0);
    let fx = e.handle(Input::Scanned("MC1001".into()), T0);
    assert!(fx.iter().all(|f| !matches!(f, Effect::AskReturnHere { .. })), "{fx:?}");
    assert_eq!(notice(&e), Some(NoticeKey::OtherLibraryOffline));
}

#[test]
fn a_book_refused_here_names_the_library_it_goes_back_to() {
    let library = || Some("마포중앙도서관".to_owned());
    // At the idle screen: the refusal's screen names it.
    let mut e = engine();
    let _ = e.handle(Input::Scanned("XX0001".into()), T0);
    let answer = Some(ReturnHere::Refused { library: library() });
    let _ = e.handle(Input::ReturnHereAnswered { item: ItemId::new("XX0001"), answer }, T0);
    let refusal = e.view().refusal.expect("a refusal");
    assert_eq!((refusal.reason, refusal.belongs_to), (RefusalReason::ItemNotFromThisKiosk, library()));
    // In the middle of a visit: the notice names it.
    let mut e = bin_open_for_return();
    let _ = e.handle(Input::Sensors(vec![reading(41, false, true, 1)]), T0);
    let _ = e.handle(Input::IntentClosed(IntentId(8)), T0);
    let _ = e.handle(Input::Scanned("XX0001".into()), T0);
    let answer = Some(ReturnHere::Refused { library: library() });
    let _ = e.handle(Input::ReturnHereAnswered { item: ItemId::new("XX0001"), answer }, T0);
    let shown = e.view().notice.expect("a notice");
    assert_eq!((shown.key, shown.library), (NoticeKey::ReturnElsewhere, library()));
    assert_eq!(return_step(&e), ReturnStep::Scan);
}

#[test]
fn the_help_lines_are_in_the_patrons_language() {
    let mut e = engine_with(EngineSettings {
        help_lines: crate::domain::Localized {
            ko: "문자는 24시간 받습니다.".into(),
            en: "Texts are answered 24 hours a day.".into(),
            ..Default::default()
        },
        ..settings()
    });
    assert_eq!(e.view().help.lines, "문자는 24시간 받습니다.");
    let _ = act(&mut e, Action::Language { language: crate::domain::Language::Ja });
    assert_eq!(e.view().help.lines, "Texts are answered 24 hours a day.");
}

#[test]
fn with_other_libraries_turned_off_a_foreign_book_is_refused_as_before() {
    let mut e = engine_with(EngineSettings { accept_other_libraries: false, ..settings() });
    let fx = e.handle(Input::Scanned("MC1001".into()), T0);
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(e.view().refusal.map(|r| r.reason), Some(RefusalReason::ItemNotFromThisKiosk));
}
