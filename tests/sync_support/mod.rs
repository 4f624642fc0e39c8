//! Shared by the district sync tests: the simulated district served over
//! real HTTP on a loopback port, the kiosk's HTTP client to it, a kiosk
//! (runner + sync worker) on a virtual clock, and the check every fault
//! test ends with: the district holds every event exactly once, in `seq`
//! order. Nothing sleeps: the worker is stepped by hand and the clock jumps
//! to the next retry.

#![allow(dead_code)]

use bookstation::config::Config;
use bookstation::demo::seed::DEMO_KIOSK_ID;
use bookstation::demo::seed_demo;
use bookstation::demo::{SimDistrict, SimServer};
use bookstation::district::http::install_crypto_provider;
use bookstation::district::{District, HttpDistrict, HttpSettings, SyncReport, SyncSettings, SyncWorker};
use bookstation::domain::{EventBody, ItemId, PatronId, SlotNo, Timestamp};
use bookstation::engine::{Action, Clock, Deps, EngineSettings, Input, Runner, VirtualClock};
use bookstation::store::{AsyncStore, CardHasher, OutboxEvent, OutboxState, Store};
use bookstation_district_sim::Faults;
use bookstation_district_sim::SimSnapshot;
use bookstation_district_sim::server::ServerOptions;
use bookstation_hardware::{SimLayout, SimWorld};
use rand::SeedableRng;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub const K: &str = DEMO_KIOSK_ID;
pub const GOOD: &str = "04A1B2C3D4E5F6";
pub const PIN: &str = "1234";
pub const TOKEN: &str = "test-device-token";
/// 2026-11-29 10:00 in Seoul.
pub const T0: Timestamp = Timestamp(1_795_914_000_000);
/// Sync steps a drain may take before the test fails instead of hanging.
pub const MAX_STEPS: usize = 500;

/// The demo district served on a fresh loopback port, token required.
pub async fn serve(sim: SimDistrict, db: Option<&Path>) -> SimServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let options = ServerOptions { token: Some(TOKEN.into()), db: db.map(Path::to_owned) };
    SimServer::start(listener, sim, options).expect("start the simulated district")
}

/// The kiosk's HTTP client to `server`, with this timeout on every call.
pub fn client(server: &SimServer, timeout: Duration) -> HttpDistrict {
    let settings = HttpSettings { url: server.url(), token: TOKEN.into(), ca_pem: None, timeout, kiosk_id: K.into() };
    HttpDistrict::new(settings).expect("client")
}

/// `GET /sim/state`, over HTTP like any outside observer.
pub async fn sim_state(server: &SimServer) -> SimSnapshot {
    install_crypto_provider();
    let client = reqwest::Client::builder().tls_certs_only([]).no_proxy().build().expect("client");
    let response = client.get(format!("{}sim/state", server.url())).send().await.expect("GET /sim/state");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("state JSON")
}

/// `POST /sim/faults`, over HTTP.
pub async fn set_faults(server: &SimServer, faults: &Faults) {
    install_crypto_provider();
    let client = reqwest::Client::builder().tls_certs_only([]).no_proxy().build().expect("client");
    let response =
        client.post(format!("{}sim/faults", server.url())).json(faults).send().await.expect("POST /sim/faults");
    assert!(response.status().is_success(), "{}", response.status());
}

/// Sync settings for tests: small batches show ordering across batches.
pub fn settings(batch_size: usize) -> SyncSettings {
    SyncSettings { batch_size, call_timeout: Duration::from_secs(5), ..SyncSettings::new(K) }
}

pub fn worker(store: &AsyncStore, district: Arc<dyn District>, batch_size: usize) -> SyncWorker {
    SyncWorker::with_rng(store.clone(), district, settings(batch_size), rand::rngs::StdRng::seed_from_u64(7))
}

pub fn loan(item: &str) -> EventBody {
    EventBody::Loan {
        item_id: ItemId::new(item),
        patron_id: PatronId::new("1000001"),
        slot: SlotNo(1),
        due_date: "2026-12-14".into(),
    }
}

pub fn ret(item: &str) -> EventBody {
    EventBody::Return { item_id: ItemId::new(item), library: None }
}

