//! The kiosk's durable memory: one SQLite file with the slots and what is in
//! them, the catalogue, the journal of intents, the outbox of events for the
//! district, the offline patron cache and the kiosk's own switches. This is
//! the only module that speaks SQL.
//!
//! # Durability
//!
//! [`Store`] owns the one connection that writes. It runs in WAL mode with
//! `synchronous=FULL`: when a write method returns `Ok`, its transaction is in
//! the WAL and the WAL has been fsynced, so it survives a power cut. Invariant 1
//! leans on exactly that: the engine opens a door only after
//! [`Store::begin_intent`] has returned. Every `&mut self` method is a single
//! transaction, so a crash leaves all of its rows or none of them.
//! [`Store::complete_intent`] closes the intent, changes the slot and appends
//! the event together, which is how an intent gets exactly one outcome
//! (invariant 3) and every outcome exactly one event with a fresh UUIDv7 and
//! `seq` (invariant 2).
//!
//! [`Store::open`] refuses a file that is not a Bookstation database or is
//! damaged, without writing to it, and says what the operator should do. The
//! engine's tokio actor reaches the store through [`AsyncStore`], which keeps
//! the fsyncs off tokio's worker threads.
//!
//! Nothing here logs a card UID, a patron id or a PIN.

mod async_store;
mod card_key;
mod counts;
mod items;
mod journal;
mod kiosk;
mod migrations;
mod open;
mod outbox;
mod patron_cache;
mod pin_guard;
mod slots;
pub mod state_dir;

pub use crate::domain::IntentId;
pub use async_store::AsyncStore;
pub use card_key::CardHasher;
pub use counts::StoreCounts;
pub use journal::{Intent, IntentState};
pub use open::{APPLICATION_ID, Pragmas};
pub use outbox::{Delivered, OutboxEvent, OutboxState, OutboxStats};
pub use slots::BinBook;
pub use state_dir::open_state;

use crate::domain::{SlotNo, Timestamp};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};

/// The store's result type: almost every method can fail on the disk.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What can go wrong with the store. The variants for opening name the file
/// and tell the operator what to do, because they end up on the console of a
/// kiosk that refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot open the database {path}: {source}; check that its directory exists and that the daemon's user may write to it"
    )]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error(
        "{path} is not a SQLite database; refusing to touch it. Move it aside (or restore the backup it replaced) and start again"
    )]
    NotADatabase { path: PathBuf },
    #[error(
        "{path} is a SQLite database but not a Bookstation one; refusing to touch it. Point the config at another file or move this one aside"
    )]
    Foreign { path: PathBuf },
    #[error(
        "{path} is damaged ({detail}); stop the daemon, move the file and its -wal/-shm files aside and restore the latest backup"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{path} has schema version {found} but this Bookstation knows only up to {known}; run the newer Bookstation that wrote it, or restore a backup"
    )]
    TooNew { path: PathBuf, found: usize, known: usize },
    #[error("{path} cannot be used safely: {detail}")]
    Unsafe { path: PathBuf, detail: String },
    #[error("migrating {path} failed: {source}; the file was left as it was, restore a backup if it keeps failing")]
    Migration { path: PathBuf, source: rusqlite_migration::Error },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A value that would not turn into JSON; not expected with the domain's
    /// types, but an error beats a panic.
    #[error("cannot encode a value for the database: {0}")]
    Encode(#[from] serde_json::Error),
    /// A row the store cannot read back: the file was edited by hand or by a
    /// newer version. An error rather than a panic (invariant 6).
    #[error("unreadable row in table {table}: {detail}")]
    BadRow { table: &'static str, detail: String },
    /// The intent was already closed (or never existed): closing it again
    /// would give it a second outcome.
    #[error("intent {0} is not open")]
    IntentNotOpen(IntentId),
    /// A change that contradicts what the store holds (unknown slot, an item
    /// in two places, an event of the wrong kind for its intent).
    #[error("refused: {0}")]
    Conflict(String),
    #[error("the card key file {path}: {source}")]
    KeyIo { path: PathBuf, source: std::io::Error },
    #[error(
        "the card key file {path} holds {len} bytes instead of 32; it was left untouched. Restore it from a backup, or delete it to start a new key (cached patrons are then forgotten)"
    )]
    KeyLength { path: PathBuf, len: u64 },
    /// A state directory that has run a kiosk, without its database: the
    /// history the district holds would start again at seq 1.
    #[error(
        "{path} is {state} but {dir} has run a kiosk before ({signs}); refusing to start a new history, which would give out seq numbers the district already holds. Restore the latest backup: `bookstation restore --state-dir {dir} --from BACKUP_DIR`. Or, to start this kiosk over on purpose: `bookstation reset-state --state-dir {dir} --new-history --seq-after N`, N being the highest seq the district holds from this kiosk (docs/operations.md, \"Starting over\")"
    )]
    LostDatabase { path: PathBuf, dir: PathBuf, state: &'static str, signs: String },
    /// The database is there, its card key is not.
    #[error(
        "the card key {path} is missing beside the database {db}; refusing to make a new one silently (the patron cache and the offline PIN verifiers are keyed with the lost one). Restore it with the database from the latest backup: `bookstation restore --state-dir {dir} --from BACKUP_DIR`. Or make a new key on purpose, forgetting the cached patrons and their offline PIN verifiers (loans and the outbox stay): `bookstation reset-state --state-dir {dir} --new-card-key`"
    )]
    LostCardKey { path: PathBuf, db: PathBuf, dir: PathBuf },
    /// A command that works on an existing database found none.
    #[error(
        "{path} is {state}: there is no kiosk database to work on. If this kiosk has run before, restore its backup (`bookstation restore`); a new kiosk's database is created by its first start"
    )]
    NoDatabase { path: PathBuf, state: &'static str },
    #[error("{path}: {source}")]
    StateDir { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a new-history marker written by `bookstation reset-state` ({detail}); move it aside")]
    BadMarker { path: PathBuf, detail: String },
    #[error(
        "{path} holds {pending} pending and {rejected} rejected events the district has not taken; starting over would lose them. Let the kiosk deliver them (staff: sync now; `bookstation outbox list`), or back the state directory up and move the database aside by hand"
    )]
    Undelivered { path: PathBuf, pending: u64, rejected: u64 },
    #[error(
        "{path} is missing, empty or unreadable, so the last seq of the old history is unknown: give --seq-after N, the highest seq the district holds from this kiosk (0 for a kiosk the district has never heard from)"
    )]
    SeqAfterNeeded { path: PathBuf },
    /// The [`AsyncStore`] thread is gone (a closure panicked, or the store was
    /// shut down).
    #[error("the store thread has stopped")]
    Closed,
    #[error("cannot start the store thread: {0}")]
    Spawn(#[source] std::io::Error),
}

