//! Barcode and QR scanners: a serial (CDC-ACM) scanner that sends one line
//! per scan, and a USB keyboard-wedge scanner read through evdev with the
//! device grabbed, so its keystrokes never reach a console or the UI.
//!
//! Each runs a thread that feeds decoded scans to a channel;
//! [`Scanner::next_scan`] only receives, so it is cancel-safe. A device that
//! goes away is reopened with backoff; the scanner handle stays alive
//! meanwhile and simply yields nothing. Scanned text is never logged: it may
//! be a patron's membership QR code.
//!
//! The decoding is pure and tested on its own: [`LineSplitter`] for serial
//! bytes, [`KeyDecoder`] for key events (a US keyboard layout, which is what
//! scanners emulate by default; configure the scanner for it).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use evdev::{EventSummary, KeyCode};
use tokio::sync::mpsc;

use crate::backoff::Backoff;
use crate::{ErrorKind, HwError, Scanner};

/// Longest scan kept; a line longer than this is noise (or a stuck key)
/// and is dropped.
pub const MAX_SCAN: usize = 4096;

/// Splits a serial byte stream into scans at CR or LF, dropping blank lines.
#[derive(Debug, Default)]
pub struct LineSplitter {
    line: Vec<u8>,
    overflow: bool,
}

impl LineSplitter {
    /// Feed bytes; returns the scans they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == b'\r' || b == b'\n' {
                let line = std::mem::take(&mut self.line);
                if !std::mem::take(&mut self.overflow) {
                    let text = String::from_utf8_lossy(&line).trim().to_owned();
                    if !text.is_empty() {
                        out.push(text);
                    }
                }
            } else if self.line.len() < MAX_SCAN {
                self.line.push(b);
            } else {
                self.overflow = true;
            }
        }
        out
    }
}

/// Turns key events from a keyboard-wedge scanner into text, one scan per
/// Enter, with Shift and a US layout.
#[derive(Debug, Default)]
pub struct KeyDecoder {
    shift: bool,
    line: String,
}

impl KeyDecoder {
    /// One key event (`value` 1 = press, 0 = release, 2 = repeat); returns a
    /// scan when Enter completes one.
    pub fn key(&mut self, code: KeyCode, value: i32) -> Option<String> {
        if code == KeyCode::KEY_LEFTSHIFT || code == KeyCode::KEY_RIGHTSHIFT {
            self.shift = value != 0;
            return None;
        }
        if value != 1 {
            return None;
        }
        if code == KeyCode::KEY_ENTER || code == KeyCode::KEY_KPENTER {
            let text = std::mem::take(&mut self.line);
            let text = text.trim();
            return (!text.is_empty()).then(|| text.to_owned());
        }
        if let Some(c) = us_char(code, self.shift)
            && self.line.len() < MAX_SCAN
        {
            self.line.push(c);
        }
        None
    }
}

/// The character a US keyboard types for `code`.
fn us_char(code: KeyCode, shift: bool) -> Option<char> {
    const LETTERS: [(KeyCode, char); 26] = [
        (KeyCode::KEY_A, 'a'),
        (KeyCode::KEY_B, 'b'),
        (KeyCode::KEY_C, 'c'),
        (KeyCode::KEY_D, 'd'),
        (KeyCode::KEY_E, 'e'),
        (KeyCode::KEY_F, 'f'),
        (KeyCode::KEY_G, 'g'),
        (KeyCode::KEY_H, 'h'),
        (KeyCode::KEY_I, 'i'),
        (KeyCode::KEY_J, 'j'),
        (KeyCode::KEY_K, 'k'),
        (KeyCode::KEY_L, 'l'),
        (KeyCode::KEY_M, 'm'),
        (KeyCode::KEY_N, 'n'),
        (KeyCode::KEY_O, 'o'),
        (KeyCode::KEY_P, 'p'),
        (KeyCode::KEY_Q, 'q'),
        (KeyCode::KEY_R, 'r'),
        (KeyCode::KEY_S, 's'),
        (KeyCode::KEY_T, 't'),
        (KeyCode::KEY_U, 'u'),
        (KeyCode::KEY_V, 'v'),
        (KeyCode::KEY_W, 'w'),
        (KeyCode::KEY_X, 'x'),
        (KeyCode::KEY_Y, 'y'),
        (KeyCode::KEY_Z, 'z'),
    ];
    // (key, plain, shifted)
    const OTHERS: [(KeyCode, char, char); 21] = [
        (KeyCode::KEY_1, '1', '!'),
        (KeyCode::KEY_2, '2', '@'),
        (KeyCode::KEY_3, '3', '#'),
        (KeyCode::KEY_4, '4', '$'),
        (KeyCode::KEY_5, '5', '%'),
        (KeyCode::KEY_6, '6', '^'),
        (KeyCode::KEY_7, '7', '&'),
        (KeyCode::KEY_8, '8', '*'),
        (KeyCode::KEY_9, '9', '('),
        (KeyCode::KEY_0, '0', ')'),
        (KeyCode::KEY_MINUS, '-', '_'),
        (KeyCode::KEY_EQUAL, '=', '+'),
        (KeyCode::KEY_LEFTBRACE, '[', '{'),
        (KeyCode::KEY_RIGHTBRACE, ']', '}'),
        (KeyCode::KEY_SEMICOLON, ';', ':'),
        (KeyCode::KEY_APOSTROPHE, '\'', '"'),
        (KeyCode::KEY_COMMA, ',', '<'),
        (KeyCode::KEY_DOT, '.', '>'),
        (KeyCode::KEY_SLASH, '/', '?'),
        (KeyCode::KEY_BACKSLASH, '\\', '|'),
        (KeyCode::KEY_SPACE, ' ', ' '),
    ];
    if let Some((_, c)) = LETTERS.iter().find(|(k, _)| *k == code) {
        return Some(if shift { c.to_ascii_uppercase() } else { *c });
    }
    OTHERS.iter().find(|(k, _, _)| *k == code).map(|(_, plain, shifted)| if shift { *shifted } else { *plain })
}

