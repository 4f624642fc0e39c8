//! The district side of the daemon: the backend from `[district]`, the sync
//! worker beside the engine, and `bookstation district-sim`.

use anyhow::Context;
use bookstation::config::{Config, DistrictKind};
use bookstation::demo::SimNetwork;
use bookstation::district::covers::CoverCache;
use bookstation::district::http::{read_ca_file, read_token_file};
use bookstation::district::seed::DEMO_KIOSK_ID;
use bookstation::district::server::{ServerOptions, load_sim, load_sim_or};
use bookstation::district::{
    District, HttpDistrict, HttpSettings, SimServer, Sip2District, Sip2Settings, SyncSettings, SyncWorker,
};
use bookstation::domain::{Item, ItemId};
use bookstation::engine::actor::EngineHandle;
use bookstation::engine::{Clock, Input, SystemClock};
use bookstation::store::AsyncStore;
use bookstation_hardware::SimWorld;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The file the in-process simulated district keeps its state in.
pub const SIM_DB: &str = "district-sim.json";

/// The district backend from `[district]`, behind the simulated world's
/// network cable when the hardware is simulated.
///
/// `kind = "sim"` starts the simulated district inside the daemon on a
/// loopback port, saved in `state_dir/district-sim.json`, and talks HTTP
/// to it like to a real server. `kind = "http"` reads the token file (which
/// must be private) and the optional CA file, and checks the URL.
/// `kind = "sip2"` reads the password files and starts from `known`, the
/// items the kiosk's store holds (SIP2 cannot list them).
pub async fn connect(config: &Config, world: Option<&SimWorld>, known: Vec<Item>) -> anyhow::Result<Arc<dyn District>> {
    let d = &config.district;
    let settings = match d.kind {
        DistrictKind::Sim => {
            let db = config.kiosk.state_dir.join(SIM_DB);
            // As many books as the cabinet has lockers (the demo's 43 up to 40).
            let lockers = config.hardware.lockers;
            let sim = load_sim_or(&db, || bookstation::district::SimDistrict::demo_sized(&config.kiosk.id, lockers))?;
            let listener =
                tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding the simulated district")?;
            let token = random_token();
            let server = SimServer::start(listener, sim, ServerOptions { token: Some(token.clone()), db: Some(db) })
                .context("starting the simulated district")?;
            tracing::info!(url = %server.url(), "simulated district listening on loopback");
            let url = server.url();
            // Serves for as long as the daemon's runtime runs.
            std::mem::forget(server);
            HttpSettings { url, token, ca_pem: None, timeout: d.timeout(), kiosk_id: config.kiosk.id.clone() }
        }
        DistrictKind::Http => {
            // Validation made sure both are set.
            let url = d.url.clone().context("district.url is not set")?;
            let token_file = d.token_file.as_deref().context("district.token_file is not set")?;
            let token = read_token_file(token_file)?;
            let ca_pem = d.ca_file.as_deref().map(read_ca_file).transpose()?;
            HttpSettings { url, token, ca_pem, timeout: d.timeout(), kiosk_id: config.kiosk.id.clone() }
        }
        DistrictKind::Sip2 => {
            let sip2 = Arc::new(sip2_district(config, known)?);
            // Lives as long as the backend: it stops when the last Arc goes.
            drop(sip2.spawn_keepalive());
            return Ok(behind_cable(sip2, world));
        }
    };
    let http = Arc::new(HttpDistrict::new(settings)?);
    let covers = CoverCache::new(config.kiosk.state_dir.join("covers"), d.cover_cache_mib.saturating_mul(1 << 20));
    // Fetches on its own, so a slow cover never holds up the engine.
    tokio::spawn(covers.run(http.clone(), Duration::from_secs(d.inventory_refresh_secs)));
    Ok(behind_cable(http, world))
}

/// `district` behind the simulated world's network cable when the hardware
/// is simulated (`bookstation sim network down` unplugs it); as it is for
/// real devices.
fn behind_cable<D: District + 'static>(district: Arc<D>, world: Option<&SimWorld>) -> Arc<dyn District> {
    match world {
        Some(world) => Arc::new(SimNetwork::new(district, world.clone())),
        None => district,
    }
}

