//! The district over SIP2 (3M Standard Interchange Protocol 2.00), which
//! most library systems speak to self-service machines: Koha, Evergreen,
//! FOLIO, Alma, Sierra, Symphony and others. `docs/sip2.md` describes the
//! backend, its exactly-once rule and the dialect settings.
//!
//! # Layout
//!
//! - [`frame`]: bytes ⇄ [`frame::Message`], `AY`/`AZ`, the terminator; pure.
//! - [`charset`]: UTF-8, EUC-KR/CP949, Windows-1252 at the frame's edge.
//! - [`messages`]: the requests the kiosk sends and the answers it reads.
//! - [`conn`]: one TCP (or TLS) connection, one request in flight, resends.
//! - [`client`]: the session: login 93 and status 99 on every connection,
//!   reconnect with back-off, keep-alive.
//! - [`catalogue`]: what belongs to this kiosk, SIP2 having no such list.
//! - [`dialect`]: what differs between library systems.
//! - [`backend`]: [`Sip2District`], the [`super::District`] over all this.
//!
//! The `sip2` crate (Evergreen's) is not used: its connection blocks on
//! `std::net` (the engine's task must not), it reads text as UTF-8 only
//! (each 256-byte read decoded on its own, so a character cut between
//! reads fails) and it logs whole messages, patron ids included, at info.

pub mod backend;
pub mod catalogue;
pub mod charset;
pub mod client;
pub mod conn;
pub mod dialect;
pub mod frame;
pub mod messages;

pub use backend::{Sip2District, Sip2Settings};
pub use charset::Charset;
pub use dialect::{Dialect, DialectName, DialectOverrides};

use std::path::Path;
use std::sync::Arc;

/// Why TLS cannot be set up; names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("the CA file {path}: {reason}")]
    CaFile { path: std::path::PathBuf, reason: String },
    #[error("no system CA certificates could be loaded: {0}")]
    NoRoots(String),
    #[error("cannot build the TLS client: {0}")]
    Config(String),
}

/// A TLS client config trusting the CAs in `ca_pem` (PEM, pinned), or the
/// system's roots when `None`.
pub fn tls_config(ca_pem: Option<(&Path, &[u8])>) -> Result<Arc<tokio_rustls::rustls::ClientConfig>, TlsSetupError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    match ca_pem {
        Some((path, pem)) => {
            let bad = |reason: String| TlsSetupError::CaFile { path: path.to_owned(), reason };
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| bad(format!("not PEM certificates: {e}")))?;
                roots.add(cert).map_err(|e| bad(e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(bad("holds no certificate".into()));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                // One unreadable system certificate does not stop the rest.
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err(TlsSetupError::NoRoots(format!("{:?}", found.errors)));
            }
        }
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsSetupError::Config(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
