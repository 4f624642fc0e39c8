//! The world file: its format ([`Physical`], the world's physical state),
//! reading it back with validation, and replacing it atomically and durably
//! so that a crash or power cut at any moment leaves either the old or the
//! new world on disk, never a torn one.

use std::fs;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{SimError, SimLayout, SimSlotSnapshot};

/// The file format version written by this code.
const FORMAT: u32 = 1;

/// Everything about the simulated world that survives a power cut; exactly
/// what the world file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Physical {
    /// The file format version, so a later format can recognise old files
    /// instead of misreading them.
    pub format: u32,
    /// The kiosk's shape, checked against the caller's on open so that a
    /// file from another configuration is not silently reused.
    pub layout: SimLayout,
    /// Whether the board answers; staff unplugging it is physical state.
    pub board_online: bool,
    /// Whether the simulated uplink is up; a cut cable stays cut on restart.
    pub network_up: bool,
    /// Every slot, in `layout.slots()` order so a slot is found by index.
    pub slots: Vec<SimSlotSnapshot>,
}

impl Physical {
    /// A fresh world: board and network up, all doors closed, all slots
    /// empty.
    pub fn new(layout: SimLayout) -> Self {
        let slots = layout
            .slots()
            .into_iter()
            .map(|slot| SimSlotSnapshot {
                slot,
                door_open: false,
                jammed: false,
                item: None,
                bin_items: Vec::new(),
                drop_count: 0,
            })
            .collect();
        Self { format: FORMAT, layout, board_online: true, network_up: true, slots }
    }

    /// Checks what the JSON shape alone cannot: that the slots match the
    /// layout and lockers and bin hold only what they can.
    fn validate(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!("format {} is not the supported format {FORMAT}", self.format));
        }
        self.layout.check().map_err(|e| e.to_string())?;
        let expected = self.layout.slots();
        let found: Vec<u16> = self.slots.iter().map(|s| s.slot).collect();
        if found != expected {
            return Err(format!("slots must be exactly {expected:?} in that order, found {found:?}"));
        }
        for s in &self.slots {
            if s.slot == self.layout.return_bin {
                if s.item.is_some() {
                    return Err(format!("the return bin (slot {}) has an `item`; its books go in `bin_items`", s.slot));
                }
            } else if !s.bin_items.is_empty() || s.drop_count != 0 {
                return Err(format!(
                    "locker {} has `bin_items` or a `drop_count`; only the return bin has those",
                    s.slot
                ));
            }
        }
        Ok(())
    }
}

/// Reads the world file; `None` when it does not exist.
pub(super) fn load(path: &Path) -> Result<Option<Physical>, SimError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(io_error(path, source)),
    };
    let corrupt = |message: String| SimError::Corrupt { path: path.to_path_buf(), message };
    let phys: Physical = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    phys.validate().map_err(corrupt)?;
    Ok(Some(phys))
}

/// Replaces the world file with `phys`, whole ([`crate::fs::write_atomic`];
/// created as `File::create` would, the umask deciding).
pub(super) fn save(path: &Path, phys: &Physical) -> Result<(), SimError> {
    let mut text = serde_json::to_string_pretty(phys).map_err(|e| io_error(path, io::Error::other(e)))?;
    text.push('\n');
    crate::fs::write_atomic(path, text.as_bytes(), 0o666).map_err(|source| io_error(path, source))
}

fn io_error(path: &Path, source: io::Error) -> SimError {
    SimError::Io { path: path.to_path_buf(), source }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUT: SimLayout = SimLayout { lockers: 2, return_bin: 9 };

    #[test]
    fn save_then_load_round_trips_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("world.json");
        let mut phys = Physical::new(LAYOUT);
        phys.slots[0].item = Some("B1".into());
        save(&path, &phys).unwrap();
        assert_eq!(load(&path).unwrap(), Some(phys));
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("world.json")]);
    }

    #[test]
    fn file_is_pretty_json() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("world.json");
        save(&path, &Physical::new(LAYOUT)).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.lines().count() > 10, "{text}");
        assert!(text.contains("\"return_bin\": 9"), "{text}");
    }

    #[test]
    fn missing_file_loads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(&dir.path().join("absent.json")).unwrap(), None);
    }

    #[test]
    fn inconsistent_contents_are_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("world.json");
        type Spoil = fn(&mut Physical);
        let cases: [(&str, Spoil); 7] = [
            ("format", |p| p.format = 99),
            ("missing slot", |p| drop(p.slots.remove(1))),
            ("swapped", |p| p.slots.swap(0, 1)),
            ("bin item", |p| p.slots[2].item = Some("B".into())),
            ("locker bin_items", |p| p.slots[0].bin_items.push("B".into())),
            ("locker drops", |p| p.slots[1].drop_count = 1),
            ("layout", |p| p.layout.return_bin = 1),
        ];
        for (name, spoil) in cases {
            let mut phys = Physical::new(LAYOUT);
            spoil(&mut phys);
            fs::write(&path, serde_json::to_vec(&phys).unwrap()).unwrap();
            match load(&path) {
                Err(SimError::Corrupt { .. }) => {}
                other => panic!("{name}: expected Corrupt, got {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_fields_are_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("world.json");
        let mut value = serde_json::to_value(Physical::new(LAYOUT)).unwrap();
        value["slots"][0]["iten"] = "B1".into();
        fs::write(&path, value.to_string()).unwrap();
        assert!(matches!(load(&path), Err(SimError::Corrupt { .. })));
    }
}
