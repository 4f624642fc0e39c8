//! The demo kiosk's wiring: the demo books placed in the simulated lockers
//! and the store, and the simulated district behind a simulated network
//! cable. Used by `bookstation demo` and by the tests.

use crate::district::SubmittedEvent;
use crate::district::{self, AuthAnswer, District, DistrictError, EventResult, Health, Inventory, SimDistrict};
use crate::domain::{Credential, SlotNo, Timestamp};
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
}

/// Put the demo books in the lockers, once: in the simulated world first
/// (the physical fact), then in the store.
pub fn seed_demo(store: &mut Store, world: &SimWorld, now: Timestamp) -> Result<(), SeedError> {
    if !store.items()?.is_empty() {
        return Ok(());
    }
    let seed = district::seed::demo();
    let items: Vec<_> = seed.items.iter().map(|s| s.item.clone()).collect();
    let layout = world.layout();
    store.ensure_slots(layout.lockers, SlotNo(layout.return_bin))?;
    store.upsert_items(&items, &[], now)?;
    let snapshot = world.snapshot();
    for s in &seed.items {
        let Some(slot) = s.slot else { continue };
        let in_world = snapshot.slots.iter().any(|w| w.slot == slot.0 && w.item.is_some());
        if !in_world {
            world.place(slot.0, s.item.id.as_str())?;
        }
        store.place_item(slot, &s.item.id)?;
    }
    tracing::info!(books = items.len(), "demo books placed in the lockers");
    Ok(())
}
