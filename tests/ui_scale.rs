//! The touch UI at a real station's size (issue 13): 500 books, each with a
//! 600×900 cover as a district's scans would be. Counts, not times: covers
//! are decoded only for the rows the list shows and only at the size they
//! are drawn at; sessions do not grow what the window holds (the heap after
//! 40 sessions is within a few KiB of the heap after 10); the staff map
//! shows the cabinet a page at a time.

mod common;

use bookstation::demo::SimDistrict;
use bookstation::demo::seed;
use bookstation::engine::Screen;
use bookstation::ui::{Api, CoverSize};
use common::ui::{UiKiosk, testing_platform};
use common::*;
use serde_json::json;
use slint::{ComponentHandle, Model};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// Bytes allocated and not freed, on every thread of this test binary.
struct LiveBytes;
static LIVE: AtomicI64 = AtomicI64::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
#[allow(unsafe_code)] // a counting allocator is unsafe by its trait
unsafe impl GlobalAlloc for LiveBytes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as i64 - layout.size() as i64, Ordering::Relaxed);
        // SAFETY: as for `dealloc`, and `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: LiveBytes = LiveBytes;

/// The heap is one for the whole binary: one test measures at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const BOOKS: u16 = 500;

/// A 500-locker kiosk whose every book has a 600×900 cover on disk.
fn station() -> UiKiosk {
    let _ = testing_platform(true);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let covers = tempfile::tempdir().expect("covers dir");
    let mut catalogue = seed::demo_sized(BOOKS);
    let png = bookstation_district_sim::covers::placeholder_png(600, 900, [60, 90, 140]).expect("png");
    let one = covers.path().join("one.png");
    std::fs::write(&one, png).expect("cover");
    for s in &mut catalogue.items {
        let name = format!("{}.png", s.item.id.as_str());
        std::fs::hard_link(&one, covers.path().join(&name)).expect("cover");
        s.item.cover_url = Some(format!("covers/{name}"));
    }
    let k = rt.block_on(Kiosk::with_district(
        |c| {
            c.hardware.lockers = BOOKS;
            c.hardware.return_bin_slot = BOOKS + 1;
        },
        |id| SimDistrict::new(id, catalogue),
    ));
    let dir = covers.keep();
    UiKiosk::with_kiosk(rt, k, Some(dir))
}

fn draw(ui: &UiKiosk) {
    let _ = ui.window.window().take_snapshot().expect("a frame");
}

fn sign_in(ui: &mut UiKiosk) {
    ui.rt.block_on(ui.k.tap(GOOD));
    ui.rt.block_on(ui.k.act(json!({"action": "pin", "pin": PIN})));
    ui.refresh();
    assert_eq!(ui.k.screen(), Screen::Home);
}

fn scroll(ui: &UiKiosk, delta_y: f32) {
    ui.window.window().dispatch_event(slint::platform::WindowEvent::PointerScrolled {
        position: slint::LogicalPosition::new(540.0, 1500.0),
        delta_x: 0.0,
        delta_y,
    });
    draw(ui);
}

#[test]
fn covers_are_decoded_for_the_rows_shown_at_the_size_shown() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut ui = station();
    sign_in(&mut ui);
    assert_eq!(ui.window.global::<Api>().get_books().row_count(), usize::from(BOOKS));
    draw(&ui);
    let shown = ui.bridge().covers().decoded();
    assert!((1..=16).contains(&shown), "the first screen decoded {shown} of {BOOKS} covers");
    for _ in 0..20 {
        scroll(&ui, -200.0);
    }
    let after = ui.bridge().covers().decoded();
    assert!(after > shown, "scrolling shows more books and their covers");
    assert!(after < u64::from(BOOKS) / 4, "{after} covers decoded after scrolling 4,000 px of {BOOKS} books");
    let kept = ui.bridge().covers().kept();
    assert!(kept.len() <= 32, "{} covers kept", kept.len());
    assert!(kept.iter().all(|&size| size == CoverSize::List.pixels()), "{kept:?}");
    // The detail screen's cover, twice the size: decoded again at that size.
    ui.rt.block_on(ui.k.act(json!({"action": "detail", "item_id": "MP0300"})));
    ui.refresh();
    assert_eq!(ui.k.screen(), Screen::Detail);
    let detail = ui.window.global::<Api>().get_detail();
    assert!(detail.has_cover);
    assert_eq!((detail.cover.size().width, detail.cover.size().height), CoverSize::Detail.pixels());
}

