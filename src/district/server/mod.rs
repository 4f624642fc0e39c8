//! [`SimServer`]: the simulated district served over HTTP, the API of
//! `docs/district-api.md` in front of a [`SimDistrict`]. `bookstation
//! district-sim` runs it as a process; `bookstation demo` and the tests run
//! it in-process on a loopback port.
//!
//! Besides the API it serves `GET /sim/state` (what the district holds) and
//! `GET|POST /sim/faults`, the switches for the faults a real network and a
//! real server have: down (connections refused), slow answers, HTTP 500,
//! 503 with `Retry-After`, malformed JSON, a batch applied and the
//! connection dropped before the answer, a partial batch, rejected events.
//!
//! The accept loop is written by hand (hyper's HTTP/1 connection with the
//! axum router as its service) because two faults act below HTTP: "down"
//! closes the listening socket and every open connection, and "drop after
//! apply" closes one connection in the middle of a request.
//!
//! With a database file (`--db`) every change is written to it (JSON,
//! written to a temporary file, synced, renamed) before the answer goes out,
//! so a restarted simulator still knows every event id it counted.

use super::api::{self, AuthRequest, ErrorAnswer, SubmitAnswer, SubmitRequest};
use super::sim::SimState;
use super::{District, DistrictError, Health, SimDistrict};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// The faults switched on, as `POST /sim/faults` takes them and `GET`
/// shows them. Counters count down, one per call (or per new event for
/// `reject`); a missing key is 0.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Refuse connections for this many seconds, closing open ones; the
    /// listener comes back by itself. (In-process: [`SimServer::set_down`].)
    pub down_secs: u64,
    /// Every API call waits this long before it is handled.
    pub slow_ms: u64,
    /// The next N API calls are answered `500` without being handled.
    pub http_500: u32,
    /// The next N API calls are answered `503` with `Retry-After:
    /// retry_after_secs`, without being handled.
    pub busy: u32,
    /// The `Retry-After` sent with `busy`, in seconds.
    pub retry_after_secs: u64,
    /// The next N API calls are handled, then answered with JSON cut in half.
    pub malformed: u32,
    /// The next N event batches are applied, then the connection is closed
    /// before any answer.
    pub drop_after_apply: u32,
    /// The next N event batches: only the first half (at least one event)
    /// is applied and answered.
    pub partial: u32,
    /// The next N events the district has not seen are answered `rejected`
    /// and not recorded.
    pub reject: u32,
}

/// How the server is set up.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// When set, API calls must carry `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Where the simulator's state is saved after every change.
    pub db: Option<PathBuf>,
}

/// Why a saved simulator state cannot be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum SimDbError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{path} is not a saved district simulator: {reason}; move it aside to start from the demo data")]
    Parse { path: PathBuf, reason: String },
    #[error("cannot save {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

/// The simulator saved in `path`, or the demo district for `kiosk_id` when
/// the file does not exist yet.
pub fn load_sim(path: &Path, kiosk_id: &str) -> Result<SimDistrict, SimDbError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let state: SimState = serde_json::from_slice(&bytes).map_err(|e| SimDbError::Parse {
                path: path.to_owned(),
                reason: format!("{:?} error at line {} column {}", e.classify(), e.line(), e.column()),
            })?;
            Ok(SimDistrict::from_state(state))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(SimDistrict::demo(kiosk_id)),
        Err(source) => Err(SimDbError::Read { path: path.to_owned(), source }),
    }
}

/// Save atomically: a crash leaves the old file or the new one, never half.
fn save_sim(path: &Path, sim: &SimDistrict) -> Result<(), SimDbError> {
    let write = |source| SimDbError::Write { path: path.to_owned(), source };
    let json = serde_json::to_vec(&sim.export_state()).map_err(|e| write(io::Error::other(e)))?;
    bookstation_hardware::fs::write_atomic(path, &json, 0o666).map_err(write)
}

