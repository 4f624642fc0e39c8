//! Command-line parsing and the subcommands, each in its own file.

#[macro_use]
mod output;

mod backup;
mod daemon;
#[cfg(feature = "demo")]
mod demo;
mod district;
mod doctor;
mod hardware;
mod memory;
mod outbox;
mod reset;
mod service;
mod sim;
mod status;

use anyhow::Context;
use bookstation::config::{Config, UiBackend};
use bookstation::ui::WindowOptions;
use clap::{Parser, Subcommand};
use std::io::{BufRead, Read};
use std::path::PathBuf;
use std::process::ExitCode;

/// Longest line `hash-pin` reads from stdin.
const MAX_PIN_LINE: usize = 256;

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
    /// Run the kiosk daemon with a config file. A state directory that has run a kiosk before but lost its database (missing or 0 bytes) or its card key is refused, naming the file: `restore` the backup, or see `reset-state`.
    Run {
        #[arg(long, default_value = "/etc/bookstation/bookstation.toml")]
        config: PathBuf,
        /// No window, whatever `[ui] backend` says.
        #[arg(long)]
        headless: bool,
        /// On first start, place the demo books in the simulated lockers and the store (mock hardware only), as `demo` does.
        #[cfg(feature = "demo")]
        #[arg(long)]
        demo_books: bool,
    },
    #[cfg(feature = "demo")]
    /// Run the demo kiosk: simulated hardware, simulated district, demo books and cards; opens the kiosk window and a simulator window unless --headless (or there is no display: then it says so and runs headless).
    Demo {
        /// No windows: drive the kiosk through `bookstation sim` only.
        #[arg(long)]
        headless: bool,
        /// State directory (database, simulated world, control socket); created if missing.
        #[arg(long, default_value = DEMO_STATE_DIR)]
        state_dir: PathBuf,
        /// A district server already running, instead of the simulated district started inside the demo: http://HOST:PORT (e.g. `bookstation district-sim`) or sip2://[USER@]HOST:PORT (a SIP2 library system; institution id MAPO, the generic dialect; with USER, a login 93 whose password comes from BOOKSTATION_SIP2_PASSWORD or --sip2-password-file, never the command line; docs/sip2.md).
        #[arg(long, value_name = "URL")]
        district: Option<String>,
        /// The SIP2 login's password for `--district sip2://USER@HOST:PORT`: a file only its owner may read, one line.
        #[arg(long, value_name = "FILE", requires = "district")]
        sip2_password_file: Option<PathBuf>,
        /// `pty`: the locker board is a simulated Kerong CU bus on a pseudo-terminal, driven by the real serial driver.
        #[arg(long, value_enum, default_value = "mock")]
        hardware: demo::DemoHardware,
        /// Lockers in the cabinet (40 to 2000): past the demo's 40, each holds a generated Korean or English book. With `--hardware pty`, 16 Kerong boards of 16 locks per bus, so more than 255 lockers take several buses. A state directory keeps the size it was first started with.
        #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u16).range(40..=2000))]
        lockers: u16,
    },
    #[cfg(feature = "demo")]
    /// Serve the simulated district over HTTP (the API of docs/district-api.md, plus /sim/state and /sim/faults).
    DistrictSim {
        /// Address to listen on, e.g. 127.0.0.1:8700 (port 0 picks a free one; the ready line says which).
        #[arg(long, default_value = "127.0.0.1:8700")]
        listen: std::net::SocketAddr,
        /// Keep the district's state in this JSON file (written after every change), so a restarted simulator remembers every event id.
        #[arg(long, value_name = "FILE")]
        db: Option<PathBuf>,
        /// Require this bearer token (a file readable by its owner only); without it any token is accepted.
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
        /// The kiosk id the district serves (default: the demo kiosk's).
        #[arg(long)]
        kiosk_id: Option<String>,
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
    /// Ask the running daemon how the kiosk is: screen, district, outbox and open faults (what the heartbeat reports). Exit 0: no fault; 2: faults; 1: the daemon could not be asked.
    Status {
        /// The daemon's config (its state directory holds the control socket).
        #[arg(long, default_value = "/etc/bookstation/bookstation.toml", conflicts_with = "state_dir")]
        config: PathBuf,
        /// Ask the daemon of this state directory instead (e.g. the demo's).
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Print the health as JSON (the heartbeat's body).
        #[arg(long)]
        json: bool,
    },
    /// Copy the database and the card key into a new directory while the kiosk runs (consistent snapshot, checked by opening it).
    Backup {
        #[arg(long, default_value = "/etc/bookstation/bookstation.toml", conflicts_with = "state_dir")]
        config: PathBuf,
        /// The state directory to back up instead of the config's.
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// A new directory for the copy.
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Put a backup made by `backup` back into the state directory; the daemon must be stopped.
    Restore {
        #[arg(long, default_value = "/etc/bookstation/bookstation.toml", conflicts_with = "state_dir")]
        config: PathBuf,
        /// The state directory to restore into instead of the config's.
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// The directory `backup --to` wrote.
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
    },
    /// Start a state directory over on purpose, with the daemon stopped: a new history (`--new-history`) or a new card key (`--new-card-key`). The daemon refuses to start on a lost database or card key in a directory that has run a kiosk; this is the deliberate way past that, when there is no backup to restore.
    #[command(group(clap::ArgGroup::new("what").required(true).args(["new_history", "new_card_key"])))]
    ResetState {
        #[arg(long, default_value = "/etc/bookstation/bookstation.toml", conflicts_with = "state_dir")]
        config: PathBuf,
        /// The state directory to reset instead of the config's.
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Move the database (and -wal, -shm), the card key, the simulated world and the cover cache into a new `discarded-<time>` directory; the next start creates a new database. Refused while the old database holds events the district has not taken.
        #[arg(long)]
        new_history: bool,
        /// The highest seq the district holds from this kiosk; the new history numbers after it. Required when the old database is missing, empty or unreadable (read from it otherwise).
        #[arg(long, value_name = "N", requires = "new_history")]
        seq_after: Option<i64>,
        /// Make a new card key beside the existing database, whose key was lost: cached patrons and offline PIN verifiers are forgotten, loans and the outbox stay.
        #[arg(long)]
        new_card_key: bool,
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
        #[cfg(feature = "demo")]
        Command::Run { config, headless, demo_books } => run(config, headless, demo_books)?,
        #[cfg(not(feature = "demo"))]
        Command::Run { config, headless } => run(config, headless, false)?,
        #[cfg(feature = "demo")]
        Command::Demo { headless, state_dir, district, sip2_password_file, hardware, lockers } => {
            demo::run(demo::DemoArgs { headless, state_dir, district, sip2_password_file, hardware, lockers })?
        }
        #[cfg(feature = "demo")]
        Command::DistrictSim { listen, db, token_file, kiosk_id } => {
            demo::district_sim(listen, db, token_file, kiosk_id)?
        }
        Command::Sim { state_dir, command } => return sim::run(&state_dir, command),
        Command::Outbox { state_dir, command } => outbox::run(&state_dir, command)?,
        Command::Doctor { config, state_dir } => return doctor::run(config, state_dir),
        Command::Status { config, state_dir, json } => return status::run(&state_dir_of(config, state_dir)?, json),
        Command::Backup { config, state_dir, to } => backup::backup(&state_dir_of(config, state_dir)?, &to)?,
        Command::Restore { config, state_dir, from } => backup::restore(&state_dir_of(config, state_dir)?, &from)?,
        Command::ResetState { config, state_dir, new_history, seq_after, new_card_key } => {
            let reset = match (new_history, new_card_key) {
                (true, false) => reset::Reset::NewHistory { seq_after },
                _ => reset::Reset::NewCardKey,
            };
            reset::run(&state_dir_of(config, state_dir)?, reset)?
        }
        Command::HashPin { card } => {
            // One short line, whatever stdin holds: a byte past the limit is a refusal.
            let mut pin = String::new();
            std::io::stdin()
                .lock()
                .take(MAX_PIN_LINE as u64 + 1)
                .read_line(&mut pin)
                .context("reading the PIN from stdin")?;
            anyhow::ensure!(pin.len() <= MAX_PIN_LINE, "the PIN is too long: one line of at most {MAX_PIN_LINE} bytes");
            let pin = pin.trim();
            anyhow::ensure!(pin.len() >= 4 && pin.chars().all(|c| c.is_ascii_digit()), "a PIN is 4 or more digits");
            let hash = bookstation::domain::staff::hash_pin(pin).map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
            if let Some(uid) = card {
                let digest = bookstation::domain::staff::staff_card_digest(&uid.to_ascii_uppercase());
                outln!("card_sha256 = \"{digest}\"")?;
            }
            outln!("pin_argon2 = \"{hash}\"")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `bookstation run`: the kiosk daemon with its config's window (or none).
fn run(config: PathBuf, headless: bool, demo_books: bool) -> anyhow::Result<()> {
    let config = Config::load(&config)?;
    let screen = match config.ui.backend {
        _ if headless => daemon::Screen::Headless,
        UiBackend::None => daemon::Screen::Headless,
        UiBackend::Linuxkms | UiBackend::Winit => daemon::Screen::Window(Box::new(WindowOptions {
            backend: if config.ui.backend == UiBackend::Winit { "winit" } else { "linuxkms" }.into(),
            simulator: false,
            fullscreen: config.ui.fullscreen,
            covers_dir: Some(config.kiosk.state_dir.join("covers")),
            demo_cards: Vec::new(),
            accessibility: config.accessibility.clone(),
            display: config.display,
        })),
    };
    daemon::run(config, demo_books, screen)?;
    Ok(())
}

/// The state directory given, else the one the config names.
fn state_dir_of(config: PathBuf, state_dir: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match state_dir {
        Some(dir) => Ok(dir),
        None => Ok(Config::load(&config)?.kiosk.state_dir),
    }
}
