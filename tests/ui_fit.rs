//! Does every screen fit its window, in every mode? For each language ×
//! text size × controls lower × voice bar × easy view × orientation, the
//! patron's tour (start, PIN, home, shelf, book, confirm, receipt, return,
//! refusal) is walked on Slint's testing backend, and each control (found
//! by its accessible role, as the screen reader finds it) is checked:
//!
//! - **inside the window**: its box lies whole within the window (a control
//!   cut by the edge, or pushed off it, cannot be pressed); a control in a
//!   scroll area (the page's content, a list) is judged by the part the
//!   area shows, and must fit the area whole, so scrolling brings all of it
//!   into view; one scrolled wholly out of view is not on the screen;
//! - **not covered**: no two controls overlap where both are shown;
//! - **big enough**: 96 px (24 mm) on its short side;
//! - **the access bar is there**: the language switch is inside the window
//!   on every screen, so a patron can always switch a mode off again.
//!
//! The staff screens (map, unload, sync queue, audit, the whole-kiosk
//! confirm) get the same checks in every language, orientation and with
//! controls lower. High contrast is checked to move nothing, so the walks
//! need not double for it. The figures are printed as tables (`cargo test
//! --test ui_fit -- --nocapture`); every count but the placements must be
//! nought.

mod common;

use bookstation::config::DisplayConfig;
use bookstation::ui::{Api, AppWindow, Theme, is_control, show_panel};
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
    /// Partly scrolled out of view: its box here is the part shown.
    clipped: bool,
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
/// where it lies, with the visible part of every scroll area around it and
/// whether one of those areas is smaller than the control. A list in a
/// scrolling page may show only part of itself until the page is
/// scrolled, so "too big" is judged against each area alone, not against
/// what they show together.
/// A control as the scroll areas are matched to it: its label and box.
type ControlKey = (String, f32, f32, f32, f32);

struct Clip {
    shown: Rect,
    too_big: bool,
}

fn scroll_viewports(window: &AppWindow) -> Vec<(ControlKey, Clip)> {
    let flickables = ElementQuery::from_root(window)
        .match_descendants()
        .match_predicate(|e| {
            e.type_name().is_some_and(|t| t == "Flickable")
                || e.bases().is_some_and(|mut b| b.any(|t| t == "Flickable"))
        })
        .find_all();
    let mut clips: Vec<(ControlKey, Clip)> = Vec::new();
    for f in &flickables {
        let viewport = Rect::of(f);
        let _ = f.visit_descendants(|e: ElementHandle| -> ControlFlow<()> {
            if e.accessible_role().is_some_and(is_control) {
                let r = Rect::of(&e);
                let too_big = r.w > viewport.w + 0.5 || r.h > viewport.h + 0.5;
                let key = (label_of(&e), r.x, r.y, r.w, r.h);
                match clips.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, clip)) => {
                        clip.shown = clip.shown.intersect(viewport);
                        clip.too_big |= too_big;
                    }
                    None => clips.push((key, Clip { shown: viewport, too_big })),
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
                Some((_, clip)) => (r.intersect(clip.shown), clip.too_big),
                None => (r, false),
            };
            let clipped = shown != r;
            if shown.w > 0.0 && shown.h > 0.0 {
                all.push(Control { label, role, x: shown.x, y: shown.y, w: shown.w, h: shown.h, too_big, clipped });
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
    /// Voice guidance on: the speech bar above the access bar.
    voice: bool,
    easy: bool,
}

impl Mode {
    fn name(&self) -> String {
        let mut name = format!("{} {} {}", if self.landscape { "landscape" } else { "portrait" }, self.lang, self.text);
        for (on, word) in [(self.reach, " lowered"), (self.voice, " voice"), (self.easy, " easy")] {
            if on {
                name.push_str(word);
            }
        }
        name
    }
}

/// What one screen in one mode broke.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    placements: usize,
    cut: usize,
    covered: usize,
    /// Shorter than 96 px on a side: too small for a finger (24 mm).
    small: usize,
    no_access_bar: usize,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.placements += other.placements;
        self.cut += other.cut;
        self.covered += other.covered;
        self.small += other.small;
        self.no_access_bar += other.no_access_bar;
    }
}

/// The least side of a touch target (Theme.size.touch: 24 mm on the panel).
const TOUCH_PX: f32 = 96.0;

