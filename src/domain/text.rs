//! Text from outside the kiosk in one Unicode form (NFC), so a title a
//! library system sent decomposed ("홍길동전" as 12 jamo, as text that went
//! through Perl's or macOS's normalisation arrives) is the same string as
//! the one the search keyboard composes. Every border normalises: the
//! district's answers (SIP2 frames, HTTP bodies), the catalogue file,
//! scanned codes and search queries.

use std::borrow::Cow;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// `text` in NFC; borrowed when it already is (the common case costs a scan).
pub fn nfc(text: &str) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    }
}

/// Every string in a JSON value in NFC, keys included.
pub fn nfc_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let Cow::Owned(n) = nfc(s) {
                *s = n;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(nfc_json),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut v) in entries {
                nfc_json(&mut v);
                map.insert(nfc(&key).into_owned(), v);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "홍길동전" decomposed: 12 conjoining jamo.
    const NFD: &str =
        "\u{1112}\u{1169}\u{11BC}\u{1100}\u{1175}\u{11AF}\u{1103}\u{1169}\u{11BC}\u{110C}\u{1165}\u{11AB}";

    #[test]
    fn decomposed_hangul_composes_and_composed_text_is_borrowed() {
        assert_eq!(NFD.chars().count(), 12);
        assert_eq!(nfc(NFD), "홍길동전");
        assert!(matches!(nfc("홍길동전 (Hong Gildong)"), Cow::Borrowed(_)));
        // Kana with a separate voicing mark, and Latin with a combining accent.
        assert_eq!(nfc("\u{30CF}\u{309A}"), "\u{30D1}");
        assert_eq!(nfc("Cafe\u{301}"), "Café");
    }

    #[test]
    fn every_string_of_a_json_value() {
        let mut value = serde_json::json!({"items": [{"title": NFD, "n": 1}], NFD: [NFD, null]});
        nfc_json(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"items": [{"title": "홍길동전", "n": 1}], "홍길동전": ["홍길동전", null]})
        );
    }
}
