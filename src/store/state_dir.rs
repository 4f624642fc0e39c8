//! The state directory as a whole: whether it has lived before, and so
//! whether a missing or empty database may be started as a new one.
//!
//! A kiosk's history is its database: the outbox's `seq` numbers the
//! district holds, the loans it lent. A database that is gone or 0 bytes
//! long in a directory that shows an earlier life (see [`signs_of_life`])
//! is a lost history, not a first start; starting afresh would give out
//! `seq` 1 again under new ids. So [`open_state`] refuses it, naming the
//! file and the two ways on: restore the backup, or start over on purpose
//! with `bookstation reset-state --new-history` ([`discard_history`]),
//! which moves the old files aside and leaves a [`NEW_HISTORY_FILE`]
//! marker saying so. The card key is treated alike: missing beside a
//! database, it is refused rather than made again ([`new_card_key`] makes
//! one on purpose).
//!
//! A first start writes the marker too, before it creates anything, so a
//! first start cut short is finished by the next one instead of being
//! mistaken for a lost history.

use super::{CardHasher, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The database, in the state directory.
pub const DB_FILE: &str = "bookstation.db";
/// The card key ([`CardHasher`]), beside it.
pub const CARD_KEY_FILE: &str = "card-hash.key";
/// Held by the running daemon (and `restore`); created at its first start.
pub const LOCK_FILE: &str = "daemon.lock";
/// The simulated hardware's world (demo and mock hardware).
pub const WORLD_FILE: &str = "world.json";
/// The district's cover images, fetched after the first inventory.
pub const COVERS_DIR: &str = "covers";
/// Written by a first start and by `reset-state --new-history`: the next
/// start may create the database, and numbers its events after `seq_after`.
pub const NEW_HISTORY_FILE: &str = "new-history.json";
/// Directories `restore` and `reset-state` move replaced files into.
const ASIDE_PREFIXES: [&str; 2] = ["pre-restore-", "discarded-"];

/// The marker of a new history on purpose ([`NEW_HISTORY_FILE`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewHistory {
    /// The new database's first event gets `seq_after + 1`, so the district
    /// never sees a seq it already holds.
    pub seq_after: i64,
    /// Where the old files went (`None` on a first start).
    #[serde(default)]
    pub discarded_to: Option<PathBuf>,
}

