//! The lending and return rules. Each returns what is allowed or a
//! [`Refusal`] whose reason the engine shows on the refusal screen.

use super::{CachedPatron, Item, LoanPolicy, OfflinePolicy, PatronId, PatronStatus, Slot, Standing, Timestamp};
use serde::{Deserialize, Serialize};

/// Why the kiosk says no. Serialised in snake_case into the view state; the
/// UI turns `message_key()` into words in the patron's language.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::VariantArray, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RefusalReason {
    UnknownCard,
    WrongPin,
    PinLocked,
    Suspended,
    OverdueItems,
    DistrictQuotaReached,
    KioskLimitReached,
    ItemNotAvailable,
    ItemHeldForSomeoneElse,
    ItemIsYourHold,
    ItemNotFromThisKiosk,
    ItemNotOnLoan,
    ReturnBinFull,
    OfflineNotEligible,
    DistrictUnavailable,
    KioskOutOfService,
    NotStaff,
}

impl RefusalReason {
    /// Every reason (the UI has words for each: a test walks this list).
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// Translation key of the sentence that says why.
    pub fn message_key(self) -> String {
        format!("refusal.{}", self.code())
    }

    /// Translation key of the sentence that says what to do next.
    pub fn help_key(self) -> String {
        format!("help.{}", self.code())
    }

    /// The snake_case code, as in JSON.
    pub fn code(self) -> &'static str {
        self.into()
    }
}

/// A "no" with its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub reason: RefusalReason,
}

impl From<RefusalReason> for Refusal {
    fn from(reason: RefusalReason) -> Self {
        Self { reason }
    }
}

fn refuse<T>(reason: RefusalReason) -> Result<T, Refusal> {
    Err(Refusal { reason })
}

/// How many more books a patron may take in this session, and which limit
/// stops them after that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowance {
    pub remaining: u32,
    /// The limit that is reached when `remaining` books have been selected.
    pub binding: RefusalReason,
}

/// May this patron borrow at all, and how many? `patron` is the settled
/// status ([`super::holdings::settled_status`]): the district's counts plus
/// what this kiosk lent and took back since.
pub fn borrowing_allowance(patron: &PatronStatus, policy: &LoanPolicy) -> Result<Allowance, Refusal> {
    if patron.standing == Standing::Suspended {
        return refuse(RefusalReason::Suspended);
    }
    if patron.overdue_items > 0 {
        return refuse(RefusalReason::OverdueItems);
    }
    let quota_left = policy.district_quota.saturating_sub(patron.loans_total);
    let kiosk_left = policy.kiosk_limit.saturating_sub(patron.loans_here);
    if quota_left == 0 {
        return refuse(RefusalReason::DistrictQuotaReached);
    }
    if kiosk_left == 0 {
        return refuse(RefusalReason::KioskLimitReached);
    }
    Ok(if quota_left < kiosk_left {
        Allowance { remaining: quota_left, binding: RefusalReason::DistrictQuotaReached }
    } else {
        Allowance { remaining: kiosk_left, binding: RefusalReason::KioskLimitReached }
    })
}

/// May the patron add this item to their selection? `seen` is whether the
/// locker's item sensor sees a book: a record alone lends nothing.
pub fn can_select(
    item: &Item,
    slot: Option<&Slot>,
    seen: bool,
    patron: &PatronId,
    already_selected: usize,
    allowance: Allowance,
) -> Result<(), Refusal> {
    match &item.hold_for {
        Some(holder) if holder == patron => return refuse(RefusalReason::ItemIsYourHold),
        Some(_) => return refuse(RefusalReason::ItemHeldForSomeoneElse),
        None => {}
    }
    if !slot.is_some_and(|s| offered(s, seen)) {
        return refuse(RefusalReason::ItemNotAvailable);
    }
    if already_selected as u64 >= u64::from(allowance.remaining) {
        return refuse(allowance.binding);
    }
    Ok(())
}

/// May a patron be offered the book this locker's record names? Only from a
/// working locker whose item sensor sees a book: staff may have taken it
/// out, and a loan must match a book that really leaves its locker.
pub fn offered(slot: &Slot, seen: bool) -> bool {
    slot.usable() && slot.item.is_some() && seen
}

/// What the kiosk knows about a book presented for return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnCheck {
    /// The book is in this kiosk's inventory.
    pub belongs_here: bool,
    /// The kiosk already has it in a locker or in the bin.
    pub already_here: bool,
    pub bin_count: u32,
    pub bin_capacity: u32,
    /// The bin's door works and staff have not taken it out of service.
    pub bin_usable: bool,
}

/// May this book go into the return bin? Returns need no patron and are
/// accepted offline too.
pub fn can_return(check: ReturnCheck) -> Result<(), Refusal> {
    if !check.belongs_here {
        return refuse(RefusalReason::ItemNotFromThisKiosk);
    }
    if check.already_here {
        return refuse(RefusalReason::ItemNotOnLoan);
    }
    if !check.bin_usable || check.bin_count >= check.bin_capacity {
        return refuse(RefusalReason::ReturnBinFull);
    }
    Ok(())
}

