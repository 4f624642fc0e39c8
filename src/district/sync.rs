//! The sync worker: the one sender of the outbox to the district.
//!
//! Each step ([`SyncWorker::sync_once`]) takes the due events in `seq`
//! order (at most `batch_size`, never past an event that is backing off, so
//! a newer event never overtakes an older one), submits them, and records
//! the answer in one local transaction: delivered events (applied,
//! duplicate or flagged) leave the queue, rejected ones are kept as
//! `rejected` for staff and do not hold up the rest, and events a partial
//! answer left out stay due at once. A failed batch backs off with full
//! jitter, `random(0, min(retry_max, retry_min × 2^attempts))` (at least
//! 100 ms), or for as long as the server's `Retry-After` asks; the time is
//! kept in the database (`next_attempt_at`), so a restarted kiosk goes on
//! waiting rather than hammering a server that is down.
//!
//! Delivery is at least once; the district counts each event id once, so
//! a batch that was applied but whose answer was lost is simply sent again
//! and answered `duplicate`. Nothing here reads the clock: `now` is an
//! argument, so tests drive the worker step by step on a virtual clock, and
//! [`SyncWorker::run`] is a thin loop around the steps.
//!
//! The worker also sends the heartbeat ([`SyncWorker::heartbeat_once`]),
//! drops patron ids from events acknowledged long enough ago (invariant 5),
//! and publishes whether the district answered, for the engine's
//! online/offline state ([`SyncWorker::reachability`]).

use super::{District, DistrictError, EventOutcome, Health, SubmittedEvent};
use crate::domain::Timestamp;
use crate::domain::{EventBody, ItemId, Secret};
use crate::domain::{Fault, health};
use crate::store::{AsyncStore, Delivered, OutboxEvent, Store, StoreError};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, broadcast, watch};

/// The book a loan or hold pickup lent.
fn lent_item(body: &EventBody) -> Option<&ItemId> {
    match body {
        EventBody::Loan { item_id, .. } | EventBody::HoldPickup { item_id, .. } => Some(item_id),
        _ => None,
    }
}

/// A due date from the district, kept only when it is a real `YYYY-MM-DD`
/// day (anything else is logged and the kiosk's date stands).
fn valid_date(text: &str) -> Option<String> {
    match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(day) => Some(day.format("%Y-%m-%d").to_string()),
        Err(_) => {
            tracing::warn!("the district answered a loan with an unreadable due date; the kiosk's date stands");
            None
        }
    }
}

/// The shortest back-off, whatever the jitter drew: no tight retry loop.
const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait a `Retry-After` can ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// How the worker behaves; from `[district]` in the config.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// Goes into every event and the heartbeat.
    pub kiosk_id: String,
    /// Events per batch, 1 to [`super::api::MAX_BATCH`].
    pub batch_size: usize,
    /// The back-off after a first failure is drawn from `0..retry_min`.
    pub retry_min: Duration,
    /// The back-off never exceeds this, however many failures.
    pub retry_max: Duration,
    /// Upper bound on one district call.
    pub call_timeout: Duration,
    /// How often to look for new events when nothing wakes the worker.
    pub poll_every: Duration,
    /// How often the heartbeat goes out.
    pub heartbeat_every: Duration,
    /// Acknowledged events lose the patron id after this long; `None` keeps it.
    pub patron_retention: Option<Duration>,
    /// Cached patrons not seen online for this long are forgotten: too
    /// stale for the offline policy, so keeping them only keeps personal data.
    pub patron_cache_for: Option<Duration>,
    /// The daemon's version, for the heartbeat.
    pub version: String,
}

