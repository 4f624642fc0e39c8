//! Contactless membership cards through PC/SC (pcscd and any CCID reader,
//! e.g. ACS ACR122U / ACR1252U): a thread waits on pcscd's status-change
//! notification, reads each new card's UID with the PC/SC part 3 command
//! `FF CA 00 00 00` (GET DATA), and feeds [`CardEvent`]s to a channel, so
//! [`CardReader::next_event`] only receives and is cancel-safe.
//!
//! - One event per tap: a card left on the reader is read once; the next
//!   event for that reader is [`CardEvent::Removed`].
//! - Readers plugged in or out at run time are followed through the PnP
//!   notification reader and reported as [`CardEvent::ReaderAdded`] and
//!   [`CardEvent::ReaderRemoved`].
//! - When pcscd stops or restarts (`NoService`, `ServiceStopped`,
//!   `CommError`), the context is dropped and re-established with a backoff
//!   doubling from `backoff_min` to `backoff_max`; the readers are reported
//!   removed and, once pcscd is back, added again.
//! - A card that cannot be read (it refuses GET DATA, is not a contactless
//!   card, or leaves mid-read) produces no event and a log line saying why;
//!   [`PcscReader::health`] keeps the last such problem for `doctor` and
//!   tests. The reader itself carries on.
//!
//! No UID is ever logged or put in an error message.
//!
//! # What the hardware cannot promise
//!
//! A UID is what the card says it is: cheap cards can be cloned and some
//! phones present a random UID per tap. It identifies a card, it does not
//! authenticate a patron; the PIN does.

use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pcsc::{Context, Error as PcscError, PNP_NOTIFICATION, Protocols, ReaderState, Scope, ShareMode, State};
use tokio::sync::{mpsc, watch};

use crate::backoff::Backoff;
use crate::{CardEvent, CardReader, ErrorKind, HwError};

/// GET DATA, UID (PC/SC part 3, 3.2.2.1.3): answered by every PC/SC 2.01
/// contactless reader for ISO 14443 cards.
pub const GET_UID: [u8; 5] = [0xFF, 0xCA, 0x00, 0x00, 0x00];

/// Which readers to watch and how patient to be with pcscd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcscSettings {
    /// Only readers whose name contains this (case-insensitive), e.g.
    /// `"ACR122"`; `None` watches every reader. Kiosks with a second reader
    /// (a SAM slot, a staff desk reader) set it.
    pub reader_filter: Option<String>,
    /// First wait before re-establishing the context after pcscd went away.
    pub backoff_min: Duration,
    /// Longest wait between attempts.
    pub backoff_max: Duration,
    /// How long one wait for a status change lasts before the thread checks
    /// whether it should stop.
    pub wait: Duration,
}

impl Default for PcscSettings {
    fn default() -> Self {
        Self {
            reader_filter: None,
            backoff_min: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            wait: Duration::from_millis(500),
        }
    }
}

/// What the reader thread knows, for `doctor` and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReaderHealth {
    /// Whether pcscd answers right now.
    pub service_up: bool,
    /// The readers being watched.
    pub readers: Vec<String>,
    /// Times the context was (re-)established.
    pub connects: u32,
    /// The last card that could not be read, and why (no UID in it).
    pub last_problem: Option<String>,
}

/// The PC/SC card reader. Dropping it stops its thread.
pub struct PcscReader {
    events: mpsc::UnboundedReceiver<CardEvent>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for PcscReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscReader").field("health", &self.health()).finish_non_exhaustive()
    }
}

struct Shared {
    stop: AtomicBool,
    health: watch::Sender<ReaderHealth>,
    /// The current context, so `drop` can cancel a wait in progress.
    context: Mutex<Option<Context>>,
}

impl Shared {
    fn update(&self, f: impl FnOnce(&mut ReaderHealth)) {
        self.health.send_modify(f);
    }
}

impl PcscReader {
    /// Start watching. Never fails: pcscd not running yet is retried with
    /// backoff, and shows in [`health`](Self::health).
    pub fn start(settings: PcscSettings) -> Result<Self, HwError> {
        let (tx, events) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            health: watch::Sender::new(ReaderHealth::default()),
            context: Mutex::new(None),
        });
        let s = shared.clone();
        std::thread::Builder::new()
            .name("pcsc reader".into())
            .spawn(move || Watcher { settings, shared: s, tx, readers: Vec::new() }.run())
            .map_err(|e| HwError::new(ErrorKind::Other, format!("cannot start the card reader thread: {e}")))?;
        Ok(Self { events, shared })
    }

    /// What the thread knows right now.
    pub fn health(&self) -> ReaderHealth {
        self.shared.health.borrow().clone()
    }

    /// Follow the health as it changes (tests wait on it instead of
    /// sleeping).
    pub fn watch_health(&self) -> watch::Receiver<ReaderHealth> {
        self.shared.health.subscribe()
    }
}

impl Drop for PcscReader {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(ctx) = self.shared.context.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            let _ = ctx.cancel();
        }
    }
}

