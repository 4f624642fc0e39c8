//! The real binary as separate processes: `bookstation demo --headless`
//! driven through `bookstation sim`, killed with SIGKILL at chosen points and
//! restarted, and fed bad input. Waits on the daemon's "ready" line and on
//! answers, never on the clock.

mod common;

use common::daemon::{BIN, Daemon};
use common::{STAFF, STAFF_PIN};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::Command;

fn outbox(dir: &Path) -> Vec<Value> {
    let out = Command::new(BIN).args(["outbox", "--state-dir"]).arg(dir).arg("list").output().expect("outbox");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect()
}

fn kinds(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["kind"].as_str().unwrap_or_default().to_owned()).collect()
}

#[test]
fn borrow_return_hold_pickup_and_restock_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::demo(dir.path()).start();
    assert_eq!(d.screen(), "attract");
    // Borrow.
    let slot = d.borrow_until_door_open("MP0001");
    assert_eq!(slot, 1);
    d.sim(&["take", "1"]);
    d.sim(&["close", "1"]);
    assert_eq!(d.screen(), "receipt");
    d.act(json!({"action": "logout"}));
    // Return, no card.
    d.sim(&["scan", "MP0041"]);
    d.sim(&["put", "41", "MP0041"]);
    let v = d.sim(&["close", "41"]);
    assert_eq!(v["view"]["notice"]["key"], "notice.returned");
    d.act(json!({"action": "logout"}));
    // Hold pickup.
    d.pick_up_hold(40);
    // Restock locker 1 with the returned book.
    d.sim(&["tap-card", STAFF]);
    d.act(json!({"action": "staff_pin", "pin": STAFF_PIN}));
    d.act(json!({"action": "unload_bin"}));
    let world = d.sim(&["world"])["world"].clone();
    assert_eq!(world["slots"][40]["bin_items"], json!(["MP0041"]));
    d.sim(&["empty-bin"]);
    let v = d.sim(&["close", "41"]);
    assert_eq!(v["view"]["notice"]["key"], "notice.bin_unloaded");
    d.act(json!({"action": "restock", "slot": 1}));
    d.sim(&["scan", "MP0041"]);
    d.sim(&["put", "1", "MP0041"]);
    let v = d.sim(&["close", "1"]);
    assert_eq!(v["view"]["notice"]["key"], "notice.restocked", "{v}");
    let events = outbox(dir.path());
    assert_eq!(kinds(&events), vec!["loan", "return", "hold_pickup", "bin_unloaded", "restock"]);
    let seqs: Vec<_> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
    // The demo's sync worker may already have delivered some to its simulated district.
    assert!(events.iter().all(
        |e| (e["state"] == "pending" || e["state"] == "acked") && e["id"].as_str().is_some_and(|id| id.len() == 36)
    ));
}

#[test]
fn kill_9_after_the_book_was_taken_gives_exactly_one_loan() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::demo(dir.path()).start();
    let slot = d.borrow_until_door_open("MP0002");
    d.sim(&["take", &slot.to_string()]);
    assert!(outbox(dir.path()).is_empty(), "the loan waits for the door");
    d.kill9();
    let d = Daemon::demo(dir.path()).start();
    let events = outbox(dir.path());
    assert_eq!(kinds(&events), vec!["loan"]);
    assert_eq!(events[0]["body"]["item_id"], "MP0002");
    d.kill9();
    let _d = Daemon::demo(dir.path()).start();
    assert_eq!(outbox(dir.path()).len(), 1, "a second restart adds nothing");
}

