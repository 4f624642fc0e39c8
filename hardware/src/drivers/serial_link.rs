//! One serial port (an RS-485 adapter, usually) shared by every board on its
//! bus, owned by a thread of its own: requests and answers are strictly one
//! at a time on RS-485, and the blocking reads must not stall tokio.
//!
//! The port is opened lazily and reopened after it fails: an unplugged USB
//! adapter shows up as an I/O error (or a hang-up), after which the link
//! closes the port and tries again only once a backoff delay has passed,
//! doubling from `reopen_min` up to `reopen_max`. Meanwhile every request
//! fails at once with [`ErrorKind::NotResponding`], so the engine marks the
//! lockers out of order instead of waiting on a dead port.
//!
//! Every request has a timeout and a bounded number of retries. Bytes that
//! are not the expected frame (noise, a stale answer, half a frame) are
//! skipped by the protocol's decoder; the input queue is cleared before each
//! request so a late answer to an earlier one cannot be taken for this one.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::backoff::Backoff;
use crate::codec::kerong_cu::{Decoded, find};
use crate::{ErrorKind, HwError};

/// How to reach a port and how patient to be with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSettings {
    /// The device, ideally a stable udev name like `/dev/bookstation-locker0`.
    pub path: PathBuf,
    /// Line speed; Kerong CU boards ship at 19200, Modbus boards at 9600.
    pub baud: u32,
    /// How long to wait for an answer before trying again.
    pub timeout: Duration,
    /// Tries after the first one, so a request costs at most
    /// `(1 + retries) * timeout`.
    pub retries: u32,
    /// First wait before reopening a port that failed.
    pub reopen_min: Duration,
    /// Longest wait between reopen attempts.
    pub reopen_max: Duration,
}

impl LinkSettings {
    /// Defaults for a bus at `path`: 19200 baud, 200 ms timeout, 2 retries,
    /// reopen after 0.5 s doubling to 30 s.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            baud: 19200,
            timeout: Duration::from_millis(200),
            retries: 2,
            reopen_min: Duration::from_millis(500),
            reopen_max: Duration::from_secs(30),
        }
    }
}

type Job = Box<dyn FnOnce(&mut Port) + Send>;

/// A handle to the port's thread; cheap to clone. The thread ends when the
/// last handle is dropped.
#[derive(Clone, Debug)]
pub struct SerialLink {
    /// Jobs for the port thread, run one at a time in order.
    jobs: mpsc::Sender<Job>,
    /// The port's path, for messages.
    path: PathBuf,
}

impl SerialLink {
    /// Start the thread for a port; the port itself is opened at the first
    /// request, so a missing adapter is reported per request, not here.
    pub fn new(settings: LinkSettings) -> Self {
        let (jobs, rx) = mpsc::channel::<Job>();
        let path = settings.path.clone();
        let name = format!("serial {}", path.display());
        let mut port = Port::new(settings);
        let spawned = std::thread::Builder::new().name(name).spawn(move || {
            while let Ok(job) = rx.recv() {
                job(&mut port);
            }
        });
        if let Err(e) = spawned {
            // Every request will then fail with "the port thread is gone".
            tracing::error!(port = %path.display(), error = %e, "cannot start the serial port thread");
        }
        Self { jobs, path }
    }

    /// The port's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run `job` on the port's thread and wait for its result. Dropping the
    /// future does not cancel a request already on the wire; its answer is
    /// dropped.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Port) -> Result<T, HwError> + Send + 'static,
    ) -> Result<T, HwError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |port| {
            let _ = tx.send(job(port));
        });
        let gone =
            || HwError::new(ErrorKind::Other, format!("serial port {}: its thread is gone", self.path.display()));
        self.jobs.send(job).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }
}

/// The port as its thread sees it.
pub struct Port {
    /// Where and how.
    settings: LinkSettings,
    /// The open port, or `None` after a failure until the next reopen.
    port: Option<Box<dyn serialport::SerialPort>>,
    /// No reopen attempt before this.
    next_open: Instant,
    /// The wait between reopen attempts.
    backoff: Backoff,
    /// Why the port is closed, for the next request's error.
    down_reason: Option<String>,
    /// One try only, no retries: a probe of a board known to be silent.
    single_try: bool,
}

impl Port {
    fn new(settings: LinkSettings) -> Self {
        let backoff = Backoff::new(settings.reopen_min, settings.reopen_max);
        Self { settings, port: None, next_open: Instant::now(), backoff, down_reason: None, single_try: false }
    }

    /// The settings the port was made with.
    pub fn settings(&self) -> &LinkSettings {
        &self.settings
    }

    /// Whether the port is open right now.
    pub fn is_open(&self) -> bool {
        self.port.is_some()
    }

