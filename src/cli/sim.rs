//! `bookstation sim`: one request to a running kiosk's control socket, the
//! answer printed as JSON. The same requests a test script or the demo's
//! simulator window sends.

use bookstation::control;
use clap::Subcommand;
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum SimCmd {
    /// Print the view state.
    State,
    /// Print the simulated world: doors, books, bin, network.
    World,
    /// Hold a card on the reader (UID in hex).
    TapCard { uid: String },
    /// Take the card off the reader.
    RemoveCard,
    /// Scan a barcode or QR text.
    Scan { text: String },
    /// Take the book out of an open locker.
    Take { slot: u16 },
    /// Put a book (by barcode) into an open locker or the return bin.
    Put { slot: u16, barcode: String },
    /// Close a door.
    Close { slot: u16 },
    /// Jam a door so it does not open (`--release` to free it).
    Jam {
        slot: u16,
        #[arg(long)]
        release: bool,
    },
    /// Take every book out of the open return bin (staff unloading).
    EmptyBin,
    /// Plug the locker board in or out.
    Board { state: Plug },
    /// Plug the network in or out.
    Network { state: Plug },
    /// Send a UI action as JSON, e.g. '{"action":"select","item_id":"MP0001"}'.
    Act { json: String },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Plug {
    Up,
    Down,
}

fn request(command: SimCmd) -> String {
    let value = match command {
        SimCmd::State => json!({"sim": "state"}),
        SimCmd::World => json!({"sim": "world"}),
        SimCmd::TapCard { uid } => json!({"sim": "tap_card", "uid": uid}),
        SimCmd::RemoveCard => json!({"sim": "remove_card"}),
        SimCmd::Scan { text } => json!({"sim": "scan", "text": text}),
        SimCmd::Take { slot } => json!({"sim": "take", "slot": slot}),
        SimCmd::Put { slot, barcode } => json!({"sim": "put", "slot": slot, "barcode": barcode}),
        SimCmd::Close { slot } => json!({"sim": "close", "slot": slot}),
        SimCmd::Jam { slot, release } => json!({"sim": "jam", "slot": slot, "jammed": !release}),
        SimCmd::EmptyBin => json!({"sim": "empty_bin"}),
        SimCmd::Board { state } => json!({"sim": "board", "online": matches!(state, Plug::Up)}),
        SimCmd::Network { state } => json!({"sim": "network", "up": matches!(state, Plug::Up)}),
        SimCmd::Act { json } => return json,
    };
    value.to_string()
}

pub fn run(state_dir: &Path, command: SimCmd) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let socket = control::socket_path(state_dir);
    let answer = runtime.block_on(control::request(&socket, &request(command)))?;
    outln!("{}", serde_json::to_string_pretty(&answer)?)?;
    let ok = answer.get("ok").and_then(serde_json::Value::as_bool).unwrap_or(false);
    if !ok {
        if let Some(e) = answer.get("error").and_then(serde_json::Value::as_str) {
            errln!("bookstation sim: {e}");
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
