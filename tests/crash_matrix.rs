//! The crash matrix: the real daemon (`bookstation run`, simulated lockers)
//! and a separate `bookstation district-sim --db`, over loopback HTTP. For
//! every named crash point (`src/crash_point.rs`) of every flow — borrow,
//! return, hold pickup, restock, bin unload, sync — the daemon kills itself
//! with SIGKILL at that point, is started again, syncs, and then:
//! every event is at the district exactly once, the kiosk's seqs run 1..N
//! without a gap and are all acknowledged, a book is on loan at the district
//! if and only if it left the cabinet, no return is lost, `PRAGMA
//! integrity_check` is ok, and the kiosk is back on the start screen.

mod common;

use common::daemon::{BIN, Daemon, district_sim, http_get, http_kiosk};
use common::{GOOD, HOLDER, PIN, STAFF, STAFF_PIN};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One `bookstation sim` command: a subcommand and its arguments.
type Step = Vec<String>;

fn step(args: &[&str]) -> Step {
    args.iter().map(|a| (*a).to_owned()).collect()
}

fn act(action: Value) -> Step {
    vec!["act".into(), action.to_string()]
}

fn sign_in(card: &str) -> Vec<Step> {
    vec![step(&["tap-card", card]), act(json!({"action": "pin", "pin": PIN}))]
}

fn staff_sign_in() -> Vec<Step> {
    vec![step(&["tap-card", STAFF]), act(json!({"action": "staff_pin", "pin": STAFF_PIN}))]
}

fn borrow_mp0001() -> Vec<Step> {
    let mut s = sign_in(GOOD);
    s.extend([
        act(json!({"action": "browse"})),
        act(json!({"action": "select", "item_id": "MP0001"})),
        act(json!({"action": "confirm"})),
        act(json!({"action": "confirm"})),
        step(&["take", "1"]),
        step(&["close", "1"]),
        act(json!({"action": "logout"})),
    ]);
    s
}

fn return_mp0041() -> Vec<Step> {
    vec![
        act(json!({"action": "start_return"})),
        step(&["scan", "MP0041"]),
        step(&["put", "41", "MP0041"]),
        step(&["close", "41"]),
        act(json!({"action": "logout"})),
    ]
}

fn pick_up_hold() -> Vec<Step> {
    let mut s = sign_in(HOLDER);
    s.extend([
        act(json!({"action": "pickup_holds"})),
        act(json!({"action": "confirm"})),
        step(&["take", "40"]),
        step(&["close", "40"]),
        act(json!({"action": "logout"})),
    ]);
    s
}

/// Staff take MP0006 out of locker 6 (setup for the restock).
fn empty_locker_6() -> Vec<Step> {
    let mut s = staff_sign_in();
    s.extend([
        act(json!({"action": "open_slot", "slot": 6})),
        step(&["take", "6"]),
        step(&["close", "6"]),
        act(json!({"action": "logout"})),
    ]);
    s
}

fn restock_locker_6() -> Vec<Step> {
    let mut s = staff_sign_in();
    s.extend([
        act(json!({"action": "restock", "slot": 6})),
        step(&["scan", "MP0006"]),
        step(&["put", "6", "MP0006"]),
        step(&["close", "6"]),
        act(json!({"action": "logout"})),
    ]);
    s
}

fn unload_bin() -> Vec<Step> {
    let mut s = staff_sign_in();
    s.extend([
        act(json!({"action": "unload_bin"})),
        step(&["empty-bin"]),
        step(&["close", "41"]),
        act(json!({"action": "logout"})),
    ]);
    s
}

fn sync_now() -> Vec<Step> {
    let mut s = staff_sign_in();
    s.extend([act(json!({"action": "sync_now"})), act(json!({"action": "logout"}))]);
    s
}

/// A kiosk and its district, in one temp dir.
struct Site {
    dir: tempfile::TempDir,
    district: Daemon,
    addr: String,
    config: PathBuf,
    state: PathBuf,
}

impl Site {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (district, url, addr) = district_sim(Some(&dir.path().join("district.json")));
        let (config, state) = http_kiosk(dir.path(), &url);
        Self { dir, district, addr, config, state }
    }

    fn kiosk(&self, crash_at: Option<&str>) -> Daemon {
        let mut b = Daemon::run(&self.config, &self.state).arg("--demo-books");
        if let Some(point) = crash_at {
            b = b.env("BOOKSTATION_CRASH_AT", point);
        }
        b.start()
    }

    /// Every step, in order; true when all were answered. A step that is
    /// not answered is where the daemon died (the caller then waits for it).
    fn perform(&self, steps: &[Step]) -> bool {
        for s in steps {
            let out = Command::new(BIN).arg("sim").arg("--state-dir").arg(&self.state).args(s).output().expect("sim");
            let answer: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
            if answer["ok"] != true {
                return false;
            }
        }
        true
    }

    fn db(&self) -> PathBuf {
        self.state.join("bookstation.db")
    }
}

fn outbox(db: &Path) -> Vec<(i64, String, String, String)> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut stmt = conn.prepare("SELECT seq, id, kind, state FROM outbox ORDER BY seq").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

