//! The kiosk's own switches, in the one-row `kiosk_state` table: whether
//! staff took the whole kiosk out of service, and since when the district has
//! been unreachable (the offline policy counts from there).

use super::outbox::append_in;
use super::{Result, Store, timestamp};
use crate::domain::{EventBody, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

/// The start of the current outage, read inside a transaction. A missing
/// row reads as "no outage": the writes below recreate it.
pub(super) fn outage_in(conn: &Connection) -> Result<Option<Timestamp>> {
    let at = conn
        .query_row("SELECT outage_started_at FROM kiosk_state WHERE id = 1", [], |r| r.get::<_, Option<i64>>(0))
        .optional()?;
    Ok(timestamp(at.flatten()))
}

impl Store {
    pub fn kiosk_out_of_service(&self) -> Result<bool> {
        let oos =
            self.conn.query_row("SELECT out_of_service FROM kiosk_state WHERE id = 1", [], |r| r.get(0)).optional()?;
        Ok(oos.unwrap_or(false))
    }

    /// Switch the whole kiosk in or out of service, with the staff event that
    /// reports it in the same transaction. The event is marked offline when
    /// an outage is under way.
    pub fn set_kiosk_out_of_service(&mut self, oos: bool, event: Option<(&EventBody, Timestamp)>) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO kiosk_state (id, out_of_service) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET out_of_service = excluded.out_of_service",
            [oos],
        )?;
        if let Some((event, now)) = event {
            let offline = outage_in(&tx)?.is_some();
            append_in(&tx, event, offline, now)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// When the current outage began, or `None` while the district answers.
    /// Kept on disk so a restart during an outage does not reset the
    /// offline caps.
    pub fn outage_started_at(&self) -> Result<Option<Timestamp>> {
        outage_in(&self.conn)
    }

    pub fn set_outage_started_at(&mut self, at: Option<Timestamp>) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO kiosk_state (id, outage_started_at) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET outage_started_at = excluded.outage_started_at",
            params![at.map(Timestamp::millis)],
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::OutboxState;

    fn staff(oos: bool) -> EventBody {
        EventBody::OutOfService { slot: None, out_of_service: oos, staff_id: "S1".into() }
    }

    #[test]
    fn out_of_service_round_trip_with_its_event() {
        let mut store = Store::open_in_memory().unwrap();
        assert!(!store.kiosk_out_of_service().unwrap());
        store.set_kiosk_out_of_service(true, Some((&staff(true), Timestamp(5)))).unwrap();
        assert!(store.kiosk_out_of_service().unwrap());
        store.set_kiosk_out_of_service(false, None).unwrap();
        assert!(!store.kiosk_out_of_service().unwrap());
        let events = store.outbox(Some(OutboxState::Pending), 10).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].body, staff(true));
        assert!(!events[0].offline);
    }

    #[test]
    fn outage_round_trip_and_staff_events_during_it_are_offline() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.outage_started_at().unwrap(), None);
        store.set_outage_started_at(Some(Timestamp(1_000))).unwrap();
        assert_eq!(store.outage_started_at().unwrap(), Some(Timestamp(1_000)));
        store.set_kiosk_out_of_service(true, Some((&staff(true), Timestamp(2_000)))).unwrap();
        assert!(store.outbox(None, 10).unwrap()[0].offline);
        store.set_outage_started_at(None).unwrap();
        assert_eq!(store.outage_started_at().unwrap(), None);
    }

    #[test]
    fn a_deleted_state_row_reads_as_defaults_and_is_recreated() {
        let mut store = Store::open_in_memory().unwrap();
        store.conn.execute("DELETE FROM kiosk_state", []).unwrap();
        assert!(!store.kiosk_out_of_service().unwrap());
        assert_eq!(store.outage_started_at().unwrap(), None);
        store.set_outage_started_at(Some(Timestamp(7))).unwrap();
        assert_eq!(store.outage_started_at().unwrap(), Some(Timestamp(7)));
    }
}