/// The files and directories in `dir` that only a kiosk that has run
/// leaves behind: the card key, the database's `-wal`/`-shm`, the
/// simulated world, the cover cache, the lock file when it was there
/// before this start took it (`lock_was_there`), and the directories
/// `restore` and `reset-state` move old files into. The config, the demo's
/// token file and the control socket do not count.
pub fn signs_of_life(dir: &Path, lock_was_there: bool) -> Result<Vec<PathBuf>> {
    let mut names = vec![
        CARD_KEY_FILE.to_owned(),
        format!("{DB_FILE}-wal"),
        format!("{DB_FILE}-shm"),
        WORLD_FILE.to_owned(),
        COVERS_DIR.to_owned(),
    ];
    if lock_was_there {
        names.push(LOCK_FILE.to_owned());
    }
    let mut found: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).filter(|p| p.symlink_metadata().is_ok()).collect();
    let entries = fs::read_dir(dir).map_err(|source| StoreError::StateDir { path: dir.to_owned(), source })?;
    for entry in entries {
        let entry = entry.map_err(|source| StoreError::StateDir { path: dir.to_owned(), source })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if ASIDE_PREFIXES.iter().any(|p| name.starts_with(p)) {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// Open the kiosk's database and card key in `dir`, refusing a lost
/// history. See the module documentation; `lock_was_there` says whether
/// `daemon.lock` existed before the caller took it.
pub fn open_state(dir: &Path, lock_was_there: bool) -> Result<(Store, CardHasher)> {
    let db = dir.join(DB_FILE);
    let key = dir.join(CARD_KEY_FILE);
    let db_len = file_len(&db)?;
    let marker = match read_marker(dir)? {
        Some(marker) => Some(marker),
        None if db_len.unwrap_or(0) == 0 => {
            let signs = signs_of_life(dir, lock_was_there)?;
            if !signs.is_empty() {
                let shown: Vec<String> = signs.iter().map(|p| p.display().to_string()).collect();
                return Err(StoreError::LostDatabase {
                    path: db,
                    dir: dir.to_owned(),
                    state: if db_len.is_some() { "empty (0 bytes)" } else { "missing" },
                    signs: shown.join(", "),
                });
            }
            // A first start: say so on disk before creating anything.
            let first = NewHistory { seq_after: 0, discarded_to: None };
            write_marker(dir, &first)?;
            tracing::info!(dir = %dir.display(), "first start: creating a new kiosk database");
            Some(first)
        }
        None => None,
    };
    let Some(marker) = marker else {
        let hasher = CardHasher::load(&key)?.ok_or_else(|| StoreError::LostCardKey {
            path: key.clone(),
            db: db.clone(),
            dir: dir.to_owned(),
        })?;
        return Ok((Store::open(&db)?, hasher));
    };
    // A new history, or one whose first start was cut short: finish it.
    let mut store = Store::open(&db)?;
    store.continue_seq_after(marker.seq_after)?;
    let hasher = match CardHasher::load(&key)? {
        Some(hasher) => hasher,
        None => CardHasher::create(&key)?,
    };
    let marker_path = dir.join(NEW_HISTORY_FILE);
    fs::remove_file(&marker_path).map_err(|source| StoreError::StateDir { path: marker_path.clone(), source })?;
    sync_dir(dir)?;
    tracing::info!(seq_after = marker.seq_after, "a new history started");
    Ok((store, hasher))
}

/// What [`discard_history`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discarded {
    /// The new directory the old files are in.
    pub aside: PathBuf,
    /// The names moved there.
    pub moved: Vec<String>,
    /// The new history's events start after this seq.
    pub seq_after: i64,
}

/// `reset-state --new-history`: move the database (with its `-wal` and
/// `-shm`), the card key, the simulated world and the cover cache into a
/// new `discarded-<time>` directory (never deleted), and leave the marker
/// that lets the next start create a new database numbering after
/// `seq_after`. A readable database with events the district has not
/// taken is refused (they would be lost); its own last seq is used when
/// higher than the one given. Without a readable database, `seq_after`
/// must be given: the district's highest seq from this kiosk. The caller
/// holds the state directory's lock.
pub fn discard_history(dir: &Path, seq_after: Option<i64>, now: &str) -> Result<Discarded> {
    let db = dir.join(DB_FILE);
    let own_last_seq = match file_len(&db)? {
        Some(len) if len > 0 => match Store::open_existing(&db) {
            Ok(store) => {
                let stats = store.outbox_stats()?;
                if stats.pending + stats.rejected > 0 {
                    return Err(StoreError::Undelivered { path: db, pending: stats.pending, rejected: stats.rejected });
                }
                Some(stats.last_seq)
            }
            Err(e) => {
                tracing::warn!(error = %e, "the database to discard does not open; its last seq is unknown");
                None
            }
        },
        _ => None,
    };
    let seq_after = match (own_last_seq, seq_after) {
        (Some(own), given) => own.max(given.unwrap_or(0)),
        (None, Some(given)) => given,
        (None, None) => return Err(StoreError::SeqAfterNeeded { path: db }),
    };
    let aside = dir.join(format!("discarded-{now}"));
    fs::create_dir(&aside).map_err(|source| StoreError::StateDir { path: aside.clone(), source })?;
    let mut moved = Vec::new();
    let names = [
        DB_FILE.to_owned(),
        format!("{DB_FILE}-wal"),
        format!("{DB_FILE}-shm"),
        CARD_KEY_FILE.to_owned(),
        WORLD_FILE.to_owned(),
        COVERS_DIR.to_owned(),
    ];
    for name in names {
        match fs::rename(dir.join(&name), aside.join(&name)) {
            Ok(()) => moved.push(name),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(source) => return Err(StoreError::StateDir { path: dir.join(&name), source }),
        }
    }
    write_marker(dir, &NewHistory { seq_after, discarded_to: Some(aside.clone()) })?;
    Ok(Discarded { aside, moved, seq_after })
}

/// `reset-state --new-card-key`: a new card key beside a database whose
/// key is lost. Cached patrons are forgotten (their entries no longer
/// match); loans and the outbox stay. The caller holds the lock.
pub fn new_card_key(dir: &Path) -> Result<PathBuf> {
    let db = dir.join(DB_FILE);
    let key = dir.join(CARD_KEY_FILE);
    if file_len(&db)?.unwrap_or(0) == 0 {
        return Err(StoreError::Conflict(format!(
            "{} is missing or empty: a card key is only made anew beside the database it keys",
            db.display()
        )));
    }
    Store::open_existing(&db)?;
    if CardHasher::load(&key)?.is_some() {
        return Err(StoreError::Conflict(format!("{} exists; it was left untouched", key.display())));
    }
    CardHasher::create(&key)?;
    Ok(key)
}

/// The file's length, `None` when it does not exist.
fn file_len(path: &Path) -> Result<Option<u64>> {
    match fs::metadata(path) {
        Ok(m) => Ok(Some(m.len())),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StoreError::StateDir { path: path.to_owned(), source }),
    }
}

