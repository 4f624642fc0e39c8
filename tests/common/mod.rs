//! A kiosk on simulated hardware with a virtual clock, for flow tests that
//! read like scripts: tap, type, take, close, jump time; then check the view
//! and the outbox. Real store (SQLite in a temp dir), real simulated world,
//! simulated district; nothing sleeps.

#![allow(dead_code)]

pub mod daemon;
pub mod ui;

use bookstation::config::Config;
use bookstation::demo::SimDistrict;
use bookstation::demo::seed_demo;
use bookstation::district::SimNetwork;
use bookstation::domain::Timestamp;
use bookstation::engine::{Action, Deps, EngineSettings, Input, Runner, VirtualClock};
use bookstation::store::{AsyncStore, CardHasher, OutboxEvent, Store};
use bookstation_hardware::{LockerBoard, SimLayout, SimWorld};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

// The view's types, for the tests' assertions: a misspelt screen, step or
// key does not compile. Each test file uses some of them.
#[allow(unused_imports)]
pub use bookstation::domain::{Language, RefusalReason, SlotNo};
#[allow(unused_imports)]
pub use bookstation::engine::view::{
    DispenseStep, DispenseView, NoticeKey, NoticeKind, PatronView, Problem, ReturnStep, ReturnView, Screen, StaffStep,
    StaffView, ViewState,
};

pub const GOOD: &str = "04A1B2C3D4E5F6";
pub const OVERDUE: &str = "04000000000002";
pub const SUSPENDED: &str = "04000000000003";
pub const HOLDER: &str = "04000000000004";
pub const AT_QUOTA: &str = "04000000000005";
pub const STAFF: &str = "04FFFFFFFFFF01";
pub const PIN: &str = "1234";
pub const STAFF_PIN: &str = "2580";

/// 2026-11-29 10:00 in Seoul.
pub const T0: Timestamp = Timestamp(1_795_914_000_000);

/// Steps a time jump may take before the test fails instead of hanging.
const MAX_TICKS: usize = 10_000;

pub struct Kiosk {
    pub runner: Runner,
    pub world: SimWorld,
    /// The locker board the runner drives: the world's own unless a test
    /// gave another ([`Kiosk::with_board`]).
    pub board: Arc<dyn LockerBoard>,
    pub clock: VirtualClock,
    pub district: SimDistrict,
    pub config: Config,
    pub dir: tempfile::TempDir,
}

impl Kiosk {
    pub async fn new() -> Self {
        Self::with_config(|_| {}).await
    }

    pub async fn with_config(tweak: impl FnOnce(&mut Config)) -> Self {
        Self::with_district(tweak, SimDistrict::demo).await
    }

    /// A kiosk whose simulated district is `district(kiosk_id)`, e.g. one
    /// seeded with more patrons than the demo's five. Its catalogue must be
    /// the demo's: the lockers are filled from [`seed_demo`].
    pub async fn with_district(tweak: impl FnOnce(&mut Config), district: impl FnOnce(&str) -> SimDistrict) -> Self {
        Self::with_board(tweak, district, |world| Arc::new(world.board())).await
    }

