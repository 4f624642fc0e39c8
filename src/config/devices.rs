//! The real devices a kiosk with `[hardware] kind = "devices"` drives: the
//! card reader, the locker boards (`[[hardware.board]]`), the scanner and
//! the optional receipt printer; and the rules their keys follow.
//!
//! Every board covers a run of slot numbers (`first_slot`, `slots`); the
//! boards together must drive every locker `1..=lockers` and the return bin,
//! each exactly once, so no door is left without a lock or given two.

use super::{ConfigError, HardwareConfig, HardwareKind};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `[hardware.card_reader]`: the contactless membership card reader.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CardReaderConfig {
    /// Only `"pcsc"`: any reader pcscd knows (ACR122U, ACR1252U, …).
    pub kind: CardReaderKind,
    /// Watch only readers whose name contains this text (case ignored), for
    /// a kiosk with more than one reader; every reader when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
}

/// The card reader's driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CardReaderKind {
    /// PC/SC through pcscd.
    Pcsc,
}

/// The wire protocol of a locker board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BoardProtocol {
    /// Kerong CU (KR-CU16) lock-control boards, chained by DIP address.
    Kerong,
    /// Modbus RTU relay-and-input boards.
    Modbus,
}

/// A `[[hardware.board]]` entry: one lock-control board.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BoardConfig {
    /// `"kerong"` or `"modbus"`.
    pub protocol: BoardProtocol,
    /// The serial device, ideally a udev name like `/dev/bookstation-locker0`;
    /// boards chained on one bus share it.
    pub port: PathBuf,
    /// Line speed; default 19200 for Kerong, 9600 for Modbus. Boards on one
    /// port must agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baud: Option<u32>,
    /// The board's address on the bus: Kerong DIP address 0–15, Modbus unit 1–247.
    pub address: u8,
    /// The slot number of the board's first channel.
    pub first_slot: u16,
    /// Channels wired to doors, from the first: slots `first_slot..first_slot + slots`.
    pub slots: u16,
    /// Wait for an answer this long before retrying. Default 200.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Tries after the first. Default 2.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Kerong: the hook bit's value when the lock is engaged. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_bit: Option<u8>,
    /// Kerong: the infrared bit's value when an item is there. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_bit: Option<u8>,
    /// Modbus: the coil of the first channel. Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coil_base: Option<u16>,
    /// Modbus: the discrete input of the first door sensor. Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub door_input_base: Option<u16>,
    /// Modbus: the discrete input of the first item sensor. Default `slots`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_input_base: Option<u16>,
    /// Modbus: the door input's value when the door is open. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub door_open_when: Option<u8>,
    /// Modbus: the item input's value when an item is there. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_present_when: Option<u8>,
    /// Modbus: how long the lock relay stays on. Default 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulse_ms: Option<u64>,
}

fn default_timeout_ms() -> u64 {
    200
}

fn default_retries() -> u32 {
    2
}

impl BoardConfig {
    /// The baud rate, with the protocol's default.
    pub fn baud(&self) -> u32 {
        self.baud.unwrap_or(match self.protocol {
            BoardProtocol::Kerong => 19200,
            BoardProtocol::Modbus => 9600,
        })
    }
}

/// The scanner's driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScannerKind {
    /// A serial (CDC-ACM) scanner sending one line per scan.
    Serial,
    /// A USB keyboard-wedge scanner read through evdev, grabbed so its keys
    /// never reach anything else.
    Evdev,
}

/// `[hardware.scanner]`: the barcode and QR scanner.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScannerConfig {
    /// `"serial"` or `"evdev"`.
    pub kind: ScannerKind,
    /// `/dev/bookstation-scanner` (serial) or `/dev/input/by-id/…-event-kbd` (evdev).
    pub path: PathBuf,
    /// Serial only: line speed. Default 9600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baud: Option<u32>,
}

/// The receipt printer's driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterKind {
    /// ESC/POS, Korean text in CP949 (EUC-KR).
    Escpos,
}

/// `[hardware.printer]`: the optional receipt printer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterConfig {
    /// Only `"escpos"`.
    pub kind: PrinterKind,
    /// A device file (`/dev/usb/lp0`) or a serial port.
    pub path: PathBuf,
    /// Set for a serial printer: its line speed. Omitted: a device file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baud: Option<u32>,
}

