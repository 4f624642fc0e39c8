//! The kiosk's devices as `[hardware]` says: the simulated world (`mock`),
//! the simulated world behind Kerong boards on a pseudo-terminal (`pty`,
//! the real serial driver in between), or real devices (`devices`); and
//! `doctor`'s probe of each configured device, in words a technician reads.

use anyhow::Context;
use bookstation::config::{BoardConfig, BoardProtocol, CardReaderKind, Config, HardwareKind, ScannerKind};
use bookstation::engine::actor::Devices;
use bookstation_hardware::drivers::{
    BoardUnit, Cabinet, EscPosPrinter, KerongCu, KerongPolarity, LinkSettings, ModbusBoard, ModbusLayout, Mount,
    PcscReader, PcscSettings, SerialLink, evdev_scanner, serial_scanner,
};
use bookstation_hardware::sim::pty::world_on_kerong;
use bookstation_hardware::{LockerBoard, Scanner, SimLayout, SimWorld};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The pty the `pty` hardware's board simulator listens on, in the state directory.
pub fn pty_link(state_dir: &Path) -> PathBuf {
    state_dir.join("locker-bus")
}

/// What the daemon runs with: the board, the event devices, and the
/// simulated world when the hardware is simulated (sim commands reach it).
pub struct Hardware {
    pub board: Arc<dyn LockerBoard>,
    pub devices: Devices,
    pub sim: Option<SimWorld>,
}

/// The simulated world `state_dir/world.json` for simulated hardware
/// (`mock`, `pty`); `None` for real devices, which never open the file.
pub fn simulated_world(config: &Config) -> anyhow::Result<Option<SimWorld>> {
    let h = &config.hardware;
    Ok(match h.kind {
        HardwareKind::Mock | HardwareKind::Pty => {
            let layout = SimLayout { lockers: h.lockers, return_bin: h.return_bin_slot };
            Some(SimWorld::open(&config.kiosk.state_dir.join("world.json"), layout)?)
        }
        HardwareKind::Devices => None,
    })
}

/// The board and the event devices `[hardware]` asks for; `world` is
/// [`simulated_world`]'s.
pub fn build(config: &Config, world: Option<SimWorld>) -> anyhow::Result<Hardware> {
    let simulated = |board: Arc<dyn LockerBoard>, world: SimWorld| Hardware {
        board,
        devices: Devices {
            card_reader: world.card_reader().map(|r| Box::new(r) as _),
            scanner: world.scanner().map(|s| Box::new(s) as _),
        },
        sim: Some(world),
    };
    match (config.hardware.kind, world) {
        (HardwareKind::Mock, Some(world)) => Ok(simulated(Arc::new(world.board()), world)),
        (HardwareKind::Pty, Some(world)) => {
            let link = pty_link(&config.kiosk.state_dir);
            let (sim, cabinet) = world_on_kerong(&world, &link, LinkSettings::new(&link))?;
            tracing::info!(port = %link.display(), buses = sim.len(), "locker boards: simulated Kerong CU buses on ptys");
            // The simulator lives as long as the runtime: dropped with it.
            tokio::spawn(async move {
                let _sim = sim;
                std::future::pending::<()>().await;
            });
            Ok(simulated(Arc::new(cabinet), world))
        }
        (HardwareKind::Mock | HardwareKind::Pty, None) => {
            anyhow::bail!("simulated hardware without its world (hardware::simulated_world)")
        }
        (HardwareKind::Devices, _) => {
            let h = &config.hardware;
            let card_reader = match &h.card_reader {
                Some(r) => match r.kind {
                    CardReaderKind::Pcsc => {
                        let settings = PcscSettings { reader_filter: r.reader.clone(), ..PcscSettings::default() };
                        Some(Box::new(PcscReader::start(settings)?) as _)
                    }
                },
                None => None,
            };
            let scanner: Option<Box<dyn Scanner>> = match &h.scanner {
                Some(s) => Some(match s.kind {
                    ScannerKind::Serial => Box::new(serial_scanner(s.path.clone(), s.baud.unwrap_or(9600))?),
                    ScannerKind::Evdev => Box::new(evdev_scanner(s.path.clone())?),
                }),
                None => None,
            };
            Ok(Hardware { board: Arc::new(cabinet(config)?), devices: Devices { card_reader, scanner }, sim: None })
        }
    }
}

