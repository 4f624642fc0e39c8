//! The district's HTTP JSON API: its paths and bodies are the
//! `bookstation-district-api` crate's (re-exported here); what the kiosk adds
//! is how it reads an answer it cannot trust.

pub use bookstation_district_api::wire::*;

use super::DistrictError;
use serde::de::DeserializeOwned;

/// An answer's body as its type ([`super::AuthAnswer`], [`super::Inventory`],
/// [`SubmitAnswer`], ...). A body that does not parse is a
/// [`DistrictError::BadAnswer`] that says where, never what: serde's own
/// message may quote the body, and the body may hold a patron's data.
///
/// Every string in it is put in NFC first (`domain::text`): a title sent
/// decomposed, escaped or not, is stored and searched as the keyboard
/// composes it.
pub fn parse_answer<T: DeserializeOwned>(body: &[u8]) -> Result<T, DistrictError> {
    let where_ = |e: serde_json::Error| {
        DistrictError::BadAnswer(format!("{:?} error at line {} column {}", e.classify(), e.line(), e.column()))
    };
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(where_)?;
    crate::domain::text::nfc_json(&mut value);
    // A value has no lines: on a data error, the bytes say where it is
    // (and in the odd case where only the normalised form fails, say two
    // keys that NFC makes one, the answer as sent is taken).
    T::deserialize(value).or_else(|_| serde_json::from_slice::<T>(body).map_err(where_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_answer_says_where_not_what() {
        let answer: SubmitAnswer = parse_answer(br#"{"results":[]}"#).unwrap();
        assert!(answer.results.is_empty());
        let err = parse_answer::<SubmitAnswer>(br#"{"results":"patron 1000001"}"#).unwrap_err();
        let DistrictError::BadAnswer(message) = err else { panic!("{err:?}") };
        assert!(message.contains("line 1") && !message.contains("1000001"), "{message}");
    }

    #[test]
    fn decomposed_text_arrives_composed_escaped_or_not() {
        use crate::district::Inventory;
        // "홍길동전" in NFD, as UTF-8 and as JSON escapes (Python's json.dumps default).
        let nfd = "\u{1112}\u{1169}\u{11BC}\u{1100}\u{1175}\u{11AF}\u{1103}\u{1169}\u{11BC}\u{110C}\u{1165}\u{11AB}";
        let escaped = r"\u1112\u1169\u11bc\u1100\u1175\u11af\u1103\u1169\u11bc\u110c\u1165\u11ab";
        for title in [nfd.to_owned(), escaped.to_owned()] {
            let body =
                format!(r#"{{"items":[{{"id":"MP1","title":"{title}","author":"","category":""}}],"holds":[]}}"#);
            let inventory: Inventory = parse_answer(body.as_bytes()).unwrap();
            assert_eq!(inventory.items[0].title, "홍길동전");
        }
    }
}
