//! Does every patron screen fit its window, in every mode? For each
//! language × text size × controls lower × orientation, the patron's tour
//! (start, PIN, home, shelf, book, confirm, receipt, return, refusal) is
//! walked on Slint's testing backend, and each control (found by its
//! accessible role, as the screen reader finds it) is checked:
//!
//! - **inside the window**: its box lies whole within the window (a control
//!   cut by the edge, or pushed off it, cannot be pressed);
//! - **not covered**: no two controls overlap;
//! - **the access bar is there**: the language switch is inside the window
//!   on every screen, so a patron can always switch a mode off again.
//!
//! The figures are printed as a table (`cargo test --test ui_fit --
//! --nocapture`). Issue 22 asks for zero; until the layouts are rebuilt to
//! fit by construction, the test holds the line at the counts measured when
//! it was written: a change that cuts or covers one control more fails, and
//! each fix lowers the ceiling (`CEILING`).

mod common;

use bookstation::ui::{AppWindow, is_control};
use common::ui::UiKiosk;
use common::*;
use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot};
use serde_json::json;
use slint::ComponentHandle;
use std::fmt::Write as _;
use std::ops::ControlFlow;

/// A control drawn on the window: its label and its box (logical px).
#[derive(Debug, Clone)]
struct Control {
    label: String,
    role: AccessibleRole,
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

impl Control {
    fn inside(&self, width: f32, height: f32) -> bool {
        const EPS: f32 = 0.5;
        self.x >= -EPS && self.y >= -EPS && self.x + self.w <= width + EPS && self.y + self.h <= height + EPS
    }

    fn overlap(&self, other: &Control) -> f32 {
        let w = (self.x + self.w).min(other.x + other.w) - self.x.max(other.x);
        let h = (self.y + self.h).min(other.y + other.h) - self.y.max(other.y);
        if w > 0.0 && h > 0.0 { w * h } else { 0.0 }
    }

    fn contains(&self, other: &Control) -> bool {
        self.x <= other.x + 0.5
            && self.y <= other.y + 0.5
            && self.x + self.w >= other.x + other.w - 0.5
            && self.y + self.h >= other.y + other.h - 0.5
    }
}

fn controls(window: &AppWindow) -> Vec<Control> {
    let mut all = Vec::new();
    let _ = window.root_element().visit_descendants(|e: ElementHandle| -> ControlFlow<()> {
        let (p, s) = (e.absolute_position(), e.size());
        if let Some(role) = e.accessible_role()
            && is_control(role)
            && s.width > 0.0
            && s.height > 0.0
        {
            let label = e.accessible_label().map(|l| l.replace('\u{2060}', "")).unwrap_or_default();
            all.push(Control { label, role, x: p.x, y: p.y, w: s.width, h: s.height });
        }
        ControlFlow::Continue(())
    });
    all
}

/// One mode combination.
#[derive(Debug, Clone, Copy)]
struct Mode {
    lang: &'static str,
    text: &'static str,
    reach: bool,
    landscape: bool,
}

/// What one screen in one mode broke.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    placements: usize,
    cut: usize,
    covered: usize,
    no_access_bar: usize,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.placements += other.placements;
        self.cut += other.cut;
        self.covered += other.covered;
        self.no_access_bar += other.no_access_bar;
    }
}

fn check(window: &AppWindow, screen: &str, mode: Mode, detail: &mut Vec<String>) -> Tally {
    let size = window.window().size().to_logical(window.window().scale_factor());
    let all = controls(window);
    let mut tally = Tally { placements: all.len(), ..Tally::default() };
    for c in &all {
        if !c.inside(size.width, size.height) {
            tally.cut += 1;
            detail.push(format!("{mode:?} {screen}: {:?} ({:?}) cut by the window's edge", c.label, c.role));
        }
    }
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            if a.overlap(b) > 4.0 && !a.contains(b) && !b.contains(a) {
                tally.covered += 1;
                detail.push(format!("{mode:?} {screen}: {:?} and {:?} overlap", a.label, b.label));
            }
        }
    }
    let switch = all.iter().any(|c| c.label == "한국어" && c.inside(size.width, size.height));
    if !switch {
        tally.no_access_bar += 1;
        detail.push(format!("{mode:?} {screen}: the access bar's language switch is not inside the window"));
    }
    tally
}

