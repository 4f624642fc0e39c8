//! The kiosk's configuration: one TOML file (`/etc/bookstation/bookstation.toml`
//! in production, see `systemd/bookstation.toml` for every key explained).
//!
//! A bad config must stop the daemon with a message an operator can act on
//! (invariant 6), so every error names the file, the key as a dotted path
//! (`policy.kiosk_limit`, `staff[0].pin_argon2`) and what is allowed there.
//! Parsing goes through `serde_path_to_error` to learn the key of a type error;
//! the rules serde cannot express live in [`validate`](Config::validate).
//! The field docs below double as the config reference.
//!
//! This file holds the config's types and their loading; `validate.rs` the
//! rules across keys, `devices.rs` the `[hardware]` device tables,
//! `display.rs` the panel's geometry (`[display]`),
//! `error.rs` the errors, and `demo.rs` the demo kiosk's config
//! ([`Config::demo`]).

mod accessibility;
mod demo;
mod devices;
mod display;
mod error;
mod validate;

pub use devices::{
    BoardConfig, BoardProtocol, CardReaderConfig, CardReaderKind, PrinterConfig, PrinterKind, ScannerConfig,
    ScannerKind,
};

pub use accessibility::{AccessibilityConfig, KEY_NAMES, KeyAction, KeyMap, SpeechMode};
pub use demo::{DEMO_KIOSK_ID, DEMO_STAFF_CARD, DEMO_STAFF_PIN, DEMO_STAFF_PIN_ARGON2};
pub use display::{DisplayConfig, REACH_HIGH_MM, REACH_LOW_MM};
pub use error::ConfigError;

pub use crate::domain::StaffMember;
pub use crate::domain::{Language, UnknownLanguage};
use crate::domain::{LoanPolicy, OfflinePolicy, QrPattern, SlotNo};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The whole config file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Who this kiosk is and where it keeps its state.
    pub kiosk: KioskConfig,
    /// Lending limits and screen timings; Mapo's defaults when omitted.
    #[serde(default)]
    pub policy: PolicyConfig,
    /// What may be lent while the district server cannot be reached.
    #[serde(default)]
    /// `[offline]`: what may be lent while the district is unreachable
    /// (invariant 4), the domain's own policy; returns need no setting.
    pub offline: OfflinePolicy,
    /// Which locker cabinet drives the doors, and its shape.
    pub hardware: HardwareConfig,
    /// Which district library server the kiosk talks to.
    pub district: DistrictConfig,
    /// How much the daemon logs.
    #[serde(default)]
    pub logging: LoggingConfig,
    /// The touch screen's display backend.
    #[serde(default)]
    pub ui: UiConfig,
    /// Staff who may enter maintenance mode (`[[staff]]` entries). None means
    /// nobody can restock at the kiosk, which is legal but rarely wanted.
    #[serde(default)]
    pub staff: Vec<StaffMember>,
    /// How a patron reaches a person: the kiosk is unmanned, so "ask at the
    /// desk" is no answer.
    #[serde(default)]
    pub help: HelpConfig,
    /// Voice guidance and the keypad (`[accessibility]`, `[accessibility.keys]`).
    #[serde(default)]
    pub accessibility: AccessibilityConfig,
    /// The touch panel as mounted: its height and how high above the floor
    /// (`[display]`), for "controls lower".
    #[serde(default)]
    pub display: DisplayConfig,
}

/// `[help]`: the library's contact, shown by the help control on every
/// screen and on refusals. Every key may be omitted (then the screen says
/// only that staff were told).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct HelpConfig {
    /// The library's phone number, as printed (`02-3153-5800`).
    pub phone: String,
    /// A number that takes text messages, when there is one.
    pub text: String,
    /// When the phone is answered, in Korean (`평일 09:00–18:00`).
    pub hours: String,
    /// The same in English; the Korean is shown when empty.
    pub hours_en: String,
    /// The same in Chinese; the English (else the Korean) when empty.
    pub hours_zh: String,
    /// The same in Japanese; the English (else the Korean) when empty.
    pub hours_ja: String,
    /// What a patron can do when the phone is not answered, a line each, in
    /// Korean: the text number answered 24 hours, other kiosks and
    /// libraries with their hours. Shown under the phone on refusals, out
    /// of service and in help.
    pub lines: Vec<String>,
    /// The same in English; the Korean lines when empty.
    pub lines_en: Vec<String>,
    /// The same in Chinese; the English (else the Korean) when empty.
    pub lines_zh: Vec<String>,
    /// The same in Japanese; the English (else the Korean) when empty.
    pub lines_ja: Vec<String>,
}

