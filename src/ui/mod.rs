//! The bridge between the engine and the Slint window: the engine's view
//! state becomes the `Api` global's properties and models; the window's
//! callbacks become engine actions. The engine runs on tokio, the window on
//! Slint's event loop; views cross over with `invoke_from_event_loop`.
//! This module is the only place that sees Slint's generated types.
//! `hangul` needs no Slint and is there without the `ui` feature too.

#[cfg(feature = "ui")]
mod book_rows;
#[cfg(feature = "ui")]
mod bridge;
#[cfg(feature = "ui")]
mod covers;
#[cfg(feature = "ui")]
mod display;
pub mod hangul;
#[cfg(feature = "ui")]
mod narrator;
#[cfg(feature = "ui")]
mod simulator;
#[cfg(feature = "ui")]
mod window;

/// The types generated from `ui/app.slint`.
#[cfg(feature = "ui")]
#[allow(clippy::all, clippy::pedantic, clippy::restriction)]
mod generated {
    slint::include_modules!();
}

#[cfg(feature = "ui")]
pub use bridge::Bridge;
#[cfg(feature = "ui")]
pub use covers::{CoverSize, Covers};
#[cfg(feature = "ui")]
pub use display::show_panel;
#[cfg(feature = "ui")]
pub use generated::{
    Api, AppWindow, DispenseStep, EventKind, Language, Notice, NoticeKind, Page, Palette, Problem, Refusal, ReturnStep,
    Sim, SimulatorWindow, Speech, StaffTask, TextSize, Theme,
};
#[cfg(feature = "ui")]
pub use narrator::{Narrator, is_control, key_name, key_text};
#[cfg(feature = "ui")]
pub use simulator::SimulatorPanel;
#[cfg(feature = "ui")]
pub use window::{UiError, WindowOptions, close_windows, run_windows};
