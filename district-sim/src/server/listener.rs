//! The accept loop, written by hand (hyper's HTTP/1 connection with the
//! axum router as its service) because two faults act below HTTP: "down"
//! closes the listening socket and every open connection, and "drop after
//! apply" closes one connection in the middle of a request. "Down for N
//! seconds" asked over HTTP goes down only once its answer is written
//! ([`DownAfterAnswer`]).

use super::Shared;
use axum::Router;
use axum::http::{HeaderValue, Request, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
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
                    tokio::spawn(connection(stream, router.clone(), shared.clone()));
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

/// Put on an answer by a handler: the server goes down for this long once
/// the answer is written. The answer goes out with `Connection: close`, so
/// hyper ends the connection after writing and flushing it; only then does
/// the connection task take the server down (`POST /sim/faults` with
/// `down_secs`: the caller gets its answer, then connections are refused).
#[derive(Debug, Clone, Copy)]
pub(super) struct DownAfterAnswer(pub(super) Duration);

async fn connection(stream: TcpStream, router: Router, shared: Arc<Shared>) {
    let mut down = shared.down.subscribe();
    let hangup = Arc::new(Notify::new());
    // Set by the answer that carries a `DownAfterAnswer`: its connection's last.
    let down_after = Arc::new(OnceLock::new());
    let (for_requests, for_answers, is_down) = (hangup.clone(), down_after.clone(), down.clone());
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        let (router, hangup, down_after) = (router.clone(), for_requests.clone(), for_answers.clone());
        let down_now = *is_down.borrow();
        async move {
            if down_now {
                // A request that slipped in as the server went down: no answer.
                hangup.notify_one();
                std::future::pending::<()>().await;
            }
            request.extensions_mut().insert(Hangup(hangup));
            let mut response = router.oneshot(request).await?;
            if let Some(DownAfterAnswer(period)) = response.extensions_mut().remove() {
                response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                let _ = down_after.set(period);
            }
            Ok::<_, Infallible>(response)
        }
    });
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    let ended = tokio::select! {
        result = conn => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "simulator connection ended");
            }
            true
        }
        () = hangup.notified() => {
            tracing::debug!("simulator dropped a connection on purpose");
            false
        }
        _ = down.wait_for(|d| *d) => false,
    };
    // The answer asking for it is written and the connection closed: go
    // down now, and come back by ourselves.
    if ended && let Some(&period) = down_after.get() {
        shared.set_down(true);
        tokio::time::sleep(period).await;
        shared.set_down(false);
    }
}
