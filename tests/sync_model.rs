//! A property test of the sync worker against a model. Random runs of:
//! events appended, sync steps where the district fails before applying,
//! applies and then the answer is lost (a timeout after apply), answers for
//! part of the batch, rejects an event, or is unreachable; jumps of the
//! clock; and kiosk restarts (worker and store connection dropped, the
//! database reopened). Then the faults stop and the queue drains.
//!
//! The model is what the kiosk promised: every appended event ends up
//! either delivered (the district holds it once) or rejected (the district
//! does not hold it, staff see it); the district received events in `seq`
//! order at every step; nothing is sent before its back-off ends; nothing
//! stays pending. The district here is the in-process simulator behind a
//! scripted fault layer, so hundreds of runs take seconds.

use bookstation::demo::SimDistrict;
use bookstation::demo::seed::DEMO_KIOSK_ID;
use bookstation::district::{
    District, DistrictError, EventOutcome, EventResult, Health, Inventory, SubmittedEvent, SyncReport, SyncSettings,
    SyncWorker,
};
use bookstation::domain::{Credential, EventBody, ItemId, Timestamp};
use bookstation::store::{AsyncStore, OutboxState, Store};
use proptest::prelude::*;
use rand::SeedableRng;
use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

const K: &str = DEMO_KIOSK_ID;
const T0: Timestamp = Timestamp(1_795_914_000_000);

/// What the district does with the next batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// HTTP 500: nothing applied.
    FailBefore,
    /// Connection refused: nothing applied, and the kiosk is offline.
    Unreachable,
    /// Applied, then the answer never came (a timeout after apply).
    LoseAnswer,
    /// Only the first `n` events (at least one) applied and answered.
    Partial(usize),
    /// The first event the district has not seen is rejected.
    Reject,
}

#[derive(Debug, Clone)]
enum Op {
    Append(usize),
    Sync(Fault),
    /// Milliseconds of virtual time.
    Wait(i64),
    Restart,
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        3 => Just(Fault::None),
        1 => Just(Fault::FailBefore),
        1 => Just(Fault::Unreachable),
        2 => Just(Fault::LoseAnswer),
        2 => (0usize..4).prop_map(Fault::Partial),
        1 => Just(Fault::Reject),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1usize..6).prop_map(Op::Append),
        5 => fault().prop_map(Op::Sync),
        2 => (0i64..400_000).prop_map(Op::Wait),
        1 => Just(Op::Restart),
    ]
}

/// The simulator behind a fault that applies to the next `submit` only.
struct Scripted {
    sim: SimDistrict,
    next: Mutex<Fault>,
    /// Batches that reached the district (whatever happened to them).
    calls: AtomicUsize,
    /// Ids the district answered `rejected`.
    rejected: Mutex<HashSet<Uuid>>,
}

impl Scripted {
    fn set(&self, f: Fault) {
        *self.next.lock().unwrap() = f;
    }
}

#[async_trait::async_trait]
impl District for Scripted {
    async fn authenticate(
        &self,
        credential: &Credential,
        pin: Option<&bookstation::domain::Secret>,
    ) -> Result<bookstation::district::AuthAnswer, DistrictError> {
        self.sim.authenticate(credential, pin.map(|p| &**p)).await.map_err(DistrictError::from)
    }
    async fn inventory(&self) -> Result<Inventory, DistrictError> {
        self.sim.inventory().await.map_err(DistrictError::from)
    }
    async fn submit(&self, batch: &[SubmittedEvent]) -> Result<Vec<EventResult>, DistrictError> {
        let fault = std::mem::replace(&mut *self.next.lock().unwrap(), Fault::None);
        self.calls.fetch_add(1, Ordering::SeqCst);
        let results = match fault {
            Fault::None => self.sim.submit(batch).await?,
            Fault::FailBefore => return Err(DistrictError::Server("HTTP 500".into())),
            Fault::Unreachable => return Err(DistrictError::Unreachable("refused".into())),
            Fault::LoseAnswer => {
                self.sim.submit(batch).await?;
                return Err(DistrictError::Timeout);
            }
            Fault::Partial(n) => self.sim.submit(&batch[..n.clamp(1, batch.len())]).await?,
            Fault::Reject => {
                self.sim.set_reject_next(1);
                let r = self.sim.submit(batch).await?;
                self.sim.set_reject_next(0);
                r
            }
        };
        let mut rejected = self.rejected.lock().unwrap();
        for r in &results {
            if matches!(r.outcome, EventOutcome::Rejected { .. }) {
                rejected.insert(r.id);
            }
        }
        Ok(results)
    }
    async fn heartbeat(&self, health: &Health) -> Result<(), DistrictError> {
        self.sim.heartbeat(health).await.map_err(DistrictError::from)
    }
}

