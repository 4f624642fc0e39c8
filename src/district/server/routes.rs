//! The routes: the API of `docs/district-api.md` (behind the device token
//! and the faults each call draws) and the simulator's own `/sim/state`,
//! `/sim/faults` and `/covers/{name}.png`.

use super::Shared;
use super::faults::{Drawn, Faults};
use super::listener::Hangup;
use crate::district::api::{self, AuthRequest, ErrorAnswer, SubmitAnswer, SubmitRequest};
use crate::district::{District, DistrictError, Health};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

pub(super) fn router(shared: Arc<Shared>) -> Router {
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

/// Save after a change; a failed save is a `500` (and a log line).
fn save(shared: &Shared) -> Result<(), Refusal> {
    shared.save().map_err(|e| {
        tracing::error!(error = %e, "district simulator could not save its state");
        Box::new(error(StatusCode::INTERNAL_SERVER_ERROR, "the simulator could not save its state"))
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
    if let Err(r) = save(&shared) {
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
    if let Err(r) = save(&shared) {
        return *r;
    }
    StatusCode::NO_CONTENT.into_response()
}

/// A demo cover: a plain colour picked from the name (the demo seed's
/// `cover_url`s are `covers/MP0001.png` …, relative to the server).
async fn cover(UrlPath(name): UrlPath<String>) -> Response {
    if crate::district::covers::file_name(&name).as_deref() != Some(name.as_str()) || !name.ends_with(".png") {
        return error(StatusCode::NOT_FOUND, "no such cover");
    }
    let hash = name.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let [r, g, b, _] = hash.to_le_bytes();
    let png = match crate::district::covers::placeholder_png(120, 180, [r | 0x40, g | 0x40, b | 0x40]) {
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

    #[test]
    fn malformed_answers_are_cut_json() {
        let response = answer(StatusCode::OK, &serde_json::json!({"results": [1, 2, 3]}), true);
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }
}
