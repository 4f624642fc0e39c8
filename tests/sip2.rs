//! The SIP2 backend against a SIP2 server nobody here wrote: pysip2's
//! server (strict codec, AY/AZ required) with the toy library of
//! `tests/sip2_peer/`. Every request the backend sends must pass pysip2's
//! decoder, checksum included, or the server closes the connection and the
//! test fails. `make sip2-peer` installs the pinned pysip2.

#[path = "sip2_peer/peer.rs"]
mod peer;

use bookstation::district::sip2::catalogue::HOLD_SHELF_PATRON;
use bookstation::district::{AuthAnswer, District, DistrictError, EventOutcome, SubmittedEvent};
use bookstation::domain::Secret;
use bookstation::domain::{Credential, EventBody, ItemId, PatronId, PatronStatus, SlotNo, Standing, Timestamp};
use peer::{Peer, PeerOptions, euc_kr, generic};

const PIN: &str = "1234";

fn card(uid: &str) -> Credential {
    Credential::card(uid).expect("a hex UID")
}

async fn patron(district: &impl District, uid: &str) -> PatronStatus {
    match district.authenticate(&card(uid), Some(&Secret::from(PIN))).await {
        Ok(AuthAnswer::Patron { status, .. }) => status,
        other => panic!("expected a patron, got {other:?}"),
    }
}

fn event(seq: i64, offline: bool, at: Timestamp, body: EventBody) -> SubmittedEvent {
    SubmittedEvent { id: uuid::Uuid::now_v7(), seq, kiosk_id: "MAPO-HAPJEONG-01".into(), offline, created_at: at, body }
}

fn loan(seq: i64, item: &str, patron: &str, due: &str, offline: bool) -> SubmittedEvent {
    let body = EventBody::Loan {
        item_id: ItemId::new(item),
        patron_id: PatronId::new(patron),
        slot: SlotNo(1),
        due_date: due.into(),
    };
    event(seq, offline, now(), body)
}

fn giveback(seq: i64, item: &str) -> SubmittedEvent {
    event(seq, false, now(), EventBody::Return { item_id: ItemId::new(item), library: None })
}

fn now() -> Timestamp {
    Timestamp(chrono::Utc::now().timestamp_millis())
}

/// The due date the toy library gives an online loan.
fn toy_due() -> String {
    (chrono::Local::now().date_naive() + chrono::Duration::days(15)).format("%Y-%m-%d").to_string()
}

fn outcomes(results: &[bookstation::district::EventResult]) -> Vec<&EventOutcome> {
    results.iter().map(|r| &r.outcome).collect()
}

#[tokio::test]
async fn logs_in_and_reads_the_servers_status() {
    let peer = Peer::start(PeerOptions { login: Some(("kiosk".into(), "s3cret".into())), ..Default::default() }).await;
    let status = peer.district(generic()).probe().await.expect("login and 99");
    assert!(status.online && status.checkout_ok && status.checkin_ok);
    assert_eq!(status.institution, "MAPO");
    assert_eq!(status.library_name.as_deref(), Some("마포구립도서관"));
    // 63, 17, 35 are all there.
    assert!(status.supports(7) && status.supports(10) && status.supports(8), "{}", status.supported);

    let wrong = peer.district_with(generic(), Some(("kiosk".into(), "wrong".into())), vec![]);
    let err = wrong.probe().await.unwrap_err();
    assert!(matches!(&err, DistrictError::Server(m) if m.contains("login")), "{err:?}");
    assert!(!err.is_offline(), "a refused login is not an outage");
}

