//! District sync against `district-sim` over real HTTP on loopback, one
//! test per fault the network or the server can throw at the kiosk: a
//! six-hour outage with loans and returns, HTTP 500, answers slower than the
//! timeout, malformed JSON, a batch applied and the connection dropped
//! before the answer, partial batches, 503 with Retry-After, a rejected
//! event, a restarted kiosk and a restarted simulator. After each, the
//! district holds every event exactly once, in `seq` order.
//!
//! Time is virtual (the worker is stepped; the clock jumps to each retry),
//! so the six hours take milliseconds; only the slow-answer test waits for
//! real timeouts, a few hundred milliseconds.

mod sync_support;

use bookstation::demo::SimDistrict;
use bookstation::district::{DistrictError, SyncReport};
use bookstation::domain::Secret;
use bookstation::engine::{Clock, VirtualClock};
use bookstation::store::{AsyncStore, OutboxState, Store};
use bookstation_district_sim::Faults;
use bookstation_district_sim::server::load_sim;
use std::sync::Arc;
use std::time::Duration;
use sync_support::*;

async fn queued(
    n: usize,
    batch: usize,
) -> (tempfile::TempDir, SimServer, AsyncStore, bookstation::district::SyncWorker) {
    let dir = tempfile::tempdir().unwrap();
    let store = AsyncStore::new(queued_store(dir.path(), n)).unwrap();
    let server = serve(SimDistrict::demo(K), None).await;
    let w = worker(&store, Arc::new(client(&server, Duration::from_secs(2))), batch);
    (dir, server, store, w)
}

use bookstation::demo::SimServer;

#[tokio::test]
async fn six_hour_outage_with_loans_and_returns_then_recovery() {
    let server = serve(SimDistrict::demo(K), None).await;
    let mut kiosk = HttpKiosk::new(&server).await;
    // Seen online, so the offline policy may trust this patron later.
    kiosk.login(GOOD).await;
    kiosk.borrow("MP0001").await;
    assert!(kiosk.runner.is_online());

    server.set_down(true).await;
    kiosk.login(GOOD).await; // from the patron cache: the district refuses connections
    assert!(!kiosk.runner.is_online());
    kiosk.borrow("MP0002").await;
    kiosk.give_back("MP0041").await;
    kiosk.give_back("MP0042").await;
    let events = outbox(&kiosk.store()).await;
    assert_eq!(
        events.iter().map(|e| (e.kind.as_str(), e.offline)).collect::<Vec<_>>(),
        vec![("loan", false), ("loan", true), ("return", true), ("return", true)]
    );

    // Six hours of trying, every ten minutes and whenever the back-off says.
    let end = kiosk.clock.now().plus_secs(6 * 3600);
    let mut failures = 0;
    for _ in 0..MAX_STEPS {
        if kiosk.clock.now() >= end {
            break;
        }
        match kiosk.worker.sync_once(kiosk.clock.now()).await.unwrap() {
            SyncReport::Failed { error, .. } => {
                assert!(error.is_offline(), "{error}");
                failures += 1;
            }
            SyncReport::Idle { next_due: Some(_) } => {}
            other => panic!("nothing can be delivered while the district is down: {other:?}"),
        }
        kiosk.advance(600).await;
    }
    assert!(kiosk.clock.now() >= end);
    assert!(failures >= 30, "the worker kept trying (capped back-off of 5 min): {failures}");
    let waiting = outbox(&kiosk.store()).await;
    assert!(waiting.iter().all(|e| e.state == OutboxState::Pending && e.attempts > 0));
    assert!(server.sim().state().events.is_empty());

    server.set_down(false).await;
    let reports = drain(&mut kiosk.worker, &kiosk.clock).await;
    assert!(reports.iter().any(|r| matches!(r, SyncReport::Answered { .. })));
    kiosk.forward_reachability().await;
    assert!(kiosk.runner.is_online(), "the worker's success brings the engine back online");
    assert_exactly_once_in_order(&server, &kiosk.store(), 0).await;
    let state = sim_state(&server).await;
    assert_eq!(state.events.iter().filter(|e| e.offline).count(), 3);
    assert!(state.loans.iter().any(|l| l.item_id.as_str() == "MP0002" && l.offline));
    assert!(state.returns.iter().any(|i| i.as_str() == "MP0041"));
}

