//! What is wrong with a kiosk right now: a stable code to act on, the door
//! it concerns, and a sentence in English for people. The heartbeat carries
//! them to the district's dashboard.

use serde::{Deserialize, Serialize};
use std::fmt;

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
    /// Events wait longer than an hour for the district (the kiosk's threshold).
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
