//! Sensor polling at 40, 500 and 1,000 lockers (issue 13), over the same
//! simulated Kerong CU buses on ptys the demo drives with `--hardware pty`
//! (16 boards of 16 locks per bus, the boards spread over the fewest buses),
//! through the real serial driver at 19200 baud:
//!
//! - a whole background sweep (every board read once, the buses in
//!   parallel: `Cabinet::sweep` called `sweep_steps` times back to back)
//!   beside its wire-time floor;
//! - the same with one board that never answers, probed on every
//!   `SILENT_PROBE_EVERY`th of its turns;
//! - door-close → loan recorded with the real engine task (`actor::spawn`,
//!   system clock, the 50 ms `SENSOR_POLL`), the SQLite store on disk: the
//!   door is shut in the simulated world directly, and the time runs until
//!   the view shows the receipt (the loan committed).
//!
//! A pty moves bytes at memory speed whatever the baud rate, so the
//! measured times are the software's share; the "real line" columns add the
//! wire time the same exchanges need on RS-485. The simulated world lives
//! in memory here (the demo's world file and its fsyncs are the simulator's
//! own cost, not the kiosk's); the store is on disk with its fsyncs.
//!
//! Run: `cargo run --release --locked --example sensor_bench` (or `make bench`).

// A benchmark's figures are its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use anyhow::{Context, bail};
use bookstation::config::Config;
use bookstation::demo::SimDistrict;
use bookstation::demo::seed_demo;
use bookstation::district::SimNetwork;
use bookstation::engine::actor::{self, Devices, EngineHandle, SENSOR_POLL};
use bookstation::engine::view::DispenseStep;
use bookstation::engine::{Action, Clock, Deps, EngineSettings, Input, Runner, Screen, SystemClock, ViewState};
use bookstation::store::{AsyncStore, CardHasher, Store};
use bookstation_hardware::codec::kerong_cu::{REPLY_LEN, REQUEST_LEN};
use bookstation_hardware::drivers::{
    Cabinet, KerongCu, KerongPolarity, LinkSettings, Mount, SILENT_PROBE_EVERY, SerialLink,
};
use bookstation_hardware::sim::pty::{KerongSim, Panel, PtySim, bus_link, world_boards, world_on_kerong};
use bookstation_hardware::{LockerBoard, SimLayout, SimWorld};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SIZES: [u16; 3] = [40, 500, 1000];
const BAUD: u32 = 19200;
/// Whole sweeps timed per cabinet, all boards answering.
const SWEEP_ROUNDS: usize = 60;
/// Whole sweeps timed with one silent board: three probes at one in ten.
const SILENT_ROUNDS: usize = 30;
/// Borrows timed per cabinet (each from another locker, spread over the buses).
const LATENCY_ROUNDS: usize = 20;
/// The silent board: bus 0, address 1 (lockers 17-32), beside locker 1's board.
const SILENT: (usize, u8) = (0, 1);
const CARD: &str = "04A1B2C3D4E5F6";
const PIN: &str = "1234";
/// How long a view may take before the run is declared broken.
const VIEW_WAIT: Duration = Duration::from_secs(10);

/// Time on the wire for one Kerong CU exchange (status request + reply), 8N1.
fn exchange_wire() -> Duration {
    Duration::from_secs_f64((REQUEST_LEN + REPLY_LEN) as f64 * 10.0 / f64::from(BAUD))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median, p95, max and mean.
struct Stats {
    p50: Duration,
    p95: Duration,
    max: Duration,
    mean: Duration,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    let total: Duration = v.iter().sum();
    Stats { p50: at(0.5), p95: at(0.95), max: v[v.len() - 1], mean: total / u32::try_from(v.len()).unwrap_or(1) }
}

/// One cabinet: the simulated world behind its pty buses, the driver in
/// front, and a seeded store for the engine.
struct Rig {
    dir: tempfile::TempDir,
    world: SimWorld,
    /// The board simulators (one per bus); they stop when dropped.
    _sims: Vec<PtySim>,
    cabinet: Arc<Cabinet>,
    /// The silent board's index in the cabinet, when one is.
    silent: Option<usize>,
}

impl Rig {
    /// `lockers` and their return bin; with `silent`, the board at (bus,
    /// address) is left out of its bus's simulator, so it never answers, as
    /// a dead board on a real bus.
    fn new(lockers: u16, silent: Option<(usize, u8)>) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("temp dir")?;
        let world = SimWorld::in_memory(SimLayout { lockers, return_bin: lockers + 1 });
        let mut store = Store::open(&dir.path().join("bookstation.db")).context("store")?;
        seed_demo(&mut store, &world, SystemClock.now()).context("seeding")?;
        let link = dir.path().join("locker-bus");
        let (sims, cabinet, silent) = match silent {
            // The demo's own code path.
            None => {
                let (sims, cabinet) = world_on_kerong(&world, &link, LinkSettings::new(&link))?;
                (sims, cabinet, None)
            }
            Some(dead) => {
                let (sims, cabinet, index) = with_silent_board(&world, &link, dead)?;
                (sims, cabinet, Some(index))
            }
        };
        Ok(Self { dir, world, _sims: sims, cabinet: Arc::new(cabinet), silent })
    }

    /// Boards on the busiest bus.
    fn busiest(&self) -> usize {
        self.cabinet.sweep_steps()
    }

    /// A whole background sweep: every board read once (the silent one
    /// skipped but for its probes), the buses in parallel.
    async fn whole_sweep(&self) -> anyhow::Result<Duration> {
        let t = Instant::now();
        for _ in 0..self.cabinet.sweep_steps() {
            self.cabinet.sweep(&[]).await?;
        }
        Ok(t.elapsed())
    }
}

