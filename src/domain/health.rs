//! What is wrong with the kiosk right now, in a form both the district's
//! dashboard (the heartbeat) and an operator at the console (`bookstation
//! status`) read: a stable code to act on, the door it concerns, and a
//! sentence in English for people.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The oldest undelivered event may be this old before the backlog counts
/// as a fault: an hour covers a short outage or a district restart; longer
/// means someone should look at the network or the token.
pub const BACKLOG_FAULT_AFTER_SECS: u64 = 3600;

/// The kinds of fault, as they appear on the wire (`snake_case`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultCode {
    /// Staff took the whole kiosk out of service.
    KioskOutOfService,
    /// A door failed to open; the locker is skipped until staff clear it.
    DoorJammed,
    /// A door was left open after a pickup, return or restock.
    DoorLeftOpen,
    /// A locker's record names a book its sensor does not see: it is not
    /// offered until staff put it back or restock the locker.
    BookMissing,
    /// Staff took one door out of service.
    DoorOutOfService,
    /// A locker board does not answer (cable, power, address, adapter).
    BoardNotResponding,
    /// No card reader is connected, or its driver gave up.
    CardReaderMissing,
    /// The barcode scanner is unplugged, or its driver stopped (returns need it).
    ScannerMissing,
    /// The return bin holds as many books as it can; returns are refused.
    ReturnBinFull,
    /// Events wait longer than [`BACKLOG_FAULT_AFTER_SECS`] for the district.
    OutboxBacklog,
    /// The district refused events; staff must look at them.
    EventsRejected,
}

/// One open fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub code: FaultCode,
    /// The door it concerns, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<u16>,
    /// For people: what is wrong, with the detail the code cannot carry.
    pub message: String,
}

impl Fault {
    /// A fault with the standard sentence for its code.
    pub fn new(code: FaultCode, slot: Option<u16>) -> Self {
        Self::with_detail(code, slot, None)
    }

    /// A fault whose sentence carries a detail (the driver's error, a count).
    pub fn with_detail(code: FaultCode, slot: Option<u16>, detail: Option<&str>) -> Self {
        let door = slot.map(|s| format!("door {s}")).unwrap_or_else(|| "a door".to_owned());
        let base = match code {
            FaultCode::KioskOutOfService => "kiosk out of service".to_owned(),
            FaultCode::DoorJammed => format!("{door} jammed"),
            FaultCode::DoorLeftOpen => format!("{door} left open"),
            FaultCode::DoorOutOfService => format!("{door} out of service"),
            FaultCode::BookMissing => format!("{door}: its book is not in it"),
            FaultCode::BoardNotResponding => "locker board not responding".to_owned(),
            FaultCode::CardReaderMissing => "card reader missing".to_owned(),
            FaultCode::ScannerMissing => "barcode scanner missing".to_owned(),
            FaultCode::ReturnBinFull => "return bin full".to_owned(),
            FaultCode::OutboxBacklog => "events waiting for the district".to_owned(),
            FaultCode::EventsRejected => "events rejected by the district, waiting for staff".to_owned(),
        };
        let message = match detail {
            Some(d) if !d.is_empty() => format!("{base}: {d}"),
            _ => base,
        };
        Self { code, slot, message }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The outbox's share of the faults: a backlog older than the threshold,
/// and events the district rejected.
pub fn outbox_faults(oldest_pending_age_secs: Option<u64>, rejected: u64) -> Vec<Fault> {
    let mut faults = Vec::new();
    if let Some(age) = oldest_pending_age_secs.filter(|age| *age >= BACKLOG_FAULT_AFTER_SECS) {
        faults.push(Fault::with_detail(FaultCode::OutboxBacklog, None, Some(&format!("oldest {}", duration(age)))));
    }
    if rejected > 0 {
        faults.push(Fault::with_detail(FaultCode::EventsRejected, None, Some(&rejected.to_string())));
    }
    faults
}

/// "3 h 05 min", "12 min", "40 s": an age an operator reads at a glance.
pub fn duration(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        _ => format!("{} h {:02} min", secs / 3600, secs % 3600 / 60),
    }
}

/// Faults in a stable order (by code, then door), without repeats, so a
/// heartbeat that did not change reads the same.
pub fn normalise(mut faults: Vec<Fault>) -> Vec<Fault> {
    faults.sort_by_key(|f| (f.code, f.slot));
    faults.dedup_by(|a, b| a.code == b.code && a.slot == b.slot);
    faults
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_name_the_door_and_the_detail() {
        assert_eq!(Fault::new(FaultCode::DoorLeftOpen, Some(7)).to_string(), "door 7 left open");
        let jam = Fault::with_detail(FaultCode::DoorJammed, Some(3), Some("door did not open: no answer"));
        assert_eq!(jam.to_string(), "door 3 jammed: door did not open: no answer");
        assert_eq!(Fault::new(FaultCode::ReturnBinFull, None).to_string(), "return bin full");
    }

    #[test]
    fn the_backlog_is_a_fault_only_past_the_threshold() {
        assert!(outbox_faults(None, 0).is_empty());
        assert!(outbox_faults(Some(BACKLOG_FAULT_AFTER_SECS - 1), 0).is_empty());
        let f = outbox_faults(Some(2 * 3600 + 5 * 60), 0);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, FaultCode::OutboxBacklog);
        assert_eq!(f[0].message, "events waiting for the district: oldest 2 h 05 min");
    }

    #[test]
    fn rejected_events_are_counted() {
        let f = outbox_faults(Some(10), 2);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, FaultCode::EventsRejected);
        assert!(f[0].message.ends_with(": 2"), "{}", f[0].message);
    }

    #[test]
    fn the_wire_form_is_snake_case_and_omits_a_missing_door() {
        let json = serde_json::to_value(Fault::new(FaultCode::BoardNotResponding, None)).unwrap();
        assert_eq!(json, serde_json::json!({"code": "board_not_responding", "message": "locker board not responding"}));
        let json = serde_json::to_value(Fault::new(FaultCode::DoorJammed, Some(2))).unwrap();
        assert_eq!(json["slot"], 2);
    }

    #[test]
    fn normalise_sorts_and_drops_repeats() {
        let faults = normalise(vec![
            Fault::new(FaultCode::ReturnBinFull, None),
            Fault::new(FaultCode::DoorJammed, Some(4)),
            Fault::new(FaultCode::DoorJammed, Some(2)),
            Fault::new(FaultCode::DoorJammed, Some(4)),
        ]);
        let keys: Vec<_> = faults.iter().map(|f| (f.code, f.slot)).collect();
        assert_eq!(
            keys,
            [(FaultCode::DoorJammed, Some(2)), (FaultCode::DoorJammed, Some(4)), (FaultCode::ReturnBinFull, None)]
        );
    }

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(duration(40), "40 s");
        assert_eq!(duration(12 * 60 + 30), "12 min");
        assert_eq!(duration(3 * 3600 + 5 * 60), "3 h 05 min");
    }
}
