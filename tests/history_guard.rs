//! Issue 10, defect 4: a state directory that has lived before never starts
//! a new history by itself. The real binary lends a book and syncs it to
//! `district-sim` (a separate process); then its database is truncated,
//! deleted, or its card key deleted, and the next start must be refused
//! with a message naming the file and the way back (`restore`, or
//! `reset-state` to start over on purpose). Waits on ready lines, exits and
//! the simulator's long-poll, never on the clock.

mod common;

use common::daemon::{BIN, Daemon, district_sim, http_get};
use common::{STAFF, STAFF_PIN};
use serde_json::{Value, json};
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn demo_args(state: &Path, url: Option<&str>) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["demo".into(), "--headless".into(), "--state-dir".into(), state.into()];
    if let Some(url) = url {
        args.extend(["--district".into(), url.into()]);
    }
    args
}

/// Started, and its engine answering (so its SIGTERM handler is in place).
fn start_demo(state: &Path, url: Option<&str>) -> Daemon {
    let d = Daemon::command(demo_args(state, url)).state_dir(state).start();
    d.sim(&["state"]);
    d
}

/// Run `args` expecting the daemon to refuse to start: it must exit
/// non-zero without ever printing its ready line. Its stderr.
fn refused(args: &[OsString]) -> String {
    let mut child = Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bookstation");
    let stdout = child.stdout.take().expect("piped stdout");
    let started = BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.contains("ready"));
    if started {
        let _ = child.kill();
        let _ = child.wait();
        panic!("bookstation {args:?} started instead of refusing");
    }
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{args:?} exited 0: {stderr}");
    stderr
}

/// `bookstation ARGS`, which must succeed; its stdout.
fn cli(args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(BIN).args(args).output().expect("run bookstation");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `bookstation ARGS`, which must fail; its stderr.
fn cli_fails(args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(BIN).args(args).output().expect("run bookstation");
    assert!(!out.status.success(), "{args:?} succeeded: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The good patron borrows `item` and staff press "sync now"; returns once
/// the district holds `events` events.
fn lend_and_sync(kiosk: &Daemon, item: &str, addr: &str, events: usize) -> Value {
    let slot = kiosk.borrow_until_door_open(item).to_string();
    kiosk.sim(&["take", &slot]);
    kiosk.sim(&["close", &slot]);
    kiosk.act(json!({"action": "logout"}));
    kiosk.sim(&["tap-card", STAFF]);
    let v = kiosk.act(json!({"action": "staff_pin", "pin": STAFF_PIN}));
    assert_eq!(v["view"]["screen"], "staff", "{v}");
    kiosk.act(json!({"action": "sync_now"}));
    kiosk.act(json!({"action": "logout"}));
    http_get(addr, &format!("/sim/state?wait_for_events={events}&timeout_ms=30000"))
}

fn as_os(args: &[OsString]) -> Vec<&std::ffi::OsStr> {
    args.iter().map(OsString::as_os_str).collect()
}

fn assert_names_and_restore(stderr: &str, file: &Path) {
    assert!(stderr.contains(&file.display().to_string()), "the message must name {}: {stderr}", file.display());
    assert!(stderr.contains("bookstation restore"), "the message must say how to restore: {stderr}");
    assert!(stderr.contains("bookstation reset-state"), "the message must say how to start over: {stderr}");
}

#[test]
fn a_truncated_or_deleted_database_is_refused_until_restored() {
    let dir = tempfile::tempdir().unwrap();
    let (_district, url, addr) = district_sim(None);
    let state = dir.path().join("kiosk");
    let db = state.join("bookstation.db");
    let kiosk = start_demo(&state, Some(&url));
    let held = lend_and_sync(&kiosk, "MP0001", &addr, 1);
    assert_eq!(held["events"][0]["seq"], 1, "{held}");
    let backup = dir.path().join("backup");
    cli(&["backup".as_ref(), "--state-dir".as_ref(), state.as_os_str(), "--to".as_ref(), backup.as_os_str()]);
    assert!(kiosk.stop().success());

    // Truncated to 0 bytes: refused, and the file is left as it was.
    std::fs::File::create(&db).unwrap();
    let err = refused(&demo_args(&state, Some(&url)));
    assert_names_and_restore(&err, &db);
    assert!(err.contains("empty"), "{err}");
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "the empty file was written to");
    // The staff tools do not turn it into a fresh database either.
    let err = cli_fails(&["outbox".as_ref(), "--state-dir".as_ref(), state.as_os_str(), "stats".as_ref()]);
    assert!(err.contains(&db.display().to_string()), "{err}");
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "outbox stats wrote to the empty file");

    // Deleted: refused too.
    std::fs::remove_file(&db).unwrap();
    let err = refused(&demo_args(&state, Some(&url)));
    assert_names_and_restore(&err, &db);
    assert!(!db.exists(), "a database was created");

    // The way back the message gives.
    cli(&["restore".as_ref(), "--state-dir".as_ref(), state.as_os_str(), "--from".as_ref(), backup.as_os_str()]);
    let kiosk = start_demo(&state, Some(&url));
    let stats: Value =
        serde_json::from_str(&cli(&["outbox".as_ref(), "--state-dir".as_ref(), state.as_os_str(), "stats".as_ref()]))
            .unwrap();
    assert_eq!(stats["last_seq"], 1, "{stats}");
    assert!(kiosk.stop().success());
}

#[test]
fn a_deleted_card_key_is_refused_and_reset_state_makes_a_new_one_on_purpose() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("kiosk");
    let key = state.join("card-hash.key");
    let kiosk = start_demo(&state, None);
    assert!(kiosk.stop().success());
    assert!(key.exists());

    std::fs::remove_file(&key).unwrap();
    let err = refused(&demo_args(&state, None));
    assert_names_and_restore(&err, &key);
    assert!(!key.exists(), "the card key was recreated");

    let said = cli(&["reset-state".as_ref(), "--state-dir".as_ref(), state.as_os_str(), "--new-card-key".as_ref()]);
    assert!(said.contains(&key.display().to_string()), "{said}");
    assert!(key.exists());
    let kiosk = start_demo(&state, None);
    assert!(kiosk.stop().success());
}