pub(super) fn validate(h: &HardwareConfig, file: &Path) -> Result<(), ConfigError> {
    let fail = |key: String, message: String| Err(ConfigError::invalid(file, &key, message));
    if h.kind != HardwareKind::Devices {
        for (set, key) in [
            (!h.board.is_empty(), "hardware.board"),
            (h.card_reader.is_some(), "hardware.card_reader"),
            (h.scanner.is_some(), "hardware.scanner"),
            (h.printer.is_some(), "hardware.printer"),
        ] {
            if set {
                return fail(
                    key.into(),
                    "is only used with hardware.kind = \"devices\"; remove it or set the kind".into(),
                );
            }
        }
        return Ok(());
    }
    if h.board.is_empty() {
        return fail(
            "hardware.board".into(),
            "hardware.kind = \"devices\" needs at least one [[hardware.board]]".into(),
        );
    }
    let mut owner: std::collections::BTreeMap<u16, usize> = std::collections::BTreeMap::new();
    let mut bus: std::collections::BTreeMap<&Path, (usize, u32, BoardProtocol, u8)> = std::collections::BTreeMap::new();
    for (i, b) in h.board.iter().enumerate() {
        let key = |k: &str| format!("hardware.board[{i}].{k}");
        let (addresses, max_slots) = match b.protocol {
            BoardProtocol::Kerong => (0..=15, 16),
            BoardProtocol::Modbus => (1..=247, 125),
        };
        if !addresses.contains(&b.address) {
            return fail(
                key("address"),
                format!(
                    "must be from {} to {} for this protocol (got {})",
                    addresses.start(),
                    addresses.end(),
                    b.address
                ),
            );
        }
        if b.slots == 0 || b.slots > max_slots {
            return fail(key("slots"), format!("must be from 1 to {max_slots} for this protocol (got {})", b.slots));
        }
        if b.port.as_os_str().is_empty() {
            return fail(key("port"), "must be a serial device path like /dev/bookstation-locker0".into());
        }
        if !(1200..=230_400).contains(&b.baud()) {
            return fail(key("baud"), format!("must be from 1200 to 230400 (got {})", b.baud()));
        }
        if !(10..=5000).contains(&b.timeout_ms) {
            return fail(key("timeout_ms"), format!("must be from 10 to 5000 (got {})", b.timeout_ms));
        }
        if b.retries > 10 {
            return fail(key("retries"), format!("must be at most 10 (got {})", b.retries));
        }
        let kerong_only = [("locked_bit", b.locked_bit.is_some()), ("item_bit", b.item_bit.is_some())];
        let modbus_only = [
            ("coil_base", b.coil_base.is_some()),
            ("door_input_base", b.door_input_base.is_some()),
            ("item_input_base", b.item_input_base.is_some()),
            ("door_open_when", b.door_open_when.is_some()),
            ("item_present_when", b.item_present_when.is_some()),
            ("pulse_ms", b.pulse_ms.is_some()),
        ];
        let (wrong, other) = match b.protocol {
            BoardProtocol::Kerong => (&modbus_only[..], "modbus"),
            BoardProtocol::Modbus => (&kerong_only[..], "kerong"),
        };
        if let Some((k, _)) = wrong.iter().find(|(_, set)| *set) {
            return fail(key(k), format!("is for protocol = \"{other}\" boards only"));
        }
        for (k, v) in [
            ("locked_bit", b.locked_bit),
            ("item_bit", b.item_bit),
            ("door_open_when", b.door_open_when),
            ("item_present_when", b.item_present_when),
        ] {
            if v.is_some_and(|v| v > 1) {
                return fail(key(k), "must be 0 or 1".into());
            }
        }
        if b.pulse_ms.is_some_and(|p| p > 5000) {
            return fail(key("pulse_ms"), "must be at most 5000".into());
        }
        match bus.get(b.port.as_path()) {
            Some((j, baud, _, _)) if *baud != b.baud() => {
                return fail(
                    key("baud"),
                    format!("{} differs from hardware.board[{j}] on the same port ({baud})", b.baud()),
                );
            }
            Some((j, _, protocol, _)) if *protocol != b.protocol => {
                return fail(
                    key("protocol"),
                    format!("differs from hardware.board[{j}] on the same port; one bus speaks one protocol"),
                );
            }
            Some((j, _, _, address)) if *address == b.address => {
                return fail(key("address"), format!("{} is taken by hardware.board[{j}] on the same port", b.address));
            }
            _ => {}
        }
        bus.insert(b.port.as_path(), (i, b.baud(), b.protocol, b.address));
        for n in 0..b.slots {
            let Some(slot) = b.first_slot.checked_add(n) else {
                return fail(key("first_slot"), "first_slot + slots passes 65535".into());
            };
            if let Some(j) = owner.insert(slot, i) {
                return fail(key("first_slot"), format!("slot {slot} is driven by hardware.board[{j}] already"));
            }
        }
    }
    let wanted: Vec<u16> = (1..=h.lockers).chain(std::iter::once(h.return_bin_slot)).collect();
    if let Some(missing) = wanted.iter().find(|s| !owner.contains_key(s)) {
        return fail(
            "hardware.board".into(),
            format!(
                "no board drives slot {missing}; the boards must cover lockers 1-{} and the return bin {}",
                h.lockers, h.return_bin_slot
            ),
        );
    }
    if let Some((extra, i)) = owner.iter().find(|(s, _)| !wanted.contains(s)) {
        return fail(
            format!("hardware.board[{i}].slots"),
            format!("slot {extra} is neither a locker (1-{}) nor the return bin ({})", h.lockers, h.return_bin_slot),
        );
    }
    if let Some(r) = &h.card_reader
        && r.reader.as_deref().is_some_and(|f| f.trim().is_empty())
    {
        return fail("hardware.card_reader.reader".into(), "must not be empty; omit it to watch every reader".into());
    }
    if let Some(s) = &h.scanner {
        if s.path.as_os_str().is_empty() {
            return fail("hardware.scanner.path".into(), "must be a device path".into());
        }
        if s.kind == ScannerKind::Evdev && s.baud.is_some() {
            return fail("hardware.scanner.baud".into(), "is for kind = \"serial\" scanners only".into());
        }
    }
    if let Some(p) = &h.printer
        && p.path.as_os_str().is_empty()
    {
        return fail("hardware.printer.path".into(), "must be a device path".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;

    fn with_hardware(hw: &str) -> Result<Config, String> {
        let demo = Config::demo(Path::new("/tmp/x")).to_toml();
        let start = demo.find("[hardware]").unwrap();
        let end = start + demo[start..].find("\n[").unwrap() + 1;
        let text = format!("{}{hw}\n{}", &demo[..start], &demo[end..]);
        Config::parse(&text, Path::new("k.toml")).map_err(|e| e.to_string())
    }

    const BASE: &str = "[hardware]\nkind = \"devices\"\nlockers = 20\nreturn_bin_slot = 21\nreturn_bin_capacity = 30\n";

    #[test]
    fn a_full_device_config_parses() {
        let c = with_hardware(&format!(
            "{BASE}[hardware.card_reader]\nkind = \"pcsc\"\nreader = \"ACR122\"\n\
             [[hardware.board]]\nprotocol = \"kerong\"\nport = \"/dev/bookstation-locker0\"\naddress = 0\nfirst_slot = 1\nslots = 16\n\
             [[hardware.board]]\nprotocol = \"kerong\"\nport = \"/dev/bookstation-locker0\"\naddress = 1\nfirst_slot = 17\nslots = 5\nlocked_bit = 0\n\
             [hardware.scanner]\nkind = \"serial\"\npath = \"/dev/bookstation-scanner\"\n\
             [hardware.printer]\nkind = \"escpos\"\npath = \"/dev/usb/lp0\"\n"
        ))
        .unwrap();
        assert_eq!(c.hardware.board.len(), 2);
        assert_eq!(c.hardware.board[1].baud(), 19200);
        let back = Config::parse(&c.to_toml(), Path::new("k.toml")).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn mistakes_name_their_key() {
        let board = |extra: &str| {
            format!(
                "{BASE}[[hardware.board]]\nprotocol = \"kerong\"\nport = \"/dev/x\"\naddress = 0\nfirst_slot = 1\nslots = 16\n\
                 [[hardware.board]]\nprotocol = \"kerong\"\nport = \"/dev/x\"\naddress = 1\nfirst_slot = 17\nslots = 5\n{extra}"
            )
        };
        let cases = [
            (BASE.to_string(), "hardware.board"),
            (board("coil_base = 3\n"), "hardware.board[1].coil_base"),
            (
                board("address = 0\n").replace(
                    "address = 1\nfirst_slot = 17\nslots = 5\naddress = 0",
                    "address = 0\nfirst_slot = 17\nslots = 5",
                ),
                "hardware.board[1].address",
            ),
            (board("").replace("first_slot = 17", "first_slot = 16"), "hardware.board[1].first_slot"),
            (board("").replace("slots = 5", "slots = 4"), "hardware.board"),
            (board("").replace("slots = 5", "slots = 6"), "hardware.board[1].slots"),
            (board("locked_bit = 2\n"), "hardware.board[1].locked_bit"),
            (board("baud = 9600\n"), "hardware.board[1].baud"),
        ];
        for (text, key) in cases {
            let e = with_hardware(&text).unwrap_err();
            assert!(e.contains(&format!("key `{key}`")), "{key}: {e}");
        }
        let mock_with_board = "[hardware]\nkind = \"mock\"\nlockers = 40\nreturn_bin_slot = 41\nreturn_bin_capacity = 30\n\
            [hardware.printer]\nkind = \"escpos\"\npath = \"/dev/usb/lp0\"\n";
        assert!(with_hardware(mock_with_board).unwrap_err().contains("key `hardware.printer`"));
    }

    #[test]
    fn the_example_device_sections_parse_once_uncommented() {
        let example = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/systemd/bookstation.toml"));
        let start = example.find("# --- kind = \"devices\" only").unwrap();
        let end = start + example[start..].find("\n[district]").unwrap();
        let block: String = example[start..end]
            .lines()
            // Uncomment sections, keys and their comments; prose stays a comment.
            .map(|l| match l.strip_prefix("# ") {
                Some(r)
                    if r.starts_with('[')
                        || r.starts_with('#')
                        || r.split_once(" = ")
                            .is_some_and(|(k, _)| k.chars().all(|c| c.is_ascii_lowercase() || c == '_')) =>
                {
                    r
                }
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let text =
            format!("{}{block}{}", &example[..start], &example[end..]).replace("kind = \"mock\"", "kind = \"devices\"");
        let c = Config::parse(&text, Path::new("example")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.hardware.board.len(), 2);
        assert!(c.hardware.card_reader.is_some() && c.hardware.scanner.is_some() && c.hardware.printer.is_some());
    }
}
