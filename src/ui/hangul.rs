//! Hangul composition for the on-screen keyboard: two-set (dubeolsik)
//! jamo keystrokes become syllables (`ㅎ ㅗ ㅇ` → `홍`). The whole text is
//! recomposed from the keystrokes each time, so backspace simply removes
//! the last keystroke. Initial-consonant searches (`ㅎㄱㄷ`) stay as jamo.
//! The jamo tables and pairs are the domain's (`domain/hangul.rs`); this
//! file holds only the keystroke state machine.

use crate::domain::hangul::{
    compose_syllable, final_pair, is_choseong, is_jongseong, is_jungseong, split_final, vowel_pair,
};

/// The syllable (or lone jamo) being composed.
#[derive(Default, Clone, Copy)]
struct Block {
    cho: Option<char>,
    jung: Option<char>,
    jong: Option<char>,
}

impl Block {
    fn render(self, out: &mut String) {
        match (self.cho, self.jung) {
            (Some(l), Some(v)) => out.extend(compose_syllable(l, v, self.jong)),
            (Some(l), None) => out.push(l),
            (None, Some(v)) => out.push(v),
            (None, None) => {}
        }
    }
}

/// Compose jamo keystrokes (and any other characters, kept as they are).
pub fn compose(keys: &[char]) -> String {
    let mut out = String::new();
    let mut b = Block::default();
    for &k in keys {
        if is_choseong(k) {
            b = match b {
                Block { cho: Some(_), jung: Some(_), jong: None } if is_jongseong(k) => Block { jong: Some(k), ..b },
                Block { cho: Some(_), jung: Some(_), jong: Some(t) } if final_pair(t, k).is_some() => {
                    Block { jong: final_pair(t, k), ..b }
                }
                _ => {
                    b.render(&mut out);
                    Block { cho: Some(k), ..Block::default() }
                }
            };
        } else if is_jungseong(k) {
            b = match b {
                Block { cho: Some(_), jung: None, .. } => Block { jung: Some(k), ..b },
                Block { jung: Some(v), jong: None, .. } if vowel_pair(v, k).is_some() => {
                    Block { jung: vowel_pair(v, k), ..b }
                }
                Block { cho: Some(_), jung: Some(_), jong: Some(t) } => {
                    // The final moves to the next syllable (or its second half does).
                    let (keep, moved) = match split_final(t) {
                        Some((first, second)) => (Some(first), second),
                        None => (None, t),
                    };
                    Block { jong: keep, ..b }.render(&mut out);
                    Block { cho: Some(moved), jung: Some(k), jong: None }
                }
                _ => {
                    b.render(&mut out);
                    Block { jung: Some(k), ..Block::default() }
                }
            };
        } else {
            b.render(&mut out);
            b = Block::default();
            out.push(k);
        }
    }
    b.render(&mut out);
    out
}

/// The keystrokes typed into the search field.
#[derive(Debug, Default, Clone)]
pub struct Composer {
    keys: Vec<char>,
}

impl Composer {
    /// One key from the keyboard: a jamo, a letter, `" "`, or `"BACKSPACE"`.
    pub fn key(&mut self, key: &str) {
        if key == "BACKSPACE" {
            self.keys.pop();
        } else {
            self.keys.extend(key.chars());
        }
    }

    pub fn clear(&mut self) {
        self.keys.clear();
    }

    pub fn text(&self) -> String {
        compose(&self.keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(s: &str) -> String {
        compose(&s.chars().collect::<Vec<_>>())
    }

    #[test]
    fn syllables_compose() {
        assert_eq!(typed("ㅎㅗㅇㄱㅣㄹㄷㅗㅇㅈㅓㄴ"), "홍길동전");
        assert_eq!(typed("ㅌㅗㅈㅣ"), "토지", "a final moves to the next vowel");
        assert_eq!(typed("ㄱㅘㄴ"), "관", "compound vowel");
        assert_eq!(typed("ㄷㅏㄹㄱ"), "닭", "compound final");
        assert_eq!(typed("ㄷㅏㄹㄱㅇㅡㄴ"), "닭은");
        assert_eq!(typed("ㄷㅏㄹㄱㅏ"), "달가", "a compound final splits before a vowel");
    }

    #[test]
    fn initials_stay_jamo() {
        assert_eq!(typed("ㅎㄱㄷ"), "ㅎㄱㄷ");
    }

    #[test]
    fn latin_and_spaces_pass_through() {
        assert_eq!(typed("little prince"), "little prince");
        assert_eq!(typed("ㅎㅏㄴ ㄱㅏㅇ"), "한 강");
    }

    #[test]
    fn backspace_removes_the_last_keystroke() {
        let mut c = Composer::default();
        for k in ["ㅎ", "ㅏ", "ㄴ"] {
            c.key(k);
        }
        assert_eq!(c.text(), "한");
        c.key("BACKSPACE");
        assert_eq!(c.text(), "하");
        c.clear();
        assert_eq!(c.text(), "");
    }
}
