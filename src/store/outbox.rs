//! The outbox: every event for the district, in `seq` order, with the
//! UUIDv7 the district counts once (invariant 2), and the bookkeeping of the
//! sync worker (attempts, back-off, acks and rejections). Also the counts
//! the offline lending rules need, and the scrubbing of patron identity from
//! events the district has had for long enough (invariant 5).

use super::{Result, Store, bad_row, count_u32, timestamp};
use crate::domain::holdings::{KioskRecord, Unsynced};
use crate::domain::{EventBody, EventKind, ItemId, PatronId, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where an event stands with the district.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OutboxState {
    /// Not yet accepted; the sync worker keeps sending it.
    Pending,
    /// Applied (or recognised as a duplicate) by the district.
    Acked,
    /// Refused by the district for good; staff must look at it.
    Rejected,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    fn parse(raw: &str) -> Result<Self> {
        raw.parse().map_err(|_| bad_row("outbox", format!("unknown state {raw:?}")))
    }
}

/// One event as it sits in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEvent {
    /// Per-kiosk order of events; never reused.
    pub seq: i64,
    /// UUIDv7 from the event's creation time: the idempotency key.
    pub id: Uuid,
    /// `body.kind()`, kept apart so SQL can filter on it.
    pub kind: EventKind,
    /// What happened, as the district will be told (the JSON payload).
    pub body: EventBody,
    /// Created while the district was unreachable; the district records it
    /// as a fact and flags conflicts for staff.
    pub offline: bool,
    /// The engine's clock when the event was appended; the retention of
    /// patron identity counts from here.
    pub created_at: Timestamp,
    /// Whether the sync worker still has to deliver it.
    pub state: OutboxState,
    /// Failed deliveries so far, for back-off and for `doctor`.
    pub attempts: u32,
    /// Not to be sent before this (back-off after a failure).
    pub next_attempt_at: Option<Timestamp>,
    /// Why the last delivery failed or the district refused it.
    pub last_error: Option<String>,
    /// A loan's due date as the district answered it, once it has.
    pub library_due_date: Option<String>,
}

/// An event the district took, as [`Store::record_delivery`] records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub id: Uuid,
    /// Why the district flagged it, when it did.
    pub flag: Option<String>,
    /// A loan's due date as the district holds it.
    pub due_date: Option<String>,
    /// A returned book the district wants sent somewhere: the book, where.
    pub send_to: Option<(ItemId, String)>,
}

/// The queue at a glance, for health reports and `doctor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OutboxStats {
    /// Queue depth, reported in the kiosk's health.
    pub pending: u64,
    /// Delivered events, kept as the kiosk's own record.
    pub acked: u64,
    /// Events staff must look at.
    pub rejected: u64,
    /// How far behind the district is.
    pub oldest_pending_at: Option<Timestamp>,
    /// The highest `seq` ever given out (0 before the first event).
    pub last_seq: i64,
}

const COLUMNS: &str =
    "seq, id, kind, payload, offline, created_at, state, attempts, next_attempt_at, last_error, library_due_date";

/// Event kinds that lend a book, for the lending counts.
const LENDING_KINDS: &str = "('loan', 'hold_pickup')";

/// A UUIDv7 from the engine's clock rather than the system's, so ids sort
/// with `created_at` and tests get the time they set.
fn event_id(now: Timestamp) -> Uuid {
    let millis = now.millis();
    let secs = u64::try_from(millis.div_euclid(1000)).unwrap_or(0);
    let nanos = u32::try_from(millis.rem_euclid(1000) * 1_000_000).unwrap_or(0);
    Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos))
}