/// [`world_on_kerong`]'s buses and cabinet, the same layout, but the board
/// at `dead` (bus, address) missing from its bus's simulator: requests to
/// it go unanswered. Returns the board's index in the cabinet too.
fn with_silent_board(
    world: &SimWorld,
    link: &Path,
    dead: (usize, u8),
) -> anyhow::Result<(Vec<PtySim>, Cabinet, usize)> {
    let panel: Arc<dyn Panel> = Arc::new(world.clone());
    let (mut sims, mut mounts, mut index) = (Vec::new(), Vec::new(), None);
    for (bus, boards) in world_boards(world)?.iter().enumerate() {
        let path = bus_link(link, bus);
        let answering = boards.iter().filter(|b| (bus, b.address) != dead).copied().collect();
        sims.push(PtySim::start(&path, KerongSim::new(answering), panel.clone())?);
        let serial = SerialLink::new(LinkSettings::new(&path));
        for b in boards {
            if (bus, b.address) == dead {
                index = Some(mounts.len());
            }
            let unit = KerongCu::new(serial.clone(), b.address, b.channels, KerongPolarity::default())?;
            mounts.push(Mount { unit: Box::new(unit), first_slot: b.first_slot });
        }
    }
    let index = index.context("no such board to silence")?;
    Ok((sims, Cabinet::new(mounts, Some(world.layout().return_bin))?, index))
}

fn action(v: serde_json::Value) -> anyhow::Result<Action> {
    Ok(serde_json::from_value(v)?)
}

/// Wait until the engine publishes a view that `done` accepts; every view
/// on the way is shown to `each` with the time it was seen.
async fn wait_view(
    views: &mut tokio::sync::watch::Receiver<ViewState>,
    mut each: impl FnMut(&ViewState, Instant),
    done: impl Fn(&ViewState) -> bool,
) -> anyhow::Result<Instant> {
    let deadline = tokio::time::Instant::now() + VIEW_WAIT;
    loop {
        {
            let v = views.borrow_and_update();
            let now = Instant::now();
            each(&v, now);
            if done(&v) {
                return Ok(now);
            }
        }
        tokio::time::timeout_at(deadline, views.changed()).await.context("the view did not come")??;
    }
}

/// Door-close latency samples: (door shut → engine saw it, door shut → loan recorded).
struct Latency {
    seen: Vec<Duration>,
    recorded: Vec<Duration>,
    loans: usize,
}