#[test]
fn reset_state_starts_a_new_history_on_purpose_after_the_districts_last_seq() {
    let dir = tempfile::tempdir().unwrap();
    let (_district, url, addr) = district_sim(None);
    let state = dir.path().join("kiosk");
    let db = state.join("bookstation.db");
    let kiosk = start_demo(&state, Some(&url));
    lend_and_sync(&kiosk, "MP0001", &addr, 1);
    assert!(kiosk.stop().success());
    std::fs::File::create(&db).unwrap();
    refused(&demo_args(&state, Some(&url)));

    let reset = |extra: &[&str]| -> Vec<OsString> {
        let mut args: Vec<OsString> =
            vec!["reset-state".into(), "--state-dir".into(), state.clone().into(), "--new-history".into()];
        args.extend(extra.iter().map(OsString::from));
        args
    };
    // The old database is gone, so its last seq must be given.
    let err = cli_fails(&as_os(&reset(&[])));
    assert!(err.contains("--seq-after"), "{err}");
    let said = cli(&as_os(&reset(&["--seq-after", "1"])));
    assert!(said.contains("discarded-"), "{said}");
    let aside: Vec<PathBuf> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("discarded-")))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(aside[0].join("bookstation.db").exists() && aside[0].join("card-hash.key").exists());

    // The new history goes on after seq 1, so the district sees no reuse.
    let kiosk = start_demo(&state, Some(&url));
    let held = lend_and_sync(&kiosk, "MP0002", &addr, 2);
    assert_eq!(held["events"][1]["seq"], 2, "{held}");
    assert_eq!(held["events"][1]["outcome"]["outcome"], "applied", "{held}");
    assert!(kiosk.stop().success());
}
