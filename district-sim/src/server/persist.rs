//! The simulator's `--db` file: its whole state as JSON, loaded at start and
//! written again after every change (a temporary file beside it, synced,
//! renamed over it), so a restarted simulator still knows every event id it
//! counted.

use super::Shared;
use crate::SimDistrict;
use crate::sim::SimState;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::PoisonError;

/// Why a saved simulator state cannot be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum SimDbError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{path} is not a saved district simulator: {reason}; move it aside to start from the demo data")]
    Parse { path: PathBuf, reason: String },
    #[error("cannot save {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

/// The simulator saved in `path`, or the demo district for `kiosk_id` when
/// the file does not exist yet.
pub fn load_sim(path: &Path, kiosk_id: &str) -> Result<SimDistrict, SimDbError> {
    load_sim_or(path, || SimDistrict::demo(kiosk_id))
}

/// The simulator saved in `path`, or `fresh()` when the file does not exist yet.
pub fn load_sim_or(path: &Path, fresh: impl FnOnce() -> SimDistrict) -> Result<SimDistrict, SimDbError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let state: SimState = serde_json::from_slice(&bytes).map_err(|e| SimDbError::Parse {
                path: path.to_owned(),
                reason: format!("{:?} error at line {} column {}", e.classify(), e.line(), e.column()),
            })?;
            Ok(SimDistrict::from_state(state))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(fresh()),
        Err(source) => Err(SimDbError::Read { path: path.to_owned(), source }),
    }
}

/// Save atomically: a crash leaves the old file or the new one, never half.
fn save_sim(path: &Path, sim: &SimDistrict) -> Result<(), SimDbError> {
    let write = |source| SimDbError::Write { path: path.to_owned(), source };
    let json = serde_json::to_vec(&sim.export_state()).map_err(|e| write(io::Error::other(e)))?;
    bookstation_hardware::fs::write_atomic(path, &json, 0o666).map_err(write)
}

impl Shared {
    /// Save the state to the `--db` file, if there is one; one save at a
    /// time, so an older state never overwrites a newer one.
    pub(super) fn save(&self) -> Result<(), SimDbError> {
        let Some(path) = &self.db else { return Ok(()) };
        let _one_at_a_time = self.saving.lock().unwrap_or_else(PoisonError::into_inner);
        save_sim(path, &self.sim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::DEMO_KIOSK_ID;

    #[test]
    fn a_saved_sim_loads_back_and_a_broken_file_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sim.json");
        let fresh = load_sim(&path, DEMO_KIOSK_ID).unwrap();
        fresh.set_today("2026-12-31");
        save_sim(&path, &fresh).unwrap();
        let back = load_sim(&path, DEMO_KIOSK_ID).unwrap();
        assert_eq!(back.state(), fresh.state());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["sim.json"], "the temporary file was renamed");

        std::fs::write(&path, b"{ not json").unwrap();
        let err = load_sim(&path, DEMO_KIOSK_ID).unwrap_err();
        assert!(matches!(err, SimDbError::Parse { .. }));
        assert!(err.to_string().contains(&path.display().to_string()), "{err}");
    }
}
