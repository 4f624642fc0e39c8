//! Opening the database. An existing file is checked before anything is
//! written to it: it must be SQLite, carry our application id and pass
//! `quick_check`; otherwise the store refuses it untouched, because the file
//! may be the only copy of loans the district has not heard about yet. Then
//! come the pragmas every connection needs and the migrations.

use super::{Result, Store, StoreError, migrations};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `PRAGMA application_id` of a Bookstation database: "BkSt" in ASCII. It is
/// how the store tells its own file from another program's SQLite database.
/// Migration 1 writes it in the same transaction as the schema.
pub const APPLICATION_ID: i32 = 0x426B_5374;

/// How long a writer waits for a reader's lock (the `doctor` command) before
/// giving up with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);

/// How many `quick_check` complaints are worth quoting to the operator.
const QUICK_CHECK_LINES: usize = 5;

/// The connection settings durability rests on, as SQLite reports them (not
/// as we asked for them), for tests and `bookstation doctor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pragmas {
    /// `wal` for a file (`memory` in memory): readers do not block the writer.
    pub journal_mode: String,
    /// 2 = FULL: a commit is fsynced before it returns (invariant 1).
    pub synchronous: i64,
    /// Keeps slots and the return bin pointing at known items.
    pub foreign_keys: bool,
    /// How long a write waits for a lock before failing.
    pub busy_timeout_ms: i64,
}

impl Store {
    /// Open the database at `path`, creating it when it does not exist (or
    /// is empty), refusing it when it is not ours or is damaged, and
    /// migrating it to the current schema.
    pub fn open(path: &Path) -> Result<Store> {
        // A 0-byte file is what a crash between creating and first writing
        // the file leaves behind, so it counts as new here. Whether a state
        // directory may start a new database at all is decided before
        // (`state_dir::open_state`; staff commands use `open_existing`).
        let fresh = std::fs::metadata(path).map(|m| m.len() == 0).unwrap_or(true);
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if fresh {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let mut conn = Connection::open_with_flags(path, flags).map_err(|e| classify(path, e))?;
        if !fresh {
            check_existing(&conn, path)?;
        }
        configure(&conn, Some(path))?;
        migrate(&mut conn, path)?;
        tracing::info!(path = %path.display(), "store opened");
        Ok(Store { conn, path: Some(path.to_owned()) })
    }

    /// Open a database that must exist already: a missing or 0-byte file
    /// is refused untouched rather than created. For the staff commands
    /// (`outbox`, `backup`, `restore`, `doctor`), which must never turn a
    /// lost database into a fresh one the daemon would then start on.
    pub fn open_existing(path: &Path) -> Result<Store> {
        match std::fs::metadata(path) {
            Ok(m) if m.len() > 0 => Store::open(path),
            Ok(_) => Err(StoreError::NoDatabase { path: path.to_owned(), state: "empty (0 bytes)" }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StoreError::NoDatabase { path: path.to_owned(), state: "missing" })
            }
            Err(source) => Err(StoreError::StateDir { path: path.to_owned(), source }),
        }
    }

    /// A private database in memory with the same schema, for tests. WAL is
    /// not available in memory; nothing else differs.
    pub fn open_in_memory() -> Result<Store> {
        let path = Path::new(":memory:");
        let mut conn = Connection::open_in_memory().map_err(|e| classify(path, e))?;
        configure(&conn, None)?;
        migrate(&mut conn, path)?;
        Ok(Store { conn, path: None })
    }

    /// The durability settings as read back from SQLite.
    pub fn pragmas(&self) -> Result<Pragmas> {
        let get_i64 = |name: &str| self.conn.pragma_query_value(None, name, |r| r.get::<_, i64>(0));
        Ok(Pragmas {
            journal_mode: self.conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?,
            synchronous: get_i64("synchronous")?,
            foreign_keys: get_i64("foreign_keys")? != 0,
            busy_timeout_ms: get_i64("busy_timeout")?,
        })
    }

    /// How many migrations the database has been through.
    pub fn schema_version(&self) -> Result<usize> {
        migrations::migrations()
            .current_version(&self.conn)
            .map(usize::from)
            .map_err(|source| StoreError::Migration { path: self.shown_path(), source })
    }

