//! The PC/SC card reader driver against the real pcscd with the vpcd virtual
//! reader (Debian packages `pcscd` and `vsmartcard-vpcd`, installed by
//! `make deps`), and a fake contactless card written here that speaks
//! vpcd's socket protocol.
//!
//! The test starts its own pcscd in the foreground with a reader.conf.d of
//! its own (vpcd on a free port). pcscd's socket is fixed at
//! `/run/pcscd/pcscd.comm`, so no other pcscd may run meanwhile; on a
//! desktop, stop it first (`systemctl stop pcscd.socket pcscd`). Everything
//! runs in one test function, in order, because there is one pcscd.
//!
//! vpcd protocol: every message is a 2-byte big-endian length and a body.
//! From vpcd, a 1-byte body is a control code (0x00 power off, 0x01 power
//! on, 0x02 reset, 0x04 "send your ATR"); anything longer is a command APDU,
//! answered with a response APDU. The card is "on the reader" while its TCP
//! connection is open.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bookstation_hardware::drivers::{PcscReader, PcscSettings};
use bookstation_hardware::{CardEvent, CardReader};

/// A MIFARE Classic 1K's ATR as a PC/SC part 3 reader builds it.
const ATR: [u8; 20] = [
    0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x6A,
];

/// How long any one expected event may take (pcscd polls vpcd about every
/// 400 ms); a bound for a wait on an event, not a sleep.
const EVENT_WAIT: Duration = Duration::from_secs(15);

/// What the fake card does with GET DATA.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Answers with this UID and 90 00.
    Uid(&'static [u8]),
    /// Answers 6A 81 (function not supported), like a contact card would.
    Refuses,
}

/// A fake card on the virtual reader: a connection to vpcd.
struct VirtualCard {
    stream: TcpStream,
    thread: Option<std::thread::JoinHandle<()>>,
    /// One message per ATR request: vpcd asks for the ATR each time pcscd
    /// checks that the card is still there.
    polls: tokio::sync::mpsc::UnboundedReceiver<()>,
}

impl VirtualCard {
    fn insert(port: u16, behaviour: Behaviour) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("vpcd listens once its reader is added");
        stream.set_nodelay(true).unwrap();
        let mut conn = stream.try_clone().unwrap();
        let (polled, polls) = tokio::sync::mpsc::unbounded_channel();
        let thread = std::thread::spawn(move || {
            let mut len = [0u8; 2];
            while conn.read_exact(&mut len).is_ok() {
                let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
                if conn.read_exact(&mut body).is_err() {
                    return;
                }
                let answer: Vec<u8> = match body.as_slice() {
                    [0x04] => {
                        let _ = polled.send(());
                        ATR.to_vec()
                    }
                    [_] => continue, // power on, off, reset: no answer
                    [0xFF, 0xCA, 0x00, 0x00, ..] => match behaviour {
                        Behaviour::Uid(uid) => [uid, &[0x90, 0x00]].concat(),
                        Behaviour::Refuses => vec![0x6A, 0x81],
                    },
                    _ => vec![0x6D, 0x00], // instruction not supported
                };
                let mut out = u16::try_from(answer.len()).unwrap().to_be_bytes().to_vec();
                out.extend(answer);
                if conn.write_all(&out).is_err() {
                    return;
                }
            }
        });
        Self { stream, thread: Some(thread), polls }
    }

    /// Wait until pcscd has checked `n` more times that the card is there.
    async fn stay_for_polls(&mut self, n: usize) {
        for _ in 0..n {
            let polled = tokio::time::timeout(EVENT_WAIT, self.polls.recv()).await;
            assert!(matches!(polled, Ok(Some(()))), "pcscd keeps polling the card");
        }
    }

    /// Take the card off the reader.
    fn remove(mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Our pcscd, killed on drop.
struct Pcscd {
    child: Child,
}

impl Pcscd {
    fn start(conf_dir: &Path, log: &Path) -> Self {
        let pcscd = ["/usr/sbin/pcscd", "/usr/bin/pcscd"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .expect("pcscd is installed (run `make deps`)");
        assert!(
            !Path::new("/run/pcscd/pcscd.pid").exists() || !other_pcscd_running(),
            "another pcscd is running; stop it first (systemctl stop pcscd.socket pcscd)"
        );
        let log = std::fs::File::create(log).unwrap();
        let child = Command::new(pcscd)
            .args(["--foreground", "--config"])
            .arg(conf_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("pcscd starts");
        Self { child }
    }

    fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        // SIGTERM first, as systemd does; pcscd with vpcd may then hang in
        // its exit (a vpcd slot still waits for a card), so it gets SIGKILL
        // if it has not gone within two seconds, as systemd would after its
        // stop timeout.
        let signal = |s| {
            if let Ok(pid) = i32::try_from(self.child.id()) {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), s);
            }
        };
        signal(nix::sys::signal::Signal::SIGTERM);
        let (tx, rx) = std::sync::mpsc::channel();
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap_or(0));
        std::thread::spawn(move || {
            let _ = nix::sys::wait::waitpid(pid, None);
            let _ = tx.send(());
        });
        if rx.recv_timeout(Duration::from_secs(2)).is_err() {
            signal(nix::sys::signal::Signal::SIGKILL);
            let _ = rx.recv_timeout(Duration::from_secs(10));
        }
        let _ = self.child.try_wait();
    }
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill();
        }
    }
}

