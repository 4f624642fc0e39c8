//! Soak: a busy subway-station day on the virtual clock. Patrons borrow and
//! return, forget PINs (now and then enough to be locked out), walk away
//! from an open locker, meet jammed doors, browse and leave; the district
//! drops off for minutes to hours; staff come by to unload the bin, free
//! jammed doors and restock the lockers. The sync worker is stepped on the
//! same clock after every session, and its reachability reaches the engine
//! as in the daemon. At the end the network is up, the outbox drains, and
//! the invariants must hold: every event once at the district, seqs without
//! gaps, every book in exactly one place (a locker whose sensor sees it,
//! the bin, the staff's trolley, or on loan to exactly the patron who took
//! it), no lost return, an intact database, the attract screen; and the
//! memory, database and WAL sizes stay under bounds.
//!
//! `SOAK_SESSIONS` (default 150, two simulated hours) sizes the run; `make
//! soak` runs 2,000 over 24 hours. `SOAK_SEED` picks the random run (printed
//! at the start, so a failure reproduces).

// A benchmark's figures are its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;

use bookstation::demo::SimDistrict;
use bookstation::demo::seed::{self, SeedPatron};
use bookstation::district::{District, SyncReport, SyncSettings, SyncWorker};
use bookstation::domain::{PatronId, Standing, Timestamp};
use bookstation::engine::Input;
use bookstation::store::OutboxState;
use common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

/// Sessions in the default (short) run.
const SHORT_SESSIONS: u64 = 150;
/// Simulated seconds per session: 2,000 sessions make 24 hours.
const SECS_PER_SESSION: u64 = 43;
/// Patrons besides the demo's five.
const EXTRA_PATRONS: u32 = 400;
const BIN: u16 = 41;

/// What the run did, for the figures table and the end checks.
#[derive(Debug, Default)]
struct Figures {
    sessions: u64,
    loans: u64,
    returns: u64,
    restocks: u64,
    outages: u64,
    walk_aways: u64,
    jams: u64,
    wrong_pins: u64,
    lock_outs: u64,
    refusals: BTreeMap<String, u64>,
    staff_visits: u64,
    offline_sign_ins: u64,
    /// VmRSS in KiB after each tenth of the sessions: flat means no leak.
    rss_kib: Vec<u64>,
}

struct Patron {
    card: String,
    id: String,
}

struct Soak {
    k: Kiosk,
    sync: SyncWorker,
    rng: StdRng,
    patrons: Vec<Patron>,
    /// Who holds each of this kiosk's books that is out: the test's own
    /// record of which book left which locker into whose hands.
    holders: BTreeMap<String, String>,
    /// Books staff took out of the bin and have not restocked yet.
    trolley: Vec<String>,
    /// Outages as (start, end) on the virtual clock.
    outages: Vec<(Timestamp, Timestamp)>,
    /// What the sync worker last told the engine.
    reachable: Option<bool>,
    figures: Figures,
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| v.parse().unwrap_or_else(|e| panic!("{name}={v}: {e}")))
}

/// The demo world plus `EXTRA_PATRONS` patrons in good standing with no loans.
fn busy_district(kiosk_id: &str) -> SimDistrict {
    let mut seed = seed::demo();
    for n in 0..EXTRA_PATRONS {
        seed.patrons.push(SeedPatron {
            patron_id: PatronId(format!("2{n:06}")),
            card_uid: format!("05{n:012X}"),
            member_number: format!("2{n:06}"),
            pin: PIN.to_owned(),
            standing: Standing::Good,
            suspended_until: None,
            extra_overdue: 0,
        });
    }
    SimDistrict::new(kiosk_id, seed)
}

/// Non-overlapping outages of 5 minutes to 3 hours, 15 minutes to 3 hours apart.
fn outage_plan(rng: &mut StdRng, start: Timestamp, secs: u64) -> Vec<(Timestamp, Timestamp)> {
    let mut plan = Vec::new();
    let mut t = start;
    loop {
        t = t.plus_secs(rng.random_range(15 * 60..3 * 3600));
        let length =
            if rng.random_bool(0.7) { rng.random_range(5 * 60..45 * 60) } else { rng.random_range(3600..3 * 3600) };
        if t.since(start) > i64::try_from(secs * 1000).unwrap() {
            return plan;
        }
        plan.push((t, t.plus_secs(length)));
        t = t.plus_secs(length);
    }
}