/// The cabinet of `[[hardware.board]]`: one serial link per port, shared
/// by the boards chained on it.
pub fn cabinet(config: &Config) -> anyhow::Result<Cabinet> {
    let mut links: BTreeMap<&Path, SerialLink> = BTreeMap::new();
    let mut mounts = Vec::new();
    for b in &config.hardware.board {
        let link = links
            .entry(b.port.as_path())
            .or_insert_with(|| {
                SerialLink::new(LinkSettings {
                    baud: b.baud(),
                    timeout: Duration::from_millis(b.timeout_ms),
                    retries: b.retries,
                    ..LinkSettings::new(&b.port)
                })
            })
            .clone();
        mounts.push(Mount { unit: unit(b, link)?, first_slot: b.first_slot });
    }
    Ok(Cabinet::new(mounts, Some(config.hardware.return_bin_slot))?)
}

fn unit(b: &BoardConfig, link: SerialLink) -> anyhow::Result<Box<dyn BoardUnit>> {
    let bit = |v: Option<u8>| v.is_none_or(|v| v == 1);
    Ok(match b.protocol {
        BoardProtocol::Kerong => {
            let polarity = KerongPolarity { locked_bit: bit(b.locked_bit), item_bit: bit(b.item_bit) };
            let channels = u8::try_from(b.slots).context("a Kerong board has at most 16 channels")?;
            Box::new(KerongCu::new(link, b.address, channels, polarity)?)
        }
        BoardProtocol::Modbus => {
            let layout = ModbusLayout {
                coil_base: b.coil_base.unwrap_or(0),
                door_input_base: b.door_input_base.unwrap_or(0),
                item_input_base: b.item_input_base.unwrap_or(b.slots),
                door_open_when: bit(b.door_open_when),
                item_present_when: bit(b.item_present_when),
                pulse: Duration::from_millis(b.pulse_ms.unwrap_or(300)),
            };
            Box::new(ModbusBoard::new(link, b.address, b.slots, layout)?)
        }
    })
}

/// One `doctor` finding: whether it is fine, and what to say.
pub type Finding = (bool, String);

/// Probe every device `kind = "devices"` configures.
pub fn probe(config: &Config) -> Vec<Finding> {
    let h = &config.hardware;
    let mut out = Vec::new();
    if let Some(r) = &h.card_reader {
        match bookstation_hardware::drivers::pcsc_reader::probe(r.reader.as_deref()) {
            Ok(readers) if readers.is_empty() => out.push((
                false,
                match &r.reader {
                    Some(f) => format!("card reader: pcscd runs, but no reader named like \"{f}\" is plugged in"),
                    None => "card reader: pcscd runs, but no reader is plugged in (for an ACR122U, check that the \
                             kernel's pn533 NFC driver is blacklisted: see systemd/blacklist-nfc.conf)"
                        .to_owned(),
                },
            )),
            Ok(readers) => out.push((true, format!("card reader: pcscd runs; reader {}", readers.join(", ")))),
            Err(e) => out.push((false, format!("card reader: {e}"))),
        }
    } else {
        out.push((true, "card reader: none configured (cards are not read)".to_owned()));
    }
    match cabinet(config) {
        Ok(cabinet) => match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => {
                for m in cabinet.mounts() {
                    let what = m.unit.describe();
                    let last = m.first_slot + m.unit.channels() - 1;
                    match rt.block_on(m.unit.read()) {
                        Ok(states) => {
                            let open = states.iter().filter(|s| s.door_open).count();
                            let items = states.iter().filter(|s| s.item_present).count();
                            out.push((
                                true,
                                format!(
                                    "{what} answers: {} doors (slots {}-{last}), {open} open, {items} with something inside",
                                    states.len(),
                                    m.first_slot
                                ),
                            ));
                        }
                        Err(e) => out.push((
                            false,
                            format!(
                                "{what} (slots {}-{last}) does not answer: {e}. Check its power, the RS-485 \
                                     wiring (A/B), its address switches and the baud rate",
                                m.first_slot
                            ),
                        )),
                    }
                }
            }
            Err(e) => out.push((false, format!("locker boards: cannot start the probe: {e}"))),
        },
        Err(e) => out.push((false, format!("locker boards: {e}"))),
    }
    if let Some(s) = &h.scanner {
        let probed = match s.kind {
            ScannerKind::Serial => {
                bookstation_hardware::drivers::scanners::probe_serial(&s.path, s.baud.unwrap_or(9600))
                    .map(|()| format!("scanner: serial port {} opens", s.path.display()))
            }
            ScannerKind::Evdev => bookstation_hardware::drivers::scanners::probe_evdev(&s.path)
                .map(|name| format!("scanner: input device {} is \"{name}\"", s.path.display())),
        };
        out.push(match probed {
            Ok(m) => (true, m),
            Err(e) => (false, e.to_string()),
        });
    }
    if let Some(p) = &h.printer {
        out.push(match EscPosPrinter::new(&p.path, p.baud).probe() {
            Ok(()) => (true, format!("receipt printer: {} can be written to", p.path.display())),
            Err(e) => (false, format!("receipt printer: {e} (is it plugged in and switched on?)")),
        });
    }
    out
}
