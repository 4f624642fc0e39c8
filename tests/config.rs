//! The config as an operator meets it: the shipped example loads, the demo
//! config survives a write and a read, and every mistake is reported with
//! the file, the key and what is allowed.

use bookstation::config::{
    Config, ConfigError, DEMO_STAFF_CARD, DEMO_STAFF_PIN, DEMO_STAFF_PIN_ARGON2, DistrictBackend, HardwareKind,
    HttpBackend, Language, LoggingConfig, PolicyConfig,
};
use bookstation::domain::staff::{staff_card_digest, verify_pin};
use bookstation::domain::{LoanPolicy, OfflinePolicy, SlotNo};
use std::path::{Path, PathBuf};

const ORIGIN: &str = "/etc/bookstation/bookstation.toml";

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/bookstation.toml")
}

fn example_text() -> String {
    std::fs::read_to_string(example_path()).expect("the example config ships with the repo")
}

/// The smallest config that loads: only the keys without a default.
const MINIMAL: &str = r#"
[kiosk]
id = "MAPO-HAPJEONG-01"
name = "합정역 스마트도서관"
state_dir = "/var/lib/bookstation"

[hardware]
kind = "mock"
lockers = 40
return_bin_slot = 41
return_bin_capacity = 30

[district]
kind = "sim"
"#;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new(ORIGIN))
}

/// The error from parsing `text`, with its message checked to name the file.
fn parse_err(text: &str) -> (ConfigError, String) {
    let err = parse(text).expect_err("the config should be refused");
    let shown = err.to_string();
    assert!(shown.starts_with(&format!("{ORIGIN}: ")), "does not name the file: {shown}");
    (err, shown)
}

/// `MINIMAL` with `line` added right under `[section]`.
fn minimal_with(section: &str, line: &str) -> String {
    let header = format!("[{section}]\n");
    if MINIMAL.contains(&header) {
        MINIMAL.replacen(&header, &format!("{header}{line}\n"), 1)
    } else {
        format!("{MINIMAL}\n{header}{line}\n")
    }
}

#[test]
fn the_example_config_loads_and_matches_the_defaults() {
    let c = Config::load(&example_path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.kiosk.id, "MAPO-HAPJEONG-01");
    assert_eq!(c.kiosk.state_dir, Path::new("/var/lib/bookstation"));
    assert_eq!(c.kiosk.default_language, Language::Ko);
    assert!(c.kiosk.require_patron_pin);
    assert_eq!(c.kiosk.qr_prefix, "MAPO-MEMBER:");
    assert_eq!(c.policy, PolicyConfig::default());
    assert_eq!(c.policy.loan_policy(), LoanPolicy::default());
    assert_eq!(c.offline, OfflinePolicy::default());
    assert_eq!(c.logging, LoggingConfig::default());
    assert_eq!(c.hardware.kind, HardwareKind::Mock);
    assert_eq!(c.hardware.locker_slots().collect::<Vec<_>>().len(), 40);
    assert_eq!(c.hardware.return_bin(), SlotNo(41));
    // A real district server, its address and token placeholders to set.
    assert_eq!(
        c.district.backend,
        DistrictBackend::Http(HttpBackend {
            url: "https://district.example.org/kiosk/".into(),
            token_file: "/etc/bookstation/district.token".into(),
            ca_file: None,
        })
    );
    assert_eq!(c.district.timeout_secs, 5);

    // It ships no staff (a package must not install a working demo login);
    // its commented-out staff entry, once uncommented, is the demo card, as
    // its comment says.
    assert!(c.staff.is_empty());
    let text = example_text();
    let start = text.find("# [[staff]]").expect("the example shows a staff entry");
    let uncommented: String =
        text[start..].lines().map(|l| format!("{}\n", l.strip_prefix("# ").unwrap_or(l))).collect();
    let with_staff = parse(&format!("{}{uncommented}", &text[..start])).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(with_staff.staff.len(), 1);
    assert!(with_staff.staff[0].matches_card(DEMO_STAFF_CARD));
    assert_eq!(with_staff.staff[0].pin_argon2, DEMO_STAFF_PIN_ARGON2);
}

