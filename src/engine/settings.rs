//! What the engine needs from the config, in the units it works in. The
//! core sees these settings, never the config file's types.

use crate::config::Config;
use crate::domain::{Language, LoanPolicy, Localized, OfflinePolicy, QrPattern, SlotNo, StaffMember};

/// What the engine needs from the config, in the units it works in.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    pub kiosk_id: String,
    /// In each language the operator gave.
    pub kiosk_name: Localized,
    pub default_language: Language,
    pub require_pin: bool,
    /// The PIN pad takes the PIN at this many digits.
    pub pin_length: Option<u8>,
    /// The library's phone, as printed.
    pub help_phone: String,
    /// A number that takes text messages.
    pub help_text: String,
    /// When the help line is answered, in each language the operator gave.
    pub help_hours: Localized,
    /// What else a patron can do (a line each), in each language given.
    pub help_lines: Localized,
    pub qr: QrPattern,
    pub loan: LoanPolicy,
    pub offline: OfflinePolicy,
    pub dispense_timeout_ms: i64,
    pub return_timeout_ms: i64,
    pub inactivity_ms: i64,
    pub countdown_ms: i64,
    pub receipt_ms: i64,
    /// A receipt printer is configured: the receipt screen offers "Print".
    pub has_printer: bool,
    /// The district can text a receipt (the JSON API's `receipt_requested`;
    /// SIP2 has no such message): the receipt screen offers the phone.
    pub receipt_by_phone: bool,
    /// Staff restock and unload may take longer than a patron's pickup.
    pub staff_task_ms: i64,
    pub bin_slot: SlotNo,
    pub bin_capacity: u32,
    /// Ask the district about a book that is not this kiosk's, and take it
    /// back when its library will have it (통합반납).
    pub accept_other_libraries: bool,
    pub staff: Vec<StaffMember>,
}

impl EngineSettings {
    pub fn from_config(config: &Config) -> Self {
        let p = &config.policy;
        let ms = |secs: u64| i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        Self {
            kiosk_id: config.kiosk.id.clone(),
            kiosk_name: Localized {
                ko: config.kiosk.name.clone(),
                en: config.kiosk.name_en.clone().unwrap_or_default(),
                zh: config.kiosk.name_zh.clone().unwrap_or_default(),
                ja: config.kiosk.name_ja.clone().unwrap_or_default(),
            },
            default_language: config.kiosk.default_language,
            require_pin: config.kiosk.require_patron_pin,
            pin_length: config.kiosk.patron_pin_length,
            help_phone: config.help.phone.clone(),
            help_text: config.help.text.clone(),
            help_hours: Localized {
                ko: config.help.hours.clone(),
                en: config.help.hours_en.clone(),
                zh: config.help.hours_zh.clone(),
                ja: config.help.hours_ja.clone(),
            },
            help_lines: Localized {
                ko: config.help.lines.join("\n"),
                en: config.help.lines_en.join("\n"),
                zh: config.help.lines_zh.join("\n"),
                ja: config.help.lines_ja.join("\n"),
            },
            qr: QrPattern::new(config.kiosk.qr_prefix.clone()),
            loan: p.loan_policy(),
            offline: config.offline,
            dispense_timeout_ms: ms(p.dispense_timeout_secs),
            return_timeout_ms: ms(p.return_timeout_secs),
            inactivity_ms: ms(p.inactivity_timeout_secs),
            countdown_ms: ms(p.countdown_secs),
            receipt_ms: ms(p.receipt_secs),
            has_printer: config.hardware.printer.is_some(),
            receipt_by_phone: config.district.sip2_backend().is_none(),
            staff_task_ms: ms(p.dispense_timeout_secs.saturating_mul(5)),
            bin_slot: SlotNo(config.hardware.return_bin_slot),
            bin_capacity: config.hardware.return_bin_capacity,
            accept_other_libraries: config.policy.accept_other_libraries,
            staff: config.staff.clone(),
        }
    }
}