/// A scanner fed by a thread; dropping it stops the thread.
pub struct ThreadScanner {
    scans: mpsc::UnboundedReceiver<String>,
    stop: Arc<AtomicBool>,
    /// The device is open now (false while unplugged and being retried).
    connected: Arc<AtomicBool>,
    what: String,
}

impl std::fmt::Debug for ThreadScanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadScanner").field("device", &self.what).finish_non_exhaustive()
    }
}

impl Drop for ThreadScanner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl Scanner for ThreadScanner {
    async fn next_scan(&mut self) -> Result<String, HwError> {
        self.scans
            .recv()
            .await
            .ok_or_else(|| HwError::new(ErrorKind::Disconnected, format!("{}: its thread has stopped", self.what)))
    }

    fn connected(&self) -> bool {
        self.connected.load(Ordering::SeqCst)
    }
}

/// Reopen delays for a scanner that went away.
const BACKOFF_MIN: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

fn spawn(
    what: String,
    body: impl FnOnce(Arc<AtomicBool>, mpsc::UnboundedSender<String>, Arc<AtomicBool>) + Send + 'static,
) -> Result<ThreadScanner, HwError> {
    let (tx, scans) = mpsc::unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    let connected = Arc::new(AtomicBool::new(false));
    let (s, c) = (stop.clone(), connected.clone());
    std::thread::Builder::new()
        .name(what.clone())
        .spawn(move || body(s, tx, c))
        .map_err(|e| HwError::new(ErrorKind::Other, format!("{what}: cannot start its thread: {e}")))?;
    Ok(ThreadScanner { scans, stop, connected, what })
}

/// Keep trying `session` (open the device, set `connected`, read until it
/// fails) with backoff between failures, until stopped. Warns when the
/// scanner goes away (or is not there at first), not at every retry.
fn reopen_loop(
    what: &str,
    stop: &AtomicBool,
    tx: &mpsc::UnboundedSender<String>,
    connected: &AtomicBool,
    mut session: impl FnMut() -> String,
) {
    let mut backoff = Backoff::new(BACKOFF_MIN, BACKOFF_MAX);
    let mut first = true;
    while !stop.load(Ordering::SeqCst) && !tx.is_closed() {
        let why = session();
        let was_up = connected.swap(false, Ordering::SeqCst);
        if was_up || first {
            tracing::warn!(device = what, reason = %why, "scanner unavailable; retrying");
        } else {
            tracing::debug!(device = what, reason = %why, "scanner still unavailable");
        }
        if was_up {
            backoff.reset();
        }
        first = false;
        let mut left = backoff.next_delay();
        while !left.is_zero() && !stop.load(Ordering::SeqCst) {
            let d = left.min(Duration::from_millis(50));
            std::thread::sleep(d);
            left -= d;
        }
    }
}

/// A serial (CDC-ACM or RS-232) scanner sending one line per scan.
pub fn serial_scanner(path: PathBuf, baud: u32) -> Result<ThreadScanner, HwError> {
    let what = format!("scanner {}", path.display());
    let name = what.clone();
    spawn(what, move |stop, tx, connected| {
        reopen_loop(&name, &stop, &tx, &connected, || {
            let mut port =
                match serialport::new(path.to_string_lossy(), baud).timeout(Duration::from_millis(200)).open() {
                    Ok(p) => p,
                    Err(e) => return format!("cannot open: {e}"),
                };
            connected.store(true, Ordering::SeqCst);
            let mut lines = LineSplitter::default();
            let mut buf = [0u8; 256];
            loop {
                if stop.load(Ordering::SeqCst) || tx.is_closed() {
                    return "stopped".into();
                }
                match port.read(&mut buf) {
                    Ok(0) => return "the device closed".into(),
                    Ok(n) => {
                        for scan in lines.feed(&buf[..n]) {
                            let _ = tx.send(scan);
                        }
                    }
                    Err(e) if matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted) => {}
                    Err(e) => return format!("read failed: {e}"),
                }
            }
        });
    })
}

