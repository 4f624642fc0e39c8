//! District sync figures, printed as tables (not a test; `make bench`):
//!
//! 1. Events enqueued per second through `Store::append_event` (one
//!    transaction and one fsync each: WAL, `synchronous=FULL`), beside a bare
//!    rusqlite loop inserting the same rows into the same table under the
//!    same pragmas. The ratio is the store's own overhead.
//! 2. Time to drain 10,000 queued events to the simulated district over
//!    loopback HTTP: the real sync worker (batches of 100), the real HTTP
//!    client, the `district-sim` server in-process; once with the simulator
//!    in memory, once saving its state to a file after every batch
//!    (`--db`).
//!
//! Run with `cargo run --release --example sync_bench [-- ENQUEUE_N DRAIN_N]`.

// A benchmark's figures are its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use bookstation::demo::SimDistrict;
use bookstation::demo::SimServer;
use bookstation::demo::seed::DEMO_KIOSK_ID;
use bookstation::district::{District, HttpDistrict, HttpSettings, SyncReport, SyncSettings, SyncWorker};
use bookstation::domain::{EventBody, ItemId, PatronId, SlotNo, Timestamp};
use bookstation::store::{AsyncStore, Store};
use bookstation_district_sim::server::ServerOptions;
use rusqlite::{Connection, params};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const T0: Timestamp = Timestamp(1_795_914_000_000);

fn loan(i: usize) -> EventBody {
    EventBody::Loan {
        item_id: ItemId::new(format!("MP{:04}", i % 40 + 1)),
        patron_id: PatronId::new("1000001"),
        slot: SlotNo(u16::try_from(i % 40 + 1).unwrap_or(1)),
        due_date: "2026-12-14".into(),
    }
}

fn ms(i: usize) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}

/// `n` appends through the store, each its own fsynced transaction.
fn enqueue_store(store: &mut Store, from: usize, n: usize) -> Duration {
    let start = Instant::now();
    for i in from..from + n {
        store.append_event(&loan(i), false, T0.plus_millis(ms(i))).expect("append");
    }
    start.elapsed()
}

/// A bare rusqlite connection with the store's pragmas and an identical
/// outbox table.
fn bare(dir: &Path) -> Connection {
    let conn = Connection::open(dir.join("bare.db")).expect("open");
    conn.busy_timeout(Duration::from_secs(5)).expect("busy_timeout");
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)).expect("wal");
    assert!(mode.eq_ignore_ascii_case("wal"));
    conn.pragma_update(None, "synchronous", "FULL").expect("synchronous");
    conn.pragma_update(None, "foreign_keys", "ON").expect("foreign_keys");
    conn.execute_batch(
        "CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
            payload TEXT NOT NULL CHECK (json_valid(payload)), offline INTEGER NOT NULL CHECK (offline IN (0, 1)),
            created_at INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acked', 'rejected')),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0), next_attempt_at INTEGER, last_error TEXT
        ) STRICT;
        CREATE INDEX outbox_state_seq ON outbox (state, seq);",
    )
    .expect("schema");
    conn
}

