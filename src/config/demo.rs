//! The demo kiosk's config ([`Config::demo`]): simulated hardware and
//! district, the demo staff card and its PIN. `bookstation demo` writes it
//! next to its state; the tests and benchmarks start from it.

use super::{
    Config, DistrictConfig, HardwareConfig, HardwareKind, HelpConfig, KioskConfig, LoggingConfig, PolicyConfig,
    StaffMember, UiBackend, UiConfig, default_qr_prefix,
};
use crate::domain::staff::staff_card_digest;
use crate::domain::{Language, OfflinePolicy};
use std::path::Path;

/// The demo kiosk's id: the one the simulated district's demo seed serves
/// (`bookstation_district_sim::seed::DEMO_KIOSK_ID`; `demo.rs` tests they agree).
pub const DEMO_KIOSK_ID: &str = "MAPO-HAPJEONG-01";

/// The demo kiosk's staff card UID (the simulator's "staff card" button taps it).
pub const DEMO_STAFF_CARD: &str = "04FFFFFFFFFF01";
/// The demo staff card's PIN.
pub const DEMO_STAFF_PIN: &str = "2580";
/// Argon2id hash of [`DEMO_STAFF_PIN`], computed once with
/// `domain::staff::hash_pin` and pasted here so the demo does not spend an
/// Argon2 hash at every start. The example config carries the same string.
pub const DEMO_STAFF_PIN_ARGON2: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$EmfxKdUiAMvKPhpNUUcjFw$XmltalzSi+9CUCDckBMM1a86LEClysB7PVKcDP9hXgo";

impl Config {
    /// The demo kiosk: simulated hardware and district, demo staff card
    /// [`DEMO_STAFF_CARD`] with PIN [`DEMO_STAFF_PIN`], state in `state_dir`.
    pub fn demo(state_dir: &Path) -> Config {
        Config {
            kiosk: KioskConfig {
                id: DEMO_KIOSK_ID.to_owned(),
                name: "합정역 스마트도서관 (데모)".to_owned(),
                name_en: Some("Hapjeong Station Smart Library (demo)".to_owned()),
                name_zh: None,
                name_ja: None,
                default_language: Language::Ko,
                state_dir: state_dir.to_path_buf(),
                require_patron_pin: true,
                patron_pin_length: Some(4),
                qr_prefix: default_qr_prefix(),
            },
            policy: PolicyConfig::default(),
            offline: OfflinePolicy::default(),
            hardware: HardwareConfig {
                kind: HardwareKind::Mock,
                lockers: 40,
                return_bin_slot: 41,
                return_bin_capacity: 30,
                card_reader: None,
                board: Vec::new(),
                scanner: None,
                printer: None,
            },
            district: DistrictConfig::sim(),
            logging: LoggingConfig::default(),
            ui: UiConfig { backend: UiBackend::Winit, fullscreen: false },
            display: super::DisplayConfig::default(),
            staff: vec![StaffMember {
                id: "demo-staff".into(),
                card_sha256: staff_card_digest(DEMO_STAFF_CARD),
                pin_argon2: DEMO_STAFF_PIN_ARGON2.to_owned(),
            }],
            help: HelpConfig {
                // Placeholders that read as such, in every language.
                phone: "02-0000-0000 (demo)".to_owned(),
                text: "010-0000-0000 (demo)".to_owned(),
                hours: "평일 09:00–18:00".to_owned(),
                hours_en: "Weekdays 9:00–18:00".to_owned(),
                hours_zh: String::new(),
                hours_ja: String::new(),
                lines: vec![
                    "문자는 24시간 받습니다.".to_owned(),
                    "다른 무인도서관 (demo): 망원역 05:30–24:00, 마포중앙도서관 09:00–22:00".to_owned(),
                ],
                lines_en: vec![
                    "Text messages are answered 24 hours a day.".to_owned(),
                    "Other book lockers (demo): Mangwon Station 05:30–24:00, Mapo Central Library 09:00–22:00"
                        .to_owned(),
                ],
                lines_zh: Vec::new(),
                lines_ja: Vec::new(),
            },
            accessibility: super::AccessibilityConfig::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::staff::verify_pin;

    #[test]
    fn the_demo_pin_hash_is_the_demo_pin() {
        assert!(verify_pin(DEMO_STAFF_PIN_ARGON2, DEMO_STAFF_PIN));
        assert!(!verify_pin(DEMO_STAFF_PIN_ARGON2, "0000"));
    }

    #[test]
    fn the_demo_config_is_valid_and_survives_toml() {
        let demo = Config::demo(Path::new("/tmp/bookstation-demo"));
        demo.validate(Path::new("demo")).unwrap_or_else(|e| panic!("{e}"));
        let back = Config::parse(&demo.to_toml(), Path::new("demo.toml")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, demo);
    }
}
