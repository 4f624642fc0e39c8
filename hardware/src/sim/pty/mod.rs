//! Board simulators that speak the real wire protocols over a
//! pseudo-terminal, so the serial drivers are tested through the operating
//! system's serial interface exactly as they run against a USB RS-485
//! adapter.
//!
//! A [`PtySim`] owns a pty pair and a thread that answers requests on the
//! master side, while the driver opens the slave side through a symlink
//! (the way udev gives a real adapter a stable name). The simulated lockers
//! behind it are a [`Panel`]: [`MemPanel`] for tests, or the
//! [`SimWorld`](crate::SimWorld) itself, so `bookstation sim take 1` acts on
//! the doors the demo's driver reads over the pty.
//!
//! Faults ([`Fault`]): no answer, a bad checksum, a frame cut short, garbage
//! before the answer; a jammed door is a panel matter. [`PtySim::unplug`]
//! closes the master and removes the symlink, as pulling the USB adapter
//! does; [`PtySim::replug`] brings a fresh pty under the same name.
//!
//! - `panel`: [`Panel`], [`MemPanel`] and the [`SimWorld`](crate::SimWorld)
//!   panel.
//! - `kerong`: [`KerongSim`], chained Kerong CU boards.
//! - `modbus`: [`ModbusSim`], Modbus RTU units.
//! - `world_bus`: [`world_on_kerong`], the simulated world behind Kerong
//!   boards on one pty per bus of 16 boards with the real driver in front (`demo --hardware pty`).

mod kerong;
mod modbus;
mod panel;
mod world_bus;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

pub use kerong::{KerongSim, KerongSimBoard};
pub use modbus::{ModbusSim, ModbusSimUnit};
pub use panel::{MemPanel, Panel};
pub use world_bus::{BOARDS_PER_BUS, MAX_BUSES, bus_link, world_boards, world_on_kerong};

use crate::codec::kerong_cu::{Decoded, find};

/// A fault the simulated board shows in its answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The board stays silent.
    NoAnswer,
    /// The answer's last byte (its checksum or CRC) is wrong.
    BadChecksum,
    /// Only the first half of the answer is sent.
    PartialFrame,
    /// Three bytes of noise come before a correct answer.
    Garbage,
}

/// A wire protocol on the board side: find requests, answer them.
pub trait WireProtocol: Send + 'static {
    /// Look for a request at the start of `buf`; a frame's value is its
    /// length.
    fn decode(&self, buf: &[u8]) -> Decoded<usize>;
    /// The answer to one request, if the board answers it.
    fn answer(&mut self, request: &[u8], panel: &dyn Panel) -> Option<Vec<u8>>;
}

/// What the test or demo asked of the simulator thread.
struct Control {
    /// The fault and how many answers it still affects (`None`: all).
    fault: Option<(Fault, Option<u32>)>,
    /// Whether the adapter should be plugged in.
    plugged: bool,
    /// Bumped by the thread each time it has applied `plugged`.
    applied: u64,
    /// Whether the pty exists right now.
    present: bool,
    /// Requests answered or ignored so far, for tests.
    requests: u64,
    /// Set on drop.
    stop: bool,
}

struct Shared {
    control: Mutex<Control>,
    changed: Condvar,
}

fn lock(m: &Mutex<Control>) -> MutexGuard<'_, Control> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A simulated board (or bus of boards) on a pseudo-terminal; stops when
/// dropped.
pub struct PtySim {
    shared: Arc<Shared>,
    link: PathBuf,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for PtySim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PtySim").field("link", &self.link).finish_non_exhaustive()
    }
}

/// How long `unplug`/`replug` wait for the thread (it checks every 20 ms).
const ACK_WAIT: Duration = Duration::from_secs(5);
const POLL_MS: u16 = 20;

impl PtySim {
    /// Start a simulator answering with `protocol` for `panel`, reachable at
    /// the symlink `link` (replaced if it exists).
    pub fn start(link: &Path, protocol: impl WireProtocol, panel: Arc<dyn Panel>) -> std::io::Result<Self> {
        let pty = Pty::open(link)?;
        let shared = Arc::new(Shared {
            control: Mutex::new(Control {
                fault: None,
                plugged: true,
                applied: 0,
                present: true,
                requests: 0,
                stop: false,
            }),
            changed: Condvar::new(),
        });
        let thread = {
            let shared = shared.clone();
            let link = link.to_path_buf();
            std::thread::Builder::new()
                .name("pty board sim".into())
                .spawn(move || serve(shared, link, pty, protocol, panel))?
        };
        Ok(Self { shared, link: link.to_path_buf(), thread: Some(thread) })
    }

    /// The path a driver opens.
    pub fn path(&self) -> &Path {
        &self.link
    }

    /// Show `fault` in the next `count` answers (`None`: until cleared).
    pub fn set_fault(&self, fault: Fault, count: Option<u32>) {
        lock(&self.shared.control).fault = Some((fault, count));
    }

