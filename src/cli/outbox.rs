//! `bookstation outbox`: the events waiting for (or already taken by) the
//! district, read straight from the database.

use anyhow::Context;
use bookstation::store::{OutboxState, Store};
use clap::Subcommand;
use std::path::Path;

#[derive(Debug, Subcommand)]
pub enum OutboxCmd {
    /// The events, oldest first, as JSON lines.
    List {
        /// Only events in this state.
        #[arg(long, value_enum)]
        state: Option<StateArg>,
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// Counts by state and the age of the oldest pending event, as JSON.
    Stats,
    /// Make every pending event due now (forget the back-off); with
    /// --rejected, also put rejected events back in the queue. A running
    /// kiosk sends them at its next look (`district.sync_interval_secs`).
    Retry {
        /// Also re-send events the district rejected (after staff fixed the cause).
        #[arg(long)]
        rejected: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StateArg {
    Pending,
    Acked,
    Rejected,
}

pub fn run(state_dir: &Path, command: OutboxCmd) -> anyhow::Result<()> {
    let path = state_dir.join("bookstation.db");
    // Never Store::open: it would turn a lost (0-byte) database into a fresh one.
    let mut store = Store::open_existing(&path).with_context(|| format!("opening {}", path.display()))?;
    match command {
        OutboxCmd::List { state, limit } => {
            let state = state.map(|s| match s {
                StateArg::Pending => OutboxState::Pending,
                StateArg::Acked => OutboxState::Acked,
                StateArg::Rejected => OutboxState::Rejected,
            });
            for event in store.outbox(state, limit)? {
                outln!("{}", serde_json::to_string(&event)?)?;
            }
        }
        OutboxCmd::Stats => outln!("{}", serde_json::to_string_pretty(&store.outbox_stats()?)?)?,
        OutboxCmd::Retry { rejected } => {
            let (due, requeued) = store.retry_now(rejected)?;
            outln!("{}", serde_json::json!({ "made_due": due, "requeued_rejected": requeued }))?;
        }
    }
    Ok(())
}
