//! Staff sign-in and the PIN throttle shared by staff and patron PINs.

use super::StaffId;
use super::Timestamp;
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use sha2::{Digest, Sha256};

/// SHA-256 of a staff card UID, as written in the config; the config file
/// never holds a card UID in the clear.
pub fn staff_card_digest(uid: &str) -> String {
    hex::encode(Sha256::digest(format!("card:{uid}").as_bytes()))
}

/// Check a PIN against an Argon2 PHC string (`$argon2id$...`). A malformed
/// hash verifies nothing.
pub fn verify_pin(phc: &str, pin: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| argon2::Argon2::default().verify_password(pin.as_bytes(), &hash).is_ok())
}

/// One person who may enter maintenance mode: a `[[staff]]` entry of the
/// config, as it is written there.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMember {
    /// Who this is, for the event log (`staff-01`); never a card UID.
    pub id: StaffId,
    /// `staff_card_digest(uid)`: hex SHA-256 of `"card:" + UID`, so a copy of
    /// the config does not hand out working card numbers. Case is ignored.
    pub card_sha256: String,
    /// Argon2 PHC string of the PIN (`$argon2id$v=19$...`); a stolen staff
    /// card alone does not open the cabinet.
    pub pin_argon2: String,
}

impl StaffMember {
    /// Whether the card with this UID is this person's.
    pub fn matches_card(&self, uid: &str) -> bool {
        staff_card_digest(uid).eq_ignore_ascii_case(&self.card_sha256)
    }

    /// Whether `pin` is this person's PIN (Argon2: tens of milliseconds).
    pub fn verify_pin(&self, pin: &str) -> bool {
        verify_pin(&self.pin_argon2, pin)
    }
}

/// Hash a PIN for the config (`bookstation hash-pin`).
pub fn hash_pin(pin: &str) -> Result<String, argon2::password_hash::Error> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())?;
    Ok(argon2::Argon2::default().hash_password(pin.as_bytes(), &salt)?.to_string())
}

/// Counts wrong PINs and locks PIN entry for a while after too many, so a
/// lost card cannot be brute-forced at the kiosk. Each lock-out lasts twice
/// as long as the one before, up to a day, until a right PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PinThrottle {
    /// Wrong PINs since the last lock-out or right PIN.
    pub failures: u32,
    /// Lock-outs since the last right PIN.
    pub lockouts: u32,
    pub locked_until: Option<Timestamp>,
}

impl PinThrottle {
    /// Wrong PINs in a row before the lock.
    pub const MAX_FAILURES: u32 = 3;
    /// How long the first lock lasts.
    pub const LOCK_MS: i64 = 5 * 60 * 1000;
    /// The longest lock.
    pub const MAX_LOCK_MS: i64 = 24 * 60 * 60 * 1000;

    pub fn is_locked(&self, now: Timestamp) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }

    /// How long the next lock-out lasts.
    pub fn next_lock_ms(&self) -> i64 {
        Self::LOCK_MS.saturating_mul(1 << self.lockouts.min(20)).min(Self::MAX_LOCK_MS)
    }

    /// Record a wrong PIN; true when this one locked entry.
    pub fn fail(&mut self, now: Timestamp) -> bool {
        self.failures += 1;
        if self.failures >= Self::MAX_FAILURES {
            self.failures = 0;
            self.locked_until = Some(now.plus_millis(self.next_lock_ms()));
            self.lockouts = self.lockouts.saturating_add(1);
            return true;
        }
        false
    }

    pub fn succeed(&mut self) {
        *self = Self::default();
    }

    /// The stricter of two throttles: the credential's and its patron's.
    pub fn stricter(self, other: Self) -> Self {
        Self {
            failures: self.failures.max(other.failures),
            lockouts: self.lockouts.max(other.lockouts),
            locked_until: self.locked_until.max(other.locked_until),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_hash_round_trip() {
        let phc = hash_pin("2580").unwrap();
        assert!(verify_pin(&phc, "2580"));
        assert!(!verify_pin(&phc, "2581"));
        assert!(!verify_pin("not a hash", "2580"));
    }

    #[test]
    fn throttle_locks_after_three_failures_and_unlocks_later() {
        let mut t = PinThrottle::default();
        let now = Timestamp(1_000);
        assert!(!t.fail(now));
        assert!(!t.fail(now));
        assert!(t.fail(now));
        assert!(t.is_locked(now.plus_millis(PinThrottle::LOCK_MS - 1)));
        assert!(!t.is_locked(now.plus_millis(PinThrottle::LOCK_MS)));
        t.succeed();
        assert!(!t.is_locked(now));
    }

    #[test]
    fn each_lock_out_lasts_longer_up_to_a_day() {
        let mut t = PinThrottle::default();
        let mut now = Timestamp(0);
        let mut locks = Vec::new();
        for _ in 0..12 {
            for _ in 0..PinThrottle::MAX_FAILURES {
                t.fail(now);
            }
            let until = t.locked_until.unwrap();
            locks.push(until.millis() - now.millis());
            now = until;
        }
        let m = 60 * 1000;
        assert_eq!(&locks[..4], &[5 * m, 10 * m, 20 * m, 40 * m]);
        assert_eq!(*locks.last().unwrap(), PinThrottle::MAX_LOCK_MS);
        t.succeed();
        assert_eq!(t.next_lock_ms(), PinThrottle::LOCK_MS, "a right PIN forgives");
    }

    #[test]
    fn card_digest_is_stable_and_hides_the_uid() {
        let d = staff_card_digest("04FFFFFFFFFF01");
        assert_eq!(d.len(), 64);
        assert!(!d.contains("04FFFFFFFFFF01"));
        assert_eq!(d, staff_card_digest("04FFFFFFFFFF01"));
    }
}