/// `[kiosk]`: identity, language and where state lives.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KioskConfig {
    /// The district's id for this kiosk; it goes into every event, so the
    /// server can tell kiosks apart. Letters, digits, `.`, `_` and `-`.
    pub id: String,
    /// The name shown on the attract screen and the receipt.
    pub name: String,
    /// The name in English, for patrons who chose English; `name` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// The name in Chinese; `name_en` (else `name`) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    /// The name in Japanese; `name_en` (else `name`) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_ja: Option<String>,
    /// The language a session starts in and returns to when it ends, so the
    /// next patron never inherits the previous patron's choice.
    #[serde(default)]
    pub default_language: Language,
    /// The SQLite database, the card-hash key, the simulated world and the
    /// control socket live here; it must survive reboots.
    pub state_dir: PathBuf,
    /// Ask for the patron's PIN after the card, as Korean smart libraries do;
    /// off only where the district authenticates by card alone.
    #[serde(default = "default_true")]
    pub require_patron_pin: bool,
    /// Every patron PIN of this library has this many digits (4 to 8): the
    /// PIN pad takes the PIN at its last digit, with no OK to press. Absent
    /// where PINs differ in length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patron_pin_length: Option<u8>,
    /// The text before the member number in a mobile membership card's QR
    /// code; each district prints its own.
    #[serde(default = "default_qr_prefix")]
    pub qr_prefix: String,
}

impl KioskConfig {
    /// The matcher the scanner's text goes through to find a member number.
    pub fn qr_pattern(&self) -> QrPattern {
        QrPattern::new(self.qr_prefix.clone())
    }
}

fn default_true() -> bool {
    true
}

fn default_qr_prefix() -> String {
    "MAPO-MEMBER:".to_owned()
}

/// `[policy]`: lending limits and screen timings. Every key may be omitted;
/// the defaults are Mapo-gu's smart-library rules.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// Books a patron may have out from this kiosk at once, so one patron
    /// cannot empty a small cabinet.
    pub kiosk_limit: u32,
    /// Loans a patron may have out across the whole district, kiosk or desk.
    pub district_quota: u32,
    /// Days until a loan is due (the website offers one extension on top).
    pub loan_days: u32,
    /// A dispensed book not taken within this time is cancelled and the door
    /// closes, so an open locker is never left unattended.
    pub dispense_timeout_secs: u64,
    /// A return slot left without a book for this long closes the return.
    pub return_timeout_secs: u64,
    /// A session with no touch ends after this, so a walked-away patron's
    /// account does not stay open for the next person.
    pub inactivity_timeout_secs: u64,
    /// The countdown shows for the last N seconds of inactivity, giving the
    /// patron a chance to tap and stay: at least [`MIN_COUNTDOWN_SECS`]
    /// (WCAG 2.2.1 gives at least 20 s to ask for more time).
    pub countdown_secs: u64,
    /// How long the receipt screen stays before the attract screen.
    pub receipt_secs: u64,
    /// Events acknowledged by the district lose the patron id after this many
    /// days (invariant 5: no patron identity kept longer than needed).
    pub patron_retention_days: u32,
    /// Take back other libraries' books (통합반납) where the district says
    /// it will have them; `false`: only this kiosk's own books come back here.
    pub accept_other_libraries: bool,
}

/// The shortest inactivity warning a config may ask for: WCAG 2.2.1 (timing
/// adjustable) gives the user at least 20 seconds to extend.
pub const MIN_COUNTDOWN_SECS: u64 = 20;

