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
//! One file per job:
//! - `routes.rs`: the router and its handlers (the API, `/sim/state`,
//!   `/sim/faults`, the demo covers);
//! - `faults.rs`: the fault switches and what each call draws from them;
//! - `listener.rs`: the hand-written accept loop and connections, for the
//!   faults below HTTP (down, a dropped connection);
//! - `persist.rs`: the `--db` file, saved after every change before the
//!   answer goes out, so a restarted simulator still knows every event id.

mod faults;
mod listener;
mod persist;
mod routes;

pub use faults::Faults;
pub use persist::{SimDbError, load_sim, load_sim_or};

use crate::SimDistrict;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How the server is set up.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// When set, API calls must carry `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Where the simulator's state is saved after every change.
    pub db: Option<PathBuf>,
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

impl Shared {
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
        let router = routes::router(shared.clone());
        let task = tokio::spawn(listener::accept_loop(listener, addr, shared.clone(), router));
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
        self.shared.set_down(down);
        self.wait_listening(!down).await;
    }

    /// Returns once the server holds a listening socket (`true`) or holds
    /// none (`false`): after `down_secs` asked over HTTP, say.
    pub async fn wait_listening(&self, listening: bool) {
        let _ = self.shared.listening.subscribe().wait_for(|l| *l == listening).await;
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.task.abort();
        // Connections watch `down`: closing them too.
        self.shared.set_down(true);
    }
}