/// The kiosk's database, through its single writing connection. See the
/// module documentation for what a returned `Ok` promises.
#[derive(Debug)]
pub struct Store {
    /// The one writer; WAL lets the `doctor` command read beside it.
    conn: Connection,
    /// Where the file lives, for error messages; `None` in memory.
    path: Option<PathBuf>,
}

impl Store {
    /// The database file, or `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// A write transaction that takes the write lock at once, so a reader
    /// in another process (`doctor`) can never make it fail half-way.
    fn write(&mut self) -> Result<Transaction<'_>> {
        Ok(self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// A consistent copy of the whole database in a new file (`VACUUM
    /// INTO`), taken while the kiosk runs: readers do not block the writer
    /// in WAL mode. The file must not exist yet.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        let dest = dest.to_str().ok_or_else(|| StoreError::Conflict(format!("{} is not UTF-8", dest.display())))?;
        self.conn.execute("VACUUM INTO ?1", [dest])?;
        Ok(())
    }

    /// Take the write lock and read one row, then let go without writing:
    /// proves the file answers and no other process holds it (the
    /// watchdog's question). Fails after `busy_timeout` when it is held.
    pub fn probe(&mut self) -> Result<()> {
        let tx = self.write()?;
        tx.query_row("SELECT count(*) FROM kiosk_state", [], |r| r.get::<_, i64>(0))?;
        tx.rollback()?;
        Ok(())
    }
}

/// An error for a row that does not decode.
fn bad_row(table: &'static str, detail: impl Into<String>) -> StoreError {
    StoreError::BadRow { table, detail: detail.into() }
}

/// A slot number read from the database; anything out of `u16` is damage.
fn slot_no(table: &'static str, raw: i64) -> Result<SlotNo> {
    u16::try_from(raw).map(SlotNo).map_err(|_| bad_row(table, format!("slot number {raw} out of range")))
}

/// A non-negative counter read from the database.
fn count_u32(table: &'static str, column: &str, raw: i64) -> Result<u32> {
    u32::try_from(raw).map_err(|_| bad_row(table, format!("{column} = {raw} out of range")))
}

fn timestamp(raw: Option<i64>) -> Option<Timestamp> {
    raw.map(Timestamp)
}