fn check(window: &AppWindow, screen: &str, mode: &str, patron: bool, detail: &mut Vec<String>) -> Tally {
    let size = window.window().size().to_logical(window.window().scale_factor());
    let all = controls(window);
    let mut tally = Tally { placements: all.len(), ..Tally::default() };
    for c in &all {
        if c.too_big {
            tally.cut += 1;
            detail.push(format!("{mode} {screen}: {:?} ({:?}) larger than its scroll area", c.label, c.role));
        } else if !c.inside(size.width, size.height) {
            tally.cut += 1;
            detail.push(format!("{mode} {screen}: {:?} ({:?}) cut by the window's edge", c.label, c.role));
        }
        if !c.clipped && c.w.min(c.h) < TOUCH_PX - 0.5 {
            tally.small += 1;
            detail.push(format!("{mode} {screen}: {:?} ({:?}) is {:.0}x{:.0} px", c.label, c.role, c.w, c.h));
        }
    }
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            if a.overlap(b) > 4.0 && !a.contains(b) && !b.contains(a) {
                tally.covered += 1;
                detail.push(format!("{mode} {screen}: {:?} and {:?} overlap", a.label, b.label));
            }
        }
    }
    let switch = all.iter().any(|c| c.label == "한국어" && c.inside(size.width, size.height));
    if patron && !switch {
        tally.no_access_bar += 1;
        detail.push(format!("{mode} {screen}: the access bar's language switch is not inside the window"));
    }
    tally
}

/// Language and modes for the session, as the access bar asks, and voice
/// guidance as the help key turns it on.
fn modes(ui: &mut UiKiosk, mode: Mode) {
    ui.world(async |k| {
        k.act(json!({"action": "language", "language": mode.lang})).await;
        k.act(json!({"action": "display", "text_size": mode.text, "reach": mode.reach, "easy": mode.easy})).await;
    });
}

/// A kiosk on a 21.5" panel at standing height (its bottom edge 900 mm
/// above the floor), mounted upright or on its side: on its side the panel
/// is 268 mm tall and lies wholly within reach (900–1168 mm), so controls
/// lower leaves no band above for information.
fn sized(mode: Mode) -> UiKiosk {
    let ui = UiKiosk::on_testing_backend();
    let (w, h, panel_height_mm) = if mode.landscape { (1920, 1080, 268) } else { (1080, 1920, 476) };
    ui.window.window().set_size(slint::PhysicalSize::new(w, h));
    show_panel(&ui.window, &DisplayConfig { panel_height_mm, bottom_edge_mm: 900 });
    ui
}

