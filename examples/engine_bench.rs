//! How long the kiosk's flows take inside the engine: a borrow, a return, a
//! bin unload and a restock, each end to end through the runner, the real
//! SQLite store on disk (WAL, synchronous=FULL) and the simulated world, with
//! a virtual clock so only the work is timed. Also the core state machine
//! alone, with no I/O. Prints a table; run with `make bench`.

// A benchmark's figures are its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use bookstation::config::{Config, DEMO_STAFF_CARD, DEMO_STAFF_PIN};
use bookstation::demo::{SimNetwork, seed_demo};
use bookstation::district::SimDistrict;
use bookstation::domain::Timestamp;
use bookstation::engine::{Action, Deps, EngineSettings, Input, Runner, VirtualClock};
use bookstation::store::{AsyncStore, CardHasher, Store};
use bookstation_hardware::{SimLayout, SimWorld};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ROUNDS: usize = 200;
const CARD: &str = "04A1B2C3D4E5F6";

fn action(v: serde_json::Value) -> Input {
    Input::Action(serde_json::from_value::<Action>(v).expect("action"))
}

struct Bench {
    runner: Runner,
    world: SimWorld,
}

impl Bench {
    async fn feed(&mut self, input: Input) {
        self.runner.feed(input).await;
    }
    async fn physical(&mut self, f: impl FnOnce(&SimWorld)) {
        f(&self.world);
        self.runner.poll_sensors().await;
    }

    async fn borrow(&mut self) {
        self.feed(Input::CardTapped(CARD.into())).await;
        self.feed(action(json!({"action": "pin", "pin": "1234"}))).await;
        self.feed(action(json!({"action": "browse"}))).await;
        self.feed(action(json!({"action": "select", "item_id": "MP0001"}))).await;
        self.feed(action(json!({"action": "confirm"}))).await;
        self.feed(action(json!({"action": "confirm"}))).await;
        self.physical(|w| drop(w.take(1).expect("take"))).await;
        self.physical(|w| w.close(1).expect("close")).await;
        self.feed(action(json!({"action": "logout"}))).await;
    }

    async fn give_back(&mut self) {
        self.feed(Input::Scanned("MP0001".into())).await;
        self.physical(|w| w.put(41, "MP0001").expect("put")).await;
        self.physical(|w| w.close(41).expect("close")).await;
        self.feed(action(json!({"action": "logout"}))).await;
    }

    async fn unload(&mut self) {
        self.feed(Input::CardTapped(DEMO_STAFF_CARD.into())).await;
        self.feed(action(json!({"action": "staff_pin", "pin": DEMO_STAFF_PIN}))).await;
        self.feed(action(json!({"action": "unload_bin"}))).await;
        self.physical(|w| drop(w.empty_bin().expect("empty"))).await;
        self.physical(|w| w.close(41).expect("close")).await;
    }

    async fn restock(&mut self) {
        self.feed(action(json!({"action": "restock", "slot": 1}))).await;
        self.feed(Input::Scanned("MP0001".into())).await;
        self.physical(|w| w.put(1, "MP0001").expect("put")).await;
        self.physical(|w| w.close(1).expect("close")).await;
        self.feed(action(json!({"action": "logout"}))).await;
    }
}

fn stats(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| ms(samples[((samples.len() - 1) as f64 * q) as usize]);
    (at(0.5), at(0.95), ms(*samples.last().expect("samples")))
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::demo(dir.path());
    config.policy.kiosk_limit = 100_000;
    config.policy.district_quota = 100_000;
    let layout = SimLayout { lockers: 40, return_bin: 41 };
    let world = SimWorld::open(&dir.path().join("world.json"), layout).expect("world");
    let mut store = Store::open(&dir.path().join("bookstation.db")).expect("store");
    seed_demo(&mut store, &world, Timestamp(1_795_914_000_000)).expect("seed");
    let clock = VirtualClock::new(Timestamp(1_795_914_000_000));
    let deps = Deps {
        store: AsyncStore::new(store).expect("store thread"),
        board: Arc::new(world.board()),
        district: Arc::new(SimNetwork::new(SimDistrict::demo(&config.kiosk.id), world.clone())),
        hasher: Arc::new(CardHasher::from_key([1; 32])),
        clock: Arc::new(clock.clone()),
        district_timeout: Duration::from_secs(5),
    };
    let (runner, _) = Runner::start(EngineSettings::from_config(&config), deps).await.expect("runner");
    let mut b = Bench { runner, world };
    let mut rows: Vec<(&str, Vec<Duration>)> = vec![
        ("borrow (card, PIN, select, door, loan)", vec![]),
        ("return (scan, bin, record)", vec![]),
        ("unload bin (staff sign-in incl. Argon2)", vec![]),
        ("restock (open, scan, close)", vec![]),
    ];
    for _ in 0..ROUNDS {
        for (i, row) in rows.iter_mut().enumerate() {
            let t = Instant::now();
            match i {
                0 => b.borrow().await,
                1 => b.give_back().await,
                2 => b.unload().await,
                _ => b.restock().await,
            }
            row.1.push(t.elapsed());
            clock.advance_ms(1_000);
        }
    }
    let events = b.runner.deps().store.call(|s| s.outbox_stats()).await.expect("thread").expect("stats");
    println!("Bookstation engine flows: {ROUNDS} rounds, SQLite on disk (WAL, synchronous=FULL), simulated world file");
    println!("{:<44} {:>10} {:>10} {:>10}", "flow", "median ms", "p95 ms", "max ms");
    for (name, samples) in rows {
        let (p50, p95, max) = stats(samples);
        println!("{name:<44} {p50:>10.2} {p95:>10.2} {max:>10.2}");
    }
    println!("events written: {}", events.pending);
}
