//! Does every patron screen fit its window, in every mode? For each
//! language × text size × controls lower × orientation, the patron's tour
//! (start, PIN, home, shelf, book, confirm, receipt, return, refusal) is
//! walked on Slint's testing backend, and each control (found by its
//! accessible role, as the screen reader finds it) is checked:
//!
//! - **inside the window**: its box lies whole within the window (a control
//!   cut by the edge, or pushed off it, cannot be pressed); a control in a
//!   scroll area (the page's content, a list) is judged by the part the
//!   area shows, and must fit the area whole, so scrolling brings all of it
//!   into view;
//! - **not covered**: no two controls overlap where both are shown;
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
use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery, ElementRoot};
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
    /// In a scroll area smaller than itself: never seen whole.
    too_big: bool,
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

/// A box on the window (logical px).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

impl Rect {
    fn of(e: &ElementHandle) -> Rect {
        let (p, s) = (e.absolute_position(), e.size());
        Rect { x: p.x, y: p.y, w: s.width, h: s.height }
    }

    fn intersect(self, other: Rect) -> Rect {
        let x = self.x.max(other.x);
        let y = self.y.max(other.y);
        let w = ((self.x + self.w).min(other.x + other.w) - x).max(0.0);
        let h = ((self.y + self.h).min(other.y + other.h) - y).max(0.0);
        Rect { x, y, w, h }
    }
}

/// Which controls a scroll area holds, keyed by what the control is and
/// where it lies, with the visible part of every scroll area around it.
fn scroll_viewports(window: &AppWindow) -> Vec<((String, f32, f32, f32, f32), Rect)> {
    let flickables = ElementQuery::from_root(window)
        .match_descendants()
        .match_predicate(|e| {
            e.type_name().is_some_and(|t| t == "Flickable")
                || e.bases().is_some_and(|mut b| b.any(|t| t == "Flickable"))
        })
        .find_all();
    let mut clips: Vec<((String, f32, f32, f32, f32), Rect)> = Vec::new();
    for f in &flickables {
        let viewport = Rect::of(f);
        let _ = f.visit_descendants(|e: ElementHandle| -> ControlFlow<()> {
            if e.accessible_role().is_some_and(is_control) {
                let r = Rect::of(&e);
                let key = (label_of(&e), r.x, r.y, r.w, r.h);
                match clips.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, clip)) => *clip = clip.intersect(viewport),
                    None => clips.push((key, viewport)),
                }
            }
            ControlFlow::Continue(())
        });
    }
    clips
}

fn label_of(e: &ElementHandle) -> String {
    e.accessible_label().map(|l| l.replace('\u{2060}', "")).unwrap_or_default()
}

/// The controls a patron can see or scroll to. A control in a scroll area
/// is judged by the part of it the area shows (another control is covered
/// only where both are shown), and it must fit the area whole, so that
/// scrolling can bring all of it into view; one scrolled wholly out of
/// view is not on the screen and covers nothing.
fn controls(window: &AppWindow) -> Vec<Control> {
    let clips = scroll_viewports(window);
    let mut all = Vec::new();
    let _ = window.root_element().visit_descendants(|e: ElementHandle| -> ControlFlow<()> {
        let r = Rect::of(&e);
        if let Some(role) = e.accessible_role()
            && is_control(role)
            && r.w > 0.0
            && r.h > 0.0
        {
            let label = label_of(&e);
            let key = (label.clone(), r.x, r.y, r.w, r.h);
            let (shown, too_big) = match clips.iter().find(|(k, _)| *k == key) {
                Some((_, clip)) => (r.intersect(*clip), r.w > clip.w + 0.5 || r.h > clip.h + 0.5),
                None => (r, false),
            };
            if shown.w > 0.0 && shown.h > 0.0 {
                all.push(Control { label, role, x: shown.x, y: shown.y, w: shown.w, h: shown.h, too_big });
            }
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
        if c.too_big {
            tally.cut += 1;
            detail.push(format!("{mode:?} {screen}: {:?} ({:?}) larger than its scroll area", c.label, c.role));
        } else if !c.inside(size.width, size.height) {
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
const CEILING: (usize, usize, usize) = (35, 0, 0);

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
