//! Every screen rendered with Slint's software renderer to PNG — portrait
//! and landscape, Korean, English, Chinese and Japanese, large text (1.5× and
//! 2×), high contrast and the easy view — into
//! `docs/screenshots/`. Each image must not be blank, and the Korean ones
//! must show Hangul (with no Korean font, Slint silently draws nothing).

mod common;

use bookstation::ui::{AppWindow, TextSize, Theme};
use common::ui::UiKiosk;
use common::*;
use serde_json::json;
use slint::{ComponentHandle, Rgba8Pixel, SharedPixelBuffer};
use std::path::{Path, PathBuf};

struct Variant {
    name: &'static str,
    size: (u32, u32),
    /// `ko`, `en`, `zh` or `ja`.
    lang: &'static str,
    text: TextSize,
    contrast: bool,
    /// Controls lower, on the default panel.
    reach: bool,
    /// The easy view: fewer words, bigger pictures.
    easy: bool,
}

const fn variant(name: &'static str, size: (u32, u32), lang: &'static str, text: TextSize, contrast: bool) -> Variant {
    Variant { name, size, lang, text, contrast, reach: false, easy: false }
}

const PORTRAIT: (u32, u32) = (1080, 1920);
const LANDSCAPE: (u32, u32) = (1920, 1080);
const NORMAL: TextSize = TextSize::Normal;

/// Large text at 1.5x and 2x in Korean; 2x in English too, whose words are
/// the longest, and in Chinese and Japanese; landscape, high contrast and
/// controls lower in every language.
const VARIANTS: [Variant; 24] = [
    variant("portrait-ko", PORTRAIT, "ko", NORMAL, false),
    variant("portrait-en", PORTRAIT, "en", NORMAL, false),
    variant("portrait-zh", PORTRAIT, "zh", NORMAL, false),
    variant("portrait-ja", PORTRAIT, "ja", NORMAL, false),
    variant("landscape-ko", LANDSCAPE, "ko", NORMAL, false),
    variant("landscape-en", LANDSCAPE, "en", NORMAL, false),
    variant("portrait-ko-1.5x", PORTRAIT, "ko", TextSize::Large, false),
    variant("portrait-ko-2x", PORTRAIT, "ko", TextSize::Largest, false),
    variant("portrait-en-2x", PORTRAIT, "en", TextSize::Largest, false),
    variant("portrait-ko-contrast", PORTRAIT, "ko", NORMAL, true),
    Variant { reach: true, ..variant("portrait-en-lowered", PORTRAIT, "en", NORMAL, false) },
    Variant { reach: true, ..variant("portrait-en-2x-lowered", PORTRAIT, "en", TextSize::Largest, false) },
    Variant { easy: true, ..variant("portrait-ko-easy", PORTRAIT, "ko", NORMAL, false) },
    Variant { easy: true, ..variant("portrait-en-easy", PORTRAIT, "en", NORMAL, false) },
    variant("portrait-zh-2x", PORTRAIT, "zh", TextSize::Largest, false),
    variant("portrait-ja-2x", PORTRAIT, "ja", TextSize::Largest, false),
    variant("landscape-zh", LANDSCAPE, "zh", NORMAL, false),
    variant("landscape-ja", LANDSCAPE, "ja", NORMAL, false),
    variant("portrait-en-contrast", PORTRAIT, "en", NORMAL, true),
    variant("portrait-zh-contrast", PORTRAIT, "zh", NORMAL, true),
    variant("portrait-ja-contrast", PORTRAIT, "ja", NORMAL, true),
    Variant { reach: true, ..variant("portrait-ko-lowered", PORTRAIT, "ko", NORMAL, false) },
    Variant { reach: true, ..variant("portrait-zh-lowered", PORTRAIT, "zh", NORMAL, false) },
    Variant { reach: true, ..variant("portrait-ja-lowered", PORTRAIT, "ja", NORMAL, false) },
];

/// The language switch's words for `lang`.
fn language_button(lang: &str) -> &'static str {
    match lang {
        "en" => "English",
        "zh" => "中文",
        "ja" => "日本語",
        _ => "한국어",
    }
}

