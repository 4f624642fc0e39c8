//! The district side of the daemon: the backend from `[district]` and the
//! sync worker beside the engine.

use anyhow::Context;
use bookstation::config::{Config, DistrictBackend, Sip2Backend};
use bookstation::district::covers::CoverCache;
use bookstation::district::http::{read_ca_file, read_token_file};
use bookstation::district::{
    District, HttpDistrict, HttpSettings, SimNetwork, Sip2District, Sip2Settings, SyncSettings, SyncWorker,
};
use bookstation::domain::{Item, ItemId};
use bookstation::engine::actor::EngineHandle;
use bookstation::engine::{Clock, Input, SystemClock};
use bookstation::store::AsyncStore;
use bookstation_hardware::SimWorld;

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The district backend from `[district]`, behind the simulated world's
/// network cable when the hardware is simulated.
///
/// `kind = "sim"` (the demo build only) starts the simulated district
/// inside the daemon and talks HTTP to it. `kind = "http"` reads the token file (which
/// must be private) and the optional CA file, and checks the URL.
/// `kind = "sip2"` reads the password files and starts from `known`, the
/// items the kiosk's store holds (SIP2 cannot list them).
pub async fn connect(config: &Config, world: Option<&SimWorld>, known: Vec<Item>) -> anyhow::Result<Arc<dyn District>> {
    let d = &config.district;
    let settings = match &d.backend {
        #[cfg(feature = "demo")]
        DistrictBackend::Sim {} => super::demo::start_sim(config).await?,
        // Config validation refuses it in this build, naming the key.
        #[cfg(not(feature = "demo"))]
        DistrictBackend::Sim {} => anyhow::bail!("district.kind = \"sim\" needs the demo build (feature `demo`)"),
        DistrictBackend::Http(http) => {
            let token = read_token_file(&http.token_file)?;
            let ca_pem = http.ca_file.as_deref().map(read_ca_file).transpose()?;
            HttpSettings {
                url: http.url.clone(),
                token,
                ca_pem,
                timeout: d.timeout(),
                kiosk_id: config.kiosk.id.clone(),
            }
        }
        DistrictBackend::Sip2(sip2) => {
            let sip2 = Arc::new(sip2_district(config, sip2, known)?);
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
pub fn sip2_district(config: &Config, d: &Sip2Backend, known: Vec<Item>) -> anyhow::Result<Sip2District> {
    use bookstation::district::sip2::client::{ClientSettings, Login};
    use bookstation::district::sip2::conn::ConnSettings;
    use bookstation::district::sip2::messages::Site;
    use bookstation::district::sip2::{Dialect, tls_config};
    let (host, port, institution) = (d.host.clone(), d.port, d.institution_id.clone());
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
    let timeout = config.district.timeout();
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
            reconnect_min: Duration::from_secs(config.district.retry_min_secs),
            reconnect_max: Duration::from_secs(config.district.retry_max_secs.min(60)),
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
