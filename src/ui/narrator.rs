//! Voice guidance and the keypad, on the UI side of the arrows (the engine
//! knows nothing of either).
//!
//! What is said is what the window shows: the accessible labels of the
//! visible elements (every `Text`'s own text, the notice, a control's label),
//! read from Slint's accessibility tree after the bridge applied a view, so
//! it is in the patron's language with the very strings the screen uses
//! (the .po catalogs through `@tr()`, nothing written twice). The few words
//! a screen shows without text (a control's kind and state, the keys' hint)
//! are `@tr()` strings of `ui/speech.slint`. A number pad's label counts
//! digits ("3 digits entered") and its keys are spoken as "Number key":
//! no PIN digit, member number or pickup code is ever said.
//!
//! Spoken: each new screen or step (dispense, return, staff task), each new
//! notice, the inactivity countdown and the door's last seconds (with focus
//! on "More time"), each newly focused control, and again on request.
//!
//! The keypad: keys arrive as `Api.key` from the window's `FocusScope`;
//! the key map says what each does. The focus ring moves through the
//! visible controls in the tree's order (the top bar, the screen, its bars;
//! only a dialog's while one is open); "select" invokes the focused
//! control's default action, exactly what a touch does; on a screen with a
//! number pad, digits press its keys.

use super::generated::{Api, AppWindow, Speech};
use crate::config::{AccessibilityConfig, KeyAction, KeyMap, SpeechMode};
use crate::domain::Language;
use crate::engine::view::{Screen, ViewState};
use crate::speech::{Prosody, Speaker, Utterance};
use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot};
use slint::ComponentHandle;
use std::cell::RefCell;
use std::ops::ControlFlow;
use std::rc::Rc;

/// What, of a view, makes a new thing to say.
#[derive(Debug, Clone, PartialEq)]
struct Moment {
    screen: Screen,
    /// A new language says the screen again, in it.
    language: Language,
    /// The dispense, return or staff step (with its locker and book number).
    step: String,
    notice: Option<String>,
    countdown: bool,
    warning: bool,
}

impl Moment {
    fn of(view: &ViewState) -> Self {
        let step = format!(
            "{:?} {:?} {:?}",
            view.dispensing.as_ref().map(|d| (d.step, d.slot, d.number)),
            view.returning.as_ref().map(|r| r.step),
            view.staff.as_ref().map(|s| (s.task, s.task_slot)),
        );
        Self {
            screen: view.screen,
            language: view.language,
            step,
            notice: view.notice.as_ref().map(|n| format!("{n:?}")),
            countdown: view.countdown.is_some_and(|c| c > 0),
            warning: view.dispensing.as_ref().is_some_and(|d| d.warning)
                || view.returning.as_ref().is_some_and(|r| r.warning),
        }
    }
}

struct State {
    on: bool,
    prosody: Prosody,
    language: Language,
    last: Option<Moment>,
    /// The focused control: its place among the screen's controls, and its label.
    focus: Option<(usize, String)>,
    /// The last thing said, for "repeat".
    said: Option<String>,
    /// What the focused control was last said to be ("Borrow X" becomes "Remove X").
    focus_said: Option<String>,
}

/// A control the focus can be on.
struct Control {
    element: ElementHandle,
    label: String,
    role: AccessibleRole,
}

/// What is on the window now: its texts in order, its controls in order,
/// and whether a number pad is showing.
struct Scene {
    texts: Vec<String>,
    controls: Vec<Control>,
    pad: bool,
}

pub struct Narrator {
    window: slint::Weak<AppWindow>,
    speaker: Rc<dyn Speaker>,
    mode: SpeechMode,
    keys: KeyMap,
    key_repeat: bool,
    key_acceptance: std::time::Duration,
    /// The last key struck, taken or not, and when (the window's clock), for `key_acceptance`.
    last_key: RefCell<Option<(String, std::time::Duration)>>,
    start: Prosody,
    state: RefCell<State>,
}

/// The element is on the window (not scrolled away, not of zero size).
fn shown(e: &ElementHandle, window: slint::LogicalSize) -> bool {
    let (p, s) = (e.absolute_position(), e.size());
    s.width > 0.0
        && s.height > 0.0
        && p.y < window.height
        && p.y + s.height > 0.0
        && p.x < window.width
        && p.x + s.width > 0.0
}

