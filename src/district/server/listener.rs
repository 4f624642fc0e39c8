//! The accept loop, written by hand (hyper's HTTP/1 connection with the
//! axum router as its service) because two faults act below HTTP: "down"
//! closes the listening socket and every open connection, and "drop after
//! apply" closes one connection in the middle of a request.

use super::Shared;
use axum::Router;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

/// Accept connections; while down, hold no listening socket at all, so
/// connecting is refused as with a server that is off.
pub(super) async fn accept_loop(listener: TcpListener, addr: SocketAddr, shared: Arc<Shared>, router: Router) {
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
pub(super) struct Hangup(pub(super) Arc<Notify>);

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
