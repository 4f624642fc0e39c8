//! The routes: the API of `docs/district-api.md` (behind the device token
//! and the faults each call draws) and the simulator's own `/sim/state`,
//! `/sim/faults` and `/covers/{name}.png`.
//!
//! Bodies and queries come through axum's own `Json` and `Query`
//! extractors; their rejections become [`ApiError`]s, so a bad request is
//! answered in the API's error format (`{"error": "..."}`) like any other
//! error.

use super::Shared;
use super::faults::{Drawn, Faults};
use super::listener::{DownAfterAnswer, Hangup};
use crate::SimFailure;
use axum::body::Body;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Extension, FromRequest, FromRequestParts, Path as UrlPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bookstation_district_api::Health;
use bookstation_district_api::wire::{self as api, AuthRequest, ErrorAnswer, SubmitAnswer, SubmitRequest};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    // The API: every call passes the gate (token, faults) before its handler.
    let api = Router::new()
        .route(api::AUTHENTICATE, post(authenticate))
        .route(&api::inventory_path("{kiosk_id}"), get(inventory))
        .route(api::EVENTS, post(events))
        .route(api::HEARTBEAT, post(heartbeat))
        .route(api::RETURN_HERE, post(return_here))
        .route_layer(middleware::from_fn_with_state(shared.clone(), gate));
    Router::new()
        .merge(api)
        .route("/covers/{name}", get(cover))
        .route("/sim/state", get(sim_state))
        .route("/sim/faults", get(get_faults).post(post_faults))
        .with_state(shared)
}

/// An error answer as `docs/district-api.md` has them: a status and
/// `{"error": "words for the log"}` (with `Retry-After` when busy). It is
/// also what the extractors below reject a request with.
#[derive(Debug)]
pub(super) struct ApiError {
    status: StatusCode,
    message: String,
    /// `busy`: the seconds the kiosk is asked to wait.
    retry_after_secs: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), retry_after_secs: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(ErrorAnswer { error: self.message })).into_response();
        if let Some(secs) = self.retry_after_secs {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    /// A body that is not JSON, or not the JSON expected, is a `400` that
    /// says where it broke, never what it held (serde's own message may
    /// quote a member number or a PIN); other rejections (no JSON
    /// `Content-Type`, a body too large) keep axum's status and words.
    fn from(rejection: JsonRejection) -> Self {
        match &rejection {
            JsonRejection::JsonDataError(_) | JsonRejection::JsonSyntaxError(_) => {
                let at = serde_json_error(&rejection).map_or_else(
                    || "not the JSON expected".to_owned(),
                    |e| format!("{:?} error at line {} column {}", e.classify(), e.line(), e.column()),
                );
                ApiError::new(StatusCode::BAD_REQUEST, format!("bad request body: {at}"))
            }
            _ => ApiError::new(rejection.status(), rejection.body_text()),
        }
    }
}

/// The serde_json error behind a JSON rejection, for its position.
fn serde_json_error(rejection: &JsonRejection) -> Option<&serde_json::Error> {
    let mut cause = std::error::Error::source(rejection);
    while let Some(e) = cause {
        if let Some(e) = e.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>() {
            return Some(e.inner());
        }
        if let Some(e) = e.downcast_ref::<serde_json::Error>() {
            return Some(e);
        }
        cause = e.source();
    }
    None
}

impl From<QueryRejection> for ApiError {
    /// A query's words quote only the parameter's name or value, which
    /// names no patron (the simulator's queries are counts and times).
    fn from(rejection: QueryRejection) -> Self {
        ApiError::new(rejection.status(), rejection.body_text())
    }
}

impl From<SimFailure> for ApiError {
    fn from(e: SimFailure) -> Self {
        match e {
            SimFailure::Unreachable => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "simulated district unavailable"),
            SimFailure::Server => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        }
    }
}

/// axum's `Json` extractor, rejecting with an [`ApiError`].
#[derive(FromRequest)]
#[from_request(via(Json), rejection(ApiError))]
struct ApiJson<T>(T);

/// axum's `Query` extractor, rejecting with an [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
struct ApiQuery<T>(T);

/// JSON body for an answer, cut in half when the call drew `malformed`.
fn answer<T: Serialize>(status: StatusCode, value: &T, malformed: bool) -> Response {
    let mut body = match serde_json::to_vec(value) {
        Ok(b) => b,
        Err(e) => return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    if malformed {
        body.truncate(body.len() / 2);
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Save after a change; a failed save is a `500` (and a log line).
fn save(shared: &Shared) -> Result<(), ApiError> {
    shared.save().map_err(|e| {
        tracing::error!(error = %e, "district simulator could not save its state");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the simulator could not save its state")
    })
}

/// What every API call goes through before its handler reads the request:
/// the token, then the faults it draws (an event batch draws the batch
/// faults too). The draw goes on to the handler as a request extension.
async fn gate(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Result<Response, ApiError> {
    if let Some(token) = &shared.token {
        let given = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        if given.and_then(|v| v.strip_prefix("Bearer ")) != Some(token.as_str()) {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "missing or wrong device token"));
        }
    }
    let drawn = shared.draw(request.uri().path() == api::EVENTS);
    if let Some(slow) = drawn.slow {
        tokio::time::sleep(slow).await;
    }
    if drawn.fail {
        return Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "simulated server error"));
    }
    if let Some(secs) = drawn.busy {
        let busy = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "simulated busy server");
        return Err(ApiError { retry_after_secs: Some(secs), ..busy });
    }
    request.extensions_mut().insert(drawn);
    Ok(next.run(request).await)
}