/// A store file in `dir` with `n` events queued (returns and loans of demo books).
pub fn queued_store(dir: &Path, n: usize) -> Store {
    let mut store = Store::open(&dir.join("bookstation.db")).expect("store");
    for i in 0..n {
        let item = format!("MP{:04}", i % 40 + 1);
        let body = if i % 2 == 0 { loan(&item) } else { ret(&item) };
        store.append_event(&body, i % 3 == 0, T0.plus_millis(i64::try_from(i).unwrap_or(0))).expect("append");
    }
    store
}

pub async fn outbox(store: &AsyncStore) -> Vec<OutboxEvent> {
    store.call(|s| s.outbox(None, 100_000)).await.expect("store thread").expect("outbox")
}

/// Step the worker until nothing is left to send, jumping `now` to each
/// retry time. Returns the reports, for tests that look at the path taken.
pub async fn drain(worker: &mut SyncWorker, clock: &VirtualClock) -> Vec<SyncReport> {
    let mut reports = Vec::new();
    for _ in 0..MAX_STEPS {
        let now = clock.now();
        let report = worker.sync_once(now).await.expect("store");
        match &report {
            SyncReport::Idle { next_due: None } => return reports,
            SyncReport::Idle { next_due: Some(at) } => clock.set(*at),
            SyncReport::Failed { retry_at, .. } => clock.set(*retry_at),
            SyncReport::Answered { .. } => {}
        }
        reports.push(report);
    }
    panic!("the outbox did not drain in {MAX_STEPS} steps: {reports:?}");
}

/// The promise every fault test checks: the district holds each delivered
/// event exactly once, they arrived in `seq` order, and the kiosk's queue
/// is empty with every event acknowledged (none rejected unless `rejected`).
pub async fn assert_exactly_once_in_order(server: &SimServer, store: &AsyncStore, rejected: usize) {
    let state = sim_state(server).await;
    let events = outbox(store).await;
    let pending: Vec<_> = events.iter().filter(|e| e.state == OutboxState::Pending).map(|e| e.seq).collect();
    assert!(pending.is_empty(), "still pending: {pending:?}");
    let acked: Vec<_> = events.iter().filter(|e| e.state == OutboxState::Acked).collect();
    assert_eq!(events.len() - acked.len(), rejected, "rejected events");
    let ids: Vec<_> = state.events.iter().filter(|e| e.kiosk_id == K).map(|e| e.id).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "an event id appears twice in the district");
    assert_eq!(
        ids,
        acked.iter().map(|e| e.id).collect::<Vec<_>>(),
        "the district's events are the acked ones, in seq order"
    );
    let seqs = state.seqs(K);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "arrival order is not seq order: {seqs:?}");
}

/// A whole kiosk on the HTTP district: runner (engine, store, simulated
/// world) and sync worker, sharing one virtual clock.
pub struct HttpKiosk {
    pub runner: Runner,
    pub worker: SyncWorker,
    pub world: SimWorld,
    pub clock: VirtualClock,
    pub district: Arc<dyn District>,
    pub config: Config,
    pub dir: tempfile::TempDir,
}