    /// A kiosk whose runner drives `board(world)` (e.g. a cabinet of boards
    /// in front of the world) instead of the world's own board.
    pub async fn with_board(
        tweak: impl FnOnce(&mut Config),
        district: impl FnOnce(&str) -> SimDistrict,
        board: impl FnOnce(&SimWorld) -> Arc<dyn LockerBoard>,
    ) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::demo(dir.path());
        tweak(&mut config);
        let layout = SimLayout { lockers: config.hardware.lockers, return_bin: config.hardware.return_bin_slot };
        let world = SimWorld::open(&dir.path().join("world.json"), layout).expect("world");
        let mut store = Store::open(&dir.path().join("bookstation.db")).expect("store");
        seed_demo(&mut store, &world, T0).expect("seed");
        drop(store);
        let district = district(&config.kiosk.id);
        let clock = VirtualClock::new(T0);
        let board = board(&world);
        let runner = start(&config, &world, &board, &district, &clock, &dir).await;
        Self { runner, world, board, clock, district, config, dir }
    }

    /// A power cut: the engine and its store connection are gone; the world
    /// (books, doors) and the district stay as they are.
    pub async fn restart(self) -> Self {
        let Self { runner, world, board, clock, district, config, dir } = self;
        drop(runner);
        let runner = start(&config, &world, &board, &district, &clock, &dir).await;
        Self { runner, world, board, clock, district, config, dir }
    }

    pub async fn tap(&mut self, uid: &str) {
        self.runner.feed(Input::CardTapped(uid.into())).await;
    }

    pub async fn scan(&mut self, text: &str) {
        self.runner.feed(Input::Scanned(text.into())).await;
    }

    /// A UI action written as JSON, as the UI and the control socket send it.
    pub async fn act(&mut self, json: Value) {
        let action: Action = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{json}: {e}"));
        self.runner.feed(Input::Action(action)).await;
    }

    pub async fn login(&mut self, uid: &str) {
        self.tap(uid).await;
        assert_eq!(self.screen(), Screen::Pin, "{:?}", self.view());
        self.act(serde_json::json!({"action": "pin", "pin": PIN})).await;
    }

    pub async fn staff_login(&mut self) {
        self.tap(STAFF).await;
        assert_eq!(self.screen(), Screen::StaffPin);
        self.act(serde_json::json!({"action": "staff_pin", "pin": STAFF_PIN})).await;
        assert_eq!(self.screen(), Screen::Staff, "{:?}", self.view());
    }

    pub async fn select(&mut self, item: &str) {
        self.act(serde_json::json!({"action": "select", "item_id": item})).await;
    }

    /// The patron with card [`GOOD`] borrows `item`: login, browse, select,
    /// confirm, confirm; returns the locker whose door is now open.
    pub async fn borrow_until_door_open(&mut self, item: &str) -> u16 {
        self.borrow_all_until_door_open(&[item]).await
    }

    /// [`Self::borrow_until_door_open`] for several books in one session:
    /// returns the first book's locker, whose door is now open.
    pub async fn borrow_all_until_door_open(&mut self, items: &[&str]) -> u16 {
        self.login(GOOD).await;
        assert_eq!(self.screen(), Screen::Home, "{:?}", self.view());
        self.act(serde_json::json!({"action": "browse"})).await;
        for item in items {
            self.select(item).await;
        }
        self.act(serde_json::json!({"action": "confirm"})).await;
        assert_eq!(self.screen(), Screen::Confirm, "{:?}", self.view());
        self.act(serde_json::json!({"action": "confirm"})).await;
        assert_eq!(self.screen(), Screen::Dispensing, "{:?}", self.view());
        self.dispensing().slot.0
    }

    pub async fn take(&mut self, slot: u16) {
        self.world.take(slot).expect("take");
        self.runner.poll_sensors().await;
    }

    pub async fn put(&mut self, slot: u16, barcode: &str) {
        self.world.put(slot, barcode).expect("put");
        self.runner.poll_sensors().await;
    }

    pub async fn close(&mut self, slot: u16) {
        self.world.close(slot).expect("close");
        self.runner.poll_sensors().await;
    }

    /// Jump the clock forward, stopping at every deadline on the way.
    pub async fn advance(&mut self, secs: u64) {
        let target = self.clock_now().plus_secs(secs);
        for _ in 0..MAX_TICKS {
            match self.runner.next_deadline() {
                Some(d) if d <= target => {
                    self.clock.set(d.max(self.clock_now()));
                    self.runner.tick().await;
                }
                _ => {
                    self.clock.set(target);
                    self.runner.tick().await;
                    return;
                }
            }
        }
        panic!("the engine kept asking for time after {MAX_TICKS} ticks");
    }

    pub fn clock_now(&self) -> Timestamp {
        bookstation::engine::Clock::now(&self.clock)
    }

    /// What the engine shows now, as the UI gets it.
    pub fn view(&self) -> ViewState {
        self.runner.view()
    }

    pub fn screen(&self) -> Screen {
        self.view().screen
    }

    /// The notice's key, if one shows.
    pub fn notice(&self) -> Option<NoticeKey> {
        self.view().notice.map(|n| n.key)
    }

    /// Why the refusal screen says no, if it shows.
    pub fn refusal(&self) -> Option<RefusalReason> {
        self.view().refusal.map(|r| r.reason)
    }

    /// The signed-in patron; fails the test when nobody is.
    pub fn patron(&self) -> PatronView {
        let v = self.view();
        v.patron.unwrap_or_else(|| panic!("no patron signed in: {:?}", self.view()))
    }

    /// The book being handed out; fails the test when none is.
    pub fn dispensing(&self) -> DispenseView {
        let v = self.view();
        v.dispensing.unwrap_or_else(|| panic!("not dispensing: {:?}", self.view()))
    }

    /// Where the return is; fails the test when none is under way.
    pub fn return_step(&self) -> ReturnStep {
        self.returning().step
    }

    pub fn returning(&self) -> ReturnView {
        let v = self.view();
        v.returning.unwrap_or_else(|| panic!("not returning: {:?}", self.view()))
    }

    /// The staff screen; fails the test when it is not showing.
    pub fn staff(&self) -> StaffView {
        let v = self.view();
        v.staff.unwrap_or_else(|| panic!("not on the staff screen: {:?}", self.view()))
    }

    pub fn staff_task(&self) -> StaffStep {
        self.staff().task
    }

    /// The ids of the books listed, in order.
    pub fn item_ids(&self) -> Vec<String> {
        self.view().items.into_iter().map(|i| i.id.clone()).collect()
    }

    /// The ids of the books offered (listed and available), in order.
    pub fn offered_ids(&self) -> Vec<String> {
        self.view().items.into_iter().filter(|i| i.available).map(|i| i.id.clone()).collect()
    }

    /// The ids of the books chosen so far, in order.
    pub fn selected_ids(&self) -> Vec<String> {
        self.view().selected.into_iter().map(|i| i.id).collect()
    }

    pub async fn events(&self) -> Vec<OutboxEvent> {
        self.runner.deps().store.call(|s| s.outbox(None, 10_000)).await.expect("store thread").expect("outbox")
    }

    pub async fn event_kinds(&self) -> Vec<String> {
        self.events().await.into_iter().map(|e| e.kind.as_str().to_owned()).collect()
    }

    /// Whether the store still has a book in a locker.
    pub async fn slot_item(&self, slot: u16) -> Option<String> {
        let slots = self.runner.deps().store.call(|s| s.slots()).await.expect("store thread").expect("slots");
        slots.into_iter().find(|s| s.no.0 == slot).and_then(|s| s.item.map(|i| i.to_string()))
    }
}

