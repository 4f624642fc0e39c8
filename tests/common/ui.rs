//! The kiosk window on Slint's testing backend, wired to a [`Kiosk`]: tests
//! press controls by their accessible labels, the actions go to the engine,
//! and the new view state is applied to the window — all on one thread.

use super::Kiosk;
use bookstation::config::AccessibilityConfig;
use bookstation::engine::{Action, Input};
use bookstation::speech::Recorder;
use bookstation::ui::{Api, AppWindow, Bridge, Narrator, Page};
use i_slint_backend_testing::{ElementHandle, ElementRoot, TestingBackend, TestingBackendOptions};
use slint::ComponentHandle;
use std::cell::RefCell;
use std::rc::Rc;

pub struct UiKiosk {
    pub k: Kiosk,
    pub rt: tokio::runtime::Runtime,
    pub window: AppWindow,
    bridge: Rc<Bridge>,
    actions: Rc<RefCell<Vec<Action>>>,
    /// Controls pressed so far (set to 0 to count a stretch of a flow).
    pub touches: usize,
    /// Voice guidance and the keypad, speaking into `spoken`.
    narrator: Rc<Narrator>,
    pub spoken: Recorder,
}

/// Slint's testing backend on this thread: mocked time, no threads, and the
/// software renderer when `pixels` (screenshots, contrast). Slint's platform
/// is per thread and set once: an error means this thread has one already.
pub fn testing_platform(pixels: bool) -> Result<(), slint::platform::SetPlatformError> {
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: pixels.then(|| "software".into()),
    })))
}

impl UiKiosk {
    /// A kiosk window on the testing backend (set up for this thread when
    /// no earlier test on it did), on the start screen.
    pub fn on_testing_backend() -> Self {
        let _ = testing_platform(false);
        Self::new()
    }

