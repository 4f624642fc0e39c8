//! A property test of the lending limits against a model of the books each
//! patron really holds. Random runs of sign-ins (that borrow up to two
//! books), returns at the bin, outages, sync steps and jumps of the clock,
//! through the engine, the runner, a real store and the simulated world and
//! district; after every sign-in the kiosk's answer (`can_borrow`,
//! `loans_total`, `loans_here`, or the refusal) must be the model's.
//!
//! The model: each patron holds the district's loans they started with,
//! plus the books they took from a locker, minus the books returned into
//! the bin. Online, the allowance is `min(kiosk_limit − held here,
//! quota − held in all)`, refused when suspended or holding an overdue
//! book. Offline (`rules::offline_allowance`): only a patron the kiosk saw
//! online (with the PIN) within `seen_within_hours`, while the outage is
//! younger than `max_outage_hours`, and within the per-patron and
//! per-outage caps counted over the loans made offline since the outage
//! began (the runner notices an outage at the first sign-in that cannot
//! reach the district, and its end at the first that can). One thing the
//! offline kiosk cannot know: the cache holds counts, not which books
//! (invariant 5), so a book the district lent elsewhere or before (the
//! seed's loans) that comes back after the patron's last online sign-in
//! counts off only at the next one. The model says so too: offline, such
//! books count as the district listed them then (erring towards less).

mod common;

use bookstation::district::{District, SyncReport, SyncSettings, SyncWorker};
use bookstation::domain::Timestamp;
use common::*;
use proptest::prelude::*;
use rand::SeedableRng;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

const KIOSK_LIMIT: u64 = 2;
const QUOTA: u64 = 5;
const SEEN_WITHIN_HOURS: i64 = 2;
const MAX_OUTAGE_HOURS: i64 = 3;
const PER_PATRON: u64 = 2;
const PER_OUTAGE: u64 = 3;
const HOUR_MS: i64 = 3_600_000;
const BIN: u16 = 41;

/// The patrons of the run: (card, patron id, suspended).
const PATRONS: [(&str, &str, bool); 4] =
    [(GOOD, "1000001", false), (OVERDUE, "1000002", false), (SUSPENDED, "1000003", true), (AT_QUOTA, "1000005", false)];

#[derive(Debug, Clone)]
enum Op {
    /// Patron index, books to try to take.
    SignIn(usize, u64),
    /// Which held book (index into all held books, wrapping) comes back.
    Return(usize),
    /// The network up (`true`) or down.
    Network(bool),
    Sync,
    /// Minutes.
    Wait(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..PATRONS.len(), 0u64..3).prop_map(|(p, n)| Op::SignIn(p, n)),
        3 => (0usize..64).prop_map(Op::Return),
        2 => any::<bool>().prop_map(Op::Network),
        2 => Just(Op::Sync),
        2 => prop_oneof![0u64..30, 30u64..200].prop_map(Op::Wait),
    ]
}

/// What the kiosk should say after the PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Home { can_borrow: u64, loans_total: u64, loans_here: u64 },
    Refusal(RefusalReason),
}

#[derive(Debug, Default)]
struct Model {
    /// Patron id → the books they hold.
    held: BTreeMap<String, BTreeSet<String>>,
    /// Books overdue at the start (the district's today never moves here).
    overdue: BTreeSet<String>,
    /// Patron id → when the kiosk last saw them online with their PIN.
    seen_online: BTreeMap<String, Timestamp>,
    /// The runner's view of the district: `None` online, else the outage start.
    outage_started: Option<Timestamp>,
    /// Offline loans: (patron id, when).
    offline_loans: Vec<(String, Timestamp)>,
    /// The seed's loans, which this kiosk did not lend.
    seed_books: BTreeSet<String>,
    /// Seed loans the district still lists: returned ones leave once the
    /// return is synced.
    district_lists: BTreeMap<String, BTreeSet<String>>,
    /// Returned seed books whose return the district has not had yet.
    unsynced_returns: BTreeSet<String>,
    /// Patron id → `district_lists` at their last online sign-in.
    cached_lists: BTreeMap<String, BTreeSet<String>>,
}

impl Model {
    /// The books that count: online, those really held; offline, the ones
    /// this kiosk lent that are really held and the district's other loans
    /// as it listed them at the last online sign-in.
    fn counted(&self, patron: &str, offline: bool) -> BTreeSet<String> {
        let held = self.held.get(patron).cloned().unwrap_or_default();
        if !offline {
            return held;
        }
        let mut counted: BTreeSet<String> = held.difference(&self.seed_books).cloned().collect();
        counted.extend(self.cached_lists.get(patron).cloned().unwrap_or_default());
        counted
    }

