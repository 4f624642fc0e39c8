//! The mobile membership card's QR code, as each district prints it.

use super::Credential;

/// The text a mobile membership card's QR code carries: a fixed prefix, then
/// the member number (Mapo's is `MAPO-MEMBER:1000001`). Configurable because
/// each district prints its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrPattern {
    /// Everything before the member number, matched exactly.
    pub prefix: String,
}

impl QrPattern {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self { prefix: prefix.into() }
    }

    /// The member credential in a scanned text, or `None` when the text is not
    /// a membership QR code (it may be a book's barcode).
    pub fn parse(&self, text: &str) -> Option<Credential> {
        text.trim().strip_prefix(&self.prefix).and_then(Credential::member_number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_pattern_reads_the_member_number() {
        let p = QrPattern::new("MAPO-MEMBER:");
        assert_eq!(p.parse("MAPO-MEMBER:1000001\r\n"), Some(Credential::MemberNumber("1000001".into())));
        assert_eq!(p.parse("MP0001"), None);
        assert_eq!(p.parse("MAPO-MEMBER:abc"), None);
    }
}
