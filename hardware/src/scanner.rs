//! Barcode and QR scanners: the [`Scanner`] trait. A serial or HID driver
//! reads one line per scan; the simulation feeds scans from
//! [`crate::SimWorld`].

use crate::HwError;

/// A source of decoded scans, consumed by one task.
///
/// The text may be a book's barcode or a patron's QR code, so it must never be
/// logged.
#[async_trait::async_trait]
pub trait Scanner: Send {
    /// Wait for the next scan: the decoded text with leading and trailing CR
    /// and LF removed, never empty. An error of kind
    /// [`Disconnected`](crate::ErrorKind::Disconnected) means no more scans
    /// will come from this handle.
    async fn next_scan(&mut self) -> Result<String, HwError>;

    /// Whether the device is there now. A driver that reopens an unplugged
    /// scanner by itself says `false` meanwhile; a simulated one is always there.
    fn connected(&self) -> bool {
        true
    }
}