fn read_marker(dir: &Path) -> Result<Option<NewHistory>> {
    let path = dir.join(NEW_HISTORY_FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(StoreError::StateDir { path, source }),
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| StoreError::BadMarker {
        path,
        detail: format!("{:?} error at line {} column {}", e.classify(), e.line(), e.column()),
    })
}

/// Write the marker whole (`write_atomic`: temporary file, synced, renamed,
/// directory synced): it is there before anything it permits.
fn write_marker(dir: &Path, marker: &NewHistory) -> Result<()> {
    let path = dir.join(NEW_HISTORY_FILE);
    let json = serde_json::to_vec_pretty(marker)?;
    bookstation_hardware::fs::write_atomic(&path, &json, 0o666).map_err(|source| StoreError::StateDir { path, source })
}

fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| StoreError::StateDir { path: dir.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_dir_starts_and_a_second_start_opens_the_same_history() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bookstation.toml"), "# config").unwrap();
        let (mut store, _) = open_state(dir.path(), false).unwrap();
        let body = crate::domain::EventBody::Return { item_id: crate::domain::ItemId::new("MP0001"), library: None };
        store.append_event(&body, false, crate::domain::Timestamp(1)).unwrap();
        drop(store);
        assert!(!dir.path().join(NEW_HISTORY_FILE).exists());
        let (store, _) = open_state(dir.path(), true).unwrap();
        assert_eq!(store.outbox_stats().unwrap().last_seq, 1);
    }

    #[test]
    fn a_first_start_cut_short_is_finished_not_refused() {
        let dir = tempfile::tempdir().unwrap();
        write_marker(dir.path(), &NewHistory { seq_after: 0, discarded_to: None }).unwrap();
        drop(Store::open(&dir.path().join(DB_FILE)).unwrap());
        // The lock and the database exist, the key does not: the marker says why.
        open_state(dir.path(), true).unwrap();
        assert!(dir.path().join(CARD_KEY_FILE).exists());
    }

    #[test]
    fn a_lost_database_or_key_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        drop(open_state(dir.path(), false).unwrap());
        let db = dir.path().join(DB_FILE);
        std::fs::File::create(&db).unwrap();
        let err = open_state(dir.path(), true).unwrap_err();
        assert!(matches!(err, StoreError::LostDatabase { .. }), "{err}");
        assert!(err.to_string().contains("card-hash.key"), "{err}");
        assert_eq!(std::fs::metadata(&db).unwrap().len(), 0);

        let other = tempfile::tempdir().unwrap();
        drop(open_state(other.path(), false).unwrap());
        std::fs::remove_file(other.path().join(CARD_KEY_FILE)).unwrap();
        let err = open_state(other.path(), true).unwrap_err();
        assert!(matches!(err, StoreError::LostCardKey { .. }), "{err}");
        assert!(!other.path().join(CARD_KEY_FILE).exists());
    }

    #[test]
    fn a_new_history_numbers_after_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = open_state(dir.path(), false).unwrap();
        let body = crate::domain::EventBody::Return { item_id: crate::domain::ItemId::new("MP0001"), library: None };
        let first = store.append_event(&body, false, crate::domain::Timestamp(1)).unwrap();
        store.mark_acked(&[first.id]).unwrap();
        drop(store);
        let discarded = discard_history(dir.path(), None, "T1").unwrap();
        assert_eq!(discarded.seq_after, 1);
        assert!(discarded.aside.join(DB_FILE).exists());
        let (mut store, _) = open_state(dir.path(), true).unwrap();
        assert_eq!(store.append_event(&body, false, crate::domain::Timestamp(2)).unwrap().seq, 2);
        // Without a database to read, the district's last seq must be given.
        drop(store);
        std::fs::remove_file(dir.path().join(DB_FILE)).unwrap();
        assert!(matches!(discard_history(dir.path(), None, "T2"), Err(StoreError::SeqAfterNeeded { .. })));
    }
}
