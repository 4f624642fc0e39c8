//! The `bookstation` binary as a separate process: start it with a builder
//! (subcommand and arguments, environment, where stderr goes), wait for its
//! "ready" line on stdout, drive it through `bookstation sim`, stop it with
//! SIGTERM or SIGKILL; killed when dropped.
//!
//! Nothing here sleeps: starting blocks on the daemon's stdout until the
//! ready line, [`Daemon::wait_for_stderr`] blocks on its stderr until a
//! matching log line, and stopping blocks on the exit. The blocking waits
//! have generous bounds so a daemon that never answers fails the test
//! instead of hanging it.
//!
//! ```ignore
//! let d = Daemon::demo(&dir).env("RUST_LOG", "trace").stderr_to(&log).start();
//! let slot = d.borrow_until_door_open("MP0001");
//! assert!(d.stop().success());
//! let text = std::fs::read_to_string(&log)?;
//! ```

use super::{GOOD, HOLDER, PIN};
use serde_json::{Value, json};
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_bookstation");

/// How long a daemon may take to print its ready line before the test fails.
const READY_WITHIN: Duration = Duration::from_secs(120);
/// How long a daemon may take to exit after SIGTERM before the test fails.
const STOP_WITHIN: Duration = Duration::from_secs(60);

/// How to start a daemon; [`DaemonBuilder::start`] starts it.
#[must_use = "a builder does nothing until `start`"]
pub struct DaemonBuilder {
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    env_remove: Vec<OsString>,
    state_dir: Option<PathBuf>,
    stderr: Option<PathBuf>,
}

impl DaemonBuilder {
    /// One more argument after those given so far.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// An environment variable for the daemon (`RUST_LOG` is `warn` unless
    /// set here).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env.push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Start the daemon without this variable of the test's environment.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.env_remove.push(key.as_ref().to_owned());
        self
    }

    /// The state directory `bookstation sim` talks to (set by
    /// [`Daemon::demo`] and [`Daemon::run`]).
    pub fn state_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.state_dir = Some(dir.as_ref().to_owned());
        self
    }

    /// Capture the daemon's stderr into `file` (created or truncated), with
    /// terminal colour codes taken out, instead of inheriting the test's.
    /// The file is complete once [`Daemon::stop`] or [`Daemon::kill9`]
    /// returns; [`Daemon::wait_for_stderr`] waits for a line meanwhile.
    pub fn stderr_to(mut self, file: impl AsRef<Path>) -> Self {
        self.stderr = Some(file.as_ref().to_owned());
        self
    }

    /// Spawn the daemon and wait for the stdout line containing "ready".
    pub fn start(self) -> Daemon {
        let mut cmd = Command::new(BIN);
        cmd.args(&self.args).env("RUST_LOG", "warn");
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        for key in &self.env_remove {
            cmd.env_remove(key);
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::piped());
        cmd.stderr(if self.stderr.is_some() { Stdio::piped() } else { Stdio::inherit() });
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn bookstation {:?}: {e}", self.args));

        // stdout is read to the end on its own thread, so the daemon never
        // blocks on (or fails writing to) a full or closed pipe.
        let stdout = child.stdout.take().expect("the daemon's stdout is piped");
        let (stdout_tx, stdout_lines) = channel();
        let stdout_thread = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if stdout_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (stderr_lines, stderr_thread) = match &self.stderr {
            Some(path) => {
                let stderr = child.stderr.take().expect("the daemon's stderr is piped");
                let (lines, thread) = tee_stderr(stderr, path);
                (Some(lines), Some(thread))
            }
            None => (None, None),
        };
        let mut daemon = Daemon {
            child,
            args: self.args,
            state_dir: self.state_dir,
            ready: String::new(),
            stderr_file: self.stderr,
            stderr_lines,
            threads: [Some(stdout_thread), stderr_thread].into_iter().flatten().collect(),
            reaped: None,
        };
        let deadline = Instant::now() + READY_WITHIN;
        let mut before = Vec::new();
        loop {
            match stdout_lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if line.contains("ready") => {
                    daemon.ready = line;
                    break;
                }
                Ok(line) => before.push(line),
                Err(e) => {
                    let why = match e {
                        RecvTimeoutError::Timeout => format!("no ready line within {READY_WITHIN:?}"),
                        RecvTimeoutError::Disconnected => "stdout closed before the ready line".to_owned(),
                    };
                    daemon.kill_and_reap();
                    let stderr = daemon.stderr_so_far();
                    panic!(
                        "bookstation {:?}: {why}; exit {:?}; stdout so far {before:?}{stderr}",
                        daemon.args, daemon.reaped
                    );
                }
            }
        }
        // The rest of stdout goes to the test's output (which libtest captures).
        #[allow(clippy::print_stdout)]
        std::thread::spawn(move || {
            for line in stdout_lines {
                println!("[bookstation stdout] {line}");
            }
        });
        daemon
    }
}

