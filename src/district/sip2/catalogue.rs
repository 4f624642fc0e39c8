//! The kiosk's catalogue in SIP2 mode. SIP2 cannot list what belongs to a
//! kiosk, so the catalogue is what the kiosk itself knows: the items its
//! store already holds (restocked, lent or returned here before), the
//! optional list staff gave in `district.catalogue_file`, and every item
//! an event names from then on. Titles and states come from 17; holds
//! waiting on the shelf get their patron from the 63 that listed them.

use super::messages::{Circulation, ItemInfo};
use crate::district::{Inventory, InventoryHold};
use crate::domain::{Item, ItemId, PatronId};
use std::collections::BTreeMap;
use tokio::time::Instant;

/// Whose hold a copy on the hold shelf is, until a 63 tells: nobody the
/// kiosk may lend it to. Its holder still finds it through their own 63.
pub const HOLD_SHELF_PATRON: &str = "sip2:hold-shelf";

#[derive(Debug, Clone)]
struct Entry {
    item: Item,
    circulation: Option<Circulation>,
    checked: Option<Instant>,
    holder: Option<PatronId>,
}

#[derive(Debug, Default)]
pub struct Catalogue {
    entries: BTreeMap<ItemId, Entry>,
}

impl Catalogue {
    /// Starts from what the kiosk already knows of its items.
    pub fn new(items: impl IntoIterator<Item = Item>) -> Self {
        let mut c = Self::default();
        for item in items {
            c.entries.insert(item.id.clone(), Entry { item, circulation: None, checked: None, holder: None });
        }
        c
    }

    pub fn contains(&self, id: &ItemId) -> bool {
        self.entries.contains_key(id)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// An item an event named; its title is the barcode until 17 tells.
    pub fn add(&mut self, id: &ItemId) {
        self.entries.entry(id.clone()).or_insert_with(|| Entry {
            item: Item {
                id: id.clone(),
                title: id.as_str().to_owned(),
                author: String::new(),
                category: String::new(),
                category_en: None,
                cover_url: None,
                hold_for: None,
            },
            circulation: None,
            checked: None,
            holder: None,
        });
    }

    /// The items to ask 17 about, never asked first, then the longest ago.
    pub fn to_check(&self) -> Vec<ItemId> {
        let mut ids: Vec<(Option<Instant>, ItemId)> =
            self.entries.iter().map(|(id, e)| (e.checked, id.clone())).collect();
        ids.sort();
        ids.into_iter().map(|(_, id)| id).collect()
    }

    /// What a 17 said of `id`.
    pub fn record(&mut self, id: &ItemId, info: &ItemInfo) {
        let Some(entry) = self.entries.get_mut(id) else { return };
        if !info.title.is_empty() {
            entry.item.title = info.title.clone();
        }
        entry.circulation = Some(info.circulation);
        entry.checked = Some(Instant::now());
        if info.circulation != Circulation::HOLD_SHELF {
            entry.holder = None;
        }
    }

    /// A 63 listed `id` among `patron`'s ready holds.
    pub fn learn_hold(&mut self, id: &ItemId, patron: &PatronId) {
        if let Some(entry) = self.entries.get_mut(id) {
            entry.holder = Some(patron.clone());
        }
    }

    /// The hold on `id` was picked up.
    pub fn clear_hold(&mut self, id: &ItemId) {
        if let Some(entry) = self.entries.get_mut(id) {
            entry.holder = None;
            entry.circulation = Some(Circulation::CHARGED);
        }
    }

    pub fn inventory(&self) -> Inventory {
        let mut items = Vec::with_capacity(self.entries.len());
        let mut holds = Vec::new();
        for (id, e) in &self.entries {
            items.push(Item { hold_for: None, ..e.item.clone() });
            let on_shelf = e.circulation == Some(Circulation::HOLD_SHELF);
            if on_shelf || e.holder.is_some() {
                let patron_id = e.holder.clone().unwrap_or_else(|| PatronId::new(HOLD_SHELF_PATRON));
                holds.push(InventoryHold { hold_id: id.as_str().to_owned(), item_id: id.clone(), patron_id });
            }
        }
        Inventory { items, holds }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(status: Circulation, title: &str) -> ItemInfo {
        ItemInfo {
            circulation: status,
            item_id: String::new(),
            title: title.into(),
            due_date: None,
            patron_id: None,
            permanent_location: None,
        }
    }

    #[test]
    fn titles_come_from_17_and_holds_from_the_shelf_or_a_63() {
        let mut c = Catalogue::default();
        let (a, b) = (ItemId::new("MP0001"), ItemId::new("MP0002"));
        c.add(&a);
        c.add(&b);
        assert_eq!(c.inventory().items[0].title, "MP0001");
        c.record(&a, &info(Circulation::AVAILABLE, "홍길동전"));
        c.record(&b, &info(Circulation::HOLD_SHELF, ""));
        let inv = c.inventory();
        assert_eq!(inv.items[0].title, "홍길동전");
        assert_eq!(inv.items[1].title, "MP0002");
        assert_eq!(inv.holds.len(), 1);
        assert_eq!(inv.holds[0].patron_id.as_str(), HOLD_SHELF_PATRON);
        c.learn_hold(&b, &PatronId::new("1000004"));
        assert_eq!(c.inventory().holds[0].patron_id.as_str(), "1000004");
        c.clear_hold(&b);
        assert!(c.inventory().holds.is_empty());
        // Never asked comes first.
        c.add(&ItemId::new("MP0003"));
        assert_eq!(c.to_check()[0].as_str(), "MP0003");
    }
}