/// Borrow [`LATENCY_ROUNDS`] books, one at a time, with the real engine
/// task on `rig`'s cabinet; time each door shut until the receipt shows.
async fn door_close_latency(rig: &Rig) -> anyhow::Result<Latency> {
    let lockers = rig.world.layout().lockers;
    let mut config = Config::demo(rig.dir.path());
    config.hardware.lockers = lockers;
    config.hardware.return_bin_slot = lockers + 1;
    config.policy.kiosk_limit = 100_000;
    config.policy.district_quota = 100_000;
    let store = Store::open(&rig.dir.path().join("bookstation.db")).context("store")?;
    let deps = Deps {
        store: AsyncStore::new(store)?,
        board: rig.cabinet.clone() as Arc<dyn LockerBoard>,
        district: Arc::new(SimNetwork::new(SimDistrict::demo_sized(&config.kiosk.id, lockers), rig.world.clone())),
        hasher: Arc::new(CardHasher::from_key([7; 32])),
        clock: Arc::new(SystemClock),
        district_timeout: Duration::from_secs(5),
    };
    let (runner, _report) = Runner::start(EngineSettings::from_config(&config), deps).await?;
    let store = runner.deps().store.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (engine, task) = actor::spawn(runner, Devices { card_reader: None, scanner: None }, async move {
        let _ = stopped.await;
    });
    let mut samples = Latency { seen: Vec::new(), recorded: Vec::new(), loans: 0 };
    for round in 0..LATENCY_ROUNDS {
        // Lockers spread evenly over the cabinet, so over every bus.
        let from = 1 + u16::try_from(round * usize::from(lockers) / LATENCY_ROUNDS)?;
        let slot = borrow_until_door_open(&engine, from).await?;
        let mut views = engine.views();
        rig.world.take(slot)?;
        wait_view(&mut views, |_, _| {}, |v| v.dispensing.as_ref().is_some_and(|d| !d.item_present)).await?;
        // The last view came right after a poll tick: shut the door at a
        // spread of phases of the 50 ms poll (golden-ratio steps).
        let phase = (round as f64 * 0.618_034).fract();
        tokio::time::sleep(SENSOR_POLL.mul_f64(phase)).await;
        let shut = Instant::now();
        rig.world.close(slot)?;
        let mut seen = None;
        let recorded = wait_view(
            &mut views,
            |v, at| {
                let saving = v.dispensing.as_ref().is_some_and(|d| d.step == DispenseStep::Saving);
                if seen.is_none() && (saving || v.screen == Screen::Receipt) {
                    seen = Some(at);
                }
            },
            |v| v.screen == Screen::Receipt,
        )
        .await?;
        samples.seen.push(seen.unwrap_or(recorded) - shut);
        samples.recorded.push(recorded - shut);
        engine.act(action(json!({"action": "logout"}))?).await?;
    }
    let events = store.call(|s| s.outbox(None, 100_000)).await??;
    samples.loans = events.iter().filter(|e| e.kind.as_str() == "loan").count();
    let _ = stop.send(());
    task.await?;
    Ok(samples)
}

/// Card, PIN, browse, select the first book on offer in a locker from
/// `from` on, confirm twice: returns the locker, whose door is now open.
async fn borrow_until_door_open(engine: &EngineHandle, from: u16) -> anyhow::Result<u16> {
    engine.send(Input::CardTapped(CARD.into())).await;
    let v = engine.act(action(json!({"action": "pin", "pin": PIN}))?).await?;
    if v.screen != Screen::Home {
        bail!("after the PIN: {:?}", v.screen);
    }
    let mut offered: Vec<(u16, String)> =
        v.items.into_iter().filter(|i| i.available).filter_map(|i| Some((i.slot?.0, i.id.clone()))).collect();
    offered.sort();
    let (slot, item) =
        offered.iter().find(|(slot, _)| *slot >= from).or(offered.last()).cloned().context("no book on offer")?;
    engine.act(action(json!({"action": "browse"}))?).await?;
    engine.act(action(json!({"action": "select", "item_id": item}))?).await?;
    engine.act(action(json!({"action": "confirm"}))?).await?;
    let v = engine.act(action(json!({"action": "confirm"}))?).await?;
    match v.dispensing {
        Some(d) if d.slot.0 == slot && v.screen == Screen::Dispensing => Ok(slot),
        _ => bail!("locker {slot} ({item}) did not open: {:?}", v.screen),
    }
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, v)| v.trim())
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("{cpu}, {cores} cores, load average {} at start", load.join(" "))
}

struct SizeResult {
    lockers: u16,
    buses: usize,
    busiest: usize,
    sweep: Stats,
    silent_sweep: Stats,
    silent_probes: u64,
    latency: Latency,
    silent_latency: Latency,
}

async fn measure(lockers: u16) -> anyhow::Result<SizeResult> {
    let rig = Rig::new(lockers, None)?;
    // Start-up's read of every board (the ports open, the threads start).
    rig.cabinet.read_all().await?;
    let mut sweeps = Vec::with_capacity(SWEEP_ROUNDS);
    for _ in 0..SWEEP_ROUNDS {
        sweeps.push(rig.whole_sweep().await?);
    }
    let latency = door_close_latency(&rig).await?;
    let (buses, busiest) = (rig.cabinet.bus_count(), rig.busiest());
    drop(rig);

    let rig = Rig::new(lockers, Some(SILENT))?;
    let silent = rig.silent.context("the silent board")?;
    // Start-up: the silent board waits out its timeouts once and is known silent.
    rig.cabinet.read_all().await?;
    let before = rig.cabinet.reads_per_board()[silent];
    let mut silent_sweeps = Vec::with_capacity(SILENT_ROUNDS);
    for _ in 0..SILENT_ROUNDS {
        silent_sweeps.push(rig.whole_sweep().await?);
    }
    let silent_probes = rig.cabinet.reads_per_board()[silent] - before;
    let silent_latency = door_close_latency(&rig).await?;
    Ok(SizeResult {
        lockers,
        buses,
        busiest,
        sweep: stats(sweeps),
        silent_sweep: stats(silent_sweeps),
        silent_probes,
        latency,
        silent_latency,
    })
}

