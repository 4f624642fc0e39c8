//! The daemon as systemd sees it: `READY=1` on its notify socket once up,
//! `WATCHDOG=1` while the engine and the store answer, silence when they
//! hang, `STOPPING=1` on SIGTERM; and `bookstation status` reporting faults.

mod common;

use common::Xvfb;
use common::daemon::Daemon;
use serde_json::Value;
use std::os::unix::net::UnixDatagram;
use std::process::Command;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_bookstation");

/// The test's end of `NOTIFY_SOCKET`.
struct Notifications {
    socket: UnixDatagram,
}

impl Notifications {
    fn bind(path: &std::path::Path) -> Self {
        Self { socket: UnixDatagram::bind(path).expect("bind the notify socket") }
    }

    /// The next datagram, or `None` when none came within `wait`.
    fn next(&self, wait: Duration) -> Option<String> {
        self.socket.set_read_timeout(Some(wait)).expect("set timeout");
        let mut buf = [0u8; 4096];
        match self.socket.recv(&mut buf) {
            Ok(n) => Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => None,
            Err(e) => panic!("notify socket: {e}"),
        }
    }

    /// SIGTERM the daemon: it must exit with success and say `STOPPING=1`.
    fn stop_cleanly(&self, daemon: Daemon, what: &str) {
        let status = daemon.stop();
        assert!(status.success(), "{what}: {status:?}");
        self.expect("STOPPING=1");
    }

    /// Wait (bounded, generously) for a datagram holding `line`; returns the
    /// datagrams that came before it.
    fn expect(&self, line: &str) -> Vec<String> {
        let mut before = Vec::new();
        loop {
            match self.next(Duration::from_secs(60)) {
                Some(msg) if msg.lines().any(|l| l == line) => return before,
                Some(msg) => before.push(msg),
                None => panic!("no {line} within 60 s; got {before:?}"),
            }
        }
    }
}

#[test]
fn ready_then_watchdog_pings_that_stop_while_the_store_hangs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let notify = Notifications::bind(&dir.path().join("notify.sock"));
    let state = dir.path().join("state");
    // A 400 ms watchdog: pings every 200 ms while healthy.
    let daemon = Daemon::demo(&state)
        .env("NOTIFY_SOCKET", dir.path().join("notify.sock"))
        .env("WATCHDOG_USEC", "400000")
        .start();

    let before_ready = notify.expect("READY=1");
    assert!(before_ready.is_empty(), "nothing before READY=1: {before_ready:?}");
    notify.expect("WATCHDOG=1");
    notify.expect("WATCHDOG=1");

    // Another process takes the database's write lock: the engine's probe
    // blocks on it, as it would on a store that stopped answering.
    let db = rusqlite::Connection::open(state.join("bookstation.db")).expect("open the daemon's database");
    db.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");
    // At most a ping already on its way; then silence for 15 periods.
    let mut late = 0;
    while notify.next(Duration::from_secs(3)).is_some() {
        late += 1;
        assert!(late <= 2, "the watchdog kept pinging while the store was held");
    }

    db.execute_batch("ROLLBACK").expect("let go of the write lock");
    notify.expect("WATCHDOG=1");

    notify.stop_cleanly(daemon, "SIGTERM ends the daemon cleanly");
}

#[test]
fn no_watchdog_pings_for_another_process() {
    let dir = tempfile::tempdir().expect("temp dir");
    let notify = Notifications::bind(&dir.path().join("notify.sock"));
    // systemd names the process the watchdog is for; this is not us.
    let daemon = Daemon::demo(&dir.path().join("state"))
        .env("NOTIFY_SOCKET", dir.path().join("notify.sock"))
        .env("WATCHDOG_USEC", "200000")
        .env("WATCHDOG_PID", "1")
        .start();
    notify.expect("READY=1");
    assert_eq!(notify.next(Duration::from_secs(2)), None, "pings for a watchdog meant for pid 1");
    drop(daemon);
}