impl Default for PolicyConfig {
    fn default() -> Self {
        let loan = LoanPolicy::default();
        Self {
            kiosk_limit: loan.kiosk_limit,
            district_quota: loan.district_quota,
            loan_days: loan.loan_days,
            dispense_timeout_secs: 60,
            return_timeout_secs: 60,
            inactivity_timeout_secs: 60,
            countdown_secs: MIN_COUNTDOWN_SECS,
            receipt_secs: 15,
            patron_retention_days: 30,
            accept_other_libraries: true,
        }
    }
}

impl PolicyConfig {
    /// The lending limits the domain rules check a loan against.
    pub fn loan_policy(&self) -> LoanPolicy {
        LoanPolicy { kiosk_limit: self.kiosk_limit, district_quota: self.district_quota, loan_days: self.loan_days }
    }
}

/// Which locker hardware drives the doors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HardwareKind {
    /// The simulated world kept in `state_dir`, for the demo, tests and training.
    Mock,
    /// The simulated world behind simulated Kerong CU boards on a
    /// pseudo-terminal, driven by the real serial driver (`demo --hardware pty`).
    Pty,
    /// Real devices: `[hardware.card_reader]`, `[[hardware.board]]`,
    /// `[hardware.scanner]`, `[hardware.printer]`.
    Devices,
}

/// `[hardware]`: the cabinet's driver and shape.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HardwareConfig {
    /// The driver for the locker board, card reader and scanner.
    pub kind: HardwareKind,
    /// Number of book lockers; they are numbered `1..=lockers` as painted on the doors.
    pub lockers: u16,
    /// The return bin's door number; above every locker so the two never collide.
    pub return_bin_slot: u16,
    /// Books the return bin holds; when full, returns are refused until staff empty it.
    pub return_bin_capacity: u32,
    /// `kind = "devices"`: the membership card reader; none means cards are
    /// not read (QR code and member number still work).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_reader: Option<CardReaderConfig>,
    /// `kind = "devices"`: the lock-control boards, together covering every slot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub board: Vec<BoardConfig>,
    /// `kind = "devices"`: the barcode and QR scanner, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanner: Option<ScannerConfig>,
    /// `kind = "devices"`: the receipt printer, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer: Option<PrinterConfig>,
}

impl HardwareConfig {
    /// The lockers' door numbers, in order.
    pub fn locker_slots(&self) -> impl Iterator<Item = SlotNo> + use<> {
        (1..=self.lockers).map(SlotNo)
    }

    /// The return bin's door.
    pub fn return_bin(&self) -> SlotNo {
        SlotNo(self.return_bin_slot)
    }
}

/// `[district]`: the library server the kiosk reports to: its backend
/// (`kind` and that backend's own keys, one table per kind, so a config
/// cannot hold a key its backend does not use), and the sync worker's
/// timing, which every backend shares.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct DistrictConfig {
    /// The backend, tagged by `kind`. Its table refuses the other kinds'
    /// keys (and typos) by name.
    #[serde(flatten)]
    pub backend: DistrictBackend,
    /// A request not answered in this time counts as "district down", so a
    /// patron waits seconds, not minutes, before the offline rules apply.
    #[serde(default = "default_district_timeout")]
    pub timeout_secs: u64,
    /// How often the sync worker looks for new events to send when nothing
    /// wakes it sooner.
    #[serde(default = "default_sync_interval")]
    pub sync_interval_secs: u64,
    /// How often the kiosk's health goes to the district.
    #[serde(default = "default_heartbeat")]
    pub heartbeat_secs: u64,
    /// Events per batch sent to the district (the API takes at most 100).
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
    /// A failed batch waits a random time up to this, doubling with every
    /// further failure (full jitter), up to `retry_max_secs`.
    #[serde(default = "default_retry_min")]
    pub retry_min_secs: u64,
    /// The longest back-off between two attempts.
    #[serde(default = "default_retry_max")]
    pub retry_max_secs: u64,
    /// How often the kiosk's inventory and holds are fetched again.
    #[serde(default = "default_inventory_refresh")]
    pub inventory_refresh_secs: u64,
    /// Cover images fetched for the touch screen are kept in
    /// `state_dir/covers` up to this many MiB; the oldest go first.
    #[serde(default = "default_cover_cache_mib")]
    pub cover_cache_mib: u64,
}

