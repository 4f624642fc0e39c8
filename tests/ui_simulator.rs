//! The trainers' simulator window on Slint's testing backend, wired as the
//! demo wires it: its buttons go through the control socket's
//! [`Controller`] to the simulated world and the engine (its actor running
//! on a virtual clock), and the world is drawn again after each. Controls
//! are found by their accessible labels.

mod common;

use bookstation::control::{ControlRequest, Controller};
use bookstation::engine::actor::{self, Devices, EngineHandle};
use bookstation::ui::{Sim, SimulatorPanel, SimulatorWindow};
use bookstation_hardware::SimCommand;
use common::*;
use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle;
use std::cell::RefCell;
use std::rc::Rc;

struct Trainer {
    rt: tokio::runtime::Runtime,
    window: SimulatorWindow,
    panel: Rc<SimulatorPanel>,
    controller: Controller,
    engine: EngineHandle,
    commands: Rc<RefCell<Vec<SimCommand>>>,
    // Holds the state directory for as long as the engine runs.
    _dir: tempfile::TempDir,
}

const CARDS: [(&str, &str); 3] =
    [(GOOD, "Patron in good standing"), (SUSPENDED, "Suspended patron"), (STAFF, "Staff (PIN 2580)")];

impl Trainer {
    fn new() -> Self {
        let _ = common::ui::testing_platform(false);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let Kiosk { runner, world, dir, .. } = rt.block_on(Kiosk::new());
        let devices = Devices {
            card_reader: world.card_reader().map(|r| Box::new(r) as _),
            scanner: world.scanner().map(|s| Box::new(s) as _),
        };
        let (engine, _task) = rt.block_on(async { actor::spawn(runner, devices, std::future::pending()) });
        let controller = Controller::new(engine.clone(), Some(world));
        let window = SimulatorWindow::new().expect("window");
        window.window().set_size(slint::PhysicalSize::new(720, 1000));
        let commands = Rc::new(RefCell::new(Vec::new()));
        let queue = commands.clone();
        let cards: Vec<(String, String)> = CARDS.iter().map(|(u, l)| (u.to_string(), l.to_string())).collect();
        let panel = SimulatorPanel::new(&window, &cards, Rc::new(move |c| queue.borrow_mut().push(c)));
        let t = Self { rt, window, panel, controller, engine, commands, _dir: dir };
        t.draw();
        t
    }

    /// The world and the kiosk's view as they are now, drawn.
    fn draw(&self) {
        let view = self.rt.block_on(self.engine.act(bookstation::engine::Action::Touch)).ok();
        let world = self.controller.world().expect("a simulated world");
        self.panel.show(&world, view.as_ref());
    }

    /// Carry out what the window asked for, through the controller.
    fn pump(&self) {
        let commands: Vec<SimCommand> = self.commands.borrow_mut().drain(..).collect();
        for c in commands {
            let reply = self.rt.block_on(self.controller.handle(ControlRequest::Sim(c)));
            self.panel.show_result(reply.error.as_deref());
        }
        self.draw();
    }

    fn find(&self, label: &str) -> Option<ElementHandle> {
        ElementHandle::find_by_accessible_label(&self.window, label).find(|e| e.size().width > 0.0)
    }

    #[track_caller]
    fn press(&self, label: &str) {
        let e = self.find(label).unwrap_or_else(|| panic!("no control labelled {label:?}"));
        e.invoke_accessible_default_action();
        self.pump();
    }

    fn has(&self, label: &str) -> bool {
        self.find(label).is_some()
    }

    fn sim(&self) -> Sim<'_> {
        self.window.global::<Sim>()
    }

    fn screen(&self) -> Screen {
        self.rt.block_on(self.engine.act(bookstation::engine::Action::Touch)).expect("engine").screen
    }
}

#[test]
fn every_demo_card_has_a_button_and_the_card_comes_off() {
    let t = Trainer::new();
    for (_, label) in CARDS {
        assert!(t.has(&format!("Tap {label}")), "no button for {label}");
    }
    t.press("Tap Staff (PIN 2580)");
    assert_eq!(t.screen(), Screen::StaffPin);
    assert!(t.sim().get_card_present(), "the window shows the card on the reader");
    t.press("Remove the card");
    assert!(!t.sim().get_card_present());
    assert!(!t.controller.world().expect("world").card_present);
}

#[test]
fn the_door_the_kiosk_opens_is_preselected_and_its_book_shown() {
    let t = Trainer::new();
    assert!(t.has("Locker 3: door shut, MP0003"), "the cabinet is drawn with its books");
    t.press("Tap Patron in good standing");
    let _ = t.rt.block_on(t.engine.act(bookstation::engine::Action::Pin { pin: PIN.into() }));
    for action in [
        serde_json::json!({"action": "browse"}),
        serde_json::json!({"action": "select", "item_id": "MP0003"}),
        serde_json::json!({"action": "confirm"}),
        serde_json::json!({"action": "confirm"}),
    ] {
        let action = serde_json::from_value(action).expect("action");
        let _ = t.rt.block_on(t.engine.act(action));
    }
    t.draw();
    assert_eq!(t.screen(), Screen::Dispensing);
    assert_eq!(t.sim().get_slot(), 3, "the open locker is preselected");
    let field = t.find("Locker number").expect("a labelled locker field");
    assert_eq!(field.accessible_value().as_deref(), Some("3"));
    assert!(t.has("Locker 3: door open, MP0003"));
    t.press("Take the book");
    assert!(t.has("Locker 3: door open, empty"));
    t.press("Close the door");
    assert!(t.has("Locker 3: door shut, empty"));
    assert_eq!(t.screen(), Screen::Receipt, "the kiosk saw the book go");
}

#[test]
fn faults_and_the_network_are_shown() {
    let t = Trainer::new();
    assert!(t.has("Book barcode") && t.has("Code to scan"), "the fields are labelled");
    t.press("Locker 5: door shut, MP0005");
    assert_eq!(t.sim().get_slot(), 5, "a tap on a locker chooses it");
    t.press("Jam the lock");
    assert!(t.has("Locker 5: door shut, MP0005, lock jammed"));
    assert!(t.sim().get_faults().contains("lock 5 jammed"), "{}", t.sim().get_faults());
    assert!(t.sim().get_network_up());
    t.press("Unplug network");
    assert!(!t.sim().get_network_up(), "the window shows the cable out");
    assert!(!t.controller.world().expect("world").network_up);
    assert!(t.has("Plug network in"));
    // A command the world refuses says why.
    t.press("Take the book");
    assert!(t.sim().get_status().contains("closed"), "{}", t.sim().get_status());
}