    /// The sync delivered everything.
    fn synced(&mut self) {
        for books in self.district_lists.values_mut() {
            books.retain(|b| !self.unsynced_returns.contains(b));
        }
        self.unsynced_returns.clear();
    }

    /// `borrowing_allowance` over the books that count.
    fn allowance(&self, books: &BTreeSet<String>, suspended: bool) -> Result<u64, RefusalReason> {
        if suspended {
            return Err(RefusalReason::Suspended);
        }
        if books.iter().any(|b| self.overdue.contains(b)) {
            return Err(RefusalReason::OverdueItems);
        }
        let here = books.iter().filter(|b| b.starts_with("MP")).count() as u64;
        let quota_left = QUOTA.saturating_sub(books.len() as u64);
        let kiosk_left = KIOSK_LIMIT.saturating_sub(here);
        if quota_left == 0 {
            return Err(RefusalReason::DistrictQuotaReached);
        }
        if kiosk_left == 0 {
            return Err(RefusalReason::KioskLimitReached);
        }
        Ok(quota_left.min(kiosk_left))
    }

    fn answer(&self, patron: &str, suspended: bool, now: Timestamp) -> Answer {
        let books = self.counted(patron, self.outage_started.is_some());
        let home = |can_borrow| Answer::Home {
            can_borrow,
            loans_total: books.len() as u64,
            loans_here: books.iter().filter(|b| b.starts_with("MP")).count() as u64,
        };
        let refuse = Answer::Refusal;
        let Some(outage) = self.outage_started else {
            return match self.allowance(&books, suspended) {
                Ok(n) => home(n),
                Err(r) => refuse(r),
            };
        };
        let Some(seen) = self.seen_online.get(patron) else { return refuse(RefusalReason::OfflineNotEligible) };
        if now.since(*seen) > SEEN_WITHIN_HOURS * HOUR_MS || now.since(outage) > MAX_OUTAGE_HOURS * HOUR_MS {
            return refuse(RefusalReason::OfflineNotEligible);
        }
        let online = match self.allowance(&books, suspended) {
            Ok(n) => n,
            Err(r) => return refuse(r),
        };
        let this: u64 = self.offline_loans.iter().filter(|(p, t)| p == patron && *t >= outage).count() as u64;
        let all: u64 = self.offline_loans.iter().filter(|(_, t)| *t >= outage).count() as u64;
        let remaining = online.min(PER_PATRON.saturating_sub(this)).min(PER_OUTAGE.saturating_sub(all));
        if remaining == 0 { refuse(RefusalReason::OfflineNotEligible) } else { home(remaining) }
    }
}

