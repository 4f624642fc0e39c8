//! The languages the touch screen speaks: what the config names, the
//! engine keeps per session and the UI shows.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A language the touchscreen speaks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, strum::VariantArray, strum::IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Language {
    #[default]
    Ko,
    En,
    Zh,
    Ja,
}

impl Language {
    /// Every language, in the order the language switch shows them.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The ISO 639-1 code, as written in the config and the translation files.
    pub fn code(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Words the operator writes in the config (the kiosk's name, the help
/// line's hours), in each language they gave. A patron reads them in their
/// own language when given, else in English (a Chinese or Japanese reader
/// is likelier to read English than Korean), else in Korean, which is
/// always given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Localized {
    pub ko: String,
    pub en: String,
    pub zh: String,
    pub ja: String,
}

impl Localized {
    /// The words for a patron who reads `language`.
    pub fn get(&self, language: Language) -> &str {
        let own = match language {
            Language::Ko => &self.ko,
            Language::En => &self.en,
            Language::Zh => &self.zh,
            Language::Ja => &self.ja,
        };
        [own, &self.en, &self.ko].into_iter().find(|s| !s.trim().is_empty()).map_or("", String::as_str)
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
            .iter()
            .copied()
            .find(|l| l.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownLanguage(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The config's code, serde's name and `FromStr` are one name each, in
    /// the language switch's order.
    #[test]
    fn every_language_has_one_code() {
        assert_eq!(Language::ALL, [Language::Ko, Language::En, Language::Zh, Language::Ja]);
        for &l in Language::ALL {
            assert_eq!(serde_json::to_value(l).unwrap(), l.code());
            assert_eq!(l.code().parse::<Language>(), Ok(l));
        }
    }

    #[test]
    fn operator_words_fall_back_to_english_before_korean() {
        let name = Localized { ko: "합정역".into(), en: "Hapjeong Station".into(), ..Localized::default() };
        assert_eq!(name.get(Language::Ko), "합정역");
        assert_eq!(name.get(Language::En), "Hapjeong Station");
        assert_eq!(name.get(Language::Zh), "Hapjeong Station");
        assert_eq!(name.get(Language::Ja), "Hapjeong Station");
        let name = Localized { ja: "合井駅".into(), ..name };
        assert_eq!(name.get(Language::Ja), "合井駅");
        let korean_only = Localized { ko: "합정역".into(), en: " ".into(), ..Localized::default() };
        assert_eq!(korean_only.get(Language::Zh), "합정역");
    }
}