impl HttpKiosk {
    pub async fn new(server: &SimServer) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = Config::demo(dir.path());
        let layout = SimLayout { lockers: config.hardware.lockers, return_bin: config.hardware.return_bin_slot };
        let world = SimWorld::open(&dir.path().join("world.json"), layout).expect("world");
        let mut store = Store::open(&dir.path().join("bookstation.db")).expect("store");
        seed_demo(&mut store, &world, T0).expect("seed");
        drop(store);
        let district: Arc<dyn District> = Arc::new(client(server, Duration::from_secs(2)));
        let clock = VirtualClock::new(T0);
        let (runner, worker) = start(&config, &world, &district, &clock, &dir).await;
        Self { runner, worker, world, clock, district, config, dir }
    }

    /// A power cut: engine, worker and store connection gone; the world,
    /// the database file and the district stay.
    pub async fn restart(self) -> Self {
        let Self { runner, worker, world, clock, district, config, dir } = self;
        drop((runner, worker));
        let (runner, worker) = start(&config, &world, &district, &clock, &dir).await;
        Self { runner, worker, world, clock, district, config, dir }
    }

    pub fn store(&self) -> AsyncStore {
        self.runner.deps().store.clone()
    }

    pub async fn act(&mut self, json: Value) {
        let action: Action = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{json}: {e}"));
        self.runner.feed(Input::Action(action)).await;
    }

    pub fn view(&self) -> Value {
        serde_json::to_value(self.runner.view()).expect("view")
    }

    pub fn screen(&self) -> String {
        self.view()["screen"].as_str().unwrap_or_default().to_owned()
    }

    pub async fn login(&mut self, uid: &str) {
        self.runner.feed(Input::CardTapped(uid.into())).await;
        assert_eq!(self.screen(), "pin", "{}", self.view());
        self.act(serde_json::json!({"action": "pin", "pin": PIN})).await;
        assert_eq!(self.screen(), "home", "{}", self.view());
    }

    /// Borrow one book: select, confirm twice, take it, close the door.
    pub async fn borrow(&mut self, item: &str) {
        self.borrow_to_receipt(item).await;
        self.act(serde_json::json!({"action": "logout"})).await;
    }

    /// Borrow one book and stay on the receipt screen.
    pub async fn borrow_to_receipt(&mut self, item: &str) {
        self.act(serde_json::json!({"action": "browse"})).await;
        self.act(serde_json::json!({"action": "select", "item_id": item})).await;
        self.act(serde_json::json!({"action": "confirm"})).await;
        self.act(serde_json::json!({"action": "confirm"})).await;
        assert_eq!(self.screen(), "dispensing", "{}", self.view());
        let slot = u16::try_from(self.view()["dispensing"]["slot"].as_u64().expect("slot")).expect("slot");
        self.world.take(slot).expect("take");
        self.runner.poll_sensors().await;
        self.world.close(slot).expect("close");
        self.runner.poll_sensors().await;
        assert_eq!(self.screen(), "receipt", "{}", self.view());
    }

    /// Return a book of this kiosk through the bin, no card.
    pub async fn give_back(&mut self, item: &str) {
        let bin = self.config.hardware.return_bin_slot;
        self.runner.feed(Input::Scanned(item.into())).await;
        self.world.put(bin, item).expect("put");
        self.runner.poll_sensors().await;
        self.world.close(bin).expect("close");
        self.runner.poll_sensors().await;
        assert_eq!(self.view()["notice"]["key"], "notice.returned", "{}", self.view());
        self.act(serde_json::json!({"action": "logout"})).await;
    }

    /// Move the virtual clock; the engine's deadlines fire on the way.
    pub async fn advance(&mut self, secs: u64) {
        let target = self.clock.now().plus_secs(secs);
        for _ in 0..MAX_STEPS {
            match self.runner.next_deadline() {
                Some(d) if d <= target => {
                    self.clock.set(d.max(self.clock.now()));
                    self.runner.tick().await;
                }
                _ => break,
            }
        }
        self.clock.set(target);
        self.runner.tick().await;
    }

    /// Hand the worker's view of the district to the engine, as the daemon does.
    pub async fn forward_reachability(&mut self) {
        if let Some(online) = *self.worker.reachability().borrow() {
            self.runner.feed(Input::Connectivity { online }).await;
        }
    }
}

async fn start(
    config: &Config,
    world: &SimWorld,
    district: &Arc<dyn District>,
    clock: &VirtualClock,
    dir: &tempfile::TempDir,
) -> (Runner, SyncWorker) {
    let store = AsyncStore::new(Store::open(&dir.path().join("bookstation.db")).expect("store")).expect("thread");
    let deps = Deps {
        store: store.clone(),
        board: Arc::new(world.board()),
        district: district.clone(),
        hasher: Arc::new(CardHasher::from_key([7; 32])),
        clock: Arc::new(clock.clone()),
        district_timeout: Duration::from_secs(2),
    };
    let (runner, _) = Runner::start(EngineSettings::from_config(config), deps).await.expect("runner");
    (runner, worker(&store, district.clone(), 5))
}