fn other_pcscd_running() -> bool {
    std::fs::read_to_string("/run/pcscd/pcscd.pid")
        .ok()
        .and_then(|s| s.trim().parse::<i32>().ok())
        .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn next(reader: &mut PcscReader) -> CardEvent {
    tokio::time::timeout(EVENT_WAIT, reader.next_event())
        .await
        .expect("an event within the bound")
        .expect("the reader keeps running")
}

/// Wait until the virtual reader is announced (skipping other events).
async fn reader_added(reader: &mut PcscReader) -> String {
    loop {
        if let CardEvent::ReaderAdded { name } = next(reader).await {
            return name;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_on_the_virtual_reader() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = dir.path().join("reader.conf.d");
    std::fs::create_dir(&conf).unwrap();
    std::fs::write(
        conf.join("vpcd"),
        format!(
            "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:{port}\n\
             LIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID {port}\n"
        ),
    )
    .unwrap();
    let log = dir.path().join("pcscd.log");
    let pcscd = Pcscd::start(&conf, &log);

    let settings = PcscSettings {
        // vpcd offers two slots (port and port + 1); the kiosk watches one.
        reader_filter: Some("virtual pcd 00 00".into()),
        backoff_min: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        wait: Duration::from_millis(200),
    };
    let mut reader = PcscReader::start(settings).unwrap();
    let name = reader_added(&mut reader).await;
    assert!(name.contains("Virtual PCD"), "{name}");
    assert!(reader.health().service_up);

    // A tap: one Tapped with the UID, upper-case hex; lifting it: Removed.
    let card = VirtualCard::insert(port, Behaviour::Uid(&[0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6]));
    assert_eq!(next(&mut reader).await, CardEvent::Tapped { uid: "04A1B2C3D4E5F6".into() });
    card.remove();
    assert_eq!(next(&mut reader).await, CardEvent::Removed);

    // A card held on the reader is read once: it stays there while pcscd
    // checks it several times, and the next event is its removal.
    let mut held = VirtualCard::insert(port, Behaviour::Uid(&[0x11, 0x22, 0x33, 0x44]));
    assert_eq!(next(&mut reader).await, CardEvent::Tapped { uid: "11223344".into() });
    held.stay_for_polls(6).await;
    let first_connects = reader.health().connects;
    held.remove();
    assert_eq!(next(&mut reader).await, CardEvent::Removed);

    // A card that refuses GET DATA: no event, a clear message, and the
    // reader carries on with the next card.
    let mut health = reader.watch_health();
    let odd = VirtualCard::insert(port, Behaviour::Refuses);
    // (The watch guard must not outlive the statement: it locks the health.)
    let judged =
        matches!(tokio::time::timeout(EVENT_WAIT, health.wait_for(|h| h.last_problem.is_some())).await, Ok(Ok(_)));
    assert!(judged, "the refused card was noticed");
    let problem = reader.health().last_problem.unwrap_or_default();
    assert!(problem.contains("6A81") && problem.contains("GET DATA"), "{problem}");
    odd.remove();
    assert_eq!(next(&mut reader).await, CardEvent::Removed, "no Tapped for a card without a UID");
    assert_eq!(reader.health().connects, first_connects);

    // pcscd restarts: the reader goes away, and comes back by itself.
    pcscd.stop();
    assert!(matches!(next(&mut reader).await, CardEvent::ReaderRemoved { .. }));
    let pcscd = Pcscd::start(&conf, &log);
    let name = reader_added(&mut reader).await;
    assert!(name.contains("Virtual PCD"), "{name}");
    assert!(reader.health().connects > first_connects, "a new context after the restart");
    let card = VirtualCard::insert(port, Behaviour::Uid(&[0x04, 0, 0, 0, 0, 0, 0x05]));
    assert_eq!(next(&mut reader).await, CardEvent::Tapped { uid: "04000000000005".into() });
    card.remove();
    assert_eq!(next(&mut reader).await, CardEvent::Removed);
    drop(reader);
    pcscd.stop();
}