/// Which district backend the kiosk talks to, with the keys that backend
/// needs (required ones are not `Option`s: a config that parses has them).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DistrictBackend {
    /// The simulated district, started inside the daemon on a loopback port
    /// and reached over HTTP like a real one (state in
    /// `state_dir/district-sim.json`). The demo build only.
    Sim {},
    /// A district server speaking the HTTP JSON API of `docs/district-api.md`.
    Http(HttpBackend),
    /// A standard library system over SIP2 (`docs/sip2.md`).
    Sip2(Sip2Backend),
}

/// `kind = "http"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpBackend {
    /// The server's base URL. `https://` always, except `http://` to a
    /// loopback address (a simulator on this machine).
    pub url: String,
    /// The file holding the device's bearer token, one line, readable by the
    /// daemon's user only (the daemon refuses a wider file).
    pub token_file: PathBuf,
    /// Optional: a PEM file with the one CA the server's certificate must
    /// chain to, instead of the system's roots (pinning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
}

/// `kind = "sip2"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sip2Backend {
    /// The SIP2 server's host name or address.
    pub host: String,
    /// Its TCP port (6001 is common).
    pub port: u16,
    /// Wrap the connection in TLS (SIP2 carries PINs in clear); the
    /// certificate is checked against `ca_file` or the system's roots.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tls: bool,
    /// With `tls`, optional: the one CA the server's certificate must chain to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// The login 93 user (`CN`); no login when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_user: Option<String>,
    /// The file holding the login password (`CO`), one line, readable by the
    /// daemon's user only, like the token file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    /// The institution id (`AO`) every request carries.
    pub institution_id: String,
    /// This kiosk's location code (`CP` at login, `AP` at checkin); the
    /// kiosk id when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_code: Option<String>,
    /// Optional: a file with the terminal password (`AC`), private like the
    /// password file; `AC` is sent empty when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_password_file: Option<PathBuf>,
    /// The library system (`generic`, `koha`, `evergreen`, `folio`), whose
    /// known settings `[district.sip2]` may override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<crate::district::sip2::DialectName>,
    /// Optional: item barcodes (one a line) that belong to this kiosk, for
    /// a first start: SIP2 cannot list a kiosk's items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue_file: Option<PathBuf>,
    /// A 99 goes out when the session has been idle this long.
    #[serde(default = "default_keepalive", skip_serializing_if = "is_default_keepalive")]
    pub keepalive_secs: u64,
    /// `[district.sip2]`: overrides of the dialect's settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip2: Option<crate::district::sip2::DialectOverrides>,
}

impl DistrictConfig {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }

    /// The in-process simulated district, every other key at its default.
    pub fn sim() -> Self {
        Self::with(DistrictBackend::Sim {})
    }

    /// `backend` with every timing key at its default.
    pub fn with(backend: DistrictBackend) -> Self {
        Self {
            backend,
            timeout_secs: default_district_timeout(),
            sync_interval_secs: default_sync_interval(),
            heartbeat_secs: default_heartbeat(),
            batch_size: default_batch_size(),
            retry_min_secs: default_retry_min(),
            retry_max_secs: default_retry_max(),
            inventory_refresh_secs: default_inventory_refresh(),
            cover_cache_mib: default_cover_cache_mib(),
        }
    }

    /// A library system over SIP2 at `host:port`, no login, institution
    /// `institution_id`, the generic dialect.
    pub fn sip2(host: impl Into<String>, port: u16, institution_id: impl Into<String>) -> Self {
        Self::with(DistrictBackend::Sip2(Sip2Backend {
            host: host.into(),
            port,
            tls: false,
            ca_file: None,
            login_user: None,
            password_file: None,
            institution_id: institution_id.into(),
            location_code: None,
            terminal_password_file: None,
            dialect: None,
            catalogue_file: None,
            keepalive_secs: default_keepalive(),
            sip2: None,
        }))
    }

    /// A district server over HTTP at `url`, token in `token_file`.
    pub fn http(url: impl Into<String>, token_file: impl Into<PathBuf>) -> Self {
        Self::with(DistrictBackend::Http(HttpBackend { url: url.into(), token_file: token_file.into(), ca_file: None }))
    }

    /// The SIP2 backend's keys, when that is the backend.
    pub fn sip2_backend(&self) -> Option<&Sip2Backend> {
        match &self.backend {
            DistrictBackend::Sip2(sip2) => Some(sip2),
            _ => None,
        }
    }
}

