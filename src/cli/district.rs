//! The district side of the daemon: the backend from `[district]`, the sync
//! worker beside the engine, and `bookstation district-sim`.

use anyhow::Context;
use bookstation::config::{Config, DistrictKind};
use bookstation::demo::SimNetwork;
use bookstation::district::covers::CoverCache;
use bookstation::district::http::{read_ca_file, read_token_file};
use bookstation::district::seed::DEMO_KIOSK_ID;
use bookstation::district::server::{ServerOptions, load_sim};
use bookstation::district::{District, HttpDistrict, HttpSettings, SimServer, SyncSettings, SyncWorker};
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
/// network cable (`bookstation sim network down` unplugs it).
///
/// `kind = "sim"` starts the simulated district inside the daemon on a
/// loopback port, saved in `state_dir/district-sim.json`, and talks HTTP
/// to it like to a real server. `kind = "http"` reads the token file (which
/// must be private) and the optional CA file, and checks the URL.
pub async fn connect(config: &Config, world: &SimWorld) -> anyhow::Result<Arc<dyn District>> {
    let d = &config.district;
    let settings = match d.kind {
        DistrictKind::Sim => {
            let db = config.kiosk.state_dir.join(SIM_DB);
            let sim = load_sim(&db, &config.kiosk.id)?;
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
    };
    let http = Arc::new(HttpDistrict::new(settings)?);
    let covers = CoverCache::new(config.kiosk.state_dir.join("covers"), d.cover_cache_mib.saturating_mul(1 << 20));
    // Fetches on its own, so a slow cover never holds up the engine.
    tokio::spawn(covers.run(http.clone(), Duration::from_secs(d.inventory_refresh_secs)));
    Ok(Arc::new(SimNetwork::new(http, world.clone())))
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
    // Runs until the runtime stops with the daemon.
    tokio::spawn(worker.run(|| SystemClock.now(), wake, std::future::pending()));
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

/// Write a demo token file (mode 0600) unless one is there, for
/// `bookstation demo --district URL`.
pub fn demo_token_file(state_dir: &Path) -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = state_dir.join("district.token");
    if !path.exists() {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        std::io::Write::write_all(&mut file, format!("{}\n", random_token()).as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(path)
}
