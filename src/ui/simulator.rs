//! The simulator window's bridge: the simulated world (and the kiosk's
//! view of it) into the `Sim` global, and its buttons into
//! [`SimCommand`]s for a sink (the daemon's sink hands them to
//! [`crate::control::Controller`], as the control socket does). Decides
//! nothing about the kiosk: it draws the cabinet and preselects the locker
//! whose door just opened.

use super::generated::{DemoCard, Sim, SimLocker, SimulatorWindow};
use crate::engine::ViewState;
use bookstation_hardware::{SimCommand, WorldSnapshot};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use std::cell::RefCell;
use std::rc::Rc;

/// Where the window's commands go.
pub type SimSink = Rc<dyn Fn(SimCommand)>;

/// The simulator window's state on the UI thread.
pub struct SimulatorPanel {
    window: slint::Weak<SimulatorWindow>,
    /// Doors open at the last drawing: a door open now and not then is the
    /// one the trainer acts on next.
    open: RefCell<Vec<u16>>,
}

impl SimulatorPanel {
    /// Show `cards` as buttons and send every button to `sink`.
    pub fn new(window: &SimulatorWindow, cards: &[(String, String)], sink: SimSink) -> Rc<Self> {
        let sim = window.global::<Sim>();
        let cards: Vec<DemoCard> = cards
            .iter()
            .map(|(uid, label)| DemoCard { uid: uid.as_str().into(), label: label.as_str().into() })
            .collect();
        sim.set_cards(ModelRc::new(VecModel::from(cards)));
        let slot = |n: i32| u16::try_from(n).unwrap_or(0);
        let s = sink.clone();
        sim.on_tap_card(move |uid| s(SimCommand::TapCard { uid: uid.to_string() }));
        let s = sink.clone();
        sim.on_remove_card(move || s(SimCommand::RemoveCard {}));
        let s = sink.clone();
        let weak = window.as_weak();
        sim.on_scan(move |text| {
            // A book's barcode just scanned is the one to put in next (a
            // return into the bin, a restock into a locker); a member's QR
            // code is not.
            if let Some(w) = weak.upgrade()
                && !text.contains(':')
                && !text.trim().is_empty()
            {
                w.global::<Sim>().set_barcode(text.trim().into());
            }
            s(SimCommand::Scan { text: text.to_string() })
        });
        let s = sink.clone();
        sim.on_take(move |n| s(SimCommand::Take { slot: slot(n) }));
        let s = sink.clone();
        sim.on_put(move |n, barcode| s(SimCommand::Put { slot: slot(n), barcode: barcode.trim().to_owned() }));
        let s = sink.clone();
        sim.on_close(move |n| s(SimCommand::Close { slot: slot(n) }));
        let s = sink.clone();
        sim.on_jam(move |n, jammed| s(SimCommand::Jam { slot: slot(n), jammed }));
        let s = sink.clone();
        sim.on_empty_bin(move || s(SimCommand::EmptyBin {}));
        let s = sink.clone();
        sim.on_network(move |up| s(SimCommand::Network { up }));
        sim.on_board(move |online| sink(SimCommand::Board { online }));
        Rc::new(Self { window: window.as_weak(), open: RefCell::new(Vec::new()) })
    }

    /// Draw the world as it stands, and what the kiosk makes of it (doors
    /// it reports left open, whether the district answers).
    pub fn show(&self, world: &WorldSnapshot, view: Option<&ViewState>) {
        let Some(window) = self.window.upgrade() else { return };
        let sim = window.global::<Sim>();
        let bin = world.layout.return_bin;
        let lockers: Vec<SimLocker> = world
            .slots
            .iter()
            .map(|s| {
                let is_bin = s.slot == bin;
                let book = if is_bin { s.bin_items.len().to_string() } else { s.item.clone().unwrap_or_default() };
                let what = match (is_bin, &s.item) {
                    (true, _) => format!("{} books", s.bin_items.len()),
                    (false, Some(item)) => item.clone(),
                    (false, None) => "empty".to_owned(),
                };
                let name = if is_bin { "Return bin" } else { "Locker" };
                let door = if s.door_open { "door open" } else { "door shut" };
                let jam = if s.jammed { ", lock jammed" } else { "" };
                SimLocker {
                    slot: i32::from(s.slot),
                    is_bin,
                    door_open: s.door_open,
                    jammed: s.jammed,
                    book: book.into(),
                    label: format!("{name} {}: {door}, {what}{jam}", s.slot).into(),
                }
            })
            .collect();
        super::bridge::set_rows(sim.get_lockers(), lockers, |m| sim.set_lockers(m));
        sim.set_max_slot(i32::from(bin));
        sim.set_card_present(world.card_present);
        sim.set_network_up(world.network_up);
        sim.set_board_online(world.board_online);
        sim.set_online(view.is_none_or(|v| v.online));
        sim.set_faults(faults(world, view).into());
        // The door that opened since the last drawing is the one to act on.
        let open: Vec<u16> = world.slots.iter().filter(|s| s.door_open).map(|s| s.slot).collect();
        let opened = open.iter().find(|s| !self.open.borrow().contains(s)).copied();
        if let Some(slot) = opened {
            sim.set_slot(i32::from(slot));
        }
        *self.open.borrow_mut() = open;
    }

    /// What the last command came to.
    pub fn show_result(&self, error: Option<&str>) {
        let Some(window) = self.window.upgrade() else { return };
        let status: SharedString = match error {
            Some(e) => format!("⚠ {e}").into(),
            None => "ok".into(),
        };
        window.global::<Sim>().set_status(status);
    }
}

/// The cabinet's faults in one sentence: jammed locks, the board off, and
/// doors the kiosk says were left open.
fn faults(world: &WorldSnapshot, view: Option<&ViewState>) -> String {
    let mut faults: Vec<String> =
        world.slots.iter().filter(|s| s.jammed).map(|s| format!("lock {} jammed", s.slot)).collect();
    if !world.board_online {
        faults.push("locker board off".to_owned());
    }
    if let Some(v) = view {
        faults.extend(v.doors_left_open.iter().map(|s| format!("door {s} left open")));
    }
    faults.join("; ")
}