#[tokio::test]
async fn server_errors_are_retried_until_delivered() {
    let (_dir, server, store, mut w) = queued(12, 5).await;
    set_faults(&server, &Faults { http_500: 3, ..Faults::default() }).await;
    let clock = VirtualClock::new(T0);
    let reports = drain(&mut w, &clock).await;
    let failed =
        reports.iter().filter(|r| matches!(r, SyncReport::Failed { error: DistrictError::Server(_), .. })).count();
    assert_eq!(failed, 3);
    assert_exactly_once_in_order(&server, &store, 0).await;
    assert!(sim_state(&server).await.events.iter().all(|e| e.received == 1));
}

#[tokio::test]
async fn answers_slower_than_the_timeout_are_retried() {
    let dir = tempfile::tempdir().unwrap();
    let store = AsyncStore::new(queued_store(dir.path(), 6)).unwrap();
    let server = serve(SimDistrict::demo(K), None).await;
    let mut w = worker(&store, Arc::new(client(&server, Duration::from_millis(300))), 100);
    server.set_faults(Faults { slow_ms: 1_500, ..Faults::default() });
    let r = w.sync_once(T0).await.unwrap();
    assert!(matches!(r, SyncReport::Failed { error: DistrictError::Timeout, .. }), "{r:?}");
    server.set_faults(Faults::default());
    let clock = VirtualClock::new(T0);
    drain(&mut w, &clock).await;
    assert_exactly_once_in_order(&server, &store, 0).await;
}

#[tokio::test]
async fn malformed_answers_are_retried_and_counted_once() {
    let (_dir, server, store, mut w) = queued(7, 100).await;
    set_faults(&server, &Faults { malformed: 2, ..Faults::default() }).await;
    let clock = VirtualClock::new(T0);
    let reports = drain(&mut w, &clock).await;
    let bad = reports.iter().filter(|r| matches!(r, SyncReport::Failed { error: DistrictError::BadAnswer(_), .. }));
    assert_eq!(bad.count(), 2);
    assert_exactly_once_in_order(&server, &store, 0).await;
    // The batch was applied the first time; the retries were duplicates.
    assert!(sim_state(&server).await.events.iter().all(|e| e.received == 3));
}

#[tokio::test]
async fn a_batch_applied_then_dropped_counts_once() {
    let (_dir, server, store, mut w) = queued(8, 100).await;
    set_faults(&server, &Faults { drop_after_apply: 1, ..Faults::default() }).await;
    let r = w.sync_once(T0).await.unwrap();
    assert!(matches!(&r, SyncReport::Failed { error: DistrictError::Unreachable(_), .. }), "{r:?}");
    assert_eq!(server.sim().state().events.len(), 8, "the server applied the batch before dropping the connection");
    let clock = VirtualClock::new(T0);
    drain(&mut w, &clock).await;
    assert_exactly_once_in_order(&server, &store, 0).await;
    assert!(sim_state(&server).await.events.iter().all(|e| e.received == 2));
}

#[tokio::test]
async fn partial_batches_are_completed_in_order() {
    let (_dir, server, store, mut w) = queued(10, 100).await;
    set_faults(&server, &Faults { partial: 2, ..Faults::default() }).await;
    let clock = VirtualClock::new(T0);
    let reports = drain(&mut w, &clock).await;
    let answered: Vec<_> = reports
        .iter()
        .filter_map(|r| match r {
            SyncReport::Answered { sent, delivered, unanswered, .. } => Some((*sent, *delivered, *unanswered)),
            _ => None,
        })
        .collect();
    assert_eq!(answered, vec![(10, 5, 5), (5, 3, 2), (2, 2, 0)]);
    assert_exactly_once_in_order(&server, &store, 0).await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (_dir, server, store, mut w) = queued(3, 100).await;
    set_faults(&server, &Faults { busy: 1, retry_after_secs: 120, ..Faults::default() }).await;
    let r = w.sync_once(T0).await.unwrap();
    let SyncReport::Failed { retry_at, error, .. } = r else { panic!("{r:?}") };
    assert!(matches!(error, DistrictError::Busy { retry_after: Some(d) } if d == Duration::from_secs(120)));
    assert_eq!(retry_at, T0.plus_secs(120));
    assert_eq!(w.sync_once(T0.plus_secs(119)).await.unwrap(), SyncReport::Idle { next_due: Some(retry_at) });
    assert!(matches!(w.sync_once(retry_at).await.unwrap(), SyncReport::Answered { delivered: 3, .. }));
    assert_exactly_once_in_order(&server, &store, 0).await;
}

