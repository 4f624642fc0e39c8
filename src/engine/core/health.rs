//! The faults the engine itself can see: the kiosk's and the doors' state,
//! doors left open, a full return bin. Device faults (board, reader,
//! scanner) are the runner's; outbox faults the store's.

use super::Engine;
use crate::domain::{Fault, FaultCode};

impl Engine {
    pub fn faults(&self) -> Vec<Fault> {
        let mut faults = Vec::new();
        if self.kiosk.out_of_service {
            faults.push(Fault::new(FaultCode::KioskOutOfService, None));
        }
        for slot in self.kiosk.slots.values() {
            if let Some(fault) = &slot.fault {
                faults.push(Fault::with_detail(FaultCode::DoorJammed, Some(slot.no.0), Some(fault)));
            }
            if slot.out_of_service {
                faults.push(Fault::new(FaultCode::DoorOutOfService, Some(slot.no.0)));
            }
        }
        for slot in self.kiosk.missing_books() {
            faults.push(Fault::new(FaultCode::BookMissing, Some(slot.no.0)));
        }
        for slot in &self.kiosk.left_open {
            faults.push(Fault::new(FaultCode::DoorLeftOpen, Some(slot.0)));
        }
        let in_bin = self.kiosk.bin_items.len();
        if u32::try_from(in_bin).unwrap_or(u32::MAX) >= self.settings.bin_capacity {
            let detail = format!("{in_bin} books");
            faults.push(Fault::with_detail(FaultCode::ReturnBinFull, Some(self.settings.bin_slot.0), Some(&detail)));
        }
        faults
    }
}
