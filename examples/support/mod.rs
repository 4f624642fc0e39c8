//! What the benchmark programs share: a kiosk of any size on the real store
//! and the simulated world, a counting allocator, figures and the machine.

#![allow(dead_code)]

use bookstation::config::Config;
use bookstation::demo::SimDistrict;
use bookstation::demo::seed;
use bookstation::demo::seed_demo;
use bookstation::district::SimNetwork;
use bookstation::domain::Timestamp;
use bookstation::engine::{Action, Deps, EngineSettings, Input, Runner, VirtualClock};
use bookstation::store::{AsyncStore, CardHasher, Store};
use bookstation_hardware::{SimLayout, SimWorld};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The cabinet sizes every table is printed at: the demo's, Seoul's usual
/// station library, and City Hall's.
pub const SIZES: [u16; 3] = [40, 500, 1000];

/// 2026-11-29 10:00 in Seoul.
pub const T0: Timestamp = Timestamp(1_795_914_000_000);
pub const CARD: &str = "04A1B2C3D4E5F6";
pub const PIN: &str = "1234";

/// Counts every allocation in the process, on every thread.
pub struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static LIVE_BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
#[allow(unsafe_code)] // a counting allocator is unsafe by its trait
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        LIVE_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        LIVE_BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        LIVE_BYTES.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: as for `dealloc`, and `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations so far (with `#[global_allocator] static A: Counting`).
pub fn allocations() -> u64 {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// Bytes allocated and not yet freed.
pub fn live_bytes() -> u64 {
    LIVE_BYTES.load(Ordering::Relaxed)
}

pub fn action(v: serde_json::Value) -> Input {
    Input::Action(serde_json::from_value::<Action>(v).expect("action"))
}

/// A kiosk of `lockers` lockers with the demo's books and generated ones,
/// the store on disk (WAL, synchronous=FULL), the world file beside it.
pub struct BenchKiosk {
    pub runner: Runner,
    pub world: SimWorld,
    pub clock: VirtualClock,
    pub return_bin: u16,
    pub dir: tempfile::TempDir,
}

impl BenchKiosk {
    /// `covers`: every book has a cover, a `cover_side`-pixel-tall picture
    /// in the covers directory (`dir/covers`), as a district with real
    /// scans would give.
    pub async fn new(lockers: u16, cover_side: Option<u32>) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::demo(dir.path());
        config.hardware.lockers = lockers;
        config.hardware.return_bin_slot = lockers + 1;
        config.policy.kiosk_limit = 100_000;
        config.policy.district_quota = 100_000;
        let layout = SimLayout { lockers, return_bin: lockers + 1 };
        // BENCH_WORLD=memory: the simulated world without its file, to tell
        // the simulator's allocations (it rewrites its JSON on every change)
        // from the kiosk's.
        let world = if std::env::var("BENCH_WORLD").is_ok_and(|w| w == "memory") {
            SimWorld::in_memory(layout)
        } else {
            SimWorld::open(&dir.path().join("world.json"), layout).expect("world")
        };
        let mut store = Store::open(&dir.path().join("bookstation.db")).expect("store");
        seed_demo(&mut store, &world, T0).expect("seed");
        let mut catalogue = seed::demo_sized(lockers);
        if let Some(side) = cover_side {
            let covers = dir.path().join("covers");
            std::fs::create_dir_all(&covers).expect("covers dir");
            for (n, s) in catalogue.items.iter_mut().enumerate() {
                let name = format!("{}.png", s.item.id.as_str());
                let shade = u8::try_from(n % 200).unwrap_or(0);
                let png = bookstation_district_sim::covers::placeholder_png(side * 2 / 3, side, [40 + shade, 90, 140])
                    .expect("cover");
                std::fs::write(covers.join(&name), png).expect("cover file");
                s.item.cover_url = Some(format!("covers/{name}"));
            }
        }
        let clock = VirtualClock::new(T0);
        let deps = Deps {
            store: AsyncStore::new(store).expect("store thread"),
            board: Arc::new(world.board()),
            district: Arc::new(SimNetwork::new(SimDistrict::new(&config.kiosk.id, catalogue), world.clone())),
            hasher: Arc::new(CardHasher::from_key([1; 32])),
            clock: Arc::new(clock.clone()),
            district_timeout: Duration::from_secs(5),
        };
        let (runner, _) = Runner::start(EngineSettings::from_config(&config), deps).await.expect("runner");
        Self { runner, world, clock, return_bin: lockers + 1, dir }
    }

    pub async fn feed(&mut self, input: Input) {
        self.runner.feed(input).await;
    }

    /// A hand in the cabinet, then the sensors read.
    pub async fn physical(&mut self, f: impl FnOnce(&SimWorld)) {
        f(&self.world);
        self.runner.poll_sensors().await;
    }

    /// Card, PIN: the home screen with the shelf.
    pub async fn sign_in(&mut self) {
        self.feed(Input::CardTapped(CARD.into())).await;
        self.feed(action(serde_json::json!({"action": "pin", "pin": PIN}))).await;
    }

    /// One book borrowed from card tap to logout: `item` from `slot`.
    pub async fn borrow(&mut self, item: &str, slot: u16) {
        self.sign_in().await;
        self.feed(action(serde_json::json!({"action": "select", "item_id": item}))).await;
        self.feed(action(serde_json::json!({"action": "confirm"}))).await;
        self.feed(action(serde_json::json!({"action": "confirm"}))).await;
        self.physical(|w| drop(w.take(slot).expect("take"))).await;
        self.physical(|w| w.close(slot).expect("close")).await;
        self.feed(action(serde_json::json!({"action": "logout"}))).await;
    }

    /// The same book given back through the bin.
    pub async fn give_back(&mut self, item: &str) {
        let bin = self.return_bin;
        self.feed(Input::Scanned(item.into())).await;
        self.physical(|w| w.put(bin, item).expect("put")).await;
        self.physical(|w| w.close(bin).expect("close")).await;
        self.feed(action(serde_json::json!({"action": "logout"}))).await;
    }
}

/// Median, 95th percentile and largest of `samples`, in ms.
pub fn spread(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| ms(samples[((samples.len() - 1) as f64 * q) as usize]);
    (at(0.5), at(0.95), ms(*samples.last().expect("samples")))
}

/// This machine, for the top of every table: times mean little without it.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU".to_owned(), |m| m.trim().to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("{model}, {cores} cores, load average {} at start", load.join(" "))
}