#[test]
fn kill_9_mid_return_of_another_librarys_book_gives_one_return_with_its_library() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::demo(dir.path()).start();
    // The central library's copy, asked of the demo's district over HTTP.
    let v = d.sim(&["scan", "MC1001"]);
    assert_eq!(v["view"]["screen"], "return", "{v}");
    d.sim(&["put", "41", "MC1001"]);
    assert!(outbox(dir.path()).is_empty(), "the return waits for the door");
    d.kill9();
    let d = Daemon::demo(dir.path()).start();
    let events = outbox(dir.path());
    assert_eq!(kinds(&events), vec!["return"]);
    assert_eq!(events[0]["body"]["item_id"], "MC1001");
    assert_eq!(events[0]["body"]["library"], "마포중앙도서관", "recovery names its library");
    d.kill9();
    let _d = Daemon::demo(dir.path()).start();
    assert_eq!(outbox(dir.path()).len(), 1, "a second restart adds nothing");
}

#[test]
fn kill_9_before_the_book_was_taken_gives_no_loan() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::demo(dir.path()).start();
    let slot = d.borrow_until_door_open("MP0003");
    d.kill9();
    let d = Daemon::demo(dir.path()).start();
    assert!(outbox(dir.path()).is_empty());
    let world = d.sim(&["world"])["world"].clone();
    assert_eq!(world["slots"][slot as usize - 1]["item"], "MP0003");
    // The kiosk still lends that book afterwards.
    d.sim(&["close", &slot.to_string()]);
    let again = d.borrow_until_door_open("MP0003");
    assert_eq!(again, slot);
}

