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

const DB: &str = "bookstation.db";
const KEY: &str = "card-hash.key";

/// Copy the database (consistently, while the daemon writes to it) and the
/// card key into `to`, a new directory; then open the copy as the daemon
/// would, so a backup that could not be restored fails now.
pub fn backup(state_dir: &Path, to: &Path) -> anyhow::Result<()> {
    let db = state_dir.join(DB);
    ensure!(db.exists(), "{} does not exist: no kiosk has run with this state directory", db.display());
    ensure!(!to.exists(), "{} already exists: back up into a new directory", to.display());
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(to)
        .with_context(|| format!("creating {}", to.display()))?;
    let store = Store::open(&db).with_context(|| format!("opening {}", db.display()))?;
    store.backup_to(&to.join(DB)).with_context(|| format!("copying {} into {}", db.display(), to.display()))?;
    drop(store);
    // Patron ids and the outbox are in there: owner only, like the key.
    fs::set_permissions(to.join(DB), fs::Permissions::from_mode(0o600))?;
    let copy = Store::open(&to.join(DB)).context("the copy does not open as a kiosk database")?;
    let stats = copy.outbox_stats()?;
    copy_private(&state_dir.join(KEY), &to.join(KEY))?;
    println!(
        "backed up {} to {} ({} events pending, {} delivered, {} rejected)",
        state_dir.display(),
        to.display(),
        stats.pending,
        stats.acked,
        stats.rejected
    );
    Ok(())
}

/// Put a backup back. The daemon must be stopped: a running one would keep
/// writing to the file being replaced.
pub fn restore(state_dir: &Path, from: &Path) -> anyhow::Result<()> {
    let socket = control::socket_path(state_dir);
    if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
        bail!("a daemon is running on {} ({} answers): stop it first", state_dir.display(), socket.display());
    }
    let db = from.join(DB);
    Store::open(&db).with_context(|| format!("{} is not a usable backup", db.display()))?;
    ensure!(from.join(KEY).exists(), "{} is missing from the backup", from.join(KEY).display());
    fs::create_dir_all(state_dir).with_context(|| format!("creating {}", state_dir.display()))?;
    // The old database's WAL and shared-memory files belong to the old
    // file: left beside the restored one, SQLite would replay them into it.
    for stale in [format!("{DB}-wal"), format!("{DB}-shm")] {
        match fs::remove_file(state_dir.join(&stale)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", state_dir.join(stale).display())),
        }
    }
    // The files go to whoever owns the state directory (the service's
    // user), not to the operator running this as root.
    let owner = fs::metadata(state_dir).with_context(|| format!("reading {}", state_dir.display()))?;
    let owner = (owner.uid(), owner.gid());
    replace(&db, &state_dir.join(DB), 0o640, owner)?;
    replace(&from.join(KEY), &state_dir.join(KEY), 0o600, owner)?;
    println!("restored {} from {}; start the daemon again", state_dir.display(), from.display());
    Ok(())
}

/// Copy `from` over `to` through a temporary file and a rename, so a crash
/// leaves either the old file or the new one.
fn replace(from: &Path, to: &Path, mode: u32, (uid, gid): (u32, u32)) -> anyhow::Result<()> {
    let tmp = to.with_extension("restoring");
    let _ = fs::remove_file(&tmp);
    fs::copy(from, &tmp).with_context(|| format!("copying {} to {}", from.display(), tmp.display()))?;
    fs::set_permissions(&tmp, fs::Permissions::from_mode(mode))?;
    std::os::unix::fs::chown(&tmp, Some(uid), Some(gid))
        .with_context(|| format!("giving {} to the state directory's owner", tmp.display()))?;
    fs::File::open(&tmp)?.sync_all()?;
    fs::rename(&tmp, to).with_context(|| format!("moving {} to {}", tmp.display(), to.display()))?;
    Ok(())
}

fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    let bytes = fs::read(from).with_context(|| format!("reading {}", from.display()))?;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(to)
        .with_context(|| format!("creating {}", to.display()))?;
    std::io::Write::write_all(&mut file, &bytes)?;
    file.sync_all()?;
    Ok(())
}
