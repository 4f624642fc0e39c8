//! The touch UI at 40, 500 and 1,000 books: the kiosk window drawn by
//! Slint's software renderer into a 1080×1920 frame buffer in this process
//! (the renderer the kiosk uses, without a display server in the way), fed
//! by the real engine and store. For each size: a full-screen redraw of the
//! home screen (the shelf), one step of scrolling the book list (the
//! renderer redraws what changed), one keystroke of a search (engine,
//! bridge and frame), and the staff map; with the allocations of each, and
//! how many covers were decoded and at what size (every book has a
//! 600×900 cover here). Goal: 16 ms a frame on this machine, so a slower
//! kiosk PC still draws 30 a second.
//! Run with `make bench` or `cargo run --release --locked --example ui_frames`.

// A benchmark's figures are its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod support;

use bookstation::config::{DEMO_STAFF_CARD, DEMO_STAFF_PIN};
use bookstation::engine::{Action, Input, Screen};
use bookstation::ui::{AppWindow, Bridge};
use slint::platform::software_renderer::{MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType};
use slint::platform::{Platform, PlatformError, WindowAdapter, WindowEvent};
use slint::{ComponentHandle, LogicalPosition, PhysicalSize};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use support::{BenchKiosk, Counting, SIZES, action, allocations, spread};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const WIDTH: u32 = 1080;
const HEIGHT: u32 = 1920;
const FRAMES: usize = 60;

/// Windows drawn when asked: the benchmark is the event loop.
struct Bench {
    windows: Rc<RefCell<Vec<Rc<MinimalSoftwareWindow>>>>,
    start: Instant,
}

impl Platform for Bench {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
        window.set_size(PhysicalSize::new(WIDTH, HEIGHT));
        self.windows.borrow_mut().push(window.clone());
        Ok(window)
    }
    fn duration_since_start(&self) -> Duration {
        self.start.elapsed()
    }
}

struct Screenful {
    window: Rc<MinimalSoftwareWindow>,
    buffer: Vec<PremultipliedRgbaColor>,
}

impl Screenful {
    /// Draw what changed; how long it took and how many pixels it drew.
    fn draw(&mut self) -> (Duration, u64) {
        self.render(RepaintBufferType::ReusedBuffer)
    }

    fn render(&mut self, kind: RepaintBufferType) -> (Duration, u64) {
        slint::platform::update_timers_and_animations();
        let t = Instant::now();
        let mut pixels = 0;
        let buffer = &mut self.buffer;
        self.window.draw_if_needed(|renderer| {
            renderer.set_repaint_buffer_type(kind);
            let region = renderer.render(buffer, WIDTH as usize);
            pixels = region.iter().map(|(_, s)| u64::from(s.width) * u64::from(s.height)).sum();
            renderer.set_repaint_buffer_type(RepaintBufferType::ReusedBuffer);
        });
        (t.elapsed(), pixels)
    }

    /// The whole screen drawn again, as after a change of screen.
    fn full(&mut self) -> Duration {
        self.window.request_redraw();
        self.render(RepaintBufferType::NewBuffer).0
    }
}

struct Row {
    name: &'static str,
    times: Vec<Duration>,
    allocations: u64,
    pixels: u64,
}

impl Row {
    fn new(name: &'static str) -> Self {
        Self { name, times: Vec::new(), allocations: 0, pixels: 0 }
    }
}

