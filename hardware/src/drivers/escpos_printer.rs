//! Receipt printing in ESC/POS, through the `escpos` crate, to a device file
//! (`/dev/usb/lp0`) or a serial port.
//!
//! Korean receipt printers (Bixolon, Sewoo, the Korean firmware of Epson
//! models) print Hangul from KS X 1001 two-byte codes, i.e. EUC-KR, once in
//! double-byte mode (`FS &`). `escpos` has no Korean code page, so text goes
//! through `encoding_rs`'s EUC-KR (the WHATWG encoding, which is CP949, a
//! superset that encodes every modern Hangul syllable) and is sent as raw
//! bytes; ASCII passes unchanged. Characters EUC-KR cannot hold print as `?`.
//!
//! # What the hardware cannot promise
//!
//! A device file accepts bytes whether or not paper is loaded: a successful
//! print means the printer took the data, not that a receipt came out.

use std::path::{Path, PathBuf};
use std::time::Duration;

use escpos::driver::FileDriver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, Protocol};

use crate::{ErrorKind, HwError};

/// FS & : select double-byte (Kanji/Hangul) character mode.
const DOUBLE_BYTE_MODE: [u8; 2] = [0x1C, 0x26];

/// What a receipt says; the caller has already removed anything that
/// identifies the patron beyond what the library wants printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The kiosk's name, printed as the heading.
    pub heading: String,
    /// The body, one line each (titles, due dates).
    pub lines: Vec<String>,
    /// The last line (a thank-you, the library's phone number).
    pub footer: String,
}

/// An ESC/POS receipt printer.
#[derive(Debug, Clone)]
pub struct EscPosPrinter {
    /// The device.
    path: PathBuf,
    /// For a serial printer, the line speed to set before printing.
    baud: Option<u32>,
}

/// Text as the printer's EUC-KR bytes.
pub fn encode_korean(text: &str) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::EUC_KR.encode(text);
    bytes.into_owned()
}

impl EscPosPrinter {
    /// A printer at `path`; `baud` for a serial one.
    pub fn new(path: impl Into<PathBuf>, baud: Option<u32>) -> Self {
        Self { path: path.into(), baud }
    }

    /// The device path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the device can be opened for writing (for `doctor`); sends
    /// nothing.
    pub fn probe(&self) -> Result<(), HwError> {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .map(drop)
            .map_err(|e| HwError::new(ErrorKind::NotResponding, format!("printer {}: {e}", self.path.display())))
    }

    /// Print one receipt and cut. Blocking: call from a blocking thread.
    pub fn print(&self, receipt: &Receipt) -> Result<(), HwError> {
        let fail = |e: &dyn std::fmt::Display| {
            HwError::new(ErrorKind::NotResponding, format!("printer {}: {e}", self.path.display()))
        };
        // A serial printer's speed is set on the port first; the port stays
        // configured while the file driver writes to it.
        let _serial = match self.baud {
            Some(baud) => Some(
                serialport::new(self.path.to_string_lossy(), baud)
                    .timeout(Duration::from_secs(2))
                    .open()
                    .map_err(|e| fail(&e))?,
            ),
            None => None,
        };
        let driver = FileDriver::open(&self.path).map_err(|e| fail(&e))?;
        let mut p = Printer::new(driver, Protocol::default(), None);
        let text = |p: &mut Printer<FileDriver>, s: &str| -> escpos::errors::Result<()> {
            p.custom(&encode_korean(s))?.feed()?;
            Ok(())
        };
        let run = |p: &mut Printer<FileDriver>| -> escpos::errors::Result<()> {
            p.init()?.custom(&DOUBLE_BYTE_MODE)?;
            p.justify(JustifyMode::CENTER)?.bold(true)?;
            text(p, &receipt.heading)?;
            p.bold(false)?.justify(JustifyMode::LEFT)?.feed()?;
            for line in &receipt.lines {
                text(p, line)?;
            }
            p.feed()?.justify(JustifyMode::CENTER)?;
            text(p, &receipt.footer)?;
            p.feeds(3)?.print_cut()?;
            Ok(())
        };
        run(&mut p).map_err(|e| fail(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hangul_is_euc_kr() {
        // 합 C7D5, 정 C1A4, 역 BFAA in KS X 1001.
        assert_eq!(encode_korean("합정역 A1"), vec![0xC7, 0xD5, 0xC1, 0xA4, 0xBF, 0xAA, b' ', b'A', b'1']);
        // A syllable outside KS X 1001's 2,350 is still encoded (CP949).
        assert_eq!(encode_korean("똠").len(), 2);
    }

    #[test]
    fn a_receipt_goes_to_the_device_file_in_korean() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lp0");
        std::fs::write(&path, b"").unwrap();
        let printer = EscPosPrinter::new(&path, None);
        printer.probe().unwrap();
        let receipt = Receipt {
            heading: "합정역 스마트도서관".into(),
            lines: vec!["채식주의자 — 반납 예정일 2026-12-14".into()],
            footer: "감사합니다".into(),
        };
        printer.print(&receipt).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(&[0x1B, 0x40]), "ESC @ first");
        let find = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(find(&DOUBLE_BYTE_MODE));
        assert!(find(&encode_korean("합정역 스마트도서관")));
        assert!(find(&encode_korean("감사합니다")));
        assert!(find(&[0x1D, 0x56]), "GS V: cut");
        let missing = EscPosPrinter::new(dir.path().join("nope/lp9"), None);
        assert_eq!(missing.probe().unwrap_err().kind(), ErrorKind::NotResponding);
    }
}
