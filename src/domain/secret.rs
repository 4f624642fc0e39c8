//! Text that identifies or authenticates a person (a PIN, a member number,
//! a card UID, a scanned QR code): usable as a `str`, serialised as the
//! plain string it is, never shown by `Debug`, so no `?value` in a log line
//! can leak it. The one such type: credentials, inputs, effects and the
//! district's wire format all carry it.

use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

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
