//! The real `bookstation demo` (kiosk and simulator windows, winit backend,
//! software renderer) in a real X server (Xvfb), at 40, 500 and 1,000
//! lockers: start-up to "ready" (sd_notify's `READY=1`, read off a
//! `NOTIFY_SOCKET` of our own) and to the first frame on the screen (`xwd`
//! polled), on the first start (the demo's books placed) and on a start that
//! recovers an open intent (the daemon killed with a locker door open
//! mid-borrow); the CPU while idle; and the resident memory over 1,000
//! patron sessions at 500 lockers, driven through the control socket as the
//! simulator window would. Needs `Xvfb` and `xwd` (Debian: xvfb, x11-apps).
//! Run with `make bench` (it builds the release binary first).

// A benchmark's figures are its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod support;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const GOOD: &str = "04A1B2C3D4E5F6";
const STAFF: &str = "04FFFFFFFFFF01";
/// Patron sessions in the memory study, and when resident memory is read.
const SESSIONS: usize = 1000;
const MEMORY_AT: [usize; 5] = [10, 100, 250, 500, 1000];

/// The `bookstation` binary built beside this example (target/<profile>/).
fn bin() -> PathBuf {
    let me = std::env::current_exe().expect("own path");
    me.parent().and_then(|examples| examples.parent()).expect("target dir").join("bookstation")
}