/// The same rows as [`enqueue_store`], one autocommit INSERT (one
/// transaction, one fsync) each; the JSON is encoded inside the loop too,
/// as the store does.
fn enqueue_bare(conn: &Connection, from: usize, n: usize) -> Duration {
    let mut insert = conn
        .prepare_cached("INSERT INTO outbox (id, kind, payload, offline, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
        .expect("prepare");
    let start = Instant::now();
    for i in from..from + n {
        let payload = serde_json::to_string(&loan(i)).expect("json");
        insert
            .execute(params![uuid::Uuid::now_v7().to_string(), "loan", payload, false, T0.millis() + ms(i)])
            .expect("insert");
    }
    start.elapsed()
}

/// A store file with `n` pending events, written in one transaction (the
/// queue a long outage leaves behind; how it got there is not timed).
fn queue(path: &Path, n: usize) {
    drop(Store::open(path).expect("create the store"));
    let mut conn = Connection::open(path).expect("open");
    let tx = conn.transaction().expect("tx");
    {
        let mut insert = tx
            .prepare("INSERT INTO outbox (id, kind, payload, offline, created_at) VALUES (?1, 'loan', ?2, 1, ?3)")
            .expect("prepare");
        for i in 0..n {
            let payload = serde_json::to_string(&loan(i)).expect("json");
            insert.execute(params![uuid::Uuid::now_v7().to_string(), payload, T0.millis() + ms(i)]).expect("insert");
        }
    }
    tx.commit().expect("commit");
}

/// Drain `n` queued events to an in-process simulator over loopback.
async fn drain(dir: &Path, n: usize, persist: bool) -> (Duration, usize) {
    let path = dir.join(format!("drain-{persist}.db"));
    queue(&path, n);
    let store = AsyncStore::new(Store::open(&path).expect("store")).expect("thread");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let db = persist.then(|| dir.join(format!("sim-{persist}.json")));
    let server =
        SimServer::start(listener, SimDistrict::demo(DEMO_KIOSK_ID), ServerOptions { token: Some("bench".into()), db })
            .expect("server");
    let client = HttpDistrict::new(HttpSettings {
        url: server.url(),
        token: "bench".into(),
        ca_pem: None,
        timeout: Duration::from_secs(30),
        kiosk_id: DEMO_KIOSK_ID.into(),
    })
    .expect("client");
    let district: Arc<dyn District> = Arc::new(client);
    let mut worker = SyncWorker::new(store.clone(), district, SyncSettings::new(DEMO_KIOSK_ID));
    let start = Instant::now();
    let mut batches = 0;
    loop {
        match worker.sync_once(T0).await.expect("store") {
            SyncReport::Answered { .. } => batches += 1,
            SyncReport::Idle { next_due: None } => break,
            other => panic!("unexpected during the drain: {other:?}"),
        }
    }
    let elapsed = start.elapsed();
    let delivered = server.sim().state().events.len();
    assert_eq!(delivered, n, "every event delivered once");
    (elapsed, batches)
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("a number"));
    let enqueue_n = args.next().unwrap_or(2_000);
    let drain_n = args.next().unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");

    // Interleaved rounds, alternating which goes first, so disk warm-up and
    // other load fall on both loops alike.
    const ROUNDS: usize = 10;
    let per_round = enqueue_n.div_ceil(ROUNDS);
    let enqueue_n = per_round * ROUNDS;
    let mut db = Store::open(&dir.path().join("store.db")).expect("store");
    let conn = bare(dir.path());
    let (mut store, mut bare) = (Duration::ZERO, Duration::ZERO);
    for round in 0..ROUNDS {
        let from = round * per_round;
        if round % 2 == 0 {
            store += enqueue_store(&mut db, from, per_round);
            bare += enqueue_bare(&conn, from, per_round);
        } else {
            bare += enqueue_bare(&conn, from, per_round);
            store += enqueue_store(&mut db, from, per_round);
        }
    }
    let rate = |d: Duration| enqueue_n as f64 / d.as_secs_f64();
    println!("## Enqueue: {enqueue_n} events, one transaction each (WAL, synchronous=FULL)\n");
    println!("| loop | events/s | µs per event |");
    println!("|---|---:|---:|");
    for (name, d) in [("Store::append_event", store), ("bare rusqlite INSERT", bare)] {
        println!("| {name} | {:.0} | {:.0} |", rate(d), d.as_secs_f64() * 1e6 / enqueue_n as f64);
    }
    println!("\nstore / bare throughput: {:.2}\n", rate(store) / rate(bare));

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio");
    println!("## Drain: {drain_n} queued events to district-sim over loopback HTTP, batches of 100\n");
    println!("| simulator | seconds | events/s | batches |");
    println!("|---|---:|---:|---:|");
    for persist in [false, true] {
        let (d, batches) = runtime.block_on(drain(dir.path(), drain_n, persist));
        let name = if persist { "saving to --db after each batch" } else { "in memory" };
        println!("| {name} | {:.2} | {:.0} | {batches} |", d.as_secs_f64(), drain_n as f64 / d.as_secs_f64());
    }
}
