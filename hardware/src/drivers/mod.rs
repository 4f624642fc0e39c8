//! Drivers for the real devices, each behind one of the crate's traits.
//!
//! - [`serial_link`]: one serial port per thread, with timeouts, bounded
//!   retries and reopening with backoff; shared by the boards on a bus.
//! - [`cabinet`]: [`Cabinet`], the [`LockerBoard`](crate::LockerBoard) made
//!   of several boards, and the [`BoardUnit`] trait they implement.
//! - [`kerong_cu`]: Kerong CU lock-control boards.
//! - [`modbus_rtu`]: Modbus RTU relay-and-input boards.
//! - [`pcsc_reader`]: contactless cards through pcscd.
//! - [`scanners`]: serial line scanners and evdev keyboard-wedge scanners.
//! - [`escpos_printer`]: ESC/POS receipts with Korean text.

pub mod cabinet;
pub mod escpos_printer;
pub mod kerong_cu;
pub mod modbus_rtu;
pub mod pcsc_reader;
pub mod scanners;
pub mod serial_link;

pub use cabinet::{BoardUnit, Cabinet, ChannelState, Mount, SILENT_PROBE_EVERY};
pub use escpos_printer::{EscPosPrinter, Receipt};
pub use kerong_cu::{KerongCu, KerongPolarity};
pub use modbus_rtu::{ModbusBoard, ModbusLayout};
pub use pcsc_reader::{PcscReader, PcscSettings, ReaderHealth};
pub use scanners::{KeyDecoder, LineSplitter, ThreadScanner, evdev_scanner, serial_scanner};
pub use serial_link::{LinkSettings, SerialLink};
