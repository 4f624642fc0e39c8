//! [`HttpDistrict`]: the district server over HTTPS (reqwest on rustls with
//! the ring provider; no OpenSSL). Every call has a timeout; the device's
//! bearer token goes with every call; plain HTTP is refused except to a
//! loopback address (the simulator on the same machine); the server's
//! certificate may be pinned to one CA file instead of the system's roots.
//!
//! Failures become [`DistrictError`]s the engine and the sync worker branch
//! on: no connection or a dropped one is `Unreachable`, no answer in time is
//! `Timeout` (both mean "offline"), 429/503 is `Busy` with the server's
//! `Retry-After`, other non-2xx answers are `Server`, and a body that does
//! not parse is `BadAnswer`. No message ever quotes a body: it may hold a
//! patron's data.

use super::api::{self, AuthRequest, SubmitAnswer, SubmitRequest, WireCredential};
use super::{AuthAnswer, District, DistrictError, EventResult, Health, Inventory, ReturnHere, SubmittedEvent};
use crate::domain::{Credential, ItemId, Secret};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

/// What the client needs; built from `[district]` by the daemon.
#[derive(Clone)]
pub struct HttpSettings {
    /// The server's base URL (`https://district.example/`); paths from
    /// [`api`] are joined to it.
    pub url: String,
    /// The device's bearer token, from [`read_token_file`].
    pub token: String,
    /// PEM of the one CA the server's certificate must chain to; `None`
    /// trusts the system's roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Upper bound on each call, connecting included.
    pub timeout: Duration,
    /// This kiosk, sent with every request.
    pub kiosk_id: String,
}

impl fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSettings")
            .field("url", &self.url)
            .field("token", &"<redacted>")
            .field("ca_pem", &self.ca_pem.as_ref().map(|_| "<pinned>"))
            .field("timeout", &self.timeout)
            .field("kiosk_id", &self.kiosk_id)
            .finish()
    }
}

/// Why the client cannot be set up. Each names the file or the URL, since
/// it stops the daemon at start-up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("district.url {url:?} is not a URL: {reason}")]
    BadUrl { url: String, reason: String },
    #[error(
        "district.url {url:?} uses plain HTTP to a host that is not loopback; use https:// (plain HTTP is only for a simulator on this machine)"
    )]
    NotHttps { url: String },
    #[error("cannot read the token file {path}: {source}")]
    TokenRead { path: PathBuf, source: std::io::Error },
    #[error(
        "the token file {path} is readable by group or others (mode {mode:o}); run `chmod 600 {path}` and make it owned by the daemon's user"
    )]
    TokenPermissions { path: PathBuf, mode: u32 },
    #[error("the token file {path} is empty or not one line of printable text")]
    TokenEmpty { path: PathBuf },
    #[error("the CA file {path}: {reason}")]
    CaFile { path: PathBuf, reason: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// Check a district URL: it parses, and it is `https`, or `http` to a
/// loopback address (`localhost`, `127.0.0.0/8`, `::1`).
pub fn check_url(url: &str) -> Result<Url, SetupError> {
    let parsed = Url::parse(url).map_err(|e| SetupError::BadUrl { url: url.to_owned(), reason: e.to_string() })?;
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        "http" => return Err(SetupError::NotHttps { url: url.to_owned() }),
        other => {
            return Err(SetupError::BadUrl { url: url.to_owned(), reason: format!("scheme {other:?} is not https") });
        }
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(SetupError::BadUrl { url: url.to_owned(), reason: "no host".into() });
    }
    Ok(parsed)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Read the device token: one line, from a file nobody but its owner may
/// read (mode `0600` or stricter). A wider file is refused, naming it.
pub fn read_token_file(path: &Path) -> Result<String, SetupError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| SetupError::TokenRead { path: path.to_owned(), source })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(SetupError::TokenPermissions { path: path.to_owned(), mode });
    }
    let text =
        std::fs::read_to_string(path).map_err(|source| SetupError::TokenRead { path: path.to_owned(), source })?;
    let token = text.trim();
    if token.is_empty() || token.lines().count() != 1 || !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(SetupError::TokenEmpty { path: path.to_owned() });
    }
    Ok(token.to_owned())
}

/// Read a pinned CA file (PEM, one or more certificates).
pub fn read_ca_file(path: &Path) -> Result<Vec<u8>, SetupError> {
    let pem = std::fs::read(path).map_err(|e| SetupError::CaFile { path: path.to_owned(), reason: e.to_string() })?;
    reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| SetupError::CaFile { path: path.to_owned(), reason: format!("not PEM certificates: {e}") })
        .and_then(|certs| {
            if certs.is_empty() {
                Err(SetupError::CaFile { path: path.to_owned(), reason: "holds no certificate".into() })
            } else {
                Ok(pem)
            }
        })
}

/// reqwest is built without a default crypto provider (to keep aws-lc and
/// its C build out); ring is installed once for the process. Call it before
/// building any other reqwest client (tests, benchmarks).
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another part of the process may have installed one first; fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The district over HTTP(S).
pub struct HttpDistrict {
    client: reqwest::Client,
    /// Checked base URL.
    base: Url,
    /// Bearer token; never logged.
    token: String,
    kiosk_id: String,
}

