//! The lending policy in force, filled from config (and later the district).

use serde::{Deserialize, Serialize};

/// Online lending limits (Mapo smart-library defaults in `Default`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanPolicy {
    /// Books a patron may have out from this kiosk at once.
    pub kiosk_limit: u32,
    /// Loans a patron may have out in the whole district.
    pub district_quota: u32,
    pub loan_days: u32,
}

impl Default for LoanPolicy {
    fn default() -> Self {
        Self { kiosk_limit: 2, district_quota: 5, loan_days: 15 }
    }
}

/// What may be lent while the district cannot be reached: the config's
/// `[offline]` table itself (every key may be omitted; unknown keys are
/// refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OfflinePolicy {
    /// Lend offline at all; off means loans wait for the network.
    pub loans_allowed: bool,
    /// Only patrons authenticated online within this many hours may borrow
    /// offline, so a since-suspended card is not trusted for long.
    pub seen_within_hours: u32,
    /// Offline loans per patron in one outage.
    pub per_patron: u32,
    /// Offline loans in one outage, all patrons together: bounds the loss if
    /// the cached standings turn out wrong.
    pub per_outage: u32,
    /// Once an outage is this old, no more offline loans.
    pub max_outage_hours: u32,
}

impl Default for OfflinePolicy {
    fn default() -> Self {
        Self { loans_allowed: true, seen_within_hours: 72, per_patron: 1, per_outage: 20, max_outage_hours: 24 }
    }
}