#[test]
fn the_easy_view_decodes_the_shelf_s_covers_at_its_larger_size() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut ui = station();
    sign_in(&mut ui);
    draw(&ui);
    let before = ui.bridge().covers().decoded();
    ui.rt.block_on(ui.k.act(json!({"action": "display", "easy": true})));
    ui.refresh();
    draw(&ui);
    assert!(ui.bridge().covers().decoded() > before, "the rows shown are decoded again");
    let kept = ui.bridge().covers().kept();
    let easy = kept.iter().filter(|&&size| size == CoverSize::EasyList.pixels()).count();
    assert!((1..=12).contains(&easy), "{easy} covers at the easy size: {kept:?}");
}

/// One patron visit that changes nothing they hold: the shelf, a search,
/// a scroll, a book's page, a book chosen and put back, logout.
fn visit(ui: &mut UiKiosk) {
    sign_in(ui);
    draw(ui);
    for query in ["ㅍ", "푸", "푸른", ""] {
        ui.rt.block_on(ui.k.act(json!({"action": "search", "query": query})));
        ui.refresh();
    }
    scroll(ui, -400.0);
    ui.rt.block_on(ui.k.act(json!({"action": "select", "item_id": "MP0002"})));
    ui.refresh();
    ui.rt.block_on(ui.k.act(json!({"action": "detail", "item_id": "MP0123"})));
    ui.refresh();
    draw(ui);
    ui.rt.block_on(ui.k.act(json!({"action": "back"})));
    ui.rt.block_on(ui.k.act(json!({"action": "unselect", "item_id": "MP0002"})));
    ui.refresh();
    ui.rt.block_on(ui.k.act(json!({"action": "logout"})));
    ui.refresh();
    draw(ui);
    assert_eq!(ui.k.screen(), Screen::Attract);
}

#[test]
fn sessions_do_not_grow_what_the_window_holds() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut ui = station();
    for _ in 0..10 {
        visit(&mut ui);
    }
    let rows = |ui: &UiKiosk| {
        let api = ui.window.global::<Api>();
        [api.get_books().row_count(), api.get_selected().row_count(), api.get_loans().row_count()]
    };
    let at_10 = (LIVE.load(Ordering::Relaxed), rows(&ui), ui.bridge().covers().kept().len());
    for _ in 0..30 {
        visit(&mut ui);
    }
    let at_40 = (LIVE.load(Ordering::Relaxed), rows(&ui), ui.bridge().covers().kept().len());
    assert_eq!((at_40.1, at_40.2), (at_10.1, at_10.2), "the models and the covers kept at the start screen");
    let grown = at_40.0 - at_10.0;
    // A 500-book model left behind per visit would be 100 KiB or more.
    assert!(grown < 64 * 1024, "the heap grew {grown} bytes over 30 visits at {BOOKS} books");
}

#[test]
fn the_staff_map_shows_the_cabinet_a_page_at_a_time() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut ui = station();
    ui.press("English");
    ui.rt.block_on(ui.k.staff_login());
    ui.refresh();
    draw(&ui);
    assert!(ui.find("Locker 40").is_some() && ui.find("Locker 41").is_none(), "the first page: lockers 1-40");
    assert!(ui.find("Return bin").is_some(), "the bin on every page");
    ui.press("Next lockers");
    draw(&ui);
    assert!(ui.find("Locker 41").is_some() && ui.find("Locker 80").is_some() && ui.find("Locker 40").is_none());
    for _ in 0..20 {
        ui.press("Next lockers");
    }
    draw(&ui);
    assert!(ui.find("Locker 500").is_some() && ui.find("Locker 480").is_none(), "the last page: 481-500");
}