impl Soak {
    async fn new(seed: u64, secs: u64) -> Self {
        let k = Kiosk::with_district(|_| {}, busy_district).await;
        let district: Arc<dyn District> =
            Arc::new(bookstation::district::SimNetwork::new(k.district.clone(), k.world.clone()));
        let sync = SyncWorker::with_rng(
            k.runner.deps().store.clone(),
            district,
            SyncSettings::new(k.config.kiosk.id.clone()),
            StdRng::seed_from_u64(seed ^ 0x5eed),
        );
        let mut rng = StdRng::seed_from_u64(seed);
        let outages = outage_plan(&mut rng, T0, secs);
        let mut patrons: Vec<Patron> =
            (0..EXTRA_PATRONS).map(|n| Patron { card: format!("05{n:012X}"), id: format!("2{n:06}") }).collect();
        patrons.push(Patron { card: GOOD.into(), id: "1000001".into() });
        patrons.push(Patron { card: HOLDER.into(), id: "1000004".into() });
        let catalogue: BTreeSet<String> =
            k.district.inventory().await.unwrap().items.iter().map(|i| i.id.to_string()).collect();
        let holders = k
            .district
            .state()
            .loans
            .iter()
            .filter(|l| catalogue.contains(l.item_id.as_str()))
            .map(|l| (l.item_id.to_string(), l.patron_id.as_str().to_owned()))
            .collect();
        Self {
            k,
            sync,
            rng,
            patrons,
            holders,
            trolley: Vec::new(),
            outages,
            reachable: None,
            figures: Figures::default(),
        }
    }

    fn ctx(&self) -> String {
        format!("session {} at {:?}: {:?}", self.figures.sessions, self.k.clock_now(), self.k.view())
    }

    /// The network as the outage plan says for now.
    fn follow_plan(&mut self) {
        let now = self.k.clock_now();
        let down = self.outages.iter().any(|(a, b)| *a <= now && now < *b);
        if down == self.k.world.network_up() {
            self.k.world.set_network(!down);
            if down {
                self.figures.outages += 1;
            }
        }
    }

    /// Jump the clock to `at`, following the outage plan on the way and
    /// stepping the sync worker at every change of the network.
    async fn wait_until(&mut self, at: Timestamp) {
        let mut edges: Vec<Timestamp> =
            self.outages.iter().flat_map(|(a, b)| [*a, *b]).filter(|t| *t > self.k.clock_now() && *t <= at).collect();
        edges.push(at);
        for edge in edges {
            let secs = u64::try_from(edge.since(self.k.clock_now()) / 1000).unwrap_or(0);
            self.k.advance(secs).await;
            self.follow_plan();
            self.sync().await;
        }
    }

    /// Step the sync worker until nothing more is due now; tell the engine
    /// whether the district answered, as the daemon does.
    async fn sync(&mut self) {
        for _ in 0..100 {
            let now = self.k.clock_now();
            let report = self.sync.sync_once(now).await.expect("sync step");
            let reachable = match &report {
                SyncReport::Idle { .. } => None,
                SyncReport::Answered { .. } => Some(true),
                SyncReport::Failed { error, .. } => Some(!error.is_offline()),
            };
            if let Some(r) = reachable
                && self.reachable != Some(r)
            {
                self.reachable = Some(r);
                self.k.runner.feed(Input::Connectivity { online: r }).await;
            }
            if !matches!(report, SyncReport::Answered { .. }) {
                return;
            }
        }
        panic!("the sync worker kept answering: {}", self.ctx());
    }

    /// Leave the kiosk on the attract screen, as a patron walking off does
    /// once the receipt has timed out.
    async fn leave(&mut self) {
        if self.k.screen() != Screen::Attract {
            self.k.act(json!({"action": "logout"})).await;
        }
        assert_eq!(self.k.screen(), Screen::Attract, "{}", self.ctx());
    }

    fn count_refusal(&mut self) {
        let reason = self.k.refusal().map_or("", RefusalReason::code);
        *self.figures.refusals.entry(reason.to_owned()).or_default() += 1;
    }