/// One step while the network is down; with it up, until the outbox is
/// empty (a back-off from the outage is waited out). True when drained.
async fn sync(worker: &mut SyncWorker, mut now: Timestamp) -> bool {
    for _ in 0..100 {
        match worker.sync_once(now).await.expect("sync step") {
            SyncReport::Answered { .. } => {}
            SyncReport::Idle { next_due: Some(at) } => now = now.max(at),
            SyncReport::Idle { next_due: None } => return true,
            SyncReport::Failed { .. } => return false,
        }
    }
    panic!("the sync worker kept answering");
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut k = Kiosk::with_config(|c| {
        c.policy.kiosk_limit = u32::try_from(KIOSK_LIMIT).unwrap();
        c.policy.district_quota = u32::try_from(QUOTA).unwrap();
        c.offline.seen_within_hours = u32::try_from(SEEN_WITHIN_HOURS).unwrap();
        c.offline.max_outage_hours = u32::try_from(MAX_OUTAGE_HOURS).unwrap();
        c.offline.per_patron = u32::try_from(PER_PATRON).unwrap();
        c.offline.per_outage = u32::try_from(PER_OUTAGE).unwrap();
    })
    .await;
    let district: Arc<dyn District> =
        Arc::new(bookstation::district::SimNetwork::new(k.district.clone(), k.world.clone()));
    let mut worker = SyncWorker::with_rng(
        k.runner.deps().store.clone(),
        district,
        SyncSettings::new(k.config.kiosk.id.clone()),
        rand::rngs::StdRng::seed_from_u64(0),
    );
    let mut m = Model::default();
    for loan in k.district.state().loans {
        let (patron, book) = (loan.patron_id.as_str().to_owned(), loan.item_id.to_string());
        m.held.entry(patron.clone()).or_default().insert(book.clone());
        m.district_lists.entry(patron).or_default().insert(book.clone());
        m.seed_books.insert(book);
    }
    m.overdue.insert("MP0041".into());

    for (step, op) in ops.iter().enumerate() {
        let ctx = |k: &Kiosk| format!("step {step} {op:?}: {:?}", k.view());
        match *op {
            Op::SignIn(p, want) => {
                let (card, patron, suspended) = PATRONS[p];
                k.tap(card).await;
                prop_assert_eq!(k.screen(), Screen::Pin, "{}", ctx(&k));
                k.act(json!({"action": "pin", "pin": PIN})).await;
                let now = k.clock_now();
                // The runner asks the district: that tells it whether there is an outage.
                if k.world.network_up() {
                    m.outage_started = None;
                    m.seen_online.insert(patron.to_owned(), now);
                    m.cached_lists.insert(patron.to_owned(), m.district_lists.get(patron).cloned().unwrap_or_default());
                } else {
                    m.outage_started = m.outage_started.or(Some(now));
                }
                let expected = m.answer(patron, suspended, now);
                let v = k.view();
                let got = match (v.screen, v.patron, v.refusal) {
                    (Screen::Home, Some(p), _) => Answer::Home {
                        can_borrow: p.can_borrow.into(),
                        loans_total: p.loans_total.into(),
                        loans_here: p.loans_here.into(),
                    },
                    (Screen::Refusal, _, Some(r)) => Answer::Refusal(r.reason),
                    _ => return Err(TestCaseError::fail(format!("unexpected screen: {}", ctx(&k)))),
                };
                prop_assert_eq!(&got, &expected, "{}", ctx(&k));
                if let Answer::Home { can_borrow, .. } = got
                    && want > 0
                {
                    k.act(json!({"action": "browse"})).await;
                    let offered: Vec<String> =
                        k.offered_ids().into_iter().take(usize::try_from(want.min(can_borrow)).unwrap()).collect();
                    if !offered.is_empty() {
                        for item in &offered {
                            k.select(item).await;
                        }
                        k.act(json!({"action": "confirm"})).await;
                        k.act(json!({"action": "confirm"})).await;
                        for _ in 0..offered.len() {
                            prop_assert_eq!(k.screen(), Screen::Dispensing, "{}", ctx(&k));
                            let slot = k.dispensing().slot.0;
                            let book = k.world.take(slot).unwrap();
                            k.runner.poll_sensors().await;
                            k.close(slot).await;
                            m.held.entry(patron.to_owned()).or_default().insert(book);
                            if m.outage_started.is_some() {
                                m.offline_loans.push((patron.to_owned(), k.clock_now()));
                            }
                        }
                        prop_assert_eq!(k.screen(), Screen::Receipt, "{}", ctx(&k));
                    }
                }
                k.act(json!({"action": "logout"})).await;
            }
            Op::Return(n) => {
                let held: Vec<(String, String)> = m
                    .held
                    .iter()
                    .flat_map(|(p, books)| books.iter().filter(|b| b.starts_with("MP")).map(|b| (p.clone(), b.clone())))
                    .collect();
                if held.is_empty() {
                    continue;
                }
                let (patron, book) = held[n % held.len()].clone();
                k.scan(&book).await;
                prop_assert_eq!(k.return_step(), ReturnStep::InsertBook, "{}", ctx(&k));
                k.put(BIN, &book).await;
                k.close(BIN).await;
                prop_assert_eq!(k.notice(), Some(NoticeKey::Returned), "{}", ctx(&k));
                m.held.get_mut(&patron).unwrap().remove(&book);
                if m.seed_books.contains(&book) {
                    m.unsynced_returns.insert(book);
                }
                k.act(json!({"action": "logout"})).await;
            }
            Op::Network(up) => k.world.set_network(up),
            Op::Sync => {
                let drained = sync(&mut worker, k.clock_now()).await;
                // Down, only an empty outbox counts as drained.
                prop_assert!(drained || !k.world.network_up(), "{}", ctx(&k));
                if drained {
                    m.synced();
                }
            }
            Op::Wait(minutes) => k.advance(minutes * 60).await,
        }
        prop_assert_eq!(k.screen(), Screen::Attract, "{}", ctx(&k));
        // Each op happens at its own moment.
        k.advance(1).await;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn the_allowance_follows_the_books_held(ops in proptest::collection::vec(op(), 1..30)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run(ops))?;
    }
}
