//! The languages the touch screen speaks: what the config names, the
//! engine keeps per session and the UI shows.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A language the touchscreen speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Ko,
    En,
    Zh,
    Ja,
}

impl Language {
    /// Every language, in the order the language switch shows them.
    pub const ALL: [Language; 4] = [Language::Ko, Language::En, Language::Zh, Language::Ja];

    /// The ISO 639-1 code, as written in the config and the translation files.
    pub fn code(self) -> &'static str {
        match self {
            Self::Ko => "ko",
            Self::En => "en",
            Self::Zh => "zh",
            Self::Ja => "ja",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A language code that is not one of [`Language::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language `{0}`, expected one of `ko`, `en`, `zh`, `ja`")]
pub struct UnknownLanguage(pub String);

impl FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownLanguage(s.to_owned()))
    }
}
