//! The demo build's commands (feature `demo`): `bookstation demo`,
//! `bookstation district-sim`, and the simulated district that
//! `district.kind = "sim"` starts inside the daemon.

use anyhow::Context;
use bookstation::config::Config;
use bookstation::demo::{DEMO_KIOSK_ID, SimDistrict, SimServer};
use bookstation::district::HttpSettings;
use bookstation::district::http::read_token_file;
use bookstation::ui::WindowOptions;
use bookstation_district_sim::ServerOptions;
use bookstation_district_sim::server::{load_sim, load_sim_or};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The file the in-process simulated district keeps its state in.
pub const SIM_DB: &str = "district-sim.json";

/// The institution id (`AO`) `demo --district sip2://…` sends: the toy library's.
const DEMO_SIP2_INSTITUTION: &str = "MAPO";

/// `bookstation demo`'s arguments (cli/mod.rs documents each).
pub struct DemoArgs {
    pub headless: bool,
    pub state_dir: PathBuf,
    pub district: Option<String>,
    pub sip2_password_file: Option<PathBuf>,
    pub hardware: DemoHardware,
    pub lockers: u16,
}

/// `bookstation demo`: the demo config written beside its state, the
/// district it names, the windows if there is a display.
pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let DemoArgs { headless, state_dir, sip2_password_file, hardware, lockers, .. } = args;
    let mut config = demo_config(&state_dir, lockers)?;
    if hardware == DemoHardware::Pty {
        config.hardware.kind = bookstation::config::HardwareKind::Pty;
        let path = config.kiosk.state_dir.join("bookstation.toml");
        std::fs::write(&path, config.to_toml()).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(url) = args.district {
        config.district = match url.strip_prefix("sip2://") {
            Some(address) => {
                let (user, address) = match address.rsplit_once('@') {
                    Some((user, _)) if user.contains(':') => anyhow::bail!(
                        "--district {}: a password does not go on the command line; \
                         give it in BOOKSTATION_SIP2_PASSWORD or --sip2-password-file",
                        url.replace(user, "USER:…")
                    ),
                    Some((user, address)) => (Some(user), address),
                    None => (None, address),
                };
                let (host, port) = address
                    .trim_end_matches('/')
                    .rsplit_once(':')
                    .and_then(|(h, p)| Some((h.trim_matches(['[', ']']), p.parse::<u16>().ok()?)))
                    .with_context(|| format!("--district {url}: expected sip2://[USER@]HOST:PORT"))?;
                let mut sip2 = bookstation::config::DistrictConfig::sip2(host, port, DEMO_SIP2_INSTITUTION);
                if let (Some(user), bookstation::config::DistrictBackend::Sip2(backend)) = (user, &mut sip2.backend) {
                    let password = std::env::var("BOOKSTATION_SIP2_PASSWORD").ok();
                    backend.login_user = Some(user.to_owned());
                    backend.password_file =
                        Some(demo_password_file(&config.kiosk.state_dir, sip2_password_file, password)?);
                }
                sip2
            }
            None => {
                let token_file = demo_token_file(&config.kiosk.state_dir)?;
                bookstation::config::DistrictConfig::http(url, token_file)
            }
        };
        let path = config.kiosk.state_dir.join("bookstation.toml");
        config.validate(&path)?;
        std::fs::write(&path, config.to_toml()).with_context(|| format!("writing {}", path.display()))?;
    }
    let no_display = !headless && !has_display(|key| std::env::var_os(key));
    if no_display {
        // One line, then a demo that still works: the socket drives it.
        errln!(
            "bookstation demo: no display (DISPLAY and WAYLAND_DISPLAY are unset), so no windows; \
             running headless: drive it with `bookstation sim --state-dir {} state` (see README), \
             or run `xvfb-run make demo` for the windows",
            config.kiosk.state_dir.display()
        );
    }
    let screen = if headless || no_display {
        super::daemon::Screen::Headless
    } else {
        super::daemon::Screen::Window(Box::new(WindowOptions {
            backend: "winit".into(),
            simulator: true,
            fullscreen: false,
            covers_dir: Some(config.kiosk.state_dir.join("covers")),
            demo_cards: demo_cards(),
            accessibility: config.accessibility.clone(),
            display: config.display,
        }))
    };
    super::daemon::run(config, true, screen)?;
    Ok(())
}

/// `district.kind = "sim"`: the simulated district started inside the
/// daemon on a loopback port, saved in `state_dir/district-sim.json`, and
/// reached over HTTP like a real server.
pub async fn start_sim(config: &Config) -> anyhow::Result<HttpSettings> {
    let db = config.kiosk.state_dir.join(SIM_DB);
    // As many books as the cabinet has lockers (the demo's 43 up to 40).
    let lockers = config.hardware.lockers;
    let sim = load_sim_or(&db, || SimDistrict::demo_sized(&config.kiosk.id, lockers))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding the simulated district")?;
    let token = random_token();
    let server = SimServer::start(listener, sim, ServerOptions { token: Some(token.clone()), db: Some(db) })
        .context("starting the simulated district")?;
    tracing::info!(url = %server.url(), "simulated district listening on loopback");
    let url = server.url();
    // Serves for as long as the daemon's runtime runs.
    std::mem::forget(server);
    Ok(HttpSettings { url, token, ca_pem: None, timeout: config.district.timeout(), kiosk_id: config.kiosk.id.clone() })
}

