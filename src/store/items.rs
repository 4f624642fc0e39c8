//! The catalogue: the copies that belong to this kiosk as the district's
//! inventory describes them, and which of them wait for a patron's hold.

use super::{Result, Store};
use crate::domain::{Item, ItemId, PatronId, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::collections::HashMap;

const COLUMNS: &str = "item_id, title, author, category, cover_url, hold_for, category_en";

fn item_from_row(row: &Row<'_>) -> rusqlite::Result<Item> {
    Ok(Item {
        id: ItemId(row.get(0)?),
        title: row.get(1)?,
        author: row.get(2)?,
        category: row.get(3)?,
        cover_url: row.get(4)?,
        hold_for: row.get::<_, Option<String>>(5)?.map(PatronId),
        category_en: row.get(6)?,
    })
}

/// Whether the catalogue knows `id`; the slots and the bin may only hold
/// known copies.
pub(super) fn item_exists(conn: &Connection, id: &ItemId) -> Result<bool> {
    Ok(conn.query_row("SELECT 1 FROM items WHERE item_id = ?1", [id.as_str()], |_| Ok(())).optional()?.is_some())
}

impl Store {
    /// Insert or refresh copies from the district's inventory. Each listed
    /// copy's hold is replaced: `hold_for` from the item, its hold id from
    /// `hold_ids` (kept only when the item is held for someone). Copies the
    /// inventory no longer lists are kept, since slots and old intents
    /// still point at them.
    pub fn upsert_items(&mut self, items: &[Item], hold_ids: &[(ItemId, String)], now: Timestamp) -> Result<()> {
        let holds: HashMap<&ItemId, &str> = hold_ids.iter().map(|(id, hold)| (id, hold.as_str())).collect();
        let tx = self.write()?;
        {
            let mut upsert = tx.prepare(
                "INSERT INTO items (item_id, title, author, category, cover_url, hold_for, hold_id, updated_at, category_en)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (item_id) DO UPDATE SET
                     title = excluded.title, author = excluded.author, category = excluded.category,
                     category_en = excluded.category_en,
                     cover_url = excluded.cover_url, hold_for = excluded.hold_for, hold_id = excluded.hold_id,
                     updated_at = excluded.updated_at, library = NULL",
            )?;
            for item in items {
                let hold_id = item.hold_for.as_ref().and(holds.get(&item.id).copied());
                upsert.execute(params![
                    item.id.as_str(),
                    item.title,
                    item.author,
                    item.category,
                    item.cover_url,
                    item.hold_for.as_ref().map(PatronId::as_str),
                    hold_id,
                    now.millis(),
                    item.category_en,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The whole catalogue, ordered by item id: this kiosk's copies, not
    /// the other libraries' books returned here.
    pub fn items(&self) -> Result<Vec<Item>> {
        let mut stmt =
            self.conn.prepare(&format!("SELECT {COLUMNS} FROM items WHERE library IS NULL ORDER BY item_id"))?;
        let items = stmt.query_map([], item_from_row)?.collect::<rusqlite::Result<_>>()?;
        Ok(items)
    }

    pub fn item(&self, id: &ItemId) -> Result<Option<Item>> {
        let sql = format!("SELECT {COLUMNS} FROM items WHERE item_id = ?1");
        Ok(self.conn.query_row(&sql, [id.as_str()], item_from_row).optional()?)
    }

    /// The district's hold id for a copy waiting for a patron, which a hold
    /// pickup event must quote.
    pub fn hold_id(&self, id: &ItemId) -> Result<Option<String>> {
        let found = self
            .conn
            .query_row("SELECT hold_id FROM items WHERE item_id = ?1", [id.as_str()], |r| r.get::<_, Option<String>>(0))
            .optional()?;
        Ok(found.flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, hold_for: Option<&str>) -> Item {
        Item {
            id: ItemId::new(id),
            title: format!("Title {id}"),
            author: "홍길동".into(),
            category: "소설".into(),
            category_en: Some("Fiction".into()),
            cover_url: None,
            hold_for: hold_for.map(PatronId::new),
        }
    }

    #[test]
    fn upsert_inserts_then_replaces_holds() {
        let mut store = Store::open_in_memory().unwrap();
        let held = [(ItemId::new("MP0002"), "H-1".to_owned())];
        store.upsert_items(&[item("MP0002", Some("1000001")), item("MP0001", None)], &held, Timestamp(1)).unwrap();
        let all = store.items().unwrap();
        assert_eq!(all.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["MP0001", "MP0002"]);
        assert_eq!(store.item(&ItemId::new("MP0002")).unwrap(), Some(item("MP0002", Some("1000001"))));
        assert_eq!(store.hold_id(&ItemId::new("MP0002")).unwrap().as_deref(), Some("H-1"));

        let renamed = Item { title: "New title".into(), ..item("MP0002", None) };
        store.upsert_items(std::slice::from_ref(&renamed), &[], Timestamp(2)).unwrap();
        assert_eq!(store.item(&ItemId::new("MP0002")).unwrap(), Some(renamed));
        assert_eq!(store.hold_id(&ItemId::new("MP0002")).unwrap(), None);
        assert_eq!(store.items().unwrap().len(), 2, "copies missing from a refresh are kept");
    }

    #[test]
    fn hold_id_without_a_hold_is_not_kept() {
        let mut store = Store::open_in_memory().unwrap();
        let held = [(ItemId::new("MP0001"), "H-1".to_owned())];
        store.upsert_items(&[item("MP0001", None)], &held, Timestamp(1)).unwrap();
        assert_eq!(store.hold_id(&ItemId::new("MP0001")).unwrap(), None);
    }

    #[test]
    fn unknown_items_are_none() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.item(&ItemId::new("nope")).unwrap(), None);
        assert_eq!(store.hold_id(&ItemId::new("nope")).unwrap(), None);
    }
}