/// Language and modes for the session, as the access bar asks.
fn modes(ui: &mut UiKiosk, mode: Mode) {
    ui.world(async |k| {
        k.act(json!({"action": "language", "language": mode.lang})).await;
        k.act(json!({"action": "display", "text_size": mode.text, "reach": mode.reach})).await;
    });
}

/// The patron's tour in one mode: (screen, tally) for each screen.
fn tour(mode: Mode, detail: &mut Vec<String>) -> Vec<(&'static str, Tally)> {
    let mut ui = UiKiosk::on_testing_backend();
    let (w, h) = if mode.landscape { (1920, 1080) } else { (1080, 1920) };
    ui.window.window().set_size(slint::PhysicalSize::new(w, h));
    let mut out = Vec::new();
    let mut at = |ui: &mut UiKiosk, screen: &'static str| {
        ui.refresh();
        out.push((screen, check(&ui.window, screen, mode, detail)));
    };
    modes(&mut ui, mode);
    at(&mut ui, "start");
    ui.world(async |k| k.tap(GOOD).await);
    at(&mut ui, "pin");
    ui.type_digits(PIN);
    at(&mut ui, "home");
    ui.world(async |k| k.act(json!({"action": "browse"})).await);
    at(&mut ui, "shelf");
    ui.world(async |k| k.act(json!({"action": "detail", "item_id": "MP0001"})).await);
    at(&mut ui, "book");
    ui.world(async |k| {
        k.act(json!({"action": "select", "item_id": "MP0001"})).await;
        k.act(json!({"action": "confirm"})).await;
    });
    at(&mut ui, "confirm");
    ui.world(async |k| {
        k.act(json!({"action": "confirm"})).await;
        k.take(1).await;
        k.close(1).await;
    });
    at(&mut ui, "receipt");
    ui.world(async |k| {
        k.act(json!({"action": "logout"})).await;
        k.scan("MP0041").await;
    });
    modes(&mut ui, mode);
    at(&mut ui, "return");
    ui.world(async |k| {
        k.put(41, "MP0041").await;
        k.close(41).await;
        k.act(json!({"action": "logout"})).await;
        k.login(SUSPENDED).await;
    });
    modes(&mut ui, mode);
    at(&mut ui, "refusal");
    out
}

/// The counts measured when the test was written (issue 22 asks for 0):
/// cut by the window's edge, covered by another control, screens without
/// the access bar. On the `main` before it (no two-column book page in
/// landscape) they were 1,938, 617 and 180.
const CEILING: (usize, usize, usize) = (1602, 832, 144);

#[test]
fn every_patron_screen_fits_its_window_in_every_mode() {
    let mut detail = Vec::new();
    let mut table = String::from("| mode | placements | cut | covered | no access bar |\n|---|---:|---:|---:|---:|\n");
    let mut total = Tally::default();
    for landscape in [false, true] {
        for lang in ["ko", "en", "zh", "ja"] {
            for text in ["normal", "1.5x", "2x"] {
                for reach in [false, true] {
                    let mode = Mode { lang, text, reach, landscape };
                    let mut sum = Tally::default();
                    for (_, t) in tour(mode, &mut detail) {
                        sum.add(t);
                    }
                    let name = format!(
                        "{} {lang} {text}{}",
                        if landscape { "landscape" } else { "portrait" },
                        if reach { " lowered" } else { "" }
                    );
                    let _ = writeln!(
                        table,
                        "| {name} | {} | {} | {} | {} |",
                        sum.placements, sum.cut, sum.covered, sum.no_access_bar
                    );
                    total.add(sum);
                }
            }
        }
    }
    let _ = writeln!(
        table,
        "| **all** | {} | {} | {} | {} |",
        total.placements, total.cut, total.covered, total.no_access_bar
    );
    #[allow(clippy::print_stdout, reason = "the figures are the point of this test")]
    {
        println!("{table}");
        for line in &detail {
            println!("{line}");
        }
    }
    assert!(total.placements > 1000, "only {} placements checked", total.placements);
    let (cut, covered, bar) = CEILING;
    assert!(total.cut <= cut, "{} controls cut by the window's edge (at most {cut}):\n{table}", total.cut);
    assert!(total.covered <= covered, "{} overlaps (at most {covered}):\n{table}", total.covered);
    assert!(
        total.no_access_bar <= bar,
        "{} screens without the access bar (at most {bar}):\n{table}",
        total.no_access_bar
    );
}
