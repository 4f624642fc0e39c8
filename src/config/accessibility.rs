//! `[accessibility]`: voice guidance (espeak-ng) and the keypad's key map.
//! The touch UI's side reads it (`src/ui/narrator.rs`, `src/speech/`); the
//! engine never does.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// When the kiosk speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpeechMode {
    /// Never (a kiosk without a speaker or headphone jack).
    Off,
    /// From when the patron asks ("Voice guidance", or the help or repeat
    /// key) until the session ends.
    #[default]
    OnRequest,
    /// From the start of every session (a kiosk whose only audio output is
    /// its headphone jack, so it speaks only to whoever plugged in).
    Always,
}

/// `[accessibility]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessibilityConfig {
    /// `off`, `on-request` (the default) or `always`.
    pub speech: SpeechMode,
    /// The speed a session starts at, in words per minute (espeak-ng's `-s`), 80 to 450.
    pub rate: u16,
    /// The volume a session starts at (espeak-ng's amplitude `-a`), 10 to 200.
    pub volume: u16,
    /// The espeak-ng program (a name looked up on `PATH`, or a path).
    pub espeak: PathBuf,
    /// Whether a key held down acts again and again. Off by default: a
    /// held arrow would race the focus through the screen faster than the
    /// voice can say where it is, and a hand that rests on a key should
    /// not press it twice (EN 301 549 5.7: key repeat can be turned off).
    pub key_repeat: bool,
    /// A key pressed again within this many milliseconds of the same key is
    /// not taken (a tremor's double strike; EN 301 549 5.8), 0 to 2000; 0,
    /// the default, takes every press.
    pub key_acceptance_ms: u16,
    /// Which keys do what.
    pub keys: KeyMap,
}

impl Default for AccessibilityConfig {
    fn default() -> Self {
        Self {
            speech: SpeechMode::default(),
            rate: 160,
            volume: 100,
            espeak: PathBuf::from("espeak-ng"),
            key_repeat: false,
            key_acceptance_ms: 0,
            keys: KeyMap::default(),
        }
    }
}

/// `[accessibility.keys]`: each action's keys. A key is one character
/// (`"5"`, `"*"`, `"+"`) or one of the names in [`KEY_NAMES`]. On a screen
/// with a number pad, digits type (they never move the focus there).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeyMap {
    /// Focus to the next control.
    pub next: Vec<String>,
    /// Focus to the previous control.
    pub previous: Vec<String>,
    /// Press the focused control (on a number pad with nothing focused: its OK).
    pub select: Vec<String>,
    /// The screen's "Back".
    pub back: Vec<String>,
    /// Voice guidance on, the screen and how to use the keys said.
    pub help: Vec<String>,
    /// Say it again (and voice guidance on).
    pub repeat: Vec<String>,
    pub louder: Vec<String>,
    pub quieter: Vec<String>,
    pub faster: Vec<String>,
    pub slower: Vec<String>,
}

/// The names a key may have besides a single character.
pub const KEY_NAMES: &[&str] = &["Up", "Down", "Left", "Right", "Enter", "Escape", "Backspace", "Tab", "Space"];

fn keys(k: &[&str]) -> Vec<String> {
    k.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for KeyMap {
    /// A USB numeric keypad: 8/2/4/6 and the arrows move, 5 or Enter
    /// chooses, Escape or Backspace goes back, `*` helps, `/` repeats, `+`
    /// and `-` are the volume, 9 and 7 the speed.
    fn default() -> Self {
        Self {
            next: keys(&["Down", "Right", "2", "6", "Tab"]),
            previous: keys(&["Up", "Left", "8", "4"]),
            select: keys(&["5", "Enter", "Space"]),
            back: keys(&["Escape", "Backspace"]),
            help: keys(&["*"]),
            repeat: keys(&["/"]),
            louder: keys(&["+"]),
            quieter: keys(&["-"]),
            faster: keys(&["9"]),
            slower: keys(&["7"]),
        }
    }
}

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    Next,
    Previous,
    Select,
    Back,
    Help,
    Repeat,
    Louder,
    Quieter,
    Faster,
    Slower,
}

impl KeyMap {
    /// Each action with its key name under `[accessibility.keys]` and its keys.
    pub fn entries(&self) -> [(KeyAction, &'static str, &[String]); 10] {
        [
            (KeyAction::Next, "next", &self.next),
            (KeyAction::Previous, "previous", &self.previous),
            (KeyAction::Select, "select", &self.select),
            (KeyAction::Back, "back", &self.back),
            (KeyAction::Help, "help", &self.help),
            (KeyAction::Repeat, "repeat", &self.repeat),
            (KeyAction::Louder, "louder", &self.louder),
            (KeyAction::Quieter, "quieter", &self.quieter),
            (KeyAction::Faster, "faster", &self.faster),
            (KeyAction::Slower, "slower", &self.slower),
        ]
    }

    /// What the key named `key` does, if anything.
    pub fn action(&self, key: &str) -> Option<KeyAction> {
        self.entries().into_iter().find(|(_, _, keys)| keys.iter().any(|k| k == key)).map(|(a, _, _)| a)
    }

    /// The first key that is not a key name, or is given to two actions:
    /// (the action's config key, the problem).
    pub fn check(&self) -> Result<(), (String, String)> {
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for (_, name, keys) in self.entries() {
            for key in keys {
                if key.chars().count() != 1 && !KEY_NAMES.contains(&key.as_str()) {
                    let names = KEY_NAMES.join(", ");
                    return Err((name.into(), format!("{key:?} is not a key: one character or one of {names}")));
                }
                if let Some((other, _)) = seen.iter().find(|(_, k)| k == key) {
                    return Err((name.into(), format!("{key:?} is already the key of `{other}`")));
                }
                seen.push((name, key));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_map_is_a_numeric_keypad_and_checks() {
        let map = KeyMap::default();
        assert_eq!(map.check(), Ok(()));
        assert_eq!(map.action("8"), Some(KeyAction::Previous));
        assert_eq!(map.action("Enter"), Some(KeyAction::Select));
        assert_eq!(map.action("/"), Some(KeyAction::Repeat));
        assert_eq!(map.action("x"), None);
    }

    #[test]
    fn a_key_twice_or_a_misspelt_name_is_refused_by_name() {
        let twice = KeyMap { back: keys(&["5"]), ..KeyMap::default() };
        assert_eq!(twice.check().map_err(|(k, _)| k), Err("back".into()));
        let typo = KeyMap { repeat: keys(&["Entr"]), ..KeyMap::default() };
        let (key, message) = typo.check().expect_err("Entr is no key");
        assert_eq!(key, "repeat");
        assert!(message.contains("\"Entr\""), "{message}");
    }
}
