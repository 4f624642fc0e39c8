//! Replacing a file whole, so that a crash or a power cut leaves either the
//! old contents or the new ones, never half of each: the one way every
//! file the kiosk rewrites in place is saved (the simulated world, the
//! district simulator's `--db`, the cover cache, the state directory's
//! marker, a backup's card key).
//!
//! Here rather than in the daemon because the simulated world needs it and
//! this crate may not depend on the daemon's.

use std::io::{self, Write};
use std::path::Path;

/// Replace `path` with `bytes`: write a temporary file in the same
/// directory (so the rename stays on one file system), flush it to disk,
/// rename it over `path`, then flush the directory so the rename itself
/// survives a power cut. On an error the temporary file is removed and
/// `path` is as it was.
///
/// `mode` is the new file's permission bits as for
/// [`OpenOptions::mode`](std::os::unix::fs::OpenOptionsExt::mode): the
/// process umask applies (`0o666` is what [`File::create`](std::fs::File::create)
/// gives, `0o600` keeps it to the owner). The old file's mode is not kept.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    // A bare relative file name has an empty parent, which cannot be opened
    // for the directory sync.
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Other systems cannot open a directory to flush it; the rename is as
    // durable as they allow.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn names(dir: &Path) -> Vec<std::ffi::OsString> {
        let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        names
    }

    #[test]
    fn the_contents_are_replaced_whole_and_no_temporary_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("world.json");
        write_atomic(&path, b"a much longer first version", 0o666).unwrap();
        write_atomic(&path, b"short", 0o666).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"short");
        assert_eq!(names(dir.path()), vec![std::ffi::OsString::from("world.json")]);
    }

    #[test]
    fn the_mode_is_the_one_asked_for_not_the_old_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sim.json");
        write_atomic(&path, b"{}", 0o644).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        // The umask may take bits away, never add them.
        assert_eq!(mode(&path) & !0o644, 0, "{:o}", mode(&path));
        write_atomic(&path, b"{}", 0o600).unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("marker.json");
        write_atomic(&path, b"old", 0o600).unwrap();
        // Renaming over a directory fails after the temporary file is written.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir(blocked.join("inside").parent().unwrap()).unwrap();
        std::fs::write(blocked.join("inside"), b"x").unwrap();
        assert!(write_atomic(&blocked, b"new", 0o600).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(names(dir.path()), vec![std::ffi::OsString::from("blocked"), "marker.json".into()]);
        assert!(write_atomic(&dir.path().join("no-such-dir/x"), b"new", 0o600).is_err());
    }
}
