//! The SIP2 backend against a SIP2 server nobody here wrote: pysip2's
//! server (strict codec, AY/AZ required) with the toy library of
//! `tests/sip2_peer/`. Every request the backend sends must pass pysip2's
//! decoder, checksum included, or the server closes the connection and the
//! test fails. `make sip2-peer` installs the pinned pysip2.

#[path = "sip2_peer/peer.rs"]
mod peer;

use bookstation::district::sip2::catalogue::HOLD_SHELF_PATRON;
use bookstation::district::{AuthAnswer, District, DistrictError, EventOutcome, SubmittedEvent};
use bookstation::domain::{Credential, EventBody, ItemId, PatronId, PatronStatus, SlotNo, Standing, Timestamp};
use peer::{Peer, PeerOptions, euc_kr, generic};

const PIN: &str = "1234";

fn card(uid: &str) -> Credential {
    Credential::card(uid).expect("a hex UID")
}

async fn patron(district: &impl District, uid: &str) -> PatronStatus {
    match district.authenticate(&card(uid), Some(PIN)).await {
        Ok(AuthAnswer::Patron { status }) => status,
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
    event(seq, false, now(), EventBody::Return { item_id: ItemId::new(item) })
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

    let wrong = d.authenticate(&card("04A1B2C3D4E5F6"), Some("9999")).await.unwrap();
    assert_eq!(wrong, AuthAnswer::WrongPin { patron_id: Some(PatronId::new("1000001")) });
    let unknown = d.authenticate(&card("04FFFFFFFFFFFF"), Some(PIN)).await.unwrap();
    assert_eq!(unknown, AuthAnswer::UnknownCredential);
    // A member number reaches the same patron.
    let typed = Credential::member_number("1000001").unwrap();
    assert!(matches!(d.authenticate(&typed, Some(PIN)).await, Ok(AuthAnswer::Patron { .. })));
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
    let sent_at = bookstation::district::sip2::messages::sip_date(at);
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

    // A kiosk restarted meanwhile no longer knows it sent it: still once.
    let restarted = peer.district(generic());
    let results = restarted.submit(std::slice::from_ref(&lent)).await.unwrap();
    assert!(results[0].outcome.is_delivered(), "{results:?}");
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