    /// Open the port if it is closed and the backoff allows.
    pub fn ensure_open(&mut self) -> Result<(), HwError> {
        if self.port.is_some() {
            return Ok(());
        }
        let path = self.settings.path.display().to_string();
        let now = Instant::now();
        if now < self.next_open {
            let reason = self.down_reason.clone().unwrap_or_else(|| "it failed".into());
            return Err(HwError::new(
                ErrorKind::NotResponding,
                format!("serial port {path} is down ({reason}); next try in {} ms", (self.next_open - now).as_millis()),
            ));
        }
        let opened = serialport::new(&path, self.settings.baud).timeout(self.settings.timeout).open();
        match opened {
            Ok(port) => {
                if self.down_reason.take().is_some() {
                    tracing::info!(port = %path, "serial port reopened");
                }
                self.port = Some(port);
                self.backoff.reset();
                Ok(())
            }
            Err(e) => {
                let reason = format!("cannot open it: {e}");
                self.mark_down(reason.clone());
                Err(HwError::new(ErrorKind::NotResponding, format!("serial port {path}: {reason}")))
            }
        }
    }

    /// Close the port after a failure and schedule the next reopen.
    fn mark_down(&mut self, reason: String) {
        if self.port.take().is_some() || self.down_reason.is_none() {
            tracing::warn!(port = %self.settings.path.display(), %reason, "serial port down");
        }
        self.down_reason = Some(reason);
        self.next_open = Instant::now() + self.backoff.next_delay();
    }

    /// Run `f` with every exchange in it tried once, without retries: a
    /// board known to be silent is asked whether it is back at the cost of
    /// one timeout, not of all its tries (the engine task waits for it).
    pub fn single_try<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.single_try = true;
        let out = f(self);
        self.single_try = false;
        out
    }

    /// Send `request` and read until `decode` finds its answer, retrying
    /// on silence (not within [`Port::single_try`]); `what` names the
    /// device in errors ("Kerong board 2").
    pub fn transact<T>(
        &mut self,
        what: &str,
        request: &[u8],
        decode: impl Fn(&[u8]) -> Decoded<T>,
    ) -> Result<T, HwError> {
        let tries = if self.single_try { 1 } else { self.settings.retries.saturating_add(1) };
        let mut saw_bytes = false;
        for _ in 0..tries {
            self.ensure_open()?;
            match self.exchange_once(request, &decode) {
                Ok(answer) => return Ok(answer),
                Err(Failure::Silent { saw_bytes: saw }) => saw_bytes |= saw,
                Err(Failure::PortDown) => {
                    let reason = self.down_reason.clone().unwrap_or_default();
                    return Err(HwError::new(
                        ErrorKind::NotResponding,
                        format!("{what} on {}: the port failed ({reason})", self.settings.path.display()),
                    ));
                }
            }
        }
        let heard = if saw_bytes { "only garbled or partial answers" } else { "no answer" };
        Err(HwError::new(
            ErrorKind::NotResponding,
            format!(
                "{what} on {}: {heard} after {tries} tries of {} ms",
                self.settings.path.display(),
                self.settings.timeout.as_millis()
            ),
        ))
    }

    /// One request and its answer.
    fn exchange_once<T>(&mut self, request: &[u8], decode: &impl Fn(&[u8]) -> Decoded<T>) -> Result<T, Failure> {
        let timeout = self.settings.timeout;
        let Some(port) = self.port.as_mut() else { return Err(Failure::PortDown) };
        let _ = port.clear(serialport::ClearBuffer::Input);
        let written = port.write_all(request).and_then(|()| port.flush());
        if let Err(e) = written {
            self.mark_down(format!("write failed: {e}"));
            return Err(Failure::PortDown);
        }
        let deadline = Instant::now() + timeout;
        let mut buf: Vec<u8> = Vec::with_capacity(64);
        let mut chunk = [0u8; 256];
        let mut saw = false;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(Failure::Silent { saw_bytes: saw });
            }
            let Some(port) = self.port.as_mut() else { return Err(Failure::PortDown) };
            let _ = port.set_timeout(deadline - now);
            match port.read(&mut chunk) {
                Ok(0) => {
                    self.mark_down("the device closed".into());
                    return Err(Failure::PortDown);
                }
                Ok(n) => {
                    saw = true;
                    buf.extend_from_slice(&chunk[..n]);
                    let (frame, used) = find(&buf, decode);
                    if let Some(frame) = frame {
                        return Ok(frame);
                    }
                    buf.drain(..used);
                }
                Err(e) if matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.mark_down(format!("read failed: {e}"));
                    return Err(Failure::PortDown);
                }
            }
        }
    }
}

/// Why one exchange failed.
enum Failure {
    /// No valid answer in time; `saw_bytes` if something (garbage, half a
    /// frame) did arrive.
    Silent { saw_bytes: bool },
    /// The port failed and is now closed.
    PortDown,
}