    /// Answer normally again.
    pub fn clear_fault(&self) {
        lock(&self.shared.control).fault = None;
    }

    /// Requests seen so far (answered or not).
    pub fn requests(&self) -> u64 {
        lock(&self.shared.control).requests
    }

    /// Pull the adapter: the pty closes (the driver's reads fail) and the
    /// symlink goes away. Returns once done.
    pub fn unplug(&self) {
        self.set_plugged(false);
    }

    /// Plug it back: a fresh pty under the same symlink. Returns once done.
    pub fn replug(&self) {
        self.set_plugged(true);
    }

    fn set_plugged(&self, plugged: bool) {
        let mut c = lock(&self.shared.control);
        c.plugged = plugged;
        let wait = self.shared.changed.wait_timeout_while(c, ACK_WAIT, |c| c.present != c.plugged && !c.stop);
        drop(wait);
    }
}

impl Drop for PtySim {
    fn drop(&mut self) {
        lock(&self.shared.control).stop = true;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A pty pair: the master the simulator talks on, and a slave fd it keeps
/// open itself so the master does not see a hang-up whenever the driver
/// closes and reopens the port.
struct Pty {
    master: File,
    _slave: OwnedFd,
}

impl Pty {
    fn open(link: &Path) -> std::io::Result<Self> {
        use nix::sys::termios;
        let pair = nix::pty::openpty(None, None)?;
        // Raw from the start: no echo, no line editing, before any driver
        // configures it.
        let mut t = termios::tcgetattr(pair.slave.as_fd())?;
        termios::cfmakeraw(&mut t);
        termios::tcsetattr(pair.slave.as_fd(), termios::SetArg::TCSANOW, &t)?;
        let name = nix::unistd::ttyname(pair.slave.as_fd())?;
        let tmp = link.with_extension("new-link");
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(&name, &tmp)?;
        std::fs::rename(&tmp, link)?;
        Ok(Self { master: File::from(pair.master), _slave: pair.slave })
    }
}

fn serve(shared: Arc<Shared>, link: PathBuf, pty: Pty, mut protocol: impl WireProtocol, panel: Arc<dyn Panel>) {
    let mut pty = Some(pty);
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 512];
    loop {
        {
            let mut c = lock(&shared.control);
            if c.stop {
                break;
            }
            if c.plugged != c.present {
                if c.plugged {
                    match Pty::open(&link) {
                        Ok(p) => pty = Some(p),
                        Err(e) => tracing::warn!(error = %e, "pty board simulator: cannot replug"),
                    }
                } else {
                    pty = None;
                    let _ = std::fs::remove_file(&link);
                }
                buf.clear();
                c.present = pty.is_some();
                c.applied += 1;
                shared.changed.notify_all();
            }
        }
        let Some(p) = pty.as_mut() else {
            std::thread::sleep(Duration::from_millis(u64::from(POLL_MS)));
            continue;
        };
        let ready = {
            let mut fds = [nix::poll::PollFd::new(p.master.as_fd(), nix::poll::PollFlags::POLLIN)];
            nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(POLL_MS)).unwrap_or(0) > 0
        };
        if !ready {
            continue;
        }
        let n = match p.master.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => 0,
            Err(e) => {
                // Cannot happen while the slave fd is held; do not spin.
                tracing::warn!(error = %e, "pty board simulator: read failed");
                std::thread::sleep(Duration::from_millis(u64::from(POLL_MS)));
                0
            }
        };
        buf.extend_from_slice(&chunk[..n]);
        loop {
            let (frame, used) = find(&buf, |b| protocol.decode(b));
            let Some(len) = frame else {
                buf.drain(..used);
                break;
            };
            let request: Vec<u8> = buf[used - len..used].to_vec();
            buf.drain(..used);
            let fault = {
                let mut c = lock(&shared.control);
                c.requests += 1;
                let fault = c.fault.map(|(f, _)| f);
                if let Some((_, Some(left))) = &mut c.fault {
                    *left = left.saturating_sub(1);
                    if *left == 0 {
                        c.fault = None;
                    }
                }
                fault
            };
            let Some(mut answer) = protocol.answer(&request, panel.as_ref()) else { continue };
            match fault {
                None => {}
                Some(Fault::NoAnswer) => continue,
                Some(Fault::BadChecksum) => {
                    if let Some(last) = answer.last_mut() {
                        *last ^= 0x5A;
                    }
                }
                Some(Fault::PartialFrame) => answer.truncate(answer.len() / 2),
                Some(Fault::Garbage) => {
                    let mut noisy = vec![0xFF, 0x00, 0x55];
                    noisy.append(&mut answer);
                    answer = noisy;
                }
            }
            if let Err(e) = p.master.write_all(&answer) {
                tracing::warn!(error = %e, "pty board simulator: write failed");
            }
        }
    }
    let _ = std::fs::remove_file(&link);
}
