//! The offline patron cache (invariant 4): the status a patron had when last
//! seen online, keyed by the keyed hash of their card, so the kiosk can lend
//! within the offline policy while the district is unreachable. It holds no
//! name and no card UID; ready holds are left out because they are only
//! good while fresh.

use super::{Result, Store, bad_row};
use crate::domain::{CachedPatron, CardHash, PatronStatus, Timestamp};
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Remember a patron's status as the district just gave it, with the
    /// verifier of the PIN it accepted (`None`: no PIN was asked).
    pub fn cache_patron(
        &mut self,
        hash: &CardHash,
        status: &PatronStatus,
        pin_verifier: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        // Which books a patron has is reading history: not kept.
        let status = PatronStatus { ready_holds: Vec::new(), loans: Vec::new(), ..status.clone() };
        let json = serde_json::to_string(&status)?;
        let tx = self.write()?;
        // The district's counts include the events it had acknowledged by
        // now and none after: offline, those after are settled on top.
        tx.execute(
            "INSERT INTO patron_cache (card_hash, status, seen_online_at, pin_verifier, acked_through)
             VALUES (?1, ?2, ?3, ?4, (SELECT coalesce(max(seq), 0) FROM outbox WHERE state = 'acked'))
             ON CONFLICT (card_hash) DO UPDATE SET status = excluded.status, seen_online_at = excluded.seen_online_at,
                                                   pin_verifier = excluded.pin_verifier,
                                                   acked_through = excluded.acked_through",
            params![&hash.0[..], json, now.millis(), pin_verifier],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn cached_patron(&self, hash: &CardHash) -> Result<Option<CachedPatron>> {
        let row: Option<(String, i64)> = self
            .conn
            .query_row("SELECT status, seen_online_at FROM patron_cache WHERE card_hash = ?1", [&hash.0[..]], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((json, seen)) = row else { return Ok(None) };
        // The message says where the JSON broke, not what it held.
        let status = serde_json::from_str(&json).map_err(|e| {
            bad_row("patron_cache", format!("status of {hash:?} is not a patron status ({:?} error)", e.classify()))
        })?;
        Ok(Some(CachedPatron { status, seen_online_at: Timestamp(seen) }))
    }

    /// The highest outbox seq the district had acknowledged when this
    /// credential's status was cached (0 when it is not cached): the cached
    /// counts include this kiosk's events up to it.
    pub fn cached_acked_through(&self, hash: &CardHash) -> Result<i64> {
        let n: Option<i64> = self
            .conn
            .query_row("SELECT acked_through FROM patron_cache WHERE card_hash = ?1", [&hash.0[..]], |r| r.get(0))
            .optional()?;
        Ok(n.unwrap_or(0))
    }

    /// Forget patrons not seen online since `seen_before`: too stale for the
    /// offline policy, so keeping them only keeps personal data. Returns how
    /// many were forgotten.
    pub fn prune_patron_cache(&mut self, seen_before: Timestamp) -> Result<usize> {
        let tx = self.write()?;
        let n = tx.execute("DELETE FROM patron_cache WHERE seen_online_at < ?1", [seen_before.millis()])?;
        tx.commit()?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Hold, ItemId, PatronId, Standing};
    use crate::store::StoreError;

    fn status() -> PatronStatus {
        PatronStatus {
            patron_id: PatronId::new("1000001"),
            standing: Standing::Good,
            suspended_until: None,
            overdue_items: 0,
            loans_total: 1,
            loans_here: 1,
            loans: vec![],
            ready_holds: vec![Hold { hold_id: "H-1".into(), item_id: ItemId::new("MP0001"), keep_until: None }],
        }
    }

    #[test]
    fn round_trip_without_ready_holds() {
        let mut store = Store::open_in_memory().unwrap();
        let hash = CardHash([7; 32]);
        assert_eq!(store.cached_patron(&hash).unwrap(), None);
        store.cache_patron(&hash, &status(), None, Timestamp(10)).unwrap();
        let cached = store.cached_patron(&hash).unwrap().unwrap();
        assert_eq!(cached.seen_online_at, Timestamp(10));
        assert_eq!(cached.status, PatronStatus { ready_holds: vec![], ..status() });
        let suspended = PatronStatus { standing: Standing::Suspended, ..status() };
        store.cache_patron(&hash, &suspended, None, Timestamp(20)).unwrap();
        let cached = store.cached_patron(&hash).unwrap().unwrap();
        assert_eq!((cached.status.standing, cached.seen_online_at), (Standing::Suspended, Timestamp(20)));
        assert_eq!(store.cached_patron(&CardHash([8; 32])).unwrap(), None);
    }

    #[test]
    fn prune_forgets_stale_patrons() {
        let mut store = Store::open_in_memory().unwrap();
        store.cache_patron(&CardHash([1; 32]), &status(), None, Timestamp(10)).unwrap();
        store.cache_patron(&CardHash([2; 32]), &status(), None, Timestamp(30)).unwrap();
        assert_eq!(store.prune_patron_cache(Timestamp(20)).unwrap(), 1);
        assert_eq!(store.cached_patron(&CardHash([1; 32])).unwrap(), None);
        assert!(store.cached_patron(&CardHash([2; 32])).unwrap().is_some());
    }

    #[test]
    fn a_bad_status_is_an_error_that_does_not_quote_it() {
        let mut store = Store::open_in_memory().unwrap();
        let hash = CardHash([3; 32]);
        store.cache_patron(&hash, &status(), None, Timestamp(10)).unwrap();
        store.conn.execute("UPDATE patron_cache SET status = '{\"patron_id\": 1000001}'", []).unwrap();
        let err = store.cached_patron(&hash).unwrap_err();
        assert!(matches!(err, StoreError::BadRow { .. }));
        assert!(!err.to_string().contains("1000001"), "{err}");
    }
}
