//! The district's catalogue and holds: fetched (bounded by the district
//! timeout), each item marked with the patron its hold is for, kept in the
//! store, and handed to the engine as the store now has it.

use super::{Runner, db, flatten};
use crate::district::{Inventory, InventoryHold as Hold};
use crate::domain::Item;
use crate::engine::input::Input;
use crate::store::Store;

/// The district's items, each with the patron a hold keeps it for.
fn with_holds(items: &[Item], holds: &[Hold]) -> Vec<Item> {
    items
        .iter()
        .map(|i| Item { hold_for: holds.iter().find(|h| h.item_id == i.id).map(|h| h.patron_id.clone()), ..i.clone() })
        .collect()
}

impl Runner {
    /// Ask the district for its inventory and store it → `Input::Inventory`
    /// (which tells the engine the district answers), or
    /// `Input::Connectivity` when it does not answer.
    pub(super) async fn fetch_inventory(&mut self) -> Vec<Input> {
        let answer = tokio::time::timeout(self.deps.district_timeout, self.deps.district.inventory()).await;
        let inventory = match flatten(answer) {
            Ok(inventory) => inventory,
            Err(e) => {
                tracing::warn!(error = %e, "inventory refresh failed");
                return if e.is_offline() { vec![Input::Connectivity { online: false }] } else { vec![] };
            }
        };
        let now = self.deps.clock.now();
        let items = with_holds(&inventory.items, &inventory.holds);
        let holds: Vec<_> = inventory.holds.iter().map(|h| (h.item_id.clone(), h.hold_id.clone())).collect();
        let stored = db(&self.deps.store, move |s: &mut Store| {
            s.upsert_items(&items, &holds, now)?;
            s.items()
        })
        .await;
        match stored {
            Ok(items) => vec![Input::Inventory(Inventory { items, holds: inventory.holds })],
            Err(e) => {
                tracing::error!(error = %e, "could not store the inventory");
                vec![Input::Connectivity { online: true }]
            }
        }
    }
}