#[test]
fn every_default_written_in_the_example_is_the_real_default() {
    let full = parse(&example_text()).unwrap_or_else(|e| panic!("{e}"));
    let minimal = parse(MINIMAL).unwrap_or_else(|e| panic!("{e}"));
    // The example deliberately differs from the smallest config in two
    // places: a real kiosk's display backend (no window by default) and its
    // district (a server, where the smallest one takes the demo's simulator).
    assert_eq!(full.ui.backend, bookstation::config::UiBackend::Linuxkms);
    let district = bookstation::config::DistrictConfig { backend: full.district.backend.clone(), ..minimal.district };
    assert_eq!(Config { ui: full.ui.clone(), district, ..minimal }, full);
}

#[test]
fn the_demo_config_validates_and_round_trips_through_toml() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Config::demo(dir.path());
    demo.validate(Path::new("demo")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(demo.kiosk.state_dir, dir.path());

    let text = demo.to_toml();
    let back = Config::parse(&text, Path::new("demo.toml")).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(back, demo);

    // And through a file, as the demo command writes it.
    let file = dir.path().join("bookstation.toml");
    std::fs::write(&file, &text).unwrap();
    assert_eq!(Config::load(&file).unwrap_or_else(|e| panic!("{e}")), demo);
}

#[test]
fn the_demo_staff_card_and_pin_work() {
    let demo = Config::demo(Path::new("/tmp/demo"));
    let staff = &demo.staff[0];
    assert_eq!(staff.card_sha256, staff_card_digest(DEMO_STAFF_CARD));
    assert!(staff.matches_card(DEMO_STAFF_CARD));
    assert!(!staff.matches_card("04FFFFFFFFFF02"));
    assert!(verify_pin(DEMO_STAFF_PIN_ARGON2, DEMO_STAFF_PIN));
    assert!(staff.verify_pin("2580"));
    assert!(!staff.verify_pin("2581"));
}

#[test]
fn a_missing_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.toml");
    let err = Config::load(&path).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    let shown = err.to_string();
    assert!(shown.starts_with(&format!("{}: cannot read: ", path.display())), "{shown}");
    assert_eq!(err.file(), path);
    assert_eq!(err.key(), None);
}

#[test]
fn a_syntax_error_names_the_line() {
    let text = "[kiosk]\nid = \"MAPO\"\nname = \n";
    let (err, shown) = parse_err(text);
    assert!(matches!(err, ConfigError::Syntax { line: 3, .. }), "{err:?}");
    assert!(shown.contains("line 3, column"), "{shown}");
}

#[test]
fn a_typo_names_the_key_and_the_allowed_keys() {
    let (err, shown) = parse_err(&minimal_with("policy", "loan_dayz = 15"));
    assert_eq!(err.key(), Some("policy.loan_dayz"));
    assert!(shown.contains("unknown key `policy.loan_dayz`"), "{shown}");
    assert!(shown.contains("allowed here: kiosk_limit, district_quota, loan_days,"), "{shown}");
    assert!(!shown.contains("`kiosk_limit`"), "{shown}");

    let (err, shown) = parse_err(&format!("{MINIMAL}\n[polcy]\nloan_days = 15\n"));
    assert_eq!(err.key(), Some("polcy"));
    assert!(shown.contains("allowed here: kiosk, policy, offline, hardware, district, logging, ui, staff"), "{shown}");

    let text = format!("{}\n[[staff]]\nid = \"x\"\ncard = \"04A1\"\n", example_text());
    let (err, _) = parse_err(&text);
    assert_eq!(err.key(), Some("staff[0].card"));
}

#[test]
fn a_bad_enum_value_names_the_key_and_the_variants() {
    let (err, shown) = parse_err(&minimal_with("kiosk", "default_language = \"kr\""));
    assert_eq!(err.key(), Some("kiosk.default_language"));
    assert!(shown.contains("unknown variant `kr`, expected one of `ko`, `en`, `zh`, `ja`"), "{shown}");
    assert!(shown.contains("line "), "{shown}");

    let (err, shown) = parse_err(&MINIMAL.replace("kind = \"mock\"", "kind = \"kerong\""));
    assert_eq!(err.key(), Some("hardware.kind"));
    assert!(shown.contains("`mock`"), "{shown}");
}

#[test]
fn a_wrong_type_names_the_key() {
    let (err, shown) = parse_err(&minimal_with("policy", "kiosk_limit = \"two\""));
    assert_eq!(err.key(), Some("policy.kiosk_limit"));
    assert!(shown.contains("expected u32"), "{shown}");

    let (err, _) = parse_err(&minimal_with("policy", "kiosk_limit = -1"));
    assert_eq!(err.key(), Some("policy.kiosk_limit"));
}

