//! The patron's display modes and the panel's geometry onto `Theme`: the
//! text size both ways (the engine's [`TextSize`] and the UI's), and where
//! the wheelchair reach band lies on the panel.

use super::generated::{self as ui, AppWindow, Theme};
use crate::config::DisplayConfig;
use crate::engine::view::TextSize;
use slint::ComponentHandle;

/// The engine's text size as the UI's.
pub fn ui_text_size(size: TextSize) -> ui::TextSize {
    match size {
        TextSize::Normal => ui::TextSize::Normal,
        TextSize::Large => ui::TextSize::Large,
        TextSize::Largest => ui::TextSize::Largest,
    }
}

/// The UI's text size as the engine's.
pub fn from_ui_text_size(size: ui::TextSize) -> TextSize {
    match size {
        ui::TextSize::Normal => TextSize::Normal,
        ui::TextSize::Large => TextSize::Large,
        ui::TextSize::Largest => TextSize::Largest,
    }
}

/// Tell the window where the reach band lies on the configured panel, so
/// "controls lower" keeps every control inside it.
pub fn show_panel(window: &AppWindow, panel: &DisplayConfig) {
    let (top, bottom) = panel.reach_band();
    let theme = window.global::<Theme>();
    theme.set_reach_top(top);
    theme.set_reach_bottom(bottom);
}