async fn start(
    config: &Config,
    world: &SimWorld,
    board: &Arc<dyn LockerBoard>,
    district: &SimDistrict,
    clock: &VirtualClock,
    dir: &tempfile::TempDir,
) -> Runner {
    let store = Store::open(&dir.path().join("bookstation.db")).expect("store");
    let deps = Deps {
        store: AsyncStore::new(store).expect("store thread"),
        board: board.clone(),
        district: Arc::new(SimNetwork::new(district.clone(), world.clone())),
        hasher: Arc::new(CardHasher::from_key([7; 32])),
        clock: Arc::new(clock.clone()),
        district_timeout: Duration::from_secs(5),
    };
    let (runner, _report) = Runner::start(EngineSettings::from_config(config), deps).await.expect("runner");
    runner
}

/// A private X server on a display it picks itself (`-displayfd`), killed when dropped.
pub struct Xvfb {
    _server: ReadyProcess,
    pub display: String,
}

impl Xvfb {
    pub fn start() -> Self {
        let mut xvfb = std::process::Command::new("Xvfb");
        xvfb.args(["-displayfd", "1", "-screen", "0", "1080x1920x24", "-nolisten", "tcp"]);
        // Xvfb writes the display number once it accepts clients.
        let (server, number) = ReadyProcess::start(&mut xvfb, "Xvfb (Debian package xvfb, installed by make deps)");
        assert!(!number.is_empty(), "Xvfb did not start");
        Self { _server: server, display: format!(":{number}") }
    }
}

/// A helper process (an X server, a session bus) that says it is ready by
/// printing one line on its standard output; killed when dropped.
pub struct ReadyProcess(std::process::Child);

impl ReadyProcess {
    /// Start `command` (`what` names it and its package for the error) and
    /// wait for its first line, returned trimmed.
    pub fn start(command: &mut std::process::Command, what: &str) -> (Self, String) {
        use std::io::BufRead;
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let mut line = String::new();
        let stdout = child.stdout.take().expect("a piped stdout");
        std::io::BufReader::new(stdout).read_line(&mut line).unwrap_or_else(|e| panic!("{what}: {e}"));
        (Self(child), line.trim().to_owned())
    }
}

impl Drop for ReadyProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