#[test]
fn bad_input_gets_a_clear_answer_and_the_daemon_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::demo(dir.path()).start();
    let mut socket = UnixStream::connect(dir.path().join("control.sock")).unwrap();
    let mut reader = BufReader::new(socket.try_clone().unwrap());
    let mut ask = |line: &str| -> Value {
        socket.write_all(line.as_bytes()).unwrap();
        socket.write_all(b"\n").unwrap();
        let mut answer = String::new();
        reader.read_line(&mut answer).unwrap();
        serde_json::from_str(&answer).unwrap()
    };
    let garbage = ask("\u{1b}[2J garbage {{{");
    assert_eq!(garbage["ok"], false);
    assert!(garbage["error"].as_str().unwrap().starts_with("not JSON"), "{garbage}");
    let unknown = ask(r#"{"action":"fly"}"#);
    assert!(unknown["error"].as_str().unwrap().contains("unknown variant `fly`"), "{unknown}");
    let extra = ask(r#"{"action":"select","item":"MP0001"}"#);
    assert_eq!(extra["ok"], false, "{extra}");
    let typo = ask(r#"{"action":"browse","typo":true}"#);
    assert!(typo["error"].as_str().unwrap().contains("unknown field `typo`"), "{typo}");
    let secret = ask(r#"{"action":"pin","pin":"7391","extra":1}"#);
    let said = secret["error"].as_str().unwrap();
    assert!(said.contains("unknown field `extra`") && !said.contains("7391"), "{secret}");
    let neither = ask(r#"{"hello":1}"#);
    assert!(neither["error"].as_str().unwrap().contains(r#""action", "sim" or "status""#), "{neither}");
    let bad_slot = ask(r#"{"sim":"take","slot":999}"#);
    assert_eq!(bad_slot["ok"], false, "{bad_slot}");
    let unknown_card = ask(&json!({"sim": "tap_card", "uid": "04DEADBEEF0000"}).to_string());
    assert_eq!(unknown_card["view"]["screen"], "pin");
    let refused = ask(r#"{"action":"pin","pin":"1234"}"#);
    assert_eq!(refused["view"]["refusal"]["reason"], "unknown_card");
    // Still alive and answering on a fresh connection.
    assert_eq!(d.screen(), "refusal");
}

#[test]
fn a_config_typo_names_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bookstation.toml");
    let good = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/systemd/bookstation.toml")).unwrap();
    std::fs::write(&path, good.replace("loan_days", "loan_dayz")).unwrap();
    let out = Command::new(BIN).args(["run", "--config"]).arg(&path).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(path.to_str().unwrap()) && err.contains("policy.loan_dayz"), "{err}");
}

#[test]
fn doctor_checks_a_demo_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::demo(dir.path()).start();
    d.kill9();
    let out = Command::new(BIN).args(["doctor", "--state-dir"]).arg(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("passes its integrity check") && text.contains("40 books"), "{text}");
    // A database that is not ours makes doctor fail, and is left alone.
    std::fs::write(dir.path().join("bookstation.db"), b"not a database at all, just text").unwrap();
    let out = Command::new(BIN).args(["doctor", "--state-dir"]).arg(dir.path()).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("not a SQLite database"));
    let after = std::fs::read(dir.path().join("bookstation.db")).unwrap();
    assert_eq!(after, b"not a database at all, just text");
}

/// The daemon's peak resident memory so far (`VmHWM`), in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/PID/status");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("a VmHWM line");
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("VmHWM in kB")
}

#[test]
fn a_line_without_end_is_dropped_unbuffered_and_the_daemon_keeps_answering() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::demo(dir.path()).start();
    // Warm up: one ordinary request, so what the first answer allocates is counted before.
    assert_eq!(d.screen(), "attract");
    let before = peak_rss_kib(d.pid());
    let mut socket = UnixStream::connect(dir.path().join("control.sock")).unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..64 {
        socket.write_all(&chunk).unwrap();
    }
    socket.write_all(b"\n{\"sim\":\"state\"}\n").unwrap();
    let mut reader = BufReader::new(socket.try_clone().unwrap());
    let mut answer = String::new();
    reader.read_line(&mut answer).unwrap();
    let refused: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(refused["ok"], false, "{refused}");
    assert!(refused["error"].as_str().unwrap().contains("longer than"), "{refused}");
    // The same connection goes on with the next line.
    answer.clear();
    reader.read_line(&mut answer).unwrap();
    let next: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(next["view"]["screen"], "attract", "{next}");
    let grown = peak_rss_kib(d.pid()).saturating_sub(before);
    assert!(grown < 8 * 1024, "64 MiB without a newline made the daemon's peak memory grow by {grown} KiB");
}

#[test]
fn printing_into_a_closed_pipe_exits_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::demo(dir.path()).start();
    let state = dir.path().to_str().unwrap();
    // Each with the exit codes it may have (status: 2 = faults; doctor
    // looks at a state directory in use): never 101, a panic's.
    let commands: [(&[&str], &[i32]); 5] = [
        (&["sim", "--state-dir", state, "world"], &[0]),
        (&["status", "--state-dir", state], &[0, 2]),
        (&["outbox", "--state-dir", state, "stats"], &[0]),
        (&["doctor", "--state-dir", state], &[0, 1]),
        (&["--help"], &[0]),
    ];
    for (args, codes) in commands {
        // The reading end is gone before the command writes anything, as
        // with `| head` once head has had enough.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(BIN).args(args).stdout(writer).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        let code = out.status.code().unwrap_or_else(|| panic!("{args:?} killed by a signal: {:?}", out.status));
        assert!(codes.contains(&code), "{args:?}: exit {code}; {stderr}");
    }
    drop(d);
}

#[test]
fn hash_pin_reads_one_short_line_only() {
    let mut child = Command::new(BIN)
        .arg("hash-pin")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A writer thread: the command may stop reading (and close stdin) early.
    let writer = std::thread::spawn(move || {
        let digits = vec![b'7'; 1 << 20];
        let _ = stdin.write_all(&digits);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(!out.status.success(), "a 1 MiB PIN was hashed: {}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("too long"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_demo_without_a_display_says_so_and_runs_headless() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("stderr.log");
    let d = Daemon::command(["demo", "--state-dir"])
        .arg(dir.path())
        .state_dir(dir.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stderr_to(&log)
        .start();
    assert_eq!(d.screen(), "attract", "the demo runs, driven through its socket");
    let said = std::fs::read_to_string(&log).unwrap();
    let line = said.lines().find(|l| l.contains("no display")).unwrap_or_else(|| panic!("{said}"));
    assert!(line.contains("bookstation sim --state-dir") && line.contains("xvfb-run"), "{line}");
    assert!(!said.contains("winit"), "no window backend error: {said}");
}