impl fmt::Debug for HttpDistrict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpDistrict").field("base", &self.base.as_str()).finish_non_exhaustive()
    }
}

impl HttpDistrict {
    pub fn new(settings: HttpSettings) -> Result<Self, SetupError> {
        install_crypto_provider();
        let base = check_url(&settings.url)?;
        let mut builder = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .no_proxy()
            .user_agent(concat!("bookstation/", env!("CARGO_PKG_VERSION")))
            .https_only(base.scheme() == "https");
        builder = match (&settings.ca_pem, base.scheme()) {
            (Some(pem), _) => {
                let certs =
                    reqwest::Certificate::from_pem_bundle(pem).map_err(|e| SetupError::Client(e.to_string()))?;
                builder.tls_certs_only(certs)
            }
            // Plain HTTP to loopback: no TLS, so no system roots to load.
            (None, "http") => builder.tls_certs_only([]),
            (None, _) => builder,
        };
        let client = builder.build().map_err(|e| SetupError::Client(e.to_string()))?;
        Ok(Self { client, base, token: settings.token, kiosk_id: settings.kiosk_id })
    }

    fn url(&self, path: &str) -> Result<Url, DistrictError> {
        self.base.join(path).map_err(|e| DistrictError::BadAnswer(format!("cannot build the URL for {path}: {e}")))
    }

    /// A cover image: `url` as the inventory gave it, relative ones resolved
    /// against the server's URL. The same HTTPS rule applies; the device
    /// token goes only to the district's own host. At most
    /// [`super::covers::MAX_COVER_BYTES`].
    pub async fn cover(&self, url: &str) -> Result<Vec<u8>, DistrictError> {
        let full = self.base.join(url).map_err(|e| DistrictError::BadAnswer(format!("cover URL: {e}")))?;
        check_url(full.as_str()).map_err(|e| DistrictError::BadAnswer(e.to_string()))?;
        let own = full.origin() == self.base.origin();
        let request = self.client.get(full);
        let request = if own { request.bearer_auth(&self.token) } else { request };
        let response = self.check(request.send().await.map_err(transport_error)?)?;
        read_body(response, super::covers::MAX_COVER_BYTES, "cover").await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, DistrictError> {
        let response = request.bearer_auth(&self.token).send().await.map_err(transport_error)?;
        self.check(response)
    }

    /// A 2xx answer, or the error its status means.
    fn check(&self, response: reqwest::Response) -> Result<reqwest::Response, DistrictError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            return Err(DistrictError::Busy { retry_after: retry_after(response.headers()) });
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(DistrictError::Server(format!(
                "HTTP {status}: the district refused the device token; check district.token_file"
            )));
        }
        Err(DistrictError::Server(format!("HTTP {status}")))
    }

    async fn json<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, DistrictError> {
        let response = self.send(request).await?;
        let body = read_body(response, MAX_ANSWER_BYTES, "answer").await?;
        api::parse_answer(&body)
    }
}