impl SyncSettings {
    /// Defaults for `kiosk_id`: batches of 100, back-off 1 s to 5 min,
    /// 5 s calls, a look every 5 s, a heartbeat a minute, 30 days' retention.
    pub fn new(kiosk_id: impl Into<String>) -> Self {
        Self {
            kiosk_id: kiosk_id.into(),
            batch_size: super::api::MAX_BATCH,
            retry_min: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
            call_timeout: Duration::from_secs(5),
            poll_every: Duration::from_secs(5),
            heartbeat_every: Duration::from_secs(60),
            patron_retention: Some(Duration::from_secs(30 * 86_400)),
            patron_cache_for: Some(Duration::from_secs(24 * 3_600)),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncReport {
    /// Nothing was due. `next_due` is when the oldest pending event may go
    /// (`None`: the queue is empty).
    Idle { next_due: Option<Timestamp> },
    /// A batch was answered; more may be due at once.
    Answered {
        /// Events sent.
        sent: usize,
        /// Applied, duplicate or flagged: they left the queue.
        delivered: usize,
        /// Refused for good: kept as `rejected` for staff.
        rejected: usize,
        /// Left out of a partial answer: still pending, due now.
        unanswered: usize,
    },
    /// The batch failed; its events wait until `retry_at`.
    Failed { sent: usize, error: DistrictError, retry_at: Timestamp },
}

/// A loan or hold pickup the district took, with the due date it holds:
/// the library's word, which the engine puts on the receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDateConfirmed {
    pub item_id: ItemId,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    /// The library's words for the patron about the loan (may name them).
    pub message: Option<Secret>,
}

/// The one sender of the outbox. See the module documentation.
pub struct SyncWorker {
    store: AsyncStore,
    district: Arc<dyn District>,
    settings: SyncSettings,
    /// Draws the back-off jitter; seedable for tests.
    rng: StdRng,
    /// Whether the district answered the last call (`None` before any).
    reachable: watch::Sender<Option<bool>>,
    /// The engine's and the devices' open faults, for the heartbeat.
    faults: watch::Receiver<Vec<Fault>>,
    /// Due dates the district answered loans with, once recorded.
    due_dates: broadcast::Sender<DueDateConfirmed>,
}

impl SyncWorker {
    pub fn new(store: AsyncStore, district: Arc<dyn District>, settings: SyncSettings) -> Self {
        Self::with_rng(store, district, settings, StdRng::from_os_rng())
    }

    /// With a given random source, so a test's back-off is reproducible.
    pub fn with_rng(store: AsyncStore, district: Arc<dyn District>, settings: SyncSettings, rng: StdRng) -> Self {
        let (reachable, _) = watch::channel(None);
        let (_, faults) = watch::channel(Vec::new());
        let (due_dates, _) = broadcast::channel(64);
        Self { store, district, settings, rng, reachable, faults, due_dates }
    }

    /// The due dates the district gives the loans it takes, each sent
    /// once it is recorded in the store.
    pub fn due_dates(&self) -> broadcast::Receiver<DueDateConfirmed> {
        self.due_dates.subscribe()
    }

    /// Where the heartbeat reads the engine's and the devices' faults.
    pub fn set_faults(&mut self, faults: watch::Receiver<Vec<Fault>>) {
        self.faults = faults;
    }

    /// Whether the district answered the worker's last call: `Some(false)`
    /// after a refused connection or a timeout, `Some(true)` after any
    /// answer the kiosk could read.
    pub fn reachability(&self) -> watch::Receiver<Option<bool>> {
        self.reachable.subscribe()
    }

    pub fn settings(&self) -> &SyncSettings {
        &self.settings
    }

    /// Send at most one batch. See the module documentation.
    pub async fn sync_once(&mut self, now: Timestamp) -> Result<SyncReport, StoreError> {
        let limit = self.settings.batch_size.clamp(1, super::api::MAX_BATCH);
        let batch = db(&self.store, move |s| s.due_batch(now, limit)).await?;
        if batch.is_empty() {
            let next_due = db(&self.store, move |s| s.next_attempt_at(now)).await?;
            return Ok(SyncReport::Idle { next_due });
        }
        let events: Vec<SubmittedEvent> = batch.iter().map(|e| self.submitted(e)).collect();
        let call = self.district.submit(&events);
        let answer =
            tokio::time::timeout(self.settings.call_timeout, call).await.unwrap_or(Err(DistrictError::Timeout));
        let answer = answer.and_then(|results| {
            if results.is_empty() {
                Err(DistrictError::BadAnswer("no result for any event of the batch".into()))
            } else {
                Ok(results)
            }
        });
        crate::crash_point!("district_answered");
        self.note(&answer);
        match answer {
            Ok(results) => {
                let mut delivered = Vec::new();
                let mut rejected = Vec::new();
                let mut confirmed = Vec::new();
                for result in results {
                    let Some(sent) = batch.iter().find(|e| e.id == result.id) else {
                        tracing::warn!(event = %result.id, "district answered for an event not in the batch; ignored");
                        continue;
                    };
                    let due_date = lent_item(&sent.body).and(result.due_date).and_then(|d| valid_date(&d));
                    let send_to = match (&sent.body, result.send_to) {
                        (EventBody::Return { item_id, .. }, Some(to)) if !to.trim().is_empty() => {
                            Some((item_id.clone(), to))
                        }
                        _ => None,
                    };
                    if let (Some(item_id), Some(due_date)) = (lent_item(&sent.body), &due_date)
                        && result.outcome.is_delivered()
                    {
                        let message = result.message.clone().map(Secret::from);
                        confirmed.push(DueDateConfirmed {
                            item_id: item_id.clone(),
                            due_date: due_date.clone(),
                            message,
                        });
                    }
                    match result.outcome {
                        EventOutcome::Applied | EventOutcome::Duplicate => {
                            delivered.push(Delivered { id: result.id, flag: None, due_date, send_to })
                        }
                        EventOutcome::Flagged { reason } => {
                            // Delivered; the reason stays in the outbox for staff
                            // (a reused seq says the kiosk's history went back).
                            tracing::info!(event = %result.id, %reason, "district flagged an event");
                            delivered.push(Delivered { id: result.id, flag: Some(reason), due_date, send_to });
                        }
                        EventOutcome::Rejected { reason } => {
                            tracing::warn!(event = %result.id, %reason, "district rejected an event; kept for staff");
                            rejected.push((result.id, reason));
                        }
                    }
                }
                let (d, r) = (delivered.len(), rejected.len());
                db(&self.store, move |s| s.record_delivery(&delivered, &rejected)).await?;
                for due in confirmed {
                    // Nobody listening (no engine, as in some tests) is fine.
                    let _ = self.due_dates.send(due);
                }
                let unanswered = batch.len().saturating_sub(d + r);
                tracing::debug!(sent = batch.len(), delivered = d, rejected = r, unanswered, "batch answered");
                Ok(SyncReport::Answered { sent: batch.len(), delivered: d, rejected: r, unanswered })
            }
            Err(error) => {
                let attempts = batch[0].attempts.saturating_add(1);
                let wait = match error.retry_after() {
                    Some(asked) => asked.min(MAX_RETRY_AFTER),
                    None => self.backoff(attempts),
                };
                let retry_at = now.plus_millis(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
                let ids: Vec<_> = batch.iter().map(|e| e.id).collect();
                let message = error.to_string();
                tracing::warn!(error = %message, events = ids.len(), attempts, wait_ms = wait.as_millis(), "sync failed; backing off");
                db(&self.store, move |s| s.mark_failed(&ids, &message, retry_at)).await?;
                Ok(SyncReport::Failed { sent: batch.len(), error, retry_at })
            }
        }
    }

    /// Tell the district how the kiosk is; also scrubs old patron ids and
    /// forgets stale cached patrons.
    pub async fn heartbeat_once(&mut self, now: Timestamp) -> Result<Result<(), DistrictError>, StoreError> {
        let kiosk_id = self.settings.kiosk_id.clone();
        let version = self.settings.version.clone();
        let (retention, cache_for) = (self.settings.patron_retention, self.settings.patron_cache_for);
        let faults = self.faults.borrow().clone();
        let ago = move |d: Duration| now.plus_millis(-i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let health = db(&self.store, move |s| {
            if let Some(keep) = retention {
                s.scrub_patron_identity(ago(keep))?;
            }
            if let Some(keep) = cache_for {
                s.prune_patron_cache(ago(keep))?;
            }
            health_report(s, kiosk_id, version, faults, now)
        })
        .await?;
        let call = self.district.heartbeat(&health);
        let result =
            tokio::time::timeout(self.settings.call_timeout, call).await.unwrap_or(Err(DistrictError::Timeout));
        self.note(&result);
        if let Err(e) = &result {
            tracing::warn!(error = %e, "heartbeat failed");
        }
        Ok(result)
    }

    /// Run until `shutdown`: a step, then sleep until something may be due,
    /// the next heartbeat, or `wake` ("sync now", which also forgets the
    /// back-off). `now` is the clock.
    pub async fn run(
        mut self,
        now: impl Fn() -> Timestamp + Send,
        wake: Arc<Notify>,
        shutdown: impl Future<Output = ()> + Send,
    ) {
        tokio::pin!(shutdown);
        let mut next_heartbeat = now();
        let poll = millis(self.settings.poll_every).max(10);
        loop {
            let t = now();
            if t >= next_heartbeat {
                if let Err(e) = self.heartbeat_once(t).await {
                    tracing::error!(error = %e, "store failed while building the heartbeat");
                }
                next_heartbeat = t.plus_millis(millis(self.settings.heartbeat_every).max(1000));
            }
            let wait_ms = match self.sync_once(t).await {
                Ok(SyncReport::Answered { .. }) => 0,
                Ok(SyncReport::Idle { next_due }) => next_due.map_or(poll, |d| d.since(t).clamp(10, poll)),
                Ok(SyncReport::Failed { retry_at, .. }) => retry_at.since(t).max(10),
                Err(e) => {
                    tracing::error!(error = %e, "store failed during sync");
                    poll
                }
            };
            let wait_ms = wait_ms.min(next_heartbeat.since(t));
            if wait_ms == 0 {
                // Yield between batches, and still notice a shutdown.
                tokio::select! {
                    biased;
                    () = &mut shutdown => break,
                    () = tokio::task::yield_now() => {},
                }
                continue;
            }
            let sleep = tokio::time::sleep(Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0)));
            tokio::select! {
                () = &mut shutdown => break,
                () = sleep => {},
                () = wake.notified() => {
                    match db(&self.store, |s| s.retry_now(false)).await {
                        Ok((due, _)) => tracing::info!(made_due = due, "sync now"),
                        Err(e) => tracing::error!(error = %e, "store failed on sync now"),
                    }
                }
            }
        }
        tracing::info!("sync worker stopped");
    }

    fn submitted(&self, e: &OutboxEvent) -> SubmittedEvent {
        SubmittedEvent {
            id: e.id,
            seq: e.seq,
            kiosk_id: self.settings.kiosk_id.clone(),
            offline: e.offline,
            created_at: e.created_at,
            body: e.body.clone(),
        }
    }

    /// Full jitter: uniform in `0..=min(retry_max, retry_min × 2^(attempts-1))`,
    /// at least [`MIN_BACKOFF`].
    fn backoff(&mut self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(30);
        let ceiling = self.settings.retry_min.saturating_mul(1 << doublings).min(self.settings.retry_max);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(self.rng.random_range(0..=ceiling_ms)).max(MIN_BACKOFF)
    }

    fn note<T>(&self, result: &Result<T, DistrictError>) {
        let reachable = match result {
            Ok(_) => Some(true),
            Err(e) if e.is_offline() => Some(false),
            // The server answered, badly: says nothing about the network.
            Err(_) => None,
        };
        if let Some(r) = reachable {
            self.reachable.send_if_modified(|old| {
                let changed = *old != Some(r);
                *old = Some(r);
                changed
            });
        }
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The kiosk's health: the faults the engine and the devices report, plus
/// the outbox's (queue depth, oldest pending age, rejected events) from the
/// store. The heartbeat and `bookstation status` both show this.
pub fn health_report(
    s: &mut Store,
    kiosk_id: String,
    version: String,
    mut faults: Vec<Fault>,
    now: Timestamp,
) -> Result<Health, StoreError> {
    let stats = s.outbox_stats()?;
    let oldest_pending_age_secs = stats.oldest_pending_at.map(|at| u64::try_from(now.since(at) / 1000).unwrap_or(0));
    faults.extend(health::outbox_faults(oldest_pending_age_secs, stats.rejected));
    Ok(Health {
        kiosk_id,
        queue_depth: stats.pending,
        oldest_pending_age_secs,
        faults: health::normalise(faults),
        version,
        last_seq: Some(stats.last_seq),
    })
}

async fn db<T: Send + 'static>(
    store: &AsyncStore,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    store.call(f).await?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{DEMO_KIOSK_ID, SimDistrict};
    use crate::domain::{EventBody, ItemId};

    const T0: Timestamp = Timestamp(1_795_914_000_000);

    async fn setup(events: usize) -> (SyncWorker, SimDistrict, AsyncStore) {
        let mut store = Store::open_in_memory().unwrap();
        for i in 0..events {
            let body = EventBody::Return { item_id: ItemId::new(format!("MP{:04}", i + 1)), library: None };
            store.append_event(&body, false, T0.plus_millis(i as i64)).unwrap();
        }
        let store = AsyncStore::new(store).unwrap();
        let sim = SimDistrict::demo(DEMO_KIOSK_ID);
        let mut settings = SyncSettings::new(DEMO_KIOSK_ID);
        settings.batch_size = 3;
        let worker = SyncWorker::with_rng(store.clone(), Arc::new(sim.clone()), settings, StdRng::seed_from_u64(1));
        (worker, sim, store)
    }

    #[tokio::test]
    async fn batches_go_in_seq_order_until_the_queue_is_empty() {
        let (mut w, sim, store) = setup(7).await;
        let mut sent = Vec::new();
        for _ in 0..10 {
            match w.sync_once(T0).await.unwrap() {
                SyncReport::Answered { sent: n, delivered, .. } => {
                    assert_eq!(n, delivered);
                    sent.push(n);
                }
                SyncReport::Idle { next_due } => {
                    assert_eq!(next_due, None);
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(sent, vec![3, 3, 1]);
        assert_eq!(sim.state().seqs(DEMO_KIOSK_ID), (1..=7).collect::<Vec<_>>());
        assert_eq!(store.call(|s| s.outbox_stats()).await.unwrap().unwrap().pending, 0);
    }

    #[tokio::test]
    async fn a_failure_backs_off_with_growing_jitter_and_keeps_it_in_the_store() {
        let (mut w, sim, store) = setup(2).await;
        sim.set_reachable(false);
        let mut reach = w.reachability();
        let mut now = T0;
        let mut waits = Vec::new();
        for _ in 0..8 {
            match w.sync_once(now).await.unwrap() {
                SyncReport::Failed { retry_at, error, .. } => {
                    assert!(error.is_offline());
                    // Nothing goes out before retry_at.
                    if retry_at.since(now) > 1 {
                        assert!(
                            matches!(w.sync_once(now.plus_millis(1)).await.unwrap(), SyncReport::Idle { next_due: Some(d) } if d == retry_at)
                        );
                    }
                    waits.push(retry_at.since(now));
                    now = retry_at;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(*reach.borrow_and_update(), Some(false));
        // Each wait is within its full-jitter window.
        for (i, wait) in waits.iter().enumerate() {
            let ceiling = (1000_i64 << i).min(300_000);
            assert!((100..=ceiling.max(100)).contains(wait), "attempt {}: {wait} ms", i + 1);
        }
        let events = store.call(|s| s.outbox(None, 10)).await.unwrap().unwrap();
        assert!(events.iter().all(|e| e.attempts == 8 && e.next_attempt_at == Some(now)));
        sim.set_reachable(true);
        assert!(matches!(w.sync_once(now).await.unwrap(), SyncReport::Answered { delivered: 2, .. }));
        assert_eq!(*reach.borrow_and_update(), Some(true));
    }

    #[tokio::test]
    async fn a_rejected_event_is_kept_for_staff_and_the_rest_goes_on() {
        let (mut w, sim, store) = setup(3).await;
        sim.set_reject_next(1);
        let r = w.sync_once(T0).await.unwrap();
        assert_eq!(r, SyncReport::Answered { sent: 3, delivered: 2, rejected: 1, unanswered: 0 });
        let rejected = store.call(|s| s.outbox(Some(crate::store::OutboxState::Rejected), 10)).await.unwrap().unwrap();
        assert_eq!(rejected.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1]);
        assert_eq!(rejected[0].last_error.as_deref(), Some("simulated rejection"));
        assert_eq!(w.sync_once(T0).await.unwrap(), SyncReport::Idle { next_due: None });
        // Staff send it again.
        assert_eq!(store.call(|s| s.retry_now(true)).await.unwrap().unwrap(), (0, 1));
        assert!(matches!(w.sync_once(T0).await.unwrap(), SyncReport::Answered { delivered: 1, .. }));
        assert_eq!(sim.state().seqs(DEMO_KIOSK_ID), vec![2, 3, 1]);
    }

    #[tokio::test]
    async fn the_heartbeat_reports_the_queue() {
        let (mut w, sim, _store) = setup(2).await;
        w.heartbeat_once(T0.plus_secs(90)).await.unwrap().unwrap();
        let hb = sim.state().last_heartbeat.unwrap();
        assert_eq!((hb.queue_depth, hb.oldest_pending_age_secs), (2, Some(90)));
        assert_eq!(hb.kiosk_id, DEMO_KIOSK_ID);
        assert!(hb.faults.is_empty(), "{:?}", hb.faults);
    }

    #[tokio::test]
    async fn the_heartbeat_carries_the_last_seq() {
        let (mut w, sim, _store) = setup(2).await;
        w.heartbeat_once(T0).await.unwrap().unwrap();
        let hb = serde_json::to_value(sim.state().last_heartbeat.unwrap()).unwrap();
        assert_eq!(hb["last_seq"], 2, "{hb}");
    }

    #[tokio::test]
    async fn the_heartbeat_carries_device_faults_and_an_old_backlog() {
        use crate::domain::FaultCode;
        let (mut w, sim, _store) = setup(1).await;
        let (tx, rx) = watch::channel(vec![Fault::new(FaultCode::DoorLeftOpen, Some(4))]);
        w.set_faults(rx);
        let later = T0.plus_secs(health::BACKLOG_FAULT_AFTER_SECS + 60);
        w.heartbeat_once(later).await.unwrap().unwrap();
        let codes: Vec<_> = sim.state().last_heartbeat.unwrap().faults.iter().map(|f| (f.code, f.slot)).collect();
        assert_eq!(codes, [(FaultCode::DoorLeftOpen, Some(4)), (FaultCode::OutboxBacklog, None)]);
        // The door was shut and the event delivered: the next heartbeat is clean.
        tx.send_replace(Vec::new());
        w.sync_once(later).await.unwrap();
        w.heartbeat_once(later).await.unwrap().unwrap();
        assert!(sim.state().last_heartbeat.unwrap().faults.is_empty());
    }
}