/// Offline lending counters of the current outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutageCounts {
    pub this_patron: u32,
    pub all_patrons: u32,
}

/// May a patron borrow while the district is unreachable? Only someone seen
/// online recently, in good standing, within the per-patron and per-outage
/// caps, and never once the outage is older than the limit.
pub fn offline_allowance(
    cached: Option<&CachedPatron>,
    now: Timestamp,
    outage_started: Timestamp,
    counts: OutageCounts,
    offline: &OfflinePolicy,
    policy: &LoanPolicy,
) -> Result<Allowance, Refusal> {
    const HOUR_MS: i64 = 3_600_000;
    let not_eligible = || refuse(RefusalReason::OfflineNotEligible);
    let Some(cached) = cached else { return not_eligible() };
    if !offline.loans_allowed
        || now.since(cached.seen_online_at) > i64::from(offline.seen_within_hours) * HOUR_MS
        || now.since(outage_started) > i64::from(offline.max_outage_hours) * HOUR_MS
    {
        return not_eligible();
    }
    let online = borrowing_allowance(&cached.status, policy)?;
    let patron_left = offline.per_patron.saturating_sub(counts.this_patron);
    let outage_left = offline.per_outage.saturating_sub(counts.all_patrons);
    let remaining = online.remaining.min(patron_left).min(outage_left);
    if remaining == 0 {
        return not_eligible();
    }
    let binding = if remaining < online.remaining { RefusalReason::OfflineNotEligible } else { online.binding };
    Ok(Allowance { remaining, binding })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ItemId, SlotKind, SlotNo};

    fn patron() -> PatronStatus {
        PatronStatus {
            patron_id: PatronId::new("1000001"),
            standing: Standing::Good,
            suspended_until: None,
            overdue_items: 0,
            loans_total: 0,
            loans_here: 0,
            loans: vec![],
            ready_holds: vec![],
        }
    }

    fn item(hold_for: Option<&str>) -> Item {
        Item {
            id: ItemId::new("MP0001"),
            title: "홍길동전".into(),
            author: "허균".into(),
            category: "고전".into(),
            category_en: None,
            cover_url: None,
            hold_for: hold_for.map(PatronId::new),
        }
    }

    fn locker() -> Slot {
        Slot {
            no: SlotNo(1),
            kind: SlotKind::Locker,
            item: Some(ItemId::new("MP0001")),
            out_of_service: false,
            fault: None,
        }
    }

    const TWO: Allowance = Allowance { remaining: 2, binding: RefusalReason::KioskLimitReached };

    fn reason<T: std::fmt::Debug>(r: Result<T, Refusal>) -> RefusalReason {
        r.expect_err("expected a refusal").reason
    }

    #[test]
    fn good_patron_gets_the_kiosk_limit() {
        let a = borrowing_allowance(&patron(), &LoanPolicy::default()).unwrap();
        assert_eq!(a, TWO);
    }

    #[test]
    fn suspended_patron_is_refused() {
        let p = PatronStatus { standing: Standing::Suspended, ..patron() };
        assert_eq!(reason(borrowing_allowance(&p, &LoanPolicy::default())), RefusalReason::Suspended);
    }

    #[test]
    fn overdue_items_are_refused() {
        let p = PatronStatus { overdue_items: 1, ..patron() };
        assert_eq!(reason(borrowing_allowance(&p, &LoanPolicy::default())), RefusalReason::OverdueItems);
    }

    /// `p` with one loan made here that the district has not heard of.
    fn one_more(p: &PatronStatus) -> PatronStatus {
        use crate::domain::holdings::{KioskRecord, Unsynced, settled_status};
        settled_status(p, &KioskRecord { held: vec![], unsynced: vec![Unsynced::Lent(ItemId::new("MP0009"))] })
    }

    #[test]
    fn district_quota_counts_pending_loans() {
        let p = PatronStatus { loans_total: 4, ..patron() };
        let a = borrowing_allowance(&p, &LoanPolicy::default()).unwrap();
        assert_eq!(a, Allowance { remaining: 1, binding: RefusalReason::DistrictQuotaReached });
        assert_eq!(
            reason(borrowing_allowance(&one_more(&p), &LoanPolicy::default())),
            RefusalReason::DistrictQuotaReached
        );
    }

    #[test]
    fn kiosk_limit_reached() {
        let p = PatronStatus { loans_total: 2, loans_here: 2, ..patron() };
        assert_eq!(reason(borrowing_allowance(&p, &LoanPolicy::default())), RefusalReason::KioskLimitReached);
        let p = PatronStatus { loans_total: 1, loans_here: 1, ..patron() };
        assert_eq!(
            reason(borrowing_allowance(&one_more(&p), &LoanPolicy::default())),
            RefusalReason::KioskLimitReached
        );
    }

    #[test]
    fn select_checks_availability_holds_and_limit() {
        let me = PatronId::new("1000001");
        assert_eq!(can_select(&item(None), Some(&locker()), true, &me, 0, TWO), Ok(()));
        assert_eq!(reason(can_select(&item(None), None, true, &me, 0, TWO)), RefusalReason::ItemNotAvailable);
        let broken = Slot { fault: Some("jammed".into()), ..locker() };
        assert_eq!(reason(can_select(&item(None), Some(&broken), true, &me, 0, TWO)), RefusalReason::ItemNotAvailable);
        let closed = Slot { out_of_service: true, ..locker() };
        assert_eq!(reason(can_select(&item(None), Some(&closed), true, &me, 0, TWO)), RefusalReason::ItemNotAvailable);
        assert_eq!(
            reason(can_select(&item(Some("1000004")), Some(&locker()), true, &me, 0, TWO)),
            RefusalReason::ItemHeldForSomeoneElse
        );
        assert_eq!(
            reason(can_select(&item(Some("1000001")), Some(&locker()), true, &me, 0, TWO)),
            RefusalReason::ItemIsYourHold
        );
        assert_eq!(
            reason(can_select(&item(None), Some(&locker()), true, &me, 2, TWO)),
            RefusalReason::KioskLimitReached
        );
        assert_eq!(
            reason(can_select(&item(None), Some(&locker()), false, &me, 0, TWO)),
            RefusalReason::ItemNotAvailable,
            "the record says the book is there, the sensor does not see it"
        );
    }

    fn ret() -> ReturnCheck {
        ReturnCheck { belongs_here: true, already_here: false, bin_count: 0, bin_capacity: 30, bin_usable: true }
    }

    #[test]
    fn returns() {
        assert_eq!(can_return(ret()), Ok(()));
        assert_eq!(
            reason(can_return(ReturnCheck { belongs_here: false, ..ret() })),
            RefusalReason::ItemNotFromThisKiosk
        );
        assert_eq!(reason(can_return(ReturnCheck { already_here: true, ..ret() })), RefusalReason::ItemNotOnLoan);
        assert_eq!(reason(can_return(ReturnCheck { bin_count: 30, ..ret() })), RefusalReason::ReturnBinFull);
        assert_eq!(reason(can_return(ReturnCheck { bin_usable: false, ..ret() })), RefusalReason::ReturnBinFull);
    }

    const H: i64 = 3_600_000;

    fn cached(seen: i64) -> CachedPatron {
        CachedPatron { status: patron(), seen_online_at: Timestamp(seen) }
    }

    fn offline(c: Option<&CachedPatron>, now: i64, counts: OutageCounts) -> Result<Allowance, Refusal> {
        offline_allowance(c, Timestamp(now), Timestamp(0), counts, &OfflinePolicy::default(), &LoanPolicy::default())
    }

    #[test]
    fn offline_lending_follows_the_policy() {
        let c = cached(0);
        let a = offline(Some(&c), 6 * H, OutageCounts::default()).unwrap();
        assert_eq!(a.remaining, 1, "one offline loan per patron by default");
        assert_eq!(reason(offline(None, H, OutageCounts::default())), RefusalReason::OfflineNotEligible);
        assert_eq!(reason(offline(Some(&c), 73 * H, OutageCounts::default())), RefusalReason::OfflineNotEligible);
        let recent = cached(20 * H);
        assert_eq!(reason(offline(Some(&recent), 25 * H, OutageCounts::default())), RefusalReason::OfflineNotEligible);
        let per_patron = OutageCounts { this_patron: 1, all_patrons: 1 };
        assert_eq!(reason(offline(Some(&c), H, per_patron)), RefusalReason::OfflineNotEligible);
        let per_outage = OutageCounts { this_patron: 0, all_patrons: 20 };
        assert_eq!(reason(offline(Some(&c), H, per_outage)), RefusalReason::OfflineNotEligible);
        let suspended = CachedPatron { status: PatronStatus { standing: Standing::Suspended, ..patron() }, ..c };
        assert_eq!(reason(offline(Some(&suspended), H, OutageCounts::default())), RefusalReason::Suspended);
        let off = OfflinePolicy { loans_allowed: false, ..OfflinePolicy::default() };
        let r = offline_allowance(
            Some(&c),
            Timestamp(H),
            Timestamp(0),
            OutageCounts::default(),
            &off,
            &LoanPolicy::default(),
        );
        assert_eq!(reason(r), RefusalReason::OfflineNotEligible);
    }

    #[test]
    fn every_reason_has_distinct_keys() {
        use std::collections::HashSet;
        let all = RefusalReason::ALL;
        let keys: HashSet<_> = all.iter().map(|r| r.message_key()).collect();
        assert_eq!(keys.len(), all.len());
        for &r in all {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.code()));
        }
    }
}
