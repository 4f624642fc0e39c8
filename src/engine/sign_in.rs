//! What the store adds to a sign-in, on the store's thread: the PIN
//! lock-out (per credential, and per patron once the kiosk knows whose the
//! credential is), the PIN verifier learnt online and checked offline, the
//! patron cache, and the kiosk's record of the patron's books. The lock-out
//! rule itself is `domain::staff::PinThrottle`.

use super::input::AuthResult;
use crate::district::AuthAnswer;
use crate::domain::rules::OutageCounts;
use crate::domain::staff::PinThrottle;
use crate::domain::{CardHash, Credential, PatronId, Timestamp};
use crate::store::{CardHasher, Store, StoreError};

type Result<T> = std::result::Result<T, StoreError>;

/// The counters that guard a credential: its own and, when known, its patron's.
struct Guard {
    credential: CardHash,
    patron: Option<CardHash>,
}

impl Guard {
    fn new(hasher: &CardHasher, credential: &Credential, patron: Option<&PatronId>) -> Self {
        Self {
            credential: hasher.credential_throttle_key(credential),
            patron: patron.map(|p| hasher.patron_throttle_key(p)),
        }
    }

    fn throttle(&self, s: &Store) -> Result<PinThrottle> {
        let own = s.pin_throttle(&self.credential)?;
        Ok(match &self.patron {
            Some(key) => own.stricter(s.pin_throttle(key)?),
            None => own,
        })
    }

    /// Count a wrong PIN on every counter; locked if any of them is.
    fn fail(&self, s: &mut Store, now: Timestamp) -> Result<AuthResult> {
        let (mut failures, mut locked) = (0, false);
        for key in std::iter::once(&self.credential).chain(&self.patron) {
            let mut t = s.pin_throttle(key)?;
            let was_locked = t.is_locked(now);
            locked |= t.fail(now) || was_locked;
            failures = failures.max(t.failures);
            s.save_pin_throttle(key, &t)?;
        }
        if locked {
            tracing::warn!("patron PIN entry locked after repeated wrong PINs");
        }
        Ok(AuthResult::WrongPin { failures, locked })
    }

    fn forgive(&self, s: &mut Store) -> Result<()> {
        for key in std::iter::once(&self.credential).chain(&self.patron) {
            s.save_pin_throttle(key, &PinThrottle::default())?;
        }
        Ok(())
    }
}

/// The patron a credential belonged to when last seen online, if cached.
fn cached_patron_id(s: &Store, hasher: &CardHasher, credential: &Credential) -> Result<Option<PatronId>> {
    Ok(s.cached_patron(&hasher.hash(credential))?.map(|c| c.status.patron_id))
}

/// Before the PIN pad: wrong PINs so far and whether entry is locked.
pub(super) fn pin_lock(s: &Store, hasher: &CardHasher, credential: &Credential, now: Timestamp) -> Result<(u32, bool)> {
    let patron = cached_patron_id(s, hasher, credential)?;
    let t = Guard::new(hasher, credential, patron.as_ref()).throttle(s)?;
    Ok((t.failures, t.is_locked(now)))
}

/// The district answered.
pub(super) fn online(
    s: &mut Store,
    hasher: &CardHasher,
    credential: &Credential,
    pin: Option<&str>,
    answer: AuthAnswer,
    now: Timestamp,
) -> Result<AuthResult> {
    match answer {
        // A pickup code names one hold: never cached (it is spent at the
        // pickup), and a wrong one counts like a wrong PIN, kiosk-wide.
        AuthAnswer::Patron { status, message } if credential.is_pickup_code() => {
            let guard = Guard::new(hasher, credential, None);
            if guard.throttle(s)?.is_locked(now) {
                return Ok(AuthResult::Locked);
            }
            guard.forgive(s)?;
            Ok(AuthResult::Online { record: s.kiosk_record(&status.patron_id)?, status, library_message: message })
        }
        AuthAnswer::UnknownCredential if credential.is_pickup_code() => {
            Guard::new(hasher, credential, None).fail(s, now)
        }
        AuthAnswer::Patron { status, message } => {
            let verifier = match pin {
                Some(pin) => {
                    let guard = Guard::new(hasher, credential, Some(&status.patron_id));
                    // A right PIN does not open a lock-out another credential
                    // of the same patron earned.
                    if guard.throttle(s)?.is_locked(now) {
                        return Ok(AuthResult::Locked);
                    }
                    guard.forgive(s)?;
                    Some(hasher.pin_verifier(pin)?)
                }
                None => None,
            };
            s.cache_patron(&hasher.hash(credential), &status, verifier.as_deref(), now)?;
            Ok(AuthResult::Online { record: s.kiosk_record(&status.patron_id)?, status, library_message: message })
        }
        AuthAnswer::UnknownCredential => Ok(AuthResult::UnknownCredential),
        AuthAnswer::WrongPin { patron_id } => {
            let patron = match patron_id {
                Some(p) => Some(p),
                None => cached_patron_id(s, hasher, credential)?,
            };
            Guard::new(hasher, credential, patron.as_ref()).fail(s, now)
        }
    }
}

/// The district could not be reached: the cache, the verifier and the
/// offline counts decide.
pub(super) fn offline(
    s: &mut Store,
    hasher: &CardHasher,
    credential: &Credential,
    pin: Option<&str>,
    outage_started: Timestamp,
    now: Timestamp,
) -> Result<AuthResult> {
    let hash = hasher.hash(credential);
    let mut cached = s.cached_patron(&hash)?;
    if let (Some(pin), Some(c)) = (pin, &cached) {
        let guard = Guard::new(hasher, credential, Some(&c.status.patron_id));
        if guard.throttle(s)?.is_locked(now) {
            return Ok(AuthResult::Locked);
        }
        match s.pin_verifier(&hash)? {
            // No PIN learnt online: no offline loan.
            None => cached = None,
            Some(v) if !hasher.verify_pin(&v, pin) => return guard.fail(s, now),
            Some(_) => guard.forgive(s)?,
        }
    }
    let (record, this_patron) = match &cached {
        Some(c) => {
            // The cached status counts what the district had acknowledged
            // then; everything since (acknowledged or not) is settled on top.
            let record = s.kiosk_record_as_of(&c.status.patron_id, s.cached_acked_through(&hash)?)?;
            (record, s.offline_loans_since(outage_started, Some(&c.status.patron_id))?)
        }
        None => Default::default(),
    };
    let all_patrons = s.offline_loans_since(outage_started, None)?;
    Ok(AuthResult::Offline { cached, record, counts: OutageCounts { this_patron, all_patrons }, outage_started })
}
