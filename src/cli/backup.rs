//! `bookstation backup` and `bookstation restore`: the state that cannot be
//! fetched again — the database (loans, intents, the outbox) and the card
//! key its patron cache is hashed with — copied out while the kiosk runs,
//! and put back while it is stopped.

use anyhow::{Context, bail, ensure};
use bookstation::control;
use bookstation::store::Store;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use bookstation::store::state_dir::{CARD_KEY_FILE as KEY, DB_FILE as DB, NEW_HISTORY_FILE};

/// Copy the database (consistently, while the daemon writes to it) and the
/// card key into `to`, a new directory; then open the copy as the daemon
/// would, so a backup that could not be restored fails now.
pub fn backup(state_dir: &Path, to: &Path) -> anyhow::Result<()> {
    let db = state_dir.join(DB);
    ensure!(!to.exists(), "{} already exists: back up into a new directory", to.display());
    let store = Store::open_existing(&db).with_context(|| format!("opening {}", db.display()))?;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(to)
        .with_context(|| format!("creating {}", to.display()))?;
    store.backup_to(&to.join(DB)).with_context(|| format!("copying {} into {}", db.display(), to.display()))?;
    drop(store);
    // Patron ids and the outbox are in there: owner only, like the key.
    fs::set_permissions(to.join(DB), fs::Permissions::from_mode(0o600))?;
    let copy = Store::open(&to.join(DB)).context("the copy does not open as a kiosk database")?;
    let stats = copy.outbox_stats()?;
    copy_private(&state_dir.join(KEY), &to.join(KEY))?;
    outln!(
        "backed up {} to {} ({} events pending, {} delivered, {} rejected)",
        state_dir.display(),
        to.display(),
        stats.pending,
        stats.acked,
        stats.rejected
    )?;
    Ok(())
}

/// Put a backup back. The daemon must be stopped: a running one would keep
/// writing to the file being replaced.
pub fn restore(state_dir: &Path, from: &Path) -> anyhow::Result<()> {
    let socket = control::socket_path(state_dir);
    if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
        bail!("a daemon is running on {} ({} answers): stop it first", state_dir.display(), socket.display());
    }
    fs::create_dir_all(state_dir).with_context(|| format!("creating {}", state_dir.display()))?;
    // Held until the files are in place: a daemon (re)started meanwhile
    // finds it taken and stops, rather than open a file being replaced.
    let _lock = lock_state(state_dir).context("stop the daemon first (systemctl stop bookstation)")?;
    let db = from.join(DB);
    Store::open_existing(&db).with_context(|| format!("{} is not a usable backup", db.display()))?;
    ensure!(from.join(KEY).exists(), "{} is missing from the backup", from.join(KEY).display());
    // The files go to whoever owns the state directory (the service's
    // user), not to the operator running this as root.
    let owner = fs::metadata(state_dir).with_context(|| format!("reading {}", state_dir.display()))?;
    let owner = (owner.uid(), owner.gid());
    // Copies first, next to their places, so nothing is moved until both are whole.
    let db_new = staged(&db, &state_dir.join(DB), 0o600, owner)?;
    let key_new = staged(&from.join(KEY), &state_dir.join(KEY), 0o600, owner)?;
    // The old files are moved aside, not deleted: after an unclean stop the
    // old WAL may hold loans not yet in the database file. Left beside the
    // restored file, SQLite would replay it into the wrong database.
    let aside = state_dir.join(format!("pre-restore-{}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ")));
    fs::create_dir(&aside).with_context(|| format!("creating {}", aside.display()))?;
    for name in [DB.to_owned(), format!("{DB}-wal"), format!("{DB}-shm"), KEY.to_owned()] {
        match fs::rename(state_dir.join(&name), aside.join(&name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("moving {} aside", state_dir.join(&name).display())),
        }
    }
    fs::rename(&db_new, state_dir.join(DB)).context("putting the restored database in place")?;
    fs::rename(&key_new, state_dir.join(KEY)).context("putting the restored card key in place")?;
    // A restored history is not a new one: a pending `reset-state` is void.
    match fs::remove_file(state_dir.join(NEW_HISTORY_FILE)) {
        Ok(()) => outln!("the pending `reset-state --new-history` was cancelled")?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("removing {}", state_dir.join(NEW_HISTORY_FILE).display())),
    }
    fs::File::open(state_dir)?.sync_all()?;
    outln!("the replaced files are in {}", aside.display())?;
    outln!("restored {} from {}; start the daemon again", state_dir.display(), from.display())?;
    Ok(())
}

/// Take the state directory's lock file (`daemon.lock`, created if
/// missing), held by the running daemon and by `restore`. The lock goes
/// with the process, so a killed daemon leaves none behind.
pub fn lock_state(state_dir: &Path) -> anyhow::Result<fs::File> {
    let path = state_dir.join("daemon.lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => {
            bail!("{} is held: another bookstation process is using {}", path.display(), state_dir.display())
        }
        Err(fs::TryLockError::Error(e)) => Err(e).with_context(|| format!("locking {}", path.display())),
    }
}

/// Copy `from` to a temporary file beside `to`, synced, with its mode and
/// owner; the caller renames it into place.
fn staged(from: &Path, to: &Path, mode: u32, (uid, gid): (u32, u32)) -> anyhow::Result<std::path::PathBuf> {
    let tmp = to.with_extension("restoring");
    let _ = fs::remove_file(&tmp);
    fs::copy(from, &tmp).with_context(|| format!("copying {} to {}", from.display(), tmp.display()))?;
    fs::set_permissions(&tmp, fs::Permissions::from_mode(mode))?;
    std::os::unix::fs::chown(&tmp, Some(uid), Some(gid))
        .with_context(|| format!("giving {} to the state directory's owner", tmp.display()))?;
    fs::File::open(&tmp)?.sync_all()?;
    Ok(tmp)
}

/// Copy `from` to `to` (in the backup's new directory), owner only, synced
/// with its directory entry.
fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    let bytes = fs::read(from).with_context(|| format!("reading {}", from.display()))?;
    bookstation_hardware::fs::write_atomic(to, &bytes, 0o600).with_context(|| format!("writing {}", to.display()))
}
