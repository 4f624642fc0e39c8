//! `[district] kind = "sip2"` in the config file: what it needs, what it
//! refuses (each error names the key and the file), and `bookstation
//! doctor` logging in to the pysip2 toy library and saying what it says.

#[path = "sip2_peer/peer.rs"]
mod peer;

use bookstation::config::{Config, DistrictConfig};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A valid config with a SIP2 district, written to `dir`; its text.
fn sip2_config(dir: &Path, port: u16) -> (PathBuf, String) {
    let mut config = Config::demo(&dir.join("state"));
    config.district = DistrictConfig::sip2("127.0.0.1", port, "MAPO");
    let path = dir.join("bookstation.toml");
    let text = config.to_toml();
    std::fs::write(&path, &text).unwrap();
    (path, text)
}

/// `text` as the config at `path`, loaded: the error when it is refused.
fn load_error(path: &Path, text: &str) -> Option<bookstation::config::ConfigError> {
    std::fs::write(path, text).expect("write the config");
    Config::load(path).err()
}

#[test]
fn a_sip2_district_needs_its_keys_and_names_the_wrong_one() {
    let dir = tempfile::tempdir().unwrap();
    let (path, text) = sip2_config(dir.path(), 6001);
    let config = Config::load(&path).expect("a valid SIP2 config");
    assert_eq!(config.district.sip2_backend().map(|s| s.port), Some(6001));

    let cases = [
        (text.replace("host = \"127.0.0.1\"\n", ""), "district.host"),
        (text.replace("port = 6001", "port = 0"), "district.port"),
        (text.replace("institution_id = \"MAPO\"\n", ""), "district.institution_id"),
        (text.replace("kind = \"sip2\"", "kind = \"sip2\"\nlogin_user = \"kiosk\""), "district.password_file"),
        (text.replace("kind = \"sip2\"", "kind = \"sip2\"\nurl = \"https://x.example/\""), "district.url"),
        (text.replace("kind = \"sip2\"", "kind = \"sim\""), "district.host"),
        (text.replace("kind = \"sip2\"", "kind = \"sip2\"\nkeepalive_secs = 1"), "district.keepalive_secs"),
        (text.replace("institution_id = \"MAPO\"", "institution_id = \"MA|PO\""), "district.institution_id"),
        (format!("{text}\n[district.sip2]\ncharset = \"klingon\"\n"), "district.sip2.charset"),
        (format!("{text}\n[district.sip2]\ncharsets = \"utf-8\"\n"), "district.sip2"),
    ];
    for (bad, key) in cases {
        let err = load_error(&path, &bad).expect(key);
        let message = err.to_string();
        assert!(err.key().is_some_and(|k| k.starts_with(key)), "{key}: {message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
    }

    let every = "kind = \"sip2\"\ndialect = \"evergreen\"\ntls = true\nlogin_user = \"kiosk\"\npassword_file = \"/etc/bookstation/sip2.password\"";
    let good = format!(
        "{}\n[district.sip2]\ncharset = \"euc-kr\"\nterminator = \"cr-lf\"\n",
        text.replace("kind = \"sip2\"", every)
    );
    assert!(load_error(&path, &good).is_none(), "every SIP2 key");
    let config = Config::load(&path).expect("every SIP2 key");
    let sip2 = config.district.sip2_backend().expect("a SIP2 backend");
    assert!(sip2.tls);
    assert_eq!(sip2.dialect, Some(bookstation::district::sip2::DialectName::Evergreen));
}

fn doctor(config: &Path) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bookstation"))
        .args(["doctor", "--config"])
        .arg(config)
        .output()
        .expect("run doctor");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn doctor_logs_in_and_reports_what_the_server_says() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let options = peer::PeerOptions { login: Some(("kiosk".into(), "s3cret".into())), ..Default::default() };
    let library = runtime.block_on(peer::Peer::start(options));
    let dir = tempfile::tempdir().unwrap();
    let (path, text) = sip2_config(dir.path(), library.port);
    let password = dir.path().join("sip2.password");
    std::fs::write(&password, "s3cret\n").unwrap();
    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600)).unwrap();
    let with_login = text.replace(
        "kind = \"sip2\"",
        &format!("kind = \"sip2\"\nlogin_user = \"kiosk\"\npassword_file = {:?}", password.display().to_string()),
    );
    std::fs::write(&path, &with_login).unwrap();
    let (ok, out) = doctor(&path);
    assert!(out.contains("logged in (93), online, protocol 2.00"), "{out}");
    assert!(out.contains("SIP2 supported messages (BX): 23 patron status, 11 checkout, 09 checkin"), "{out}");
    assert!(out.contains("library \"마포구립도서관\""), "{out}");
    assert!(!out.contains("s3cret"), "{out}");
    // The state directory does not exist yet (doctor fails on that); the district part passed.
    assert!(!ok && !out.contains("FAIL  SIP2"), "{out}");

    // A password file others can read is refused, naming it.
    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ok, out) = doctor(&path);
    assert!(!ok);
    assert!(out.contains("district.password_file") && out.contains(&password.display().to_string()), "{out}");

    // A wrong password: the server refuses the login, and doctor says where to look.
    std::fs::write(&password, "wrong\n").unwrap();
    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (ok, out) = doctor(&path);
    assert!(!ok);
    assert!(out.contains("the library refused the kiosk's login"), "{out}");
}