#[tokio::test]
async fn signs_patrons_in_with_their_standing_and_holds() {
    let peer = Peer::start(PeerOptions::default()).await;
    let d = peer.district(generic());

    let good = patron(&d, "04A1B2C3D4E5F6").await;
    assert_eq!(good.patron_id.as_str(), "1000001");
    assert_eq!((good.standing, good.overdue_items, good.loans_total), (Standing::Good, 0, 0));

    let overdue = patron(&d, "04000000000002").await;
    assert_eq!((overdue.overdue_items, overdue.loans_total, overdue.loans_here), (1, 1, 1));
    let overdue_ids: Vec<&ItemId> = overdue.loans.iter().filter(|l| l.overdue).map(|l| &l.item_id).collect();
    assert_eq!(overdue_ids, [&ItemId::new("MP0041")]);

    let blocked = patron(&d, "04000000000003").await;
    assert_eq!(blocked.standing, Standing::Suspended, "charge privileges denied");

    let hold = patron(&d, "04000000000004").await;
    assert_eq!(hold.ready_holds.len(), 1);
    assert_eq!(hold.ready_holds[0].item_id.as_str(), "MP0040");

    let quota = patron(&d, "04000000000005").await;
    assert_eq!(quota.loans_total, 5, "too many items charged");
    assert_eq!(quota.loans_here, 2, "MP0042 and MP0043 belong to this kiosk");
    assert_eq!(quota.loans.len(), 5);

    let wrong = d.authenticate(&card("04A1B2C3D4E5F6"), Some(&Secret::from("9999"))).await.unwrap();
    assert_eq!(wrong, AuthAnswer::WrongPin { patron_id: Some(PatronId::new("1000001")) });
    let unknown = d.authenticate(&card("04FFFFFFFFFFFF"), Some(&Secret::from(PIN))).await.unwrap();
    assert_eq!(unknown, AuthAnswer::UnknownCredential);
    // A member number reaches the same patron.
    let typed = Credential::member_number("1000001").unwrap();
    assert!(matches!(d.authenticate(&typed, Some(&Secret::from(PIN))).await, Ok(AuthAnswer::Patron { .. })));
}

#[tokio::test]
async fn borrows_returns_and_picks_up_a_hold() {
    let mut peer = Peer::start(PeerOptions::default()).await;
    let d = peer.district(generic());
    let results = d.submit(&[loan(1, "MP0001", "1000001", &toy_due(), false)]).await.unwrap();
    assert_eq!(outcomes(&results), [&EventOutcome::Applied]);
    let ids: Vec<ItemId> = patron(&d, "04A1B2C3D4E5F6").await.loans.into_iter().map(|l| l.item_id).collect();
    assert_eq!(ids, [ItemId::new("MP0001")]);

    let results = d.submit(&[giveback(2, "MP0001")]).await.unwrap();
    assert_eq!(outcomes(&results), [&EventOutcome::Applied]);
    assert_eq!((peer.applied("checkout", "MP0001").await, peer.applied("checkin", "MP0001").await), (1, 1));

    // The hold shelf copy is nobody else's until its holder signs in.
    let before = d.inventory().await.unwrap();
    let held = before.holds.iter().find(|h| h.item_id.as_str() == "MP0040").expect("MP0040 is on the hold shelf");
    assert_eq!(held.patron_id.as_str(), HOLD_SHELF_PATRON);
    let holder = patron(&d, "04000000000004").await;
    let after = d.inventory().await.unwrap();
    assert_eq!(after.holds.iter().find(|h| h.item_id.as_str() == "MP0040").unwrap().patron_id, holder.patron_id);

    let pickup = EventBody::HoldPickup {
        item_id: ItemId::new("MP0040"),
        patron_id: holder.patron_id.clone(),
        hold_id: holder.ready_holds[0].hold_id.clone(),
        slot: SlotNo(40),
        due_date: toy_due(),
    };
    let results = d.submit(&[event(3, false, now(), pickup)]).await.unwrap();
    assert_eq!(outcomes(&results), [&EventOutcome::Applied]);
    let state = peer.state().await;
    assert!(state["holds"].as_array().unwrap().is_empty(), "the hold was filled: {state}");
    assert!(patron(&d, "04000000000004").await.ready_holds.is_empty());
}

#[tokio::test]
async fn a_restocked_book_gets_its_title_from_17_in_utf8_and_euc_kr() {
    for (encoding, dialect) in [("utf-8", generic()), ("cp949", euc_kr())] {
        let peer = Peer::start(PeerOptions { encoding: Some(encoding.into()), ..Default::default() }).await;
        // A kiosk that knows nothing yet: the catalogue is what staff restock.
        let d = peer.district_with(dialect, None, vec![]);
        let restock = EventBody::Restock { item_id: ItemId::new("MP0009"), slot: SlotNo(9) };
        let results = d.submit(&[event(1, false, now(), restock)]).await.unwrap();
        assert_eq!(outcomes(&results), [&EventOutcome::Applied]);
        let inventory = d.inventory().await.unwrap();
        assert_eq!(inventory.items.len(), 1);
        assert_eq!(inventory.items[0].title, "82년생 김지영", "{encoding}");
        // And a patron's answer in that character set reads too.
        assert_eq!(patron(&d, "04A1B2C3D4E5F6").await.standing, Standing::Good, "{encoding}");
    }
}

