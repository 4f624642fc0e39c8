//! What a patron's visit costs the store, counted (issue 13): SQL statements
//! and commits (each an fsync of the WAL) for a borrow and for a return, the
//! same at 500 and 1,000 lockers as at 40. Counts, not times: they do not
//! drift with the machine. One test in this binary, because the counts are
//! process-wide.

mod common;

use bookstation::demo::SimDistrict;
use bookstation::engine::Screen;
use bookstation::store::StoreCounts;
use common::*;
use serde_json::json;

#[derive(Debug, PartialEq, Eq)]
struct Visit {
    borrow: StoreCounts,
    give_back: StoreCounts,
}

async fn kiosk(lockers: u16) -> Kiosk {
    Kiosk::with_district(
        |c| {
            c.hardware.lockers = lockers;
            c.hardware.return_bin_slot = lockers + 1;
        },
        |id| SimDistrict::demo_sized(id, lockers),
    )
    .await
}

/// A borrow of `book` from card tap to logout, then the book given back.
async fn visit(k: &mut Kiosk, book: &str) -> Visit {
    let bin = k.config.hardware.return_bin_slot;
    let before = StoreCounts::now();
    let slot = k.borrow_until_door_open(book).await;
    k.take(slot).await;
    k.close(slot).await;
    assert_eq!(k.slot_item(slot).await, None, "the loan is recorded");
    k.act(json!({"action": "logout"})).await;
    let borrow = StoreCounts::since(before);

    let before = StoreCounts::now();
    k.scan(book).await;
    k.put(bin, book).await;
    k.close(bin).await;
    k.act(json!({"action": "logout"})).await;
    let give_back = StoreCounts::since(before);
    assert_eq!(k.screen(), Screen::Attract);
    Visit { borrow, give_back }
}

#[tokio::test]
async fn a_visit_costs_the_store_the_same_at_any_cabinet_size() {
    let mut small = kiosk(40).await;
    let first = visit(&mut small, "MP0001").await;
    // The second visit is the steady state (the patron is cached now).
    let at_40 = visit(&mut small, "MP0002").await;
    assert_eq!(first.give_back, at_40.give_back, "a return costs the same every time");
    // A loan is two fsynced transactions: the intent before the door
    // opens, the loan with its event once it shuts; the sign-in adds its own.
    assert!(at_40.borrow.commits >= 2, "{at_40:?}");
    for lockers in [500, 1000] {
        let mut big = kiosk(lockers).await;
        let _ = visit(&mut big, "MP0001").await;
        let steady = visit(&mut big, "MP0002").await;
        assert_eq!(steady, at_40, "a visit at {lockers} lockers against one at 40");
    }
    // The figures today (make bench prints them too): a change that costs a
    // statement or a commit more shows here first.
    assert_eq!(at_40.borrow, StoreCounts { statements: 30, commits: 5 });
    assert_eq!(at_40.give_back, StoreCounts { statements: 13, commits: 2 });
}