/// `msgid` as the screen shows it in `lang`: the catalog's translation.
fn translated(lang: &str, msgid: &str) -> String {
    if lang == "en" {
        return msgid.to_owned();
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("ui/translations/{lang}/LC_MESSAGES/bookstation.po"));
    let po = rspolib::pofile(path.as_path()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    po.entries
        .iter()
        .find(|e| e.msgid == msgid)
        .and_then(|e| e.msgstr.clone())
        .unwrap_or_else(|| panic!("{lang}: no translation of {msgid:?}"))
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&dir).expect("docs/screenshots");
    dir
}

/// Half-size PNG (2x2 box filter): the README shows them small anyway.
fn save(buffer: &SharedPixelBuffer<Rgba8Pixel>, path: &Path) {
    let (w, h) = (buffer.width() as usize, buffer.height() as usize);
    let px = buffer.as_slice();
    let (hw, hh) = (w / 2, h / 2);
    let mut out = Vec::with_capacity(hw * hh * 3);
    for y in 0..hh {
        let (top, bottom) = (&px[2 * y * w..(2 * y + 1) * w], &px[(2 * y + 1) * w..(2 * y + 2) * w]);
        for x in 0..hw {
            let (a, b, c, d) = (top[2 * x], top[2 * x + 1], bottom[2 * x], bottom[2 * x + 1]);
            let avg = |f: fn(Rgba8Pixel) -> u8| {
                ((u16::from(f(a)) + u16::from(f(b)) + u16::from(f(c)) + u16::from(f(d))) / 4) as u8
            };
            out.extend([avg(|p| p.r), avg(|p| p.g), avg(|p| p.b)]);
        }
    }
    let file = std::fs::File::create(path).expect("create png");
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), hw as u32, hh as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    enc.write_header().and_then(|mut w| w.write_image_data(&out)).expect("write png");
}

/// Pixels that differ from the most common colour (the background), on a
/// grid of every other pixel (plenty to tell ink from a blank image).
fn ink(buffer: &SharedPixelBuffer<Rgba8Pixel>, region: Option<(usize, usize, usize, usize)>) -> usize {
    let w = buffer.width() as usize;
    let px = buffer.as_slice();
    let (x0, y0, x1, y1) = region.unwrap_or((0, 0, w, buffer.height() as usize));
    let grid = || (y0..y1).step_by(2).flat_map(move |y| (x0..x1).step_by(2).map(move |x| px[y * w + x]));
    let mut counts = std::collections::HashMap::new();
    for p in grid().step_by(7) {
        *counts.entry((p.r, p.g, p.b)).or_insert(0usize) += 1;
    }
    let background = counts.into_iter().max_by_key(|(_, n)| *n).map(|(c, _)| c).unwrap_or_default();
    grid().filter(|p| (p.r, p.g, p.b) != background).count() * 4
}

fn snap(window: &AppWindow) -> SharedPixelBuffer<Rgba8Pixel> {
    window.window().request_redraw();
    window.window().take_snapshot().expect("snapshot")
}

