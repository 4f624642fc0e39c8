//! `bookstation reset-state`: the only way a state directory that has run
//! a kiosk starts over, on purpose. The daemon never does it by itself (a
//! lost database or card key stops it, see `store/state_dir.rs`), and no
//! flag of `run` does it, so a unit file cannot repeat it at every restart:
//! this is a one-shot command, run by hand with the daemon stopped.

use anyhow::Context;
use bookstation::control;
use bookstation::store::state_dir;
use std::path::Path;

/// What to start over.
#[derive(Debug, Clone, Copy)]
pub enum Reset {
    /// Move the database, card key, world and covers aside; the next start
    /// creates a new database numbering after `seq_after`.
    NewHistory { seq_after: Option<i64> },
    /// A new card key beside the existing database.
    NewCardKey,
}

pub fn run(state_dir: &Path, reset: Reset) -> anyhow::Result<()> {
    let socket = control::socket_path(state_dir);
    if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
        anyhow::bail!("a daemon is running on {} ({} answers): stop it first", state_dir.display(), socket.display());
    }
    anyhow::ensure!(state_dir.is_dir(), "{} is not a directory", state_dir.display());
    let _lock = super::backup::lock_state(state_dir).context("stop the daemon first (systemctl stop bookstation)")?;
    match reset {
        Reset::NewHistory { seq_after } => {
            let now = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
            let done = state_dir::discard_history(state_dir, seq_after, &now)?;
            outln!("moved {} into {}", done.moved.join(", "), done.aside.display())?;
            outln!(
                "the next start creates a new database; its first event gets seq {} (after {}, the last the district holds)",
                done.seq_after.saturating_add(1),
                done.seq_after
            )?;
        }
        Reset::NewCardKey => {
            let key = state_dir::new_card_key(state_dir)?;
            outln!(
                "created a new card key {}; cached patrons and their offline PIN verifiers are forgotten (relearnt at their next online sign-in)",
                key.display()
            )?;
        }
    }
    Ok(())
}
