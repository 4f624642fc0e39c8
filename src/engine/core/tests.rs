//! Step-by-step tests of the core alone: which effects come out of which
//! input, in what order. The whole flows against real parts live in
//! `tests/engine_flows.rs`.

use super::*;
use crate::domain::IntentId;
use crate::domain::{EventBody, FaultCode, PatronId, PatronStatus, SlotKind, Standing};
use crate::engine::input::AuthResult;
use crate::engine::view::DisplayModes;
use crate::engine::view::Problem;

const T0: Timestamp = Timestamp(1_795_900_000_000);

fn settings() -> EngineSettings {
    let mut s = EngineSettings::from_config(&crate::config::Config::demo(std::path::Path::new("/nonexistent")));
    s.require_pin = false;
    s
}

fn engine() -> Engine {
    let item = Item {
        id: ItemId::new("MP0001"),
        title: "홍길동전".into(),
        author: "허균".into(),
        category: "고전".into(),
        cover_url: None,
        hold_for: None,
    };
    let slot =
        Slot { no: SlotNo(1), kind: SlotKind::Locker, item: Some(item.id.clone()), out_of_service: false, fault: None };
    let bin = Slot { no: SlotNo(41), kind: SlotKind::ReturnBin, item: None, out_of_service: false, fault: None };
    let sensors = vec![SlotStatus { slot: 1, door_open: false, item_present: true, drop_count: 0 }];
    Engine::new(
        settings(),
        Snapshot { items: vec![item], slots: vec![slot, bin], sensors, outage_started: None, ..Snapshot::default() },
        T0,
    )
}

fn patron() -> PatronStatus {
    PatronStatus {
        patron_id: PatronId::new("1000001"),
        standing: Standing::Good,
        overdue_items: 0,
        loans_total: 0,
        loans_here: 0,
        loan_item_ids: vec![],
        overdue_item_ids: vec![],
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
            result: AuthResult::Online { status: patron(), record: Default::default() },
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
                result: AuthResult::Online { status: patron(), record: Default::default() }
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
            result: AuthResult::Online { status: patron(), record: Default::default() },
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
            result: AuthResult::Online { status: patron(), record: Default::default() },
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
            result: AuthResult::Online { status: patron(), record: Default::default() },
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
    let large = DisplayModes { large_text: true, ..DisplayModes::default() };
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