fn print(results: &[SizeResult]) {
    let wire = exchange_wire();
    let settings = LinkSettings::new("/dev/null");
    // A probe is one try (a read of an answering board may make 1 + retries).
    let probe = settings.timeout;

    println!("\n### Whole background sweep ({SWEEP_ROUNDS} sweeps; every board read once, buses in parallel)\n");
    println!(
        "Wire floor: {} bytes per exchange x 10 bits / {BAUD} baud = {:.2} ms, x the boards on the busiest bus.",
        REQUEST_LEN + REPLY_LEN,
        ms(wire)
    );
    println!(
        "In the daemon a sweep is spread over poll ticks (one board per bus per {} ms tick).\n",
        SENSOR_POLL.as_millis()
    );
    println!(
        "| lockers | buses | boards on busiest bus | pty median ms | pty p95 | pty max | wire floor ms | real line est. (median + floor) | each locker re-read every (daemon) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        let floor = wire * u32::try_from(r.busiest).unwrap_or(u32::MAX);
        println!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.1} | {:.1} | {} ms |",
            r.lockers,
            r.buses,
            r.busiest,
            ms(r.sweep.p50),
            ms(r.sweep.p95),
            ms(r.sweep.max),
            ms(floor),
            ms(r.sweep.p50 + floor),
            r.busiest as u128 * SENSOR_POLL.as_millis(),
        );
    }

    println!(
        "\n### One silent board (bus 0, address 1; {SILENT_ROUNDS} whole sweeps after start-up marked it silent)\n"
    );
    println!(
        "A probe waits out one try of {} ms (a read would make {}); it comes on every {SILENT_PROBE_EVERY}th of the board's turns and never while a locker is watched.\n",
        probe.as_millis(),
        1 + settings.retries,
    );
    println!(
        "| lockers | probes | pty median ms | pty p95 | pty max | mean | silent board's cost per sweep (mean - healthy mean) | its floor ({} ms / {SILENT_PROBE_EVERY}) |",
        probe.as_millis()
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        let cost = r.silent_sweep.mean.saturating_sub(r.sweep.mean);
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.1} | {:.1} | {:.1} | {:.1} |",
            r.lockers,
            r.silent_probes,
            ms(r.silent_sweep.p50),
            ms(r.silent_sweep.p95),
            ms(r.silent_sweep.max),
            ms(r.silent_sweep.mean),
            ms(cost),
            ms(probe / SILENT_PROBE_EVERY),
        );
    }

    let goal = Duration::from_millis(100) + wire;
    println!(
        "\n### Door shut -> loan recorded ({LATENCY_ROUNDS} borrows per cabinet; real engine task, system clock, {} ms poll, SQLite on disk)\n",
        SENSOR_POLL.as_millis()
    );
    println!(
        "\"seen\": the view's step turns to saving (the poll read the door shut); \"recorded\": the receipt shows (loan and event committed)."
    );
    println!(
        "Real line est.: the recorded median + 2 exchanges (the tick reads the watched board and its bus's sweep board, and waits for both)."
    );
    println!("Goal: 100 ms + one exchange's wire time = {:.1} ms.\n", ms(goal));
    println!(
        "| lockers | boards | loans | seen median ms | seen max | recorded median ms | recorded p95 | recorded max | real line est. | goal ms |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        for (what, l) in [("all answer", &r.latency), ("one silent", &r.silent_latency)] {
            let seen = stats(l.seen.clone());
            let rec = stats(l.recorded.clone());
            println!(
                "| {} | {what} | {}/{} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
                r.lockers,
                l.loans,
                l.recorded.len(),
                ms(seen.p50),
                ms(seen.max),
                ms(rec.p50),
                ms(rec.p95),
                ms(rec.max),
                ms(rec.p50 + wire * 2),
                ms(goal),
            );
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    println!("Bookstation sensor polling (issue 13): Kerong CU buses on ptys at {BAUD} baud, the demo's layout");
    println!("machine: {}", machine());
    println!("rerun: cargo run --release --locked --example sensor_bench");
    let mut results = Vec::new();
    for lockers in SIZES {
        results.push(measure(lockers).await.with_context(|| format!("{lockers} lockers"))?);
    }
    print(&results);
    println!("\nrun time {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