#[tokio::test]
async fn a_rejected_event_waits_for_staff_and_the_rest_goes_on() {
    let (_dir, server, store, mut w) = queued(4, 100).await;
    set_faults(&server, &Faults { reject: 1, ..Faults::default() }).await;
    let clock = VirtualClock::new(T0);
    drain(&mut w, &clock).await;
    assert_exactly_once_in_order(&server, &store, 1).await;
    let rejected = store.call(|s| s.outbox(Some(OutboxState::Rejected), 10)).await.unwrap().unwrap();
    assert_eq!(rejected.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1]);
    // `bookstation outbox retry --rejected`, after staff fixed the cause.
    assert_eq!(store.call(|s| s.retry_now(true)).await.unwrap().unwrap(), (0, 1));
    drain(&mut w, &clock).await;
    assert_eq!(sim_state(&server).await.seqs(K), vec![2, 3, 4, 1]);
}

#[tokio::test]
async fn a_restarted_kiosk_keeps_its_queue_and_its_back_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(SimDistrict::demo(K), None).await;
    let district: Arc<dyn bookstation::district::District> = Arc::new(client(&server, Duration::from_secs(2)));
    let store = AsyncStore::new(queued_store(dir.path(), 9)).unwrap();
    let mut w = worker(&store, district.clone(), 4);
    server.set_down(true).await;
    let SyncReport::Failed { retry_at, .. } = w.sync_once(T0).await.unwrap() else { panic!("expected a failure") };
    // Power cut.
    drop((w, store));
    let store = AsyncStore::new(Store::open(&dir.path().join("bookstation.db")).unwrap()).unwrap();
    let mut w = worker(&store, district, 4);
    server.set_down(false).await;
    if retry_at > T0.plus_millis(1) {
        assert_eq!(w.sync_once(T0.plus_millis(1)).await.unwrap(), SyncReport::Idle { next_due: Some(retry_at) });
    }
    assert!(server.sim().state().events.is_empty(), "nothing went out before the back-off ended");
    let clock = VirtualClock::new(retry_at);
    drain(&mut w, &clock).await;
    assert_exactly_once_in_order(&server, &store, 0).await;
}

#[tokio::test]
async fn a_restarted_kiosk_mid_flow_delivers_everything_once() {
    let server = serve(SimDistrict::demo(K), None).await;
    let mut kiosk = HttpKiosk::new(&server).await;
    kiosk.login(GOOD).await;
    kiosk.borrow("MP0003").await;
    kiosk.give_back("MP0041").await;
    // The first batch is applied but its answer is lost, then the power goes.
    server.set_faults(Faults { drop_after_apply: 1, ..Faults::default() });
    let now = kiosk.clock.now();
    assert!(matches!(kiosk.worker.sync_once(now).await.unwrap(), SyncReport::Failed { .. }));
    let mut kiosk = kiosk.restart().await;
    kiosk.give_back("MP0042").await;
    drain(&mut kiosk.worker, &kiosk.clock).await;
    assert_exactly_once_in_order(&server, &kiosk.store(), 0).await;
    assert_eq!(sim_state(&server).await.seqs(K), vec![1, 2, 3]);
}