/// What a patron can press or type into: what the focus stops at (and
/// what `tests/ui_reach.rs` keeps within reach).
pub fn is_control(role: AccessibleRole) -> bool {
    matches!(
        role,
        AccessibleRole::Button
            | AccessibleRole::TextInput
            | AccessibleRole::Checkbox
            | AccessibleRole::Switch
            | AccessibleRole::Slider
            | AccessibleRole::Spinbox
            | AccessibleRole::Combobox
            | AccessibleRole::Tab
    )
}

/// A single digit: a number pad's key.
fn is_digit_label(label: &str) -> bool {
    label.len() == 1 && label.chars().all(|c| c.is_ascii_digit())
}

/// Slint's key text as the key map names it.
pub fn key_name(text: &str) -> Option<String> {
    let mut chars = text.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    let name = match c {
        '\u{F700}' => "Up",
        '\u{F701}' => "Down",
        '\u{F702}' => "Left",
        '\u{F703}' => "Right",
        '\n' | '\r' => "Enter",
        '\u{1b}' => "Escape",
        '\u{8}' | '\u{7f}' => "Backspace",
        '\t' => "Tab",
        ' ' => "Space",
        c if c.is_control() || ('\u{F700}'..='\u{F8FF}').contains(&c) => return None,
        c => return Some(c.to_string()),
    };
    Some(name.to_owned())
}

/// The text a key name is sent as (the inverse of [`key_name`]), for tests
/// and tools that press keys.
pub fn key_text(name: &str) -> String {
    match name {
        "Up" => "\u{F700}".into(),
        "Down" => "\u{F701}".into(),
        "Left" => "\u{F702}".into(),
        "Right" => "\u{F703}".into(),
        "Enter" => "\n".into(),
        "Escape" => "\u{1b}".into(),
        "Backspace" => "\u{8}".into(),
        "Tab" => "\t".into(),
        "Space" => " ".into(),
        other => other.into(),
    }
}

/// Join texts into one utterance, a pause between each.
fn join(texts: &[String]) -> String {
    let mut out = String::new();
    for t in texts {
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        if !out.is_empty() {
            let ends = out.ends_with(['.', '?', '!', ':', '…', '。', '？', '！']);
            out.push_str(if ends { " " } else { ". " });
        }
        out.push_str(t);
    }
    out
}

impl Narrator {
    /// Wire the window's voice and key callbacks to a new narrator.
    pub fn new(window: &AppWindow, speaker: Rc<dyn Speaker>, config: &AccessibilityConfig) -> Rc<Self> {
        let start = Prosody::from_config(config);
        let narrator = Rc::new(Self {
            window: window.as_weak(),
            speaker,
            mode: config.speech,
            keys: config.keys.clone(),
            key_repeat: config.key_repeat,
            key_acceptance: std::time::Duration::from_millis(u64::from(config.key_acceptance_ms)),
            last_key: RefCell::new(None),
            start,
            state: RefCell::new(State {
                on: config.speech == SpeechMode::Always,
                prosody: start,
                language: Language::Ko,
                last: None,
                focus: None,
                said: None,
                focus_said: None,
            }),
        });
        let api = window.global::<Api>();
        api.set_speech_on(narrator.state.borrow().on);
        let this = Rc::downgrade(&narrator);
        api.on_voice_guidance(move || {
            if let Some(n) = this.upgrade() {
                n.toggle();
            }
        });
        let this = Rc::downgrade(&narrator);
        api.on_speech_repeat(move || {
            if let Some(n) = this.upgrade() {
                n.repeat();
            }
        });
        let this = Rc::downgrade(&narrator);
        api.on_speech_rate(move |by| {
            if let Some(n) = this.upgrade() {
                n.adjust(|p| p.step_rate(by), |s, p| s.invoke_rate(p.rate_level()));
            }
        });
        let this = Rc::downgrade(&narrator);
        api.on_speech_volume(move |by| {
            if let Some(n) = this.upgrade() {
                n.adjust(|p| p.step_volume(by), |s, p| s.invoke_volume(p.volume_level()));
            }
        });
        let this = Rc::downgrade(&narrator);
        api.on_key(move |text, repeat, at| {
            let at = std::time::Duration::from_millis(u64::try_from(at).unwrap_or(0));
            this.upgrade().is_some_and(|n| n.key(&text, repeat, at))
        });
        narrator
    }

    /// Whether voice guidance is on.
    pub fn is_on(&self) -> bool {
        self.state.borrow().on
    }

