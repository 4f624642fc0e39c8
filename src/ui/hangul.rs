//! Hangul composition for the on-screen keyboard: two-set (dubeolsik)
//! jamo keystrokes become syllables (`ㅎ ㅗ ㅇ` → `홍`). The whole text is
//! recomposed from the keystrokes each time, so backspace simply removes
//! the last keystroke. Initial-consonant searches (`ㅎㄱㄷ`) stay as jamo.

const CHOSEONG: [char; 19] =
    ['ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'];
const JUNGSEONG: [char; 21] = [
    'ㅏ', 'ㅐ', 'ㅑ', 'ㅒ', 'ㅓ', 'ㅔ', 'ㅕ', 'ㅖ', 'ㅗ', 'ㅘ', 'ㅙ', 'ㅚ', 'ㅛ', 'ㅜ', 'ㅝ', 'ㅞ', 'ㅟ', 'ㅠ', 'ㅡ',
    'ㅢ', 'ㅣ',
];
/// Finals, index 0 being "no final".
const JONGSEONG: [char; 28] = [
    '\0', 'ㄱ', 'ㄲ', 'ㄳ', 'ㄴ', 'ㄵ', 'ㄶ', 'ㄷ', 'ㄹ', 'ㄺ', 'ㄻ', 'ㄼ', 'ㄽ', 'ㄾ', 'ㄿ', 'ㅀ', 'ㅁ', 'ㅂ', 'ㅄ',
    'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ',
];
const VOWEL_PAIRS: [(char, char, char); 7] = [
    ('ㅗ', 'ㅏ', 'ㅘ'),
    ('ㅗ', 'ㅐ', 'ㅙ'),
    ('ㅗ', 'ㅣ', 'ㅚ'),
    ('ㅜ', 'ㅓ', 'ㅝ'),
    ('ㅜ', 'ㅔ', 'ㅞ'),
    ('ㅜ', 'ㅣ', 'ㅟ'),
    ('ㅡ', 'ㅣ', 'ㅢ'),
];
const FINAL_PAIRS: [(char, char, char); 11] = [
    ('ㄱ', 'ㅅ', 'ㄳ'),
    ('ㄴ', 'ㅈ', 'ㄵ'),
    ('ㄴ', 'ㅎ', 'ㄶ'),
    ('ㄹ', 'ㄱ', 'ㄺ'),
    ('ㄹ', 'ㅁ', 'ㄻ'),
    ('ㄹ', 'ㅂ', 'ㄼ'),
    ('ㄹ', 'ㅅ', 'ㄽ'),
    ('ㄹ', 'ㅌ', 'ㄾ'),
    ('ㄹ', 'ㅍ', 'ㄿ'),
    ('ㄹ', 'ㅎ', 'ㅀ'),
    ('ㅂ', 'ㅅ', 'ㅄ'),
];

fn is_consonant(c: char) -> bool {
    CHOSEONG.contains(&c)
}

fn is_vowel(c: char) -> bool {
    JUNGSEONG.contains(&c)
}

fn pair(table: &[(char, char, char)], a: char, b: char) -> Option<char> {
    table.iter().find(|(x, y, _)| *x == a && *y == b).map(|(_, _, z)| *z)
}

fn split_final(c: char) -> Option<(char, char)> {
    FINAL_PAIRS.iter().find(|(_, _, z)| *z == c).map(|(x, y, _)| (*x, *y))
}

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
            (Some(l), Some(v)) => {
                let l = CHOSEONG.iter().position(|&c| c == l).unwrap_or(0) as u32;
                let v = JUNGSEONG.iter().position(|&c| c == v).unwrap_or(0) as u32;
                let t = self.jong.and_then(|t| JONGSEONG.iter().position(|&c| c == t)).unwrap_or(0) as u32;
                out.extend(char::from_u32(0xAC00 + (l * 21 + v) * 28 + t));
            }
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
        if is_consonant(k) {
            b = match b {
                Block { cho: Some(_), jung: Some(_), jong: None } if JONGSEONG.contains(&k) => {
                    Block { jong: Some(k), ..b }
                }
                Block { cho: Some(_), jung: Some(_), jong: Some(t) } if pair(&FINAL_PAIRS, t, k).is_some() => {
                    Block { jong: pair(&FINAL_PAIRS, t, k), ..b }
                }
                _ => {
                    b.render(&mut out);
                    Block { cho: Some(k), ..Block::default() }
                }
            };
        } else if is_vowel(k) {
            b = match b {
                Block { cho: Some(_), jung: None, .. } => Block { jung: Some(k), ..b },
                Block { jung: Some(v), jong: None, .. } if pair(&VOWEL_PAIRS, v, k).is_some() => {
                    Block { jung: pair(&VOWEL_PAIRS, v, k), ..b }
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