    /// Tap, PIN (with `wrong` wrong ones first); true when on the home screen.
    async fn sign_in(&mut self, card: &str, wrong: u32) -> bool {
        self.k.tap(card).await;
        if self.k.screen() == Screen::Refusal {
            self.count_refusal();
            return false;
        }
        assert_eq!(self.k.screen(), Screen::Pin, "{}", self.ctx());
        for _ in 0..wrong {
            self.k.act(json!({"action": "pin", "pin": "0000"})).await;
            self.figures.wrong_pins += 1;
            if self.k.screen() != Screen::Pin {
                if self.k.refusal() == Some(RefusalReason::PinLocked) {
                    self.figures.lock_outs += 1;
                }
                self.count_refusal();
                return false;
            }
            // An offline kiosk without the patron's verifier cannot tell.
            if self.k.notice() != Some(NoticeKey::WrongPin) {
                return false;
            }
        }
        self.k.act(json!({"action": "pin", "pin": PIN})).await;
        match self.k.screen() {
            Screen::Home => {
                if self.k.patron().offline {
                    self.figures.offline_sign_ins += 1;
                }
                true
            }
            Screen::Refusal => {
                self.count_refusal();
                false
            }
            other => panic!("after the PIN, {other:?}: {}", self.ctx()),
        }
    }

    /// Dispense what the engine opens; a walk-away takes nothing and the
    /// doors time out. `patron` gets what comes out.
    async fn dispense(&mut self, patron: &str, walk_away: bool) {
        for _ in 0..10 {
            if self.k.screen() != Screen::Dispensing {
                break;
            }
            let dispensing = self.k.dispensing();
            let slot = dispensing.slot.0;
            if walk_away {
                self.k.advance(61).await;
                continue;
            }
            assert_eq!(dispensing.step, DispenseStep::TakeBook, "{}", self.ctx());
            let book = self.k.world.take(slot).expect("take");
            self.k.runner.poll_sensors().await;
            self.k.close(slot).await;
            assert!(self.holders.insert(book, patron.to_owned()).is_none(), "a book lent twice: {}", self.ctx());
            self.figures.loans += 1;
        }
        assert_ne!(self.k.screen(), Screen::Dispensing, "{}", self.ctx());
        if walk_away {
            self.figures.walk_aways += 1;
            // The next passer-by pushes the doors shut.
            for s in self.k.world.snapshot().slots.into_iter().filter(|s| s.door_open) {
                self.k.close(s.slot).await;
            }
        }
    }

    async fn borrow(&mut self, wrong: u32, walk_away: bool, jam: bool) {
        let p = self.rng.random_range(0..self.patrons.len());
        let (card, patron) = (self.patrons[p].card.clone(), self.patrons[p].id.clone());
        if !self.sign_in(&card, wrong).await {
            return self.leave().await;
        }
        let signed_in = self.k.patron();
        if !signed_in.ready_holds.is_empty() {
            self.k.act(json!({"action": "pickup_holds"})).await;
            self.k.act(json!({"action": "confirm"})).await;
            self.dispense(&patron, walk_away).await;
            return self.leave().await;
        }
        let can = u64::from(signed_in.can_borrow);
        if can == 0 {
            return self.leave().await;
        }
        self.k.act(json!({"action": "browse"})).await;
        let mut offered = self.k.offered_ids();
        if offered.is_empty() {
            return self.leave().await;
        }
        let want = self.rng.random_range(1..=can.min(2));
        let mut picks = Vec::new();
        if jam {
            // The book behind a door that will not open.
            let pick = offered.swap_remove(self.rng.random_range(0..offered.len()));
            let slot = self.k.runner.deps().store.call({
                let pick = pick.clone();
                move |s| s.slot_of(&bookstation::domain::ItemId::new(pick))
            });
            let slot = slot.await.unwrap().unwrap().expect("an offered book has a locker");
            self.k.world.jam(slot.0, true).unwrap();
            self.figures.jams += 1;
            picks.push(pick);
        }
        while picks.len() < usize::try_from(want).unwrap() && !offered.is_empty() {
            picks.push(offered.swap_remove(self.rng.random_range(0..offered.len())));
        }
        for pick in &picks {
            self.k.select(pick).await;
        }
        assert_eq!(self.k.view().selected.len(), picks.len(), "{}", self.ctx());
        self.k.act(json!({"action": "confirm"})).await;
        assert_eq!(self.k.screen(), Screen::Confirm, "{}", self.ctx());
        self.k.act(json!({"action": "confirm"})).await;
        self.dispense(&patron, walk_away).await;
        self.leave().await;
    }