    /// After the bridge applied `view`: say what is new.
    pub fn view(&self, view: &ViewState) {
        let moment = Moment::of(view);
        let last = {
            let mut s = self.state.borrow_mut();
            s.language = view.language;
            s.last.replace(moment.clone())
        };
        // Back at the start screen: the next patron starts as configured.
        if moment.screen == Screen::Attract && last.as_ref().is_some_and(|l| l.screen != Screen::Attract) {
            self.reset();
        }
        let Some(window) = self.window.upgrade() else { return };
        let new_step = last
            .as_ref()
            .is_none_or(|l| l.screen != moment.screen || l.step != moment.step || l.language != moment.language);
        if new_step {
            self.state.borrow_mut().focus = None;
        }
        if self.is_on() {
            if moment.countdown && !last.as_ref().is_some_and(|l| l.countdown) {
                // The dialog over the screen: the scene has only its words.
                self.say_scene(&window);
            } else if moment.warning && !last.as_ref().is_some_and(|l| l.warning) {
                self.focus_id(&window, "TimeLeft::extend");
                let scene = self.scene(&window);
                let focused = self.focused_words(&scene);
                self.say(join(&[join(&scene.texts), focused.unwrap_or_default()]));
            } else if new_step {
                self.say_scene(&window);
            } else if moment.notice.is_some() && last.as_ref().is_some_and(|l| l.notice != moment.notice) {
                self.say_notice(&window);
            } else {
                // The same screen: the focused control may read differently now.
                let scene = self.scene(&window);
                let words = self.focused_words(&scene);
                if words.is_some() && words != self.state.borrow().focus_said {
                    self.state.borrow_mut().focus_said = words.clone();
                    self.say(words.unwrap_or_default());
                }
            }
        }
        self.show_focus(&window);
    }

    fn reset(&self) {
        let mut s = self.state.borrow_mut();
        s.on = self.mode == SpeechMode::Always;
        s.prosody = self.start;
        s.focus = None;
        s.said = None;
        s.focus_said = None;
        drop(s);
        if let Some(w) = self.window.upgrade() {
            w.global::<Api>().set_speech_on(self.is_on());
        }
    }

    fn say(&self, text: String) {
        // The screen joins Korean words with U+2060 (keep-all line breaks); a voice needs none.
        let text = text.replace('\u{2060}', "");
        if text.is_empty() {
            return;
        }
        let (language, prosody) = {
            let s = self.state.borrow();
            (s.language, s.prosody)
        };
        self.speaker.say(&Utterance { language, text: text.clone() }, prosody);
        self.state.borrow_mut().said = Some(text);
    }

    fn scene(&self, window: &AppWindow) -> Scene {
        let size = window.window().size().to_logical(window.window().scale_factor());
        // An open dialog is all there is to read and to press.
        let dialog = ["CountdownDialog", "HelpDialog", "StaffConfirm"]
            .iter()
            .find_map(|name| ElementHandle::find_by_element_type_name(window, name).find(|e| shown(e, size)));
        let root = dialog.unwrap_or_else(|| window.root_element());
        let mut scene = Scene { texts: Vec::new(), controls: Vec::new(), pad: false };
        let _ = root.visit_descendants(|e| -> ControlFlow<()> {
            if !shown(&e, size) {
                return ControlFlow::Continue(());
            }
            let Some(role) = e.accessible_role() else { return ControlFlow::Continue(()) };
            let label = e.accessible_label().map(|l| l.replace('\u{2060}', "")).unwrap_or_default();
            if e.id().is_some_and(|id| id == "PinPad::status") {
                scene.pad = true;
            }
            if role == AccessibleRole::Text {
                if !label.trim().is_empty() && scene.texts.last() != Some(&label) {
                    scene.texts.push(label);
                }
            } else if is_control(role) {
                let same = scene
                    .controls
                    .last()
                    .is_some_and(|c| c.label == label && c.element.absolute_position() == e.absolute_position());
                if !same {
                    scene.controls.push(Control { element: e, label, role });
                }
            }
            ControlFlow::Continue(())
        });
        scene
    }

    fn say_scene(&self, window: &AppWindow) {
        let scene = self.scene(window);
        self.say(join(&scene.texts));
    }

    /// The notice strip's own words (the screen's notice area).
    fn say_notice(&self, window: &AppWindow) {
        let size = window.window().size().to_logical(window.window().scale_factor());
        let words: Vec<String> = ElementHandle::find_by_element_type_name(window, "NoticeStrip")
            .filter(|e| shown(e, size))
            .filter_map(|e| e.accessible_label().map(|l| l.replace('\u{2060}', "")))
            .collect();
        self.say(join(&words));
    }