fn status(state: &std::path::Path, json: bool) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.arg("status").arg("--state-dir").arg(state);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().expect("run bookstation status");
    let code = out.status.code().expect("an exit code");
    (code, String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn status_reports_faults_with_its_exit_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state");
    let daemon = Daemon::demo(&state).start();

    let (code, out, _) = status(&state, false);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("faults:   none"), "{out}");
    assert!(out.contains("district: answers"), "{out}");

    daemon.sim(&["board", "down"]);
    let (code, out, _) = status(&state, false);
    assert_eq!(code, 2, "faults give exit code 2: {out}");
    assert!(out.contains("board_not_responding"), "{out}");

    daemon.sim(&["board", "up"]);
    let (code, out, _) = status(&state, true);
    assert_eq!(code, 0, "the board answers again: {out}");
    let health: Value = serde_json::from_str(&out).expect("--json prints JSON");
    assert_eq!(health["faults"], serde_json::json!([]), "{health}");
    assert_eq!(health["queue_depth"], 0);

    drop(daemon);
    let (code, _, err) = status(&state, false);
    assert_eq!(code, 1, "no daemon: exit 1");
    assert!(err.contains("control.sock"), "names the socket it tried: {err}");
}

fn outbox_items(state: &std::path::Path) -> Vec<String> {
    let out = Command::new(BIN).arg("outbox").arg("--state-dir").arg(state).arg("list").output().expect("outbox");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("JSON line")["body"]["item_id"].as_str().unwrap_or("").to_owned()
        })
        .collect()
}

#[test]
fn a_backup_taken_while_running_restores_once_the_daemon_is_stopped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state");
    let backup = dir.path().join("backup");
    let d = Daemon::demo(&state).start();
    let slot = d.borrow_until_door_open("MP0001").to_string();
    d.sim(&["take", &slot]);
    d.sim(&["close", &slot]);

    let out = Command::new(BIN).arg("backup").arg("--state-dir").arg(&state).arg("--to").arg(&backup).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = std::fs::read(state.join("card-hash.key")).expect("the card key");
    assert_eq!(std::fs::read(backup.join("card-hash.key")).expect("the key's copy"), key);

    let restore =
        || Command::new(BIN).arg("restore").arg("--state-dir").arg(&state).arg("--from").arg(&backup).output();
    let refused = restore().expect("run restore");
    assert!(!refused.status.success(), "restore must refuse a running daemon");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("stop it first"));

    // A loan after the backup, then the daemon stops and the backup returns.
    d.act(serde_json::json!({"action": "logout"}));
    let slot = d.borrow_until_door_open("MP0002").to_string();
    d.sim(&["take", &slot]);
    d.sim(&["close", &slot]);
    // A power cut, as it were: the last loan may be in the WAL only.
    d.kill9();
    assert!(state.join("bookstation.db-wal").exists(), "an unclean stop leaves the WAL");
    let restored = restore().expect("run restore");
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    assert!(!state.join("bookstation.db-wal").exists(), "no stale WAL beside the restored file");
    assert_eq!(outbox_items(&state), ["MP0001"], "the state is the backup's");
    // The replaced database and its WAL were moved aside, whole.
    let aside = std::fs::read_dir(&state)
        .expect("list the state directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("pre-restore-")))
        .expect("a pre-restore directory");
    assert_eq!(outbox_items(&aside), ["MP0001", "MP0002"], "nothing of the replaced state is lost");
    // And the kiosk starts on it.
    let d = Daemon::demo(&state).start();
    assert_eq!(d.screen(), "attract");
}

#[test]
fn with_windows_ready_follows_the_window_and_sigterm_closes_it() {
    let x = Xvfb::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let notify = Notifications::bind(&dir.path().join("notify.sock"));
    let state = dir.path().join("state");
    let daemon = Daemon::command(["demo", "--state-dir"])
        .arg(&state)
        .state_dir(&state)
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .env("NOTIFY_SOCKET", dir.path().join("notify.sock"))
        .start();
    // READY=1 is sent from the window's event loop, so the window is up.
    notify.expect("READY=1");
    assert_eq!(daemon.screen(), "attract");
    notify.stop_cleanly(daemon, "SIGTERM closes the windows and ends the daemon");
}

#[test]
fn a_second_daemon_on_the_same_state_is_refused_by_its_lock() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state");
    let first = Daemon::demo(&state).start();
    let second = Command::new(BIN).args(["demo", "--headless", "--state-dir"]).arg(&state).output().expect("run");
    assert!(!second.status.success(), "a second daemon must not start on the same state");
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("daemon.lock is held"), "{err}");
    assert_eq!(first.screen(), "attract", "the first one carries on");
}