    async fn give_back(&mut self) {
        if self.holders.is_empty() {
            return;
        }
        let n = self.rng.random_range(0..self.holders.len());
        let book = self.holders.keys().nth(n).unwrap().clone();
        self.k.scan(&book).await;
        if self.k.notice() == Some(NoticeKey::Refusal(RefusalReason::ReturnBinFull)) {
            *self.figures.refusals.entry("return_bin_full".into()).or_default() += 1;
            return self.leave().await;
        }
        assert_eq!(self.k.return_step(), ReturnStep::InsertBook, "{}", self.ctx());
        self.k.put(BIN, &book).await;
        self.k.close(BIN).await;
        assert_eq!(self.k.notice(), Some(NoticeKey::Returned), "{}", self.ctx());
        self.holders.remove(&book);
        self.figures.returns += 1;
        self.leave().await;
    }

    /// Sign in, look around, walk off: the inactivity timeout ends it.
    async fn browse_and_leave(&mut self) {
        let p = self.rng.random_range(0..self.patrons.len());
        let card = self.patrons[p].card.clone();
        if self.sign_in(&card, 0).await {
            self.k.act(json!({"action": "browse"})).await;
            self.k.advance(61).await;
        }
        self.leave().await;
    }

    /// Someone the kiosk must turn away: overdue, suspended, at quota, or a
    /// card it does not know.
    async fn turned_away(&mut self) {
        let card = [OVERDUE, SUSPENDED, AT_QUOTA, "0499999999999999"][self.rng.random_range(0..4)];
        if self.sign_in(card, 0).await {
            // Overdue or at quota no more: they returned books today.
            self.k.act(json!({"action": "logout"})).await;
        }
        self.leave().await;
    }

    /// Staff unload the bin, free jammed doors, restock empty lockers.
    async fn staff_visit(&mut self) {
        self.figures.staff_visits += 1;
        self.k.staff_login().await;
        if self.k.staff().bin_count > 0 {
            self.k.act(json!({"action": "unload_bin"})).await;
            assert_eq!(self.k.staff_task(), StaffStep::Unload, "{}", self.ctx());
            self.trolley.extend(self.k.world.empty_bin().unwrap());
            self.k.close(BIN).await;
            assert_eq!(self.k.staff_task(), StaffStep::Menu, "{}", self.ctx());
        }
        let slots = self.k.runner.deps().store.call(|s| s.slots()).await.unwrap().unwrap();
        for s in self.k.world.snapshot().slots.iter().filter(|s| s.jammed) {
            self.k.world.jam(s.slot, false).unwrap();
        }
        for s in slots.iter().filter(|s| s.fault.is_some()) {
            self.k.act(json!({"action": "clear_fault", "slot": s.no.0})).await;
        }
        let slots = self.k.runner.deps().store.call(|s| s.slots()).await.unwrap().unwrap();
        for s in slots.iter().filter(|s| s.no.0 != BIN && s.item.is_none() && s.fault.is_none()) {
            let Some(book) = self.trolley.pop() else { break };
            self.k.act(json!({"action": "restock", "slot": s.no.0})).await;
            assert_eq!(self.k.staff_task(), StaffStep::RestockScan, "{}", self.ctx());
            self.k.scan(&book).await;
            assert_eq!(self.k.staff_task(), StaffStep::RestockClose, "{}", self.ctx());
            self.k.put(s.no.0, &book).await;
            self.k.close(s.no.0).await;
            assert_eq!(self.k.notice(), Some(NoticeKey::Restocked), "{}", self.ctx());
            self.figures.restocks += 1;
        }
        self.k.act(json!({"action": "logout"})).await;
        assert_eq!(self.k.screen(), Screen::Attract, "{}", self.ctx());
    }

    async fn session(&mut self) {
        self.figures.sessions += 1;
        assert_eq!(self.k.screen(), Screen::Attract, "{}", self.ctx());
        match self.rng.random_range(0..100) {
            0..50 => self.borrow(0, false, false).await,
            50..82 => self.give_back().await,
            82..87 => self.borrow(1, false, false).await,
            87 => self.borrow(3, false, false).await,
            88..91 => self.borrow(0, true, false).await,
            91..93 => self.borrow(0, false, true).await,
            93..96 => self.browse_and_leave().await,
            _ => self.turned_away().await,
        }
    }

