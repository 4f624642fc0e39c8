//! The wait between retries of a device that went away (a serial port that
//! will not reopen, pcscd, a scanner): doubling from a minimum up to a
//! maximum, back to the minimum once the device worked again.
//!
//! A plain value rather than the `backoff` or `backon` crates: the drivers
//! run on blocking threads and decide themselves how to wait (a serial port
//! keeps a "not before" instant and fails requests until then; the event
//! threads sleep in short steps to see a stop request), so all they need is
//! the next delay. `backoff` is unmaintained and `backon` is built around
//! retrying a closure, mostly async.

use std::time::Duration;

/// Exponential backoff without jitter (one kiosk, one device: no herd).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    /// The delay the next failure waits.
    current: Duration,
}

impl Backoff {
    /// Starting at `min`, doubling up to `max`.
    pub fn new(min: Duration, max: Duration) -> Self {
        Self { min, max, current: min }
    }

    /// The delay to wait now, after a failure; the next one is twice as
    /// long, at most `max`.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.current;
        self.current = self.current.saturating_mul(2).min(self.max);
        delay
    }

    /// The delay the next failure will wait, without counting a failure.
    pub fn current(&self) -> Duration {
        self.current
    }

    /// The device worked: the next failure waits `min` again.
    pub fn reset(&mut self) {
        self.current = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn doubles_up_to_the_maximum_and_resets_to_the_minimum() {
        let mut b = Backoff::new(250 * MS, 1_000 * MS);
        let delays: Vec<_> = (0..5).map(|_| b.next_delay()).collect();
        assert_eq!(delays, [250 * MS, 500 * MS, 1_000 * MS, 1_000 * MS, 1_000 * MS]);
        b.reset();
        assert_eq!(b.current(), 250 * MS);
        assert_eq!(b.next_delay(), 250 * MS);
        assert_eq!(b.current(), 500 * MS);
    }

    #[test]
    fn never_overflows() {
        let mut b = Backoff::new(Duration::MAX / 3, Duration::MAX);
        for _ in 0..4 {
            b.next_delay();
        }
        assert_eq!(b.current(), Duration::MAX);
    }
}