/// Largest answer body read from the district: an inventory of a few
/// hundred copies is some 100 KiB.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// An answer's body, at most `limit` bytes. A longer one is refused as soon
/// as it passes the limit, not read to its end: a server (or a cover's
/// host, which may be anyone's) that sends without end costs `limit` bytes.
async fn read_body(mut response: reqwest::Response, limit: usize, what: &str) -> Result<Vec<u8>, DistrictError> {
    let too_large = || DistrictError::BadAnswer(format!("{what} larger than {limit} bytes"));
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A failure before any answer: timeouts are `Timeout`; anything else
/// (refused, reset, dropped mid-answer) is `Unreachable`.
fn transport_error(e: reqwest::Error) -> DistrictError {
    if e.is_timeout() {
        DistrictError::Timeout
    } else if e.is_decode() {
        DistrictError::BadAnswer("the answer's body could not be read".into())
    } else {
        // The URL is the server's, not a patron's; the source chain says why.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        DistrictError::Unreachable(message)
    }
}

/// `Retry-After` in seconds; the HTTP-date form is not used by district
/// servers we know and is ignored (the kiosk's own back-off applies).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[async_trait::async_trait]
impl District for HttpDistrict {
    async fn authenticate(&self, credential: &Credential, pin: Option<&Secret>) -> Result<AuthAnswer, DistrictError> {
        let body = AuthRequest {
            kiosk_id: self.kiosk_id.clone(),
            credential: WireCredential::from(credential),
            pin: pin.cloned(),
        };
        self.json(self.client.post(self.url(api::AUTHENTICATE)?).json(&body)).await
    }

    async fn inventory(&self) -> Result<Inventory, DistrictError> {
        self.json(self.client.get(self.url(&api::inventory_path(&self.kiosk_id))?)).await
    }

    async fn submit(&self, batch: &[SubmittedEvent]) -> Result<Vec<EventResult>, DistrictError> {
        let body = SubmitRequest { kiosk_id: self.kiosk_id.clone(), events: batch.to_vec() };
        let answer: SubmitAnswer = self.json(self.client.post(self.url(api::EVENTS)?).json(&body)).await?;
        Ok(answer.results)
    }

    async fn heartbeat(&self, health: &Health) -> Result<(), DistrictError> {
        let response = self.send(self.client.post(self.url(api::HEARTBEAT)?).json(health)).await?;
        // Read the (empty) body so the connection goes back to the pool.
        read_body(response, MAX_ANSWER_BYTES, "heartbeat answer").await?;
        Ok(())
    }

    /// A district that predates the call answers 404: it takes no other
    /// library's book back here.
    async fn return_here(&self, item: &ItemId) -> Result<ReturnHere, DistrictError> {
        let body = api::ReturnHereRequest { kiosk_id: self.kiosk_id.clone(), item_id: item.clone() };
        let request = self.client.post(self.url(api::RETURN_HERE)?).json(&body).bearer_auth(&self.token);
        let response = request.send().await.map_err(transport_error)?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(ReturnHere::Refused { library: None });
        }
        let body = read_body(self.check(response)?, MAX_ANSWER_BYTES, "answer").await?;
        api::parse_answer(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn https_everywhere_but_loopback() {
        assert!(check_url("https://district.example/").is_ok());
        assert!(check_url("http://127.0.0.1:8700/").is_ok());
        assert!(check_url("http://127.1.2.3/").is_ok());
        assert!(check_url("http://localhost:8700").is_ok());
        assert!(check_url("http://[::1]:8700/").is_ok());
        assert!(matches!(check_url("http://district.example/"), Err(SetupError::NotHttps { .. })));
        assert!(matches!(check_url("http://10.0.0.1/"), Err(SetupError::NotHttps { .. })));
        assert!(matches!(check_url("ftp://district.example/"), Err(SetupError::BadUrl { .. })));
        assert!(matches!(check_url("not a url"), Err(SetupError::BadUrl { .. })));
    }

    #[test]
    fn the_token_file_must_be_private_and_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "s3cret-token\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = read_token_file(&path).unwrap_err();
        assert!(matches!(err, SetupError::TokenPermissions { mode: 0o644, .. }), "{err}");
        assert!(err.to_string().contains(&path.display().to_string()));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_token_file(&path).unwrap(), "s3cret-token");
        std::fs::write(&path, "\n").unwrap();
        assert!(matches!(read_token_file(&path), Err(SetupError::TokenEmpty { .. })));
        std::fs::write(&path, "two\nlines\n").unwrap();
        assert!(matches!(read_token_file(&path), Err(SetupError::TokenEmpty { .. })));
        assert!(matches!(read_token_file(&dir.path().join("missing")), Err(SetupError::TokenRead { .. })));
    }

    #[test]
    fn a_ca_file_must_hold_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        assert!(matches!(read_ca_file(&path), Err(SetupError::CaFile { .. })));
    }

    #[test]
    fn settings_never_print_the_token() {
        let s = HttpSettings {
            url: "https://d.example/".into(),
            token: "s3cret".into(),
            ca_pem: None,
            timeout: Duration::from_secs(1),
            kiosk_id: "K".into(),
        };
        assert!(!format!("{s:?}").contains("s3cret"));
    }

    /// A server on loopback that answers every request with `200` and a
    /// chunked body of `chunks` MiB of spaces that never ends: the last
    /// chunk is never sent, the connection stays open.
    async fn endless_server(chunks: usize) -> (String, tokio::task::JoinHandle<()>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.is_ok_and(|n| n == 1) {
                        head.push(byte[0]);
                    }
                    let start =
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                    if stream.write_all(start.as_bytes()).await.is_err() {
                        return;
                    }
                    let chunk =
                        [format!("{:x}\r\n", 1 << 20).into_bytes(), vec![b' '; 1 << 20], b"\r\n".to_vec()].concat();
                    for _ in 0..chunks {
                        if stream.write_all(&chunk).await.is_err() {
                            return;
                        }
                    }
                    // Hold the connection open, the body unfinished, until the client goes.
                    let _ = stream.read(&mut byte).await;
                });
            }
        });
        (url, task)
    }

    #[tokio::test]
    async fn an_endless_answer_is_refused_at_the_limit_not_read_to_its_end() {
        let (url, server) = endless_server(MAX_ANSWER_BYTES / (1 << 20) + 1).await;
        let district = HttpDistrict::new(HttpSettings {
            url,
            token: "t".into(),
            ca_pem: None,
            // Long: an unbounded read waits for an end that never comes, and fails as a timeout.
            timeout: Duration::from_secs(20),
            kiosk_id: "K".into(),
        })
        .unwrap();
        let err = district.inventory().await.unwrap_err();
        assert!(matches!(&err, DistrictError::BadAnswer(m) if m.contains("larger than")), "{err:?}");
        let err = district.cover("covers/MP0001.png").await.unwrap_err();
        assert!(matches!(&err, DistrictError::BadAnswer(m) if m.contains("cover larger than")), "{err:?}");
        server.abort();
    }

    #[test]
    fn retry_after_seconds_are_read_and_dates_ignored() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(120)));
        h.insert(reqwest::header::RETRY_AFTER, "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