/// Append an event inside the caller's transaction, so the event commits
/// with whatever it reports.
pub(super) fn append_in(conn: &Connection, event: &EventBody, offline: bool, now: Timestamp) -> Result<OutboxEvent> {
    let id = event_id(now);
    let payload = serde_json::to_string(event)?;
    conn.execute(
        "INSERT INTO outbox (id, kind, payload, offline, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id.to_string(), event.kind().as_str(), payload, offline, now.millis()],
    )?;
    Ok(OutboxEvent {
        seq: conn.last_insert_rowid(),
        id,
        kind: event.kind(),
        body: event.clone(),
        offline,
        created_at: now,
        state: OutboxState::Pending,
        attempts: 0,
        next_attempt_at: None,
        last_error: None,
        library_due_date: None,
    })
}

/// Decode a payload. A lending event whose patron id was scrubbed reads
/// back with an empty one, so old events still list. Errors say where the
/// JSON broke, never what it held: it may hold a patron id.
fn decode_body(seq: i64, payload: &str) -> Result<EventBody> {
    let broken = |e: serde_json::Error| {
        bad_row("outbox", format!("seq {seq}: payload is not an event ({:?} error)", e.classify()))
    };
    let mut value: serde_json::Value = serde_json::from_str(payload).map_err(broken)?;
    if let Some(obj) = value.as_object_mut() {
        let lending = matches!(obj.get("kind").and_then(|k| k.as_str()), Some("loan" | "hold_pickup"));
        if lending && !obj.contains_key("patron_id") {
            obj.insert("patron_id".into(), serde_json::Value::String(String::new()));
        }
    }
    serde_json::from_value(value).map_err(broken)
}

fn event_from_row(row: &Row<'_>) -> Result<OutboxEvent> {
    let seq: i64 = row.get(0)?;
    let id: String = row.get(1)?;
    let payload: String = row.get(3)?;
    let state: String = row.get(6)?;
    let kind: String = row.get(2)?;
    Ok(OutboxEvent {
        seq,
        id: Uuid::parse_str(&id).map_err(|_| bad_row("outbox", format!("seq {seq}: id {id:?} is not a UUID")))?,
        kind: kind.parse().map_err(|_| bad_row("outbox", format!("seq {seq}: unknown kind {kind:?}")))?,
        body: decode_body(seq, &payload)?,
        offline: row.get(4)?,
        created_at: Timestamp(row.get(5)?),
        state: OutboxState::parse(&state)?,
        attempts: count_u32("outbox", "attempts", row.get(7)?)?,
        next_attempt_at: timestamp(row.get(8)?),
        last_error: row.get(9)?,
        library_due_date: row.get(10)?,
    })
}

