//! The character set a library system speaks SIP2 in. The protocol itself
//! is ASCII; titles, names and screen messages are in whatever the server
//! was set up with: UTF-8 on most current systems, EUC-KR (in practice its
//! superset CP949) on Korean ones, Windows-1252 on some older Western ones.
//! Bytes are converted at the frame's edge only: checksums are computed
//! over the encoded bytes, exactly as they go on the wire.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A supported character set. CP850 (SIP2's historical default) is not in
/// `encoding_rs` and not offered: no system we target still uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Charset {
    #[default]
    #[serde(alias = "utf8")]
    Utf8,
    /// EUC-KR as browsers and `encoding_rs` read it: CP949 (Unified Hangul
    /// Code), which decodes every EUC-KR text and the 8,822 extra syllables.
    #[serde(alias = "cp949", alias = "uhc")]
    EucKr,
    #[serde(alias = "latin1", alias = "cp1252")]
    Windows1252,
}

impl Charset {
    fn encoding(self) -> &'static encoding_rs::Encoding {
        match self {
            Self::Utf8 => encoding_rs::UTF_8,
            Self::EucKr => encoding_rs::EUC_KR,
            Self::Windows1252 => encoding_rs::WINDOWS_1252,
        }
    }

    /// `text` in this character set; `None` when a character has no
    /// representation in it (sending `?` instead would change an id).
    pub fn encode<'a>(self, text: &'a str) -> Option<Cow<'a, [u8]>> {
        if self == Self::Utf8 {
            return Some(Cow::Borrowed(text.as_bytes()));
        }
        let (bytes, _, unmappable) = self.encoding().encode(text);
        (!unmappable).then_some(bytes)
    }

    /// The text these bytes hold; `None` for bytes that are not valid in
    /// this character set (a server set up with another one, or noise).
    /// The text, in NFC (a server may send Korean decomposed).
    pub fn decode(self, bytes: &[u8]) -> Option<String> {
        let text = self.encoding().decode_without_bom_handling_and_without_replacement(bytes)?;
        Some(crate::nfc(&text).into_owned())
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::EucKr => "euc-kr",
            Self::Windows1252 => "windows-1252",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_round_trips_in_utf8_and_euc_kr() {
        let title = "82년생 김지영";
        for charset in [Charset::Utf8, Charset::EucKr] {
            let bytes = charset.encode(title).unwrap();
            assert_eq!(charset.decode(&bytes).as_deref(), Some(title), "{charset:?}");
        }
        // Two bytes in EUC-KR, three in UTF-8: widths are counted in bytes sent.
        assert_eq!(&*Charset::EucKr.encode("한").unwrap(), &[0xC7, 0xD1]);
        assert_eq!(Charset::Utf8.encode("한").unwrap().len(), 3);
    }

    #[test]
    fn unmappable_and_invalid_text_is_refused_not_replaced() {
        assert!(Charset::Windows1252.encode("한").is_none());
        assert!(Charset::Utf8.decode(&[0xC7, 0xD1]).is_none());
        assert!(Charset::EucKr.decode(&[0xC7]).is_none());
    }
}