/// The error in `[district]`'s backend keys, with its key: the table read
/// again, the timing keys set aside, the rest as the backend `kind` names.
/// `None` when that finds nothing (the caller keeps serde's own error).
fn backend_error(text: &str, origin: &Path) -> Option<ConfigError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SimBackend {}
    fn check<T: serde::de::DeserializeOwned>(
        table: toml::Table,
    ) -> Result<(), serde_path_to_error::Error<toml::de::Error>> {
        serde_path_to_error::deserialize::<_, T>(toml::Value::Table(table)).map(drop)
    }
    let mut table = text.parse::<toml::Table>().ok()?.remove("district")?.as_table()?.clone();
    let kind = table.remove("kind")?;
    // The timing keys: what the simulated district (no backend keys) writes
    // besides its `kind`.
    let timing = toml::Table::try_from(DistrictConfig::sim()).ok()?;
    table.retain(|key, _| !timing.contains_key(key));
    let result = match kind.as_str()? {
        "sim" => check::<SimBackend>(table),
        "http" => check::<HttpBackend>(table),
        "sip2" => check::<Sip2Backend>(table),
        other => {
            let message = format!("`{other}` is not a district backend: one of sim, http, sip2");
            return Some(ConfigError::invalid(origin, "district.kind", message));
        }
    };
    result.err().map(|e| ConfigError::decode_in(origin, "district", e))
}

/// Under the idle timeouts library systems commonly set (60 s), so the
/// session lives from patron to patron.
fn default_keepalive() -> u64 {
    45
}
fn is_default_keepalive(secs: &u64) -> bool {
    *secs == default_keepalive()
}
fn default_district_timeout() -> u64 {
    5
}
fn default_sync_interval() -> u64 {
    5
}
fn default_heartbeat() -> u64 {
    60
}
fn default_batch_size() -> u32 {
    100
}
fn default_retry_min() -> u64 {
    1
}
fn default_retry_max() -> u64 {
    300
}
fn default_inventory_refresh() -> u64 {
    900
}
fn default_cover_cache_mib() -> u64 {
    64
}

/// Which Slint backend draws the kiosk window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UiBackend {
    /// No window (a kiosk driven only through the control socket, or a test).
    None,
    /// Full screen on the display with no compositor (DRM/KMS, libinput).
    Linuxkms,
    /// A window under a compositor such as `cage`, or on a desktop.
    Winit,
}

/// `[ui]`: the touch screen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// `linuxkms` (no compositor), `winit` (under cage or on a desktop) or `none`.
    pub backend: UiBackend,
    /// Cover the whole screen (the kiosk) rather than open a window.
    pub fullscreen: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self { backend: UiBackend::None, fullscreen: true }
    }
}

/// `[logging]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoggingConfig {
    /// A `tracing` filter: a level (`trace`, `debug`, `info`, `warn`, `error`,
    /// `off`) or directives like `info,bookstation::engine=debug`. `RUST_LOG`
    /// overrides it, for a one-off debugging session without editing the file.
    pub level: String,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self { level: "info".to_owned() }
    }
}