/// `[district]` is read as its backend's own table (`kind` picks it): a key
/// of another backend, a typo, a missing key or a wrong type is named.
#[test]
fn each_district_backend_takes_its_own_keys_and_names_a_wrong_one() {
    let http = MINIMAL.replace("kind = \"sim\"", "kind = \"http\"\nurl = \"https://d.example/\"\ntoken_file = \"/t\"");
    parse(&http).unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        (MINIMAL.replace("kind = \"sim\"", "kind = \"sim\"\nurl = \"https://d.example/\""), "district.url"),
        (http.replace("token_file", "token_fle"), "district.token_fle"),
        (http.replace("token_file = \"/t\"", ""), "district.token_file"),
        (http.replace("url = \"https://d.example/\"", "url = 5"), "district.url"),
        (http.replace("kind = \"http\"", "kind = \"http\"\nport = 6001"), "district.port"),
        (http.replace("kind = \"http\"", "kind = \"http\"\ntimeout_secs = \"5\""), "district.timeout_secs"),
        (MINIMAL.replace("kind = \"sim\"", "kind = \"ftp\""), "district.kind"),
    ];
    for (text, key) in cases {
        let (err, shown) = parse_err(&text);
        assert_eq!(err.key(), Some(key), "{shown}");
        assert!(shown.contains(ORIGIN), "{shown}");
    }
}

#[test]
fn a_missing_key_or_section_is_named() {
    let (err, shown) = parse_err(&MINIMAL.replace("lockers = 40\n", ""));
    assert_eq!(err.key(), Some("hardware.lockers"));
    assert!(shown.contains("required"), "{shown}");

    let (err, shown) = parse_err(&MINIMAL.replace("[district]\nkind = \"sim\"\n", ""));
    assert_eq!(err.key(), Some("district"));
    assert!(shown.contains("[district] section is required"), "{shown}");
}

#[test]
fn language_codes_parse_and_print() {
    for &l in Language::ALL {
        assert_eq!(l.code().parse::<Language>(), Ok(l));
        assert_eq!(l.to_string(), l.code());
    }
    assert_eq!("EN".parse::<Language>(), Ok(Language::En));
    assert!("kr".parse::<Language>().unwrap_err().to_string().contains("`ko`, `en`, `zh`, `ja`"));
}

