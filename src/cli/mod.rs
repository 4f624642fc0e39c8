//! Command-line parsing and the subcommands, each in its own file.

mod daemon;
mod doctor;
mod outbox;
mod sim;

use anyhow::Context;
use bookstation::config::Config;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Where the demo keeps its state unless told otherwise.
const DEMO_STATE_DIR: &str = "demo-state";

#[derive(Debug, Parser)]
#[command(name = "bookstation", version, about = "Unmanned 24-hour book-locker library kiosk")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the kiosk daemon with a config file.
    Run {
        #[arg(long, default_value = "/etc/bookstation/bookstation.toml")]
        config: PathBuf,
    },
    /// Run the demo kiosk: simulated hardware, simulated district, demo books and cards.
    Demo {
        /// No window: drive the kiosk through `bookstation sim` (the touch UI is not built yet, so this is required).
        #[arg(long)]
        headless: bool,
        /// State directory (database, simulated world, control socket); created if missing.
        #[arg(long, default_value = DEMO_STATE_DIR)]
        state_dir: PathBuf,
    },
    /// Drive a running kiosk with simulated hardware through its control socket.
    Sim {
        #[arg(long, default_value = DEMO_STATE_DIR)]
        state_dir: PathBuf,
        #[command(subcommand)]
        command: sim::SimCmd,
    },
    /// Look at the outbox of events waiting for the district.
    Outbox {
        #[arg(long, default_value = DEMO_STATE_DIR)]
        state_dir: PathBuf,
        #[command(subcommand)]
        command: outbox::OutboxCmd,
    },
    /// Check the config, the database and the devices; non-zero exit when something is wrong.
    Doctor {
        /// Config file to check (its state directory is checked too).
        #[arg(long, conflicts_with = "state_dir")]
        config: Option<PathBuf>,
        /// Check a demo state directory instead of a config.
        #[arg(long)]
        state_dir: Option<PathBuf>,
    },
    /// Print a staff PIN's Argon2 hash for the config's `pin_argon2` (the PIN is read from stdin).
    HashPin {
        /// Also print the `card_sha256` digest of this staff card UID (hex, as the reader reports it).
        #[arg(long)]
        card: Option<String>,
    },
}

pub fn main(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run { config } => {
            let config = Config::load(&config)?;
            daemon::run(config, false)?;
        }
        Command::Demo { headless, state_dir } => {
            if !headless {
                anyhow::bail!("the kiosk window is not built yet: run `bookstation demo --headless`");
            }
            let config = daemon::demo_config(&state_dir)?;
            daemon::run(config, true)?;
        }
        Command::Sim { state_dir, command } => return sim::run(&state_dir, command),
        Command::Outbox { state_dir, command } => outbox::run(&state_dir, command)?,
        Command::Doctor { config, state_dir } => return doctor::run(config, state_dir),
        Command::HashPin { card } => {
            let mut pin = String::new();
            std::io::stdin().read_line(&mut pin).context("reading the PIN from stdin")?;
            let pin = pin.trim();
            anyhow::ensure!(pin.len() >= 4 && pin.chars().all(|c| c.is_ascii_digit()), "a PIN is 4 or more digits");
            let hash = bookstation::domain::staff::hash_pin(pin).map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
            if let Some(uid) = card {
                let digest = bookstation::domain::staff::staff_card_digest(&uid.to_ascii_uppercase());
                println!("card_sha256 = \"{digest}\"");
            }
            println!("pin_argon2 = \"{hash}\"");
        }
    }
    Ok(ExitCode::SUCCESS)
}