/// The patron's tour in one mode: (screen, tally) for each screen.
fn tour(mode: Mode, detail: &mut Vec<String>) -> Vec<(&'static str, Tally)> {
    let mut ui = sized(mode);
    let name = mode.name();
    let mut out = Vec::new();
    let mut at = |ui: &mut UiKiosk, screen: &'static str| {
        ui.refresh();
        ui.window.global::<Api>().set_speech_on(mode.voice);
        out.push((screen, check(&ui.window, screen, &name, true, detail)));
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

const TABLE_HEAD: &str =
    "| mode | placements | cut | covered | under 96 px | no access bar |\n|---|---:|---:|---:|---:|---:|\n";

fn row(table: &mut String, name: &str, t: Tally) {
    let _ = writeln!(
        table,
        "| {name} | {} | {} | {} | {} | {} |",
        t.placements, t.cut, t.covered, t.small, t.no_access_bar
    );
}

#[allow(clippy::print_stdout, reason = "the figures are the point of these tests")]
fn report(table: &str, detail: &[String]) {
    println!("{table}");
    for line in detail {
        println!("{line}");
    }
}

/// Every mode combination in one language: 48 tours of 9 screens.
fn every_mode_in(lang: &'static str) -> (Tally, String, Vec<String>) {
    let mut detail = Vec::new();
    let mut table = String::from(TABLE_HEAD);
    let mut total = Tally::default();
    for landscape in [false, true] {
        for text in ["normal", "1.5x", "2x"] {
            for reach in [false, true] {
                for voice in [false, true] {
                    for easy in [false, true] {
                        let mode = Mode { lang, text, reach, landscape, voice, easy };
                        let mut sum = Tally::default();
                        for (_, t) in tour(mode, &mut detail) {
                            sum.add(t);
                        }
                        row(&mut table, &mode.name(), sum);
                        total.add(sum);
                    }
                }
            }
        }
    }
    row(&mut table, &format!("**all {lang}**"), total);
    (total, table, detail)
}

// Measured on the `main` before the page scrolled (one language, nine
// screens, no voice bar or easy view), all four languages together: 1,602
// cut, 832 covered, 144 screens without the access bar. Now none.
fn assert_fits(lang: &'static str) {
    let (total, table, detail) = every_mode_in(lang);
    report(&table, &detail);
    assert!(total.placements > 1000, "only {} placements checked", total.placements);
    assert_eq!(total.cut, 0, "{lang}: controls cut:\n{table}");
    assert_eq!(total.covered, 0, "{lang}: controls covered:\n{table}");
    assert_eq!(total.small, 0, "{lang}: controls under 96 px:\n{table}");
    assert_eq!(total.no_access_bar, 0, "{lang}: screens without the access bar:\n{table}");
}

// One test per language, so the harness walks them side by side.
#[test]
fn every_patron_screen_fits_in_korean() {
    assert_fits("ko");
}

#[test]
fn every_patron_screen_fits_in_english() {
    assert_fits("en");
}

#[test]
fn every_patron_screen_fits_in_chinese() {
    assert_fits("zh");
}

#[test]
fn every_patron_screen_fits_in_japanese() {
    assert_fits("ja");
}

/// Every control's box on the screen, for comparing two renderings.
fn boxes(ui: &UiKiosk) -> Vec<(String, [i32; 4])> {
    // The switches' words change with their state ("High contrast: on"),
    // and their row shares its width by the words: they are left out.
    let switches = ["Large text", "High contrast", "Controls lower", "Easy view"];
    controls(&ui.window)
        .into_iter()
        .filter(|c| !switches.contains(&c.label.as_str()))
        .map(|c| (c.label, [c.x, c.y, c.w, c.h].map(|v| v.round() as i32)))
        .collect()
}

/// High contrast draws borders inside the boxes it was given: it moves
/// nothing, so the walks above need not double for it. Checked on the
/// tour's screens at 2x in English, portrait and landscape.
#[test]
fn high_contrast_moves_no_control() {
    for landscape in [false, true] {
        let mode = Mode { lang: "en", text: "2x", reach: false, landscape, voice: false, easy: false };
        let mut ui = sized(mode);
        modes(&mut ui, mode);
        ui.world(async |k| k.tap(GOOD).await);
        ui.type_digits(PIN);
        for step in ["home", "shelf", "book"] {
            match step {
                "shelf" => ui.world(async |k| k.act(json!({"action": "browse"})).await),
                "book" => ui.world(async |k| k.act(json!({"action": "detail", "item_id": "MP0001"})).await),
                _ => {}
            }
            ui.refresh();
            let plain = boxes(&ui);
            ui.window.global::<Theme>().set_high_contrast(true);
            let contrast = boxes(&ui);
            ui.window.global::<Theme>().set_high_contrast(false);
            assert!(!plain.is_empty());
            assert_eq!(plain, contrast, "high contrast moved a control on {step} (landscape: {landscape})");
        }
    }
}

/// The staff screens (the map, the bin's unload, the sync queue, the
/// audit, the whole-kiosk confirm) in each language, orientation and
/// with controls lower: inside the window, uncovered, no cell under 96 px.
#[test]
fn every_staff_screen_fits_its_window() {
    let mut detail = Vec::new();
    let mut table = String::from(TABLE_HEAD);
    let mut total = Tally::default();
    for landscape in [false, true] {
        for lang in ["ko", "en", "zh", "ja"] {
            for reach in [false, true] {
                let mode = Mode { lang, text: "normal", reach, landscape, voice: false, easy: false };
                let name = format!("staff {}", mode.name());
                let mut ui = sized(mode);
                ui.world(async |k| {
                    k.act(json!({"action": "language", "language": lang})).await;
                    k.tap(STAFF).await;
                    k.act(json!({"action": "staff_pin", "pin": STAFF_PIN})).await;
                });
                let mut sum = Tally::default();
                let mut at = |ui: &mut UiKiosk, screen: &str| {
                    ui.refresh();
                    ui.window.global::<Theme>().set_reach(reach);
                    sum.add(check(&ui.window, screen, &name, false, &mut detail));
                };
                at(&mut ui, "map");
                ui.world(async |k| k.act(json!({"action": "unload_bin"})).await);
                at(&mut ui, "unload");
                ui.world(async |k| {
                    k.world.empty_bin().expect("empty the bin");
                    k.close(41).await;
                    k.act(json!({"action": "outbox"})).await;
                });
                at(&mut ui, "outbox");
                ui.world(async |k| {
                    k.act(json!({"action": "back"})).await;
                    k.act(json!({"action": "audit"})).await;
                });
                at(&mut ui, "audit");
                ui.world(async |k| {
                    k.act(json!({"action": "back"})).await;
                    k.act(json!({"action": "set_out_of_service", "value": true})).await;
                });
                at(&mut ui, "confirm");
                row(&mut table, &name, sum);
                total.add(sum);
            }
        }
    }
    row(&mut table, "**all**", total);
    report(&table, &detail);
    assert!(total.placements > 500, "only {} placements checked", total.placements);
    assert_eq!(total.cut, 0, "staff controls cut:\n{table}");
    assert_eq!(total.covered, 0, "staff controls covered:\n{table}");
    assert_eq!(total.small, 0, "staff controls under 96 px:\n{table}");
}