/// Copy the daemon's stderr line by line into `path` and onto a channel.
fn tee_stderr(stderr: impl Read + Send + 'static, path: &Path) -> (Receiver<String>, JoinHandle<()>) {
    let mut file = File::create(path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
    let (tx, rx) = channel();
    let thread = std::thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut raw = Vec::new();
        loop {
            raw.clear();
            match reader.read_until(b'\n', &mut raw) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let line = strip_ansi(String::from_utf8_lossy(&raw).trim_end_matches(['\n', '\r']));
            writeln!(file, "{line}").expect("write the captured stderr");
            // The test may have stopped listening; the file still gets it all.
            let _ = tx.send(line);
        }
        file.flush().expect("flush the captured stderr");
    });
    (rx, thread)
}

/// `text` without terminal escape sequences (`ESC [ ... letter`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A running `bookstation` process, killed (SIGKILL) when dropped.
pub struct Daemon {
    child: Child,
    args: Vec<OsString>,
    state_dir: Option<PathBuf>,
    ready: String,
    stderr_file: Option<PathBuf>,
    stderr_lines: Option<Receiver<String>>,
    threads: Vec<JoinHandle<()>>,
    reaped: Option<ExitStatus>,
}

impl Daemon {
    /// `bookstation demo --headless --state-dir DIR`; add `--hardware pty`
    /// and the like with [`DaemonBuilder::arg`].
    pub fn demo(state_dir: &Path) -> DaemonBuilder {
        Self::command(["demo", "--headless", "--state-dir"]).arg(state_dir).state_dir(state_dir)
    }

    /// `bookstation run --config FILE`; `state_dir` is the one the config
    /// names, for `bookstation sim`.
    pub fn run(config: &Path, state_dir: &Path) -> DaemonBuilder {
        Self::command(["run", "--config"]).arg(config).state_dir(state_dir)
    }

    /// Any subcommand that prints a ready line (`district-sim ...`); set
    /// [`DaemonBuilder::state_dir`] to use `sim`.
    pub fn command<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> DaemonBuilder {
        DaemonBuilder { args: Vec::new(), env: Vec::new(), env_remove: Vec::new(), state_dir: None, stderr: None }
            .args(args)
    }