/// What the handlers share.
struct Shared {
    sim: SimDistrict,
    /// Every fault but `reject`, which lives in the sim (it is per event).
    faults: Mutex<Faults>,
    /// `true` while the simulated server is down.
    down: watch::Sender<bool>,
    /// Whether the accept loop holds a listening socket now.
    listening: watch::Sender<bool>,
    token: Option<String>,
    db: Option<PathBuf>,
    /// Saves one at a time, so an older state never overwrites a newer one.
    saving: Mutex<()>,
    /// Bumped after every accepted batch, for `/sim/state?wait_for_events`.
    submitted: watch::Sender<u64>,
}

/// The faults one call drew.
#[derive(Debug, Default)]
struct Drawn {
    slow: Option<Duration>,
    fail: bool,
    busy: Option<u64>,
    malformed: bool,
    drop_after_apply: bool,
    partial: bool,
}

fn take(counter: &mut u32) -> bool {
    let hit = *counter > 0;
    *counter = counter.saturating_sub(1);
    hit
}

impl Shared {
    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Switch faults: `reject` goes to the district, the rest stays here
    /// (`down_secs` is the caller's to act on).
    fn set_faults(&self, faults: &Faults) {
        self.sim.set_reject_next(faults.reject);
        *self.faults() = Faults { down_secs: 0, reject: 0, ..faults.clone() };
    }

    /// The faults still to fire.
    fn current_faults(&self) -> Faults {
        Faults { reject: self.sim.reject_next(), ..self.faults().clone() }
    }

    fn draw(&self, batch: bool) -> Drawn {
        let mut f = self.faults();
        Drawn {
            slow: (f.slow_ms > 0).then(|| Duration::from_millis(f.slow_ms)),
            fail: take(&mut f.http_500),
            busy: take(&mut f.busy).then_some(f.retry_after_secs),
            malformed: take(&mut f.malformed),
            drop_after_apply: batch && take(&mut f.drop_after_apply),
            partial: batch && take(&mut f.partial),
        }
    }

    fn save(&self) -> Result<(), Refusal> {
        let Some(path) = &self.db else { return Ok(()) };
        let _one_at_a_time = self.saving.lock().unwrap_or_else(PoisonError::into_inner);
        save_sim(path, &self.sim).map_err(|e| {
            tracing::error!(error = %e, "district simulator could not save its state");
            Box::new(error(StatusCode::INTERNAL_SERVER_ERROR, "the simulator could not save its state"))
        })
    }

    fn set_down(&self, down: bool) {
        self.down.send_replace(down);
    }
}

