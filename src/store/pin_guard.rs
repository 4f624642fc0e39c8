//! PIN checks that hold offline and across restarts: the verifier of a
//! patron's PIN (Argon2id, salted, with the card key as its secret) learnt
//! at the last online sign-in, and the wrong-PIN counters of credentials,
//! patrons and staff, keyed by HMAC so the table says nothing of whose.

use super::{Result, Store, StoreError, bad_row};
use crate::domain::staff::PinThrottle;
use crate::domain::{CardHash, Credential, PatronId, StaffId, Timestamp};
use crate::store::CardHasher;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rusqlite::{OptionalExtension, params};

/// Argon2id with the card key as its secret; the default cost (19 MiB, two
/// passes), which takes tens of milliseconds here.
fn argon2(hasher: &CardHasher) -> Result<Argon2<'_>> {
    Argon2::new_with_secret(hasher.secret(), Algorithm::Argon2id, Version::V0x13, Params::default())
        .map_err(|e| StoreError::Conflict(format!("argon2 parameters: {e}")))
}

impl CardHasher {
    /// A new verifier (a PHC string) of `pin`.
    pub fn pin_verifier(&self, pin: &str) -> Result<String> {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
            .map_err(|e| StoreError::Conflict(format!("salt: {e}")))?;
        let hash = argon2(self)?
            .hash_password(pin.as_bytes(), &salt)
            .map_err(|e| StoreError::Conflict(format!("argon2: {e}")))?;
        Ok(hash.to_string())
    }

    /// Whether `pin` matches a verifier from [`Self::pin_verifier`]. A
    /// malformed verifier matches nothing.
    pub fn verify_pin(&self, verifier: &str, pin: &str) -> bool {
        let Ok(hash) = PasswordHash::new(verifier) else { return false };
        argon2(self).is_ok_and(|a| a.verify_password(pin.as_bytes(), &hash).is_ok())
    }

    /// The wrong-PIN counter of a credential.
    pub fn credential_throttle_key(&self, credential: &Credential) -> CardHash {
        match credential {
            // Each guess is another code: all of them share the kiosk's one
            // counter, or guessing would never be throttled.
            Credential::PickupCode(_) => self.keyed("pin-throttle:pickup-codes"),
            _ => self.keyed(&format!("pin-throttle:{}", credential.hash_input())),
        }
    }

    /// The wrong-PIN counter of a patron, whatever credential they use.
    pub fn patron_throttle_key(&self, patron: &PatronId) -> CardHash {
        self.keyed(&format!("pin-throttle:patron:{}", patron.as_str()))
    }

    /// The wrong-PIN counter of a staff member.
    pub fn staff_throttle_key(&self, staff_id: &StaffId) -> CardHash {
        self.keyed(&format!("pin-throttle:staff:{staff_id}"))
    }
}

fn count(column: &str, n: i64) -> Result<u32> {
    u32::try_from(n).map_err(|_| bad_row("pin_throttle", format!("{column} is {n}")))
}

impl Store {
    /// The wrong-PIN counter under `key`; a fresh one when there is none.
    pub fn pin_throttle(&self, key: &CardHash) -> Result<PinThrottle> {
        let row: Option<(i64, i64, Option<i64>)> = self
            .conn
            .query_row("SELECT failures, lockouts, locked_until FROM pin_throttle WHERE key = ?1", [&key.0[..]], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let Some((failures, lockouts, locked_until)) = row else { return Ok(PinThrottle::default()) };
        Ok(PinThrottle {
            failures: count("failures", failures)?,
            lockouts: count("lockouts", lockouts)?,
            locked_until: locked_until.map(Timestamp),
        })
    }

    /// Keep a counter; a counter back at zero is deleted.
    pub fn save_pin_throttle(&mut self, key: &CardHash, throttle: &PinThrottle) -> Result<()> {
        let tx = self.write()?;
        if *throttle == PinThrottle::default() {
            tx.execute("DELETE FROM pin_throttle WHERE key = ?1", [&key.0[..]])?;
        } else {
            tx.execute(
                "INSERT INTO pin_throttle (key, failures, lockouts, locked_until) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, lockouts = excluded.lockouts,
                                                 locked_until = excluded.locked_until",
                params![&key.0[..], throttle.failures, throttle.lockouts, throttle.locked_until.map(Timestamp::millis)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The PIN verifier cached for a credential, if any.
    pub fn pin_verifier(&self, hash: &CardHash) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT pin_verifier FROM patron_cache WHERE card_hash = ?1", [&hash.0[..]], |r| r.get(0))
            .optional()?
            .flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verifier_checks_the_pin_and_needs_the_key() {
        let hasher = CardHasher::from_key([1; 32]);
        let v = hasher.pin_verifier("1234").unwrap();
        assert!(v.starts_with("$argon2id$"), "{v}");
        assert!(!v.contains("1234"));
        assert!(hasher.verify_pin(&v, "1234"));
        assert!(!hasher.verify_pin(&v, "1235"));
        assert!(!CardHasher::from_key([2; 32]).verify_pin(&v, "1234"), "another kiosk's key verifies nothing");
        assert!(!hasher.verify_pin("garbage", "1234"));
    }

    #[test]
    fn throttles_round_trip_and_vanish_when_forgiven() {
        let mut store = Store::open_in_memory().unwrap();
        let key = CardHash([5; 32]);
        assert_eq!(store.pin_throttle(&key).unwrap(), PinThrottle::default());
        let t = PinThrottle { failures: 2, lockouts: 1, locked_until: Some(Timestamp(99)) };
        store.save_pin_throttle(&key, &t).unwrap();
        assert_eq!(store.pin_throttle(&key).unwrap(), t);
        store.save_pin_throttle(&key, &PinThrottle::default()).unwrap();
        let rows: i64 = store.conn.query_row("SELECT count(*) FROM pin_throttle", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 0);
    }
}