#[tokio::test]
async fn a_restarted_simulator_remembers_every_event_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("district-sim.json");
    let store = AsyncStore::new(queued_store(dir.path(), 5)).unwrap();
    let server = serve(load_sim(&db, K).unwrap(), Some(&db)).await;
    let events = outbox(&store).await;
    let mut w = worker(&store, Arc::new(client(&server, Duration::from_secs(2))), 100);
    set_faults(&server, &Faults { drop_after_apply: 1, ..Faults::default() }).await;
    assert!(matches!(w.sync_once(T0).await.unwrap(), SyncReport::Failed { .. }));
    drop(server);
    // The simulator comes back from its file on another port.
    let server = serve(load_sim(&db, K).unwrap(), Some(&db)).await;
    let mut w = worker(&store, Arc::new(client(&server, Duration::from_secs(2))), 100);
    let clock = VirtualClock::new(T0.plus_secs(3600));
    drain(&mut w, &clock).await;
    assert_exactly_once_in_order(&server, &store, 0).await;
    let state = sim_state(&server).await;
    assert_eq!(state.events.len(), events.len());
    assert!(state.events.iter().all(|e| e.received == 2), "the resent batch was recognised as duplicates");
}

#[tokio::test]
async fn a_wrong_token_is_refused_and_is_not_an_outage() {
    let server = serve(SimDistrict::demo(K), None).await;
    let settings = bookstation::district::HttpSettings {
        url: server.url(),
        token: "wrong".into(),
        ca_pem: None,
        timeout: Duration::from_secs(2),
        kiosk_id: K.into(),
    };
    let district = bookstation::district::HttpDistrict::new(settings).unwrap();
    let err = bookstation::district::District::inventory(&district).await.unwrap_err();
    assert!(matches!(&err, DistrictError::Server(m) if m.contains("401") && m.contains("token_file")), "{err}");
    assert!(!err.is_offline());
}

/// A plain HTTP client for the simulator's own endpoints and raw requests.
fn raw_http() -> reqwest::Client {
    bookstation::district::http::install_crypto_provider();
    reqwest::Client::builder().tls_certs_only([]).no_proxy().build().unwrap()
}

/// `POST /sim/faults` with `down_secs`: the caller gets its whole answer
/// first (the connection closes after it), and only then are connections
/// refused, until the server listens again by itself.
#[tokio::test]
async fn down_secs_over_http_answers_first_then_refuses_connections_then_listens_again() {
    let server = serve(SimDistrict::demo(K), None).await;
    let district = client(&server, Duration::from_secs(2));
    let faults = Faults { down_secs: 1, http_500: 1, ..Faults::default() };
    let response = raw_http().post(format!("{}sim/faults", server.url())).json(&faults).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(response.headers()["connection"], "close", "the answer is the connection's last");
    assert_eq!(response.json::<Faults>().await.unwrap(), faults, "the whole answer arrived");

    let within = |what| async move { tokio::time::timeout(Duration::from_secs(10), what).await.expect("in time") };
    within(server.wait_listening(false)).await;
    let err = bookstation::district::District::inventory(&district).await.unwrap_err();
    assert!(err.is_offline(), "connections are refused while down: {err}");
    within(server.wait_listening(true)).await;
    let err = bookstation::district::District::inventory(&district).await.unwrap_err();
    assert!(matches!(&err, DistrictError::Server(m) if m.contains("500")), "the other faults stayed: {err}");
    assert!(bookstation::district::District::inventory(&district).await.is_ok());
}

