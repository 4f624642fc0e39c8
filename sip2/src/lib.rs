//! SIP2 (3M Standard Interchange Protocol 2.00), which most library
//! systems speak to self-service machines: Koha, Evergreen, FOLIO, Alma,
//! Sierra, Symphony and others. The codec, one connection and the session,
//! with no kiosk types in them: the kiosk's SIP2 backend uses them today,
//! the district server's upstream tomorrow. `docs/sip2.md` describes the
//! protocol as Bookstation speaks it.
//!
//! # Layout
//!
//! - [`frame`]: bytes ⇄ [`frame::Message`], `AY`/`AZ`, the terminator; pure.
//! - [`charset`]: UTF-8, EUC-KR/CP949, Windows-1252 at the frame's edge,
//!   every text read in NFC.
//! - [`messages`]: the requests a self-service machine sends and the
//!   answers it reads.
//! - [`conn`]: one TCP (or TLS) connection, one request in flight, resends.
//! - [`client`]: the session: login 93 and status 99 on every connection,
//!   reconnect with back-off, keep-alive.
//! - [`dialect`]: what differs between library systems.
//!
//! The `sip2` crate (Evergreen's) is not used: its connection blocks on
//! `std::net` (an async task must not), it reads text as UTF-8 only (each
//! 256-byte read decoded on its own, so a character cut between reads
//! fails) and it logs whole messages, patron ids included, at info.

pub mod charset;
pub mod client;
pub mod conn;
pub mod dialect;
pub mod frame;
pub mod messages;

pub use charset::Charset;
pub use dialect::{Dialect, DialectName, DialectOverrides};

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// `text` in NFC; borrowed when it already is. Every text a library system
/// sends is read this way, so a title typed in decomposed Hangul matches.
fn nfc(text: &str) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    }
}

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
