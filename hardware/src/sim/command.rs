//! What a tester, a trainer or the simulator window does to the simulated
//! kiosk, as one value: the control socket's `{"sim": …}` requests and the
//! simulator window's buttons both become a [`SimCommand`], and
//! [`SimWorld::apply`] is the one place it reaches the world.

use serde::Deserialize;

use super::{SimError, SimWorld};

/// One thing done to the simulated kiosk. JSON: `{"sim":"take","slot":3}`.
/// Variants without fields are written `State {}` so that a field the
/// command does not have is refused by name, as for every other variant.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "sim", rename_all = "snake_case", deny_unknown_fields)]
pub enum SimCommand {
    /// Nothing to the world: just answer with the view state.
    State {},
    /// Nothing to the world: answer with its snapshot (doors, books, network).
    World {},
    /// A card on the reader.
    TapCard { uid: String },
    /// The card taken off the reader.
    RemoveCard {},
    /// A barcode or QR code shown to the scanner.
    Scan { text: String },
    /// The book taken out of an open locker.
    Take { slot: u16 },
    /// A book put into an open locker (or the return bin).
    Put { slot: u16, barcode: String },
    /// A door pushed shut.
    Close { slot: u16 },
    /// A door's latch jammed (or freed).
    Jam {
        slot: u16,
        #[serde(default = "yes")]
        jammed: bool,
    },
    /// Staff take every book out of the open return bin.
    EmptyBin {},
    /// The locker board powered on or off.
    Board { online: bool },
    /// The network cable plugged in or pulled.
    Network { up: bool },
}

fn yes() -> bool {
    true
}

impl SimWorld {
    /// Do `command` to the world. A command the world cannot carry out (a
    /// slot that does not exist, a closed door) changes nothing and says why.
    pub fn apply(&self, command: &SimCommand) -> Result<(), SimError> {
        match command {
            SimCommand::State {} | SimCommand::World {} => Ok(()),
            SimCommand::TapCard { uid } => {
                self.tap_card(uid);
                Ok(())
            }
            SimCommand::RemoveCard {} => {
                self.remove_card();
                Ok(())
            }
            SimCommand::Scan { text } => {
                self.scan(text);
                Ok(())
            }
            SimCommand::Take { slot } => self.take(*slot).map(drop),
            SimCommand::Put { slot, barcode } => self.put(*slot, barcode),
            SimCommand::Close { slot } => self.close(*slot),
            SimCommand::Jam { slot, jammed } => self.jam(*slot, *jammed),
            SimCommand::EmptyBin {} => self.empty_bin().map(drop),
            SimCommand::Board { online } => {
                self.set_board_online(*online);
                Ok(())
            }
            SimCommand::Network { up } => {
                self.set_network(*up);
                Ok(())
            }
        }
    }
}