#[async_trait::async_trait]
impl CardReader for PcscReader {
    async fn next_event(&mut self) -> Result<CardEvent, HwError> {
        self.events
            .recv()
            .await
            .ok_or_else(|| HwError::new(ErrorKind::Disconnected, "PC/SC card reader: its thread has stopped"))
    }

    fn announces_readers(&self) -> bool {
        true
    }
}

/// One watched reader.
struct Watched {
    name: CString,
    /// Whether a card was on it at the last change, so a card left there is
    /// not read twice.
    card: bool,
}

struct Watcher {
    settings: PcscSettings,
    shared: Arc<Shared>,
    tx: mpsc::UnboundedSender<CardEvent>,
    readers: Vec<Watched>,
}

/// How a session with pcscd ended.
enum End {
    /// Asked to stop, or nobody listens to the events any more.
    Stop,
    /// pcscd went away or failed: reconnect after the backoff.
    Lost(String),
}

impl Watcher {
    fn stopping(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst) || self.tx.is_closed()
    }

    fn run(mut self) {
        let mut backoff = Backoff::new(self.settings.backoff_min, self.settings.backoff_max);
        while !self.stopping() {
            let ctx = match Context::establish(Scope::User) {
                Ok(ctx) => ctx,
                Err(e) => {
                    self.shared.update(|h| h.service_up = false);
                    tracing::debug!(error = %e, "pcscd not reachable; retrying");
                    self.sleep(backoff.next_delay());
                    continue;
                }
            };
            *self.shared.context.lock().unwrap_or_else(|e| e.into_inner()) = Some(ctx.clone());
            self.shared.update(|h| {
                h.service_up = true;
                h.connects += 1;
            });
            tracing::info!("connected to pcscd");
            let end = self.session(&ctx);
            *self.shared.context.lock().unwrap_or_else(|e| e.into_inner()) = None;
            self.drop_readers();
            self.shared.update(|h| h.service_up = false);
            match end {
                End::Stop => break,
                End::Lost(why) => {
                    tracing::warn!(reason = %why, "lost pcscd; reconnecting");
                    // A session that ran is a fresh start for the backoff.
                    backoff.reset();
                    self.sleep(backoff.current());
                }
            }
        }
    }

    /// Sleep in short steps so a stop request is seen quickly.
    fn sleep(&self, total: Duration) {
        let step = Duration::from_millis(20);
        let mut left = total;
        while !left.is_zero() && !self.stopping() {
            let d = left.min(step);
            std::thread::sleep(d);
            left -= d;
        }
    }

    fn wanted(&self, name: &CString) -> bool {
        match &self.settings.reader_filter {
            None => true,
            Some(f) => name.to_string_lossy().to_lowercase().contains(&f.to_lowercase()),
        }
    }

    /// Bring the reader list up to date, reporting readers that came and went.
    fn refresh_readers(&mut self, ctx: &Context) -> Result<(), PcscError> {
        let now: Vec<CString> = match ctx.list_readers_owned() {
            Ok(r) => r.into_iter().filter(|n| self.wanted(n)).collect(),
            Err(PcscError::NoReadersAvailable) => Vec::new(),
            Err(e) => return Err(e),
        };
        let gone: Vec<CString> =
            self.readers.iter().filter(|w| !now.contains(&w.name)).map(|w| w.name.clone()).collect();
        for name in gone {
            self.readers.retain(|w| w.name != name);
            self.send(CardEvent::ReaderRemoved { name: name.to_string_lossy().into_owned() });
        }
        for name in now {
            if !self.readers.iter().any(|w| w.name == name) {
                self.send(CardEvent::ReaderAdded { name: name.to_string_lossy().into_owned() });
                self.readers.push(Watched { name, card: false });
            }
        }
        let names = self.readers.iter().map(|w| w.name.to_string_lossy().into_owned()).collect();
        self.shared.update(|h| h.readers = names);
        Ok(())
    }

    fn drop_readers(&mut self) {
        for w in std::mem::take(&mut self.readers) {
            self.send(CardEvent::ReaderRemoved { name: w.name.to_string_lossy().into_owned() });
        }
        self.shared.update(|h| h.readers.clear());
    }

    fn send(&self, event: CardEvent) {
        tracing::debug!(event = ?event, "card reader");
        let _ = self.tx.send(event);
    }

    fn session(&mut self, ctx: &Context) -> End {
        if let Err(e) = self.refresh_readers(ctx) {
            return End::Lost(format!("listing readers: {e}"));
        }
        let mut states = self.states();
        loop {
            if self.stopping() {
                return End::Stop;
            }
            match ctx.get_status_change(Some(self.settings.wait), &mut states) {
                Ok(()) => {}
                Err(PcscError::Timeout) => continue,
                Err(PcscError::Cancelled) => return End::Stop,
                Err(e @ (PcscError::NoService | PcscError::ServiceStopped | PcscError::CommError)) => {
                    return End::Lost(e.to_string());
                }
                Err(PcscError::UnknownReader | PcscError::ReaderUnavailable) => {
                    if let Err(e) = self.refresh_readers(ctx) {
                        return End::Lost(format!("listing readers: {e}"));
                    }
                    states = self.states();
                    continue;
                }
                Err(e) => return End::Lost(e.to_string()),
            }
            let mut list_changed = false;
            for st in &mut states {
                let ev = st.event_state();
                if !ev.contains(State::CHANGED) {
                    continue;
                }
                st.sync_current_state();
                if st.name() == PNP_NOTIFICATION() {
                    list_changed = true;
                    continue;
                }
                if ev.intersects(State::UNKNOWN | State::UNAVAILABLE | State::IGNORE) {
                    list_changed = true;
                    continue;
                }
                let Some(i) = self.readers.iter().position(|w| w.name.as_c_str() == st.name()) else { continue };
                let present = ev.contains(State::PRESENT);
                if present && !self.readers[i].card {
                    self.readers[i].card = true;
                    let name = self.readers[i].name.clone();
                    if ev.contains(State::MUTE) {
                        self.problem("a card was presented that does not answer (mute card or bad contact)");
                    } else {
                        self.read_card(ctx, &name);
                    }
                } else if !present && self.readers[i].card {
                    self.readers[i].card = false;
                    self.send(CardEvent::Removed);
                }
            }
            if list_changed {
                if let Err(e) = self.refresh_readers(ctx) {
                    return End::Lost(format!("listing readers: {e}"));
                }
                states = self.states();
            }
        }
    }

    /// The states to wait on: the PnP notification and every reader, with
    /// what we already know so pcscd reports only changes.
    fn states(&self) -> Vec<ReaderState> {
        let mut v = vec![ReaderState::new(PNP_NOTIFICATION(), State::UNAWARE)];
        v.extend(self.readers.iter().map(|w| ReaderState::new(w.name.clone(), State::UNAWARE)));
        v
    }

    /// Read the UID of the card just placed on `reader`.
    fn read_card(&self, ctx: &Context, reader: &CString) {
        match read_uid(ctx, reader) {
            Ok(uid) => self.send(CardEvent::Tapped { uid }),
            Err(why) => self.problem(&why),
        }
    }

    fn problem(&self, why: &str) {
        tracing::warn!(problem = %why, "card not read");
        self.shared.update(|h| h.last_problem = Some(why.to_owned()));
    }
}

