//! The simulated world's network cable in front of a district: with
//! simulated hardware (`hardware.kind = "mock" | "pty"`), `bookstation sim
//! network down` unplugs it and every call fails as an unreachable
//! district's would. Real devices have no world and no cable here.

use super::{AuthAnswer, District, DistrictError, EventResult, Health, Inventory, ReturnHere, SubmittedEvent};
use crate::domain::{Credential, ItemId, Secret};
use async_trait::async_trait;
use bookstation_hardware::SimWorld;

/// A district (the simulated one, or the HTTP client of one) behind the
/// simulated network cable: unplugged in the world, unreachable here.
pub struct SimNetwork<D> {
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
    async fn authenticate(&self, credential: &Credential, pin: Option<&Secret>) -> Result<AuthAnswer, DistrictError> {
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