impl Config {
    /// Read, parse and validate the config file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|error| ConfigError::Read { file: path.to_path_buf(), error })?;
        Self::parse(&text, path)
    }

    /// Parse and validate config text; `origin` only names the file in errors.
    /// Validation is part of parsing so that no caller can hold an unchecked
    /// `Config` by forgetting a step.
    pub fn parse(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        let de = toml::Deserializer::parse(text).map_err(|e| ConfigError::syntax(origin, text, &e))?;
        let config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
            // serde's tagged enum reads `[district]` as a whole, so its
            // errors stop at the table: read it again for the key.
            let in_district = e.path().iter().count() == 1 && e.path().to_string() == "district";
            in_district
                .then(|| backend_error(text, origin))
                .flatten()
                .unwrap_or_else(|| ConfigError::decode(origin, text, e))
        })?;
        config.validate(origin)?;
        Ok(config)
    }

    /// Check the rules the types cannot express; the first broken rule is
    /// returned, naming its key.
    pub fn validate(&self, origin: &Path) -> Result<(), ConfigError> {
        validate::validate(self, origin)
    }

    /// The config as TOML, for writing the demo config next to its state.
    ///
    /// TOML cannot hold a path that is not UTF-8, and `validate` rejects one.
    /// Should an unvalidated config carry one, the text says so in a comment,
    /// and reading it back fails with a clear "section is required" error
    /// instead of the daemon panicking here.
    pub fn to_toml(&self) -> String {
        match toml::to_string_pretty(self) {
            Ok(body) => format!("# Bookstation config. Every key is explained in systemd/bookstation.toml.\n\n{body}"),
            Err(e) => format!("# This config cannot be written as TOML: {e}\n"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_defaults_are_the_domain_defaults() {
        assert_eq!(PolicyConfig::default().loan_policy(), LoanPolicy::default());
    }

    #[cfg(unix)]
    #[test]
    fn a_config_toml_cannot_hold_says_so_instead_of_panicking() {
        use std::os::unix::ffi::OsStrExt;
        let c = Config::demo(Path::new(std::ffi::OsStr::from_bytes(b"/tmp/\xff")));
        let text = c.to_toml();
        assert!(text.starts_with("# This config cannot be written as TOML"), "{text}");
        let err = Config::parse(&text, Path::new("demo.toml")).unwrap_err();
        assert_eq!(err.key(), Some("kiosk"));
    }

    #[test]
    fn display_geometry_is_checked_and_a_typo_named() {
        let with =
            |table: &str| {
                let text = format!("{}\n{table}\n", Config::demo(Path::new("/tmp/bookstation-demo")).to_toml())
                    .replacen("[display]\npanel_height_mm = 476\nbottom_edge_mm = 900\n", "", 1);
                Config::parse(&text, Path::new("k.toml"))
            };
        let low = with("[display]\nbottom_edge_mm = 700").expect("a lower panel");
        assert_eq!(low.display, DisplayConfig { panel_height_mm: 476, bottom_edge_mm: 700 });
        assert_eq!(with("").expect("the defaults").display, DisplayConfig::default());
        for (table, key) in [
            ("[display]\nbottom_edge = 700", "display.bottom_edge"),
            ("[display]\npanel_height_mm = 47600", "display.panel_height_mm"),
            ("[display]\nbottom_edge_mm = 1000", "display.bottom_edge_mm"),
            ("[display]\nbottom_edge_mm = -5", "display.bottom_edge_mm"),
        ] {
            let err = with(table).expect_err(table);
            assert_eq!(err.key(), Some(key), "{table}: {err}");
            assert!(err.to_string().starts_with("k.toml"), "names the file: {err}");
        }
        let high = with("[display]\nbottom_edge_mm = 1000").expect_err("too high").to_string();
        assert!(high.contains("1000 to 1476 mm") && high.contains("400 to 1200 mm"), "{high}");
    }

    #[test]
    fn accessibility_errors_name_their_key() {
        let demo = Config::demo(Path::new("/tmp/bookstation-demo")).to_toml();
        let parse = |from: &str, to: &str| {
            assert!(demo.contains(from), "{from} in {demo}");
            Config::parse(&demo.replacen(from, to, 1), Path::new("k.toml"))
        };
        let always = parse("speech = \"on-request\"", "speech = \"always\"").expect("a mode");
        assert_eq!(always.accessibility.speech, SpeechMode::Always);
        for (from, to, key) in [
            ("speech = \"on-request\"", "speech = \"loud\"", "accessibility.speech"),
            ("rate = 160", "rate = 1000", "accessibility.rate"),
            ("key_acceptance_ms = 0", "key_acceptance_ms = 5000", "accessibility.key_acceptance_ms"),
            ("back = [", "back = [\"5\", ", "accessibility.keys.back"),
            ("help = [", "help = [\"F1\", ", "accessibility.keys.help"),
        ] {
            let err = parse(from, to).expect_err(to);
            assert_eq!(err.key(), Some(key), "{to}: {err}");
        }
    }
}
