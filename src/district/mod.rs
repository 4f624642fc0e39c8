//! The district library server, as the kiosk sees it: one [`District`] trait
//! and its backends. The types that cross it are the district API's
//! (`bookstation-district-api`, re-exported here): plain serde data, the
//! same the HTTP backend sends and reads and the simulator and the district
//! server serve.
//!
//! - [`api`]: the HTTP paths and bodies (`docs/district-api.md`), and how
//!   an untrusted answer is read.
//! - [`http`]: [`HttpDistrict`], the client of a district server over HTTPS.
//! - [`sync`]: the sync worker that delivers the outbox, one batch at a time.
//! - [`covers`]: cover images fetched into a size-capped directory for the UI.
//! - [`sim_network`]: the simulated network cable in front of a district,
//!   for simulated hardware.
//! - [`sip2`]: [`Sip2District`], a standard library system over SIP2.
//!
//! **Architecture invariant:** a backend turns its protocol into these types
//! (SIP2's fields, HTTP's status codes); the engine never sees a protocol
//! detail.

use crate::domain::{Credential, ItemId, Secret};
pub use bookstation_district_api::{
    AuthAnswer, EventOutcome, EventResult, Health, Inventory, InventoryHold, ReturnHere, SubmittedEvent,
};
use std::sync::Arc;

pub mod api;
pub mod covers;
pub mod http;
pub mod sim_network;
pub mod sip2;
pub mod sync;

pub use http::{HttpDistrict, HttpSettings};
pub use sim_network::SimNetwork;
pub use sip2::{Sip2District, Sip2Settings};
pub use sync::{SyncReport, SyncSettings, SyncWorker};

/// A district backend. Every call may fail; [`DistrictError::is_offline`]
/// tells the engine whether to fall back to its offline policy.
#[async_trait::async_trait]
pub trait District: Send + Sync {
    /// Who holds this credential; `pin` is checked when given (the kiosk asks for it when the library requires one).
    /// A [`Secret`]: it never reaches a log line, whichever backend carries it.
    async fn authenticate(&self, credential: &Credential, pin: Option<&Secret>) -> Result<AuthAnswer, DistrictError>;
    /// This kiosk's items (bibliographic data, cover URL, hold_for for copies waiting for a hold) and hold ids.
    async fn inventory(&self) -> Result<Inventory, DistrictError>;
    /// Per-event outcome, in the order given. Offline events are facts: never refused, at most flagged.
    async fn submit(&self, batch: &[SubmittedEvent]) -> Result<Vec<EventResult>, DistrictError>;
    /// Tells the district this kiosk is alive and how its queue and hardware are.
    async fn heartbeat(&self, health: &Health) -> Result<(), DistrictError>;
    /// May this book, which is not this kiosk's, be returned here? A
    /// district that does not take other libraries' books answers `Refused`.
    async fn return_here(&self, item: &ItemId) -> Result<ReturnHere, DistrictError> {
        let _ = item;
        Ok(ReturnHere::Refused { library: None })
    }
}

/// Lets the engine be generic over `D: District` and still be handed an
/// `Arc<dyn District>` chosen at start-up from config.
#[async_trait::async_trait]
impl<D: District + ?Sized> District for Arc<D> {
    async fn authenticate(&self, credential: &Credential, pin: Option<&Secret>) -> Result<AuthAnswer, DistrictError> {
        (**self).authenticate(credential, pin).await
    }
    async fn inventory(&self) -> Result<Inventory, DistrictError> {
        (**self).inventory().await
    }
    async fn submit(&self, batch: &[SubmittedEvent]) -> Result<Vec<EventResult>, DistrictError> {
        (**self).submit(batch).await
    }
    async fn heartbeat(&self, health: &Health) -> Result<(), DistrictError> {
        (**self).heartbeat(health).await
    }
    async fn return_here(&self, item: &ItemId) -> Result<ReturnHere, DistrictError> {
        (**self).return_here(item).await
    }
}

/// Why a district call failed. Callers branch on [`Self::is_offline`]: an
/// offline district means the offline policy; the others mean retry later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DistrictError {
    #[error("district unreachable: {0}")]
    Unreachable(String),
    #[error("district did not answer in time")]
    Timeout,
    #[error("district server error: {0}")]
    Server(String),
    #[error("district answered something unreadable: {0}")]
    BadAnswer(String),
    /// HTTP 429 or 503: the server is up but asks the kiosk to wait, for
    /// `retry_after` when it said how long (`Retry-After`).
    #[error("district is busy (retry after {retry_after:?})")]
    Busy { retry_after: Option<std::time::Duration> },
}

impl DistrictError {
    /// The district could not be reached at all, as opposed to answering badly.
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Unreachable(_) | Self::Timeout)
    }

    /// How long the server asked the kiosk to wait before calling again.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::Busy { retry_after } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreachable_and_timeout_are_offline() {
        assert!(DistrictError::Unreachable("x".into()).is_offline());
        assert!(DistrictError::Timeout.is_offline());
        assert!(!DistrictError::Server("x".into()).is_offline());
        assert!(!DistrictError::BadAnswer("x".into()).is_offline());
    }
}