/// A `LIMIT` from a `usize`; SQLite's is an `i64`.
fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl Store {
    /// Append a standalone event (an alarm, a staff action) in its own
    /// transaction.
    pub fn append_event(&mut self, event: &EventBody, offline: bool, now: Timestamp) -> Result<OutboxEvent> {
        let tx = self.write()?;
        let appended = append_in(&tx, event, offline, now)?;
        tx.commit()?;
        Ok(appended)
    }

    /// Events in `seq` order, all or those in one state.
    pub fn outbox(&self, state: Option<OutboxState>, limit: usize) -> Result<Vec<OutboxEvent>> {
        let sql = format!("SELECT {COLUMNS} FROM outbox WHERE ?1 IS NULL OR state = ?1 ORDER BY seq LIMIT ?2");
        self.query_events(&sql, params![state.map(OutboxState::as_str), sql_limit(limit)])
    }

    pub fn outbox_stats(&self) -> Result<OutboxStats> {
        let (pending, acked, rejected, oldest): (i64, i64, i64, Option<i64>) = self.conn.query_row(
            "SELECT coalesce(sum(state = 'pending'), 0), coalesce(sum(state = 'acked'), 0),
                    coalesce(sum(state = 'rejected'), 0), min(CASE WHEN state = 'pending' THEN created_at END)
             FROM outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        // sqlite_sequence remembers the highest seq even if rows were deleted.
        let last_seq: i64 = self.conn.query_row(
            "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0)",
            [],
            |r| r.get(0),
        )?;
        let count = |n: i64| u64::try_from(n).map_err(|_| bad_row("outbox", "negative count"));
        Ok(OutboxStats {
            pending: count(pending)?,
            acked: count(acked)?,
            rejected: count(rejected)?,
            oldest_pending_at: timestamp(oldest),
            last_seq,
        })
    }

    /// Number the next event after `seq` at the least: a new history
    /// (`reset-state --new-history`) goes on after the seq the district
    /// holds, so it never sees one twice. Never lowers the counter.
    pub fn continue_seq_after(&mut self, seq: i64) -> Result<()> {
        let tx = self.write()?;
        let current: Option<i64> =
            tx.query_row("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'", [], |r| r.get(0)).optional()?;
        match current {
            Some(c) if c >= seq => {}
            Some(_) => {
                tx.execute("UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'outbox'", [seq])?;
            }
            None if seq > 0 => {
                tx.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?1)", [seq])?;
            }
            None => {}
        }
        tx.commit()?;
        Ok(())
    }

    /// The next events to send: pending ones in `seq` order, up to the first
    /// one still backing off. Stopping there, rather than skipping it, keeps
    /// delivery in `seq` order (invariant 2): a fresh event never overtakes
    /// an older one that failed.
    pub fn due_batch(&self, now: Timestamp, limit: usize) -> Result<Vec<OutboxEvent>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox
             WHERE state = 'pending'
               AND seq < coalesce(
                   (SELECT min(seq) FROM outbox WHERE state = 'pending' AND next_attempt_at > ?1),
                   9223372036854775807)
             ORDER BY seq LIMIT ?2"
        );
        self.query_events(&sql, params![now.millis(), sql_limit(limit)])
    }

    /// The district has these events. Ids it does not know, or already
    /// settled, are left alone: acks may arrive twice.
    pub fn mark_acked(&mut self, ids: &[Uuid]) -> Result<()> {
        let tx = self.write()?;
        {
            let mut ack = tx.prepare(
                "UPDATE outbox SET state = 'acked', next_attempt_at = NULL, last_error = NULL
                 WHERE id = ?1 AND state = 'pending'",
            )?;
            for id in ids {
                ack.execute([id.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The district refused this event for good; it leaves the queue.
    pub fn mark_rejected(&mut self, id: Uuid, reason: &str) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "UPDATE outbox SET state = 'rejected', next_attempt_at = NULL, last_error = ?2
             WHERE id = ?1 AND state = 'pending'",
            params![id.to_string(), reason],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Delivery failed; try these again at `next_attempt_at`.
    pub fn mark_failed(&mut self, ids: &[Uuid], error: &str, next_attempt_at: Timestamp) -> Result<()> {
        let tx = self.write()?;
        {
            let mut fail = tx.prepare(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3
                 WHERE id = ?1 AND state = 'pending'",
            )?;
            for id in ids {
                fail.execute(params![id.to_string(), error, next_attempt_at.millis()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Record the district's answer to one batch in one transaction: the
    /// delivered events (with the reason when the district flagged one,
    /// kept in `last_error` for staff) and the rejected ones. Events the
    /// answer left out stay pending, due at once. Settled events are left
    /// alone, so an answer recorded twice changes nothing.
    pub fn record_delivery(&mut self, delivered: &[Delivered], rejected: &[(Uuid, String)]) -> Result<()> {
        let tx = self.write()?;
        {
            let mut ack = tx.prepare(
                "UPDATE outbox SET state = 'acked', next_attempt_at = NULL, last_error = ?2, library_due_date = ?3
                 WHERE id = ?1 AND state = 'pending'",
            )?;
            let mut route = tx.prepare("UPDATE bin_contents SET send_to = ?2 WHERE item_id = ?1")?;
            for d in delivered {
                let flag = d.flag.as_ref().map(|r| format!("flagged: {r}"));
                ack.execute(params![d.id.to_string(), flag, d.due_date])?;
                if let Some((item, to)) = &d.send_to {
                    route.execute(params![item.as_str(), to])?;
                }
            }
            let mut reject = tx.prepare(
                "UPDATE outbox SET state = 'rejected', next_attempt_at = NULL, last_error = ?2
                 WHERE id = ?1 AND state = 'pending'",
            )?;
            for (id, reason) in rejected {
                reject.execute(params![id.to_string(), reason])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// When the oldest pending event may be sent: `None` with an empty
    /// queue, the event's `next_attempt_at` while it backs off, else `now`.
    /// The sync worker sleeps until then.
    pub fn next_attempt_at(&self, now: Timestamp) -> Result<Option<Timestamp>> {
        let head: Option<Option<i64>> = self
            .conn
            .query_row("SELECT next_attempt_at FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1", [], |r| {
                r.get(0)
            })
            .map(Some)
            .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })?;
        Ok(head.map(|at| at.map_or(now, |at| Timestamp(at).max(now))))
    }

    /// `bookstation outbox retry`: every pending event is due now, its
    /// back-off forgotten; with `rejected`, rejected events become pending
    /// again (attempts reset, the old reason kept after "retried: ") and go
    /// out with the next batch, in `seq` order among the pending ones.
    /// Returns (pending made due, rejected re-queued).
    pub fn retry_now(&mut self, rejected: bool) -> Result<(usize, usize)> {
        let tx = self.write()?;
        let due = tx.execute(
            "UPDATE outbox SET next_attempt_at = NULL WHERE state = 'pending' AND next_attempt_at IS NOT NULL",
            [],
        )?;
        let requeued = if rejected {
            tx.execute(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = NULL,
                        last_error = 'retried: ' || coalesce(last_error, '')
                 WHERE state = 'rejected'",
                [],
            )?
        } else {
            0
        };
        tx.commit()?;
        Ok((due, requeued))
    }

    /// What this kiosk knows of a patron's books beyond the district's
    /// status ([`KioskRecord`]): the copies whose latest acknowledged loan
    /// or return is a loan to them, and every event not yet acknowledged
    /// that changes who holds what (their loans and hold pickups, and all
    /// returns, which carry no patron), in `seq` order.
    pub fn kiosk_record(&self, patron: &PatronId) -> Result<KioskRecord> {
        let mut held = Vec::new();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT item FROM (
                 SELECT json_extract(payload, '$.item_id') AS item, kind,
                        json_extract(payload, '$.patron_id') AS patron,
                        row_number() OVER (PARTITION BY json_extract(payload, '$.item_id') ORDER BY seq DESC) AS latest
                 FROM outbox WHERE state = 'acked' AND (kind IN {LENDING_KINDS} OR kind = 'return'))
             WHERE latest = 1 AND kind IN {LENDING_KINDS} AND patron = ?1"
        ))?;
        let mut rows = stmt.query([patron.as_str()])?;
        while let Some(row) = rows.next()? {
            held.push(ItemId(row.get(0)?));
        }
        let mut unsynced = Vec::new();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT kind, json_extract(payload, '$.item_id') FROM outbox
             WHERE state = 'pending'
               AND (kind = 'return' OR (kind IN {LENDING_KINDS} AND json_extract(payload, '$.patron_id') = ?1))
             ORDER BY seq"
        ))?;
        let mut rows = stmt.query([patron.as_str()])?;
        while let Some(row) = rows.next()? {
            let kind: String = row.get(0)?;
            let item = ItemId(row.get(1)?);
            unsynced.push(if kind == "return" { Unsynced::Returned(item) } else { Unsynced::Lent(item) });
        }
        Ok(KioskRecord { held, unsynced })
    }

    /// [`Self::kiosk_record`] relative to a status cached when the district
    /// had acknowledged the events up to `acked_through`: `held` is what the
    /// acknowledged events up to it left with the patron, `unsynced` every
    /// event after it that was not rejected, acknowledged since or not.
    /// Offline, the cached status counts only the former.
    pub fn kiosk_record_as_of(&self, patron: &PatronId, acked_through: i64) -> Result<KioskRecord> {
        let mut held = Vec::new();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT item FROM (
                 SELECT json_extract(payload, '$.item_id') AS item, kind,
                        json_extract(payload, '$.patron_id') AS patron,
                        row_number() OVER (PARTITION BY json_extract(payload, '$.item_id') ORDER BY seq DESC) AS latest
                 FROM outbox WHERE state = 'acked' AND seq <= ?2 AND (kind IN {LENDING_KINDS} OR kind = 'return'))
             WHERE latest = 1 AND kind IN {LENDING_KINDS} AND patron = ?1"
        ))?;
        let mut rows = stmt.query(params![patron.as_str(), acked_through])?;
        while let Some(row) = rows.next()? {
            held.push(ItemId(row.get(0)?));
        }
        let mut unsynced = Vec::new();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT kind, json_extract(payload, '$.item_id') FROM outbox
             WHERE seq > ?2 AND state <> 'rejected'
               AND (kind = 'return' OR (kind IN {LENDING_KINDS} AND json_extract(payload, '$.patron_id') = ?1))
             ORDER BY seq"
        ))?;
        let mut rows = stmt.query(params![patron.as_str(), acked_through])?;
        while let Some(row) = rows.next()? {
            let kind: String = row.get(0)?;
            let item = ItemId(row.get(1)?);
            unsynced.push(if kind == "return" { Unsynced::Returned(item) } else { Unsynced::Lent(item) });
        }
        Ok(KioskRecord { held, unsynced })
    }

    /// Offline loans and hold pickups created at or after `since` (the
    /// outage's start), of one patron or of everybody: the caps of the
    /// offline policy.
    pub fn offline_loans_since(&self, since: Timestamp, patron: Option<&PatronId>) -> Result<u32> {
        let n: i64 = self.conn.query_row(
            &format!(
                "SELECT count(*) FROM outbox
                 WHERE kind IN {LENDING_KINDS} AND offline = 1 AND created_at >= ?1
                   AND (?2 IS NULL OR json_extract(payload, '$.patron_id') = ?2)"
            ),
            params![since.millis(), patron.map(PatronId::as_str)],
            |r| r.get(0),
        )?;
        count_u32("outbox", "count", n)
    }

    /// Invariant 5: drop the patron id from acknowledged events created
    /// before `acked_before`, and from intents closed before it. Pending
    /// events keep theirs (the district still needs it), and so do rejected
    /// ones until staff have dealt with them. Returns the rows changed,
    /// events and intents together.
    pub fn scrub_patron_identity(&mut self, acked_before: Timestamp) -> Result<usize> {
        let tx = self.write()?;
        let events = tx.execute(
            "UPDATE outbox SET payload = json_remove(payload, '$.patron_id')
             WHERE state = 'acked' AND created_at < ?1 AND json_type(payload, '$.patron_id') IS NOT NULL",
            [acked_before.millis()],
        )?;
        let intents = tx.execute(
            "UPDATE intents SET patron_id = NULL
             WHERE state <> 'open' AND closed_at < ?1 AND patron_id IS NOT NULL",
            [acked_before.millis()],
        )?;
        tx.commit()?;
        Ok(events + intents)
    }

    fn query_events(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<OutboxEvent>> {
        let mut stmt = self.conn.prepare(sql)?;
        let mut rows = stmt.query(params)?;
        let mut events = Vec::new();
        while let Some(row) = rows.next()? {
            events.push(event_from_row(row)?);
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The column's words are serde's, and each reads back as itself.
    #[test]
    fn every_state_has_one_name() {
        use strum::VariantArray;
        for &state in OutboxState::VARIANTS {
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
            assert_eq!(OutboxState::parse(state.as_str()).unwrap(), state);
        }
        assert!(OutboxState::parse("done").is_err());
    }
    use crate::domain::{AlarmKind, ItemId, SlotNo};
    use crate::store::StoreError;

    fn loan(patron: &str) -> EventBody {
        EventBody::Loan {
            item_id: ItemId::new("MP0001"),
            patron_id: PatronId::new(patron),
            slot: SlotNo(1),
            due_date: "2026-12-14".into(),
        }
    }

    fn alarm() -> EventBody {
        EventBody::Alarm { alarm: AlarmKind::DoorLeftOpen, slot: Some(SlotNo(1)), item_id: None }
    }

    #[test]
    fn event_ids_follow_the_engine_clock() {
        let a = event_id(Timestamp(1_700_000_000_123));
        let b = event_id(Timestamp(1_700_000_000_124));
        assert_eq!(a.get_version_num(), 7);
        assert!(a < b);
        let (secs, nanos) = a.get_timestamp().unwrap().to_unix();
        assert_eq!((secs, nanos), (1_700_000_000, 123_000_000));
        assert_eq!(event_id(Timestamp(-5)).get_version_num(), 7, "a clock before 1970 still gives an id");
    }

    #[test]
    fn appended_events_read_back() {
        let mut store = Store::open_in_memory().unwrap();
        let a = store.append_event(&loan("1000001"), true, Timestamp(10)).unwrap();
        let b = store.append_event(&alarm(), false, Timestamp(11)).unwrap();
        assert_eq!((a.seq, b.seq), (1, 2));
        assert_eq!(store.outbox(None, 10).unwrap(), vec![a.clone(), b]);
        assert_eq!(store.outbox(Some(OutboxState::Acked), 10).unwrap(), vec![]);
        assert_eq!(store.outbox(None, 1).unwrap(), vec![a]);
    }

    #[test]
    fn due_batch_stops_at_the_first_event_backing_off() {
        let mut store = Store::open_in_memory().unwrap();
        let ids: Vec<Uuid> = (0..4).map(|i| store.append_event(&alarm(), false, Timestamp(i)).unwrap().id).collect();
        store.mark_failed(&ids[2..3], "timeout", Timestamp(100)).unwrap();
        let seqs = |v: Vec<OutboxEvent>| v.into_iter().map(|e| e.seq).collect::<Vec<_>>();
        assert_eq!(seqs(store.due_batch(Timestamp(50), 10).unwrap()), [1, 2]);
        assert_eq!(seqs(store.due_batch(Timestamp(100), 10).unwrap()), [1, 2, 3, 4]);
        assert_eq!(seqs(store.due_batch(Timestamp(100), 3).unwrap()), [1, 2, 3]);
    }

    #[test]
    fn a_scrubbed_loan_still_reads_back() {
        let body = decode_body(1, r#"{"kind":"loan","item_id":"MP0001","slot":1,"due_date":"2026-12-14"}"#).unwrap();
        assert!(matches!(body, EventBody::Loan { patron_id, .. } if patron_id.as_str().is_empty()));
    }

    #[test]
    fn a_broken_payload_is_an_error_that_does_not_quote_it() {
        let err = decode_body(7, r#"{"kind":"loan","patron_id":1000001}"#).unwrap_err();
        assert!(matches!(err, StoreError::BadRow { .. }));
        assert!(!err.to_string().contains("1000001"), "{err}");
    }

    #[test]
    fn bad_rows_are_errors_not_panics() {
        let mut store = Store::open_in_memory().unwrap();
        store.append_event(&alarm(), false, Timestamp(1)).unwrap();
        store.conn.execute("UPDATE outbox SET id = 'not-a-uuid'", []).unwrap();
        assert!(matches!(store.outbox(None, 10), Err(StoreError::BadRow { table: "outbox", .. })));
    }
}