/// A body the simulator cannot take is answered in the API's error format,
/// `{"error": ...}`, and the words never quote the body (a PIN here).
#[tokio::test]
async fn bad_requests_are_answered_in_the_api_error_format() {
    let server = serve(SimDistrict::demo(K), None).await;
    let http = raw_http();
    let post = |body: &'static str, json: bool, token: &'static str| {
        let mut request = http.post(format!("{}api/v1/authenticate", server.url())).bearer_auth(token).body(body);
        if json {
            request = request.header("content-type", "application/json");
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            let answer: serde_json::Value = response.json().await.unwrap();
            (status, answer["error"].as_str().unwrap_or_default().to_owned())
        }
    };
    let wrong_type = r#"{"kiosk_id": "K", "credential": {"type": "card", "uid": "04A1B2C3D4E5F6"}, "pin": 975312}"#;
    let (status, error) = post(wrong_type, true, TOKEN).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    assert!(error.starts_with("bad request body: Data error at line 1 column"), "{error}");
    assert!(!error.contains("975312"), "{error}");
    let (status, error) = post("{ not json", true, TOKEN).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    assert!(error.starts_with("bad request body: Syntax error"), "{error}");
    let (status, error) = post(wrong_type, false, TOKEN).await;
    assert_eq!(status, reqwest::StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(error.contains("Content-Type: application/json"), "{error}");
    // The token is checked before the body is read.
    let (status, error) = post("{ not json", true, "wrong").await;
    assert_eq!((status, error.as_str()), (reqwest::StatusCode::UNAUTHORIZED, "missing or wrong device token"));
}

#[tokio::test]
async fn the_heartbeat_reaches_the_district_over_http() {
    let (_dir, server, _store, mut w) = queued(2, 100).await;
    w.heartbeat_once(T0.plus_secs(30)).await.unwrap().unwrap();
    let hb = sim_state(&server).await.last_heartbeat.expect("heartbeat");
    assert_eq!((hb.queue_depth, hb.oldest_pending_age_secs), (2, Some(30)));
    assert_eq!(hb.version, env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn every_authentication_answer_and_the_inventory_cross_http() {
    use bookstation::district::{AuthAnswer, District};
    use bookstation::domain::Credential;
    let server = serve(SimDistrict::demo(K), None).await;
    let district = client(&server, Duration::from_secs(2));
    let card = Credential::card(GOOD).unwrap();
    match district.authenticate(&card, Some(&Secret::from(PIN))).await.unwrap() {
        AuthAnswer::Patron { status, .. } => assert_eq!(status.patron_id.as_str(), "1000001"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        district.authenticate(&card, Some(&Secret::from("0000"))).await.unwrap(),
        AuthAnswer::WrongPin { patron_id: Some(bookstation::domain::PatronId::new("1000001")) }
    );
    let member = Credential::member_number("1000004").unwrap();
    assert!(matches!(district.authenticate(&member, None).await.unwrap(), AuthAnswer::Patron { .. }));
    let unknown = Credential::card("0499999999999999").unwrap();
    assert_eq!(district.authenticate(&unknown, Some(&Secret::from(PIN))).await.unwrap(), AuthAnswer::UnknownCredential);
    let inventory = district.inventory().await.unwrap();
    assert_eq!(inventory.items.len(), 43);
    assert_eq!(inventory.holds.len(), 1);
    // A malformed answer is an error that quotes no body.
    server.set_faults(Faults { malformed: 1, ..Faults::default() });
    let err = district.authenticate(&card, Some(&Secret::from(PIN))).await.unwrap_err();
    assert!(matches!(&err, DistrictError::BadAnswer(m) if !m.contains("1000001")), "{err}");
}

#[tokio::test]
async fn covers_are_fetched_over_http_into_a_capped_directory() {
    use bookstation::district::District;
    use bookstation::district::covers::CoverCache;
    let server = serve(SimDistrict::demo(K), None).await;
    let district = client(&server, Duration::from_secs(2));
    let inventory = district.inventory().await.unwrap();
    let with_cover = inventory.items.iter().filter(|i| i.cover_url.is_some()).count();
    assert!(with_cover >= 2, "the demo has covers");
    let dir = tempfile::tempdir().unwrap();
    let cache = CoverCache::new(dir.path().join("covers"), 1 << 20);
    let first = cache.refresh(&district, &inventory).await;
    assert_eq!((first.fetched, first.failed), (with_cover, 0));
    let png = std::fs::read(dir.path().join("covers/MP0001.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let again = cache.refresh(&district, &inventory).await;
    assert_eq!((again.fetched, again.cached), (0, with_cover), "cached covers are not fetched again");
    // A cap smaller than two covers keeps one.
    let small = CoverCache::new(dir.path().join("covers"), u64::try_from(png.len() + 1).unwrap());
    assert_eq!(small.trim().unwrap(), with_cover - 1);
}

#[tokio::test]
async fn sim_state_can_wait_for_the_events_to_arrive() {
    let (_dir, server, _store, mut w) = queued(3, 100).await;
    bookstation::district::http::install_crypto_provider();
    let http = reqwest::Client::builder().tls_certs_only([]).no_proxy().build().unwrap();
    let get = |query: &str| http.get(format!("{}sim/state?{query}", server.url())).send();
    // Nothing arrives: the wait ends with 504 and the state as it is.
    let early = get("wait_for_events=1&timeout_ms=50").await.unwrap();
    assert_eq!(early.status(), reqwest::StatusCode::GATEWAY_TIMEOUT);
    let held: serde_json::Value = early.json().await.unwrap();
    assert_eq!(held["events"], serde_json::json!([]));
    // The answer comes once the batch is in, not before.
    let waiting = tokio::spawn(get("wait_for_events=3&timeout_ms=30000"));
    assert!(matches!(w.sync_once(T0).await.unwrap(), SyncReport::Answered { delivered: 3, .. }));
    let answer = waiting.await.unwrap().unwrap();
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    let state: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(state["events"].as_array().map(Vec::len), Some(3));
    // A typo is named.
    let typo = get("wait_for_event=3").await.unwrap();
    assert_eq!(typo.status(), reqwest::StatusCode::BAD_REQUEST);
    let typo: serde_json::Value = typo.json().await.unwrap();
    assert!(typo["error"].as_str().is_some_and(|e| e.contains("wait_for_event")), "{typo}");
}

#[tokio::test]
async fn a_stale_cached_patron_is_forgotten_at_the_heartbeat() {
    use bookstation::domain::{CardHash, PatronId, PatronStatus, Standing};
    let (_dir, _server, store, mut w) = queued(0, 100).await;
    let status = PatronStatus {
        patron_id: PatronId::new("1000001"),
        standing: Standing::Good,
        suspended_until: None,
        overdue_items: 0,
        loans_total: 0,
        loans_here: 0,
        loans: vec![],
        ready_holds: vec![],
    };
    let (old, fresh) = (CardHash([1; 32]), CardHash([2; 32]));
    let st = status.clone();
    store
        .call(move |s| {
            s.cache_patron(&old, &st, None, T0.plus_millis(-25 * 3_600_000))?;
            s.cache_patron(&fresh, &st, None, T0)
        })
        .await
        .unwrap()
        .unwrap();
    w.heartbeat_once(T0.plus_secs(30)).await.unwrap().unwrap();
    let (gone, kept) = store
        .call(move |s| Ok::<_, bookstation::store::StoreError>((s.cached_patron(&old)?, s.cached_patron(&fresh)?)))
        .await
        .unwrap()
        .unwrap();
    assert!(gone.is_none(), "not seen online for 25 h: forgotten");
    assert!(kept.is_some());
}

/// Issue 10, defect 5: the district rejects a loan, takes the book's
/// return as "not on loan", and staff retry the loan afterwards. The
/// district places the loan before the return (seq order), so its final
/// state matches the lockers: the book is back, the patron holds nothing
/// more than before.
#[tokio::test]
async fn a_rejected_loan_retried_after_its_return_leaves_no_phantom_loan() {
    use bookstation::district::{AuthAnswer, District};
    use bookstation::domain::Credential;
    let server = serve(SimDistrict::demo(K), None).await;
    let loans_total = |district: Arc<dyn District>| async move {
        let card = Credential::card(GOOD).unwrap();
        match district.authenticate(&card, Some(&Secret::from(PIN))).await.unwrap() {
            AuthAnswer::Patron { status, .. } => status.loans_total,
            other => panic!("{other:?}"),
        }
    };
    let mut kiosk = HttpKiosk::new(&server).await;
    let before = loans_total(kiosk.district.clone()).await;
    kiosk.login(GOOD).await;
    kiosk.borrow("MP0001").await;
    kiosk.give_back("MP0001").await;
    let kinds: Vec<_> = outbox(&kiosk.store()).await.iter().map(|e| (e.seq, e.kind)).collect();
    assert_eq!(kinds, vec![(1, bookstation::domain::EventKind::Loan), (2, bookstation::domain::EventKind::Return)]);

    set_faults(&server, &Faults { reject: 1, ..Faults::default() }).await;
    drain(&mut kiosk.worker, &kiosk.clock).await;
    let events = outbox(&kiosk.store()).await;
    assert_eq!(events[0].state, OutboxState::Rejected);
    assert!(events[1].last_error.as_deref().is_some_and(|e| e.contains("item was not on loan")), "{events:?}");

    // `bookstation outbox retry --rejected`.
    assert_eq!(kiosk.store().call(|s| s.retry_now(true)).await.unwrap().unwrap(), (0, 1));
    drain(&mut kiosk.worker, &kiosk.clock).await;
    let events = outbox(&kiosk.store()).await;
    assert!(events.iter().all(|e| e.state == OutboxState::Acked), "{events:?}");

    let state = sim_state(&server).await;
    assert_eq!(state.seqs(K), vec![2, 1], "the retried loan arrived last");
    assert!(
        !state.loans.iter().any(|l| l.item_id.as_str() == "MP0001"),
        "the district thinks MP0001 is on loan, but it is in the return bin: {:?}",
        state.loans
    );
    assert_eq!(state.returns.iter().filter(|i| i.as_str() == "MP0001").count(), 1, "{:?}", state.returns);
    assert_eq!(loans_total(kiosk.district.clone()).await, before);
    // The lockers agree: the book is in the bin.
    let bin = kiosk.config.hardware.return_bin_slot;
    let world = kiosk.world.snapshot();
    assert!(world.slots.iter().any(|s| s.slot == bin && s.bin_items.iter().any(|i| i == "MP0001")), "{world:?}");
}

/// Issue 10, defect 4, at the district: a kiosk that lost its database
/// numbers from seq 1 again under new ids. The district records the
/// events (they happened) but flags each reused seq, and flags the
/// heartbeat whose last seq is behind what it holds.
#[tokio::test]
async fn a_kiosk_that_lost_its_database_is_flagged_by_its_events_and_heartbeat() {
    let (dir, server, store, mut w) = queued(3, 100).await;
    let clock = VirtualClock::new(T0);
    drain(&mut w, &clock).await;
    w.heartbeat_once(T0).await.unwrap().unwrap();
    let state = serde_json::to_value(sim_state(&server).await).unwrap();
    assert_eq!(state["last_heartbeat"]["last_seq"], 3, "{state}");
    assert_eq!(state["seq_alerts"], serde_json::json!([]), "{state}");
    drop((w, store));

    // A new database: seq 1 again, with a new id.
    let lost = tempfile::tempdir().unwrap();
    let store = AsyncStore::new(queued_store(lost.path(), 1)).unwrap();
    let mut w = worker(&store, Arc::new(client(&server, Duration::from_secs(2))), 100);
    drain(&mut w, &clock).await;
    let events = outbox(&store).await;
    assert_eq!(events[0].state, OutboxState::Acked, "a flagged event is delivered: {events:?}");
    assert!(events[0].last_error.as_deref().is_some_and(|r| r.contains("seq 1 reused")), "{events:?}");
    w.heartbeat_once(T0).await.unwrap().unwrap();
    let state = serde_json::to_value(sim_state(&server).await).unwrap();
    let alerts: Vec<(String, i64, i64)> = state["seq_alerts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| {
            (
                a["source"].as_str().unwrap_or_default().to_owned(),
                a["kiosk_seq"].as_i64().unwrap_or(-1),
                a["district_seq"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(alerts, vec![("event".to_owned(), 1, 3), ("heartbeat".to_owned(), 1, 3)], "{state}");
    drop(dir);
}

#[tokio::test]
async fn the_receipt_takes_the_due_date_the_district_answers() {
    let sim = SimDistrict::demo(K);
    // The district lends for 10 days, whatever the kiosk proposes.
    sim.set_loan_days(Some(10));
    let server = serve(sim, None).await;
    let mut kiosk = HttpKiosk::new(&server).await;
    let mut due_dates = kiosk.worker.due_dates();
    kiosk.login(GOOD).await;
    kiosk.borrow_to_receipt("MP0001").await;
    let kiosks = kiosk.view()["receipt"][0]["due_date"].as_str().expect("a due date").to_owned();
    let library = kiosk.clock.now().seoul_date_plus_days(10).to_string();
    assert_ne!(kiosks, library, "the test needs the two to differ");
    assert_eq!(kiosk.view()["receipt"][0].get("due_confirmed"), None, "not the library's yet");

    let now = kiosk.clock.now();
    assert!(matches!(kiosk.worker.sync_once(now).await.unwrap(), SyncReport::Answered { delivered: 1, .. }));
    let confirmed = due_dates.try_recv().expect("the worker tells the engine");
    assert_eq!((confirmed.item_id.as_str(), confirmed.due_date.as_str()), ("MP0001", library.as_str()));
    let events = outbox(&kiosk.store()).await;
    assert_eq!(events[0].library_due_date.as_deref(), Some(library.as_str()), "kept in the store");

    let input = bookstation::engine::Input::DueDateConfirmed {
        item: confirmed.item_id,
        due_date: confirmed.due_date,
        message: confirmed.message,
    };
    kiosk.runner.feed(input).await;
    let line = &kiosk.view()["receipt"][0];
    assert_eq!((line["due_date"].as_str(), line["due_confirmed"].as_bool()), (Some(library.as_str()), Some(true)));
}

/// 통합반납: another library's book, asked of the district over HTTP,
/// returned into this kiosk's bin, delivered once with its library, and on
/// the staff's transit list until unloaded.
#[tokio::test]
async fn another_librarys_book_comes_back_here_and_is_listed_for_its_library() {
    let server = serve(SimDistrict::demo(K), None).await;
    let mut kiosk = HttpKiosk::new(&server).await;
    let bin = kiosk.config.hardware.return_bin_slot;
    // MC1001 is the central library's copy, on loan to the quota patron.
    kiosk.runner.feed(bookstation::engine::Input::Scanned("MC1001".into())).await;
    assert_eq!(kiosk.screen(), "return", "{}", kiosk.view());
    assert_eq!(kiosk.view()["returning"]["title"], "코스모스", "the district's title");
    kiosk.world.put(bin, "MC1001").expect("put");
    kiosk.runner.poll_sensors().await;
    kiosk.world.close(bin).expect("close");
    kiosk.runner.poll_sensors().await;
    let notice = &kiosk.view()["notice"];
    assert_eq!(
        (notice["key"].as_str(), notice["library"].as_str()),
        (Some("notice.returned_to_library"), Some("마포중앙도서관"))
    );

    let events = outbox(&kiosk.store()).await;
    assert_eq!(events.len(), 1);
    let body = serde_json::to_value(&events[0].body).unwrap();
    assert_eq!((body["kind"].as_str(), body["library"].as_str()), (Some("return"), Some("마포중앙도서관")));
    // Not this kiosk's: not on its shelf, not in its catalogue.
    let store = kiosk.store();
    let items = store.call(|s| s.items()).await.unwrap().unwrap();
    assert!(items.iter().all(|i| i.id.as_str() != "MC1001"));

    let now = kiosk.clock.now();
    assert!(matches!(kiosk.worker.sync_once(now).await.unwrap(), SyncReport::Answered { delivered: 1, .. }));
    let state = server.sim().state();
    assert_eq!(state.returns.iter().filter(|i| i.as_str() == "MC1001").count(), 1, "delivered once");
    assert!(state.loans.iter().all(|l| l.item_id.as_str() != "MC1001"), "the loan is closed");
    let transit = store.call(|s| s.bin_transit()).await.unwrap().unwrap();
    assert_eq!(transit.len(), 1);
    assert_eq!((transit[0].title.as_str(), transit[0].send_to.as_deref()), ("코스모스", Some("마포중앙도서관")));
    assert_eq!(outbox(&kiosk.store()).await[0].state, OutboxState::Acked);
}

#[tokio::test]
async fn a_district_without_the_return_check_takes_no_other_librarys_book() {
    use bookstation::district::{District, ReturnHere};
    // A server that knows nothing of /returns/check answers 404.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let app = axum::Router::new();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let settings = bookstation::district::HttpSettings {
        url,
        token: TOKEN.into(),
        ca_pem: None,
        timeout: Duration::from_secs(2),
        kiosk_id: K.into(),
    };
    let client = bookstation::district::HttpDistrict::new(settings).unwrap();
    assert_eq!(
        client.return_here(&bookstation::domain::ItemId::new("MC1001")).await.unwrap(),
        ReturnHere::Refused { library: None }
    );
}
