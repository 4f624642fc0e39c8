//! What is wrong with the kiosk right now, in a form both the district's
//! dashboard (the heartbeat) and an operator at the console (`bookstation
//! status`) read: a stable code to act on, the door it concerns, and a
//! sentence in English for people.

use super::{Fault, FaultCode};

/// The oldest undelivered event may be this old before the backlog counts
/// as a fault: an hour covers a short outage or a district restart; longer
/// means someone should look at the network or the token.
pub const BACKLOG_FAULT_AFTER_SECS: u64 = 3600;

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