    /// The path for messages (`:memory:` in memory).
    fn shown_path(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(|| PathBuf::from(":memory:"))
    }
}

/// Turn an SQLite error met while opening into the operator's error.
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    let path = path.to_owned();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotADatabase { path },
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt { path, detail: e.to_string() },
        _ => StoreError::Open { path, source: e },
    }
}

/// Decide whether an existing file is ours, without writing to it.
fn check_existing(conn: &Connection, path: &Path) -> Result<()> {
    // Closing the last connection of a WAL database checkpoints it into the
    // main file; until the file is known to be ours, not even that.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true).map_err(|e| classify(path, e))?;
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(|e| classify(path, e))?;
    if app_id != APPLICATION_ID {
        // An empty database nobody has claimed is what a power cut during the
        // very first start leaves (the WAL switch writes the header before
        // migration 1 commits); taking it loses nothing.
        if app_id == 0 && is_blank(conn).map_err(|e| classify(path, e))? {
            tracing::info!(path = %path.display(), "claiming an empty SQLite database");
        } else {
            return Err(StoreError::Foreign { path: path.to_owned() });
        }
    } else {
        quick_check(conn, path)?;
    }
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false).map_err(|e| classify(path, e))?;
    Ok(())
}

/// No tables, no schema version: an empty database.
fn is_blank(conn: &Connection) -> rusqlite::Result<bool> {
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok(objects == 0 && version == 0)
}

/// `PRAGMA quick_check`: one row `ok`, or rows describing the damage.
fn quick_check(conn: &Connection, path: &Path) -> Result<()> {
    let corrupt = |detail: String| StoreError::Corrupt { path: path.to_owned(), detail };
    let run = || -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare("PRAGMA quick_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.take(QUICK_CHECK_LINES).collect()
    };
    let rows = run().map_err(|e| classify(path, e))?;
    if let [only] = rows.as_slice()
        && only == "ok"
    {
        return Ok(());
    }
    // One line for the journal: SQLite puts several findings, and a
    // "*** in database main ***" header, into one row.
    let findings: Vec<&str> =
        rows.iter().flat_map(|r| r.lines()).map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("***")).collect();
    if findings.is_empty() {
        return Err(corrupt("quick_check found damage but did not say where".into()));
    }
    Err(corrupt(format!("quick_check: {}", findings.join("; "))))
}

/// The pragmas of every connection. `path` is `None` in memory, where WAL
/// is impossible.
fn configure(conn: &Connection, path: Option<&Path>) -> Result<()> {
    let shown = path.unwrap_or(Path::new(":memory:"));
    let set = || -> rusqlite::Result<String> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(mode)
    };
    let mode = set().map_err(|e| classify(shown, e))?;
    super::counts::watch(conn);
    if path.is_some() && !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Unsafe {
            path: shown.to_owned(),
            detail: format!(
                "SQLite could not switch it to WAL journaling (it stays in {mode:?} mode); keep the state directory on a local disk"
            ),
        });
    }
    Ok(())
}

/// Bring the schema up to date, refusing a database from a newer version
/// instead of guessing at its tables.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let failed = |source| StoreError::Migration { path: path.to_owned(), source };
    let migrations = migrations::migrations();
    if migrations.pending_migrations(conn).map_err(failed)? < 0 {
        let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| classify(path, e))?;
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: usize::try_from(found).unwrap_or(usize::MAX),
            known: migrations::COUNT,
        });
    }
    migrations.to_latest(conn).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_store_is_migrated_and_configured() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.schema_version().unwrap(), migrations::COUNT);
        let p = store.pragmas().unwrap();
        assert_eq!(p.synchronous, 2);
        assert!(p.foreign_keys);
        assert_eq!(p.busy_timeout_ms, 5000);
        let id: i32 = store.conn.pragma_query_value(None, "application_id", |r| r.get(0)).unwrap();
        assert_eq!(id, APPLICATION_ID);
    }

    #[test]
    fn application_id_spells_bkst() {
        assert_eq!(APPLICATION_ID.to_be_bytes(), *b"BkSt");
    }

    #[test]
    fn an_empty_sqlite_database_is_claimed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blank.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        }
        assert!(std::fs::metadata(&path).unwrap().len() > 0);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), migrations::COUNT);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.db");
        drop(Store::open(&path).unwrap());
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    }
}
