//! The signed-in patron's standing: the district's status (or the cached
//! one, offline), settled with what this kiosk lent and took back that the
//! district has not counted yet, and the allowance that follows. Every loan
//! and return in the session settles it again, so a patron who returns an
//! overdue book may borrow at once.

use super::EngineSettings;
use crate::domain::holdings::{KioskRecord, Unsynced, settled_status};
use crate::domain::rules::{self, Allowance, OutageCounts};
use crate::domain::{CachedPatron, Credential, ItemId, PatronStatus, RefusalReason, Secret, Timestamp};

/// Where the status came from, and what the offline policy needs.
#[derive(Debug, Clone)]
pub(super) enum Basis {
    Online,
    Offline { seen_online_at: Timestamp, outage_started: Timestamp, counts: OutageCounts },
}

/// The signed-in patron.
#[derive(Debug, Clone)]
pub(super) struct PatronSession {
    /// Kept only for the length of the session; never logged.
    pub(super) credential: Credential,
    /// As the district (or the cache) gave it.
    status: PatronStatus,
    record: KioskRecord,
    basis: Basis,
    /// `status` with `record` applied: what the patron holds now.
    pub(super) settled: PatronStatus,
    /// How many more books, or why none.
    pub(super) allowance: Result<Allowance, RefusalReason>,
    /// The library system's words for the patron at sign-in (SIP2
    /// `AF`/`AG`), shown on a refusal as the library's; a `Secret`, as
    /// it may name the patron.
    pub(super) library_message: Option<Secret>,
}

impl PatronSession {
    pub(super) fn new(
        credential: Credential,
        status: PatronStatus,
        record: KioskRecord,
        basis: Basis,
        settings: &EngineSettings,
        now: Timestamp,
    ) -> Self {
        let mut s = Self {
            credential,
            settled: status.clone(),
            status,
            record,
            basis,
            allowance: Err(RefusalReason::OfflineNotEligible),
            library_message: None,
        };
        s.settle(settings, now);
        s
    }

    pub(super) fn offline(&self) -> bool {
        matches!(self.basis, Basis::Offline { .. })
    }

    /// A book left its locker for this patron.
    pub(super) fn lent(&mut self, item: &ItemId, hold: bool, settings: &EngineSettings, now: Timestamp) {
        self.record.unsynced.push(Unsynced::Lent(item.clone()));
        if hold {
            self.status.ready_holds.retain(|h| h.item_id != *item);
        }
        if let Basis::Offline { counts, .. } = &mut self.basis {
            counts.this_patron += 1;
            counts.all_patrons += 1;
        }
        self.settle(settings, now);
    }

    /// A book went down the chute during this patron's session.
    pub(super) fn returned(&mut self, item: &ItemId, settings: &EngineSettings, now: Timestamp) {
        self.record.unsynced.push(Unsynced::Returned(item.clone()));
        self.settle(settings, now);
    }

    fn settle(&mut self, settings: &EngineSettings, now: Timestamp) {
        self.settled = settled_status(&self.status, &self.record);
        let allowance = match &self.basis {
            Basis::Online => rules::borrowing_allowance(&self.settled, &settings.loan),
            Basis::Offline { seen_online_at, outage_started, counts } => rules::offline_allowance(
                Some(&CachedPatron { status: self.settled.clone(), seen_online_at: *seen_online_at }),
                now,
                *outage_started,
                *counts,
                &settings.offline,
                &settings.loan,
            ),
        };
        self.allowance = allowance.map_err(|r| r.reason);
    }
}
