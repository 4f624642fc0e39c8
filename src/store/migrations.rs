//! The schema migrations, compiled into the binary so a kiosk never depends
//! on SQL files lying around. Append new migrations; never edit a released
//! one, since kiosks in the field have already run it.

use rusqlite_migration::{M, Migrations};

/// Every migration in order; a database's `user_version` counts how many ran.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("sql/001_initial.sql")),
    M::up(include_str!("sql/002_pin_guard.sql")),
    M::up(include_str!("sql/003_cache_acked_through.sql")),
    M::up(include_str!("sql/004_category_en.sql")),
    M::up(include_str!("sql/005_library_due_date.sql")),
    M::up(include_str!("sql/006_other_libraries_books.sql")),
];

/// How many migrations this build knows: the current schema version.
pub(super) const COUNT: usize = MIGRATIONS.len();

pub(super) fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }
}