    async fn staff_due(&self) -> bool {
        let slots = self.k.runner.deps().store.call(|s| s.slots()).await.unwrap().unwrap();
        let empty = slots.iter().filter(|s| s.no.0 != BIN && s.item.is_none()).count();
        let bin = self.k.world.snapshot().slots.iter().find(|s| s.slot == BIN).map_or(0, |s| s.bin_items.len());
        bin >= 20 || (empty >= 12 && bin + self.trolley.len() >= 6) || slots.iter().any(|s| s.fault.is_some())
    }
}

fn vm_hwm_kib() -> u64 {
    proc_status_kib("VmHWM:")
}

/// A `kB` line of /proc/self/status; 0 where there is none.
fn proc_status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn file_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

#[tokio::test]
async fn a_busy_day() {
    let sessions = env_u64("SOAK_SESSIONS").unwrap_or(SHORT_SESSIONS);
    let seed = env_u64("SOAK_SEED").unwrap_or_else(rand::random);
    println!("soak: {sessions} sessions, SOAK_SEED={seed}");
    let started = Instant::now();
    let secs = sessions * SECS_PER_SESSION;
    let mut s = Soak::new(seed, secs).await;
    s.follow_plan();
    for i in 0..sessions {
        s.wait_until(T0.plus_secs((i + 1) * SECS_PER_SESSION)).await;
        s.session().await;
        s.sync().await;
        if s.staff_due().await {
            s.staff_visit().await;
        }
        if (i + 1) % (sessions / 10).max(1) == 0 {
            s.figures.rss_kib.push(proc_status_kib("VmRSS:"));
        }
        if i % 20 == 0 {
            let _ = s.sync.heartbeat_once(s.k.clock_now()).await.expect("heartbeat");
        }
    }

    // The network comes back for good; the worker drains the outbox,
    // jumping to each retry time.
    s.outages.clear();
    s.follow_plan();
    let mut drained = false;
    for _ in 0..1000 {
        match s.sync.sync_once(s.k.clock_now()).await.expect("sync step") {
            SyncReport::Idle { next_due: None } => {
                drained = true;
                break;
            }
            SyncReport::Idle { next_due: Some(at) } => {
                let wait = u64::try_from(at.since(s.k.clock_now()) / 1000 + 1).unwrap_or(1);
                s.k.advance(wait).await;
            }
            SyncReport::Failed { error, .. } => panic!("sync failed with the network up: {error}"),
            SyncReport::Answered { .. } => {}
        }
    }
    assert!(drained, "the outbox never drained");
    let wall = started.elapsed();
    check_invariants(&s).await;
    print_figures(&s, wall).await;
}