/// One broken rule per case: the key it must name and a fragment of the
/// message saying what is allowed.
#[test]
fn every_validation_rule_names_its_key() {
    type Breaker = fn(&mut Config);
    let cases: &[(&str, &str, Breaker)] = &[
        ("kiosk.id", "A-Z", |c| c.kiosk.id = String::new()),
        ("kiosk.id", "A-Z", |c| c.kiosk.id = "MAPO HAPJEONG".into()),
        ("kiosk.id", "A-Z", |c| c.kiosk.id = "합정".into()),
        ("kiosk.name", "empty", |c| c.kiosk.name = "  ".into()),
        ("kiosk.state_dir", "empty", |c| c.kiosk.state_dir = PathBuf::new()),
        ("kiosk.qr_prefix", "non-empty", |c| c.kiosk.qr_prefix = String::new()),
        ("kiosk.qr_prefix", "spaces", |c| c.kiosk.qr_prefix = " MAPO:".into()),
        ("policy.kiosk_limit", "at least 1 (got 0)", |c| c.policy.kiosk_limit = 0),
        ("policy.district_quota", "at least 1 (got 0)", |c| c.policy.district_quota = 0),
        ("policy.loan_days", "from 1 to 365 (got 0)", |c| c.policy.loan_days = 0),
        ("policy.loan_days", "from 1 to 365 (got 366)", |c| c.policy.loan_days = 366),
        ("policy.dispense_timeout_secs", "from 5 to 3600", |c| c.policy.dispense_timeout_secs = 4),
        ("policy.dispense_timeout_secs", "from 5 to 3600", |c| c.policy.dispense_timeout_secs = 60_000),
        ("policy.return_timeout_secs", "from 5 to 3600", |c| c.policy.return_timeout_secs = 0),
        ("policy.inactivity_timeout_secs", "from 5 to 3600", |c| c.policy.inactivity_timeout_secs = 3),
        ("policy.countdown_secs", "less than policy.inactivity_timeout_secs (60)", |c| c.policy.countdown_secs = 60),
        ("policy.countdown_secs", "at least 20", |c| c.policy.countdown_secs = 0),
        ("policy.countdown_secs", "at least 20", |c| c.policy.countdown_secs = 19),
        ("policy.receipt_secs", "from 1 to 600", |c| c.policy.receipt_secs = 0),
        ("offline.seen_within_hours", "at least 1", |c| c.offline.seen_within_hours = 0),
        ("offline.per_patron", "at least 1", |c| c.offline.per_patron = 0),
        ("offline.per_outage", "at least offline.per_patron (3)", |c| {
            c.offline.per_patron = 3;
            c.offline.per_outage = 2;
        }),
        ("offline.max_outage_hours", "at least 1", |c| c.offline.max_outage_hours = 0),
        ("hardware.lockers", "from 1 to 2000 (got 0)", |c| c.hardware.lockers = 0),
        ("hardware.lockers", "from 1 to 2000 (got 2001)", |c| {
            c.hardware.lockers = 2001;
            c.hardware.return_bin_slot = 2002;
        }),
        ("hardware.return_bin_slot", "above hardware.lockers (40)", |c| c.hardware.return_bin_slot = 40),
        ("hardware.return_bin_capacity", "at least 1", |c| c.hardware.return_bin_capacity = 0),
        ("district.timeout_secs", "from 1 to 10", |c| c.district.timeout_secs = 11),
        ("logging.level", "trace, debug, info", |c| c.logging.level = "infoo".into()),
        ("logging.level", "trace, debug, info", |c| c.logging.level = "bookstation=loud".into()),
        ("staff[0].id", "empty", |c| c.staff[0].id = "".into()),
        ("staff[1].id", "unique", |c| {
            let mut twin = c.staff[0].clone();
            twin.card_sha256 = "0".repeat(64);
            c.staff.push(twin);
        }),
        ("staff[0].card_sha256", "64 hex", |c| c.staff[0].card_sha256 = DEMO_STAFF_CARD.into()),
        ("staff[0].card_sha256", "64 hex", |c| c.staff[0].card_sha256 = "g".repeat(64)),
        ("staff[1].card_sha256", "same card", |c| {
            let mut twin = c.staff[0].clone();
            twin.id = "staff-02".into();
            twin.card_sha256 = twin.card_sha256.to_ascii_uppercase();
            c.staff.push(twin);
        }),
        ("staff[0].pin_argon2", "Argon2 PHC", |c| c.staff[0].pin_argon2 = "2580".into()),
        ("staff[0].pin_argon2", "Argon2 PHC", |c| c.staff[0].pin_argon2 = "$argon2id$garbage".into()),
        ("staff[0].pin_argon2", "Argon2 PHC", |c| {
            c.staff[0].pin_argon2 = "$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into()
        }),
    ];

    let origin = Path::new(ORIGIN);
    for (key, fragment, breaker) in cases {
        let mut c = Config::demo(Path::new("/var/lib/bookstation"));
        breaker(&mut c);
        let err = c.validate(origin).expect_err(&format!("{key} ({fragment}) should be refused"));
        assert_eq!(err.key(), Some(*key), "{err}");
        let shown = err.to_string();
        assert!(shown.starts_with(&format!("{ORIGIN}: key `{key}`: ")), "{shown}");
        assert!(shown.contains(fragment), "{key}: expected {fragment:?} in {shown}");
    }
}

#[test]
fn validation_runs_when_parsing_text() {
    let (err, shown) = parse_err(&minimal_with("policy", "kiosk_limit = 0"));
    assert_eq!(err.key(), Some("policy.kiosk_limit"));
    assert_eq!(shown, format!("{ORIGIN}: key `policy.kiosk_limit`: must be at least 1 (got 0)"));
}

#[test]
fn offline_caps_do_not_matter_when_offline_lending_is_off() {
    let mut c = Config::demo(Path::new("/var/lib/bookstation"));
    c.offline = OfflinePolicy { loans_allowed: false, per_patron: 0, per_outage: 0, ..OfflinePolicy::default() };
    c.validate(Path::new(ORIGIN)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn no_staff_is_allowed() {
    let c = parse(MINIMAL).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.staff.is_empty());
}
