//! Hangul jamo and syllables: the tables (compatibility jamo, as a keyboard
//! produces them, in Unicode syllable order), composing and decomposing a
//! precomposed syllable, and the vowel and final-consonant pairs of the
//! two-set keyboard. Shared by the search (`search.rs`: initial consonants)
//! and the UI's keyboard (`ui/hangul.rs`: keystrokes into syllables).

/// The initial consonants (choseong).
pub const CHOSEONG: [char; 19] =
    ['ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'];
/// The vowels (jungseong).
pub const JUNGSEONG: [char; 21] = [
    'ㅏ', 'ㅐ', 'ㅑ', 'ㅒ', 'ㅓ', 'ㅔ', 'ㅕ', 'ㅖ', 'ㅗ', 'ㅘ', 'ㅙ', 'ㅚ', 'ㅛ', 'ㅜ', 'ㅝ', 'ㅞ', 'ㅟ', 'ㅠ', 'ㅡ',
    'ㅢ', 'ㅣ',
];
/// The finals (jongseong), index 0 being "no final".
pub const JONGSEONG: [char; 28] = [
    '\0', 'ㄱ', 'ㄲ', 'ㄳ', 'ㄴ', 'ㄵ', 'ㄶ', 'ㄷ', 'ㄹ', 'ㄺ', 'ㄻ', 'ㄼ', 'ㄽ', 'ㄾ', 'ㄿ', 'ㅀ', 'ㅁ', 'ㅂ', 'ㅄ',
    'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ',
];
/// Two vowel keys that make one vowel (`ㅗ` + `ㅏ` = `ㅘ`).
const VOWEL_PAIRS: [(char, char, char); 7] = [
    ('ㅗ', 'ㅏ', 'ㅘ'),
    ('ㅗ', 'ㅐ', 'ㅙ'),
    ('ㅗ', 'ㅣ', 'ㅚ'),
    ('ㅜ', 'ㅓ', 'ㅝ'),
    ('ㅜ', 'ㅔ', 'ㅞ'),
    ('ㅜ', 'ㅣ', 'ㅟ'),
    ('ㅡ', 'ㅣ', 'ㅢ'),
];
/// Two consonants that make one final (`ㄹ` + `ㄱ` = `ㄺ`).
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

const SYLLABLE_FIRST: u32 = 0xAC00;
const SYLLABLE_LAST: u32 = 0xD7A3;
/// 21 vowels × 28 finals share one initial consonant.
const SYLLABLES_PER_INITIAL: u32 = 21 * 28;

/// An initial consonant (what a consonant key types).
pub fn is_choseong(c: char) -> bool {
    CHOSEONG.contains(&c)
}

/// A vowel (what a vowel key types, or a pair of them).
pub fn is_jungseong(c: char) -> bool {
    JUNGSEONG.contains(&c)
}

/// A consonant that can end a syllable.
pub fn is_jongseong(c: char) -> bool {
    c != '\0' && JONGSEONG.contains(&c)
}

/// The precomposed syllable of an initial, a vowel and maybe a final;
/// `None` if one of them is not in its table.
pub fn compose_syllable(cho: char, jung: char, jong: Option<char>) -> Option<char> {
    let l = CHOSEONG.iter().position(|&c| c == cho)? as u32;
    let v = JUNGSEONG.iter().position(|&c| c == jung)? as u32;
    let t = match jong {
        Some(t) if t != '\0' => JONGSEONG.iter().position(|&c| c == t)? as u32,
        _ => 0,
    };
    char::from_u32(SYLLABLE_FIRST + (l * 21 + v) * 28 + t)
}

/// The initial consonant of a precomposed Hangul syllable.
pub fn initial_of(c: char) -> Option<char> {
    let code = u32::from(c);
    (SYLLABLE_FIRST..=SYLLABLE_LAST)
        .contains(&code)
        .then(|| CHOSEONG[((code - SYLLABLE_FIRST) / SYLLABLES_PER_INITIAL) as usize])
}

/// The vowel two vowel keys make together, if they do.
pub fn vowel_pair(a: char, b: char) -> Option<char> {
    pair(&VOWEL_PAIRS, a, b)
}

/// The final two consonants make together, if they do.
pub fn final_pair(a: char, b: char) -> Option<char> {
    pair(&FINAL_PAIRS, a, b)
}

/// The two consonants of a double final (`ㄺ` → `ㄹ`, `ㄱ`).
pub fn split_final(c: char) -> Option<(char, char)> {
    FINAL_PAIRS.iter().find(|(_, _, z)| *z == c).map(|(x, y, _)| (*x, *y))
}

fn pair(table: &[(char, char, char)], a: char, b: char) -> Option<char> {
    table.iter().find(|(x, y, _)| *x == a && *y == b).map(|(_, _, z)| *z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_are_made_of_their_jamo() {
        assert_eq!(compose_syllable('ㅎ', 'ㅗ', Some('ㅇ')), Some('홍'));
        assert_eq!(compose_syllable('ㄱ', 'ㅏ', None), Some('가'));
        assert_eq!(compose_syllable('ㄷ', 'ㅏ', Some('ㄺ')), Some('닭'));
        assert_eq!(compose_syllable('ㅏ', 'ㅏ', None), None, "a vowel is no initial");
        assert_eq!(initial_of('홍'), Some('ㅎ'));
        assert_eq!(initial_of('가'), Some('ㄱ'));
        assert_eq!(initial_of('힣'), Some('ㅎ'));
        assert_eq!(initial_of('a'), None);
        assert_eq!(initial_of('ㅎ'), None, "a lone jamo is not a syllable");
    }

    #[test]
    fn pairs_join_and_split() {
        assert_eq!(vowel_pair('ㅗ', 'ㅏ'), Some('ㅘ'));
        assert_eq!(vowel_pair('ㅏ', 'ㅗ'), None);
        assert_eq!(final_pair('ㄹ', 'ㄱ'), Some('ㄺ'));
        assert_eq!(split_final('ㄺ'), Some(('ㄹ', 'ㄱ')));
        assert_eq!(split_final('ㄱ'), None);
        assert!(is_jongseong('ㅇ') && !is_jongseong('ㄸ') && !is_jongseong('\0'));
    }
}