async fn check_invariants(s: &Soak) {
    let k = &s.k;
    let events = k.events().await;
    let state = k.district.state();

    // Outbox: seqs 1..N, nothing pending or rejected.
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=i64::try_from(events.len()).unwrap()).collect::<Vec<_>>(), "outbox seqs have gaps");
    let not_acked: Vec<_> = events.iter().filter(|e| e.state != OutboxState::Acked).map(|e| (e.seq, e.state)).collect();
    assert!(not_acked.is_empty(), "not delivered: {not_acked:?}");

    // The district: every event exactly once, in seq order, none flagged.
    let kiosk = &k.config.kiosk.id;
    assert_eq!(state.seqs(kiosk), seqs, "the district holds every seq once, in order");
    let ids: BTreeSet<_> = events.iter().map(|e| e.id).collect();
    let at_district: BTreeSet<_> = state.events.iter().map(|e| e.id).collect();
    assert_eq!(ids, at_district);
    let flagged: Vec<_> = state
        .events
        .iter()
        .filter(|e| e.outcome != bookstation::district::EventOutcome::Applied)
        .map(|e| (e.seq, e.kind.clone(), e.outcome.clone()))
        .collect();
    assert!(flagged.is_empty(), "events the district found contradictory: {flagged:?}");

    // Loans and returns: the outbox counts what the patrons did.
    let kinds = |k: &[&str]| events.iter().filter(|e| k.contains(&e.kind.as_str())).count() as u64;
    assert_eq!(kinds(&["loan", "hold_pickup"]), s.figures.loans, "a loan iff a book left its locker");
    assert_eq!(kinds(&["return"]), s.figures.returns, "every return recorded once");
    assert_eq!(state.returns.len() as u64, s.figures.returns, "no lost return");
    assert_eq!(kinds(&["restock"]), s.figures.restocks);

    // Every book in exactly one place.
    let catalogue: BTreeSet<String> =
        k.district.inventory().await.unwrap().items.iter().map(|i| i.id.to_string()).collect();
    let world = k.world.snapshot();
    let store_slots = k.runner.deps().store.call(|s| s.slots()).await.unwrap().unwrap();
    let mut place: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for w in &world.slots {
        assert!(!w.door_open, "door {} left open", w.slot);
        if let Some(book) = &w.item {
            place.entry(book.clone()).or_default().push(format!("locker {}", w.slot));
        }
        for book in &w.bin_items {
            place.entry(book.clone()).or_default().push("bin".into());
        }
        if w.slot != BIN {
            let record =
                store_slots.iter().find(|s| s.no.0 == w.slot).and_then(|s| s.item.as_ref()).map(|i| i.to_string());
            assert_eq!(record, w.item, "locker {}: the store's record and the sensor disagree", w.slot);
        }
    }
    for book in &s.trolley {
        place.entry(book.clone()).or_default().push("trolley".into());
    }
    for loan in state.loans.iter().filter(|l| catalogue.contains(l.item_id.as_str())) {
        place.entry(loan.item_id.to_string()).or_default().push(format!("on loan to {}", loan.patron_id.as_str()));
        assert_eq!(
            s.holders.get(loan.item_id.as_str()),
            Some(&loan.patron_id.as_str().to_owned()),
            "{}: the district's loan is not to who took it",
            loan.item_id
        );
    }
    assert_eq!(state.loans.iter().filter(|l| catalogue.contains(l.item_id.as_str())).count(), s.holders.len());
    for book in &catalogue {
        let p = place.get(book).cloned().unwrap_or_default();
        assert_eq!(p.len(), 1, "{book} is in {p:?}");
    }
    assert_eq!(
        place.len(),
        catalogue.len(),
        "books nobody lent: {:?}",
        place.keys().filter(|b| !catalogue.contains(*b)).collect::<Vec<_>>()
    );

    // The database is intact; the kiosk waits for the next patron.
    let db = rusqlite::Connection::open(k.dir.path().join("bookstation.db")).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    assert_eq!(k.screen(), Screen::Attract, "{:?}", k.view());
}

async fn print_figures(s: &Soak, wall: std::time::Duration) {
    let events = s.k.events().await.len() as u64;
    let db = file_len(&s.k.dir.path().join("bookstation.db"));
    let wal = file_len(&s.k.dir.path().join("bookstation.db-wal"));
    let rss = vm_hwm_kib();
    let f = &s.figures;
    let simulated = s.k.clock_now().since(T0) / 1000;
    println!("| figure | value |");
    println!("|---|---|");
    for (name, value) in [
        ("sessions", f.sessions.to_string()),
        ("simulated time", format!("{:.1} h", simulated as f64 / 3600.0)),
        ("loans", f.loans.to_string()),
        ("returns", f.returns.to_string()),
        ("restocks", f.restocks.to_string()),
        ("staff visits", f.staff_visits.to_string()),
        ("events", events.to_string()),
        ("outages", f.outages.to_string()),
        ("offline sign-ins", f.offline_sign_ins.to_string()),
        ("walk-aways", f.walk_aways.to_string()),
        ("jammed doors", f.jams.to_string()),
        ("wrong PINs (lock-outs)", format!("{} ({})", f.wrong_pins, f.lock_outs)),
        ("refusals", format!("{:?}", f.refusals)),
        ("wall time", format!("{:.1} s", wall.as_secs_f64())),
        ("peak RSS (VmHWM)", format!("{:.1} MiB", rss as f64 / 1024.0)),
        (
            "RSS after each tenth (MiB)",
            f.rss_kib.iter().map(|r| format!("{:.0}", *r as f64 / 1024.0)).collect::<Vec<_>>().join(" "),
        ),
        ("database", format!("{:.2} MiB", db as f64 / 1048576.0)),
        ("WAL", format!("{:.2} MiB", wal as f64 / 1048576.0)),
    ] {
        println!("| {name} | {value} |");
    }
    // Bounds that do not drift with the machine: SQLite checkpoints the WAL
    // at 1,000 pages (4 MiB), the rows are small, and the test holds one
    // kiosk's state.
    assert!(f.loans > 0 && f.returns > 0, "a soak that lent nothing proves nothing");
    assert!(wal < 8 << 20, "WAL {wal} bytes");
    assert!(db < (1 << 20) + events * 4096, "database {db} bytes for {events} events");
    assert!(rss < 512 * 1024, "peak RSS {rss} KiB");
}