/// The SIP2 backend from `[district]` (kind `sip2`): its password files
/// read (private, one line), its TLS set up, its catalogue from `known`
/// and `district.catalogue_file`.
pub fn sip2_district(config: &Config, known: Vec<Item>) -> anyhow::Result<Sip2District> {
    use bookstation::district::sip2::client::{ClientSettings, Login};
    use bookstation::district::sip2::conn::ConnSettings;
    use bookstation::district::sip2::messages::Site;
    use bookstation::district::sip2::{Dialect, tls_config};
    let d = &config.district;
    let host = d.host.clone().context("district.host is not set")?;
    let port = d.port.context("district.port is not set")?;
    let institution = d.institution_id.clone().context("district.institution_id is not set")?;
    let location = d.location_code.clone().unwrap_or_else(|| config.kiosk.id.clone());
    let dialect = Dialect::of(d.dialect.unwrap_or_default());
    let dialect = match &d.sip2 {
        Some(overrides) => overrides.apply(dialect),
        None => dialect,
    };
    let login = match (&d.login_user, &d.password_file) {
        (Some(user), Some(file)) if dialect.login => Some(Login {
            user: user.clone(),
            password: read_token_file(file).context("district.password_file")?,
            location: location.clone(),
        }),
        _ => None,
    };
    let terminal_password = d
        .terminal_password_file
        .as_deref()
        .map(read_token_file)
        .transpose()
        .context("district.terminal_password_file")?
        .unwrap_or_default();
    let tls = if d.tls {
        let pem = match d.ca_file.as_deref() {
            Some(path) => Some((path, std::fs::read(path).with_context(|| format!("reading {}", path.display()))?)),
            None => None,
        };
        Some(tls_config(pem.as_ref().map(|(p, b)| (*p, b.as_slice())))?)
    } else {
        None
    };
    let mut catalogue = known;
    if let Some(path) = &d.catalogue_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("district.catalogue_file: reading {}", path.display()))?;
        let text = bookstation::domain::text::nfc(&text);
        for barcode in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            if !catalogue.iter().any(|i| i.id.as_str() == barcode) {
                catalogue.push(Item {
                    id: ItemId::new(barcode),
                    title: barcode.to_owned(),
                    author: String::new(),
                    category: String::new(),
                    category_en: None,
                    cover_url: None,
                    hold_for: None,
                });
            }
        }
    }
    let timeout = d.timeout();
    Ok(Sip2District::new(Sip2Settings {
        client: ClientSettings {
            conn: ConnSettings {
                host,
                port,
                tls,
                connect_timeout: timeout,
                read_timeout: timeout,
                charset: dialect.charset,
                terminator: dialect.terminator,
                error_detection: dialect.error_detection,
                retries: 3,
            },
            login,
            reconnect_min: Duration::from_secs(d.retry_min_secs),
            reconnect_max: Duration::from_secs(d.retry_max_secs.min(60)),
            keepalive: Duration::from_secs(d.keepalive_secs),
        },
        site: Site { institution, terminal_password, location },
        dialect,
        district_quota: config.policy.district_quota,
        // Half the call timeout: a batch stops between requests, never
        // inside one cut off by the sync worker's or the engine's timeout.
        budget: timeout / 2,
        catalogue,
    }))
}

/// The sync worker's settings from `[district]` and `[policy]`.
pub fn sync_settings(config: &Config) -> SyncSettings {
    let d = &config.district;
    SyncSettings {
        batch_size: usize::try_from(d.batch_size).unwrap_or(100),
        retry_min: Duration::from_secs(d.retry_min_secs),
        retry_max: Duration::from_secs(d.retry_max_secs),
        call_timeout: d.timeout(),
        poll_every: Duration::from_secs(d.sync_interval_secs),
        heartbeat_every: Duration::from_secs(d.heartbeat_secs),
        patron_retention: Some(Duration::from_secs(u64::from(config.policy.patron_retention_days) * 86_400)),
        patron_cache_for: Some(Duration::from_secs(u64::from(config.offline.seen_within_hours) * 3_600)),
        ..SyncSettings::new(config.kiosk.id.clone())
    }
}

/// Start the sync worker; it tells the engine when the district stops or
/// starts answering, and `wake` (staff's "sync now") sends at once.
pub fn spawn_sync(
    config: &Config,
    store: AsyncStore,
    district: Arc<dyn District>,
    engine: EngineHandle,
    wake: Arc<Notify>,
    faults: tokio::sync::watch::Receiver<Vec<bookstation::domain::Fault>>,
) {
    let mut worker = SyncWorker::new(store, district, sync_settings(config));
    worker.set_faults(faults);
    let mut reachable = worker.reachability();
    let mut due_dates = worker.due_dates();
    // Runs until the runtime stops with the daemon.
    tokio::spawn(worker.run(|| SystemClock.now(), wake, std::future::pending()));
    let to_engine = engine.clone();
    tokio::spawn(async move {
        loop {
            match due_dates.recv().await {
                Ok(d) => {
                    let input = Input::DueDateConfirmed { item: d.item_id, due_date: d.due_date, message: d.message };
                    if !to_engine.send(input).await {
                        break;
                    }
                }
                // Missed ones are in the store; only a receipt on screen misses them.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    tokio::spawn(async move {
        while reachable.changed().await.is_ok() {
            let online = *reachable.borrow_and_update();
            if let Some(online) = online
                && !engine.send(Input::Connectivity { online }).await
            {
                break;
            }
        }
    });
}

/// A token for the in-process simulator, new at every start.
fn random_token() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
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
        None => bookstation::district::SimDistrict::demo(&kiosk_id),
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
