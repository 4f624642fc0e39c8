//! Text that identifies or authenticates a person (a PIN, a member number,
//! a card UID, a scanned QR code): usable as a `str`, serialised as the
//! plain string it is, never shown by `Debug`, so no `?value` in a log line
//! can leak it. The one such type: credentials, inputs, effects and the
//! district's wire format all carry it. Read from JSON only as a string: a
//! refusal of anything else names its kind, never its value (serde's own
//! would quote a PIN sent as the number `7391`).

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Secret;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Secret, E> {
                Ok(Secret(v))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Secret, E> {
                Err(E::invalid_type(Unexpected::Other("a boolean"), &self))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Secret, E> {
                Err(E::invalid_type(Unexpected::Other("a number"), &self))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Secret, E> {
                Err(E::invalid_type(Unexpected::Other("a number"), &self))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Secret, E> {
                Err(E::invalid_type(Unexpected::Other("a number"), &self))
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Secret, E> {
                Err(E::invalid_type(Unexpected::Other("bytes"), &self))
            }
        }
        // `any`, not `string`: serde's buffered content (internally tagged
        // enums) would refuse a number itself, quoting it.
        deserializer.deserialize_any(Text)
    }
}

impl Secret {
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::ops::Deref for Secret {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_nowhere_but_usable_and_serialised_plainly() {
        let s = Secret::from("7391");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(&*s, "7391");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"7391\"");
        assert_eq!(serde_json::from_str::<Secret>("\"7391\"").unwrap(), s);
    }
}