async fn authenticate(
    State(shared): State<Arc<Shared>>,
    Extension(drawn): Extension<Drawn>,
    ApiJson(request): ApiJson<AuthRequest>,
) -> Result<Response, ApiError> {
    let Some(credential) = request.credential.to_credential() else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "malformed credential"));
    };
    let auth = shared.sim.authenticate(&credential, request.pin.as_deref()).await?;
    Ok(answer(StatusCode::OK, &auth, drawn.malformed))
}

async fn return_here(
    State(shared): State<Arc<Shared>>,
    Extension(drawn): Extension<Drawn>,
    ApiJson(request): ApiJson<api::ReturnHereRequest>,
) -> Result<Response, ApiError> {
    let verdict = shared.sim.return_here(&request.item_id).await?;
    Ok(answer(StatusCode::OK, &verdict, drawn.malformed))
}

async fn inventory(
    State(shared): State<Arc<Shared>>,
    Extension(drawn): Extension<Drawn>,
    UrlPath(kiosk_id): UrlPath<String>,
) -> Result<Response, ApiError> {
    if kiosk_id != shared.sim.kiosk_id() {
        return Err(ApiError::new(StatusCode::NOT_FOUND, format!("no kiosk {kiosk_id:?} in this district")));
    }
    let inventory = shared.sim.inventory().await?;
    Ok(answer(StatusCode::OK, &inventory, drawn.malformed))
}

async fn events(
    State(shared): State<Arc<Shared>>,
    Extension(drawn): Extension<Drawn>,
    hangup: Option<Extension<Hangup>>,
    ApiJson(request): ApiJson<SubmitRequest>,
) -> Result<Response, ApiError> {
    if request.events.len() > api::MAX_BATCH {
        let message = format!("at most {} events per batch", api::MAX_BATCH);
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, message));
    }
    let take = if drawn.partial { request.events.len().div_ceil(2) } else { request.events.len() };
    let results = shared.sim.submit(&request.events[..take]).await?;
    save(&shared)?;
    shared.submitted.send_modify(|n| *n += 1);
    if drawn.drop_after_apply
        && let Some(Extension(Hangup(hangup))) = hangup
    {
        hangup.notify_one();
        // The connection task drops this future with the connection.
        std::future::pending::<()>().await;
    }
    Ok(answer(StatusCode::OK, &SubmitAnswer { results }, drawn.malformed))
}

async fn heartbeat(
    State(shared): State<Arc<Shared>>,
    ApiJson(health): ApiJson<Health>,
) -> Result<StatusCode, ApiError> {
    shared.sim.heartbeat(&health).await?;
    save(&shared)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A demo cover: a plain colour picked from the name (the demo seed's
/// `cover_url`s are `covers/MP0001.png` …, relative to the server).
async fn cover(UrlPath(name): UrlPath<String>) -> Result<Response, ApiError> {
    if !crate::covers::is_plain_png_name(&name) {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "no such cover"));
    }
    let hash = name.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let [r, g, b, _] = hash.to_le_bytes();
    let png = crate::covers::placeholder_png(120, 180, [r | 0x40, g | 0x40, b | 0x40]).map_err(|e| {
        tracing::warn!(error = %e, "cannot draw a demo cover");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "cannot draw the cover")
    })?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("image/png"))], png).into_response())
}

/// Longest a `/sim/state?wait_for_events=N` may wait.
const MAX_STATE_WAIT: Duration = Duration::from_secs(60);

/// `/sim/state`'s query; any other parameter is refused by name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateQuery {
    /// Answer once the district holds at least this many distinct events.
    wait_for_events: Option<u64>,
    /// How long to wait for them (at most [`MAX_STATE_WAIT`], the default).
    timeout_ms: Option<u64>,
}

/// The district's state; with `?wait_for_events=N[&timeout_ms=T]`, answered
/// once it holds at least N distinct events (`504` with the state if T,
/// at most a minute, passes first), so a test across processes awaits the
/// delivery instead of polling.
async fn sim_state(State(shared): State<Arc<Shared>>, ApiQuery(query): ApiQuery<StateQuery>) -> Response {
    let Some(wanted) = query.wait_for_events else {
        return answer(StatusCode::OK, &shared.sim.state(), false);
    };
    let wanted = usize::try_from(wanted).unwrap_or(usize::MAX);
    let timeout = query.timeout_ms.map_or(MAX_STATE_WAIT, |ms| Duration::from_millis(ms).min(MAX_STATE_WAIT));
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

/// Switch the faults. `down_secs` goes down once this answer is written
/// (the listener acts on [`DownAfterAnswer`]), and comes back by itself.
async fn post_faults(State(shared): State<Arc<Shared>>, ApiJson(faults): ApiJson<Faults>) -> Response {
    shared.set_faults(&faults);
    let mut response = answer(StatusCode::OK, &faults, false);
    if faults.down_secs > 0 {
        response.extensions_mut().insert(DownAfterAnswer(Duration::from_secs(faults.down_secs)));
    }
    response
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