#[test]
fn every_screen_in_every_variant() {
    common::ui::testing_platform(true).expect("platform");
    let dir = out_dir();
    let mut written = 0;
    // `SCREENSHOTS=portrait-en-2x,portrait-ko` renders only those, while
    // working on a layout; all of them otherwise.
    let only = std::env::var("SCREENSHOTS").unwrap_or_default();
    let chosen: Vec<&Variant> =
        VARIANTS.iter().filter(|v| only.is_empty() || only.split(',').any(|name| name == v.name)).collect();
    assert!(!chosen.is_empty(), "SCREENSHOTS={only} names no variant");
    for v in chosen.iter().copied() {
        let mut ui = UiKiosk::new();
        ui.window.window().set_size(slint::PhysicalSize::new(v.size.0, v.size.1));
        let theme = ui.window.global::<Theme>();
        theme.set_text_size(v.text);
        theme.set_high_contrast(v.contrast);
        let lang = v.lang;
        if lang != "ko" {
            ui.press(language_button(lang));
        }
        let mut shoot = |ui: &mut UiKiosk, screen: &str| {
            // The session's display modes survive inside one tour.
            let theme = ui.window.global::<Theme>();
            theme.set_text_size(v.text);
            theme.set_high_contrast(v.contrast);
            theme.set_reach(v.reach);
            theme.set_easy(v.easy);
            let image = snap(&ui.window);
            let total = (image.width() * image.height()) as usize;
            let inked = ink(&image, None);
            assert!(inked * 100 > total, "{}/{screen} looks blank ({inked} of {total} pixels)", v.name);
            save(&image, &dir.join(format!("{}-{screen}.png", v.name)));
            written += 1;
            image
        };
        let attract = shoot(&mut ui, "attract");
        if lang == "ko" && !v.reach {
            // The kiosk name in the top bar is Hangul: it must be drawn
            // (controls lower shows it lower down, above the reach band).
            let w = attract.width() as usize;
            let title = ink(&attract, Some((w / 4, 0, 3 * w / 4, 110)));
            assert!(title > 400, "{}: no Hangul drawn in the title ({title} pixels)", v.name);
        }
        ui.world(async |k| k.tap(GOOD).await);
        shoot(&mut ui, "pin");
        // A wrong PIN: the notice and the tries count in the space kept for them.
        ui.world(async |k| k.act(json!({"action": "pin", "pin": "9999"})).await);
        shoot(&mut ui, "pin-wrong");
        ui.world(async |k| k.act(json!({"action": "pin", "pin": PIN})).await);
        shoot(&mut ui, "home");
        // Voice guidance on (the help key): the speech bar over the access bar.
        ui.key("*");
        shoot(&mut ui, "home-speech");
        ui.press(&translated(lang, "Voice guidance"));
        // The inactivity dialog over home, then a touch to stay.
        ui.world(async |k| k.advance(45).await);
        shoot(&mut ui, "countdown");
        ui.world(async |k| k.act(json!({"action": "browse"})).await);
        // The first book in the list, so its chosen card shows.
        ui.world(async |k| k.select("MP0001").await);
        shoot(&mut ui, "browse");
        // The search keyboard: digits, the shift for doubled consonants.
        let field = translated(lang, "Search by title or author");
        ui.press(&field);
        shoot(&mut ui, "keyboard");
        ui.press(&field);
        ui.world(async |k| k.act(json!({"action": "detail", "item_id": "MP0001"})).await);
        shoot(&mut ui, "detail");
        ui.world(async |k| k.act(json!({"action": "confirm"})).await);
        shoot(&mut ui, "confirm");
        ui.world(async |k| k.act(json!({"action": "confirm"})).await);
        shoot(&mut ui, "dispensing");
        ui.world(async |k| k.advance(41).await);
        shoot(&mut ui, "dispensing-warning");
        ui.world(async |k| {
            k.take(1).await;
            k.close(1).await;
        });
        shoot(&mut ui, "receipt");
        ui.world(async |k| {
            k.act(json!({"action": "logout"})).await;
            if lang != "ko" {
                k.act(json!({"action": "language", "language": lang})).await;
            }
            k.scan("MP0041").await;
        });
        shoot(&mut ui, "return");
        ui.world(async |k| {
            k.put(41, "MP0041").await;
            k.close(41).await;
        });
        // The success notice.
        shoot(&mut ui, "returned");
        // Another library's book (통합반납): which library gets it back.
        ui.world(async |k| {
            k.scan("MC1001").await;
            k.put(41, "MC1001").await;
            k.close(41).await;
        });
        shoot(&mut ui, "returned-other-library");
        ui.world(async |k| {
            k.act(json!({"action": "logout"})).await;
            if lang != "ko" {
                k.act(json!({"action": "language", "language": lang})).await;
            }
            k.login(SUSPENDED).await;
        });
        shoot(&mut ui, "refusal");
        ui.world(async |k| {
            k.act(json!({"action": "logout"})).await;
            if lang != "ko" {
                k.act(json!({"action": "language", "language": lang})).await;
            }
            // Another library's book held up to the scanner.
            k.scan("SEOCHO-0042").await;
        });
        shoot(&mut ui, "refusal-foreign-book");
        ui.world(async |k| {
            k.act(json!({"action": "logout"})).await;
            if lang != "ko" {
                k.act(json!({"action": "language", "language": lang})).await;
            }
            k.login(HOLDER).await;
            k.act(json!({"action": "pickup_holds"})).await;
        });
        shoot(&mut ui, "holds");
        ui.world(async |k| {
            k.act(json!({"action": "logout"})).await;
            if lang != "ko" {
                k.act(json!({"action": "language", "language": lang})).await;
            }
            k.tap(STAFF).await;
        });
        shoot(&mut ui, "staff-pin");
        ui.world(async |k| k.act(json!({"action": "staff_pin", "pin": STAFF_PIN})).await);
        shoot(&mut ui, "staff");
        // Unloading the bin: the other library's book is listed to set aside.
        ui.world(async |k| k.act(json!({"action": "unload_bin"})).await);
        shoot(&mut ui, "staff-unload");
        ui.world(async |k| {
            k.world.empty_bin().expect("empty the bin");
            k.close(41).await;
        });
        // The sync queue's events.
        ui.world(async |k| k.act(json!({"action": "outbox"})).await);
        shoot(&mut ui, "staff-outbox");
        ui.world(async |k| {
            k.act(json!({"action": "back"})).await;
            // Locker 1 (emptied by the loan) gets a book nobody restocked;
            // locker 2's book is taken out.
            k.act(json!({"action": "open_slot", "slot": 1})).await;
            k.put(1, "MP0099").await;
            k.close(1).await;
            k.act(json!({"action": "open_slot", "slot": 2})).await;
            k.take(2).await;
            k.close(2).await;
            k.act(json!({"action": "touch"})).await;
        });
        shoot(&mut ui, "staff-mismatch");
        ui.world(async |k| k.act(json!({"action": "audit"})).await);
        shoot(&mut ui, "staff-audit");
        ui.world(async |k| {
            k.act(json!({"action": "back"})).await;
            k.act(json!({"action": "set_out_of_service", "value": true})).await;
        });
        shoot(&mut ui, "staff-confirm");
        ui.world(async |k| {
            k.act(json!({"action": "confirm"})).await;
            k.act(json!({"action": "logout"})).await;
            if lang != "ko" {
                k.act(json!({"action": "language", "language": lang})).await;
            }
        });
        shoot(&mut ui, "out-of-service");
    }
    assert_eq!(written, chosen.len() * 27);
}

