//! The faults a real network and a real server have, as switches: what
//! `POST /sim/faults` takes and `GET /sim/faults` shows ([`Faults`]), and
//! the draw each API call makes from them ([`Drawn`]). Acting on a draw is
//! the routes' job (`routes.rs`); going down is the listener's
//! (`listener.rs`).

use super::Shared;
use serde::{Deserialize, Serialize};
use std::sync::{MutexGuard, PoisonError};
use std::time::Duration;

/// The faults switched on, as `POST /sim/faults` takes them and `GET`
/// shows them. Counters count down, one per call (or per new event for
/// `reject`); a missing key is 0.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Refuse connections for this many seconds, closing open ones; the
    /// listener comes back by itself. (In-process: [`SimServer::set_down`](super::SimServer::set_down).)
    pub down_secs: u64,
    /// Every API call waits this long before it is handled.
    pub slow_ms: u64,
    /// The next N API calls are answered `500` without being handled.
    pub http_500: u32,
    /// The next N API calls are answered `503` with `Retry-After:
    /// retry_after_secs`, without being handled.
    pub busy: u32,
    /// The `Retry-After` sent with `busy`, in seconds.
    pub retry_after_secs: u64,
    /// The next N API calls are handled, then answered with JSON cut in half.
    pub malformed: u32,
    /// The next N event batches are applied, then the connection is closed
    /// before any answer.
    pub drop_after_apply: u32,
    /// The next N event batches: only the first half (at least one event)
    /// is applied and answered.
    pub partial: u32,
    /// The next N events the district has not seen are answered `rejected`
    /// and not recorded.
    pub reject: u32,
}

/// The faults one call drew.
#[derive(Debug, Default, Clone)]
pub(super) struct Drawn {
    pub(super) slow: Option<Duration>,
    pub(super) fail: bool,
    pub(super) busy: Option<u64>,
    pub(super) malformed: bool,
    pub(super) drop_after_apply: bool,
    pub(super) partial: bool,
}

fn take(counter: &mut u32) -> bool {
    let hit = *counter > 0;
    *counter = counter.saturating_sub(1);
    hit
}

impl Shared {
    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Switch faults: `reject` goes to the district, the rest stays here
    /// (`down_secs` is the caller's to act on).
    pub(super) fn set_faults(&self, faults: &Faults) {
        self.sim.set_reject_next(faults.reject);
        *self.faults() = Faults { down_secs: 0, reject: 0, ..faults.clone() };
    }

    /// The faults still to fire.
    pub(super) fn current_faults(&self) -> Faults {
        Faults { reject: self.sim.reject_next(), ..self.faults().clone() }
    }

    /// The faults one API call draws; `batch`: an event batch, which also
    /// draws `drop_after_apply` and `partial`.
    pub(super) fn draw(&self, batch: bool) -> Drawn {
        let mut f = self.faults();
        Drawn {
            slow: (f.slow_ms > 0).then(|| Duration::from_millis(f.slow_ms)),
            fail: take(&mut f.http_500),
            busy: take(&mut f.busy).then_some(f.retry_after_secs),
            malformed: take(&mut f.malformed),
            drop_after_apply: batch && take(&mut f.drop_after_apply),
            partial: batch && take(&mut f.partial),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_take_only_known_keys_and_count_down() {
        let faults: Faults = serde_json::from_str(r#"{"http_500": 2, "slow_ms": 5}"#).unwrap();
        assert_eq!((faults.http_500, faults.slow_ms, faults.partial), (2, 5, 0));
        assert!(serde_json::from_str::<Faults>(r#"{"http500": 2}"#).is_err());
        let mut n = 1;
        assert!(take(&mut n));
        assert!(!take(&mut n));
        assert_eq!(n, 0);
    }
}