#[tokio::test]
async fn offline_loans_are_replayed_with_no_block_their_date_and_the_kiosks_due_date() {
    let mut peer = Peer::start(PeerOptions::default()).await;
    let d = peer.district(generic());
    assert!(d.heartbeat(&Default::default()).await.is_ok());
    peer.kill().await;
    // The outage: nothing reaches the server, and the kiosk knows it is offline.
    let err = d.heartbeat(&Default::default()).await.unwrap_err();
    assert!(err.is_offline(), "{err:?}");
    let at = Timestamp(now().millis() - 3_600_000);
    let offline = [
        SubmittedEvent { created_at: at, ..loan(1, "MP0002", "1000001", "2026-12-24", true) },
        // The suspended patron was lent to offline (seen online in good standing earlier): a fact.
        SubmittedEvent { created_at: at, ..loan(2, "MP0003", "1000003", "2026-12-24", true) },
    ];
    assert!(d.submit(&offline).await.unwrap_err().is_offline());

    let mut peer = peer.restart().await;
    let results = d.submit(&offline).await.unwrap();
    assert_eq!(outcomes(&results), [&EventOutcome::Applied, &EventOutcome::Applied]);
    let state = peer.state().await;
    let log = state["log"].as_array().unwrap();
    assert_eq!(log.len(), 2);
    let sent_at = bookstation::district::sip2::messages::sip_date(at.to_utc());
    for entry in log {
        assert_eq!(entry["no_block"], true);
        assert_eq!(entry["due"], "2026-12-24", "the due date the kiosk gave");
        assert_eq!(entry["date"], sent_at.as_str(), "the original transaction date");
    }
}

#[tokio::test]
async fn a_checkout_applied_whose_answer_was_lost_is_counted_once() {
    let mut peer = Peer::start(PeerOptions::default()).await;
    let d = peer.district(generic());
    assert_eq!(peer.ask("drop 11").await, "ok drop 11 1");
    let lent = loan(1, "MP0004", "1000001", "2026-12-20", false);
    let err = d.submit(std::slice::from_ref(&lent)).await.unwrap_err();
    assert!(err.is_offline(), "{err:?}");
    assert_eq!(peer.applied("checkout", "MP0004").await, 1, "the server applied it");

    // Sent again: 17 says the item is out, and the backend knows it sent it.
    let results = d.submit(std::slice::from_ref(&lent)).await.unwrap();
    assert_eq!(outcomes(&results), [&EventOutcome::Duplicate]);
    assert_eq!(peer.applied("checkout", "MP0004").await, 1, "not applied twice");

    // A kiosk restarted meanwhile no longer knows it sent it: 63 says the
    // item is out to this patron, so it is this checkout, still once.
    let restarted = peer.district(generic());
    let results = restarted.submit(std::slice::from_ref(&lent)).await.unwrap();
    assert_eq!(outcomes(&results), [&EventOutcome::Duplicate]);
    assert_eq!(results[0].due_date, Some(toy_due()), "the library's date, read back from 17");
    assert_eq!(peer.applied("checkout", "MP0004").await, 1);

    // A lost checkin answer likewise.
    assert_eq!(peer.ask("drop 09").await, "ok drop 09 1");
    let back = giveback(2, "MP0004");
    assert!(d.submit(std::slice::from_ref(&back)).await.is_err());
    let results = d.submit(std::slice::from_ref(&back)).await.unwrap();
    assert_eq!(outcomes(&results), [&EventOutcome::Duplicate]);
    assert_eq!(peer.applied("checkin", "MP0004").await, 1);
}