    /// What a control is called aloud: its label and state; a number pad's key never by its digit.
    fn control_words(&self, window: &AppWindow, scene: &Scene, c: &Control) -> String {
        let speech = window.global::<Speech>();
        if scene.pad && is_digit_label(&c.label) {
            return speech.invoke_number_key().to_string();
        }
        match c.role {
            AccessibleRole::TextInput => speech
                .invoke_field(c.label.as_str().into(), c.element.accessible_value().unwrap_or_default())
                .to_string(),
            _ => speech
                .invoke_control(
                    c.label.as_str().into(),
                    c.element.accessible_checked().unwrap_or(false),
                    c.element.accessible_enabled().unwrap_or(true),
                )
                .to_string(),
        }
    }

    fn focused_words(&self, scene: &Scene) -> Option<String> {
        let window = self.window.upgrade()?;
        let index = self.focused_index(scene)?;
        Some(self.control_words(&window, scene, &scene.controls[index]))
    }

    /// The focus's place in this scene: the control with its label, else the
    /// same place (a label that changed: "Borrow X" is now "Remove X").
    fn focused_index(&self, scene: &Scene) -> Option<usize> {
        let (index, label) = self.state.borrow().focus.clone()?;
        if scene.controls.is_empty() {
            return None;
        }
        if scene.controls.get(index).is_some_and(|c| c.label == label) {
            return Some(index);
        }
        let by_label = scene.controls.iter().position(|c| c.label == label);
        Some(by_label.unwrap_or(index.min(scene.controls.len() - 1)))
    }

    fn focus_id(&self, window: &AppWindow, id: &str) {
        let scene = self.scene(window);
        let Some(target) = ElementHandle::find_by_element_id(window, id).next() else { return };
        let at = target.absolute_position();
        if let Some(i) = scene.controls.iter().position(|c| c.element.absolute_position() == at) {
            self.state.borrow_mut().focus = Some((i, scene.controls[i].label.clone()));
        }
    }

    fn show_focus(&self, window: &AppWindow) {
        let api = window.global::<Api>();
        let scene = self.scene(window);
        match self.focused_index(&scene) {
            Some(i) => {
                let e = &scene.controls[i].element;
                let (p, s) = (e.absolute_position(), e.size());
                api.set_focus_x(p.x);
                api.set_focus_y(p.y);
                api.set_focus_width(s.width);
                api.set_focus_height(s.height);
                api.set_focus_shown(true);
            }
            None => api.set_focus_shown(false),
        }
    }

    fn toggle(&self) {
        let Some(window) = self.window.upgrade() else { return };
        if self.is_on() {
            let words = window.global::<Speech>().invoke_off().to_string();
            self.say(words);
            self.state.borrow_mut().on = false;
        } else {
            self.turn_on(&window);
        }
        window.global::<Api>().set_speech_on(self.is_on());
    }

    /// Voice guidance on (unless the kiosk has none): how the keys work, then the screen.
    fn turn_on(&self, window: &AppWindow) {
        if self.mode == SpeechMode::Off {
            return;
        }
        self.state.borrow_mut().on = true;
        window.global::<Api>().set_speech_on(true);
        let hint = window.global::<Speech>().invoke_keys_hint().to_string();
        let scene = self.scene(window);
        self.say(join(&[hint, join(&scene.texts)]));
    }

    fn repeat(&self) {
        let Some(window) = self.window.upgrade() else { return };
        if !self.is_on() {
            self.turn_on(&window);
            return;
        }
        // The screen as it is now (a countdown may have moved since).
        let scene = self.scene(&window);
        let focused = self.focused_words(&scene);
        self.say(join(&[join(&scene.texts), focused.unwrap_or_default()]));
    }

