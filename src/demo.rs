//! The demo build's kiosk side (feature `demo`): the simulated district
//! (`bookstation-district-sim`) as the kiosk's [`District`], and the demo
//! books placed in the simulated lockers and the store. Used by `bookstation
//! demo`, `district.kind = "sim"` and the tests.

use crate::district::{
    AuthAnswer, District, DistrictError, EventResult, Health, Inventory, ReturnHere, SubmittedEvent,
};
use crate::domain::{Credential, ItemId, Secret, SlotNo, Timestamp};
use crate::store::{Store, StoreError};
use async_trait::async_trait;
pub use bookstation_district_sim::seed::DEMO_KIOSK_ID;
pub use bookstation_district_sim::{SimDistrict, SimFailure, SimServer, seed};
use bookstation_hardware::{SimError, SimWorld};

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    World(#[from] SimError),
}

/// The simulated district's failures as a real district's would reach the
/// kiosk: a network down is an unreachable district (the offline rules
/// apply), a failing server is a server error (retry later).
impl From<SimFailure> for DistrictError {
    fn from(e: SimFailure) -> Self {
        match e {
            SimFailure::Unreachable => DistrictError::Unreachable(e.to_string()),
            SimFailure::Server => DistrictError::Server(e.to_string()),
        }
    }
}

#[async_trait]
impl District for SimDistrict {
    async fn authenticate(&self, credential: &Credential, pin: Option<&Secret>) -> Result<AuthAnswer, DistrictError> {
        SimDistrict::authenticate(self, credential, pin.map(|p| &**p)).await.map_err(DistrictError::from)
    }
    async fn inventory(&self) -> Result<Inventory, DistrictError> {
        SimDistrict::inventory(self).await.map_err(DistrictError::from)
    }
    async fn submit(&self, batch: &[SubmittedEvent]) -> Result<Vec<EventResult>, DistrictError> {
        SimDistrict::submit(self, batch).await.map_err(DistrictError::from)
    }
    async fn heartbeat(&self, health: &Health) -> Result<(), DistrictError> {
        SimDistrict::heartbeat(self, health).await.map_err(DistrictError::from)
    }
    async fn return_here(&self, item: &ItemId) -> Result<ReturnHere, DistrictError> {
        SimDistrict::return_here(self, item).await.map_err(DistrictError::from)
    }
}

/// Put the demo books in the lockers, once: in the simulated world first
/// (the physical fact), then in the store. As many books as the world has
/// lockers ([`seed::demo_sized`]); each side written in one go
/// (one world-file write, one transaction), not once a book.
pub fn seed_demo(store: &mut Store, world: &SimWorld, now: Timestamp) -> Result<(), SeedError> {
    if !store.items()?.is_empty() {
        return Ok(());
    }
    let layout = world.layout();
    let seed = seed::demo_sized(layout.lockers);
    let items: Vec<_> = seed.items.iter().map(|s| s.item.clone()).collect();
    store.ensure_slots(layout.lockers, SlotNo(layout.return_bin))?;
    store.upsert_items(&items, &[], now)?;
    let snapshot = world.snapshot();
    let placed: Vec<(SlotNo, ItemId)> = seed
        .in_lockers()
        .filter(|(slot, _)| slot.0 <= layout.lockers)
        .map(|(slot, item)| (slot, item.id.clone()))
        .collect();
    let to_world: Vec<(u16, String)> = placed
        .iter()
        .filter(|(slot, _)| !snapshot.slots.iter().any(|w| w.slot == slot.0 && w.item.is_some()))
        .map(|(slot, id)| (slot.0, id.as_str().to_owned()))
        .collect();
    world.place_many(&to_world)?;
    store.place_items(&placed)?;
    tracing::info!(books = items.len(), lockers = layout.lockers, "demo books placed in the lockers");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_config_plays_the_kiosk_the_seed_serves() {
        assert_eq!(crate::config::DEMO_KIOSK_ID, DEMO_KIOSK_ID);
    }

    #[tokio::test]
    async fn a_network_down_is_offline_and_a_failing_server_is_not() {
        let sim = SimDistrict::demo(DEMO_KIOSK_ID);
        sim.set_reachable(false);
        let down = District::inventory(&sim).await.unwrap_err();
        assert!(down.is_offline(), "{down}");
        sim.set_reachable(true);
        sim.set_fail_next(1);
        let failed = District::inventory(&sim).await.unwrap_err();
        assert!(matches!(failed, DistrictError::Server(_)) && !failed.is_offline(), "{failed}");
        assert!(District::inventory(&sim).await.is_ok());
    }
}