fn main() {
    let windows: Rc<RefCell<Vec<Rc<MinimalSoftwareWindow>>>> = Rc::default();
    slint::platform::set_platform(Box::new(Bench { windows: windows.clone(), start: Instant::now() }))
        .expect("the benchmark's platform");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    println!(
        "Bookstation touch UI frames: software renderer, {WIDTH}x{HEIGHT}, in process; every book with a 600x900 cover"
    );
    println!("machine: {}", support::machine());
    println!("rerun: cargo run --release --locked --example ui_frames");
    println!();
    println!(
        "{:>6}  {:<44} {:>8} {:>8} {:>8} {:>9} {:>10}",
        "books", "frame", "p50 ms", "p95 ms", "max ms", "allocs", "pixels"
    );
    for lockers in SIZES {
        let mut k = rt.block_on(BenchKiosk::new(lockers, Some(900)));
        let app = AppWindow::new().expect("kiosk window");
        let actions: Rc<RefCell<Vec<Action>>> = Rc::default();
        let queue = actions.clone();
        let bridge = Bridge::new(&app, Rc::new(move |a| queue.borrow_mut().push(a)), Some(k.dir.path().join("covers")));
        app.show().expect("show");
        let window = windows.borrow().last().cloned().expect("the kiosk window's adapter");
        let mut screen =
            Screenful { window, buffer: vec![PremultipliedRgbaColor::default(); (WIDTH * HEIGHT) as usize] };
        let apply = |k: &BenchKiosk| bridge.apply(&k.runner.view());
        rt.block_on(k.sign_in());
        apply(&k);
        assert_eq!(k.runner.view().screen, Screen::Home);
        assert_eq!(k.runner.view().items.len(), usize::from(lockers), "the shelf lists every book");
        let _ = screen.full();

        let mut full = Row::new("full redraw, home with the shelf");
        for _ in 0..FRAMES {
            let a = allocations();
            full.times.push(screen.full());
            full.allocations += allocations() - a;
            full.pixels += u64::from(WIDTH * HEIGHT);
        }

        // A finger's flick on the list, one frame a step.
        let mut scroll = Row::new("list scroll, 40 px a frame");
        for step in 0..FRAMES {
            let a = allocations();
            let t = Instant::now();
            let delta_y = if step < FRAMES / 2 { -40.0 } else { 40.0 };
            app.window().dispatch_event(WindowEvent::PointerScrolled {
                position: LogicalPosition::new(540.0, 1500.0),
                delta_x: 0.0,
                delta_y,
            });
            let (_, pixels) = screen.draw();
            scroll.times.push(t.elapsed());
            scroll.allocations += allocations() - a;
            scroll.pixels += pixels;
        }
        let covers_after_scroll = bridge.covers().decoded();

        // Search: a keystroke's query through the engine, into the window, drawn.
        let mut search = Row::new("search keystroke (engine, bridge, frame)");
        let queries = ["ㅍ", "푸", "푸른", "푸", "ㅍ", ""];
        for n in 0..FRAMES {
            let query = queries[n % queries.len()];
            let a = allocations();
            let t = Instant::now();
            rt.block_on(k.feed(action(serde_json::json!({"action": "search", "query": query}))));
            apply(&k);
            let (_, pixels) = screen.draw();
            search.times.push(t.elapsed());
            search.allocations += allocations() - a;
            search.pixels += pixels;
        }

        // The staff map: a page of lockers, then the next page.
        rt.block_on(k.feed(action(serde_json::json!({"action": "logout"}))));
        rt.block_on(k.feed(Input::CardTapped(DEMO_STAFF_CARD.into())));
        rt.block_on(k.feed(action(serde_json::json!({"action": "staff_pin", "pin": DEMO_STAFF_PIN}))));
        apply(&k);
        assert_eq!(k.runner.view().screen, Screen::Staff);
        let _ = screen.full();
        let mut staff = Row::new("full redraw, staff map");
        for _ in 0..FRAMES {
            let a = allocations();
            staff.times.push(screen.full());
            staff.allocations += allocations() - a;
            staff.pixels += u64::from(WIDTH * HEIGHT);
        }
        rt.block_on(k.feed(action(serde_json::json!({"action": "logout"}))));
        apply(&k);
        drop(actions.borrow_mut().drain(..));

        for row in [full, scroll, search, staff] {
            let n = row.times.len() as f64;
            let (p50, p95, max) = spread(row.times);
            println!(
                "{lockers:>6}  {:<44} {p50:>8.2} {p95:>8.2} {max:>8.2} {:>9.0} {:>10.0}",
                row.name,
                row.allocations as f64 / n,
                row.pixels as f64 / n,
            );
        }
        let kept = bridge.covers().kept();
        println!(
            "{lockers:>6}  covers decoded: {} after the first screen and {FRAMES} scroll steps, {} in all; {} kept, each {:?} px",
            covers_after_scroll,
            bridge.covers().decoded(),
            kept.len(),
            kept.first().copied().unwrap_or_default(),
        );
        app.hide().expect("hide");
    }
    println!();
    println!("goal: 16 ms a frame (p95); pixels: drawn per frame (the full screen is 2,073,600).");
}