/// A running simulator server. Dropping it stops the server.
pub struct SimServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for SimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServer").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl SimServer {
    /// Serve `sim` on `listener` until the server is dropped.
    pub fn start(listener: TcpListener, sim: SimDistrict, options: ServerOptions) -> io::Result<SimServer> {
        let addr = listener.local_addr()?;
        let (down, _) = watch::channel(false);
        let (listening, _) = watch::channel(true);
        let shared = Arc::new(Shared {
            sim,
            faults: Mutex::new(Faults::default()),
            down,
            listening,
            token: options.token,
            db: options.db,
            saving: Mutex::new(()),
            submitted: watch::channel(0).0,
        });
        let router = router(shared.clone());
        let task = tokio::spawn(accept_loop(listener, addr, shared.clone(), router));
        Ok(SimServer { addr, shared, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/`, the base URL a client is given.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The district behind the server (the same state `GET /sim/state` shows).
    pub fn sim(&self) -> &SimDistrict {
        &self.shared.sim
    }

    /// Switch faults; `down_secs` is ignored here (use [`Self::set_down`]).
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(&faults);
    }

    /// The faults still to fire.
    pub fn faults(&self) -> Faults {
        self.shared.current_faults()
    }

    /// Close the listener and every connection (`true`), or listen again;
    /// returns once the socket is closed or listening again.
    pub async fn set_down(&self, down: bool) {
        let mut listening = self.shared.listening.subscribe();
        self.shared.set_down(down);
        let _ = listening.wait_for(|l| *l != down).await;
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.task.abort();
        // Connections watch `down`: closing them too.
        self.shared.set_down(true);
    }
}

/// Accept connections; while down, hold no listening socket at all, so
/// connecting is refused as with a server that is off.
async fn accept_loop(listener: TcpListener, addr: SocketAddr, shared: Arc<Shared>, router: Router) {
    let mut listener = Some(listener);
    let mut down = shared.down.subscribe();
    loop {
        if *down.borrow_and_update() {
            listener = None;
            shared.listening.send_replace(false);
            if down.wait_for(|d| !*d).await.is_err() {
                return;
            }
            continue;
        }
        let Some(l) = &listener else {
            match TcpListener::bind(addr).await {
                Ok(l) => {
                    listener = Some(l);
                    shared.listening.send_replace(true);
                }
                Err(e) => {
                    tracing::warn!(error = %e, %addr, "district simulator cannot listen again; retrying");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            continue;
        };
        tokio::select! {
            accepted = l.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(connection(stream, router.clone(), shared.down.subscribe()));
                }
                Err(e) => tracing::warn!(error = %e, "district simulator accept failed"),
            },
            changed = down.changed() => if changed.is_err() { return },
        }
    }
}

/// Lets a handler close its own connection without answering.
#[derive(Clone)]
struct Hangup(Arc<Notify>);

async fn connection(stream: TcpStream, router: Router, mut down: watch::Receiver<bool>) {
    let hangup = Arc::new(Notify::new());
    let for_requests = hangup.clone();
    let is_down = down.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        let (router, hangup, down_now) = (router.clone(), for_requests.clone(), *is_down.borrow());
        async move {
            if down_now {
                // A request that slipped in as the server went down: no answer.
                hangup.notify_one();
                std::future::pending::<()>().await;
            }
            request.extensions_mut().insert(Hangup(hangup));
            router.oneshot(request).await
        }
    });
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        result = conn => if let Err(e) = result { tracing::debug!(error = %e, "simulator connection ended") },
        () = hangup.notified() => tracing::debug!("simulator dropped a connection on purpose"),
        _ = down.wait_for(|d| *d) => {},
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(api::AUTHENTICATE, post(authenticate))
        .route(&api::inventory_path("{kiosk_id}"), get(inventory))
        .route(api::EVENTS, post(events))
        .route(api::HEARTBEAT, post(heartbeat))
        .route("/covers/{name}", get(cover))
        .route("/sim/state", get(sim_state))
        .route("/sim/faults", get(get_faults).post(post_faults))
        .with_state(shared)
}

/// An answer that ends a handler early (boxed: a `Response` is large).
type Refusal = Box<Response>;

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(ErrorAnswer { error: message.into() })).into_response()
}

fn from_district(e: DistrictError) -> Response {
    match e {
        DistrictError::Unreachable(_) | DistrictError::Timeout => {
            error(StatusCode::SERVICE_UNAVAILABLE, "simulated district unavailable")
        }
        other => error(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
    }
}

/// JSON body for an answer, cut in half when the call drew `malformed`.
fn answer<T: Serialize>(status: StatusCode, value: &T, malformed: bool) -> Response {
    let mut body = match serde_json::to_vec(value) {
        Ok(b) => b,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    if malformed {
        body.truncate(body.len() / 2);
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Read a JSON body; a bad one is a `400` that says where it broke.
fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Refusal> {
    serde_json::from_slice(body).map_err(|e| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            format!("bad request body: {:?} error at line {} column {}", e.classify(), e.line(), e.column()),
        ))
    })
}

/// What every API call goes through: the token, then the faults it drew.
async fn gate(shared: &Shared, headers: &HeaderMap, batch: bool) -> Result<Drawn, Refusal> {
    if let Some(token) = &shared.token {
        let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        if given.and_then(|v| v.strip_prefix("Bearer ")) != Some(token.as_str()) {
            return Err(Box::new(error(StatusCode::UNAUTHORIZED, "missing or wrong device token")));
        }
    }
    let drawn = shared.draw(batch);
    if let Some(slow) = drawn.slow {
        tokio::time::sleep(slow).await;
    }
    if drawn.fail {
        return Err(Box::new(error(StatusCode::INTERNAL_SERVER_ERROR, "simulated server error")));
    }
    if let Some(secs) = drawn.busy {
        let mut response = error(StatusCode::SERVICE_UNAVAILABLE, "simulated busy server");
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Err(Box::new(response));
    }
    Ok(drawn)
}

async fn authenticate(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let drawn = match gate(&shared, &headers, false).await {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let request: AuthRequest = match parse(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let Some(credential) = request.credential.to_credential() else {
        return error(StatusCode::BAD_REQUEST, "malformed credential");
    };
    match shared.sim.authenticate(&credential, request.pin.as_deref()).await {
        Ok(a) => answer(StatusCode::OK, &a, drawn.malformed),
        Err(e) => from_district(e),
    }
}

async fn inventory(
    State(shared): State<Arc<Shared>>,
    UrlPath(kiosk_id): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let drawn = match gate(&shared, &headers, false).await {
        Ok(d) => d,
        Err(r) => return *r,
    };
    if kiosk_id != shared.sim.kiosk_id() {
        return error(StatusCode::NOT_FOUND, format!("no kiosk {kiosk_id:?} in this district"));
    }
    match shared.sim.inventory().await {
        Ok(inv) => answer(StatusCode::OK, &inv, drawn.malformed),
        Err(e) => from_district(e),
    }
}

async fn events(
    State(shared): State<Arc<Shared>>,
    hangup: Option<axum::Extension<Hangup>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let drawn = match gate(&shared, &headers, true).await {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let request: SubmitRequest = match parse(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    if request.events.len() > api::MAX_BATCH {
        return error(StatusCode::PAYLOAD_TOO_LARGE, format!("at most {} events per batch", api::MAX_BATCH));
    }
    let take = if drawn.partial { request.events.len().div_ceil(2) } else { request.events.len() };
    let results = match shared.sim.submit(&request.events[..take]).await {
        Ok(r) => r,
        Err(e) => return from_district(e),
    };
    if let Err(r) = shared.save() {
        return *r;
    }
    shared.submitted.send_modify(|n| *n += 1);
    if drawn.drop_after_apply
        && let Some(axum::Extension(Hangup(hangup))) = hangup
    {
        hangup.notify_one();
        // The connection task drops this future with the connection.
        std::future::pending::<()>().await;
    }
    answer(StatusCode::OK, &SubmitAnswer { results }, drawn.malformed)
}

async fn heartbeat(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = gate(&shared, &headers, false).await {
        return *r;
    }
    let health: Health = match parse(&body) {
        Ok(h) => h,
        Err(r) => return *r,
    };
    if let Err(e) = shared.sim.heartbeat(&health).await {
        return from_district(e);
    }
    if let Err(r) = shared.save() {
        return *r;
    }
    StatusCode::NO_CONTENT.into_response()
}

/// A demo cover: a plain colour picked from the name (the demo seed's
/// `cover_url`s are `covers/MP0001.png` …, relative to the server).
async fn cover(UrlPath(name): UrlPath<String>) -> Response {
    if super::covers::file_name(&name).as_deref() != Some(name.as_str()) || !name.ends_with(".png") {
        return error(StatusCode::NOT_FOUND, "no such cover");
    }
    let hash = name.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let [r, g, b, _] = hash.to_le_bytes();
    let png = match super::covers::placeholder_png(120, 180, [r | 0x40, g | 0x40, b | 0x40]) {
        Ok(png) => png,
        Err(e) => {
            tracing::warn!(error = %e, "cannot draw a demo cover");
            return error(StatusCode::INTERNAL_SERVER_ERROR, "cannot draw the cover");
        }
    };
    let mut response = Response::new(Body::from(png));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    response
}

/// Longest a `/sim/state?wait_for_events=N` may wait.
const MAX_STATE_WAIT: Duration = Duration::from_secs(60);

/// The district's state; with `?wait_for_events=N[&timeout_ms=T]`, answered
/// once it holds at least N distinct events (`504` with the state if T,
/// at most a minute, passes first), so a test across processes awaits the
/// delivery instead of polling.
async fn sim_state(State(shared): State<Arc<Shared>>, uri: axum::http::Uri) -> Response {
    let mut wait_for = None;
    let mut timeout = MAX_STATE_WAIT;
    for (key, value) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        match (key.as_ref(), value.parse::<u64>()) {
            ("wait_for_events", Ok(n)) => wait_for = Some(usize::try_from(n).unwrap_or(usize::MAX)),
            ("timeout_ms", Ok(ms)) => timeout = Duration::from_millis(ms).min(MAX_STATE_WAIT),
            (other, _) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("unknown or malformed query parameter {other:?}: expected wait_for_events=N, timeout_ms=T"),
                );
            }
        }
    }
    let Some(wanted) = wait_for else {
        return answer(StatusCode::OK, &shared.sim.state(), false);
    };
    let mut submitted = shared.submitted.subscribe();
    let enough = submitted.wait_for(|_| shared.sim.state().events.len() >= wanted);
    let status = match tokio::time::timeout(timeout, enough).await {
        Ok(Ok(_)) => StatusCode::OK,
        _ => StatusCode::GATEWAY_TIMEOUT,
    };
    answer(status, &shared.sim.state(), false)
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Response {
    answer(StatusCode::OK, &shared.current_faults(), false)
}

async fn post_faults(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let faults: Faults = match parse(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    shared.set_faults(&faults);
    if faults.down_secs > 0 {
        // Answer first, then go down; come back by ourselves.
        let shared = shared.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            shared.set_down(true);
            tokio::time::sleep(Duration::from_secs(faults.down_secs)).await;
            shared.set_down(false);
        });
    }
    answer(StatusCode::OK, &faults, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::district::seed::DEMO_KIOSK_ID;

    #[test]
    fn a_saved_sim_loads_back_and_a_broken_file_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sim.json");
        let fresh = load_sim(&path, DEMO_KIOSK_ID).unwrap();
        fresh.set_today("2026-12-31");
        save_sim(&path, &fresh).unwrap();
        let back = load_sim(&path, DEMO_KIOSK_ID).unwrap();
        assert_eq!(back.state(), fresh.state());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["sim.json"], "the temporary file was renamed");

        std::fs::write(&path, b"{ not json").unwrap();
        let err = load_sim(&path, DEMO_KIOSK_ID).unwrap_err();
        assert!(matches!(err, SimDbError::Parse { .. }));
        assert!(err.to_string().contains(&path.display().to_string()), "{err}");
    }

    #[test]
    fn faults_take_only_known_keys_and_count_down() {
        let faults: Faults = serde_json::from_str(r#"{"http_500": 2, "slow_ms": 5}"#).unwrap();
        assert_eq!((faults.http_500, faults.slow_ms, faults.partial), (2, 5, 0));
        assert!(serde_json::from_str::<Faults>(r#"{"http500": 2}"#).is_err());
        let mut n = 1;
        assert!(take(&mut n));
        assert!(!take(&mut n));
        assert_eq!(n, 0);
    }

    #[test]
    fn malformed_answers_are_cut_json() {
        let response = answer(StatusCode::OK, &serde_json::json!({"results": [1, 2, 3]}), true);
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }
}
