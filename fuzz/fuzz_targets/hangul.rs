//! The search keyboard's Hangul composer on any keystrokes: the text is
//! valid UTF-8 of at most as many characters as keys; a key that is not a
//! jamo (a space, a Latin letter) passes through and splits the text in
//! two independent halves; and backspace undoes exactly one keystroke.

#![no_main]

use bookstation::ui::hangul::{Composer, compose};
use libfuzzer_sys::fuzz_target;

/// Keys from bytes: mostly the 2-set keyboard's jamo (U+3131..U+3163),
/// some Latin, space and already composed syllables.
fn key(b: u8) -> char {
    match b {
        0..=199 => char::from_u32(0x3131 + u32::from(b) % 51).unwrap_or(' '),
        200..=229 => char::from(b'a' + (b - 200) % 26),
        230..=239 => ' ',
        240..=247 => char::from_u32(0xAC00 + u32::from(b - 240) * 1000).unwrap_or(' '),
        _ => char::from_u32(0x3164 + u32::from(b - 248) * 7).unwrap_or('?'),
    }
}

fuzz_target!(|data: &[u8]| {
    let keys: Vec<char> = data.iter().map(|b| key(*b)).collect();
    let text = compose(&keys);
    assert!(text.chars().count() <= keys.len(), "{keys:?} gave {text:?}");
    // A space splits: what is on each side composes on its own.
    if let Some(at) = keys.iter().position(|k| *k == ' ') {
        let split = format!("{} {}", compose(&keys[..at]), compose(&keys[at + 1..]));
        assert_eq!(text, split, "{keys:?}");
    }
    // The keyboard's way in, key by key, then one backspace.
    let mut composer = Composer::default();
    for k in &keys {
        composer.key(k.encode_utf8(&mut [0; 4]));
    }
    assert_eq!(composer.text(), text);
    composer.key("BACKSPACE");
    assert_eq!(composer.text(), compose(&keys[..keys.len().saturating_sub(1)]));
});
