//! "Controls lower" on the configured panel: every control on every patron
//! screen stands within a wheelchair user's reach, 400–1200 mm above the
//! floor (KS X 9211; the Korean kiosk accessibility criteria), and the part
//! of the panel above that band shows information, never a control and
//! never an empty slab. Each control is found as the screen reader and the
//! narrator find it (its accessible role), its box mapped to millimetres
//! through the panel's `[display]` geometry.

mod common;

use bookstation::config::{DisplayConfig, REACH_HIGH_MM, REACH_LOW_MM};
use bookstation::ui::{AppWindow, is_control, show_panel};
use common::ui::UiKiosk;
use common::*;
use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot};
use serde_json::json;
use slint::ComponentHandle;
use std::ops::ControlFlow;

/// An element drawn on the window: its label, top and bottom (px).
struct Placed {
    label: String,
    role: AccessibleRole,
    top: f32,
    bottom: f32,
}

/// Every element with an accessible role that is drawn on the window.
fn placed(window: &AppWindow) -> Vec<Placed> {
    let size = window.window().size().to_logical(window.window().scale_factor());
    let mut all = Vec::new();
    let _ = window.root_element().visit_descendants(|e: ElementHandle| -> ControlFlow<()> {
        let (p, s) = (e.absolute_position(), e.size());
        let drawn = s.width > 0.0 && s.height > 0.0 && p.y < size.height && p.y + s.height > 0.0;
        if let (true, Some(role)) = (drawn, e.accessible_role()) {
            let label = e.accessible_label().map(|l| l.replace('\u{2060}', "")).unwrap_or_default();
            all.push(Placed { label, role, top: p.y, bottom: p.y + s.height });
        }
        ControlFlow::Continue(())
    });
    all
}

/// The panel's height in px and the reach band's top and bottom on it (px).
fn band(window: &AppWindow, panel: &DisplayConfig) -> (f32, f32, f32) {
    let height = window.window().size().to_logical(window.window().scale_factor()).height;
    let (top, bottom) = panel.reach_band();
    (height, top * height, bottom * height)
}

/// Checks the screen on show; a broken rule is pushed onto `failures`.
/// Returns how many controls were checked.
fn check(ui: &UiKiosk, panel: &DisplayConfig, screen: &str, failures: &mut Vec<String>) -> usize {
    let (height, band_top, band_bottom) = band(&ui.window, panel);
    let mm = |y: f32| panel.mm_above_floor(f64::from(y / height));
    let all = placed(&ui.window);
    let controls: Vec<&Placed> = all.iter().filter(|p| is_control(p.role)).collect();
    assert!(!controls.is_empty(), "{screen}: no control found");
    for c in &controls {
        // Inside the window first: a control hanging below it is not in
        // reach, however high its top.
        if c.top < -0.5 || c.bottom > height + 0.5 {
            failures.push(format!(
                "{screen}: {:?} ({:?}) is cut by the window's edge (px {:.0}–{:.0} of {height:.0})",
                c.label, c.role, c.top, c.bottom
            ));
            continue;
        }
        let (high, low) = (mm(c.top), mm(c.bottom));
        // Half a pixel of rounding either way.
        if high > f64::from(REACH_HIGH_MM) + 0.5 || low < f64::from(REACH_LOW_MM) - 0.5 {
            failures.push(format!(
                "{screen}: {:?} ({:?}) spans {low:.0}–{high:.0} mm above the floor (px {:.0}–{:.0})",
                c.label, c.role, c.top, c.bottom
            ));
        }
    }
    if band_top > 0.0 {
        // Above the band: information (the title at least), no dead band.
        let shown_above = all.iter().any(|p| p.role == AccessibleRole::Text && p.top < band_top && !p.label.is_empty());
        if !shown_above {
            failures.push(format!("{screen}: nothing to read above the reach band ({band_top:.0} px)"));
        }
        // The controls start where the band starts: no unused strip inside it.
        let first = controls.iter().map(|c| c.top).fold(f32::MAX, f32::min);
        if first - band_top > height * 0.1 {
            failures
                .push(format!("{screen}: the first control is {:.0} px below the reach band's top", first - band_top));
        }
    }
    assert!(band_bottom <= height + 0.5);
    controls.len()
}

/// English, controls lower and the text size for this session, as the access bar asks.
fn lower(ui: &mut UiKiosk, text_size: &str) {
    ui.world(async |k| {
        k.act(json!({"action": "language", "language": "en"})).await;
        k.act(json!({"action": "display", "text_size": text_size, "reach": true})).await;
    });
}