/// Where each book is now in the cabinet (locker slot or "bin").
fn cabinet(world: &Value) -> BTreeMap<String, String> {
    let mut at = BTreeMap::new();
    for s in world["slots"].as_array().expect("slots") {
        if let Some(item) = s["item"].as_str() {
            at.insert(item.to_owned(), format!("locker {}", s["slot"]));
        }
        for item in s["bin_items"].as_array().into_iter().flatten() {
            at.insert(item.as_str().unwrap().to_owned(), "bin".to_owned());
        }
    }
    at
}

/// Run `setup` (no crash), then `flow` with the daemon set to die at
/// `point`; restart, sync, and check every invariant. `unloaded` are books
/// staff took out of the bin (they leave the cabinet without a loan).
fn case(setup: &[Step], flow: &[Step], point: &str, unloaded: &[&str]) {
    let site = Site::new();
    if !setup.is_empty() {
        let k = site.kiosk(None);
        assert!(site.perform(setup), "setup ran to the end");
        k.stop();
    }
    let k = site.kiosk(Some(point));
    // The point may be reached after a step was answered (a sensor poll),
    // so the flow may run to its end; either way the daemon dies.
    site.perform(flow);
    let status = k.wait_for_exit();
    assert_eq!(
        status.signal(),
        Some(nix::sys::signal::Signal::SIGKILL as i32),
        "{point}: the daemon died at its crash point: {status:?}"
    );

    // Back up, recovered, and everything delivered.
    let again = site.kiosk(None);
    assert_eq!(again.screen(), "attract", "{point}: back on the start screen");
    assert!(site.perform(&sync_now()), "{point}: staff sync after the restart");
    let n = outbox(&site.db()).len();
    let state = http_get(&site.addr, &format!("/sim/state?wait_for_events={n}&timeout_ms=30000"));
    let world = again.sim(&["world"])["world"].clone();
    assert_eq!(again.stop().code(), Some(0));

    let events = outbox(&site.db());
    let seqs: Vec<i64> = events.iter().map(|e| e.0).collect();
    assert_eq!(seqs, (1..=i64::try_from(n).unwrap()).collect::<Vec<_>>(), "{point}: seqs 1..N without a gap");
    assert!(events.iter().all(|e| e.3 == "acked"), "{point}: all delivered: {events:?}");
    let at_district: Vec<&str> =
        state["events"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    let unique: BTreeSet<&str> = at_district.iter().copied().collect();
    assert_eq!(unique.len(), at_district.len(), "{point}: each event once at the district");
    let ours: BTreeSet<&str> = events.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(unique, ours, "{point}: the district holds exactly the kiosk's events");

    // A book is on loan iff it left the cabinet (and was not unloaded).
    let in_cabinet = cabinet(&world);
    let on_loan: BTreeSet<String> =
        state["loans"].as_array().unwrap().iter().map(|l| l["item_id"].as_str().unwrap().to_owned()).collect();
    for item in ["MP0001", "MP0040", "MP0041"] {
        let gone = !in_cabinet.contains_key(item) && !unloaded.contains(&item);
        assert_eq!(
            on_loan.contains(item),
            gone,
            "{point}: {item} on loan iff it left the cabinet; cabinet {:?}, loans {on_loan:?}",
            in_cabinet.get(item)
        );
    }
    assert!(!on_loan.contains("MP0006"), "{point}: a book staff took out is lent to nobody");
    let conn = rusqlite::Connection::open(site.db()).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok", "{point}");
    let open: i64 = conn.query_row("SELECT count(*) FROM intents WHERE state = 'open'", [], |r| r.get(0)).unwrap();
    assert_eq!(open, 0, "{point}: every intent closed");
    drop(site.district);
    drop(site.dir);
}

const DOOR_STEPS: [&str; 5] =
    ["intent_committed", "door_opened", "sensors_changed:2", "sensors_changed:3", "intent_closed"];

#[test]
fn a_crash_at_any_point_of_a_borrow_loses_and_doubles_nothing() {
    for point in DOOR_STEPS.iter().chain(&["sensors_changed:1"]) {
        case(&[], &borrow_mp0001(), point, &[]);
    }
}

#[test]
fn a_crash_at_any_point_of_a_return_loses_no_return() {
    for point in DOOR_STEPS {
        case(&[], &return_mp0041(), point, &[]);
    }
}

#[test]
fn a_crash_at_any_point_of_a_hold_pickup() {
    for point in DOOR_STEPS {
        case(&[], &pick_up_hold(), point, &[]);
    }
}

#[test]
fn a_crash_at_any_point_of_a_restock() {
    for point in DOOR_STEPS {
        case(&empty_locker_6(), &restock_locker_6(), point, &[]);
    }
}

#[test]
fn a_crash_at_any_point_of_a_bin_unload() {
    for point in ["door_opened", "sensors_changed:2", "bin_unloaded"] {
        case(&return_mp0041(), &unload_bin(), point, &["MP0041"]);
    }
}

#[test]
fn a_crash_after_the_district_applied_a_batch_but_before_its_answer() {
    let mut setup = borrow_mp0001();
    setup.extend(return_mp0041());
    case(&setup, &sync_now(), "district_answered", &[]);
}