/// The RGB of one pixel of the root window, from `xwd`'s dump format.
fn pixel(display: &str, x: usize, y: usize) -> Option<(u8, u8, u8)> {
    let out = Command::new("xwd").args(["-root", "-silent", "-display", display]).output().ok()?;
    let d = out.stdout;
    let field = |i: usize| -> Option<usize> {
        let b = d.get(i * 4..i * 4 + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let (header, width, line, colors) = (field(0)?, field(4)?, field(12)?, field(19)?);
    // Xvfb's depth-24 screens store 4 bytes a pixel whatever bits_per_pixel says.
    let bytes = line / width.max(1);
    if bytes < 3 {
        return None;
    }
    let at = header + colors * 12 + y * line + x * bytes;
    let p = d.get(at..at + 4)?;
    // Little-endian BGRA as Xvfb lays it out.
    Some((p[2], p[1], p[0]))
}

fn proc_kib(pid: u32, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l[key.len()..].trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Self {
        // Xvfb picks a free display and writes its number once it accepts clients.
        let mut child = Command::new("Xvfb")
            // A black root (-br): a killed kiosk's window leaves black behind, so
            // the next one's first frame shows.
            .args(["-displayfd", "1", "-br", "-screen", "0", "1100x1950x24", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (Debian package xvfb)");
        let mut number = String::new();
        BufReader::new(child.stdout.take().expect("Xvfb's stdout")).read_line(&mut number).expect("display number");
        assert!(!number.trim().is_empty(), "Xvfb did not start");
        Self { child, display: format!(":{}", number.trim()) }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A demo kiosk process, its start-up figures, and its control socket.
struct Kiosk {
    child: Child,
    state: PathBuf,
    ready: Duration,
    first_frame: Duration,
}

impl Kiosk {
    fn start(x: &Xvfb, state: &Path, lockers: u16) -> Self {
        let notify_path = state.with_extension("notify");
        let _ = std::fs::remove_file(&notify_path);
        let notify = UnixDatagram::bind(&notify_path).expect("notify socket");
        notify.set_read_timeout(Some(Duration::from_millis(2))).expect("timeout");
        // The last kiosk's window gone, the screen black again: the next
        // colour at the middle is this kiosk's.
        let gone = Instant::now();
        while pixel(&x.display, 540, 960).is_some_and(|p| p != (0, 0, 0)) {
            assert!(gone.elapsed() < Duration::from_secs(10), "the last window stays on the screen");
            std::thread::sleep(Duration::from_millis(20));
        }
        let started = Instant::now();
        let child = Command::new(bin())
            .args(["demo", "--lockers", &lockers.to_string(), "--state-dir"])
            .arg(state)
            .env("DISPLAY", &x.display)
            .env("NOTIFY_SOCKET", &notify_path)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .expect("bookstation demo");
        let (mut ready, mut first_frame) = (None, None);
        let mut buf = [0u8; 512];
        while ready.is_none() || first_frame.is_none() {
            assert!(started.elapsed() < Duration::from_secs(120), "the kiosk did not start within 2 minutes");
            if ready.is_none()
                && let Ok(n) = notify.recv(&mut buf)
                && String::from_utf8_lossy(&buf[..n]).lines().any(|l| l == "READY=1")
            {
                ready = Some(started.elapsed());
            }
            // The kiosk's background colour at the middle of the window means it has drawn.
            if first_frame.is_none() && pixel(&x.display, 540, 960).is_some_and(|p| p != (0, 0, 0)) {
                first_frame = Some(started.elapsed());
            }
        }
        let _ = std::fs::remove_file(&notify_path);
        Self {
            child,
            state: state.to_owned(),
            ready: ready.unwrap_or_default(),
            first_frame: first_frame.unwrap_or_default(),
        }
    }

    fn control(&self) -> Control {
        let stream = UnixStream::connect(self.state.join("control.sock")).expect("control socket");
        Control { reader: BufReader::new(stream.try_clone().expect("socket")), writer: stream }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Control {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Control {
    /// One request; the view state it answers with.
    fn send(&mut self, request: Value) -> Value {
        writeln!(self.writer, "{request}").expect("request");
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("answer");
        let answer: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{request}: {e}: {line}"));
        answer.get("view").cloned().unwrap_or(answer)
    }

    fn act(&mut self, action: Value) -> Value {
        self.send(action)
    }

    fn sim(&mut self, command: Value) -> Value {
        self.send(command)
    }

    /// The screen after the request.
    fn screen(view: &Value) -> String {
        view.get("screen").and_then(Value::as_str).unwrap_or("?").to_owned()
    }

    /// A patron borrows MP0001 from locker 1, to the door shut and the logout.
    fn borrow(&mut self) -> Result<(), String> {
        self.sim(json!({"sim": "tap_card", "uid": GOOD}));
        self.act(json!({"action": "pin", "pin": "1234"}));
        self.act(json!({"action": "select", "item_id": "MP0001"}));
        self.act(json!({"action": "confirm"}));
        let v = self.act(json!({"action": "confirm"}));
        if Self::screen(&v) != "dispensing" {
            return Err(format!("borrow: {} instead of the open door", Self::screen(&v)));
        }
        self.sim(json!({"sim": "take", "slot": 1}));
        self.sim(json!({"sim": "close", "slot": 1}));
        self.act(json!({"action": "logout"}));
        Ok(())
    }

    /// The book given back through the bin.
    fn give_back(&mut self, bin: u16) -> Result<(), String> {
        let v = self.sim(json!({"sim": "scan", "text": "MP0001"}));
        if Self::screen(&v) != "return" {
            return Err(format!("return: {}", Self::screen(&v)));
        }
        self.sim(json!({"sim": "put", "slot": bin, "barcode": "MP0001"}));
        self.sim(json!({"sim": "close", "slot": bin}));
        self.act(json!({"action": "logout"}));
        Ok(())
    }

    /// Staff empty the bin and put the book back in locker 1.
    fn restock(&mut self, bin: u16) -> Result<(), String> {
        self.sim(json!({"sim": "tap_card", "uid": STAFF}));
        self.act(json!({"action": "staff_pin", "pin": "2580"}));
        self.act(json!({"action": "unload_bin"}));
        self.sim(json!({"sim": "empty_bin"}));
        self.sim(json!({"sim": "close", "slot": bin}));
        self.act(json!({"action": "restock", "slot": 1}));
        self.sim(json!({"sim": "scan", "text": "MP0001"}));
        self.sim(json!({"sim": "put", "slot": 1, "barcode": "MP0001"}));
        self.sim(json!({"sim": "close", "slot": 1}));
        let v = self.act(json!({"action": "logout"}));
        match Self::screen(&v).as_str() {
            "attract" => Ok(()),
            other => Err(format!("restock: {other}")),
        }
    }
}

fn main() {
    assert!(bin().is_file(), "{} is missing: cargo build --release first (make bench-ui does)", bin().display());
    let x = Xvfb::start();
    println!("Bookstation touch UI: `bookstation demo` (kiosk + simulator windows) in Xvfb, software renderer");
    println!("machine: {}", support::machine());
    println!("rerun: make bench-ui");
    println!();
    println!("{:>7}  {:<52} {:>10} {:>12}  goal", "lockers", "start", "ready ms", "1st frame ms");
    for lockers in support::SIZES {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = dir.path().join("state");
        let first = Kiosk::start(&x, &state, lockers);
        println!(
            "{lockers:>7}  {:<52} {:>10.0} {:>12.0}",
            "first start (the demo's books placed)",
            first.ready.as_secs_f64() * 1000.0,
            first.first_frame.as_secs_f64() * 1000.0,
        );
        // Killed with a door open mid-borrow: the next start must settle it.
        let mut c = first.control();
        c.sim(json!({"sim": "tap_card", "uid": GOOD}));
        c.act(json!({"action": "pin", "pin": "1234"}));
        c.act(json!({"action": "select", "item_id": "MP0001"}));
        c.act(json!({"action": "confirm"}));
        let v = c.act(json!({"action": "confirm"}));
        assert_eq!(Control::screen(&v), "dispensing", "{v}");
        drop(c);
        first.kill();
        let second = Kiosk::start(&x, &state, lockers);
        println!(
            "{lockers:>7}  {:<52} {:>10.0} {:>12.0}  {}",
            "start recovering an open intent (killed, door open)",
            second.ready.as_secs_f64() * 1000.0,
            second.first_frame.as_secs_f64() * 1000.0,
            if lockers == 500 { "< 500 ms to the first frame" } else { "" }
        );
        if lockers == 500 {
            memory_study(second);
        } else {
            second.kill();
        }
        drop(dir);
    }
}

/// Idle CPU and resident memory over [`SESSIONS`] sessions of a 500-locker kiosk.
fn memory_study(kiosk: Kiosk) {
    let pid = kiosk.pid();
    let bin = 501;
    let mut c = kiosk.control();
    // The recovered borrow left the book in locker 1, its door open: shut it.
    c.sim(json!({"sim": "close", "slot": 1}));
    std::thread::sleep(Duration::from_secs(2));
    let ticks_per_s = 100.0; // USER_HZ on Linux
    let before = cpu_ticks(pid).expect("stat");
    let window = Duration::from_secs(10);
    std::thread::sleep(window);
    let idle_cpu = (cpu_ticks(pid).expect("stat") - before) as f64 / ticks_per_s / window.as_secs_f64() * 100.0;
    let start_rss = proc_kib(pid, "VmRSS:");
    println!();
    println!("500 lockers, {SESSIONS} patron sessions (a borrow, then its return; staff restock after each pair):");
    // RSS in its three parts: heap and stacks (anon), the binary's pages
    // and fonts (file: clean, shared, given back under pressure), and the
    // windows' framebuffers (shmem: the kiosk's 1080x1920 and the simulator's).
    println!(
        "{:>9}  {:>10} {:>10} {:>10} {:>10} {:>10}  {:>10}",
        "sessions", "RSS MiB", "anon", "file", "shmem", "peak MiB", "s so far"
    );
    let row = |sessions: usize, rss: u64, so_far: String| {
        println!(
            "{sessions:>9}  {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>10.1}  {so_far:>10}",
            mib(rss),
            mib(proc_kib(pid, "RssAnon:")),
            mib(proc_kib(pid, "RssFile:")),
            mib(proc_kib(pid, "RssShmem:")),
            mib(proc_kib(pid, "VmHWM:")),
        );
    };
    row(0, start_rss, String::new());
    let started = Instant::now();
    let mut sessions = 0;
    let mut at_100 = 0;
    let mut last = 0;
    while sessions < SESSIONS {
        let round = c.borrow().and_then(|()| c.give_back(bin)).and_then(|()| c.restock(bin));
        if let Err(e) = round {
            eprintln!("session {sessions}: {e}");
            let _ = c.act(json!({"action": "logout"}));
            break;
        }
        sessions += 2;
        if MEMORY_AT.contains(&sessions) {
            let rss = proc_kib(pid, "VmRSS:");
            if sessions == 100 {
                at_100 = rss;
            }
            last = rss;
            row(sessions, rss, format!("{:.1}", started.elapsed().as_secs_f64()));
        }
    }
    drop(c);
    kiosk.kill();
    println!();
    println!("{:<52} {:>10.2} %", "CPU while idle on the attract screen (10 s)", idle_cpu);
    println!(
        "{:<52} {:>10.1} MiB  (goal: under 60 MiB, and within 2 MiB of the figure at 100)",
        format!("resident after {sessions} sessions, change since 100"),
        mib(last.saturating_sub(at_100))
    );
}
