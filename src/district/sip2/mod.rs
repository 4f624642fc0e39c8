//! The district over SIP2 (3M Standard Interchange Protocol 2.00), which
//! most library systems speak to self-service machines: Koha, Evergreen,
//! FOLIO, Alma, Sierra, Symphony and others. `docs/sip2.md` describes the
//! backend, its exactly-once rule and the dialect settings.
//!
//! # Layout
//!
//! The protocol itself (frames, character sets, messages, one connection,
//! the session, dialects) is the workspace's `bookstation-sip2` crate
//! (`sip2/`), which knows nothing of the kiosk; its modules are re-exported
//! here under their old names. This module is the kiosk's adapter:
//!
//! - [`catalogue`]: what belongs to this kiosk, SIP2 having no such list.
//! - [`backend`]: [`Sip2District`], the [`super::District`] over the crate.

pub mod backend;
pub mod catalogue;

pub use backend::{Sip2District, Sip2Settings};
pub use bookstation_sip2::{
    Charset, Dialect, DialectName, DialectOverrides, TlsSetupError, charset, client, conn, dialect, frame, messages,
    tls_config,
};
