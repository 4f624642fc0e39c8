//! `[display]`: the touch panel as it is mounted, so "controls lower" can
//! keep every control within a wheelchair user's reach. The touch UI reads
//! it (`src/ui/display.rs`); the engine never does.

use serde::{Deserialize, Serialize};

/// The lowest a control may be, in mm above the floor (KS X 9211 and the
/// Korean kiosk accessibility criteria: 400–1200 mm for a wheelchair user).
pub const REACH_LOW_MM: u32 = 400;
/// The highest a control may be, in mm above the floor.
pub const REACH_HIGH_MM: u32 = 1200;
/// "Controls lower" puts a screen's controls in the part of the panel
/// within reach; less than this share of its height cannot hold them.
pub const MIN_SHARE_IN_REACH: f32 = 0.6;

/// `[display]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DisplayConfig {
    /// The visible panel's height in mm, as mounted (a 21.5" 16:9 panel
    /// in portrait: 476 mm; in landscape: 268 mm).
    pub panel_height_mm: u32,
    /// The height of the visible panel's bottom edge above the floor, in mm.
    pub bottom_edge_mm: u32,
}

impl Default for DisplayConfig {
    /// A 21.5" portrait panel at standing height: 900–1376 mm, its top
    /// 37% above the reach band.
    fn default() -> Self {
        Self { panel_height_mm: 476, bottom_edge_mm: 900 }
    }
}

impl DisplayConfig {
    /// The panel's top edge above the floor, in mm.
    pub fn top_edge_mm(&self) -> u32 {
        self.bottom_edge_mm.saturating_add(self.panel_height_mm)
    }

    /// Where the reach band lies on the panel: its top and bottom as
    /// fractions of the panel's height from the panel's top (0 = the top
    /// edge, 1 = the bottom edge), clamped to the panel.
    pub fn reach_band(&self) -> (f32, f32) {
        let from_top = |mm: u32| {
            let height = f64::from(self.panel_height_mm.max(1));
            ((f64::from(self.top_edge_mm()) - f64::from(mm)) / height).clamp(0.0, 1.0) as f32
        };
        (from_top(REACH_HIGH_MM), from_top(REACH_LOW_MM))
    }

    /// The share of the panel's height inside the reach band (0 to 1).
    pub fn share_in_reach(&self) -> f32 {
        let (top, bottom) = self.reach_band();
        bottom - top
    }

    /// How high above the floor (mm) a point stands that is `fraction` of
    /// the panel's height down from its top edge.
    pub fn mm_above_floor(&self, fraction: f64) -> f64 {
        f64::from(self.top_edge_mm()) - fraction * f64::from(self.panel_height_mm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reach_band_on_the_default_panel() {
        let d = DisplayConfig::default();
        assert_eq!(d.top_edge_mm(), 1376);
        let (top, bottom) = d.reach_band();
        // 176 mm of 476 above 1200 mm; the bottom edge (900 mm) is above 400 mm.
        assert!((top - 176.0 / 476.0).abs() < 1e-6, "{top}");
        assert_eq!(bottom, 1.0);
        assert!((d.mm_above_floor(f64::from(top)) - 1200.0).abs() < 1e-3);
        assert_eq!(d.mm_above_floor(1.0), 900.0);
    }

    #[test]
    fn a_panel_all_within_reach_and_one_reaching_below_it() {
        let low = DisplayConfig { panel_height_mm: 476, bottom_edge_mm: 700 };
        assert_eq!(low.reach_band(), (0.0, 1.0));
        assert_eq!(low.share_in_reach(), 1.0);
        // A tall panel from 300 mm: its lowest 100 mm is too low to reach.
        let tall = DisplayConfig { panel_height_mm: 1000, bottom_edge_mm: 300 };
        let (top, bottom) = tall.reach_band();
        assert!((top - 0.1).abs() < 1e-6 && (bottom - 0.9).abs() < 1e-6, "{top} {bottom}");
    }
}
