//! Every text the theme can draw keeps a WCAG 2.2 contrast ratio of 4.5:1
//! or more on what is behind it, in every display mode: first from the
//! palette itself (each foreground/background pair a component uses in each
//! of its states, read from the `Theme` global), then from rendered pixels
//! (the screen as the software renderer draws it, text sampled where it
//! stands).

mod common;

use bookstation::ui::{Api, AppWindow, Palette, TextSize, Theme};
use common::ui::UiKiosk;
use common::*;
use i_slint_backend_testing::ElementHandle;
use slint::{Color, ComponentHandle, Rgba8Pixel, SharedPixelBuffer};

/// WCAG 2.2 AA for text of any size; nothing here claims the large-text 3:1.
const AA: f64 = 4.5;

fn platform() {
    // Already set when this thread ran another test: that platform serves.
    let _ = common::ui::testing_platform(true);
}

fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

fn ratio(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `top` drawn over an opaque `bottom` (source-over).
fn over(top: Color, bottom: (u8, u8, u8)) -> (u8, u8, u8) {
    let a = f64::from(top.alpha()) / 255.0;
    let mix = |t: u8, b: u8| (f64::from(t) * a + f64::from(b) * (1.0 - a)).round() as u8;
    (mix(top.red(), bottom.0), mix(top.green(), bottom.1), mix(top.blue(), bottom.2))
}

fn rgb(c: Color) -> (u8, u8, u8) {
    (c.red(), c.green(), c.blue())
}

/// A palette role by the name `ui/theme.slint` gives it.
fn role(p: &Palette, name: &str) -> Color {
    match name {
        "background" => p.background,
        "surface" => p.surface,
        "surface-alt" => p.surface_alt,
        "selected" => p.selected,
        "text" => p.text,
        "text-muted" => p.text_muted,
        "primary" => p.primary,
        "on-primary" => p.on_primary,
        "secondary" => p.secondary,
        "on-secondary" => p.on_secondary,
        "danger" => p.danger,
        "on-danger" => p.on_danger,
        "ok" => p.ok,
        "success" => p.success,
        "on-success" => p.on_success,
        "info" => p.info,
        "on-info" => p.on_info,
        "warning" => p.warning,
        "on-warning" => p.on_warning,
        "on-cover" => p.on_cover,
        other => panic!("no palette role {other:?}"),
    }
}

/// What each component draws, state by state: (where, text role, background
/// role). A background written `pressed:<role>` is that role under the
/// pressed overlay (`palette.pressed`), as a button looks under a finger.
/// Kept in step with `ui/`: a new state or role belongs here.
const PAIRS: &[(&str, &str, &str)] = &[
    // Page: top bar, screen text on the page, the reserved notice area.
    ("top bar title", "text", "surface"),
    ("screen text", "text", "background"),
    ("screen text, muted", "text-muted", "background"),
    ("screen headline (attract, dispensing, return step)", "primary", "background"),
    ("screen text, refusal / wrong PIN / out of service", "danger", "background"),
    ("screen text, returned count", "ok", "background"),
    ("offline notice", "text", "surface-alt"),
    ("notice, success", "on-success", "success"),
    ("notice, info", "on-info", "info"),
    ("notice, warning", "on-warning", "warning"),
    ("notice, error", "on-danger", "danger"),
    // The inactivity dialog (its button is a primary KioskButton).
    ("countdown dialog text", "text", "surface"),
    ("countdown dialog seconds", "primary", "surface"),
    // KioskButton, each state.
    ("button", "on-secondary", "secondary"),
    ("button, pressed", "on-secondary", "pressed:secondary"),
    ("button primary / checked", "on-primary", "primary"),
    ("button primary / checked, pressed", "on-primary", "pressed:primary"),
    ("button danger", "on-danger", "danger"),
    ("button danger, pressed", "on-danger", "pressed:danger"),
    ("button disabled", "text-muted", "surface-alt"),
    // BookCard, unselected and selected (the chosen book).
    ("book card title", "text", "surface"),
    ("book card author / locker", "text-muted", "surface"),
    ("book card not available", "danger", "surface"),
    ("book card selected title", "text", "selected"),
    ("book card selected author / locker", "text-muted", "selected"),
    ("book card selected not available", "danger", "selected"),
    // Home's figures, the receipt's rows, the PIN and search fields.
    ("figure value", "primary", "surface"),
    ("figure label", "text-muted", "surface"),
    ("receipt row", "text", "surface"),
    ("receipt due date", "ok", "surface"),
    ("receipt problem", "danger", "surface"),
    ("PIN / search field", "text", "surface"),
    ("search placeholder", "text-muted", "surface"),
    // Staff map: a locker in each state.
    ("locker with a fault", "on-danger", "danger"),
    ("locker door open", "on-warning", "warning"),
    ("locker out of service", "text", "surface-alt"),
    ("locker with a book", "text", "surface"),
    ("locker empty", "text", "background"),
    ("locker mark (book missing, unregistered), with a book", "danger", "surface"),
    ("locker mark, empty", "danger", "background"),
    ("locker mark, out of service", "danger", "surface-alt"),
    // Staff lists (the sync queue's events, the audit) and the kiosk-wide confirm.
    ("outbox row", "text", "surface"),
    ("outbox row number", "text-muted", "surface"),
    ("outbox row sent", "ok", "surface"),
    ("outbox row rejected / audit mismatch", "danger", "surface"),
    ("confirm dialog", "text", "surface"),
    // The simulator window's doors and lines.
    ("simulator status", "text-muted", "background"),
    ("simulator faults", "danger", "background"),
    // The dispensing screen's door.
    ("door open", "on-warning", "warning"),
    ("door closed", "text", "surface-alt"),
];

fn colour(p: &Palette, name: &str) -> (u8, u8, u8) {
    match name.strip_prefix("pressed:") {
        Some(under) => over(p.pressed, rgb(role(p, under))),
        None => rgb(role(p, name)),
    }
}

#[test]
fn every_themed_pair_keeps_4_5_to_1() {
    platform();
    let window = AppWindow::new().expect("window");
    let theme = window.global::<Theme>();
    let mut failures = Vec::new();
    let mut lowest = (f64::MAX, String::new());
    for (mode, high_contrast) in [("normal", false), ("high contrast", true)] {
        // Large text changes sizes only; its palette is checked with the rest.
        for size in [TextSize::Normal, TextSize::Large, TextSize::Largest] {
            let large = size != TextSize::Normal;
            theme.set_high_contrast(high_contrast);
            theme.set_text_size(size);
            let p = theme.get_palette();
            let mut check = |what: String, fg: (u8, u8, u8), bg: (u8, u8, u8)| {
                let r = ratio(fg, bg);
                if r < lowest.0 {
                    lowest = (r, what.clone());
                }
                if r < AA {
                    failures.push(format!("{what}: {r:.2}:1 ({fg:?} on {bg:?})"));
                }
            };
            for (what, fg, bg) in PAIRS {
                check(format!("{mode}{}: {what}", if large { ", large" } else { "" }), colour(&p, fg), colour(&p, bg));
            }
            // Placeholder covers: the title on the colour of every hue.
            for h in 0..360 {
                let bg = rgb(theme.invoke_cover_color(h as f32 / 360.0));
                check(format!("{mode}: cover title at hue {h}"), rgb(p.on_cover), bg);
            }
        }
    }
    // The figure to watch when the palette changes (`--nocapture` shows it).
    #[allow(clippy::print_stdout)]
    {
        println!("lowest ratio: {:.2}:1 ({})", lowest.0, lowest.1);
    }
    assert!(failures.is_empty(), "text below {AA}:1:\n{}", failures.join("\n"));
}

// Rendered pixels.

fn snap(window: &AppWindow) -> SharedPixelBuffer<Rgba8Pixel> {
    window.window().request_redraw();
    window.window().take_snapshot().expect("snapshot")
}

/// The contrast of the text drawn in an element's box: the box's commonest
/// colour is the background, the pixel furthest from it the ink (bold text
/// has stems wide enough to reach its full colour).
fn rendered_ratio(image: &SharedPixelBuffer<Rgba8Pixel>, e: &ElementHandle) -> ((u8, u8, u8), (u8, u8, u8), f64) {
    let (pos, size) = (e.absolute_position(), e.size());
    let w = image.width() as usize;
    let px = image.as_slice();
    let x0 = pos.x.max(0.0) as usize;
    let y0 = pos.y.max(0.0) as usize;
    let x1 = ((pos.x + size.width) as usize).min(w);
    let y1 = ((pos.y + size.height) as usize).min(image.height() as usize);
    let pixels = || (y0..y1).flat_map(move |y| (x0..x1).map(move |x| px[y * w + x])).map(|p| (p.r, p.g, p.b));
    let mut counts = std::collections::HashMap::new();
    for p in pixels() {
        *counts.entry(p).or_insert(0usize) += 1;
    }
    let bg = counts.into_iter().max_by_key(|(_, n)| *n).map(|(c, _)| c).expect("an element with pixels");
    let ink = pixels().max_by(|a, b| ratio(*a, bg).total_cmp(&ratio(*b, bg))).expect("pixels");
    (ink, bg, ratio(ink, bg))
}

/// Every drawn element labelled `label` shows its text at 4.5:1 or more.
#[track_caller]
fn assert_legible(ui: &UiKiosk, image: &SharedPixelBuffer<Rgba8Pixel>, mode: &str, label: &str) {
    let found: Vec<_> = ElementHandle::find_by_accessible_label(&ui.window, label)
        .filter(|e| e.size().width > 0.0 && e.size().height > 0.0)
        .collect();
    assert!(!found.is_empty(), "{mode}: nothing labelled {label:?} drawn");
    for e in found {
        let (ink, bg, r) = rendered_ratio(image, &e);
        assert!(r >= AA, "{mode}: {label:?} drawn at {r:.2}:1 ({ink:?} on {bg:?})");
    }
}

#[test]
fn rendered_text_keeps_its_contrast_in_every_mode() {
    platform();
    for (mode, large, high_contrast) in
        [("normal", false, false), ("large text", true, false), ("high contrast", false, true)]
    {
        let mut ui = UiKiosk::new();
        ui.press("English");
        ui.world(async |k| k.tap(GOOD).await);
        ui.type_digits(PIN);
        if large {
            ui.press("Large text");
        }
        if high_contrast {
            ui.press("High contrast");
        }
        // A return in the session: its success notice.
        ui.press("Return books");
        ui.world(async |k| {
            k.scan("MP0041").await;
            k.put(41, "MP0041").await;
            k.close(41).await;
        });
        let title = ui.window.global::<Api>().get_notice_title();
        let image = snap(&ui.window);
        assert_legible(&ui, &image, mode, &format!("Returned: {title}"));
        ui.press("Back");
        // The chosen book's card: its title, author and locker line.
        ui.press("Borrow The Little Prince");
        let image = snap(&ui.window);
        for label in ["The Little Prince", "Antoine de Saint-Exupéry", "Remove The Little Prince", "Welcome"] {
            assert_legible(&ui, &image, mode, label);
        }
        let locker = ui.window.global::<Api>().get_selected();
        let book = slint::Model::row_data(&locker, 0).expect("one chosen");
        assert_legible(&ui, &image, mode, &format!("Locker {} · {}", book.slot, book.category));
        // The inactivity dialog.
        ui.world(async |k| k.advance(45).await);
        let image = snap(&ui.window);
        assert_legible(&ui, &image, mode, "Continue session");
    }
}