    pub fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let k = rt.block_on(Kiosk::new());
        Self::with_kiosk(rt, k, None)
    }

    /// On the testing backend, voice guidance and the keys configured by `accessibility`.
    pub fn with_accessibility(accessibility: &AccessibilityConfig) -> Self {
        let _ = testing_platform(false);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let k = rt.block_on(Kiosk::new());
        Self::build(rt, k, None, accessibility)
    }

    /// The window on `k` (started on `rt`), covers from `covers_dir`.
    pub fn with_kiosk(rt: tokio::runtime::Runtime, k: Kiosk, covers_dir: Option<std::path::PathBuf>) -> Self {
        Self::build(rt, k, covers_dir, &AccessibilityConfig::default())
    }

    fn build(
        rt: tokio::runtime::Runtime,
        k: Kiosk,
        covers_dir: Option<std::path::PathBuf>,
        accessibility: &AccessibilityConfig,
    ) -> Self {
        let window = AppWindow::new().expect("window");
        window.window().set_size(slint::PhysicalSize::new(1080, 1920));
        let actions = Rc::new(RefCell::new(Vec::new()));
        let queue = actions.clone();
        let bridge = Bridge::new(&window, Rc::new(move |a| queue.borrow_mut().push(a)), covers_dir);
        let spoken = Recorder::default();
        let narrator = Narrator::new(&window, Rc::new(spoken.clone()), accessibility);
        let ui = Self { k, rt, window, bridge, actions, touches: 0, narrator, spoken };
        ui.refresh();
        ui
    }

    /// The bridge between the engine's views and the window.
    pub fn bridge(&self) -> &Bridge {
        &self.bridge
    }

    /// Show the engine's current view.
    pub fn refresh(&self) {
        let view = self.k.runner.view();
        self.bridge.apply(&view);
        self.narrator.view(&view);
    }

    /// Press a key of the keypad (a key map name: "Down", "Enter", "5"), as
    /// the patron would, then feed what it did to the engine.
    pub fn key(&mut self, name: &str) {
        let text: slint::SharedString = bookstation::ui::key_text(name).into();
        let window = self.window.window();
        window.dispatch_event(slint::platform::WindowEvent::KeyPressed { text: text.clone() });
        window.dispatch_event(slint::platform::WindowEvent::KeyReleased { text });
        self.pump();
    }

    /// Hold the key `name` down: pressed, repeated `times` by the keyboard, released.
    pub fn hold(&mut self, name: &str, times: usize) {
        let text: slint::SharedString = bookstation::ui::key_text(name).into();
        let window = self.window.window();
        window.dispatch_event(slint::platform::WindowEvent::KeyPressed { text: text.clone() });
        for _ in 0..times {
            window.dispatch_event(slint::platform::WindowEvent::KeyPressRepeated { text: text.clone() });
        }
        window.dispatch_event(slint::platform::WindowEvent::KeyReleased { text });
        self.pump();
    }

    /// Move the focus with `next` until the focused control is said to be
    /// `words` (at most `limit` keys); how many keys it took. What was said
    /// on the way is forgotten.
    #[track_caller]
    pub fn key_to(&mut self, words: &str, limit: usize) -> usize {
        for n in 1..=limit {
            self.key("Down");
            if self.spoken.texts().last().map(String::as_str) == Some(words) {
                self.spoken.clear();
                return n;
            }
        }
        panic!("{words:?} not reached in {limit} keys; said {:?}", self.spoken.texts());
    }

    pub fn speech_on(&self) -> bool {
        self.narrator.is_on()
    }

    /// Feed the actions the window produced to the engine, then show the result.
    pub fn pump(&mut self) {
        loop {
            let actions: Vec<Action> = self.actions.borrow_mut().drain(..).collect();
            if actions.is_empty() {
                break;
            }
            for a in actions {
                self.rt.block_on(self.k.runner.feed(Input::Action(a)));
            }
        }
        self.refresh();
    }

    pub fn find(&self, label: &str) -> Option<ElementHandle> {
        // Korean on the screen has its words joined (keep-all); so is the label asked for.
        // A label made of parts (a title, then words of the UI's) is asked
        // for with its parts joined already.
        let joined = bookstation::domain::line_break::keep_all(label);
        [joined.as_str(), label]
            .into_iter()
            .find_map(|label| {
                ElementHandle::find_by_accessible_label(&self.window, label).find(|e| e.size().width > 0.0)
            })
            .or_else(|| {
                // Chinese and Japanese words are joined where the catalog
                // is bundled (build_support/cjk_words.rs): compared without.
                let bare = |s: &str| s.replace('\u{2060}', "");
                let want = bare(label);
                self.window.root_element().visit_descendants(|e: ElementHandle| {
                    if e.size().width > 0.0 && e.accessible_label().is_some_and(|l| bare(&l) == want) {
                        std::ops::ControlFlow::Break(e)
                    } else {
                        std::ops::ControlFlow::Continue(())
                    }
                })
            })
    }

    /// Where each control labelled in `labels` stands on the window and how
    /// big it is (logical px): what a finger aims at.
    #[track_caller]
    pub fn geometry(&self, labels: &[&str]) -> Vec<(String, [i32; 4])> {
        labels
            .iter()
            .map(|label| {
                let e =
                    self.find(label).unwrap_or_else(|| panic!("no control labelled {label:?} on {:?}", self.page()));
                let (p, s) = (e.absolute_position(), e.size());
                (label.to_string(), [p.x, p.y, s.width, s.height].map(|v| v.round() as i32))
            })
            .collect()
    }

    pub fn has(&self, label: &str) -> bool {
        self.find(label).is_some()
    }

    /// Press the control with this accessible label, as a patron would.
    #[track_caller]
    pub fn press(&mut self, label: &str) {
        let Some(element) = self.scroll_to(label) else {
            panic!("no control labelled {label:?} on {:?}; view {:.600}", self.page(), format!("{:?}", self.k.view()));
        };
        element.invoke_accessible_default_action();
        self.touches += 1;
        self.pump();
    }

    /// The control labelled `label`, scrolled into view the way a patron
    /// would: with the page's "Scroll down" (then "Scroll up") while the
    /// content is taller than the room the bars leave it.
    pub fn scroll_to(&mut self, label: &str) -> Option<ElementHandle> {
        // By the buttons' ids: their labels are in the patron's language.
        for direction in ["Page::scroll-down", "Page::scroll-up"] {
            for _ in 0..20 {
                if let Some(found) = self.find(label) {
                    return Some(found);
                }
                let Some(step) = ElementHandle::find_by_element_id(&self.window, direction)
                    .find(|b| b.accessible_enabled() == Some(true))
                else {
                    break;
                };
                step.invoke_accessible_default_action();
                self.pump();
            }
        }
        self.find(label)
    }

    pub fn type_digits(&mut self, digits: &str) {
        for d in digits.chars() {
            self.press(&d.to_string());
        }
    }

    pub fn page(&self) -> Page {
        self.window.global::<Api>().get_page()
    }

    /// Something physical (a card, a scan, a door), then show the result.
    pub fn world(&mut self, f: impl AsyncFnOnce(&mut Kiosk)) {
        self.rt.block_on(f(&mut self.k));
        self.refresh();
    }
}