/// The trainers' simulator window, a locker open for a loan: its fields
/// preselected, the cabinet, the card and the network.
#[test]
fn the_simulator_window() {
    let _ = common::ui::testing_platform(true);
    let mut ui = UiKiosk::new();
    let window = bookstation::ui::SimulatorWindow::new().expect("simulator window");
    window.window().set_size(slint::PhysicalSize::new(720, 1000));
    let cards = [(GOOD, "Patron in good standing"), (SUSPENDED, "Suspended patron"), (STAFF, "Staff (PIN 2580)")]
        .map(|(u, l)| (u.to_owned(), l.to_owned()));
    let panel = bookstation::ui::SimulatorPanel::new(&window, &cards, std::rc::Rc::new(|_| {}));
    panel.show(&ui.k.world.snapshot(), Some(&ui.k.view()));
    ui.world(async |k| {
        k.world.jam(7, true).expect("jam");
        k.borrow_until_door_open("MP0003").await;
    });
    panel.show(&ui.k.world.snapshot(), Some(&ui.k.view()));
    panel.show_result(None);
    window.window().request_redraw();
    let image = window.window().take_snapshot().expect("snapshot");
    let total = (image.width() * image.height()) as usize;
    assert!(ink(&image, None) * 100 > total, "the simulator window looks blank");
    save(&image, &out_dir().join("simulator.png"));
}