/// For `doctor`: whether pcscd answers, and the names of the readers that
/// match `filter` (an empty list is not an error here; the caller judges).
pub fn probe(filter: Option<&str>) -> Result<Vec<String>, HwError> {
    let ctx = Context::establish(Scope::User).map_err(|e| {
        HwError::new(ErrorKind::NotResponding, format!("pcscd is not reachable ({e}); is the pcscd service running?"))
    })?;
    let readers = match ctx.list_readers_owned() {
        Ok(r) => r,
        Err(PcscError::NoReadersAvailable) => Vec::new(),
        Err(e) => return Err(HwError::new(ErrorKind::Other, format!("pcscd cannot list its readers: {e}"))),
    };
    Ok(readers
        .into_iter()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| filter.is_none_or(|f| n.to_lowercase().contains(&f.to_lowercase())))
        .collect())
}

/// The card's UID as upper-case hex, or why it could not be had.
fn read_uid(ctx: &Context, reader: &CString) -> Result<String, String> {
    let card =
        ctx.connect(reader, ShareMode::Shared, Protocols::ANY).map_err(|e| format!("cannot talk to the card: {e}"))?;
    let mut buf = [0u8; 258];
    let answer = card.transmit(&GET_UID, &mut buf).map_err(|e| format!("the card did not answer GET DATA: {e}"))?;
    uid_from_answer(answer)
}

/// The UID from a GET DATA answer (`UID… 90 00`), or why not.
pub fn uid_from_answer(answer: &[u8]) -> Result<String, String> {
    match answer {
        [uid @ .., 0x90, 0x00] if !uid.is_empty() && uid.len() <= 10 => {
            Ok(uid.iter().map(|b| format!("{b:02X}")).collect())
        }
        [_uid @ .., 0x90, 0x00] => Err(format!("the card gave a UID of {} bytes; 1 to 10 expected", answer.len() - 2)),
        [.., sw1, sw2] => Err(format!(
            "the card refused GET DATA (status {sw1:02X}{sw2:02X}): not a contactless card this reader can identify"
        )),
        _ => Err("the card gave an empty answer to GET DATA".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_answers() {
        assert_eq!(uid_from_answer(&[0x04, 0xA1, 0xB2, 0x90, 0x00]).unwrap(), "04A1B2");
        let e = uid_from_answer(&[0x6A, 0x81]).unwrap_err();
        assert!(e.contains("6A81"), "{e}");
        assert!(uid_from_answer(&[0x90, 0x00]).is_err());
        assert!(uid_from_answer(&[]).is_err());
        let long = [[0u8; 11].as_slice(), &[0x90, 0x00]].concat();
        assert!(uid_from_answer(&long).is_err());
    }
}
