//! Modbus RTU relay-and-input boards (the common 8/16/32-channel RS-485
//! boards): a lock is opened by pulsing a coil (relay), and the door and
//! item sensors are wired to discrete inputs. Frames are built and checked
//! by `rmodbus` through [`crate::codec::modbus_rtu`].
//!
//! # What the hardware cannot promise
//!
//! - The relay is switched off by the host after the pulse; should the host
//!   die in between, the lock's solenoid stays powered until the next
//!   request (boards with a "flash" mode avoid that, but it is not standard).
//! - The door input is read once right after the pulse: a door held shut
//!   reads as [`Jammed`](ErrorKind::Jammed) even though the lock released.

use std::time::Duration;

use crate::codec::modbus_rtu::{Answer, Call, Exchange};
use crate::drivers::cabinet::{BoardUnit, ChannelState};
use crate::drivers::serial_link::{Port, SerialLink};
use crate::{ErrorKind, HwError};

/// Where a board's relays and sensors are, and what their values mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModbusLayout {
    /// The coil of channel 0; channel `n` is `coil_base + n`.
    pub coil_base: u16,
    /// The discrete input of channel 0's door sensor.
    pub door_input_base: u16,
    /// The discrete input of channel 0's item sensor.
    pub item_input_base: u16,
    /// The door input's value when the door is open (a normally-closed
    /// switch reads `true` when open).
    pub door_open_when: bool,
    /// The item input's value when the beam is blocked.
    pub item_present_when: bool,
    /// How long the relay stays on.
    pub pulse: Duration,
}

impl ModbusLayout {
    /// Coils from 0, door inputs from 0, item inputs from `channels`, both
    /// `true` when active, a 300 ms pulse.
    pub fn standard(channels: u16) -> Self {
        Self {
            coil_base: 0,
            door_input_base: 0,
            item_input_base: channels,
            door_open_when: true,
            item_present_when: true,
            pulse: Duration::from_millis(300),
        }
    }
}

/// One Modbus RTU board on a bus.
#[derive(Debug, Clone)]
pub struct ModbusBoard {
    /// The bus.
    link: SerialLink,
    /// The unit (slave) address, 1–247.
    unit: u8,
    /// Channels wired to lockers.
    channels: u16,
    /// Where its coils and inputs are.
    layout: ModbusLayout,
}

impl ModbusBoard {
    /// Unit `unit` (1–247) on `link`, with `channels` (1–125) wired.
    pub fn new(link: SerialLink, unit: u8, channels: u16, layout: ModbusLayout) -> Result<Self, HwError> {
        if !(1..=247).contains(&unit) || !(1..=125).contains(&channels) {
            return Err(HwError::new(
                ErrorKind::Other,
                format!("Modbus board: unit {unit} with {channels} channels; units are 1-247, channels 1-125"),
            ));
        }
        Ok(Self { link, unit, channels, layout })
    }
}

/// One call on the port thread.
fn call(port: &mut Port, what: &str, unit: u8, c: Call) -> Result<Answer, HwError> {
    let x = Exchange::new(unit, c).map_err(|e| HwError::new(ErrorKind::Other, e))?;
    match port.transact(what, x.bytes(), |buf| x.decode(buf))? {
        Answer::Exception(e) => Err(HwError::new(ErrorKind::Other, format!("{what} refused {c:?}: {e}"))),
        answer => Ok(answer),
    }
}

fn inputs(port: &mut Port, what: &str, unit: u8, first: u16, count: u16) -> Result<Vec<bool>, HwError> {
    match call(port, what, unit, Call::ReadInputs { first, count })? {
        Answer::Inputs(v) => Ok(v),
        other => Err(HwError::new(ErrorKind::Other, format!("{what}: unexpected answer {other:?}"))),
    }
}

impl ModbusBoard {
    /// Every channel's door and item inputs; `once`: one try each, no retries.
    async fn read_tries(&self, once: bool) -> Result<Vec<ChannelState>, HwError> {
        let (what, unit, l, n) = (self.describe(), self.unit, self.layout, self.channels);
        self.link
            .run(move |port| {
                let both = |port: &mut Port| -> Result<Vec<ChannelState>, HwError> {
                    let doors = inputs(port, &what, unit, l.door_input_base, n)?;
                    let items = inputs(port, &what, unit, l.item_input_base, n)?;
                    Ok(doors
                        .iter()
                        .zip(&items)
                        .map(|(d, i)| ChannelState {
                            door_open: *d == l.door_open_when,
                            item_present: *i == l.item_present_when,
                        })
                        .collect())
                };
                if once { port.single_try(both) } else { both(port) }
            })
            .await
    }
}

#[async_trait::async_trait]
impl BoardUnit for ModbusBoard {
    fn bus(&self) -> String {
        self.link.path().display().to_string()
    }

    fn describe(&self) -> String {
        format!("Modbus board unit {} on {}", self.unit, self.link.path().display())
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    async fn unlock(&self, channel: u16) -> Result<(), HwError> {
        if channel >= self.channels {
            return Err(HwError::new(ErrorKind::InvalidSlot, format!("{} has no channel {channel}", self.describe())));
        }
        let (what, unit, l) = (self.describe(), self.unit, self.layout);
        let coil = l.coil_base + channel;
        self.link
            .run(move |port| {
                call(port, &what, unit, Call::WriteCoil { coil, on: true })?;
                if !l.pulse.is_zero() {
                    std::thread::sleep(l.pulse);
                }
                call(port, &what, unit, Call::WriteCoil { coil, on: false })?;
                let door = inputs(port, &what, unit, l.door_input_base + channel, 1)?;
                if door.first() == Some(&l.door_open_when) {
                    Ok(())
                } else {
                    Err(HwError::new(
                        ErrorKind::Jammed,
                        format!("{what}: channel {} pulsed but the door stayed shut", channel + 1),
                    ))
                }
            })
            .await
    }

    async fn read(&self) -> Result<Vec<ChannelState>, HwError> {
        self.read_tries(false).await
    }

    async fn probe(&self) -> Result<Vec<ChannelState>, HwError> {
        self.read_tries(true).await
    }
}
