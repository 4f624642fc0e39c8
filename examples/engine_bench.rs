//! How long the kiosk's flows take inside the engine, and what they cost in
//! counts that do not drift with the machine, at 40, 500 and 1,000 lockers:
//! a borrow, a return, a bin unload and a restock, each end to end through
//! the runner, the real SQLite store on disk (WAL, synchronous=FULL) and the
//! simulated world, with a virtual clock so only the work is timed. Beside
//! each time: the allocations, the SQL statements, the commits and the
//! fsyncs (counted where they happen: every `fsync`/`fdatasync` of this
//! process goes through the wrappers below). Prints a table; run with
//! `make bench` or `cargo run --release --locked --example engine_bench`.

// A benchmark's figures are its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod support;

use bookstation::config::{DEMO_STAFF_CARD, DEMO_STAFF_PIN};
use bookstation::engine::Input;
use bookstation::store::StoreCounts;
use serde_json::json;
use std::time::{Duration, Instant};
use support::{BenchKiosk, Counting, SIZES, action, allocations, spread};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Rounds of the four flows at each size.
const ROUNDS: usize = 100;

/// Every fsync of the process, by the file it made durable.
#[allow(unsafe_code)] // wrapping libc's fsync takes `no_mangle` and a system call
mod fsyncs {
    use nix::libc::{self, c_char, c_int};
    use std::sync::atomic::{AtomicU64, Ordering};

    pub static WAL: AtomicU64 = AtomicU64::new(0);
    pub static DATABASE: AtomicU64 = AtomicU64::new(0);
    pub static OTHER: AtomicU64 = AtomicU64::new(0);

    /// The file behind `fd`, looked up without allocating (the allocation
    /// counts stay the engine's own).
    fn count(fd: c_int) {
        let mut link = [0u8; 32];
        link[..14].copy_from_slice(b"/proc/self/fd/");
        let (mut digits, mut at, mut rest) = ([0u8; 10], 10, fd.unsigned_abs());
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        link[14..14 + 10 - at].copy_from_slice(&digits[at..]);
        let mut target = [0u8; 512];
        // SAFETY: both buffers are ours and sized; readlink writes at most `len` bytes.
        let n = unsafe {
            libc::readlink(link.as_ptr().cast::<c_char>(), target.as_mut_ptr().cast::<c_char>(), target.len())
        };
        let path = &target[..usize::try_from(n).unwrap_or(0)];
        let counter = if path.ends_with(b".db-wal") {
            &WAL
        } else if path.ends_with(b".db") {
            &DATABASE
        } else {
            &OTHER
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Every fsync the store (SQLite) and the simulated world (std) ask for.
    #[unsafe(no_mangle)]
    pub extern "C" fn fsync(fd: c_int) -> c_int {
        count(fd);
        // SAFETY: the system call with the caller's file descriptor, as libc's fsync is.
        unsafe { libc::syscall(libc::SYS_fsync, fd) as c_int }
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn fdatasync(fd: c_int) -> c_int {
        count(fd);
        // SAFETY: as `fsync`.
        unsafe { libc::syscall(libc::SYS_fdatasync, fd) as c_int }
    }

    pub fn now() -> [u64; 3] {
        [WAL.load(Ordering::Relaxed), DATABASE.load(Ordering::Relaxed), OTHER.load(Ordering::Relaxed)]
    }
}

const FLOWS: [&str; 4] = [
    "borrow (card, PIN, choose, door, loan)",
    "return (scan, bin, record)",
    "unload bin (staff sign-in incl. Argon2)",
    "restock (open, scan, close)",
];

async fn unload(k: &mut BenchKiosk) {
    let bin = k.return_bin;
    k.feed(Input::CardTapped(DEMO_STAFF_CARD.into())).await;
    k.feed(action(json!({"action": "staff_pin", "pin": DEMO_STAFF_PIN}))).await;
    k.feed(action(json!({"action": "unload_bin"}))).await;
    k.physical(|w| drop(w.empty_bin().expect("empty"))).await;
    k.physical(|w| w.close(bin).expect("close")).await;
}

async fn restock(k: &mut BenchKiosk) {
    k.feed(action(json!({"action": "restock", "slot": 1}))).await;
    k.feed(Input::Scanned("MP0001".into())).await;
    k.physical(|w| w.put(1, "MP0001").expect("put")).await;
    k.physical(|w| w.close(1).expect("close")).await;
    k.feed(action(json!({"action": "logout"}))).await;
}

/// One flow's samples and its counts over all rounds.
#[derive(Default)]
struct Row {
    times: Vec<Duration>,
    allocations: u64,
    statements: u64,
    commits: u64,
    fsyncs: [u64; 3],
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!(
        "Bookstation engine flows, {ROUNDS} rounds at each size: SQLite on disk (WAL, synchronous=FULL), simulated world file"
    );
    println!("machine: {}", support::machine());
    println!("rerun: cargo run --release --locked --example engine_bench");
    println!();
    println!(
        "{:>7}  {:<40} {:>8} {:>8} {:>8}  {:>7} {:>5} {:>7} {:>11}",
        "lockers", "flow", "p50 ms", "p95 ms", "max ms", "allocs", "SQL", "commits", "fsyncs w/d/o"
    );
    for lockers in SIZES {
        let mut k = BenchKiosk::new(lockers, None).await;
        let mut rows: Vec<Row> = FLOWS.iter().map(|_| Row::default()).collect();
        for _ in 0..ROUNDS {
            for (i, row) in rows.iter_mut().enumerate() {
                let (a, s, f) = (allocations(), StoreCounts::now(), fsyncs::now());
                let t = Instant::now();
                match i {
                    0 => k.borrow("MP0001", 1).await,
                    1 => k.give_back("MP0001").await,
                    2 => unload(&mut k).await,
                    _ => restock(&mut k).await,
                }
                row.times.push(t.elapsed());
                let counts = StoreCounts::since(s);
                let f2 = fsyncs::now();
                row.allocations += allocations() - a;
                row.statements += counts.statements;
                row.commits += counts.commits;
                for n in 0..3 {
                    row.fsyncs[n] += f2[n] - f[n];
                }
                k.clock.advance_ms(1_000);
            }
        }
        let n = ROUNDS as f64;
        for (name, row) in FLOWS.iter().zip(rows) {
            let (p50, p95, max) = spread(row.times);
            let per = |x: u64| x as f64 / n;
            let f = row.fsyncs.map(per);
            println!(
                "{lockers:>7}  {name:<40} {p50:>8.2} {p95:>8.2} {max:>8.2}  {:>7.0} {:>5.1} {:>7.1} {:>11}",
                per(row.allocations),
                per(row.statements),
                per(row.commits),
                format!("{:.1}/{:.1}/{:.1}", f[0], f[1], f[2]),
            );
        }
        let view = k.runner.view();
        assert_eq!(view.screen, bookstation::engine::Screen::Attract, "every round ends where it began");
    }
    println!();
    println!("allocs, SQL (statements run), commits and fsyncs are per flow, averaged over the rounds; fsyncs are");
    println!("w = the WAL (one per commit under synchronous=FULL: the floor), d = the database file (checkpoints),");
    println!("o = other files (the simulated world's file and its directory: no such cost on real hardware).");
}