fn settings() -> SyncSettings {
    SyncSettings { batch_size: 4, call_timeout: Duration::from_secs(5), ..SyncSettings::new(K) }
}

fn open(path: &std::path::Path, district: &Arc<Scripted>, seed: u64) -> (AsyncStore, SyncWorker) {
    let store = AsyncStore::new(Store::open(path).unwrap()).unwrap();
    let d: Arc<dyn District> = district.clone();
    let worker = SyncWorker::with_rng(store.clone(), d, settings(), rand::rngs::StdRng::seed_from_u64(seed));
    (store, worker)
}

/// The district's arrival order is `seq` order, each id once.
fn assert_in_order(sim: &SimDistrict) -> Result<(), TestCaseError> {
    let state = sim.state();
    let seqs = state.seqs(K);
    prop_assert!(seqs.windows(2).all(|w| w[0] < w[1]), "arrival order {:?}", seqs);
    let ids: HashSet<_> = state.events.iter().map(|e| e.id).collect();
    prop_assert_eq!(ids.len(), state.events.len());
    Ok(())
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bookstation.db");
    let district = Arc::new(Scripted {
        sim: SimDistrict::demo(K),
        next: Mutex::new(Fault::None),
        calls: AtomicUsize::new(0),
        rejected: Mutex::new(HashSet::new()),
    });
    let (mut store, mut worker) = open(&path, &district, 0);
    let mut now = T0;
    let mut appended: Vec<Uuid> = Vec::new();
    let mut restarts = 0;
    for op in ops {
        match op {
            Op::Append(n) => {
                for i in 0..n {
                    let body = EventBody::Return {
                        item_id: ItemId::new(format!("MP{:04}", appended.len() % 43 + 1)),
                        library: None,
                    };
                    let at = now.plus_millis(i64::try_from(i).unwrap());
                    let e = store.call(move |s| s.append_event(&body, false, at)).await.unwrap().unwrap();
                    appended.push(e.id);
                }
            }
            Op::Sync(f) => {
                district.set(f);
                let calls_before = district.calls.load(Ordering::SeqCst);
                let report = worker.sync_once(now).await.unwrap();
                let called = district.calls.load(Ordering::SeqCst) > calls_before;
                match &report {
                    // Backing off or empty: nothing went out.
                    SyncReport::Idle { next_due } => {
                        prop_assert!(!called);
                        if let Some(at) = next_due {
                            prop_assert!(*at > now, "idle although due at {:?}", at);
                        }
                    }
                    SyncReport::Answered { .. } => prop_assert!(called),
                    SyncReport::Failed { retry_at, .. } => {
                        prop_assert!(called);
                        prop_assert!(*retry_at >= now.plus_millis(100));
                        prop_assert!(*retry_at <= now.plus_secs(300));
                    }
                }
                district.set(Fault::None);
            }
            Op::Wait(ms) => now = now.plus_millis(ms),
            Op::Restart => {
                drop((store, worker));
                restarts += 1;
                (store, worker) = open(&path, &district, restarts);
            }
        }
        assert_in_order(&district.sim)?;
    }

    // The network heals: everything drains, jumping to each retry time.
    let mut drained = false;
    for _ in 0..1_000 {
        match worker.sync_once(now).await.unwrap() {
            SyncReport::Idle { next_due: None } => {
                drained = true;
                break;
            }
            SyncReport::Idle { next_due: Some(at) } => now = at,
            SyncReport::Failed { error, .. } => prop_assert!(false, "failure without a fault: {error}"),
            SyncReport::Answered { .. } => {}
        }
    }
    prop_assert!(drained, "the queue never drained");
    assert_in_order(&district.sim)?;

    // The model: appended = delivered ∪ rejected, disjoint; the district
    // holds exactly the delivered ones; the kiosk agrees.
    let rejected = district.rejected.lock().unwrap().clone();
    let expected: Vec<Uuid> = appended.iter().copied().filter(|id| !rejected.contains(id)).collect();
    let held: Vec<Uuid> = district.sim.state().events.iter().map(|e| e.id).collect();
    prop_assert_eq!(&held, &expected);
    let events = store.call(|s| s.outbox(None, 10_000)).await.unwrap().unwrap();
    prop_assert_eq!(events.len(), appended.len());
    for e in &events {
        let want = if rejected.contains(&e.id) { OutboxState::Rejected } else { OutboxState::Acked };
        prop_assert_eq!(e.state, want, "seq {}", e.seq);
    }
    let acked: BTreeSet<_> = events.iter().filter(|e| e.state == OutboxState::Acked).map(|e| e.id).collect();
    prop_assert_eq!(acked, expected.into_iter().collect::<BTreeSet<_>>());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn sync_delivers_every_event_once_in_order(ops in proptest::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run(ops))?;
    }
}