#[tokio::test]
async fn a_server_restart_mid_replay_loses_and_repeats_nothing() {
    let mut peer = Peer::start(PeerOptions::default()).await;
    let d = peer.district(generic());
    let batch: Vec<_> = (5..=8).map(|n| loan(n, &format!("MP{n:04}"), "1000001", "2026-12-24", true)).collect();
    // The server dies right after applying the second checkout.
    assert_eq!(peer.ask("exit_after 11 2").await, "ok exit_after 11 2");
    let first = d.submit(&batch).await.unwrap();
    assert_eq!(outcomes(&first), [&EventOutcome::Applied], "the first is answered, the second is in doubt");
    peer.wait_exit().await;

    let mut peer = peer.restart().await;
    // The sync worker sends what was left out, from the second on.
    let rest = d.submit(&batch[1..]).await.unwrap();
    assert_eq!(outcomes(&rest), [&EventOutcome::Duplicate, &EventOutcome::Applied, &EventOutcome::Applied]);
    for n in 5..=8 {
        assert_eq!(peer.applied("checkout", &format!("MP{n:04}")).await, 1, "MP{n:04}");
    }
}

/// The due date the toy library gives an online loan with `--loan-days`.
fn due_in(days: i64) -> String {
    (chrono::Local::now().date_naive() + chrono::Duration::days(days)).format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn the_due_date_is_the_one_the_library_answers() {
    let mut peer = Peer::start(PeerOptions { loan_days: Some(14), ..Default::default() }).await;
    let d = peer.district(generic());
    // The kiosk proposed its own 15 days; the library lends for 14.
    let results = d.submit(&[loan(1, "MP0001", "1000001", &due_in(15), false)]).await.unwrap();
    assert_eq!(outcomes(&results), [&EventOutcome::Applied]);
    assert_eq!(results[0].due_date, Some(due_in(14)), "AH of the 12, not the kiosk's guess");

    // A lost answer: the retry finds the item out to the same patron, and
    // gives the library's date too, whatever the kiosk had proposed.
    assert_eq!(peer.ask("drop 11").await, "ok drop 11 1");
    let lent = loan(2, "MP0002", "1000001", "2031-01-01", false);
    assert!(d.submit(std::slice::from_ref(&lent)).await.is_err());
    let restarted = peer.district(generic());
    let results = restarted.submit(std::slice::from_ref(&lent)).await.unwrap();
    assert_eq!(outcomes(&results), [&EventOutcome::Duplicate]);
    assert_eq!(results[0].due_date, Some(due_in(14)));
    assert_eq!(peer.applied("checkout", "MP0002").await, 1);

    // Out to someone else (an offline loan replayed): sent with no block,
    // the library moves the loan, and staff are told.
    let other = loan(3, "MP0002", "1000005", &due_in(15), true);
    let results = restarted.submit(std::slice::from_ref(&other)).await.unwrap();
    assert!(matches!(results[0].outcome, EventOutcome::Flagged { .. }), "{results:?}");
}

#[tokio::test]
async fn decomposed_korean_from_the_library_is_stored_composed_and_found() {
    let peer = Peer::start(PeerOptions { nfd: true, ..Default::default() }).await;
    let d = peer.district_with(generic(), None, vec![]);
    for (seq, item) in [(1, "MP0001"), (2, "MP0009")] {
        let restock = EventBody::Restock { item_id: ItemId::new(item), slot: SlotNo(1) };
        assert_eq!(outcomes(&d.submit(&[event(seq, false, now(), restock)]).await.unwrap()), [&EventOutcome::Applied]);
    }
    let inventory = d.inventory().await.unwrap();
    let titles: Vec<&str> = inventory.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["홍길동전", "82년생 김지영"], "NFC, as the keyboard composes");
    let found: Vec<&str> =
        titles.iter().copied().filter(|t| bookstation::domain::search::matches("홍길동", t)).collect();
    assert_eq!(found, ["홍길동전"]);
    let by_initials: Vec<&str> =
        titles.iter().copied().filter(|t| bookstation::domain::search::matches("ㄱㅈㅇ", t)).collect();
    assert_eq!(by_initials, ["82년생 김지영"]);
}

