//! How much the store asks of SQLite, counted process-wide: the SQL
//! statements run and the transactions committed (each commit is an fsync of
//! the WAL under `synchronous=FULL`). Counts, not times, so they do not drift
//! with a busy machine: `make bench` prints them per flow, and
//! `tests/store_counts.rs` asserts a borrow costs the same at 500 lockers as
//! at 40.

use rusqlite::Connection;
use rusqlite::trace::{TraceEvent, TraceEventCodes};
use std::sync::atomic::{AtomicU64, Ordering};

static STATEMENTS: AtomicU64 = AtomicU64::new(0);
static COMMITS: AtomicU64 = AtomicU64::new(0);

/// What the store has run so far, in every connection of this process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    /// Statements SQLite began to run (a trigger's own are not counted).
    pub statements: u64,
    /// `COMMIT`s among them.
    pub commits: u64,
}

impl StoreCounts {
    /// The counts now.
    pub fn now() -> Self {
        Self { statements: STATEMENTS.load(Ordering::Relaxed), commits: COMMITS.load(Ordering::Relaxed) }
    }

    /// What ran between `earlier` and now.
    pub fn since(earlier: Self) -> Self {
        let now = Self::now();
        Self { statements: now.statements - earlier.statements, commits: now.commits - earlier.commits }
    }
}

fn count(event: TraceEvent<'_>) {
    if let TraceEvent::Stmt(_, sql) = event {
        // SQLite reports a trigger's statements as comments ("-- TRIGGER ...").
        if sql.starts_with("--") {
            return;
        }
        STATEMENTS.fetch_add(1, Ordering::Relaxed);
        if sql.trim_start().get(..6).is_some_and(|w| w.eq_ignore_ascii_case("commit")) {
            COMMITS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Count what `conn` runs from now on.
pub(super) fn watch(conn: &Connection) {
    conn.trace_v2(TraceEventCodes::SQLITE_TRACE_STMT, Some(count));
}
