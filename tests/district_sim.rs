//! The simulated district seen from outside the crate, the way the sync
//! worker uses it: through `Arc<dyn District>`, across an outage and a server
//! error, re-sending whatever got no answer. Whatever the faults, the district
//! must end up with every event exactly once and in `seq` order.

use bookstation::demo::SimDistrict;
use bookstation::demo::seed::{DEMO_KIOSK_ID, DEMO_PATRON_PIN};
use bookstation::district::{AuthAnswer, District, DistrictError, EventOutcome, SubmittedEvent};
use bookstation::domain::Secret;
use bookstation::domain::{Credential, EventBody, ItemId, PatronId, SlotNo, Timestamp};
use std::sync::Arc;

fn event(seq: i64, offline: bool, body: EventBody) -> SubmittedEvent {
    SubmittedEvent {
        id: uuid::Uuid::now_v7(),
        seq,
        kiosk_id: DEMO_KIOSK_ID.into(),
        offline,
        created_at: Timestamp::from_secs(1_795_900_000 + seq),
        body,
    }
}

fn loan(seq: i64, item: &str, slot: u16) -> SubmittedEvent {
    let body = EventBody::Loan {
        item_id: ItemId::new(item),
        patron_id: PatronId::new("1000001"),
        slot: SlotNo(slot),
        due_date: "2026-12-14".into(),
    };
    event(seq, true, body)
}

/// One round of a naive sync worker: send the whole queue, drop what was answered.
async fn sync(district: &dyn District, queue: &mut Vec<SubmittedEvent>) -> Result<(), DistrictError> {
    let results = district.submit(queue).await?;
    queue.retain(|e| !results.iter().any(|r| r.id == e.id));
    Ok(())
}

#[tokio::test]
async fn every_event_arrives_once_and_in_order_across_faults() {
    let sim = SimDistrict::demo(DEMO_KIOSK_ID);
    let district: Arc<dyn District> = Arc::new(sim.clone());

    sim.set_reachable(false);
    let mut queue =
        vec![loan(1, "MP0001", 1), event(2, true, EventBody::Return { item_id: ItemId::new("MP0041"), library: None })];
    let err = sync(district.as_ref(), &mut queue).await.unwrap_err();
    assert!(err.is_offline());

    sim.set_reachable(true);
    sim.set_fail_next(1);
    queue.push(loan(3, "MP0002", 2));
    let err = sync(district.as_ref(), &mut queue).await.unwrap_err();
    assert!(!err.is_offline());
    assert_eq!(queue.len(), 3);

    // The answer to this batch is "lost": the worker sends it again.
    let resent = queue.clone();
    sync(district.as_ref(), &mut queue).await.unwrap();
    assert!(queue.is_empty());
    let again = district.submit(&resent).await.unwrap();
    assert!(again.iter().all(|r| r.outcome == EventOutcome::Duplicate));

    let state = sim.state();
    assert_eq!(state.seqs(DEMO_KIOSK_ID), vec![1, 2, 3]);
    assert!(state.events.iter().all(|e| e.received == 2 && e.outcome == EventOutcome::Applied));
    assert_eq!(state.loans.iter().filter(|l| l.offline).count(), 2);

    let card = Credential::card("04A1B2C3D4E5F6").unwrap();
    match district.authenticate(&card, Some(&Secret::from(DEMO_PATRON_PIN))).await.unwrap() {
        AuthAnswer::Patron { status, .. } => assert_eq!((status.loans_here, status.loans_total), (2, 2)),
        other => panic!("expected a patron, got {other:?}"),
    }
}