#[tokio::test]
async fn the_librarys_screen_message_reaches_the_kiosk() {
    let said = "Card blocked: please see library staff";
    let peer = Peer::start(PeerOptions { screen_message: Some(said.into()), ..Default::default() }).await;
    let d = peer.district(generic());
    match d.authenticate(&card("04000000000003"), Some(&Secret::from(PIN))).await.unwrap() {
        AuthAnswer::Patron { status, message } => {
            assert_eq!(status.standing, Standing::Suspended);
            // AF, then AG where it says something else.
            assert_eq!(message.as_deref(), Some(format!("{said}\nAG:{said}").as_str()));
        }
        other => panic!("expected the blocked patron, got {other:?}"),
    }
    match d.authenticate(&card("04A1B2C3D4E5F6"), Some(&Secret::from(PIN))).await.unwrap() {
        AuthAnswer::Patron { message, .. } => assert_eq!(message, None, "nothing said to a patron in good standing"),
        other => panic!("{other:?}"),
    }
    // A refused checkout's AF comes back with the rejection.
    let results = d.submit(&[loan(1, "MP0001", "1000003", &due_in(15), false)]).await.unwrap();
    assert!(matches!(results[0].outcome, EventOutcome::Rejected { .. }), "{results:?}");
    assert_eq!(results[0].message.as_deref(), Some(said));
}

#[tokio::test]
async fn the_keepalive_keeps_a_session_the_library_would_drop_when_idle() {
    // The library closes a session idle for 3 s; the kiosk sends a 99
    // after 2 s idle. A fixed 2 s tick let a session used just after a
    // tick sit idle for nearly 4 s, and the library dropped it.
    let mut peer = Peer::start(PeerOptions { idle_timeout: Some(3.0), ..Default::default() }).await;
    peer.keepalive = std::time::Duration::from_secs(2);
    let d = std::sync::Arc::new(peer.district(generic()));
    let keepalive = d.spawn_keepalive();
    // Used just after the keep-alive task started (its old first tick).
    d.probe().await.expect("the session opens");
    // The opening 99, then four keep-alives: some 8 s of an idle session.
    assert_eq!(peer.ask("wait_count sc_status 5").await, "ok sc_status 5");
    let state = peer.state().await;
    assert_eq!((state["connections"].as_u64(), state["idle_closed"].as_u64()), (Some(1), Some(0)), "{state}");
    keepalive.abort();
}

#[tokio::test]
async fn another_librarys_book_is_asked_with_17_and_checked_in_with_this_kiosks_location() {
    use bookstation::district::ReturnHere;
    let mut peer = Peer::start(PeerOptions::default()).await;
    let d = peer.district(generic());
    // The central library's copy, on loan: 17 knows it, its library in AQ.
    let answer = d.return_here(&ItemId::new("MC1001")).await.unwrap();
    assert_eq!(answer, ReturnHere::Accepted { library: "마포중앙도서관".into(), title: Some("코스모스".into()) });
    // A code no library knows, and a book that is not out: not taken.
    assert_eq!(d.return_here(&ItemId::new("ZZ0001")).await.unwrap(), ReturnHere::Refused { library: None });
    assert_eq!(d.return_here(&ItemId::new("MP0001")).await.unwrap(), ReturnHere::Refused { library: None });

    let body = EventBody::Return { item_id: ItemId::new("MC1001"), library: Some("마포중앙도서관".into()) };
    let back = event(1, false, now(), body);
    let results = d.submit(std::slice::from_ref(&back)).await.unwrap();
    assert_eq!(outcomes(&results), [&EventOutcome::Applied]);
    // Sent again (a lost answer, a restart): 17 says it is in, once.
    let again = peer.district(generic()).submit(std::slice::from_ref(&back)).await.unwrap();
    assert_eq!(outcomes(&again), [&EventOutcome::Duplicate]);
    assert_eq!(peer.applied("checkin", "MC1001").await, 1);
    let state = peer.state().await;
    let checkin = state["log"].as_array().unwrap().iter().find(|e| e["item"] == "MC1001").unwrap().clone();
    assert_eq!(checkin["location"], "HAPJEONG", "AP: where it was returned");
    // Not this kiosk's: never in its inventory.
    let inventory = d.inventory().await.unwrap();
    assert!(inventory.items.iter().all(|i| i.id.as_str() != "MC1001"));
}