/// A keyboard-wedge scanner's evdev device (`/dev/input/by-id/…-event-kbd`),
/// grabbed for this process alone.
pub fn evdev_scanner(path: PathBuf) -> Result<ThreadScanner, HwError> {
    let what = format!("scanner {}", path.display());
    let name = what.clone();
    spawn(what, move |stop, tx, connected| {
        reopen_loop(&name, &stop, &tx, &connected, || {
            let mut dev = match evdev::Device::open(&path) {
                Ok(d) => d,
                Err(e) => return format!("cannot open: {e}"),
            };
            if let Err(e) = dev.grab() {
                return format!("cannot grab it (another program holds it?): {e}");
            }
            connected.store(true, Ordering::SeqCst);
            let mut keys = KeyDecoder::default();
            loop {
                if tx.is_closed() {
                    return "stopped".into();
                }
                // Blocks until the scanner types; a stop request is seen at
                // the next scan or when the device goes away.
                let events = match dev.fetch_events() {
                    Ok(ev) => ev,
                    Err(e) => return format!("read failed: {e}"),
                };
                for ev in events {
                    if let EventSummary::Key(_, code, value) = ev.destructure()
                        && let Some(scan) = keys.key(code, value)
                    {
                        let _ = tx.send(scan);
                    }
                }
                if stop.load(Ordering::SeqCst) {
                    return "stopped".into();
                }
            }
        });
    })
}

use std::io::Read as _;

/// For `doctor`: open a serial scanner's port and close it again.
pub fn probe_serial(path: &std::path::Path, baud: u32) -> Result<(), HwError> {
    serialport::new(path.to_string_lossy(), baud)
        .open()
        .map(drop)
        .map_err(|e| HwError::new(ErrorKind::NotResponding, format!("scanner port {}: {e}", path.display())))
}

/// For `doctor`: open a keyboard-wedge scanner's event device; returns the
/// name the device gives itself.
pub fn probe_evdev(path: &std::path::Path) -> Result<String, HwError> {
    evdev::Device::open(path)
        .map(|d| d.name().unwrap_or("unnamed input device").to_owned())
        .map_err(|e| HwError::new(ErrorKind::NotResponding, format!("scanner device {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_on_cr_or_lf_and_blank_lines_vanish() {
        let mut s = LineSplitter::default();
        assert_eq!(s.feed(b"97801404"), Vec::<String>::new());
        assert_eq!(s.feed(b"49136\r\n\r\nMAPO-MEMBER:1000001\n"), vec!["9780140449136", "MAPO-MEMBER:1000001"]);
        assert_eq!(s.feed(b"  \r"), Vec::<String>::new());
    }

    #[test]
    fn an_overlong_line_is_dropped_and_the_next_one_kept() {
        let mut s = LineSplitter::default();
        assert!(s.feed(&vec![b'x'; MAX_SCAN + 10]).is_empty());
        assert_eq!(s.feed(b"\nOK\n"), vec!["OK"]);
    }

    fn type_text(d: &mut KeyDecoder, keys: &[(KeyCode, bool)]) -> Option<String> {
        let mut out = None;
        for (k, shifted) in keys {
            if *shifted {
                d.key(KeyCode::KEY_LEFTSHIFT, 1);
            }
            out = d.key(*k, 1).or(out);
            d.key(*k, 0);
            if *shifted {
                d.key(KeyCode::KEY_LEFTSHIFT, 0);
            }
        }
        out
    }

    #[test]
    fn wedge_keys_make_a_qr_code() {
        use KeyCode as K;
        let mut d = KeyDecoder::default();
        // "MAPO-MEMBER:10" then Enter.
        let keys = [
            (K::KEY_M, true),
            (K::KEY_A, true),
            (K::KEY_P, true),
            (K::KEY_O, true),
            (K::KEY_MINUS, false),
            (K::KEY_M, true),
            (K::KEY_E, true),
            (K::KEY_M, true),
            (K::KEY_B, true),
            (K::KEY_E, true),
            (K::KEY_R, true),
            (K::KEY_SEMICOLON, true),
            (K::KEY_1, false),
            (K::KEY_0, false),
            (K::KEY_ENTER, false),
        ];
        assert_eq!(type_text(&mut d, &keys).as_deref(), Some("MAPO-MEMBER:10"));
        // Key repeats and unknown keys add nothing; Enter alone is no scan.
        assert_eq!(d.key(K::KEY_A, 2), None);
        assert_eq!(d.key(K::KEY_F1, 1), None);
        assert_eq!(d.key(K::KEY_KPENTER, 1), None);
        assert_eq!(type_text(&mut d, &[(K::KEY_X, false), (K::KEY_KPENTER, false)]).as_deref(), Some("x"));
    }
}