/// `bookstation district-sim`: serve the simulated district until SIGTERM
/// or Ctrl-C.
pub fn district_sim(
    listen: SocketAddr,
    db: Option<PathBuf>,
    token_file: Option<PathBuf>,
    kiosk_id: Option<String>,
) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    let kiosk_id = kiosk_id.unwrap_or_else(|| DEMO_KIOSK_ID.to_owned());
    let token = token_file.as_deref().map(read_token_file).transpose()?;
    let sim = match &db {
        Some(path) => load_sim(path, &kiosk_id)?,
        None => SimDistrict::demo(&kiosk_id),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
        let server = SimServer::start(listener, sim, ServerOptions { token, db: db.clone() })?;
        // Scripts and tests wait for this line on stdout.
        if let Err(e) = outln!("bookstation district-sim: ready; listening on {}", server.url()) {
            tracing::warn!(error = %e, "cannot print the ready line");
        }
        if let Some(db) = &db {
            tracing::info!(db = %db.display(), "state saved after every change");
        }
        shutdown().await;
        drop(server);
        anyhow::Ok(())
    })
}

async fn shutdown() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = tokio::signal::ctrl_c() => {},
    }
}

/// The demo cards the simulator window offers (README's demo data).
fn demo_cards() -> Vec<(String, String)> {
    [
        ("04A1B2C3D4E5F6", "Patron in good standing"),
        ("04000000000002", "Patron with an overdue book"),
        ("04000000000003", "Suspended patron"),
        ("04000000000004", "Patron with a hold ready"),
        ("04000000000005", "Patron at the district quota"),
        ("0499999999999999", "Unknown card"),
        (bookstation::config::DEMO_STAFF_CARD, "Staff (PIN 2580)"),
    ]
    .into_iter()
    .map(|(uid, label)| (uid.to_owned(), label.to_owned()))
    .collect()
}

/// What the demo's locker board is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoHardware {
    /// The simulated world, in process.
    Mock,
    /// The simulated world behind Kerong CU boards on a pty.
    Pty,
}

/// Whether a window can open: an X server or a Wayland compositor is named
/// in the environment (`env` reads a variable).
fn has_display(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|key| env(key).is_some_and(|v| !v.is_empty()))
}

/// The demo config, written beside the demo's state so an operator can read
/// what the demo runs with. `lockers`: the cabinet's size (the bin is the
/// slot after the last locker).
pub fn demo_config(state_dir: &Path, lockers: u16) -> anyhow::Result<Config> {
    super::daemon::create_state_dir(state_dir)?;
    let state_dir = state_dir.canonicalize().with_context(|| format!("resolving {}", state_dir.display()))?;
    let mut config = Config::demo(&state_dir);
    config.hardware.lockers = lockers;
    config.hardware.return_bin_slot = lockers + 1;
    let path = state_dir.join("bookstation.toml");
    std::fs::write(&path, config.to_toml()).with_context(|| format!("writing {}", path.display()))?;
    Ok(config)
}

/// A token for the in-process simulator, new at every start.
fn random_token() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}

/// The SIP2 login's password file for `demo --district sip2://USER@…`:
/// the file given, else `BOOKSTATION_SIP2_PASSWORD` written into the state
/// directory (mode 0600, replaced each start), so the password is never
/// an argument anyone can read in the process list.
pub fn demo_password_file(state_dir: &Path, file: Option<PathBuf>, env: Option<String>) -> anyhow::Result<PathBuf> {
    if let Some(file) = file {
        read_token_file(&file).context("--sip2-password-file")?;
        return Ok(file);
    }
    let password = env.filter(|p| !p.is_empty()).context(
        "--district sip2://USER@HOST:PORT logs in as USER: give the password in the environment \
         (BOOKSTATION_SIP2_PASSWORD) or a file (--sip2-password-file), never on the command line",
    )?;
    let path = state_dir.join("sip2.password");
    let _ = std::fs::remove_file(&path);
    write_private(&path, &password)?;
    Ok(path)
}

/// Write a demo token file (mode 0600) unless one is there, for
/// `bookstation demo --district URL`.
pub fn demo_token_file(state_dir: &Path) -> anyhow::Result<PathBuf> {
    let path = state_dir.join("district.token");
    if !path.exists() {
        write_private(&path, &random_token())?;
    }
    Ok(path)
}

/// A new file only its owner may read (mode 0600 from its creation), one line.
fn write_private(path: &Path, line: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    std::io::Write::write_all(&mut file, format!("{line}\n").as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::has_display;

    #[test]
    fn a_display_is_an_x_server_or_a_wayland_compositor_named_in_the_environment() {
        let env = |set: &'static [(&'static str, &'static str)]| {
            move |key: &str| set.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).into())
        };
        assert!(!has_display(env(&[])));
        assert!(!has_display(env(&[("DISPLAY", ""), ("WAYLAND_DISPLAY", "")])), "empty is unset");
        assert!(has_display(env(&[("DISPLAY", ":99")])));
        assert!(has_display(env(&[("WAYLAND_DISPLAY", "wayland-0")])));
    }
}
