//! [`ModbusSim`]: Modbus RTU relay-and-input units on one simulated bus,
//! answering through `rmodbus`'s server side.

use rmodbus::ModbusProto;
use rmodbus::server::ModbusFrame;
use rmodbus::server::storage::ModbusStorage;

use super::{Panel, WireProtocol};
use crate::codec::kerong_cu::Decoded;
use crate::codec::modbus_rtu::decode_request;
use crate::drivers::ModbusLayout;

/// Coils and inputs a simulated unit has (addresses 0–255).
type Storage = ModbusStorage<256, 256, 1, 1>;

/// One simulated unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModbusSimUnit {
    /// The unit address, 1–247.
    pub unit: u8,
    /// The slot of channel 0.
    pub first_slot: u16,
    /// Channels wired.
    pub channels: u16,
    /// Where its coils and inputs are (the pulse length is the driver's).
    pub layout: ModbusLayout,
}

/// Modbus RTU units on one bus. Energising a channel's coil pulses its lock.
pub struct ModbusSim {
    units: Vec<(ModbusSimUnit, Box<Storage>)>,
}

impl ModbusSim {
    /// A bus with `units`.
    pub fn new(units: Vec<ModbusSimUnit>) -> Self {
        Self { units: units.into_iter().map(|u| (u, Box::new(Storage::new()))).collect() }
    }
}

impl WireProtocol for ModbusSim {
    fn decode(&self, buf: &[u8]) -> Decoded<usize> {
        decode_request(buf)
    }

    fn answer(&mut self, request: &[u8], panel: &dyn Panel) -> Option<Vec<u8>> {
        let (u, storage) = self.units.iter_mut().find(|(u, _)| Some(&u.unit) == request.first())?;
        let sensors = panel.read()?;
        let l = u.layout;
        for ch in 0..u.channels {
            let slot = u.first_slot + ch;
            let Some(s) = sensors.iter().find(|s| s.slot == slot) else { continue };
            if let Some(d) = storage.discretes.get_mut(usize::from(l.door_input_base + ch)) {
                *d = s.door_open == l.door_open_when;
            }
            if let Some(d) = storage.discretes.get_mut(usize::from(l.item_input_base + ch)) {
                *d = s.item_present == l.item_present_when;
            }
        }
        let before = storage.coils;
        let mut response = Vec::new();
        let mut frame = ModbusFrame::new(u.unit, request, ModbusProto::Rtu, &mut response);
        frame.parse().ok()?;
        if frame.processing_required {
            let done = if frame.readonly {
                frame.process_read(storage.as_ref())
            } else {
                frame.process_write(storage.as_mut())
            };
            done.ok()?;
        }
        if !frame.response_required {
            return None;
        }
        frame.finalize_response().ok()?;
        for ch in 0..u.channels {
            let coil = usize::from(l.coil_base + ch);
            if storage.coils.get(coil) == Some(&true) && before.get(coil) == Some(&false) {
                panel.unlock(u.first_slot + ch);
            }
        }
        Some(response)
    }
}
