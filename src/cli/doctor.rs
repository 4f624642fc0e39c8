//! `bookstation doctor`: checks the config, the database and the devices,
//! and says in plain words what is wrong. Exits non-zero when anything is.

use bookstation::config::{Config, HardwareKind};
use bookstation::store::Store;
use bookstation_hardware::{SimLayout, SimWorld};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Collected findings; any failure makes the exit code non-zero (a report
/// that cannot be printed is one, a reader that stopped early is not).
#[derive(Default)]
struct Report {
    failed: bool,
}

impl Report {
    fn ok(&mut self, what: &str) {
        self.line("ok   ", what);
    }
    fn fail(&mut self, what: &str) {
        self.failed = true;
        self.line("FAIL ", what);
    }
    fn note(&mut self, what: &str) {
        self.line("note ", what);
    }
    fn line(&mut self, tag: &str, what: &str) {
        if outln!("{tag} {what}").is_err() {
            self.failed = true;
        }
    }
}

pub fn run(config: Option<PathBuf>, state_dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let mut report = Report::default();
    let config = match (config, state_dir) {
        (Some(path), _) => match Config::load(&path) {
            Ok(c) => {
                report.ok(&format!("config {} is valid", path.display()));
                Some(c)
            }
            Err(e) => {
                report.fail(&e.to_string());
                None
            }
        },
        (None, Some(dir)) => Some(Config::demo(&dir)),
        (None, None) => {
            let path = Path::new("/etc/bookstation/bookstation.toml");
            match Config::load(path) {
                Ok(c) => Some(c),
                Err(e) => {
                    report.fail(&e.to_string());
                    None
                }
            }
        }
    };
    if let Some(config) = config {
        check_state(&config, &mut report);
        check_district(&config, &mut report);
    }
    Ok(if report.failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn check_state(config: &Config, report: &mut Report) {
    let dir = &config.kiosk.state_dir;
    if !dir.is_dir() {
        report
            .fail(&format!("state directory {} does not exist (the daemon creates it on first start)", dir.display()));
        return;
    }
    let db = dir.join("bookstation.db");
    if db.exists() {
        match Store::open_existing(&db) {
            Ok(store) => {
                report.ok(&format!("database {} passes its integrity check", db.display()));
                match store.pragmas() {
                    Ok(p) => report.ok(&format!(
                        "database durability: journal_mode={} synchronous={} foreign_keys={}",
                        p.journal_mode, p.synchronous, p.foreign_keys
                    )),
                    Err(e) => report.fail(&format!("reading database settings: {e}")),
                }
                match store.outbox_stats() {
                    Ok(s) => report.ok(&format!(
                        "outbox: {} pending, {} acknowledged, {} rejected",
                        s.pending, s.acked, s.rejected
                    )),
                    Err(e) => report.fail(&format!("reading the outbox: {e}")),
                }
                match store.open_intents() {
                    Ok(open) if open.is_empty() => report.ok("no interrupted transactions"),
                    Ok(open) => report.note(&format!(
                        "{} interrupted transaction(s) will be settled from the door sensors at the next start",
                        open.len()
                    )),
                    Err(e) => report.fail(&format!("reading the journal: {e}")),
                }
            }
            Err(e) => report.fail(&e.to_string()),
        }
    } else {
        match bookstation::store::state_dir::signs_of_life(dir, true) {
            Ok(signs) if signs.is_empty() => {
                report.note(&format!("database {} does not exist yet (created on first start)", db.display()))
            }
            Ok(signs) => {
                let shown: Vec<String> = signs.iter().map(|p| p.display().to_string()).collect();
                report.fail(&format!(
                    "database {} is missing but the state directory has run a kiosk ({}); the daemon will refuse to start: restore a backup or see `bookstation reset-state --help`",
                    db.display(),
                    shown.join(", ")
                ))
            }
            Err(e) => report.fail(&e.to_string()),
        }
    }
    match config.hardware.kind {
        HardwareKind::Devices => {
            for (ok, what) in super::hardware::probe(config) {
                if ok { report.ok(&what) } else { report.fail(&what) }
            }
        }
        HardwareKind::Mock | HardwareKind::Pty => {
            let layout = SimLayout { lockers: config.hardware.lockers, return_bin: config.hardware.return_bin_slot };
            let path = dir.join("world.json");
            if !path.exists() {
                report.note("simulated hardware: no world file yet (created on first start)");
                return;
            }
            match SimWorld::open(&path, layout) {
                Ok(world) => {
                    let w = world.snapshot();
                    let books = w.slots.iter().filter(|s| s.item.is_some()).count();
                    let open = w.slots.iter().filter(|s| s.door_open).map(|s| s.slot.to_string()).collect::<Vec<_>>();
                    report.ok(&format!("simulated locker board: {} doors, {books} books in lockers", w.slots.len()));
                    if !open.is_empty() {
                        report.note(&format!("doors open: {}", open.join(", ")));
                    }
                    if !w.board_online {
                        report.fail("simulated locker board is unplugged");
                    }
                }
                Err(e) => report.fail(&format!("simulated hardware: {e}")),
            }
        }
    }
}

/// The district settings the daemon would refuse at start-up: the URL, the
/// token file (private, one line) and the pinned CA file.
fn check_district(config: &Config, report: &mut Report) {
    use bookstation::config::DistrictBackend;
    use bookstation::district::http::{check_url, read_ca_file, read_token_file};
    match &config.district.backend {
        DistrictBackend::Sim {} => {
            report.note("district: the simulated district, started inside the daemon on loopback")
        }
        DistrictBackend::Http(d) => {
            match check_url(&d.url) {
                Ok(url) => report.ok(&format!("district server {url}")),
                Err(e) => report.fail(&e.to_string()),
            }
            match read_token_file(&d.token_file) {
                Ok(_) => report.ok("district token file is private and readable"),
                Err(e) => report.fail(&e.to_string()),
            }
            match d.ca_file.as_deref().map(read_ca_file) {
                Some(Ok(_)) => report.ok("district CA file holds certificates (pinned)"),
                Some(Err(e)) => report.fail(&e.to_string()),
                None => report.note("district server certificate checked against the system's CA roots"),
            }
        }
        DistrictBackend::Sip2(d) => check_sip2(config, d, report),
    }
}

/// Log in to the SIP2 server and say what it says of itself (its 98).
fn check_sip2(config: &Config, d: &bookstation::config::Sip2Backend, report: &mut Report) {
    use bookstation::district::sip2::messages::SUPPORTED;
    let at = format!("{}:{}", d.host, d.port);
    let district = match super::district::sip2_district(config, d, Vec::new()) {
        Ok(district) => district,
        Err(e) => return report.fail(&format!("{e:#}")),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return report.fail(&format!("cannot start tokio: {e}")),
    };
    match runtime.block_on(district.probe()) {
        Ok(status) => {
            let login = if d.login_user.is_some() { "logged in (93), " } else { "" };
            report.ok(&format!(
                "SIP2 server {at}: {login}online, protocol {}, institution {:?}{}",
                status.protocol_version,
                status.institution,
                status.library_name.as_deref().map(|n| format!(", library {n:?}")).unwrap_or_default()
            ));
            let yes = |b: bool| if b { "Y" } else { "N" };
            report.note(&format!(
                "SIP2 98 flags: checkin {} checkout {} renewal {} status update {} offline {}, timeout {} retries {}",
                yes(status.checkin_ok),
                yes(status.checkout_ok),
                yes(status.renewal_policy),
                yes(status.status_update_ok),
                yes(status.offline_ok),
                status.timeout_period,
                status.retries_allowed
            ));
            let supported: Vec<&str> =
                SUPPORTED.iter().enumerate().filter(|(i, _)| status.supports(*i)).map(|(_, m)| *m).collect();
            report.note(&format!("SIP2 supported messages (BX): {}", supported.join(", ")));
            for (position, needed) in [(1, "11 checkout"), (2, "09 checkin"), (10, "17 item information")] {
                if !status.supports(position) {
                    report.fail(&format!("the SIP2 server does not support {needed}, which the kiosk needs"));
                }
            }
            if !status.supports(7) {
                report.note("no 63 patron information: sign-in uses 23, without loans or holds");
            }
            for message in &status.screen_messages {
                report.note(&format!("SIP2 server says: {message}"));
            }
        }
        Err(e) => report.fail(&format!("SIP2 server {at}: {e}")),
    }
}