    fn adjust(&self, step: impl Fn(Prosody) -> Prosody, words: impl Fn(&Speech<'_>, Prosody) -> slint::SharedString) {
        let Some(window) = self.window.upgrade() else { return };
        if !self.is_on() {
            return;
        }
        let prosody = step(self.state.borrow().prosody);
        self.state.borrow_mut().prosody = prosody;
        let text = words(&window.global::<Speech>(), prosody).to_string();
        self.say(text);
    }

    /// A key from the keypad (`repeat`: held down, the window's repeat;
    /// `at`: the window's clock); true when it did something, or was a
    /// mapped key deliberately not taken (held down, or struck twice).
    pub fn key(&self, text: &str, repeat: bool, at: std::time::Duration) -> bool {
        let Some(window) = self.window.upgrade() else { return false };
        let Some(name) = key_name(text) else { return false };
        let ours = self.keys.action(&name).is_some() || is_digit_label(&name);
        if repeat && !self.key_repeat {
            return ours;
        }
        if ours && !repeat {
            let mut last = self.last_key.borrow_mut();
            let struck_twice =
                last.as_ref().is_some_and(|(key, when)| *key == name && at.saturating_sub(*when) < self.key_acceptance);
            // Measured from the last strike, taken or not: a tremor's
            // bounces are not taken however many there are.
            *last = Some((name.clone(), at));
            if struck_twice {
                return true;
            }
        }
        let scene = self.scene(&window);
        if scene.pad && is_digit_label(&name) {
            let key = scene.controls.iter().find(|c| c.label == name);
            if let Some(key) = key {
                key.element.invoke_accessible_default_action();
                self.after_pad_key(&window);
                return true;
            }
        }
        let Some(action) = self.keys.action(&name) else { return false };
        match action {
            KeyAction::Next => self.move_focus(&window, &scene, 1),
            KeyAction::Previous => self.move_focus(&window, &scene, -1),
            KeyAction::Select => self.select(&window, &scene),
            KeyAction::Back => window.global::<Api>().invoke_back(),
            KeyAction::Help => self.turn_on(&window),
            KeyAction::Repeat => self.repeat(),
            KeyAction::Louder => window.global::<Api>().invoke_speech_volume(1),
            KeyAction::Quieter => window.global::<Api>().invoke_speech_volume(-1),
            KeyAction::Faster => window.global::<Api>().invoke_speech_rate(1),
            KeyAction::Slower => window.global::<Api>().invoke_speech_rate(-1),
        }
        true
    }

    /// A digit typed: say how many there are now (never which).
    fn after_pad_key(&self, window: &AppWindow) {
        if !self.is_on() {
            return;
        }
        if let Some(status) = ElementHandle::find_by_element_id(window, "PinPad::status").next()
            && let Some(label) = status.accessible_label()
        {
            self.say(label.to_string());
        }
    }

    fn move_focus(&self, window: &AppWindow, scene: &Scene, by: isize) {
        let n = scene.controls.len();
        if n == 0 {
            return;
        }
        let next = match self.focused_index(scene) {
            None if by > 0 => 0,
            None => n - 1,
            Some(i) => (i as isize + by).rem_euclid(n as isize) as usize,
        };
        self.state.borrow_mut().focus = Some((next, scene.controls[next].label.clone()));
        self.show_focus(window);
        if self.is_on() {
            let words = self.control_words(window, scene, &scene.controls[next]);
            self.state.borrow_mut().focus_said = Some(words.clone());
            self.say(words);
        }
    }

    fn select(&self, window: &AppWindow, scene: &Scene) {
        let target = match self.focused_index(scene) {
            Some(i) => Some(&scene.controls[i].element),
            // A number pad with nothing focused: Enter is its OK.
            None if scene.pad => {
                let submit = ElementHandle::find_by_element_id(window, "PinPad::submit").next();
                if let Some(s) = submit {
                    s.invoke_accessible_default_action();
                }
                return;
            }
            None => None,
        };
        let Some(e) = target else {
            self.repeat();
            return;
        };
        e.invoke_accessible_default_action();
        if scene.pad && self.focused_index(scene).is_some_and(|i| is_digit_label(&scene.controls[i].label)) {
            self.after_pad_key(window);
        } else {
            // What the window itself changed (a number pad, the help dialog):
            // the engine's next view says the rest.
            let after = self.scene(window);
            if after.texts != scene.texts {
                self.state.borrow_mut().focus = None;
                if self.is_on() {
                    self.say(join(&after.texts));
                }
            }
        }
        self.show_focus(window);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_round_trip() {
        for name in crate::config::KEY_NAMES.iter().copied().chain(["5", "*", "/", "+"]) {
            assert_eq!(key_name(&key_text(name)).as_deref(), Some(name));
        }
        assert_eq!(key_name("\u{F704}"), None, "a function key is no key of the map");
    }

    #[test]
    fn texts_join_with_one_pause_each() {
        let t = |s: &[&str]| join(&s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(t(&["Welcome", "You can borrow 3.", "", "Next"]), "Welcome. You can borrow 3. Next");
    }
}
