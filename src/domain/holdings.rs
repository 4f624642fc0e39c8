//! What a patron really holds, from the district's status and what this
//! kiosk did since. The district counts only events it has received; the
//! kiosk's outbox may hold loans and returns it has not, and the patron's
//! limits must follow the books, not the sync: two books lent and both
//! returned during an outage leave the patron holding nothing.

use super::{ItemId, Loan, PatronStatus};

/// One event of this kiosk's that the district's counts do not include yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsynced {
    /// A loan or hold pickup to this patron.
    Lent(ItemId),
    /// A return of this copy, by whoever held it (returns need no card).
    Returned(ItemId),
}

/// What the kiosk knows about a patron's books beyond the district's status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KioskRecord {
    /// Copies this kiosk lent the patron that the district has acknowledged
    /// and that no acknowledged return followed: the district counts them,
    /// even when it does not list them.
    pub held: Vec<ItemId>,
    /// Events the district has not acknowledged, oldest first.
    pub unsynced: Vec<Unsynced>,
}

/// The status the district will give once it has every event in `record`:
/// each unsynced loan adds a book, each unsynced return of a book the patron
/// holds takes one away (and an overdue one off the overdue count). A return
/// of a book the patron does not hold changes nothing. The settled `loans`
/// list what the patron holds, the district's first, in its order.
pub fn settled_status(status: &PatronStatus, record: &KioskRecord) -> PatronStatus {
    let mut s = status.clone();
    let known = |loans: &[Loan], item: &ItemId| loans.iter().any(|l| l.item_id == *item);
    for item in &record.held {
        if !known(&s.loans, item) {
            s.loans.push(Loan::of(item.clone()));
        }
    }
    for event in &record.unsynced {
        match event {
            Unsynced::Lent(item) => {
                if !known(&s.loans, item) {
                    s.loans.push(Loan::of(item.clone()));
                }
                s.loans_total = s.loans_total.saturating_add(1);
                s.loans_here = s.loans_here.saturating_add(1);
            }
            Unsynced::Returned(item) => {
                let Some(at) = s.loans.iter().position(|l| l.item_id == *item) else { continue };
                let loan = s.loans.remove(at);
                s.loans_total = s.loans_total.saturating_sub(1);
                s.loans_here = s.loans_here.saturating_sub(1);
                if loan.overdue {
                    s.overdue_items = s.overdue_items.saturating_sub(1);
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PatronId, Standing};

    fn status(loans: &[&str], overdue: &[&str]) -> PatronStatus {
        PatronStatus {
            patron_id: PatronId::new("1000001"),
            standing: Standing::Good,
            suspended_until: None,
            overdue_items: u32::try_from(overdue.len()).unwrap(),
            loans_total: u32::try_from(loans.len()).unwrap(),
            loans_here: u32::try_from(loans.len()).unwrap(),
            loans: loans.iter().map(|i| Loan { overdue: overdue.contains(i), ..Loan::of(ItemId::new(*i)) }).collect(),
            ready_holds: vec![],
        }
    }

    fn lent(i: &str) -> Unsynced {
        Unsynced::Lent(ItemId::new(i))
    }

    fn returned(i: &str) -> Unsynced {
        Unsynced::Returned(ItemId::new(i))
    }

    #[test]
    fn lent_and_returned_before_sync_leaves_nothing() {
        let record = KioskRecord { held: vec![], unsynced: vec![lent("A"), lent("B"), returned("A"), returned("B")] };
        let s = settled_status(&status(&[], &[]), &record);
        assert_eq!((s.loans_total, s.loans_here), (0, 0));
    }

    #[test]
    fn returning_an_overdue_book_lifts_the_overdue_count() {
        let record = KioskRecord { held: vec![], unsynced: vec![returned("OLD")] };
        let s = settled_status(&status(&["OLD", "NEW"], &["OLD"]), &record);
        assert_eq!((s.loans_total, s.overdue_items), (1, 0));
    }

    #[test]
    fn a_book_the_district_counts_but_does_not_list_comes_off_when_returned() {
        let mut district = status(&[], &[]);
        district.loans_total = 1;
        district.loans_here = 1;
        let record = KioskRecord { held: vec![ItemId::new("A")], unsynced: vec![returned("A")] };
        assert_eq!(settled_status(&district, &record).loans_total, 0);
    }

    #[test]
    fn someone_elses_return_changes_nothing() {
        let record = KioskRecord { held: vec![], unsynced: vec![returned("X"), returned("A"), returned("A")] };
        let s = settled_status(&status(&["A"], &[]), &record);
        assert_eq!(s.loans_total, 0, "A once, X never held, A's second return held nothing");
    }

    #[test]
    fn the_settled_loans_list_what_the_patron_holds_with_the_districts_titles() {
        let mut district = status(&["A", "B"], &[]);
        district.loans[0].title = "채식주의자".into();
        district.loans[0].due_date = Some("2026-12-17".into());
        let record = KioskRecord { held: vec![], unsynced: vec![returned("B"), lent("C")] };
        let s = settled_status(&district, &record);
        let listed: Vec<(&str, &str)> = s.loans.iter().map(|l| (l.item_id.as_str(), l.title.as_str())).collect();
        assert_eq!(listed, [("A", "채식주의자"), ("C", "")]);
        assert_eq!(s.loans[0].due_date.as_deref(), Some("2026-12-17"));
    }
}