/// Every patron screen with controls lower at `text_size`, on `panel`.
/// Returns the broken rules and the controls checked.
fn walk(panel: DisplayConfig, text_size: &str) -> (Vec<String>, usize) {
    let mut ui = UiKiosk::on_testing_backend();
    show_panel(&ui.window, &panel);
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut at = |ui: &mut UiKiosk, screen: &str| checked += check(ui, &panel, screen, &mut failures);

    lower(&mut ui, text_size);
    at(&mut ui, "attract");
    ui.press("Type my member number");
    at(&mut ui, "attract, member number pad");
    ui.press("Cancel");
    ui.press("Help: reach the library");
    at(&mut ui, "help dialog");
    ui.press("Close help");
    ui.world(async |k| k.tap(GOOD).await);
    at(&mut ui, "pin");
    ui.type_digits(PIN);
    at(&mut ui, "home");
    ui.world(async |k| k.advance(45).await);
    at(&mut ui, "inactivity dialog");
    ui.press("Continue session");
    ui.world(async |k| k.act(json!({"action": "browse"})).await);
    at(&mut ui, "browse");
    ui.press("Search by title or author");
    at(&mut ui, "browse, keyboard");
    ui.press("Search by title or author");
    ui.world(async |k| k.act(json!({"action": "detail", "item_id": "MP0001"})).await);
    at(&mut ui, "detail");
    ui.world(async |k| {
        k.act(json!({"action": "select", "item_id": "MP0001"})).await;
        k.act(json!({"action": "confirm"})).await;
    });
    at(&mut ui, "confirm");
    ui.world(async |k| k.act(json!({"action": "confirm"})).await);
    // The door's last seconds: "More time".
    ui.world(async |k| k.advance(41).await);
    at(&mut ui, "dispensing, more time");
    ui.world(async |k| {
        k.take(1).await;
        k.close(1).await;
    });
    at(&mut ui, "receipt");
    ui.world(async |k| {
        k.act(json!({"action": "logout"})).await;
        k.scan("MP0041").await;
    });
    lower(&mut ui, text_size);
    at(&mut ui, "return");
    ui.world(async |k| {
        k.put(41, "MP0041").await;
        k.close(41).await;
        k.act(json!({"action": "logout"})).await;
        k.login(SUSPENDED).await;
    });
    lower(&mut ui, text_size);
    at(&mut ui, "refusal");
    ui.world(async |k| {
        k.act(json!({"action": "logout"})).await;
        k.login(HOLDER).await;
    });
    lower(&mut ui, text_size);
    at(&mut ui, "home with a hold");
    ui.world(async |k| k.act(json!({"action": "pickup_holds"})).await);
    at(&mut ui, "holds");
    (failures, checked)
}

#[track_caller]
fn assert_within_reach(panel: DisplayConfig, text_size: &str) {
    let (failures, checked) = walk(panel, text_size);
    assert!(checked > 100, "only {checked} controls checked");
    assert!(failures.is_empty(), "{panel:?}, text {text_size}:\n{}", failures.join("\n"));
}

#[test]
fn every_control_is_within_reach_on_the_default_panel() {
    assert_within_reach(DisplayConfig::default(), "normal");
}

#[test]
fn every_control_is_within_reach_in_large_text() {
    assert_within_reach(DisplayConfig::default(), "1.5x");
}

#[test]
fn every_control_is_within_reach_in_the_largest_text() {
    assert_within_reach(DisplayConfig::default(), "2x");
}

/// The highest mount the config accepts (60% of the panel within reach).
#[test]
fn every_control_is_within_reach_on_the_highest_panel_allowed() {
    let panel = DisplayConfig { panel_height_mm: 476, bottom_edge_mm: 914 };
    assert!(panel.share_in_reach() >= 0.6 && panel.share_in_reach() < 0.61, "{}", panel.share_in_reach());
    assert_within_reach(panel, "normal");
}

/// A panel low enough to be all within reach: nothing moves, nothing to check above.
#[test]
fn a_panel_all_within_reach_keeps_its_layout() {
    let panel = DisplayConfig { panel_height_mm: 476, bottom_edge_mm: 700 };
    assert_eq!(panel.reach_band(), (0.0, 1.0));
    assert_within_reach(panel, "normal");
}

/// Without controls lower, the default panel's top bar is out of reach:
/// the check finds what it is there to find.
#[test]
fn without_controls_lower_the_top_bar_is_out_of_reach() {
    let mut ui = UiKiosk::on_testing_backend();
    show_panel(&ui.window, &DisplayConfig::default());
    ui.press("English");
    ui.world(async |k| k.tap(GOOD).await);
    let mut failures = Vec::new();
    check(&ui, &DisplayConfig::default(), "pin", &mut failures);
    assert!(failures.iter().any(|f| f.contains("\"Help: reach the library\"")), "{failures:?}");
}
