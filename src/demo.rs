//! The demo kiosk's wiring: the demo books placed in the simulated lockers
//! and the store, and the simulated district behind a simulated network
//! cable. Used by `bookstation demo` and by the tests.

use crate::district::SubmittedEvent;
use crate::district::{
    self, AuthAnswer, District, DistrictError, EventResult, Health, Inventory, ReturnHere, SimDistrict,
};
use crate::domain::{Credential, ItemId, SlotNo, Timestamp};
use crate::store::{Store, StoreError};
use async_trait::async_trait;
use bookstation_hardware::{SimError, SimWorld};

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    World(#[from] SimError),
}

/// A district (the simulated one, or the HTTP client of one) behind the
/// simulated network cable: unplugged in the world, unreachable here.
pub struct SimNetwork<D = SimDistrict> {
    district: D,
    world: SimWorld,
}

impl<D: District> SimNetwork<D> {
    pub fn new(district: D, world: SimWorld) -> Self {
        Self { district, world }
    }

    fn check(&self) -> Result<(), DistrictError> {
        if self.world.network_up() {
            Ok(())
        } else {
            Err(DistrictError::Unreachable("simulated network cable unplugged".into()))
        }
    }
}

#[async_trait]
impl<D: District> District for SimNetwork<D> {
    async fn authenticate(&self, credential: &Credential, pin: Option<&str>) -> Result<AuthAnswer, DistrictError> {
        self.check()?;
        self.district.authenticate(credential, pin).await
    }
    async fn inventory(&self) -> Result<Inventory, DistrictError> {
        self.check()?;
        self.district.inventory().await
    }
    async fn submit(&self, batch: &[SubmittedEvent]) -> Result<Vec<EventResult>, DistrictError> {
        self.check()?;
        self.district.submit(batch).await
    }
    async fn heartbeat(&self, health: &Health) -> Result<(), DistrictError> {
        self.check()?;
        self.district.heartbeat(health).await
    }
    async fn return_here(&self, item: &ItemId) -> Result<ReturnHere, DistrictError> {
        self.check()?;
        self.district.return_here(item).await
    }
}

/// Put the demo books in the lockers, once: in the simulated world first
/// (the physical fact), then in the store. As many books as the world has
/// lockers ([`district::seed::demo_sized`]); each side written in one go
/// (one world-file write, one transaction), not once a book.
pub fn seed_demo(store: &mut Store, world: &SimWorld, now: Timestamp) -> Result<(), SeedError> {
    if !store.items()?.is_empty() {
        return Ok(());
    }
    let layout = world.layout();
    let seed = district::seed::demo_sized(layout.lockers);
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
