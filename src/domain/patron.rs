//! What the kiosk keeps of a patron between sessions.

use super::PatronStatus;
use serde::{Deserialize, Serialize};

/// What the kiosk remembers of a patron between sessions, for offline
/// lending: the status last seen online and when. Keyed by card hash in the
/// store; holds no name and no card UID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedPatron {
    pub status: PatronStatus,
    pub seen_online_at: super::Timestamp,
}
