//! Wall-clock time as the engine sees it: milliseconds since the Unix epoch,
//! always passed in, never read here.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A point in time, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

/// Korea keeps one offset all year, so due dates need no time-zone database.
const KST_SECONDS: i32 = 9 * 3600;

impl Timestamp {
    pub fn from_secs(secs: i64) -> Self {
        Self(secs * 1000)
    }
    pub fn millis(self) -> i64 {
        self.0
    }
    pub fn plus_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }
    pub fn plus_secs(self, secs: u64) -> Self {
        self.plus_millis(i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX))
    }
    /// Milliseconds from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: Timestamp) -> i64 {
        (self.0 - earlier.0).max(0)
    }
    /// Whole seconds from `self` until `deadline`, rounded up (0 once it
    /// has passed): what a countdown shows.
    pub fn seconds_until(self, deadline: Timestamp) -> u32 {
        u32::try_from((deadline.since(self) + 999) / 1000).unwrap_or(u32::MAX)
    }
    /// The next moment the whole seconds shown before `deadline` change:
    /// a second from now, or the deadline itself in its last second (and
    /// once it has passed).
    pub fn next_second_toward(self, deadline: Timestamp) -> Timestamp {
        let left = deadline.since(self);
        if left == 0 {
            return deadline;
        }
        deadline.plus_millis(-1000 * ((left - 1) / 1000))
    }
    pub fn to_utc(self) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp_millis(self.0).unwrap_or_default()
    }
    /// The calendar date in Seoul, which is what a receipt and a due date show.
    pub fn seoul_date(self) -> NaiveDate {
        let kst = FixedOffset::east_opt(KST_SECONDS).expect("fixed offset in range");
        self.to_utc().with_timezone(&kst).date_naive()
    }
    /// The Seoul date `days` days after this one.
    pub fn seoul_date_plus_days(self, days: u32) -> NaiveDate {
        self.seoul_date() + Duration::days(i64::from(days))
    }
    pub fn rfc3339(self) -> String {
        self.to_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_countdown_shows_whole_seconds_rounded_up_and_moves_each_second() {
        let deadline = Timestamp(60_000);
        assert_eq!(Timestamp(0).seconds_until(deadline), 60);
        assert_eq!(Timestamp(1).seconds_until(deadline), 60);
        assert_eq!(Timestamp(59_001).seconds_until(deadline), 1);
        assert_eq!(Timestamp(61_000).seconds_until(deadline), 0, "passed");
        assert_eq!(Timestamp(0).next_second_toward(deadline), Timestamp(1_000));
        assert_eq!(Timestamp(1).next_second_toward(deadline), Timestamp(1_000));
        assert_eq!(Timestamp(59_500).next_second_toward(deadline), deadline);
        assert_eq!(Timestamp(70_000).next_second_toward(deadline), deadline);
    }

    #[test]
    fn seoul_date_rolls_over_at_15_utc() {
        // 2026-11-29 14:59:59Z is 23:59:59 in Seoul; one second later is the 30th.
        let before = Timestamp::from_secs(1_795_964_399);
        assert_eq!(before.seoul_date().to_string(), "2026-11-29");
        assert_eq!(Timestamp::from_secs(1_795_964_400).seoul_date().to_string(), "2026-11-30");
        assert_eq!(before.seoul_date_plus_days(15).to_string(), "2026-12-14");
    }
}