    /// The stdout line containing "ready".
    pub fn ready_line(&self) -> &str {
        &self.ready
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn state_dir(&self) -> &Path {
        self.state_dir.as_deref().expect("this daemon was started without a state directory")
    }

    /// The file stderr is captured into, if it is.
    pub fn stderr_file(&self) -> Option<&Path> {
        self.stderr_file.as_deref()
    }

    /// `bookstation sim --state-dir DIR ARGS...`, its JSON answer; fails the
    /// test unless the answer is `"ok": true` and the exit status says so.
    pub fn sim(&self, args: &[&str]) -> Value {
        let answer = self.try_sim(args);
        assert_eq!(answer["ok"], true, "sim {args:?}: {answer}");
        answer
    }

    /// `bookstation sim ...`, its JSON answer whether `ok` or not; the exit
    /// status must agree with `ok`.
    pub fn try_sim(&self, args: &[&str]) -> Value {
        let out = Command::new(BIN)
            .arg("sim")
            .arg("--state-dir")
            .arg(self.state_dir())
            .args(args)
            .output()
            .expect("run bookstation sim");
        let answer: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("sim {args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(out.status.success(), answer["ok"] == true, "sim {args:?}: {answer}");
        answer
    }

    /// A UI action as JSON, through `bookstation sim act`.
    pub fn act(&self, action: Value) -> Value {
        self.sim(&["act", &action.to_string()])
    }

    pub fn screen(&self) -> String {
        self.sim(&["state"])["view"]["screen"].as_str().unwrap_or_default().to_owned()
    }

    /// Tap `card`, type `pin`, and be on the home screen.
    pub fn login(&self, card: &str, pin: &str) {
        self.sim(&["tap-card", card]);
        let v = self.act(json!({"action": "pin", "pin": pin}));
        assert_eq!(v["view"]["screen"], "home", "{v}");
    }

    /// The demo patron with card [`GOOD`] borrows `item`: login, browse,
    /// select, confirm, confirm; returns the locker whose door is now open.
    pub fn borrow_until_door_open(&self, item: &str) -> u64 {
        self.login(GOOD, PIN);
        self.act(json!({"action": "browse"}));
        self.act(json!({"action": "select", "item_id": item}));
        self.act(json!({"action": "confirm"}));
        let v = self.act(json!({"action": "confirm"}));
        assert_eq!(v["view"]["screen"], "dispensing", "{v}");
        v["view"]["dispensing"]["slot"].as_u64().expect("slot")
    }

    /// The demo patron with a ready hold ([`HOLDER`]) picks it up from
    /// locker `slot` (taken, door shut) and signs out.
    pub fn pick_up_hold(&self, slot: u16) {
        let slot = slot.to_string();
        self.login(HOLDER, PIN);
        self.act(json!({"action": "pickup_holds"}));
        self.act(json!({"action": "confirm"}));
        self.sim(&["take", &slot]);
        self.sim(&["close", &slot]);
        self.act(json!({"action": "logout"}));
    }

    /// Block until the daemon writes a stderr line for which `matches` holds
    /// (lines before it are passed over); that line. Needs
    /// [`DaemonBuilder::stderr_to`]. Fails the test if the daemon's stderr
    /// ends, or nothing matches `within`.
    pub fn wait_for_stderr(&self, within: Duration, matches: impl Fn(&str) -> bool) -> String {
        let lines = self.stderr_lines.as_ref().expect("wait_for_stderr needs stderr_to(file) on the builder");
        let deadline = Instant::now() + within;
        let mut seen = 0usize;
        let mut last = std::collections::VecDeque::new();
        loop {
            match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if matches(&line) => return line,
                Ok(line) => {
                    seen += 1;
                    if last.len() == 20 {
                        last.pop_front();
                    }
                    last.push_back(line);
                }
                Err(e) => panic!(
                    "no matching stderr line within {within:?} ({e:?}); {seen} other lines, the last of them:\n{}",
                    Vec::from(last).join("\n")
                ),
            }
        }
    }

    /// SIGTERM, and wait for the daemon to exit; its exit status. A daemon
    /// still there [`STOP_WITHIN`] later gets SIGKILL and fails the test.
    pub fn stop(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
        assert!(sent.success(), "kill -TERM {pid}: {sent:?}");
        let (status, late) = self.reap_within(STOP_WITHIN);
        assert!(!late, "the daemon was still running {STOP_WITHIN:?} after SIGTERM");
        status
    }

    /// Wait for the daemon to exit, and reap it; SIGKILL it if it is still
    /// there after `within`. Its exit status, and whether it was late.
    fn reap_within(&mut self, within: Duration) -> (ExitStatus, bool) {
        let pid = self.child.id().to_string();
        let (exited, exit_seen) = channel::<()>();
        let killer = std::thread::spawn(move || {
            let late = exit_seen.recv_timeout(within).is_err();
            if late {
                let _ = Command::new("kill").args(["-KILL", &pid]).status();
            }
            late
        });
        let status = self.child.wait().expect("wait for the daemon");
        let _ = exited.send(());
        self.reaped = Some(status);
        self.join_threads();
        (status, killer.join().expect("the SIGKILL timer"))
    }

    /// Wait for a daemon that is dying on its own (a crash point) and reap
    /// it; its exit status. Still running [`STOP_WITHIN`] later: SIGKILL, and
    /// the test fails.
    pub fn wait_for_exit(mut self) -> ExitStatus {
        let (status, late) = self.reap_within(STOP_WITHIN);
        assert!(!late, "the daemon did not die at its crash point");
        status
    }

    /// SIGKILL, as a power cut would, and reap it.
    pub fn kill9(mut self) {
        self.child.kill().expect("SIGKILL");
        let status = self.child.wait().expect("reap");
        self.reaped = Some(status);
        self.join_threads();
    }

    fn kill_and_reap(&mut self) {
        if self.reaped.is_none() {
            let _ = self.child.kill();
            self.reaped = self.child.wait().ok();
        }
    }

    /// The stdout and stderr readers end when the daemon's pipes close.
    fn join_threads(&mut self) {
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }

    /// For a failure message: the captured stderr, once the daemon is gone.
    fn stderr_so_far(&mut self) -> String {
        self.join_threads();
        match &self.stderr_file {
            Some(path) => format!("; stderr:\n{}", std::fs::read_to_string(path).unwrap_or_default()),
            None => String::new(),
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill_and_reap();
    }
}

/// `bookstation district-sim` on a free loopback port, saving its state to
/// `db` when given: the process, its URL and its `host:port`.
pub fn district_sim(db: Option<&Path>) -> (Daemon, String, String) {
    let mut b = Daemon::command(["district-sim", "--listen", "127.0.0.1:0"]);
    if let Some(db) = db {
        b = b.arg("--db").arg(db);
    }
    let d = b.start();
    let url = d.ready_line().split_whitespace().last().expect("URL in the ready line").to_owned();
    let addr = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    (d, url, addr)
}

/// `GET path` on the simulator at `addr`, the body as JSON (`200 OK` only).
pub fn http_get(addr: &str, path: &str) -> Value {
    let mut stream = TcpStream::connect(addr).expect("connect to district-sim");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_str(body).expect("JSON body")
}

/// A kiosk config in `dir` for `bookstation run`: simulated lockers (40 and
/// the bin, 41), the district over HTTP at `url` with a private token
/// file, the demo staff member, and events sent only when staff press "sync
/// now" (the longest interval). The config file and the state directory.
pub fn http_kiosk(dir: &Path, url: &str) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let state = dir.join("kiosk");
    std::fs::create_dir(&state).expect("state dir");
    let token = dir.join("district.token");
    std::fs::write(&token, "process-test-token\n").expect("token file");
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).expect("chmod token");
    let config = dir.join("bookstation.toml");
    let text = format!(
        r#"
[kiosk]
id = "MAPO-HAPJEONG-01"
name = "process test"
state_dir = "{state}"

[hardware]
kind = "mock"
lockers = 40
return_bin_slot = 41
return_bin_capacity = 30

[district]
kind = "http"
url = "{url}"
token_file = "{token}"
# Longest allowed: events go when staff press "sync now", not on a timer.
sync_interval_secs = 3600

[[staff]]
id = "process-staff"
card_sha256 = "{staff_card}"
pin_argon2 = "{staff_pin}"
"#,
        state = state.display(),
        token = token.display(),
        staff_card = bookstation::domain::staff::staff_card_digest(super::STAFF),
        staff_pin = bookstation::config::DEMO_STAFF_PIN_ARGON2,
    );
    std::fs::write(&config, text).expect("config file");
    (config, state)
}
